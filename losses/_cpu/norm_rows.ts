/**
 * Row kernels of the 2-norm distance `||x1 - x2 + eps||_2` over the last dimension, for
 * `pairwiseDistance` and the triplet losses when both operands have the same shape: no
 * difference tensor is made, the backward recomputes `v = x1 - x2 + eps` from the inputs.
 * float32 runs in WebAssembly (`wasm/norm_rows.wat`: f32x4 steps round as PyTorch's float32
 * ops do, with no `Math.fround` chain), block by block so that the copies into its memory
 * stay in cache; float64 runs in plain loops.
 *
 * The arithmetic is PyTorch's composite, step by step:
 *
 * ```text
 * v_k = (x1_k - x2_k) + eps                 each step rounded to the dtype
 * n   = sqrt(sum_k v_k * v_k)               squares rounded, the sum in float64, rounded once
 * grad x1_k = g * (v_k / n)  (0 where n == 0)      grad x2_k = -grad x1_k
 * ```
 *
 * @module
 */

import type { FloatArray } from "../_core/reduction.ts";
import { lazyKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_norm_rows.ts";

const kernel = lazyKernel(() => WASM_BASE64);

/** float32 elements of each input copied into WebAssembly memory per block (256 KiB). */
const BLOCK = 1 << 16;

/** One distance: the indices of its two inputs, and where its row norms go. */
export type NormPair = [x1: number, x2: number, out: FloatArray];

/**
 * One gradient term of an input: the indices of the distance's two inputs, its row norms,
 * the gradient of each row norm, and 1 for the distance's first input, -1 for its second.
 */
export type GradTerm = [x1: number, x2: number, norms: FloatArray, g: FloatArray, sign: 1 | -1];

/**
 * Row norms `out[j] = ||x1[j] - x2[j] + eps||_2` of each pair of `inputs` (all of `rows` rows
 * of `size` elements, one dtype).
 */
export function rowNorms2(
  inputs: readonly FloatArray[],
  pairs: readonly NormPair[],
  rows: number,
  size: number,
  eps: number,
): void {
  if (size === 0) {
    for (const [, , out] of pairs) out.fill(0);
  } else if (rows === 0) {
    return; // no rows need no block, however wide a row would be
  } else if (inputs[0] instanceof Float32Array) {
    wasmRowNorms(inputs as Float32Array[], pairs, rows, size, eps);
  } else {
    for (const [i1, i2, out] of pairs) {
      rowNorms2F64(inputs[i1] as Float64Array, inputs[i2] as Float64Array, rows, size, eps, out);
    }
  }
}

/**
 * The gradient of one input from the distances it takes part in: the sum over `terms` of
 * `sign * (g[j] * (v_k / n[j]))` (0 where `n[j]` is 0), each term rounded to the dtype, in
 * the order given. Written into `out` (same shape as the inputs).
 */
export function normGrad2(
  inputs: readonly FloatArray[],
  terms: readonly GradTerm[],
  rows: number,
  size: number,
  eps: number,
  out: FloatArray,
): void {
  if (size === 0 || rows === 0) return;
  if (out instanceof Float32Array) {
    wasmNormGrad(inputs as Float32Array[], terms, rows, size, eps, out);
  } else {
    terms.forEach(([i1, i2, norms, g, sign], q) => {
      const f = q > 0 ? normGrad2AddF64 : normGrad2SetF64;
      f(
        inputs[i1] as Float64Array,
        inputs[i2] as Float64Array,
        rows,
        size,
        eps,
        norms,
        g,
        sign,
        out,
      );
    });
  }
}

/** The gradient terms of one input (see {@linkcode normGrad2}) and where its gradient goes. */
export type LeafGrad = [terms: readonly GradTerm[], out: FloatArray];

/**
 * {@linkcode rowNorms2}, then `rowsDone(j0, j1)` (which fills the row gradients the terms
 * read for rows [j0, j1)), then {@linkcode normGrad2} of each leaf, block by block: in
 * float32 the inputs are copied into WebAssembly memory once for the norms and the
 * gradients.
 */
export function rowNorms2WithGrads(
  inputs: readonly FloatArray[],
  pairs: readonly NormPair[],
  rows: number,
  size: number,
  eps: number,
  rowsDone: (j0: number, j1: number) => void,
  leaves: readonly LeafGrad[],
): void {
  if (size === 0 || rows === 0 || !(inputs[0] instanceof Float32Array)) {
    rowNorms2(inputs, pairs, rows, size, eps);
    rowsDone(0, rows);
    for (const [terms, out] of leaves) normGrad2(inputs, terms, rows, size, eps, out);
    return;
  }
  const k = kernel();
  const grad2 = k.exports.grad2 as GradFn;
  const per = Math.max(1, Math.floor(BLOCK / size));
  const block = per * size;
  const normsAt = inputs.length * block;
  const outAt = normsAt + pairs.length * per;
  const gAt = outAt + block;
  const mem = new Float32Array(k.reserve(4 * (gAt + pairs.length * per)));
  const ins = inputs as readonly Float32Array[];
  for (let r0 = 0; r0 < rows; r0 += per) {
    const nr = Math.min(per, rows - r0);
    for (let i = 0; i < ins.length; i++) copyRows(mem, i * block, ins[i], r0, nr, size);
    blockNorms(k, pairs, block, per, normsAt, nr, size, eps);
    for (let q = 0; q < pairs.length; q++) copyOut(pairs[q][2], r0, mem, normsAt + q * per, nr);
    rowsDone(r0, r0 + nr);
    for (const [terms, out] of leaves) {
      for (let q = 0; q < terms.length; q++) {
        const [i1, i2, norms, g, sign] = terms[q];
        // the norms are in memory already, at their pair's place
        const pair = pairs.findIndex(([p1, p2, o]) => p1 === i1 && p2 === i2 && o === norms);
        const n = normsAt + pair * per;
        const gq = gAt + pair * per;
        copyIn(mem, gq, g, r0, nr);
        grad2(4 * i1 * block, 4 * i2 * block, nr, size, eps, 4 * n, 4 * gq, sign, 4 * outAt, q);
      }
      copyOut(out, r0 * size, mem, outAt, nr * size);
    }
  }
}

/**
 * The norms of `pairs` for one block of `nr` rows already in memory (input i at element
 * `i * block`), written at `normsAt + q * per` for pair q; two pairs sharing their first
 * input go through the kernel that reads it once.
 */
function blockNorms(
  k: ReturnType<typeof kernel>,
  pairs: readonly NormPair[],
  block: number,
  per: number,
  normsAt: number,
  nr: number,
  size: number,
  eps: number,
): void {
  const norms2 = k.exports.norms2 as NormsFn;
  let q = 0;
  if (pairs.length >= 2 && pairs[0][0] === pairs[1][0]) {
    const pair = k.exports.norms2_pair as (...args: number[]) => void;
    const [a, p] = pairs[0];
    const n = pairs[1][1];
    const o = normsAt;
    pair(4 * a * block, 4 * p * block, 4 * n * block, nr, size, eps, 4 * o, 4 * (o + per));
    q = 2;
  }
  for (; q < pairs.length; q++) {
    const [i1, i2] = pairs[q];
    norms2(4 * i1 * block, 4 * i2 * block, nr, size, eps, 4 * (normsAt + q * per));
  }
}

type NormsFn = (
  x1: number,
  x2: number,
  rows: number,
  size: number,
  eps: number,
  out: number,
) => void;
type GradFn = (
  x1: number,
  x2: number,
  rows: number,
  size: number,
  eps: number,
  norms: number,
  g: number,
  sign: number,
  out: number,
  accumulate: number,
) => void;

/** Copies rows [r0, r0 + nr) of `x` (rows of `size`) to `mem` at `at`. */
function copyRows(
  mem: Float32Array,
  at: number,
  x: Float32Array,
  r0: number,
  nr: number,
  size: number,
): void {
  if (r0 === 0 && nr * size === x.length) mem.set(x, at);
  else mem.set(x.subarray(r0 * size, (r0 + nr) * size), at);
}

/** Copies `n` elements of `mem` from `from` into `out` at `to`. */
function copyOut(out: FloatArray, to: number, mem: Float32Array, from: number, n: number): void {
  if (n <= 64) {
    for (let i = 0; i < n; i++) out[to + i] = mem[from + i];
  } else {
    out.set(mem.subarray(from, from + n), to);
  }
}

/** Copies `n` elements of `x` from `from` into `mem` at `to`. */
function copyIn(mem: Float32Array, to: number, x: FloatArray, from: number, n: number): void {
  if (n <= 64) {
    for (let i = 0; i < n; i++) mem[to + i] = x[from + i];
  } else {
    mem.set(x.subarray(from, from + n), to);
  }
}

function wasmRowNorms(
  inputs: readonly Float32Array[],
  pairs: readonly NormPair[],
  rows: number,
  size: number,
  eps: number,
): void {
  const k = kernel();
  const per = Math.max(1, Math.floor(BLOCK / size));
  const block = per * size;
  const outAt = inputs.length * block;
  const mem = new Float32Array(k.reserve(4 * (outAt + pairs.length * per)));
  for (let r0 = 0; r0 < rows; r0 += per) {
    const nr = Math.min(per, rows - r0);
    for (let i = 0; i < inputs.length; i++) copyRows(mem, i * block, inputs[i], r0, nr, size);
    blockNorms(k, pairs, block, per, outAt, nr, size, eps);
    for (let q = 0; q < pairs.length; q++) copyOut(pairs[q][2], r0, mem, outAt + q * per, nr);
  }
}

function wasmNormGrad(
  inputs: readonly Float32Array[],
  terms: readonly GradTerm[],
  rows: number,
  size: number,
  eps: number,
  out: Float32Array,
): void {
  const k = kernel();
  const grad2 = k.exports.grad2 as GradFn;
  const per = Math.max(1, Math.floor(BLOCK / size));
  const block = per * size;
  const outAt = inputs.length * block;
  const rowsAt = outAt + block;
  const mem = new Float32Array(k.reserve(4 * (rowsAt + 2 * terms.length * per)));
  for (let r0 = 0; r0 < rows; r0 += per) {
    const nr = Math.min(per, rows - r0);
    for (let i = 0; i < inputs.length; i++) copyRows(mem, i * block, inputs[i], r0, nr, size);
    for (let q = 0; q < terms.length; q++) {
      const [i1, i2, norms, g, sign] = terms[q];
      const n = rowsAt + 2 * q * per;
      copyIn(mem, n, norms, r0, nr);
      copyIn(mem, n + per, g, r0, nr);
      grad2(
        4 * i1 * block,
        4 * i2 * block,
        nr,
        size,
        eps,
        4 * n,
        4 * (n + per),
        sign,
        4 * outAt,
        q,
      );
    }
    copyOut(out, r0 * size, mem, outAt, nr * size);
  }
}

function rowNorms2F64(
  x1: Float64Array,
  x2: Float64Array,
  rows: number,
  size: number,
  eps: number,
  out: FloatArray,
): void {
  for (let j = 0, base = 0; j < rows; j++, base += size) {
    let s0 = 0;
    let s1 = 0;
    const end = base + size;
    let k = base;
    for (; k + 1 < end; k += 2) {
      const v0 = (x1[k] - x2[k]) + eps;
      const v1 = (x1[k + 1] - x2[k + 1]) + eps;
      s0 += v0 * v0;
      s1 += v1 * v1;
    }
    if (k < end) {
      const v = (x1[k] - x2[k]) + eps;
      s0 += v * v;
    }
    out[j] = Math.sqrt(s0 + s1);
  }
}

function normGrad2SetF64(
  x1: Float64Array,
  x2: Float64Array,
  rows: number,
  size: number,
  eps: number,
  norms: FloatArray,
  g: FloatArray,
  sign: number,
  out: FloatArray,
): void {
  for (let j = 0, base = 0; j < rows; j++, base += size) {
    const n = norms[j];
    const gj = g[j];
    const end = base + size;
    if (n === 0) {
      for (let k = base; k < end; k++) out[k] = sign * (gj * 0);
    } else {
      for (let k = base; k < end; k++) out[k] = sign * (gj * (((x1[k] - x2[k]) + eps) / n));
    }
  }
}

function normGrad2AddF64(
  x1: Float64Array,
  x2: Float64Array,
  rows: number,
  size: number,
  eps: number,
  norms: FloatArray,
  g: FloatArray,
  sign: number,
  out: FloatArray,
): void {
  for (let j = 0, base = 0; j < rows; j++, base += size) {
    const n = norms[j];
    const gj = g[j];
    const end = base + size;
    if (n === 0) {
      for (let k = base; k < end; k++) out[k] += sign * (gj * 0);
    } else {
      for (let k = base; k < end; k++) out[k] += sign * (gj * (((x1[k] - x2[k]) + eps) / n));
    }
  }
}
