/**
 * Shapes, class indices and weights of the class losses (NLL, cross-entropy): input (C),
 * (N, C) or (N, C, d1, ..., dk) with the class along dimension 1 (0 when unbatched). Sample
 * `j = o * inner + s` reads class `k` at `o * C * inner + k * inner + s`.
 *
 * @module
 */

import {
  checkInt64,
  checkSameDevice,
  checkSameDtype,
  checkTensor,
  fail,
  shapesText,
} from "../_core/checks.ts";
import type { FloatArray } from "../_core/reduction.ts";
import { type ClassLayout, classLayoutOf } from "../_core/lanes.ts";
import { cpuStorage, formatShape, hostElements, type Tensor } from "../_core/tensor.ts";

/**
 * Checks an int64 class-index target against `input` (PyTorch's rules: 0-d target for (C),
 * (N) for (N, C), (N, d1..dk) for (N, C, d1..dk)) and returns the layout.
 */
export function checkIndexTarget(fn: string, input: Tensor, target: Tensor): ClassLayout {
  checkInt64(fn, "target", target);
  checkSameDevice(fn, { input, target });
  const layout = classLayoutOf(fn, input);
  const want = layout.sampleShape;
  const ok = target.shape.length === want.length && target.shape.every((d, k) => d === want[k]);
  if (!ok) {
    fail(
      fn,
      `target must have shape ${formatShape(want)} for this input: ${
        shapesText({ input, target })
      }`,
    );
  }
  return layout;
}

/**
 * Reads the class indices, checking each is in [0, C) or equals `ignoreIndex`. Ignored
 * samples come back as -1.
 */
export function classIndices(
  fn: string,
  target: Tensor,
  classes: number,
  ignoreIndex: number,
): Int32Array {
  // A webgpu target keeps the int64 values it was uploaded from: validated here, as on the CPU.
  const src = (hostElements(target) ?? cpuStorage(target)) as BigInt64Array;
  const out = new Int32Array(src.length);
  const halves = int32Halves(src);
  for (let j = 0; j < src.length; j++) {
    // the common case without BigInt: a value in [0, classes), or an ignoreIndex in int32
    if (halves !== null) {
      const lo = halves[2 * j];
      const hi = halves[2 * j + 1];
      if (hi === lo >> 31 && lo === ignoreIndex) {
        out[j] = -1;
        continue;
      }
      if (hi === 0 && lo >= 0 && lo < classes) {
        out[j] = lo;
        continue;
      }
    }
    out[j] = classIndex(fn, target, src[j], j, classes, ignoreIndex);
  }
  return out;
}

/** One target value read as a BigInt: its class, -1 if ignored; throws when out of range. */
export function classIndex(
  fn: string,
  target: Tensor,
  t: bigint,
  j: number,
  classes: number,
  ignoreIndex: number,
): number {
  if (t === BigInt(ignoreIndex)) return -1;
  if (t < 0n || t >= BigInt(classes)) {
    fail(
      fn,
      `target values must be in [0, ${classes}) or equal ignoreIndex (${ignoreIndex}): target${
        indexText(target.shape, j)
      } is ${t}`,
      RangeError,
    );
  }
  return Number(t);
}

/**
 * An int64 storage seen as pairs of int32 (low, high; little-endian), so that values are read
 * without BigInt: a value is `low` when `high === low >> 31`. `null` for other storage.
 */
export function int32Halves(src: ArrayLike<unknown>): Int32Array | null {
  return src instanceof BigInt64Array
    ? new Int32Array(src.buffer, src.byteOffset, src.length * 2)
    : null;
}

/**
 * Checks an optional class weight: C elements of the input's dtype, on the input's device.
 * Returns its CPU elements; `null` for a webgpu weight (its kernels read the GPU storage).
 */
export function checkWeight(
  fn: string,
  weight: Tensor | null | undefined,
  input: Tensor,
  classes: number,
): FloatArray | null {
  if (weight === undefined || weight === null) return null;
  checkTensor(fn, "weight", weight);
  if (weight.shape.length !== 1 || weight.numel !== classes) {
    fail(
      fn,
      `weight must have one element per class (${classes}): weight is ${formatShape(weight.shape)}`,
    );
  }
  checkSameDtype(fn, { input, weight });
  if (weight.requiresGrad) {
    fail(fn, "weight cannot take a gradient, as in PyTorch: weight has requiresGrad set");
  }
  checkSameDevice(fn, { input, weight });
  return weight.device === "webgpu" ? null : cpuStorage(weight) as FloatArray;
}

/** `[1, 2]` for flat index `j` of `shape`, for messages. */
export function indexText(shape: readonly number[], j: number): string {
  if (shape.length === 0) return "";
  const idx: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    idx.unshift(j % shape[k]);
    j = Math.floor(j / shape[k]);
  }
  return `[${idx.join(", ")}]`;
}
