/**
 * Row kernels of `cosineEmbeddingLoss` for two inputs of one shape: the three dot products of
 * each row pair, and the gradient of one input from two coefficients per row. float32 runs
 * in WebAssembly (`wasm/cosine_rows.wat`, every product rounded to float32 as PyTorch's ops
 * do), block by block over the kernel arena's memory (`_core/arena.ts`): rows that live there
 * are read where they are and a gradient that owns a block is written where it is; anything
 * else is copied through the module's scratch, a block at a time so that the copies stay in
 * cache. float64 runs in plain loops.
 *
 * @module
 */

import type { FloatArray } from "../_core/reduction.ts";
import { lazyKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_cosine_rows.ts";

const kernel = lazyKernel(() => WASM_BASE64);

/** float32 elements of each input per block (256 KiB). */
const BLOCK = 1 << 16;

/**
 * For each row j: `out[3j] = sum x1*x2`, `out[3j + 1] = sum x1*x1`, `out[3j + 2] = sum x2*x2`,
 * each product rounded to the dtype, the sums in float64.
 */
export function rowDots(
  x1: FloatArray,
  x2: FloatArray,
  rows: number,
  size: number,
  out: Float64Array,
): void {
  if (size === 0 || rows === 0) return;
  if (x1 instanceof Float32Array) wasmDots(x1, x2 as Float32Array, rows, size, out);
  else dotsF64(x1, x2 as Float64Array, rows, size, out);
}

/**
 * `out[k] = c[2j] * other[k] + 2 * (c[2j + 1] * self[k])` over row j, every step rounded to
 * the dtype: the gradient of one input from the gradient of the row's dot product (`c[2j]`)
 * and of its squared norm (`c[2j + 1]`).
 */
export function cosineGrad(
  self: FloatArray,
  other: FloatArray,
  rows: number,
  size: number,
  c: FloatArray,
  out: FloatArray,
): void {
  if (size === 0 || rows === 0) return;
  if (out instanceof Float32Array) {
    wasmGrad(self as Float32Array, other as Float32Array, rows, size, c as Float32Array, out);
  } else {
    gradF64(self as Float64Array, other as Float64Array, rows, size, c, out as Float64Array);
  }
}

function wasmDots(
  x1: Float32Array,
  x2: Float32Array,
  rows: number,
  size: number,
  out: Float64Array,
): void {
  const k = kernel();
  const dots = k.exports.dots as (...args: number[]) => void;
  const per = Math.max(1, Math.floor(BLOCK / size));
  const block = per * size;
  const base = k.scratch(8 * block + 24 * per);
  const slot1 = new Float32Array(k.buffer, base, block);
  const slot2 = new Float32Array(k.buffer, base + 4 * block, block);
  const sums = new Float64Array(k.buffer, base + 8 * block, 3 * per);
  for (let r0 = 0; r0 < rows; r0 += per) {
    const nr = Math.min(per, rows - r0);
    const at1 = k.readAt(x1, r0 * size, nr * size, slot1);
    const at2 = k.readAt(x2, r0 * size, nr * size, slot2);
    dots(at1, at2, nr, size, sums.byteOffset);
    out.set(sums.subarray(0, 3 * nr), 3 * r0);
  }
}

function wasmGrad(
  self: Float32Array,
  other: Float32Array,
  rows: number,
  size: number,
  c: Float32Array,
  out: Float32Array,
): void {
  const k = kernel();
  const grad = k.exports.grad as (...args: number[]) => void;
  const per = Math.max(1, Math.floor(BLOCK / size));
  const block = per * size;
  const base = k.scratch(4 * (3 * block + 2 * per));
  const [slotSelf, slotOther, slotOut] = [0, 1, 2].map((j) =>
    new Float32Array(k.buffer, base + 4 * j * block, block)
  );
  const slotC = new Float32Array(k.buffer, base + 12 * block, 2 * per);
  // the kernel writes nothing past the rows it is given
  const inPlace = k.writable(out, [self, other, c], false, false);
  for (let r0 = 0; r0 < rows; r0 += per) {
    const nr = Math.min(per, rows - r0);
    const atSelf = k.readAt(self, r0 * size, nr * size, slotSelf);
    const atOther = k.readAt(other, r0 * size, nr * size, slotOther);
    const atC = k.readAt(c, 2 * r0, 2 * nr, slotC);
    const atOut = inPlace ? out.byteOffset + 4 * r0 * size : slotOut.byteOffset;
    grad(atSelf, atOther, nr, size, atC, atOut);
    if (!inPlace) out.set(slotOut.subarray(0, nr * size), r0 * size);
  }
}

function dotsF64(
  x1: Float64Array,
  x2: Float64Array,
  rows: number,
  size: number,
  out: Float64Array,
): void {
  for (let j = 0, base = 0; j < rows; j++, base += size) {
    let s12 = 0;
    let s11 = 0;
    let s22 = 0;
    for (let k = base, end = base + size; k < end; k++) {
      const a = x1[k];
      const b = x2[k];
      s12 += a * b;
      s11 += a * a;
      s22 += b * b;
    }
    out[3 * j] = s12;
    out[3 * j + 1] = s11;
    out[3 * j + 2] = s22;
  }
}

function gradF64(
  self: Float64Array,
  other: Float64Array,
  rows: number,
  size: number,
  c: FloatArray,
  out: Float64Array,
): void {
  for (let j = 0, base = 0; j < rows; j++, base += size) {
    const gp = c[2 * j];
    const gm = c[2 * j + 1];
    for (let k = base, end = base + size; k < end; k++) out[k] = gp * other[k] + 2 * (gm * self[k]);
  }
}
