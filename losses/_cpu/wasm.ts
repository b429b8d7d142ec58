/**
 * Loads the WebAssembly kernels built from `wasm/<name>.wat` (see wasm/build.ts).
 * Compiled lazily, on the first call that needs a kernel, and once per module; nothing runs at
 * import. A kernel module either owns and exports its memory (`memory`), or imports the kernel
 * arena's shared memory (`env.memory`, see `_core/arena.ts`); {@linkcode WasmKernel} grows its
 * own memory as inputs need and hands out typed-array views at byte offsets.
 *
 * @module
 */

import { ARENA_MAX_PAGES, arenaMemory, arenaScratch, inArena, ownsBlock } from "../_core/arena.ts";
import type { FloatArray } from "../_core/reduction.ts";

/** The most a 32-bit WebAssembly memory can hold: 65536 pages of 64 KiB. */
const MAX_WASM_BYTES = 2 ** 32;

/** One instantiated kernel module and its memory. */
export class WasmKernel {
  /** The module's exports (functions by name). */
  readonly exports: WebAssembly.Exports;
  readonly #memory: WebAssembly.Memory;

  /**
   * Instantiates a module from base64 bytes.
   *
   * @param base64 `WASM_BASE64` of a generated `_wasm_<name>.ts`.
   */
  constructor(base64: string) {
    const binary = atob(base64);
    let bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    let imports: WebAssembly.Imports = {};
    let memory: WebAssembly.Memory | null = null;
    if (sharedMemoryAt(bytes) >= 0) {
      memory = arenaMemory();
      if (memory === null) {
        // no shared memory here: the same module over an unshared memory of its own
        bytes = unshareMemoryImport(bytes);
        memory = new WebAssembly.Memory({ initial: 1, maximum: ARENA_MAX_PAGES });
      }
      imports = { env: { memory } };
    }
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    this.exports = instance.exports;
    this.#memory = memory ?? instance.exports.memory as WebAssembly.Memory;
    this.inArena = memory !== null && memory === arenaMemory();
  }

  /** Whether the module runs over the kernel arena's memory (shared with tensors' storage). */
  readonly inArena: boolean;

  #scratch: { at: number; bytes: number } | null = null;

  /**
   * The byte offset of `bytes` of scratch that stays where it is: a block of the kernel arena
   * (cut once, and again only for a larger size), or the start of the module's own memory,
   * grown to fit. Views of it go stale when the memory grows: take them after this call.
   */
  scratch(bytes: number): number {
    if (!this.inArena) {
      this.reserve(bytes);
      return 0;
    }
    if (this.#scratch === null || this.#scratch.bytes < bytes) {
      const at = arenaScratch(bytes);
      if (at === null) {
        throw new RangeError(
          `Cannot run the CPU kernels: they need ${bytes} bytes of scratch and the kernel arena is full`,
        );
      }
      this.#scratch = { at, bytes };
    }
    return this.#scratch.at;
  }

  /**
   * Grows the module's own memory to at least `bytes` bytes; returns its current buffer. A size
   * past what the memory can grow to (4 GiB for 32-bit WebAssembly) is a RangeError that says
   * so. Not for a module over the arena, whose memory belongs to the arena's blocks.
   */
  reserve(bytes: number): ArrayBuffer {
    if (this.inArena) throw new Error("reserve() of a kernel over the arena: use scratch()");
    const have = this.#memory.buffer.byteLength;
    if (bytes > have) {
      const fail = (why: string): never => {
        throw new RangeError(
          `Cannot run the CPU kernels on rows this long: one block of rows needs ${bytes} bytes of WebAssembly memory, ${why}`,
        );
      };
      if (bytes > MAX_WASM_BYTES) fail("and that memory can grow to 4 GiB (2^32 bytes) at most");
      try {
        this.#memory.grow(Math.ceil((bytes - have) / 65536));
      } catch (e) {
        fail(`which this runtime could not give (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    return this.#memory.buffer as ArrayBuffer;
  }

  /**
   * The byte offset this module reads elements `[start, start + len)` of `a` at: where they are
   * when `a` is a view into the arena the module runs over, else copied into `slot`, a view of
   * the module's memory (whose byte offset is where the module finds it).
   */
  readAt(a: FloatArray, start: number, len: number, slot: FloatArray): number {
    if (this.inArena && inArena(a)) return a.byteOffset + start * a.BYTES_PER_ELEMENT;
    slot.set(a.subarray(start, start + len));
    return slot.byteOffset;
  }

  /**
   * Whether this module can write `out` where it is: `out` owns an arena block and shares no
   * byte with what the kernel reads (`reads`). `spill`: the kernel also writes up to 28 bytes
   * past what it is given, which stays inside `out`'s block unless it writes `out`'s end
   * (`last`). Two views into the arena are compared by byte range whichever of the memory's
   * buffers they were made over (growth makes a new one over the same bytes).
   */
  writable(out: FloatArray, reads: readonly FloatArray[], spill: boolean, last: boolean): boolean {
    if (!this.inArena || !ownsBlock(out) || (spill && last)) return false;
    const lo = out.byteOffset;
    const hi = lo + out.byteLength;
    return reads.every((a) =>
      !inArena(a) || a.byteOffset >= hi || a.byteOffset + a.byteLength <= lo
    );
  }

  /** The memory's current buffer (views go stale when it grows: take them after `reserve`). */
  get buffer(): ArrayBuffer {
    return this.#memory.buffer as ArrayBuffer;
  }
}

// An import of a shared memory in a module's import section: the field name "memory", the
// kind (2, a memory) and the limits' flags (3: a maximum, shared).
const MEMORY_IMPORT = [6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, 3];

/** Where the flags byte of a shared memory import is in `bytes`, or -1. */
export function sharedMemoryAt(bytes: Uint8Array): number {
  outer: for (let i = 8; i + MEMORY_IMPORT.length <= bytes.length; i++) {
    for (let j = 0; j < MEMORY_IMPORT.length; j++) {
      if (bytes[i + j] !== MEMORY_IMPORT[j]) continue outer;
    }
    return i + MEMORY_IMPORT.length - 1;
  }
  return -1;
}

/** A copy of a module whose shared memory import is made unshared (flags 3 to 1). */
export function unshareMemoryImport(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const at = sharedMemoryAt(bytes);
  if (at < 0) throw new Error("no shared memory import to unshare");
  const copy = bytes.slice();
  copy[at] = 1;
  return copy;
}

/** Returns a lazily created kernel, one per base64 string. */
export function lazyKernel(base64: () => string): () => WasmKernel {
  let kernel: WasmKernel | null = null;
  return () => kernel ??= new WasmKernel(base64());
}
