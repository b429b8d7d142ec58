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
        takePooled(Float32Array, n)?.fill(0) ?? fresh(Float32Array, n);
    case "float64":
      return (kernel ? arenaTake(Float64Array, n)?.fill(0) : null) ??
        takePooled(Float64Array, n)?.fill(0) ?? fresh(Float64Array, n);
    case "int64":
      return takePooled(BigInt64Array, n)?.fill(0n) ?? fresh(BigInt64Array, n);
    case "bool":
      return takePooled(Uint8Array, n)?.fill(0) ?? fresh(Uint8Array, n);
  }
}

/** Arrays of at most this many bytes are cut from a slab ({@linkcode fresh}). */
export const SLAB_MAX_BYTES = 128;
/** The bytes of one slab. */
const SLAB_BYTES = 2048;
// the slab small arrays are cut from, and where the next one starts (8-byte aligned); null
// where the runtime has no SharedArrayBuffer
let slab: SharedArrayBuffer | null = null;
let slabAt = SLAB_BYTES;
const canShare = typeof SharedArrayBuffer === "function";

/**
 * A new zeroed array of `n` elements. One of at most {@linkcode SLAB_MAX_BYTES} bytes is a view
 * into a shared slab of {@linkcode SLAB_BYTES}, cut in order and never reused, so it starts
 * zeroed: in Deno every new `ArrayBuffer`, however small, took 0.7 to 0.9 µs here (a view into
 * an existing one about 0.06), and a loss pays for its result's storage on every call. The
 * slab is a `SharedArrayBuffer` so that no one can transfer (detach) it from under the other
 * arrays cut from it; a live array keeps its slab, at most {@linkcode SLAB_BYTES}, alive. Where
 * there is no `SharedArrayBuffer` (a browser page that is not cross-origin isolated), a plain
 * array.
 */
function fresh<A extends TypedArray>(
  ctor: {
    new (n: number): A;
    new (buffer: ArrayBufferLike, offset: number, n: number): A;
    BYTES_PER_ELEMENT: number;
  },
  n: number,
): A {
  const bytes = n * ctor.BYTES_PER_ELEMENT;
  if (bytes > SLAB_MAX_BYTES || !canShare) return new ctor(n);
  if (slabAt + bytes > SLAB_BYTES) {
    slab = new SharedArrayBuffer(SLAB_BYTES);
    slabAt = 0;
  }
  const array = new ctor(slab as SharedArrayBuffer, slabAt, n);
  slabAt += (bytes + 7) & ~7;
  return array;
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
        fresh(Float32Array, n);
    case "float64":
      return (kernel ? arenaTake(Float64Array, n, true) : null) ?? takePooled(Float64Array, n) ??
        fresh(Float64Array, n);
    case "int64":
      return takePooled(BigInt64Array, n) ?? fresh(BigInt64Array, n);
    case "bool":
      return takePooled(Uint8Array, n) ?? fresh(Uint8Array, n);
  }
}
