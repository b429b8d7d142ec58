/**
 * GPU memory: storage buffers from a pool keyed by size class, returned to the pool when the
 * tensor (or scratch use) that held them ends, uniform buffers for parameters, and readback.
 * Reusing a buffer right after a submit is safe: the queue runs writes and submits in order.
 *
 * @module
 */

import { gpu, withErrorScope } from "./device.ts";
import { givePooled, hold, letGo } from "../pool.ts";

// GPUBufferUsage's values, written out so that importing this module needs no WebGPU.
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const UNIFORM_USAGE = 0x40;
const STORAGE_USAGE = 0x80;
const STORAGE = STORAGE_USAGE | COPY_SRC | COPY_DST;
const UNIFORM = UNIFORM_USAGE | COPY_DST;
const MAP_MODE_READ = 0x1;
/** Bytes of one uniform buffer: room for every op's parameters. */
export const UNIFORM_BYTES = 256;
/** Pooled bytes above this are destroyed instead of kept. */
const POOL_LIMIT = 512 * 1024 * 1024;

const storagePool = new Map<number, GPUBuffer[]>();
const uniformPool: GPUBuffer[] = [];
let pooledBytes = 0;
let created = 0;
let live = 0;
let readbacks = 0;
let handedOver = 0;

/**
 * Counts for tests and reports: storage and uniform buffers ever created, alive now (not yet
 * destroyed, wherever they are: with a tensor, idle in the pool, or handed over), idle in the
 * pool, handed over to another owner and not yet destroyed, and readbacks (mappings) done.
 */
export interface BufferStats {
  created: number;
  live: number;
  pooled: number;
  handedOver: number;
  readbacks: number;
}

/** The pool's counters. */
export function bufferStats(): BufferStats {
  let pooled = uniformPool.length;
  for (const list of storagePool.values()) pooled += list.length;
  return { created, live, pooled, handedOver, readbacks };
}

/** The size class of a request: powers of two up to 1 MiB, then multiples of 1 MiB. */
function sizeClass(bytes: number): number {
  const min = Math.max(bytes, 16);
  if (min <= 1 << 20) return 2 ** Math.ceil(Math.log2(min));
  return Math.ceil(min / (1 << 20)) * (1 << 20);
}

/** A storage buffer of at least `bytes` bytes (contents undefined). */
export function acquireStorage(bytes: number): GPUBuffer {
  const size = sizeClass(bytes);
  const list = storagePool.get(size);
  const reused = list?.pop();
  if (reused !== undefined) {
    pooledBytes -= size;
    return reused;
  }
  created++;
  live++;
  return gpu().device.createBuffer({ size, usage: STORAGE });
}

/** Gives a storage buffer back to the pool (or destroys it when the pool is full). */
export function releaseStorage(buffer: GPUBuffer): void {
  const size = buffer.size;
  if (pooledBytes + size > POOL_LIMIT) {
    buffer.destroy();
    live--;
    return;
  }
  pooledBytes += size;
  const list = storagePool.get(size);
  if (list === undefined) storagePool.set(size, [buffer]);
  else list.push(buffer);
}

/** A uniform buffer holding `data` (at most {@linkcode UNIFORM_BYTES}). */
export function uniform(data: ArrayBuffer): GPUBuffer {
  let buffer = uniformPool.pop();
  if (buffer === undefined) {
    created++;
    live++;
    buffer = gpu().device.createBuffer({ size: UNIFORM_BYTES, usage: UNIFORM });
  }
  gpu().device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** Gives a uniform buffer back after the submit that reads it. */
export function releaseUniform(buffer: GPUBuffer): void {
  uniformPool.push(buffer);
}

/** What a storage returns when it ends: its buffer, and its hold on the CPU elements. */
interface Owned {
  buffer: GPUBuffer;
  host: ArrayLike<number | bigint> | null;
}

function end(owned: Owned): void {
  releaseStorage(owned.buffer);
  letGoHost(owned.host);
}

/** A storage's hold on the CPU elements it was uploaded from ends. */
function letGoHost(host: ArrayLike<number | bigint> | null): void {
  if (host !== null && ArrayBuffer.isView(host) && letGo(host)) {
    givePooled(host as unknown as Float32Array);
  }
}

// The fallback for storage whose tensors were garbage collected without dispose().
const owned = new FinalizationRegistry<Owned>(end);

/** Storage released while a readback of it was pending: released once the copy is submitted. */
let releaseAfterRead: GpuStorage[] = [];

/**
 * A tensor's storage on the GPU: a pooled buffer returned to the pool by
 * {@linkcode GpuStorage.release} (a tensor's `dispose()`), or when this object is garbage
 * collected; or a buffer borrowed from another owner (TensorFlow.js), which is never pooled.
 * `host` keeps the CPU elements it was uploaded from, when known (int64 targets are validated
 * from it, as the CPU does, without a readback); the storage holds them (`pool.ts`) until it
 * ends.
 */
export class GpuStorage {
  /** The buffer; elements start at offset 0. */
  readonly buffer: GPUBuffer;
  /** Bytes used by the elements (4 per element). */
  readonly bytes: number;
  /** The CPU elements this storage was uploaded from, or `null`. */
  readonly host: ArrayLike<number | bigint> | null;
  /** Whether the buffer belongs to another owner (TensorFlow.js): never pooled here. */
  readonly borrowed: boolean;

  /**
   * Takes ownership of a pooled buffer, or borrows another owner's.
   *
   * @param buffer From {@linkcode acquireStorage}, or the other owner's when `borrowed`.
   * @param bytes The elements' bytes.
   * @param host The CPU elements, when known.
   * @param borrowed The buffer stays its owner's: it never enters the pool.
   */
  constructor(
    buffer: GPUBuffer,
    bytes: number,
    host: ArrayLike<number | bigint> | null = null,
    borrowed = false,
  ) {
    this.buffer = buffer;
    this.bytes = bytes;
    this.host = host;
    this.borrowed = borrowed;
    if (borrowed) return;
    if (host !== null && ArrayBuffer.isView(host)) hold(host);
    owned.register(this, { buffer, host }, this);
    tracked?.push(this);
  }

  /**
   * Returns the buffer to the pool now (after the copy of a readback asked for in this task),
   * and lets go of the CPU elements.
   */
  release(): void {
    if (!owned.unregister(this)) return; // borrowed, handed over, or released already
    if (pendingReads.some((r) => r.storage === this)) releaseAfterRead.push(this);
    else end({ buffer: this.buffer, host: this.host });
  }
}

/** A copy of `storage` in a new buffer (with the same CPU elements, when known). */
export function copyGpu(storage: GpuStorage): GpuStorage {
  const copy = new GpuStorage(acquireStorage(storage.bytes), storage.bytes, storage.host);
  if (storage.bytes > 0) {
    const { device } = gpu();
    const encoder = device.createCommandEncoder({ label: "copy" });
    encoder.copyBufferToBuffer(storage.buffer, 0, copy.buffer, 0, storage.bytes);
    device.queue.submit([encoder.finish()]);
  }
  return copy;
}

let tracked: GpuStorage[] | null = null;

/**
 * Runs `body` and adds to `into` every pooled storage made meanwhile: the tensors it makes and
 * what their autograd nodes keep. A caller that knows when all of them are dead (the
 * TensorFlow.js bridge, once tfjs's backward pass through a loss is over) gives them back with
 * {@linkcode releaseGpu} at once, instead of when they are collected: a training loop that never
 * yields to the event loop never runs the finalizers that refill the pool.
 */
export function trackGpu<T>(into: GpuStorage[], body: () => T): T {
  const outer = tracked;
  tracked = into;
  try {
    return body();
  } finally {
    tracked = outer;
  }
}

/**
 * Gives pooled storages back to the pool now (those handed over or borrowed are skipped). No
 * tensor over them may be read again; their commands have been submitted, and the queue runs
 * in order, so the next user of a buffer cannot overtake them.
 */
export function releaseGpu(storages: readonly GpuStorage[]): void {
  for (const s of storages) s.release();
}

/**
 * Gives the elements of `storage` to another owner for good (TensorFlow.js, which wraps the
 * buffer as a tensor's): a buffer of exactly `storage.bytes` bytes, since the other owner may
 * read a buffer's whole size as the elements. When the storage's own buffer is pooled and of
 * that size it is that buffer, taken out of the pool's bookkeeping (it will not return to the
 * pool when `storage` is collected); otherwise a new buffer outside the pool, with the
 * elements copied into it on the GPU. Either way it counts as live and handed over until
 * {@linkcode destroyHandedOver}, which its new owner's bridge calls once it is done with it.
 *
 * @throws {RangeError} If the storage has no elements (WebGPU buffers of 0 bytes cannot be
 *   bound).
 */
export function handOverGpu(storage: GpuStorage): GPUBuffer {
  const bytes = storage.bytes;
  if (bytes === 0) throw new RangeError("Cannot hand over a GPU buffer of 0 bytes");
  let buffer = storage.buffer;
  if (buffer.size === bytes && owned.unregister(storage)) {
    // its own pooled buffer, not released before: it leaves the pool's bookkeeping for good
    letGoHost(storage.host);
  } else {
    const { device } = gpu();
    buffer = device.createBuffer({ size: bytes, usage: STORAGE });
    created++;
    live++;
    withErrorScope("handing a tensor's elements over", () => {
      const encoder = device.createCommandEncoder({ label: "hand over" });
      encoder.copyBufferToBuffer(storage.buffer, 0, buffer, 0, bytes);
      device.queue.submit([encoder.finish()]);
    });
  }
  handedOver++;
  return buffer;
}

/** Destroys a buffer from {@linkcode handOverGpu} once its new owner is done with it. */
export function destroyHandedOver(buffer: GPUBuffer): void {
  buffer.destroy();
  live--;
  handedOver--;
}

/** New storage for `n` 4-byte elements (contents undefined). */
export function allocGpu(n: number): GpuStorage {
  return new GpuStorage(acquireStorage(n * 4), n * 4);
}

/** Uploads 4-byte elements. */
export function uploadGpu(
  data: Float32Array | Int32Array | Uint32Array,
  host: ArrayLike<number | bigint> | null = null,
): GpuStorage {
  const storage = new GpuStorage(acquireStorage(data.byteLength), data.byteLength, host);
  if (data.byteLength > 0) writeChunked(storage.buffer, data);
  return storage;
}

function writeChunked(buffer: GPUBuffer, data: Float32Array | Int32Array | Uint32Array): void {
  const queue = gpu().device.queue;
  const chunk = 1 << 24; // elements per write, to bound the staging copies
  for (let i = 0; i < data.length; i += chunk) {
    queue.writeBuffer(
      buffer,
      i * 4,
      data.subarray(i, Math.min(data.length, i + chunk)) as unknown as BufferSource,
    );
  }
}

interface PendingRead {
  storage: GpuStorage;
  resolve: (bytes: ArrayBuffer) => void;
  reject: (error: unknown) => void;
}

let pendingReads: PendingRead[] = [];

/**
 * Reads a storage buffer back to the CPU. Reads asked for in the same task (a loss's value
 * and its gradient, `Promise.all([loss.data(), x.grad.data()])`) share one copy, one submit
 * and one mapping: one readback.
 */
export function readGpu(storage: GpuStorage): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    if (pendingReads.length === 0) queueMicrotask(flushReads);
    pendingReads.push({ storage, resolve, reject });
  });
}

async function flushReads(): Promise<void> {
  const reads = pendingReads;
  pendingReads = [];
  readbacks++;
  const offsets: number[] = [];
  let size = 0;
  for (const r of reads) {
    offsets.push(size);
    size += Math.ceil(r.storage.bytes / 4) * 4;
  }
  try {
    const { device } = gpu();
    const staging = device.createBuffer({ size: Math.max(size, 4), usage: MAP_READ | COPY_DST });
    const encoder = device.createCommandEncoder({ label: "readback" });
    reads.forEach((r, k) => {
      if (r.storage.bytes > 0) {
        encoder.copyBufferToBuffer(r.storage.buffer, 0, staging, offsets[k], r.storage.bytes);
      }
    });
    device.queue.submit([encoder.finish()]);
    const released = releaseAfterRead;
    releaseAfterRead = [];
    for (const storage of released) end({ buffer: storage.buffer, host: storage.host });
    try {
      await staging.mapAsync(MAP_MODE_READ);
      const mapped = staging.getMappedRange();
      reads.forEach((r, k) => r.resolve(mapped.slice(offsets[k], offsets[k] + r.storage.bytes)));
    } finally {
      staging.destroy();
    }
  } catch (error) {
    for (const r of reads) r.reject(error);
  }
}
