/**
 * `multilabelSoftMarginLoss` on WebGPU: the operands broadcast to one shape, one workgroup
 * per row sums its terms over the class dimension (compensated partials and a fixed tree for
 * the CPU path's float64 sum), the rows go through the tree sum; backward is one workgroup per
 * row too.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import type { Reduction } from "../_core/reduction.ts";
import { recordRows, reduceRows, type RowArray } from "./rows.ts";
import { lanesOf } from "../_core/lanes.ts";
import { allocGpu, type GpuStorage } from "../_core/webgpu/buffers.ts";
import { recordExpand, recordSumTo } from "../_core/webgpu/kernels.ts";
import { GpuCommands, WORKGROUP } from "../_core/webgpu/pipelines.ts";
import { gpuStorage, shapeNumel, Tensor } from "../_core/tensor.ts";

/** What {@linkcode multilabelSoftMarginLossWebgpu} needs, validated by the public function. */
export interface MultilabelSoftMarginGpuCall {
  readonly input: Tensor;
  /** The target as given (for its gradient). */
  readonly target: Tensor;
  /** The target in the input's dtype, or int64 labels (read as floats by the kernels). */
  readonly labels: Tensor;
  readonly weight: Tensor | null;
  /** The broadcast shape of the operands. */
  readonly shape: readonly number[];
  readonly reduction: Reduction;
}

// The CPU path's formulas (see multilabel_soft_margin_loss.ts), PyTorch's composite:
//   logsigmoid(v) = min(v, 0) - log1p(exp(-|v|)); its gradient times c:
//     b = exp(-|v|), q = b / (1 + b), v < 0 ? (1 - q) * c : q * c
//   neg = -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x)); term = neg * w
//   row = sum of its terms over dimension input.ndim - 1 / C; then none / mean / sum
//   backward, gl = (gradOutput's row, or the scalar / rows for "mean") / C:
//     gw = gl * neg; gA = -(gl * w); gy = gA * a - gA * b;
//     gx = lsg(x, gA * y) - lsg(-x, gA * (1 - y))
// exp(-inf) is made 0 and nan passes through by its bits (compilers may assume finite floats).
const FUNCTIONS = (weighted: boolean): string => `
fn weight_at(i: u32) -> f32 { return ${weighted ? "w[i]" : "1.0"}; }
fn exp_neg_abs(v: f32) -> f32 {
  let a = abs(v);
  if (is_inf(a)) { return 0.0; }
  return exp(-a);
}
fn log_sigmoid(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  return min(v, 0.0) - log1p_f32(exp_neg_abs(v));
}
fn log_sigmoid_grad(v: f32, c: f32) -> f32 {
  if (is_nan(v)) { return v; }
  let b = exp_neg_abs(v);
  let q = b / (1.0 + b);
  if (v < 0.0) { return (1.0 - q) * c; }
  return q * c;
}
fn negated(xv: f32, yv: f32) -> f32 {
  return -((yv * log_sigmoid(xv)) + ((1.0 - yv) * log_sigmoid(-xv)));
}
`;

const FORWARD = `
  let o = t / params.inner;
  let s = t % params.inner;
  var acc = vec2f(0.0, 0.0);
  for (var c = lid; c < params.size; c += ${WORKGROUP}u) {
    let i = (o * params.size + c) * params.inner + s;
    acc = acc_add(acc, negated(x[i], f32(y[i])) * weight_at(i));
  }
  let sum = wg_sum(lid, acc);
  if (lid == 0u) {
    if (params.classes == 0.0) { out[t] = nan_f32(); } else { out[t] = sum / params.classes; }
  }
`;

function backwardBody(gx: boolean, gy: boolean, gw: boolean): string {
  return `
  let o = t / params.inner;
  let s = t % params.inner;
  var gr = go[0];
  if (params.mode == 0u) { gr = go[t]; }
  if (params.mode == 1u) { gr = gr / params.rows; }
  let gl = gr / params.classes;
  for (var c = lid; c < params.size; c += ${WORKGROUP}u) {
    let i = (o * params.size + c) * params.inner + s;
    let xv = x[i];
    let yv = f32(y[i]);
    ${gw ? "gw[i] = gl * negated(xv, yv);" : ""}
    let ga = -(gl * weight_at(i));
    ${gy ? "gy[i] = (ga * log_sigmoid(xv)) - (ga * log_sigmoid(-xv));" : ""}
    ${gx ? "gx[i] = log_sigmoid_grad(xv, ga * yv) + -log_sigmoid_grad(-xv, ga * (1.0 - yv));" : ""}
  }
`;
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** `multilabelSoftMarginLoss` for webgpu tensors: one submit forward, one backward. */
export function multilabelSoftMarginLossWebgpu(call: MultilabelSoftMarginGpuCall): Tensor {
  const { input, target, labels, weight, shape, reduction } = call;
  const n = shapeNumel(shape);
  const k = input.shape.length - 1;
  const classes = input.shape[k];
  const lanes = lanesOf(shape, k);
  const nrows = lanes.outer * lanes.inner;
  const rowShape = shape.filter((_d, j) => j !== k);
  const cmds = new GpuCommands("multilabelSoftMarginLoss forward");
  const full = (t: Tensor): GpuStorage =>
    sameDims(t.shape, shape) ? gpuStorage(t) : recordExpand(cmds, gpuStorage(t), t.shape, shape, n);
  // Rows are contiguous when the summed dimension is the last: then windows of rows.
  const perRow = lanes.inner === 1 ? lanes.size : undefined;
  const perOne = lanes.inner === 1 ? 1 : undefined;
  const arrays: RowArray[] = [
    { name: "x", storage: full(input), perRow },
    { name: "y", storage: full(labels), type: labels.dtype === "int64" ? "i32" : "f32", perRow },
    ...(weight === null ? [] : [{ name: "w", storage: full(weight), perRow }]),
  ];
  const params = [
    ["size", "u32", lanes.size],
    ["inner", "u32", lanes.inner],
    ["classes", "f32", classes],
  ] as const;
  const rows = allocGpu(nrows);
  recordRows(cmds, {
    label: "multilabelSoftMarginLoss forward",
    inputs: arrays,
    outputs: [{ name: "out", storage: rows, perRow: perOne }],
    params,
    functions: FUNCTIONS(weight !== null),
    body: FORWARD,
  }, nrows);
  const out = reduceRows(cmds, rows, nrows, reduction);
  cmds.submit();
  const gradFn = { none: "DivBackward0", mean: "MeanBackward0", sum: "SumBackward0" }[reduction];
  const operands = weight === null ? [input, target] : [input, target, weight];
  const node = record(gradFn, operands, (gradOutput) => {
    const wants = operands.map((t) => t.requiresGrad);
    const names = ["gx", "gy", "gw"];
    const back = new GpuCommands("multilabelSoftMarginLoss backward");
    const grads = wants.map((w) => (w ? allocGpu(n) : null));
    recordRows(back, {
      label: "multilabelSoftMarginLoss backward",
      inputs: [...arrays, {
        name: "go",
        storage: gpuStorage(gradOutput),
        perRow: reduction === "none" ? perOne : undefined,
      }],
      outputs: grads.flatMap((
        g,
        j,
      ) => (g === null ? [] : [{ name: names[j], storage: g, perRow }])),
      params: [
        ...params,
        ["rows", "f32", nrows],
        ["mode", "u32", { none: 0, mean: 1, sum: 2 }[reduction]],
      ],
      functions: FUNCTIONS(weight !== null),
      body: backwardBody(wants[0], wants[1], wants[2] ?? false),
    }, nrows);
    const result = operands.map((t, j) => {
      const g = grads[j];
      if (g === null) return null;
      const summed = sameDims(t.shape, shape) ? g : recordSumTo(back, g, shape, t.shape);
      return new Tensor(summed, t.shape, t.dtype);
    });
    back.submit();
    return result;
  });
  return new Tensor(out, reduction === "none" ? rowShape : [], input.dtype, node);
}
