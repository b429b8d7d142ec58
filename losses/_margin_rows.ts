/**
 * The float32 multi-margin loss's rows in WebAssembly (`wasm/margin_rows.wat`), block by block
 * of whole rows: each row's float32 sum (PyTorch's order) and the input's gradient, every step
 * the loss file's scalar loop's, without JavaScript's float64 round trip per step.
 *
 * @module
 */

import { lazyKernel } from "./_wasm.ts";
import { WASM_BASE64 } from "./_wasm_margin_rows.ts";

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

/** The memory laid out for blocks of `rowsPer` rows: input, gradient, and four per-row arrays. */
interface Block {
  exports: WebAssembly.Exports;
  rowsPer: number;
  /** Byte offsets of the arrays below. */
  at: { x: number; gx: number; t: number; wt: number; s: number; out: number };
  x: Float32Array;
  gx: Float32Array;
  t: Int32Array;
  wt: Float32Array;
  s: Float32Array;
  out: Float32Array;
}

function layout(dim: number): Block {
  const k = kernel();
  const rowsPer = Math.max(1, Math.floor(BLOCK / Math.max(dim, 1)));
  const span = rowsPer * dim * 4;
  const at = { x: 0, gx: span, t: 2 * span, wt: 2 * span + rowsPer * 4 };
  const s = at.wt + rowsPer * 4;
  const out = s + rowsPer * 4;
  const buffer = k.reserve(out + rowsPer * 4);
  return {
    exports: k.exports,
    rowsPer,
    at: { ...at, s, out },
    x: new Float32Array(buffer, at.x, rowsPer * dim),
    gx: new Float32Array(buffer, at.gx, rowsPer * dim),
    t: new Int32Array(buffer, at.t, rowsPer),
    wt: new Float32Array(buffer, at.wt, rowsPer),
    s: new Float32Array(buffer, s, rowsPer),
    out: new Float32Array(buffer, out, rowsPer),
  };
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
  const b = layout(dim);
  const fn = b.exports.multi_margin_rows as RowsFn;
  for (let r0 = 0; r0 < idx.length; r0 += b.rowsPer) {
    const n = Math.min(b.rowsPer, idx.length - r0);
    b.x.set(x.subarray(r0 * dim, (r0 + n) * dim));
    fillRows(b, idx, w, r0, n);
    fn(b.at.x, b.at.t, b.at.wt, b.at.out, n, dim, m, p === 2 ? 1 : 0);
    sums.set(b.out.subarray(0, n), r0);
  }
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
  const b = layout(dim);
  const fn = b.exports.multi_margin_grad as GradFn;
  for (let r0 = 0; r0 < idx.length; r0 += b.rowsPer) {
    const n = Math.min(b.rowsPer, idx.length - r0);
    b.x.set(x.subarray(r0 * dim, (r0 + n) * dim));
    fillRows(b, idx, w, r0, n);
    for (let j = 0; j < n; j++) b.s[j] = scale(r0 + j);
    fn(b.at.x, b.at.t, b.at.wt, b.at.s, b.at.gx, n, dim, m, p === 2 ? 1 : 0, g);
    gx.set(b.gx.subarray(0, n * dim), r0 * dim);
  }
}
