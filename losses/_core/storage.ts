/**
 * Element types and CPU storage: the dtypes PyTorch names, the typed array that holds each, and
 * shapes with their element counts; new storage comes from the pool (`pool.ts`) when it can.
 *
 * @module
 */

import { arenaTake } from "./arena.ts";
import { takePooled } from "./pool.ts";

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

/**
 * Allocates zeroed storage for `n` elements of `dtype`: pooled memory when there is some. With
 * `kernel`, large float storage comes from the kernel arena (`arena.ts`) when it can, where the
 * WebAssembly kernels use it without copying: for tensors' storage and the gradients the
 * kernels write, never for scratch that code keeps only parts (subarrays) of, since a block goes
 * back to the arena when its own array is collected.
 */
export function allocStorage(dtype: DType, n: number, kernel = false): TypedArray {
  switch (dtype) {
    case "float32":
      return (kernel ? arenaTake(Float32Array, n)?.fill(0) : null) ??
        takePooled(Float32Array, n)?.fill(0) ?? new Float32Array(n);
    case "float64":
      return (kernel ? arenaTake(Float64Array, n)?.fill(0) : null) ??
        takePooled(Float64Array, n)?.fill(0) ?? new Float64Array(n);
    case "int64":
      return takePooled(BigInt64Array, n)?.fill(0n) ?? new BigInt64Array(n);
    case "bool":
      return takePooled(Uint8Array, n)?.fill(0) ?? new Uint8Array(n);
  }
}

/**
 * Storage for `n` elements of `dtype` whose contents are undefined (pooled memory holds what
 * its last user left): for kernels that write every element. `kernel` as for
 * {@linkcode allocStorage}.
 */
export function takeStorage(dtype: DType, n: number, kernel = false): TypedArray {
  switch (dtype) {
    case "float32":
      return (kernel ? arenaTake(Float32Array, n, true) : null) ?? takePooled(Float32Array, n) ??
        new Float32Array(n);
    case "float64":
      return (kernel ? arenaTake(Float64Array, n, true) : null) ?? takePooled(Float64Array, n) ??
        new Float64Array(n);
    case "int64":
      return takePooled(BigInt64Array, n) ?? new BigInt64Array(n);
    case "bool":
      return takePooled(Uint8Array, n) ?? new Uint8Array(n);
  }
}
