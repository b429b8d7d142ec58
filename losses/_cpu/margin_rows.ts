/**
 * The float32 multi-margin and multilabel margin losses' rows in WebAssembly
 * (`wasm/margin_rows.wat`), block by block of whole rows: each row's sum and the input's
 * gradient, every float32 step the loss files' scalar loops', without JavaScript's float64
 * round trip per step. The module runs over the kernel arena's memory (`_core/arena.ts`): an
 * input that lives there is read where it is and a gradient that owns a block is written where
 * it is; anything else goes through the module's scratch.
 *
 * @module
 */

import { lazyKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_margin_rows.ts";

const kernel = lazyKernel(() => WASM_BASE64);

/** float32 elements of input per block (64 KiB), or one row when a row is longer. */
const BLOCK = 16384;

type RowsFn = (
  x: number,
  t: number,
  wt: number,
  out: number,
  rows: number,
  dim: number,
  m: number,
  p2: number,
) => void;
type GradFn = (
  x: number,
  t: number,
  wt: number,
  s: number,
  gx: number,
  rows: number,
  dim: number,
  m: number,
  p2: number,
  g: number,
) => void;

/**
 * The scratch laid out for blocks of `rowsPer` rows: input (and 16 bytes that vector reads past
 * the last row may touch), gradient, targets, and the per-row arrays.
 */
interface Block {
  exports: WebAssembly.Exports;
  rowsPer: number;
  /** Byte offsets of the arrays below, and of the multilabel kernels' target marks. */
  at: {
    x: number;
    gx: number;
    idx: number;
    t: number;
    wt: number;
    s: number;
    out: number;
    sums: number;
    mark: number;
  };
  x: Float32Array;
  gx: Float32Array;
  /** Multilabel margin: the block's targets, `dim` per row. */
  idx: Int32Array;
  t: Int32Array;
  wt: Float32Array;
  s: Float32Array;
  out: Float32Array;
  /** Multilabel margin: each row's float64 sum. */
  sums: Float64Array;
}

function layout(dim: number): Block {
  const k = kernel();
  const rowsPer = Math.max(1, Math.floor(BLOCK / Math.max(dim, 1)));
  const span = rowsPer * dim * 4 + 16;
  const row4 = rowsPer * 4;
  const x = 0;
  const gx = span;
  const idx = 2 * span;
  const t = 3 * span;
  const wt = t + row4;
  const s = wt + row4;
  const out = s + row4;
  const sums = (out + row4 + 7) & ~7;
  const mark = sums + rowsPer * 8;
  const base = k.scratch(mark + ((dim + 3) & ~3) * 4);
  const buffer = k.buffer;
  const at = { x, gx, idx, t, wt, s, out, sums, mark };
  for (const key of Object.keys(at) as (keyof typeof at)[]) at[key] += base;
  return {
    exports: k.exports,
    rowsPer,
    at,
    x: new Float32Array(buffer, at.x, rowsPer * dim),
    gx: new Float32Array(buffer, at.gx, rowsPer * dim),
    idx: new Int32Array(buffer, at.idx, rowsPer * dim),
    t: new Int32Array(buffer, at.t, rowsPer),
    wt: new Float32Array(buffer, at.wt, rowsPer),
    s: new Float32Array(buffer, at.s, rowsPer),
    out: new Float32Array(buffer, at.out, rowsPer),
    sums: new Float64Array(buffer, at.sums, rowsPer),
  };
}

/** The kernels' flag for `p`: 1 for p = 2 (squared hinge), 0 for p = 1. */
function p2(p: number): number {
  return p === 2 ? 1 : 0;
}

/** The weight of each row's target class (1 without weights), for rows `[r0, r0 + n)`. */
function fillRows(
  b: Block,
  idx: Int32Array,
  w: Float32Array | null,
  r0: number,
  n: number,
): void {
  for (let j = 0; j < n; j++) {
    const y = idx[r0 + j];
    b.t[j] = y;
    b.wt[j] = w === null ? 1 : w[y];
  }
}

/**
 * Calls `step(b, r0, n, xAt)` for each block of `n` whole rows from row `r0` of `rows` rows of
 * `dim`: `xAt`, the byte offset the kernel reads the block's rows of `x` at (where they are, or
 * copied into the block).
 */
function forBlocks(
  x: Float32Array,
  rows: number,
  dim: number,
  step: (b: Block, r0: number, n: number, xAt: number) => void,
): void {
  if (rows === 0) return; // no rows need no block, however wide a row would be
  const b = layout(dim);
  const k = kernel();
  for (let r0 = 0; r0 < rows; r0 += b.rowsPer) {
    const n = Math.min(b.rowsPer, rows - r0);
    step(b, r0, n, k.readAt(x, r0 * dim, n * dim, b.x));
  }
}

/**
 * The input's gradient of a block's rows: `write(at)` has the kernel write them at byte offset
 * `at`, in `gx` where it is when the module can write there (the gradient kernels write
 * nothing past the rows they are given), else in the block, then copied into `gx`.
 */
function gradRows(
  b: Block,
  gx: Float32Array,
  x: Float32Array,
  r0: number,
  n: number,
  dim: number,
  write: (at: number) => void,
): void {
  if (kernel().writable(gx, [x], false, false)) write(gx.byteOffset + r0 * dim * 4);
  else {
    write(b.at.gx);
    gx.set(b.gx.subarray(0, n * dim), r0 * dim);
  }
}

/**
 * `sums[r]` = row r's float32 sum of `w[y] · max(0, margin - x[y] + x[d])^p` over d != y (y
 * its target), in order; `m` is the margin as float32, `p` 1 or 2.
 */
export function multiMarginRows32(
  x: Float32Array,
  idx: Int32Array,
  dim: number,
  m: number,
  p: number,
  w: Float32Array | null,
  sums: Float32Array,
): void {
  forBlocks(x, idx.length, dim, (b, r0, n, xAt) => {
    fillRows(b, idx, w, r0, n);
    (b.exports.multi_margin_rows as RowsFn)(xAt, b.at.t, b.at.wt, b.at.out, n, dim, m, p2(p));
    sums.set(b.out.subarray(0, n), r0);
  });
}

/**
 * The input's gradient of those rows into `gx`, for the factor `g` (1 / C, over N too for the
 * mean) and row r's gradOutput `scale(r)`.
 */
export function multiMarginGrad32(
  x: Float32Array,
  idx: Int32Array,
  dim: number,
  m: number,
  p: number,
  w: Float32Array | null,
  g: number,
  scale: (r: number) => number,
  gx: Float32Array,
): void {
  forBlocks(x, idx.length, dim, (b, r0, n, xAt) => {
    fillRows(b, idx, w, r0, n);
    for (let j = 0; j < n; j++) b.s[j] = scale(r0 + j);
    const fn = b.exports.multi_margin_grad as GradFn;
    gradRows(
      b,
      gx,
      x,
      r0,
      n,
      dim,
      (at) => fn(xAt, b.at.t, b.at.wt, b.at.s, at, n, dim, m, p2(p), g),
    );
  });
}

type MultilabelRowsFn = (
  x: number,
  idx: number,
  mark: number,
  sums: number,
  rows: number,
  dim: number,
) => void;
type MultilabelGradFn = (
  x: number,
  idx: number,
  mark: number,
  s: number,
  gx: number,
  rows: number,
  dim: number,
  g: number,
) => void;

/**
 * Multilabel margin: `sums[r]` = row r's float64 sum over its targets y (read from `idx`, `dim`
 * per row, up to the first -1) and non-targets d of `max(0, (1 - x[y]) + x[d])`, each term
 * float32.
 */
export function multilabelMarginRows32(
  x: Float32Array,
  idx: Int32Array,
  dim: number,
  sums: Float64Array,
): void {
  forBlocks(x, sums.length, dim, (b, r0, n, xAt) => {
    b.idx.set(idx.subarray(r0 * dim, (r0 + n) * dim));
    const fn = b.exports.multilabel_margin_rows as MultilabelRowsFn;
    fn(xAt, b.at.idx, b.at.mark, b.at.sums, n, dim);
    sums.set(b.sums.subarray(0, n), r0);
  });
}

/**
 * Multilabel margin: the input's gradient of those rows into `gx`, for the factor `g` and row
 * r's gradOutput `scale(r)`: per target, in order, each non-target with a positive term moves
 * `g` from the target's gradient to its own (float32 chains), then the row times `scale(r)`.
 */
export function multilabelMarginGrad32(
  x: Float32Array,
  idx: Int32Array,
  dim: number,
  g: number,
  scale: (r: number) => number,
  gx: Float32Array,
): void {
  forBlocks(x, dim === 0 ? 0 : x.length / dim, dim, (b, r0, n, xAt) => {
    b.idx.set(idx.subarray(r0 * dim, (r0 + n) * dim));
    for (let j = 0; j < n; j++) b.s[j] = scale(r0 + j);
    const fn = b.exports.multilabel_margin_grad as MultilabelGradFn;
    gradRows(b, gx, x, r0, n, dim, (at) => fn(xAt, b.at.idx, b.at.mark, b.at.s, at, n, dim, g));
  });
}
