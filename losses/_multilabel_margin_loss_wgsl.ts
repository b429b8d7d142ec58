/**
 * `multilabelMarginLoss` on WebGPU: one invocation per row marks the row's targets in a
 * scratch mask, then runs the CPU path's double loop (targets before the first -1, times
 * non-targets) in the same order; the rows are summed by the tree sum.
 *
 * @module
 */

import { record } from "./_autograd.ts";
import type { Reduction } from "./_reduction.ts";
import { recordRows, type RowArray } from "./_rows_wgsl.ts";
import { allocGpu } from "./_webgpu/buffers.ts";
import { recordSumOf } from "./_webgpu/kernels.ts";
import { GpuCommands } from "./_webgpu/pipelines.ts";
import { gpuStorage, Tensor } from "./tensor.ts";

/** What {@linkcode multilabelMarginLossWebgpu} needs, validated by `multilabelMarginLoss`. */
export interface MultilabelMarginGpuCall {
  readonly input: Tensor;
  readonly target: Tensor;
  readonly reduction: Reduction;
  readonly nframe: number;
  readonly dim: number;
  /** Whether `"none"` gives one loss per row (the input is (N, C)). */
  readonly perRow: boolean;
}

// The CPU path's formulas (see multilabel_margin_loss.ts), per row, targets y read up to the
// first -1, non-targets d:
//   z = (1 - x[y]) + x[d]; S = sum of z where z > 0 (a float64 sum there: a compensated f32
//   sum here), rounded to f32; "none": S / C, else sum_n S_n / C (/ N for "mean")
//   grad: for each counted pair, x[y] -= g and x[d] += g (g = 1 / C, or 1 / (N * C) for
//   "mean"), then every element times gradOutput.
// `z > 0` is false for nan: a nan score adds nothing, as PyTorch's kernel.
const MARK = `
fn mark_targets(base: u32) {
  for (var d = 0u; d < params.dim; d++) { mask[base + d] = 0u; }
  for (var k = 0u; k < params.dim; k++) {
    let y = tgt[base + k];
    if (y < 0) { break; }
    mask[base + u32(y)] = 1u;
  }
}
fn counts(z: f32) -> bool { return !is_nan(z) && z > 0.0; }
`;

const FORWARD = `
  let base = t * params.dim;
  mark_targets(base);
  var acc = vec2f(0.0, 0.0);
  for (var k = 0u; k < params.dim; k++) {
    let y = tgt[base + k];
    if (y < 0) { break; }
    let m = 1.0 - x[base + u32(y)];
    for (var d = 0u; d < params.dim; d++) {
      if (mask[base + d] == 1u) { continue; }
      let z = m + x[base + d];
      if (counts(z)) { acc = acc_add(acc, z); }
    }
  }
  var s = acc_value(acc);
  if (params.per_row == 1u) { s = s / params.dimf; }
  out[t] = s;
`;

const BACKWARD = `
  let base = t * params.dim;
  mark_targets(base);
  for (var d = 0u; d < params.dim; d++) { gx[base + d] = 0.0; }
  for (var k = 0u; k < params.dim; k++) {
    let y = tgt[base + k];
    if (y < 0) { break; }
    let m = 1.0 - x[base + u32(y)];
    for (var d = 0u; d < params.dim; d++) {
      if (mask[base + d] == 1u) { continue; }
      let z = m + x[base + d];
      if (counts(z)) {
        gx[base + u32(y)] = gx[base + u32(y)] - params.g;
        gx[base + d] = gx[base + d] + params.g;
      }
    }
  }
  var s = go[0];
  if (params.per_row == 1u) { s = go[t]; }
  for (var d = 0u; d < params.dim; d++) { gx[base + d] = gx[base + d] * s; }
`;

/** `multilabelMarginLoss` for webgpu tensors: one submit forward, one backward. */
export function multilabelMarginLossWebgpu(call: MultilabelMarginGpuCall): Tensor {
  const { input, target, reduction, nframe, dim, perRow } = call;
  const arrays = (cmds: GpuCommands): RowArray[] => [
    { name: "x", storage: gpuStorage(input), perRow: dim },
    { name: "tgt", storage: gpuStorage(target), type: "i32", perRow: dim },
    {
      name: "mask",
      storage: { buffer: cmds.scratch(input.numel * 4), bytes: input.numel * 4 },
      type: "u32",
      perRow: dim,
    },
  ];
  const params = [["dim", "u32", dim], ["per_row", "u32", perRow ? 1 : 0]] as const;
  const cmds = new GpuCommands("multilabelMarginLoss forward");
  const rows = allocGpu(nframe);
  const [x, tgt, mask] = arrays(cmds);
  recordRows(cmds, {
    label: "multilabelMarginLoss forward",
    inputs: [x, tgt],
    outputs: [mask, { name: "out", storage: rows, perRow: 1 }],
    params: [...params, ["dimf", "f32", dim]],
    functions: MARK,
    body: FORWARD,
  }, nframe);
  // The row sums S_n, then sum_n S_n / C (/ N for "mean"); a sum of no rows is 0.
  const divisor = nframe === 0 && reduction !== "mean"
    ? null
    : dim * (reduction === "mean" ? nframe : 1);
  const out = perRow ? rows : recordSumOf(cmds, rows, nframe, divisor);
  cmds.submit();
  const node = record("MultilabelMarginLossBackward0", [input], (gradOutput) => {
    const back = new GpuCommands("multilabelMarginLoss backward");
    const gx = allocGpu(input.numel);
    const [bx, btgt, bmask] = arrays(back);
    recordRows(back, {
      label: "multilabelMarginLoss backward",
      inputs: [bx, btgt, {
        name: "go",
        storage: gpuStorage(gradOutput),
        perRow: perRow ? 1 : undefined,
      }],
      outputs: [bmask, { name: "gx", storage: gx, perRow: dim }],
      params: [
        ...params,
        ["g", "f32", Math.fround(reduction === "mean" ? 1 / (nframe * dim) : 1 / dim)],
      ],
      functions: MARK,
      body: BACKWARD,
    }, nframe);
    back.submit();
    return [new Tensor(gx, input.shape, input.dtype)];
  });
  return new Tensor(out, perRow ? [nframe] : [], input.dtype, node);
}
