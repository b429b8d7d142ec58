/**
 * Loads the WebAssembly kernels built from `wasm/<name>.wat` (see wasm/build.ts).
 * Compiled lazily, on the first call that needs a kernel, and once per module; nothing runs at
 * import. Each kernel module owns and exports its memory (`memory`); {@linkcode WasmKernel}
 * grows it as inputs need and hands out typed-array views at byte offsets.
 *
 * @module
 */

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
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    this.exports = instance.exports;
    this.#memory = instance.exports.memory as WebAssembly.Memory;
  }

  /**
   * Grows the memory to at least `bytes` bytes; returns its current buffer. A size past what
   * the memory can grow to (4 GiB for 32-bit WebAssembly) is a RangeError that says so.
   */
  reserve(bytes: number): ArrayBuffer {
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

  /** The memory's current buffer (views go stale when it grows: take them after `reserve`). */
  get buffer(): ArrayBuffer {
    return this.#memory.buffer as ArrayBuffer;
  }
}

/** Returns a lazily created kernel, one per base64 string. */
export function lazyKernel(base64: () => string): () => WasmKernel {
  let kernel: WasmKernel | null = null;
  return () => kernel ??= new WasmKernel(base64());
}
