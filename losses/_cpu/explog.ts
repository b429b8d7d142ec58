/**
 * Elementwise exp and log over blocks, in WebAssembly SIMD (`wasm/explog.wat`), for the
 * losses whose JavaScript loops would otherwise call `Math.exp` / `Math.log` per element
 * (10–20 ns each). A loss loop works block by block: it writes the arguments into a
 * {@linkcode MathBlock}'s slot, calls `exp`, `log` (or, float32, `log1p`) on the slot (in
 * place), and reads the results. float64 slots compute in float64 (within 1 ulp, tested in
 * `explog_test.ts`); float32 slots compute in float32 lanes, bit for bit the scalar `exp32`,
 * `log32` and `log1p32` of `generated/math32.ts` that the loss files' float32 loops call
 * (within 1 ulp of the float64 function, tested in `math32_test.ts`).
 * {@linkcode blockLoss32} runs the module's whole-loss kernels: float32 losses whose arithmetic
 * around the exp and log is done in float32 lanes too.
 *
 * @module
 */

import { inArena, ownsBlock } from "../_core/arena.ts";
import { lazyKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_explog.ts";

const kernel = lazyKernel(() => WASM_BASE64);

/** Elements per slot: three float32 slots of 8 KiB (float64: 16 KiB) stay in the caches. */
export const BLOCK = 2048;

/** A slot of a {@linkcode MathBlock}: 0 is `a`, 1 is `b`, 2 is `c`. */
export type Slot = 0 | 1 | 2;

type Fn = (src: number, dst: number, n: number) => void;

/** Three scratch slots in the kernel's memory and the functions that work on them in place. */
export interface MathBlock<A extends Float32Array | Float64Array> {
  /** Slot 0. */
  readonly a: A;
  /** Slot 1. */
  readonly b: A;
  /** Slot 2. */
  readonly c: A;
  /** `slot[i] = exp(slot[i])` for `i < n` (`n` at most {@linkcode BLOCK}). */
  exp(slot: Slot, n: number): void;
  /** `slot[i] = log(slot[i])` for `i < n` (`n` at most {@linkcode BLOCK}). */
  log(slot: Slot, n: number): void;
}

/** The float32 block, which also has `log1p`. */
export interface MathBlock32 extends MathBlock<Float32Array> {
  /** `slot[i] = log1p(slot[i])` for `i < n` (`n` at most {@linkcode BLOCK}). */
  log1p(slot: Slot, n: number): void;
}

/** Bytes per slot: the block in float64 and 32 bytes for the last step, four elements whole. */
const SLOT = BLOCK * 8 + 32;

/**
 * Bytes per scratch array of {@linkcode blockLoss32}: a float32 block and 32 bytes for the last
 * step (the float32 exp and log write eight elements a step).
 */
const LOSS_SLOT = BLOCK * 4 + 32;
/** The scratch all views share, taken whole at first use so that it never moves after. */
const BYTES = 3 * SLOT + 5 * LOSS_SLOT;

let f32: MathBlock32 | null = null;
let f64: MathBlock<Float64Array> | null = null;

function make<A extends Float32Array | Float64Array>(
  Arr: new (b: ArrayBuffer, at: number, n: number) => A,
  expName: string,
  logName: string,
): MathBlock<A> {
  const k = kernel();
  const base = k.scratch(BYTES);
  const buffer = k.buffer;
  const exp = k.exports[expName] as Fn;
  const log = k.exports[logName] as Fn;
  return {
    a: new Arr(buffer, base, BLOCK),
    b: new Arr(buffer, base + SLOT, BLOCK),
    c: new Arr(buffer, base + 2 * SLOT, BLOCK),
    exp: (slot, n) => exp(base + slot * SLOT, base + slot * SLOT, n),
    log: (slot, n) => log(base + slot * SLOT, base + slot * SLOT, n),
  };
}

/** The float32 block (made on first use). */
export function mathBlock32(): MathBlock32 {
  if (f32 === null) {
    const log1p = kernel().exports.log1p_f32 as Fn;
    const base = kernel().scratch(BYTES);
    f32 = {
      ...make(Float32Array, "exp_f32", "log_f32"),
      log1p: (slot, n) => log1p(base + slot * SLOT, base + slot * SLOT, n),
    };
  }
  return f32;
}

/** The float64 block. */
export function mathBlock64(): MathBlock<Float64Array> {
  return f64 ??= make(Float64Array, "exp_f64", "log_f64");
}

/** The functions of `wasm/explog.wat` by name (arguments: byte offsets, `n`, float32 scalars). */
export type LossKernels = Readonly<Record<string, (...args: number[]) => number>>;

/** Five float32 arrays of {@linkcode BLOCK} elements after the math blocks' slots. */
let loss32: { arrays: Float32Array[]; at: number[] } | null = null;

/**
 * Runs a float32 loss through the whole-loss kernels of `wasm/explog.wat`, block by block:
 * operand `k`'s block is read where it is when it lives in the kernel arena, else copied into
 * scratch array `k` (at most three); `step` calls the kernels (`at[k]` is operand `k`'s byte
 * offset; arrays past the operands are work space, and no step writes an operand) and returns
 * its block's float64 sum; with `gx`, the step writes the gradient to `at[4]`: `gx` itself
 * when it owns an arena block (whose end takes the last step's stores), else scratch copied
 * out. Returns the sum of the blocks' sums, the same bits wherever the operands are.
 */
export function blockLoss32(
  operands: readonly Float32Array[],
  gx: Float32Array | null,
  step: (k: LossKernels, at: readonly number[], n: number) => number,
): number {
  const { kernels, arrays, at, place } = lossBlocks(operands);
  const gradAt = gx !== null && kernel().inArena && ownsBlock(gx) ? gx.byteOffset : -1;
  const length = operands[0].length;
  let s = 0;
  for (let start = 0; start < length; start += BLOCK) {
    const end = Math.min(length, start + BLOCK);
    place(start, end);
    if (gradAt >= 0) at[4] = gradAt + 4 * start;
    s += step(kernels, at, end - start);
    if (gx !== null && gradAt < 0) gx.set(arrays[4].subarray(0, end - start), start);
  }
  return s;
}

/**
 * Row means of a float32 loss's terms, block by block of whole rows: `out[r]` is
 * `fround(fround(s) / cols)`, `s` the float64 sum of row `r`'s `cols` terms in order (the
 * loss files' loop), for the `out.length` rows of the operands. Operands are read as
 * {@linkcode blockLoss32} reads them; `step` writes a block's `n` terms (whole rows) to
 * `at[3]`, and the kernels' `row_means_f32` takes their means. `cols` is 0 to
 * {@linkcode BLOCK}.
 */
export function rowMeans32(
  operands: readonly Float32Array[],
  cols: number,
  out: Float32Array,
  step: (k: LossKernels, at: readonly number[], n: number) => void,
): void {
  const { kernels, arrays, at, place } = lossBlocks(operands);
  // rows a block: their terms fill at most a block, their means too (rows of 0 terms included)
  const per = Math.floor(BLOCK / Math.max(cols, 1));
  for (let r0 = 0; r0 < out.length; r0 += per) {
    const r1 = Math.min(out.length, r0 + per);
    place(r0 * cols, r1 * cols);
    step(kernels, at, (r1 - r0) * cols);
    kernels.row_means_f32(at[3], at[4], r1 - r0, cols);
    out.set(arrays[4].subarray(0, r1 - r0), r0);
  }
}

/**
 * The whole-loss kernels, their scratch arrays and offsets, and `place(start, end)`, which
 * points `at[k]` at operand `k`'s elements `[start, end)` where they live in the kernel arena
 * and else copies them into scratch array `k`.
 */
function lossBlocks(operands: readonly Float32Array[]): {
  kernels: LossKernels;
  arrays: Float32Array[];
  at: number[];
  place: (start: number, end: number) => void;
} {
  const k = kernel();
  if (loss32 === null) {
    const base = k.scratch(BYTES);
    const at = [0, 1, 2, 3, 4].map((j) => base + 3 * SLOT + j * LOSS_SLOT);
    loss32 = { arrays: at.map((b) => new Float32Array(k.buffer, b, BLOCK)), at };
  }
  const { arrays } = loss32;
  const direct = operands.map((x) => (k.inArena && inArena(x) ? x.byteOffset : -1));
  const at = loss32.at.slice();
  const place = (start: number, end: number): void => {
    for (let j = 0; j < operands.length; j++) {
      if (direct[j] >= 0) at[j] = direct[j] + 4 * start;
      else arrays[j].set(operands[j].subarray(start, end));
    }
  };
  return { kernels: k.exports as unknown as LossKernels, arrays, at, place };
}

/**
 * `out[i] = exp(x[i])` (or log with `fn` `"log"`) for arrays of any length, block by block:
 * for tests and callers that want whole arrays.
 */
export function vectorMath(
  fn: "exp" | "log" | "log1p",
  x: Float32Array | Float64Array,
  out: Float32Array | Float64Array,
): void {
  const m = x instanceof Float32Array ? mathBlock32() : mathBlock64();
  if (fn === "log1p" && !("log1p" in m)) throw new Error("log1p has a float32 kernel only");
  const f = (m as MathBlock32)[fn];
  for (let i = 0; i < x.length; i += BLOCK) {
    const n = Math.min(BLOCK, x.length - i);
    m.a.set(x.subarray(i, i + n));
    f(0, n);
    out.set(m.a.subarray(0, n), i);
  }
}
