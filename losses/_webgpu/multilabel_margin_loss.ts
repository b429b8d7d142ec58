/**
 * `multilabelMarginLoss` on WebGPU: one workgroup per row marks the row's targets in a
 * scratch mask, then runs the CPU path's double loop (targets before the first -1, times
 * non-targets), the pairs' terms summed by a fixed tree; the rows are summed by the tree sum.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import type { Reduction } from "../_core/reduction.ts";
import { recordRows, type RowArray } from "./rows.ts";
import { allocGpu } from "../_core/webgpu/buffers.ts";
import { recordSumOf } from "../_core/webgpu/kernels.ts";
import { GpuCommands, WORKGROUP } from "../_core/webgpu/pipelines.ts";
import { gpuStorage, Tensor } from "../_core/tensor.ts";

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
// One workgroup per row. The mask of the row's targets is cleared by all, then written by
// invocation 0 (which finds the first -1); the pairs are split by non-target class.
const MARK = `
var<workgroup> targets_end: u32;
fn mark_targets(base: u32, lid: u32) -> u32 {
  for (var d = lid; d < params.dim; d += ${WORKGROUP}u) { mask[base + d] = 0u; }
  storageBarrier();
  if (lid == 0u) {
    var end = params.dim;
    for (var k = 0u; k < params.dim; k++) {
      let y = tgt[base + k];
      if (y < 0) { end = k; break; }
      mask[base + u32(y)] = 1u;
    }
    targets_end = end;
  }
  storageBarrier();
  workgroupBarrier();
  return targets_end;
}
fn counts(z: f32) -> bool { return !is_nan(z) && z > 0.0; }
`;

const FORWARD = `
  let base = t * params.dim;
  let end = mark_targets(base, lid);
  var acc = vec2f(0.0, 0.0);
  for (var k = 0u; k < end; k++) {
    let m = 1.0 - x[base + u32(tgt[base + k])];
    for (var d = lid; d < params.dim; d += ${WORKGROUP}u) {
      if (mask[base + d] == 1u) { continue; }
      let z = m + x[base + d];
      if (counts(z)) { acc = acc_add(acc, z); }
    }
  }
  let sum = wg_sum(lid, acc);
  if (lid == 0u) {
    var s = sum;
    if (params.per_row == 1u) { s = s / params.dimf; }
    out[t] = s;
  }
`;

// Each class's gradient is accumulated by one invocation in the CPU path's order (targets k
// outer, classes d inner), so the bits are the CPU's.
const BACKWARD = `
  let base = t * params.dim;
  let end = mark_targets(base, lid);
  var s = go[0];
  if (params.per_row == 1u) { s = go[t]; }
  for (var c = lid; c < params.dim; c += ${WORKGROUP}u) {
    var v = 0.0;
    if (mask[base + c] == 1u) {
      let m = 1.0 - x[base + c];
      for (var k = 0u; k < end; k++) {
        if (tgt[base + k] != i32(c)) { continue; }
        for (var d = 0u; d < params.dim; d++) {
          if (mask[base + d] == 0u && counts(m + x[base + d])) { v = v - params.g; }
        }
      }
    } else {
      let xd = x[base + c];
      for (var k = 0u; k < end; k++) {
        if (counts((1.0 - x[base + u32(tgt[base + k])]) + xd)) { v = v + params.g; }
      }
    }
    gx[base + c] = v * s;
  }
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
  }, { holds: [input, target] });
  return new Tensor(out, perRow ? [nframe] : [], input.dtype, node);
}
