/**
 * Broadcasting as PyTorch does it: shapes align at the right, a size-1 dimension stretches.
 * Losses that broadcast expand their operands to the common shape and sum gradients back.
 *
 * @module
 */

import { checkAllocation, fail } from "./checks.ts";
import { type FloatArray, floatStorage } from "./reduction.ts";
import { type DType, formatShape, shapeNumel, type Tensor, type TypedArray } from "./tensor.ts";

/** The shape the tensors broadcast to, or a TypeError naming every shape. */
export function broadcastShape(fn: string, tensors: Record<string, Tensor>): number[] {
  const list = Object.values(tensors);
  const first = list[0]?.shape;
  if (first !== undefined && list.every((t) => sameShape(t.shape, first))) return [...first];
  const shapes: Record<string, readonly number[]> = {};
  for (const [name, t] of Object.entries(tensors)) shapes[name] = t.shape;
  const shape = broadcastShapes(fn, shapes);
  // A broadcast can ask for far more memory than its operands hold ([n, 1] with [1, n]):
  // check that before anything is allocated. (Empty shapes need nothing and pass.)
  const largest = Math.max(...list.map((t) => t.numel));
  if (shapeNumel(shape) > largest && list[0].device === "cpu") {
    checkAllocation(fn, "its broadcast output", shape, list[0].dtype);
  }
  return shape;
}

/** The shape several shapes broadcast to, or a TypeError naming them all. */
export function broadcastShapes(fn: string, shapes: Record<string, readonly number[]>): number[] {
  const list = Object.values(shapes);
  const ndim = Math.max(0, ...list.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < ndim; k++) {
    let size = 1;
    for (const s of list) {
      const d = s[s.length - ndim + k] ?? 1;
      if (d === 1) continue;
      if (size !== 1 && size !== d) {
        const text = Object.entries(shapes).map(([n, s]) => `${n} is ${formatShape(s)}`)
          .join(", ");
        fail(fn, `the shapes must broadcast: ${text}`);
      }
      size = d;
    }
    out.push(size);
  }
  return out;
}

/** Whether two shapes are the same. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * For each element of `shape` in row-major order, the sum over dimensions of its position
 * times `strides` (a stride of 0 maps a whole dimension onto one place): the index each
 * element reads when expanding, or the place it folds into when reducing.
 */
export function stridedIndex(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = shapeNumel(shape);
  const index = new Int32Array(n);
  const ndim = shape.length;
  const counter = new Array<number>(ndim).fill(0);
  let at = 0;
  for (let i = 0; i < n; i++) {
    index[i] = at;
    for (let k = ndim - 1; k >= 0; k--) {
      counter[k]++;
      at += strides[k];
      if (counter[k] < shape[k]) break;
      at -= strides[k] * counter[k];
      counter[k] = 0;
    }
  }
  return index;
}

/** For each element of `outShape`, the index of the element of `shape` it reads. */
function sourceIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const ndim = outShape.length;
  const strides = new Array<number>(ndim).fill(0);
  let stride = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[ndim - shape.length + k] = shape[k] === 1 ? 0 : stride;
    stride *= shape[k];
  }
  return stridedIndex(outShape, strides);
}

/** Copies `storage` (of `shape`) out to `outShape`. */
export function expand<T extends TypedArray>(
  storage: T,
  shape: readonly number[],
  outShape: readonly number[],
): T {
  if (sameShape(shape, outShape)) return storage;
  const index = sourceIndex(shape, outShape);
  const ctor = storage.constructor as new (n: number) => T;
  const out = new ctor(index.length);
  for (let i = 0; i < index.length; i++) out[i] = storage[index[i]];
  return out;
}

/** Sums a gradient of `fromShape` down to `shape` (the reverse of {@linkcode expand}). */
export function sumTo(
  grad: FloatArray,
  fromShape: readonly number[],
  shape: readonly number[],
  dtype: DType,
): FloatArray {
  if (sameShape(fromShape, shape)) return grad;
  const index = sourceIndex(shape, fromShape);
  const acc = new Float64Array(shapeNumel(shape));
  for (let i = 0; i < index.length; i++) acc[index[i]] += grad[i];
  const out = floatStorage(dtype, acc.length);
  out.set(acc);
  return out;
}
