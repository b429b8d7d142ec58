/**
 * Element types and CPU storage: the dtypes PyTorch names, the typed array that holds each, and
 * shapes with their element counts. Imports nothing.
 *
 * @module
 */

/** Element types, as PyTorch names them. */
export type DType = "float32" | "float64" | "int64" | "bool";

/** Where a tensor's storage lives: `"cpu"` (typed arrays) or `"webgpu"` (GPU buffers). */
export type Device = "cpu" | "webgpu";

/** The typed array that holds a tensor's elements on the CPU, by dtype. */
export type TypedArray = Float32Array | Float64Array | BigInt64Array | Uint8Array;

/** Nested arrays of numbers or booleans, as `tensor()` takes and `toArray()` gives. */
export type NestedArray = number | boolean | NestedArray[];

/** The product of the dimensions. */
export function shapeNumel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `[2, 3]` as text, for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Allocates zeroed storage for `n` elements of `dtype`. */
export function allocStorage(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}
