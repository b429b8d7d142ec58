/**
 * The kernel arena: one shared WebAssembly memory that large CPU tensors' storage is cut from,
 * so that the WebAssembly kernels read operands and write gradients where they already are
 * instead of copying them in and out chunk by chunk (the copies took as long as the kernels).
 *
 * A shared memory, because its views survive growth: growing an unshared memory detaches
 * every typed array over it, and tensors hold such arrays. Where a runtime will not make a
 * shared memory (a browser may ask for cross-origin isolation first), there is no arena:
 * storage comes from plain typed arrays and the kernels copy, as before. Deno, Node, Bun and
 * Chromium make one. The arena never exceeds {@linkcode ARENA_LIMIT}; when it is full,
 * storage again comes from plain typed arrays.
 *
 * A block is `n` elements rounded up to 64 bytes, aligned to 64 bytes: a kernel that stores
 * whole vectors past a gradient's last element stays inside the gradient's own block. A block
 * goes back to the arena when its last holder lets go of it (`dispose()`, a node freed by
 * `backward()`: `pool.ts` hands it here instead of pooling it) or when the collector takes its
 * array (a `FinalizationRegistry`, as a plain typed array would be taken). A free block is
 * reused for one of the same rounded size. While no block is given back (the collector's
 * returns do not count), at most {@linkcode ARENA_MADE_LIMIT} bytes of new blocks are cut for
 * the tensors a caller makes, and {@linkcode ARENA_FRESH_LIMIT} for what the ops compute; storage
 * past that is a plain typed array until one is. Imports nothing.
 *
 * What a user sees: the storage of such a tensor (`await t.data()`) is a `Float32Array` or
 * `Float64Array` over a `SharedArrayBuffer`, at a `byteOffset` inside it. Read it through the
 * array; `data.buffer` is the whole arena.
 *
 * @module
 */

/** Blocks are aligned to, and rounded up to, this many bytes. */
const ALIGN = 64;
/** The most the arena grows to; storage past it is a plain typed array. */
export const ARENA_LIMIT = 1024 * 1024 * 1024;
/** Arrays smaller than this are plain typed arrays: copying them costs less than a block. */
export const ARENA_MIN_BYTES = 65536;
/**
 * New blocks cut while none is given back, at most, for the results and gradients the ops compute
 * (and {@linkcode ARENA_MADE_LIMIT} for the tensors a caller makes: `tensor()`, `randn()`,
 * `rand()`). Past this, storage of that kind is a plain typed array until a block, or a plain
 * array that stood in for one ({@linkcode arenaPlainBack}), is given back by `dispose()` or by
 * the library. A loop that drops its tensors without `dispose()` would otherwise cut fresh memory
 * for every tensor, and fresh pages cost more than the copies the arena saves (a new 4 MB block
 * took 5 ms where a plain array took 1.5 and a reused block 1.0, MSE's value+grad at 1e6), while
 * the runtime's allocator hands plain arrays the pages of the ones the collector freed. A block
 * the collector returns does not start the count again: the collector returns blocks only now and
 * then (it sees a view's few bytes, not its block), so a loop that drops its tensors would cut
 * this much cold memory again after each collection; the blocks it returns are taken again first
 * all the same.
 */
export const ARENA_FRESH_LIMIT = 64 * 1024 * 1024;
/**
 * New blocks cut while none is given back, at most, for the tensors a caller makes: twice
 * {@linkcode ARENA_FRESH_LIMIT}, so that the operands of one call fit (two or three of 1e7
 * float32 elements, up to 120 MB; an operand left out is copied in, block by block, and a forward
 * at 1e7 took 11 ms that way where it took 6.3 in place, MSE and L1). A loop that makes new
 * inputs every step without `dispose()` cuts this much fresh memory before its tensors are plain
 * arrays.
 */
export const ARENA_MADE_LIMIT = 2 * ARENA_FRESH_LIMIT;
/** WebAssembly pages of 64 KiB. */
const PAGE = 65536;
/** The memory's maximum, in pages: {@linkcode ARENA_LIMIT} and one more for the tail's reads. */
export const ARENA_MAX_PAGES = ARENA_LIMIT / PAGE + 1;

/** The size of the block that holds `bytes`: rounded up to {@linkcode ALIGN}. */
function blockBytes(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/** A float array the arena hands out. */
export type ArenaArray = Float32Array | Float64Array;

interface Arena {
  memory: WebAssembly.Memory;
  /** The end of the blocks handed out so far (the next block starts here). */
  top: number;
  /** Free blocks by rounded size: their byte offsets. */
  free: Map<number, number[]>;
  /** The arrays that own a block (not subarrays of them), with their block's offset. */
  owners: WeakMap<object, number>;
  /** Every `memory.buffer` seen, so a view over any of them counts as the arena's. */
  buffers: WeakSet<object>;
  /** Bytes in blocks handed out and not yet back. */
  live: number;
  /**
   * Bytes of new blocks cut since a block was last given back (not by the collector), for
   * made tensors and for computed storage.
   */
  fresh: [number, number];
  /** Whether a block was refused for a fresh limit since one was last given back. */
  refused: boolean;
}

let arena: Arena | null | undefined;

// Blocks whose arrays the collector took: the token is the block, the held value its offset
// and size.
const collected = new FinalizationRegistry<{ at: number; bytes: number }>(({ at, bytes }) => {
  if (arena) putBack(arena, at, bytes, false);
});

/** The arena, made on first use; `null` where the runtime makes no shared memory. */
function theArena(): Arena | null {
  if (arena !== undefined) return arena;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: ARENA_MAX_PAGES, shared: true });
    arena = {
      memory,
      // offset 0 stays unused, so that no block is at address 0
      top: ALIGN,
      free: new Map(),
      owners: new WeakMap(),
      buffers: new WeakSet([memory.buffer]),
      live: 0,
      fresh: [0, 0],
      refused: false,
    };
  } catch {
    arena = null;
  }
  return arena;
}

/** The arena's memory, for kernel modules that import it; `null` where there is no arena. */
export function arenaMemory(): WebAssembly.Memory | null {
  return theArena()?.memory ?? null;
}

/** Puts a block on the free list; `given`: by `arenaGive`, not by the collector. */
function putBack(a: Arena, at: number, bytes: number, given: boolean): void {
  const list = a.free.get(bytes);
  if (list === undefined) a.free.set(bytes, [at]);
  else list.push(at);
  a.live -= bytes;
  if (given) restart(a);
}

/** Fresh cuts start from 0 again: storage came back. */
function restart(a: Arena): void {
  a.fresh = [0, 0];
  a.refused = false;
}

/** The memory's buffer now, registered as the arena's (growth makes a new one). */
function currentBuffer(a: Arena): SharedArrayBuffer {
  const buffer = a.memory.buffer as unknown as SharedArrayBuffer;
  a.buffers.add(buffer);
  return buffer;
}

/**
 * A block of the arena for `n` elements of `ctor`'s kind, or `null` when the array is too
 * small to want one, the runtime has no arena, the arena is full, or a new block would pass
 * {@linkcode ARENA_FRESH_LIMIT} (`computed`: an op's result or gradient) or
 * {@linkcode ARENA_MADE_LIMIT} (a tensor a caller makes). Its contents are what the block's last
 * user left.
 */
export function arenaTake<A extends ArenaArray>(
  ctor: {
    new (buffer: ArrayBufferLike, byteOffset: number, length: number): A;
    BYTES_PER_ELEMENT: number;
  },
  n: number,
  computed = false,
): A | null {
  const bytes = blockBytes(n * ctor.BYTES_PER_ELEMENT);
  if (n * ctor.BYTES_PER_ELEMENT < ARENA_MIN_BYTES) return null;
  const a = theArena();
  if (a === null) return null;
  let at = a.free.get(bytes)?.pop() ?? null;
  if (at === null) {
    const kind = computed ? 1 : 0;
    if (a.fresh[kind] + bytes > (computed ? ARENA_FRESH_LIMIT : ARENA_MADE_LIMIT)) {
      a.refused = true;
      return null;
    }
    at = cut(a, bytes);
    if (at === null) return null;
    a.fresh[kind] += bytes;
  }
  a.live += bytes;
  const array = new ctor(currentBuffer(a), at, n);
  a.owners.set(array, at);
  collected.register(array, { at, bytes }, array);
  return array;
}

/** A new block of `bytes` (a multiple of 64) at the top, growing the memory; `null` when full. */
function cut(a: Arena, bytes: number): number | null {
  if (a.top + bytes > ARENA_LIMIT) return null;
  // one block of reads past the last block's end (the kernels' last vector) stays inside
  const need = a.top + bytes + ALIGN;
  const have = a.memory.buffer.byteLength;
  if (need > have) {
    // grow by at least a quarter of what there is, so growth is rare
    const pages = Math.max(Math.ceil((need - have) / PAGE), Math.ceil(have / PAGE / 4));
    try {
      a.memory.grow(Math.min(pages, ARENA_MAX_PAGES - have / PAGE));
    } catch {
      return null;
    }
  }
  const at = a.top;
  a.top += bytes;
  return at;
}

/**
 * A block of at least `bytes` that is never given back, for a kernel's scratch: its byte
 * offset, or `null` where there is no arena or it is full.
 */
export function arenaScratch(bytes: number): number | null {
  const a = theArena();
  if (a === null) return null;
  const rounded = blockBytes(bytes);
  const at = cut(a, rounded);
  if (at !== null) a.live += rounded;
  return at;
}

/**
 * Returns the block that `array` owns to the arena, at once: for an array that nothing can
 * read any more (its last holder let go: `givePooled`). `false` when `array` owns no block.
 */
export function arenaGive(array: object): boolean {
  const a = arena;
  if (!a) return false;
  const at = a.owners.get(array);
  if (at === undefined) return false;
  a.owners.delete(array);
  collected.unregister(array);
  putBack(a, at, blockBytes((array as ArenaArray).byteLength), true);
  return true;
}

/**
 * Counts a plain float array that its last holder let go of (`givePooled`) as a block given
 * back, when it is of a block's size and the arena has refused a block for a fresh limit since
 * one last came back. Such an array stood in for a block: once the limit is reached, a loop that
 * disposes what it is done with would otherwise get plain arrays for good (none of them is a
 * block, so none starts the count again), and the kernels copy plain arrays in and out where
 * they read and write blocks in place. The array itself goes on to the pool.
 */
export function arenaPlainBack(array: ArrayBufferView): void {
  const a = arena;
  if (!a || !a.refused || array.byteLength < ARENA_MIN_BYTES) return;
  if (array instanceof Float32Array || array instanceof Float64Array) restart(a);
}

/** Whether `array` owns a whole block of the arena (so stores up to its block's end are its own). */
export function ownsBlock(array: object): boolean {
  return arena?.owners.has(array) ?? false;
}

/** Whether `array` is a view into the arena's memory (a block, or part of one). */
export function inArena(array: ArrayBufferView): boolean {
  return arena?.buffers.has(array.buffer) ?? false;
}

/**
 * The arena's counters, for tests: bytes handed out and not back, the end of the blocks, and
 * the bytes of new blocks cut since one was last given back (both kinds together).
 */
export function arenaStats(): { live: number; top: number; fresh: number } | null {
  const a = theArena();
  return a === null ? null : { live: a.live, top: a.top, fresh: a.fresh[0] + a.fresh[1] };
}
