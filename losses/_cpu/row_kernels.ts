/**
 * Row kernels in WebAssembly SIMD (`wasm/softmax.wat`) for the class losses: a matrix of
 * `rows × cols` contiguous elements (the class dimension last) goes through the kernels in
 * chunks of whole rows that stay in cache. The module runs over the kernel arena's memory
 * (`_core/arena.ts`): rows that live there are read where they are, a result that owns an
 * arena block is written where it is, and anything else is copied into the module's scratch
 * and out of it. Per row the kernels find the maximum `m` and `s = sum(exp(x - m))`
 * (float64), then either scale `exp(x - m)` by a per-row factor (softmax, cross-entropy's
 * gradient) or subtract a per-row number from `x` (log-softmax). Float32 rows use the
 * library's one float32 exp (`exp32` of `generated/math32.ts`, in four lanes, four vectors a
 * step and a row's last elements in one or two masked vectors; rows of at most sixteen
 * elements four rows at a time, one vector of each a step), float64 rows a float64 exp (two
 * lanes); the accuracy of both is tested in `row_kernels_test.ts`, and the float32 exp's bits
 * against `exp32`'s in `math32_test.ts`, row by row at every width.
 *
 * @module
 */

import { lazyKernel, type WasmKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_softmax.ts";
import type { FloatArray } from "../_core/reduction.ts";
import { vectorMath } from "./explog.ts";

const kernel = lazyKernel(() => WASM_BASE64);

/** Elements per chunk: 64 KiB of float32, 128 KiB of float64 each for input and output. */
const CHUNK = 16384;

type RowFn = (x: number, out: number, rows: number, cols: number, aux: number) => void;
type ExpRowsFn = (
  x: number,
  out: number,
  rows: number,
  cols: number,
  stats: number,
  withMax: number,
) => void;

/**
 * The module's memory laid out for one call: input, output, a second input (the backward
 * passes' output of the forward), and two per-row float64 blocks.
 */
interface Block {
  exports: {
    expRows: ExpRowsFn;
    scaleRows: (buf: number, rows: number, cols: number, coef: number) => void;
    subRows: RowFn;
  };
  cols: number;
  rowsPer: number;
  xPtr: number;
  outPtr: number;
  yPtr: number;
  statsPtr: number;
  coefPtr: number;
  x: FloatArray;
  out: FloatArray;
  y: FloatArray;
  stats: Float64Array;
  coef: Float64Array;
}

/** The last block laid out per dtype, reused while its width and the memory stay the same. */
const lastBlock: { f32: Block | null; f64: Block | null; buffer: ArrayBufferLike | null } = {
  f32: null,
  f64: null,
  buffer: null,
};

function blockFor(f32: boolean, cols: number): Block {
  const k = kernel();
  const last = f32 ? lastBlock.f32 : lastBlock.f64;
  if (last !== null && last.cols === cols && lastBlock.buffer === k.buffer) return last;
  const block = layBlock(k, f32, cols);
  if (lastBlock.buffer !== k.buffer) {
    lastBlock.f32 = lastBlock.f64 = null;
    lastBlock.buffer = k.buffer;
  }
  if (f32) lastBlock.f32 = block;
  else lastBlock.f64 = block;
  return block;
}

function layBlock(k: WasmKernel, f32: boolean, cols: number): Block {
  const bytes = f32 ? 4 : 8;
  const rowsPer = Math.max(1, Math.floor(CHUNK / Math.max(cols, 1)));
  const elems = rowsPer * cols;
  // 32 bytes of slack: a row's last step (two vectors) reads and writes up to 28 bytes past it
  const span = ((elems * bytes + 15) & ~15) + 32;
  const base = k.scratch(3 * span + rowsPer * 24);
  const buffer = k.buffer;
  const xPtr = base;
  const outPtr = base + span;
  const yPtr = base + 2 * span;
  const statsPtr = base + 3 * span;
  const coefPtr = statsPtr + rowsPer * 16;
  const e = k.exports;
  const Arr = f32 ? Float32Array : Float64Array;
  return {
    exports: {
      expRows: (f32 ? e.exp_rows_f32 : e.exp_rows_f64) as ExpRowsFn,
      scaleRows: (f32 ? e.scale_rows_f32 : e.scale_rows_f64) as Block["exports"]["scaleRows"],
      subRows: (f32 ? e.sub_rows_f32 : e.sub_rows_f64) as RowFn,
    },
    cols,
    rowsPer,
    xPtr,
    outPtr,
    yPtr,
    statsPtr,
    coefPtr,
    x: new Arr(buffer, xPtr, elems),
    out: new Arr(buffer, outPtr, elems),
    y: new Arr(buffer, yPtr, elems),
    stats: new Float64Array(buffer, statsPtr, rowsPer * 2),
    coef: new Float64Array(buffer, coefPtr, rowsPer),
  };
}

/**
 * The byte offset the kernels write rows from element `start` of `out` at: where they are
 * when the module can write `out` there ({@linkcode WasmKernel.writable}), else the block's
 * output slot, which {@linkcode copyOut} then copies into `out`.
 */
function writeAt(
  b: Block,
  out: FloatArray,
  start: number,
  reads: FloatArray[],
  spill: boolean,
  last: boolean,
): number {
  return kernel().writable(out, reads, spill, last)
    ? out.byteOffset + start * out.BYTES_PER_ELEMENT
    : b.outPtr;
}

/** Copies `len` elements the kernels wrote at `at` into `out` from `start`, unless they wrote them there. */
function copyOut(b: Block, at: number, out: FloatArray, start: number, len: number): void {
  if (at === b.outPtr) out.set(b.out.subarray(0, len), start);
}

/**
 * Per row `r` of `x` (`rows × cols`): `m = max(x_r)` (nan if any is nan) and
 * `s = sum(exp(x_r - m))` in float64. Then, when `out` is given, `out_r = exp(x_r - m) · f`
 * with `f = factor(r, m, s)`: for float32 rows `f` rounded to float32 and the product in
 * float32, as PyTorch's softmax; for float64 rows the product in float64. Otherwise `factor`
 * is called only for what it records. `out` may be `x`.
 */
export function rowSoftmaxScaled(
  x: FloatArray,
  rows: number,
  cols: number,
  out: FloatArray | null,
  factor: (r: number, m: number, s: number) => number,
): void {
  if (rows === 0) return; // no rows need no block, however wide a row would be
  const b = blockFor(x instanceof Float32Array, cols);
  const { expRows, scaleRows } = b.exports;
  for (let r0 = 0; r0 < rows; r0 += b.rowsPer) {
    const n = Math.min(b.rowsPer, rows - r0);
    const start = r0 * cols;
    const xAt = kernel().readAt(x, start, n * cols, b.x);
    const outAt = out === null ? b.outPtr : writeAt(b, out, start, [x], true, r0 + n === rows);
    expRows(xAt, outAt, n, cols, b.statsPtr, 1);
    for (let i = 0; i < n; i++) {
      b.coef[i] = factor(r0 + i, b.stats[2 * i], b.stats[2 * i + 1]);
    }
    if (out === null) continue;
    scaleRows(outAt, n, cols, b.coefPtr);
    copyOut(b, outAt, out, start, n * cols);
  }
}

/**
 * Log-softmax of each row: `out_r = x_r - (m + log(s))`. Float32 rows as PyTorch's, in float32
 * in two steps, `(x_r - m) - log(s)` (`x - m` is exact near the maximum, so logits of 1e4 keep
 * small log-probabilities); float64 rows with the difference in float64, rounded once. A row
 * with a nan, or whose maximum is infinite, becomes nan.
 */
export function rowLogSoftmax(x: FloatArray, rows: number, cols: number, out: FloatArray): void {
  if (rows === 0) return;
  const f32 = x instanceof Float32Array;
  const b = blockFor(f32, cols);
  const { expRows, subRows } = b.exports;
  for (let r0 = 0; r0 < rows; r0 += b.rowsPer) {
    const n = Math.min(b.rowsPer, rows - r0);
    const start = r0 * cols;
    const xAt = kernel().readAt(x, start, n * cols, b.x);
    expRows(xAt, b.outPtr, n, cols, b.statsPtr, 1);
    const outAt = writeAt(b, out, start, [x], false, r0 + n === rows);
    if (f32) {
      // the float32 kernel reads the pairs (m, log(s)) in the stats
      for (let i = 0; i < n; i++) b.stats[2 * i + 1] = Math.log(b.stats[2 * i + 1]);
      subRows(xAt, outAt, n, cols, b.statsPtr);
    } else {
      for (let i = 0; i < n; i++) b.coef[i] = b.stats[2 * i] + Math.log(b.stats[2 * i + 1]);
      subRows(xAt, outAt, n, cols, b.coefPtr);
    }
    copyOut(b, outAt, out, start, n * cols);
  }
}

type SumRowsFn = (x: number, y: number, rows: number, cols: number, dst: number) => void;
/** Per row: (g, y or e, out, rows, cols, coef): a row gradient kernel's byte offsets and sizes. */
type GradRowsFn = (
  g: number,
  y: number,
  out: number,
  rows: number,
  cols: number,
  coef: number,
) => void;

/**
 * The backward passes of softmax and log-softmax over float32 rows, each per row with a
 * float64 sum rounded to float32, then every element's gradient in float32 steps, as
 * PyTorch's:
 * - `"log_softmax"`: `gx = g - exp(output) · sum(g)`, the exp the row kernels' own, taken in
 *   the same pass as the gradient;
 * - `"softmax"`: `gx = output · (g - sum(g · output))`.
 *
 * Returns `false`, having done nothing, unless all three arrays are float32: float64 rows
 * stay in the caller's loops.
 */
export function rowSoftmaxGrad(
  kind: "log_softmax" | "softmax",
  g: FloatArray,
  output: FloatArray,
  rows: number,
  cols: number,
  gx: FloatArray,
): boolean {
  if (
    !(g instanceof Float32Array && output instanceof Float32Array && gx instanceof Float32Array)
  ) return false;
  if (rows === 0) return true;
  const b = blockFor(true, cols);
  const e = kernel().exports;
  const sumRows = e.sum_rows_f32 as SumRowsFn;
  const gradRows = e.grad_rows_f32 as GradRowsFn;
  const logGradRows = e.log_softmax_grad_rows_f32 as GradRowsFn;
  const softmax = kind === "softmax";
  for (let r0 = 0; r0 < rows; r0 += b.rowsPer) {
    const n = Math.min(b.rowsPer, rows - r0);
    const start = r0 * cols;
    const gAt = kernel().readAt(g, start, n * cols, b.x);
    const yAt = kernel().readAt(output, start, n * cols, b.y);
    // log-softmax's kernel stores whole vectors, up to three elements past the rows
    const gxAt = writeAt(b, gx, start, [g, output], !softmax, r0 + n === rows);
    sumRows(gAt, softmax ? yAt : -1, n, cols, b.coefPtr);
    if (softmax) gradRows(gAt, yAt, gxAt, n, cols, b.coefPtr);
    else logGradRows(gAt, yAt, gxAt, n, cols, b.coefPtr);
    copyOut(b, gxAt, gx, start, n * cols);
  }
  return true;
}

/**
 * `out[i] = exp(x[i])` with the row kernels' vector exp (float32 or float64 by the array
 * type): for tests of its accuracy and for callers that need many exps at once.
 */
export function vectorExp(x: FloatArray, out: FloatArray): void {
  // rows of CHUNK elements through the row kernel with no maximum taken: the same exp code
  const b = blockFor(x instanceof Float32Array, CHUNK);
  for (let i = 0; i < x.length; i += CHUNK) {
    const n = Math.min(CHUNK, x.length - i);
    b.x.set(x.subarray(i, i + n));
    b.exports.expRows(b.xPtr, b.outPtr, 1, n, b.statsPtr, 0);
    out.set(b.out.subarray(0, n), i);
  }
}

/** A kernel of `n` float32 from byte offset `src` to `dst`. */
type ArrayFn = (src: number, dst: number, n: number) => void;

/**
 * For `x[start .. start + n)`: `e = exp(-|x|)` and `t = log1p(e)`, each rounded to the dtype
 * (softplus's parts: logsigmoid(v) = min(v, 0) - t). Float32 takes both from the vector
 * kernels (`t` from the float32 log1p of `explog.ts`, bit for bit `log1p32` and the fused
 * multilabel soft margin kernels); float64 takes `e` from them and `t` from `Math.log1p`. The
 * results are views into the kernels' memory, valid until the next call into this module.
 */
export function softplusParts(
  x: FloatArray,
  start: number,
  n: number,
): { e: FloatArray; t: FloatArray } {
  const f32 = x instanceof Float32Array;
  const b = blockFor(f32, n);
  if (f32) {
    const at = kernel().readAt(x, start, n, b.x);
    (kernel().exports.neg_abs_f32 as ArrayFn)(at, b.xPtr, n);
  } else {
    for (let i = 0; i < n; i++) b.x[i] = -Math.abs(x[start + i]);
  }
  b.exports.expRows(b.xPtr, b.outPtr, 1, n, b.statsPtr, 0);
  const e = b.out.subarray(0, n);
  const t = b.x.subarray(0, n);
  if (f32) vectorMath("log1p", e, t);
  else for (let i = 0; i < n; i++) t[i] = Math.log1p(e[i]);
  return { e, t };
}
