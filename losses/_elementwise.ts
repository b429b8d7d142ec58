/**
 * Elementwise losses of up to three operands (smooth L1, margin ranking), where each operand
 * has its own gradient formula: `_pointwise.ts` covers (input, target) losses whose target
 * gradient is none or the negation of input's; this module covers the rest. A definition
 * gives the forward formula and one gradient formula per operand; this module broadcasts,
 * reduces, records the node and runs the backward.
 *
 * @module
 */

import { record } from "./_autograd.ts";
import { expand, sumTo } from "./_broadcast.ts";
import { fail } from "./_checks.ts";
import type { PointwiseParams } from "./_pointwise.ts";
import {
  type FloatArray,
  floatStorage,
  gradAt,
  reduceLosses,
  type Reduction,
  type Rounder,
  rounder,
} from "./_reduction.ts";
import { cpuStorage, Tensor } from "./tensor.ts";

/**
 * d(loss)/d(operand) times `g` at one element, where `g` is gradOutput's element (the one
 * scalar for `"mean"`/`"sum"`; the formula applies the mean's 1/n itself, in PyTorch's order).
 * `a`, `b`, `c` are the operands' elements (`c` is 0 for two operands).
 */
export type ElementwiseGrad = (
  a: number,
  b: number,
  c: number,
  g: number,
  p: PointwiseParams,
  r: Rounder,
) => number;

/** One elementwise loss of two or three operands. */
export interface ElementwiseDef {
  /** PyTorch 1.13's name for the node per reduction, e.g. `"SmoothL1LossBackward0"`. */
  gradFn: Readonly<Record<Reduction, string>>;
  /** The loss of one element, each step wrapped in `r`. */
  forward: (a: number, b: number, c: number, p: PointwiseParams, r: Rounder) => number;
  /** One formula per operand, in operand order; `null` where the operand takes no gradient. */
  grads: readonly (ElementwiseGrad | null)[];
}

/**
 * Runs an elementwise loss over `operands` (two or three, already validated, one float
 * dtype) broadcast to `shape`.
 */
export function runElementwise(
  def: ElementwiseDef,
  operands: readonly Tensor[],
  shape: readonly number[],
  reduction: Reduction,
  extra: Record<string, number> = {},
): Tensor {
  const dtype = operands[0].dtype;
  const r = rounder(dtype);
  const [a, b, c] = operands.map((t) =>
    expand(cpuStorage(t) as FloatArray, t.shape, shape)
  ) as FloatArray[];
  const n = a.length;
  const third = c ?? new Float64Array(n);
  const losses = floatStorage(dtype, n);
  const p: PointwiseParams = { ...extra, n: reduction === "mean" ? n : 1 };
  const f = def.forward;
  for (let i = 0; i < n; i++) losses[i] = f(a[i], b[i], third[i], p, r);
  const out = reduceLosses(losses, shape, dtype, reduction);
  const differentiable = operands.filter((_, k) => def.grads[k] !== null);
  const formulas = def.grads.filter((d): d is ElementwiseGrad => d !== null);
  const node = record(def.gradFn[reduction], differentiable, (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    return differentiable.map((t, k) => {
      if (!t.requiresGrad) return null;
      const df = formulas[k];
      const grad = floatStorage(dtype, n);
      for (let i = 0; i < n; i++) grad[i] = df(a[i], b[i], third[i], gradAt(g, reduction, i), p, r);
      return new Tensor(sumTo(grad, shape, t.shape, dtype), t.shape, dtype);
    });
  });
  return new Tensor(out.storage, out.shape, dtype, node);
}

/**
 * Checks an int64-or-float label tensor against the input's float dtype and returns it as
 * that dtype (an int64 tensor becomes a new float tensor that takes no gradient, as in
 * PyTorch, where integer tensors cannot require grad).
 */
export function labelsAsFloat(fn: string, name: string, labels: Tensor, like: Tensor): Tensor {
  if (labels.dtype === like.dtype) return labels;
  if (labels.dtype !== "int64") {
    fail(
      fn,
      `${name} must have the input's dtype or be int64: input is "${like.dtype}", ${name} is "${labels.dtype}"`,
    );
  }
  const src = cpuStorage(labels) as BigInt64Array;
  const out = floatStorage(like.dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  return new Tensor(out, labels.shape, like.dtype);
}
