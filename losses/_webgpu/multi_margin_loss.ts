/**
 * `multiMarginLoss` on WebGPU: one workgroup per row runs the CPU path's float32 steps over
 * the row's classes, its terms summed by a fixed tree; then the rows by the tree sum.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import type { Reduction } from "../_core/reduction.ts";
import { recordRows, reduceRows, type RowArray } from "./rows.ts";
import { allocGpu } from "../_core/webgpu/buffers.ts";
import { GpuCommands, WORKGROUP } from "../_core/webgpu/pipelines.ts";
import { gpuStorage, Tensor } from "../_core/tensor.ts";

/** What {@linkcode multiMarginLossWebgpu} needs, validated by `multiMarginLoss`. */
export interface MultiMarginGpuCall {
  readonly input: Tensor;
  readonly target: Tensor;
  readonly weight: Tensor | null;
  readonly p: number;
  readonly margin: number;
  readonly reduction: Reduction;
  readonly nframe: number;
  readonly dim: number;
  /** Whether `"none"` gives one loss per row (the target has a dimension). */
  readonly perRow: boolean;
}

// The CPU path's formulas (see multi_margin_loss.ts), per row t with y = target[t]:
//   z_d = (margin - x[y]) + x[d];  l = sum_{d != y, z_d > 0} w[y] * z_d^p, then l /= C
//   grad x[d] = w[y] * (p == 1 ? g : (2 * g) * z_d) where z_d > 0, grad x[y] = -sum of those,
//   every element times gradOutput (the row's, or the one scalar).
// `z > 0` is false for nan, so a nan term is skipped, as PyTorch's kernel does.
const FUNCTIONS = (weighted: boolean): string => `
fn class_weight(y: i32) -> f32 { return ${weighted ? "w[u32(y)]" : "1.0"}; }
fn counts(z: f32) -> bool { return !is_nan(z) && z > 0.0; }
`;

// One workgroup per row: its invocations take every 64th class, then a fixed tree sums.
const FORWARD = `
  let base = t * params.dim;
  let y = tgt[t];
  let xy = x[base + u32(y)];
  let wy = class_weight(y);
  let m = params.margin - xy;
  var acc = vec2f(0.0, 0.0);
  for (var d = lid; d < params.dim; d += ${WORKGROUP}u) {
    if (i32(d) == y) { continue; }
    let z = m + x[base + d];
    if (counts(z)) {
      var h = z;
      if (params.p == 2u) { h = z * z; }
      acc = acc_add(acc, h * wy);
    }
  }
  let sum = wg_sum(lid, acc);
  if (lid == 0u) { out[t] = sum / params.dimf; }
`;

const BACKWARD = `
  let base = t * params.dim;
  let y = tgt[t];
  let xy = x[base + u32(y)];
  let wy = class_weight(y);
  let m = params.margin - xy;
  var s = go[0];
  if (params.per_row == 1u) { s = go[t]; }
  var acc = vec2f(0.0, 0.0);
  for (var d = lid; d < params.dim; d += ${WORKGROUP}u) {
    if (i32(d) == y) { continue; }
    let z = m + x[base + d];
    var h = 0.0;
    if (counts(z)) {
      h = params.g;
      if (params.p == 2u) { h = (2.0 * params.g) * z; }
      h = h * wy;
      acc = acc_add(acc, h);
    }
    gx[base + d] = h * s;
  }
  let gy = -wg_sum(lid, acc);
  if (lid == 0u) { gx[base + u32(y)] = gy * s; }
`;

/** `multiMarginLoss` for webgpu tensors: one submit forward, one backward. */
export function multiMarginLossWebgpu(call: MultiMarginGpuCall): Tensor {
  const { input, target, weight, p, reduction, nframe, dim, perRow } = call;
  const weighted = weight !== null;
  const arrays = (): RowArray[] => [
    { name: "x", storage: gpuStorage(input), perRow: dim },
    { name: "tgt", storage: gpuStorage(target), type: "i32", perRow: 1 },
    ...(weighted ? [{ name: "w", storage: gpuStorage(weight) }] : []),
  ];
  const params = [
    ["dim", "u32", dim],
    ["p", "u32", p],
    ["margin", "f32", Math.fround(call.margin)],
  ] as const;
  const cmds = new GpuCommands("multiMarginLoss forward");
  const rows = allocGpu(nframe);
  recordRows(cmds, {
    label: "multiMarginLoss forward",
    inputs: arrays(),
    outputs: [{ name: "out", storage: rows, perRow: 1 }],
    params: [...params, ["dimf", "f32", dim]],
    functions: FUNCTIONS(weighted),
    body: FORWARD,
  }, nframe);
  const out = reduceRows(
    cmds,
    rows,
    nframe,
    perRow ? "none" : reduction === "none" ? "sum" : reduction,
  );
  cmds.submit();
  const node = record("MultiMarginLossBackward0", [input], (gradOutput) => {
    const back = new GpuCommands("multiMarginLoss backward");
    const gx = allocGpu(input.numel);
    recordRows(back, {
      label: "multiMarginLoss backward",
      inputs: [...arrays(), {
        name: "go",
        storage: gpuStorage(gradOutput),
        perRow: perRow ? 1 : undefined,
      }],
      outputs: [{ name: "gx", storage: gx, perRow: dim }],
      params: [
        ...params,
        ["g", "f32", Math.fround(reduction === "mean" ? 1 / (nframe * dim) : 1 / dim)],
        ["per_row", "u32", perRow ? 1 : 0],
      ],
      functions: FUNCTIONS(weighted),
      body: BACKWARD,
    }, nframe);
    back.submit();
    return [new Tensor(gx, input.shape, input.dtype)];
  }, { holds: weight === null ? [input, target] : [input, target, weight] });
  return new Tensor(out, perRow ? [nframe] : [], input.dtype, node);
}
