/**
 * Losses that are one formula per element of (input, target): L1, MSE, hinge embedding.
 * A definition gives the forward formula and the gradient for input; this module broadcasts,
 * reduces, records the node and runs the backward.
 *
 * @module
 */

import { record } from "./_autograd.ts";
import { broadcastShape, expand, sumTo } from "./_broadcast.ts";
import { checkFloat, checkSameDtype } from "./_checks.ts";
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

/** Numbers a formula reads: `n` is the element count for `"mean"` and 1 otherwise. */
export interface PointwiseParams {
  /** Divisor of the mean (1 for `"sum"` and `"none"`). */
  n: number;
  /** `margin`, `delta`, `beta`, ... as the loss needs. */
  [name: string]: number;
}

/** One elementwise loss. */
export interface PointwiseDef {
  /** PyTorch 1.13's name for the node per reduction, e.g. `"MseLossBackward0"`. */
  gradFn: Readonly<Record<Reduction, string>>;
  /** The loss of one element, each step wrapped in `r`. */
  forward: (x: number, y: number, p: PointwiseParams, r: Rounder) => number;
  /**
   * d(loss)/d(x) times `g`, where `g` is gradOutput's element (the one scalar for
   * `"mean"`/`"sum"`; the formula applies the mean's 1/n itself, in PyTorch's order).
   */
  gradInput: (x: number, y: number, g: number, p: PointwiseParams, r: Rounder) => number;
  /** `"negate"`: target's gradient is minus input's; `"none"`: target takes no gradient. */
  targetGrad: "negate" | "none";
}

/**
 * Runs an elementwise loss over `input` and `target` broadcast to `shape` (both already
 * validated, same float dtype).
 */
export function runPointwise(
  def: PointwiseDef,
  input: Tensor,
  target: Tensor,
  shape: readonly number[],
  reduction: Reduction,
  extra: Record<string, number> = {},
): Tensor {
  const dtype = input.dtype;
  const r = rounder(dtype);
  const x = expand(cpuStorage(input) as FloatArray, input.shape, shape);
  const y = expand(cpuStorage(target) as FloatArray, target.shape, shape);
  const losses = floatStorage(dtype, x.length);
  const p: PointwiseParams = { ...extra, n: reduction === "mean" ? x.length : 1 };
  const f = def.forward;
  for (let i = 0; i < x.length; i++) losses[i] = f(x[i], y[i], p, r);
  const out = reduceLosses(losses, shape, dtype, reduction);
  const inputs = def.targetGrad === "none" ? [input] : [input, target];
  const node = record(def.gradFn[reduction], inputs, (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const gx = floatStorage(dtype, x.length);
    const df = def.gradInput;
    for (let i = 0; i < x.length; i++) gx[i] = df(x[i], y[i], gradAt(g, reduction, i), p, r);
    const gradInput = input.requiresGrad
      ? new Tensor(sumTo(gx, shape, input.shape, dtype), input.shape, dtype)
      : null;
    if (def.targetGrad === "none" || !target.requiresGrad) return [gradInput, null];
    const gy = floatStorage(dtype, x.length);
    for (let i = 0; i < x.length; i++) gy[i] = -gx[i];
    return [gradInput, new Tensor(sumTo(gy, shape, target.shape, dtype), target.shape, dtype)];
  });
  return new Tensor(out.storage, out.shape, dtype, node);
}

/**
 * The checks of L1 and MSE: float tensors of one dtype whose shapes broadcast. Returns the
 * broadcast shape.
 */
export function checkPointwise(fn: string, input: Tensor, target: Tensor): number[] {
  checkFloat(fn, { input, target });
  checkSameDtype(fn, { input, target });
  return broadcastShape(fn, { input, target });
}
