/**
 * Small helpers shared by the tensor ops (`ops.ts`), `pairwiseDistance` and the triplet
 * losses: option defaults, tensor checks, and PyTorch's `pow`.
 *
 * @module
 */

import { checkTensor } from "../_core/checks.ts";
import type { Rounder } from "../_core/reduction.ts";

/** PyTorch's `sgn` for real numbers: -1, 0 or 1, and 0 for nan. */
export function sgn(x: number): number {
  // branch-free: random signs make a branchy select several times slower
  return Number(x > 0) - Number(x < 0);
}

/** C's `pow`: `pow(1, y)` and `pow(x, 0)` are 1 even for nan, `pow(-1, ±inf)` is 1. */
export function cPow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
}

/**
 * `torch.pow(tensor, exponent)` for one element: PyTorch computes exponents 1, 0.5, -0.5, 2,
 * 3, -1 and -2 as `x`, `sqrt`, `1 / sqrt`, `x * x`, `x * x * x`, `1 / x` and `1 / (x * x)` (so
 * `pow(-inf, 0.5)` is nan and `pow(-0, -0.5)` is -inf), and the rest with C's `pow`.
 */
export function torchPow(x: number, e: number, r: Rounder): number {
  switch (e) {
    case 1:
      return x;
    case 0.5:
      return Math.sqrt(x);
    case -0.5:
      return 1 / r(Math.sqrt(x));
    case 2:
      return x * x;
    case 3:
      return r(x * x) * x;
    case -1:
      return 1 / x;
    case -2:
      return 1 / r(x * x);
    default:
      return cPow(x, e);
  }
}

/** `value`, or `fallback` when it is `undefined` (a `null` stays, for the checks to reject). */
export function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** `checkTensor` for several values at once. */
export function checkTensors(fn: string, values: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(values)) checkTensor(fn, name, v);
}
