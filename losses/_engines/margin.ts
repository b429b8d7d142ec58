/**
 * Rows of scores over classes, shared by the multi-class margin losses (`multiMarginLoss`,
 * `multilabelMarginLoss`): PyTorch's shape rule for their input ((C), (N, C), or a 0-d
 * tensor seen as one class), int64 targets read with a range check, and gradOutput's factor
 * per row.
 *
 * @module
 */

import { checkInt64, fail } from "../_core/checks.ts";
import { indexText, int32Halves } from "./class_targets.ts";
import type { FloatArray } from "../_core/reduction.ts";
import { formatShape, hostElements, type Tensor } from "../_core/tensor.ts";

/** An input seen as `nframe` rows of `dim` classes. */
export interface MarginRows {
  /** Rows: N for (N, C), 1 for (C) and 0-d input. */
  nframe: number;
  /** Classes per row: C, or 1 for a 0-d input. */
  dim: number;
}

/**
 * PyTorch's rule for these losses: input (C) or (N, C) with C > 0 (N may be 0), or 0-d (one
 * class).
 */
export function marginRowsOf(fn: string, input: Tensor): MarginRows {
  const s = input.shape;
  const ok = (s.length === 2 && s[1] !== 0) || (s.length === 1 && s[0] !== 0) ||
    s.length === 0;
  if (!ok) {
    fail(
      fn,
      `input must be (C) or (N, C) with C > 0 (N may be 0): input is ${formatShape(s)}`,
    );
  }
  return { nframe: s.length <= 1 ? 1 : s[0], dim: s.length === 0 ? 1 : s[s.length - 1] };
}

/**
 * Reads an int64 target, checking every value is in `[low, high)`; `what` names the range in
 * the message.
 */
export function readTargets(
  fn: string,
  target: Tensor,
  low: number,
  high: number,
  what: string,
): Int32Array {
  checkInt64(fn, "target", target);
  const src = hostElements(target) as BigInt64Array | null;
  if (src === null) {
    fail(
      fn,
      "target's values must be known on the cpu to check them: move the target to webgpu from the cpu",
    );
  }
  const out = new Int32Array(src.length);
  const halves = int32Halves(src);
  for (let j = 0; j < src.length; j++) {
    if (halves !== null) {
      const lo = halves[2 * j];
      if (halves[2 * j + 1] === lo >> 31 && lo >= low && lo < high) {
        out[j] = lo;
        continue;
      }
    }
    const t = src[j];
    if (t < BigInt(low) || t >= BigInt(high)) {
      fail(
        fn,
        `target values must be in [${low}, ${high}) (${what}): target${
          indexText(target.shape, j)
        } is ${t}`,
        RangeError,
      );
    }
    out[j] = Number(t);
  }
  return out;
}

/**
 * gradOutput's factor for row `t`: PyTorch's backward kernels multiply by the one scalar when
 * the loss was reduced or the output is 0-d, else by the row's element.
 */
export function rowGradScale(gradOutput: FloatArray, perRow: boolean): (t: number) => number {
  if (perRow) return (t) => gradOutput[t];
  const d = gradOutput[0];
  return () => d;
}
