/**
 * Who holds a tensor's storage, and the pool CPU storage goes back to when nobody does.
 *
 * Every holder counts: each `Tensor` made over a storage (a `detach()` shares it), each node
 * of the tape that keeps a tensor for its backward, each WebGPU storage uploaded from it. A
 * storage goes back to the pool when the last holder lets go: `dispose()`, or a node freed
 * by `backward()`. Storage whose tensors are garbage collected without `dispose()` is left to
 * the collector: a `FinalizationRegistry` that held arrays until its callbacks ran would hold
 * them for ever in a loop that only awaits promises, where those callbacks never run.
 *
 * The pool keeps arrays of at least {@linkcode MIN_POOLED_BYTES} by dtype and length, up to
 * {@linkcode POOL_LIMIT} bytes in all (the oldest go first). Fresh memory costs page faults on
 * first touch (about 2.7 ms per MB on the project's machines) and reused memory does not:
 * this is what PyTorch's caching allocator does for it. An array that owns a block of the
 * kernel arena (`arena.ts`) goes back to the arena instead, to be cut again for any storage of
 * its size. Imports only the arena.
 *
 * @module
 */

import { arenaGive, arenaPlainBack } from "./arena.ts";

/** A typed array the pool holds, of any of the four storage kinds. */
type Pooled = Float32Array | Float64Array | BigInt64Array | Uint8Array;

/** Arrays smaller than this are not pooled: V8 allocates them cheaply. */
export const MIN_POOLED_BYTES = 4096;
/** Pooled bytes above this are dropped, the oldest first. */
export const POOL_LIMIT = 512 * 1024 * 1024;

const holders = new WeakMap<object, number>();

/**
 * Whether the pool counts the holders of `storage`: WebGPU storage, and typed arrays it could
 * pool. Smaller arrays are never pooled, so no one counts them (a WeakMap entry per small
 * tensor costs more than the array).
 */
function counted(storage: object): boolean {
  return !ArrayBuffer.isView(storage) || storage.byteLength >= MIN_POOLED_BYTES;
}

/** Counts one more holder of `storage` (a typed array or a WebGPU storage). */
export function hold(storage: object): void {
  if (counted(storage)) holders.set(storage, (holders.get(storage) ?? 0) + 1);
}

/**
 * Counts one holder fewer; returns `true` when that was the last one, and the storage may
 * be reused (never for arrays too small to pool).
 */
export function letGo(storage: object): boolean {
  if (!counted(storage)) return false;
  const n = holders.get(storage) ?? 0;
  if (n <= 1) {
    holders.delete(storage);
    return n === 1;
  }
  holders.set(storage, n - 1);
  return false;
}

/**
 * Whether `storage` may still be read: something holds it, or it is too small ever to be
 * pooled.
 */
export function isHeld(storage: object): boolean {
  return !counted(storage) || holders.has(storage);
}

// By kind (the constructor), then by length: arrays waiting to be reused, oldest first.
const pool = new Map<object, Map<number, Pooled[]>>();
// Every pooled array in the order it came back, for dropping the oldest.
const order = new Set<Pooled>();
let pooledBytes = 0;
let reused = 0;

/** The pool's counters, for tests: arrays and bytes waiting, arrays handed out again. */
export function poolStats(): { arrays: number; bytes: number; reused: number } {
  return { arrays: order.size, bytes: pooledBytes, reused };
}

// Arrays that belong to another owner: never pooled, whoever lets go of them.
const foreign = new WeakSet<object>();

/**
 * Marks an array as another owner's for good: one borrowed from another library (the values
 * of a TensorFlow.js tensor, wrapped without a copy) or handed to one. Letting go of it never
 * puts it in the pool, where a later tensor would overwrite it.
 */
export function neverPool(array: object): void {
  foreign.add(array);
}

/**
 * A pooled array of `ctor`'s kind and length `n`, or `null` when there is none. Its
 * contents are whatever its last user left.
 */
export function takePooled<A extends Pooled>(
  ctor: { new (n: number): A; BYTES_PER_ELEMENT: number },
  n: number,
): A | null {
  if (n * ctor.BYTES_PER_ELEMENT < MIN_POOLED_BYTES) return null;
  const list = pool.get(ctor)?.get(n);
  const array = list?.pop();
  if (array === undefined) return null;
  order.delete(array);
  pooledBytes -= array.byteLength;
  reused++;
  return array as A;
}

/**
 * Gives an array that nothing holds any more to the pool, or its block to the kernel arena.
 * Other views into a larger buffer are not pooled (the rest of their buffer may be in use), nor are small arrays.
 */
export function givePooled(array: Pooled): void {
  if (foreign.has(array) || arenaGive(array)) return;
  arenaPlainBack(array);
  if (
    array.byteLength < MIN_POOLED_BYTES || array.byteOffset !== 0 ||
    array.byteLength !== array.buffer.byteLength || order.has(array) || foreign.has(array)
  ) return;
  if (array.byteLength > POOL_LIMIT) return;
  while (pooledBytes + array.byteLength > POOL_LIMIT) {
    const oldest = order.values().next().value as Pooled;
    order.delete(oldest);
    pooledBytes -= oldest.byteLength;
    const list = pool.get(oldest.constructor)?.get(oldest.length);
    list?.splice(list.indexOf(oldest), 1);
  }
  let byLength = pool.get(array.constructor);
  if (byLength === undefined) pool.set(array.constructor, byLength = new Map());
  const list = byLength.get(array.length);
  if (list === undefined) byLength.set(array.length, [array]);
  else list.push(array);
  order.add(array);
  pooledBytes += array.byteLength;
}

/** Gives an array the caller made and no tensor or node holds to the pool. */
export function recycle(array: Pooled): void {
  if (!isHeld(array)) givePooled(array);
}

/** Empties the pool (tests). */
export function clearPool(): void {
  pool.clear();
  order.clear();
  pooledBytes = 0;
}
