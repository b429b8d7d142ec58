/**
 * Reductions shared by every loss: `"none"`, `"mean"` and `"sum"`, accumulated in float64 on
 * the CPU and rounded once to the loss's dtype, which is at least as accurate as PyTorch's
 * float32 cascade sum.
 *
 * @module
 */

import { describe, fail } from "./checks.ts";
import { oneOf, type OptionCheck } from "./options.ts";
import { allocStorage, type DType, takeStorage } from "./tensor.ts";

/** How a loss folds its per-element values: PyTorch's `reduction` argument. */
export type Reduction = "none" | "mean" | "sum";

/** A float tensor's storage. */
export type FloatArray = Float32Array | Float64Array;

/** Rounds a float64 to the dtype: `Math.fround` for float32, identity for float64. */
export type Rounder = (x: number) => number;

const identity: Rounder = (x) => x;

/**
 * The rounding step for `dtype`, wrapped around every arithmetic step of a float32 formula.
 * A value stored into the dtype's typed array is rounded by the store exactly as `r` rounds
 * it (round to nearest even), so the loops leave out the last `r` before a store: V8 runs
 * chains of `Math.fround` slowly.
 */
export function rounder(dtype: DType): Rounder {
  return dtype === "float32" ? Math.fround : identity;
}

/** Zeroed float storage. */
export function floatStorage(dtype: DType, n: number): FloatArray {
  return allocStorage(dtype, n) as FloatArray;
}

/**
 * Float storage whose contents are undefined (pooled memory holds what its last user left),
 * for a kernel that writes every element: no pass to zero it. `kernel`: from the kernel arena
 * when it can (see `takeStorage`).
 */
export function takeFloat(dtype: DType, n: number, kernel = false): FloatArray {
  return takeStorage(dtype, n, kernel) as FloatArray;
}

/** The `reduction` option's check: `"none"`, `"mean"` or `"sum"` (a RangeError otherwise). */
export const REDUCTION: OptionCheck = oneOf(["none", "mean", "sum"]);

/** Checks `value` (default `"mean"`) against the three reductions. */
export function parseReduction(fn: string, value: unknown = "mean"): Reduction {
  if (value === "none" || value === "mean" || value === "sum") return value;
  fail(
    fn,
    `reduction must be "none", "mean" or "sum": current value is ${describe(value)}`,
    RangeError,
  );
}

/** Sum in float64 of a float array. */
export function sum64(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

/**
 * Folds per-element losses: `"none"` keeps them (and their shape), `"sum"` and `"mean"` give
 * a 0-d result. A mean over no elements is nan, as PyTorch.
 */
export function reduceLosses(
  losses: FloatArray,
  shape: readonly number[],
  dtype: DType,
  reduction: Reduction,
): { storage: FloatArray; shape: readonly number[] } {
  if (reduction === "none") return { storage: losses, shape };
  const total = sum64(losses);
  const out = floatStorage(dtype, 1);
  out[0] = reduction === "sum" ? total : total / losses.length;
  return { storage: out, shape: [] };
}

/** gradOutput's element for element `i`: per element for `"none"`, else the one scalar. */
export function gradAt(gradOutput: FloatArray, reduction: Reduction, i: number): number {
  return reduction === "none" ? gradOutput[i] : gradOutput[0];
}
