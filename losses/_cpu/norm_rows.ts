/**
 * Row kernels of the 2-norm distance `||x1 - x2 + eps||_2` over the last dimension, for
 * `pairwiseDistance` and the triplet losses when both operands have the same shape: no
 * difference tensor is made, the backward recomputes `v = x1 - x2 + eps` from the inputs.
 * float32 runs in WebAssembly (`wasm/norm_rows.wat`: f32x4 steps round as PyTorch's float32
 * ops do, with no `Math.fround` chain), block by block over the kernel arena's memory
 * (`_core/arena.ts`): inputs that live there are read where they are and a gradient that owns
 * a block is written where it is; anything else is copied through the module's scratch, a
 * block at a time so that the copies stay in cache. float64 runs in plain loops.
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
import { lazyKernel, type WasmKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_norm_rows.ts";

const kernel = lazyKernel(() => WASM_BASE64);

/** float32 elements of each input per block (256 KiB). */
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
 * float32 the inputs that are copied into the module's scratch are copied once for the norms
 * and the gradients.
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
  const { mem, base } = scratch(k, gAt + pairs.length * per);
  const ins = inputs as readonly Float32Array[];
  // the gradient kernel writes nothing past the rows it is given
  const inPlace = leaves.map(([, out]) => k.writable(out, ins, false, false));
  for (let r0 = 0; r0 < rows; r0 += per) {
    const nr = Math.min(per, rows - r0);
    const at = inputsAt(k, mem, ins, block, r0, nr, size);
    blockNorms(k, pairs, at, per, base + 4 * normsAt, nr, size, eps);
    for (let q = 0; q < pairs.length; q++) copyOut(pairs[q][2], r0, mem, normsAt + q * per, nr);
    rowsDone(r0, r0 + nr);
    leaves.forEach(([terms, out], leaf) => {
      const to = inPlace[leaf] ? out.byteOffset + 4 * r0 * size : base + 4 * outAt;
      for (let q = 0; q < terms.length; q++) {
        const [i1, i2, norms, g, sign] = terms[q];
        // the norms are in memory already, at their pair's place
        const pair = pairs.findIndex(([p1, p2, o]) => p1 === i1 && p2 === i2 && o === norms);
        const n = normsAt + pair * per;
        const gq = gAt + pair * per;
        copyIn(mem, gq, g, r0, nr);
        grad2(at[i1], at[i2], nr, size, eps, base + 4 * n, base + 4 * gq, sign, to, q);
      }
      if (!inPlace[leaf]) copyOut(out, r0 * size, mem, outAt, nr * size);
    });
  }
}

/**
 * The module's scratch for `elements` float32: a view of it from its start, and its byte
 * offset.
 */
function scratch(k: WasmKernel, elements: number): { mem: Float32Array; base: number } {
  const base = k.scratch(4 * elements);
  return { mem: new Float32Array(k.buffer, base, elements), base };
}

/**
 * The byte offsets the kernels read rows [r0, r0 + nr) of each input at: where they are, or
 * copied into the scratch (`mem`), input i at element `i * block`.
 */
function inputsAt(
  k: WasmKernel,
  mem: Float32Array,
  inputs: readonly Float32Array[],
  block: number,
  r0: number,
  nr: number,
  size: number,
): number[] {
  return inputs.map((x, i) => k.readAt(x, r0 * size, nr * size, mem.subarray(i * block)));
}

/**
 * The norms of `pairs` for one block of `nr` rows (input i's rows at byte offset `at[i]`),
 * written at byte offset `normsAt + 4 * q * per` for pair q; two pairs sharing their first
 * input go through the kernel that reads it once.
 */
function blockNorms(
  k: WasmKernel,
  pairs: readonly NormPair[],
  at: readonly number[],
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
    pair(at[a], at[p], at[n], nr, size, eps, normsAt, normsAt + 4 * per);
    q = 2;
  }
  for (; q < pairs.length; q++) {
    const [i1, i2] = pairs[q];
    norms2(at[i1], at[i2], nr, size, eps, normsAt + 4 * q * per);
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
  const { mem, base } = scratch(k, outAt + pairs.length * per);
  for (let r0 = 0; r0 < rows; r0 += per) {
    const nr = Math.min(per, rows - r0);
    const at = inputsAt(k, mem, inputs, block, r0, nr, size);
    blockNorms(k, pairs, at, per, base + 4 * outAt, nr, size, eps);
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
  const { mem, base } = scratch(k, rowsAt + 2 * terms.length * per);
  const inPlace = k.writable(out, inputs, false, false); // it writes nothing past its rows
  for (let r0 = 0; r0 < rows; r0 += per) {
    const nr = Math.min(per, rows - r0);
    const at = inputsAt(k, mem, inputs, block, r0, nr, size);
    const to = inPlace ? out.byteOffset + 4 * r0 * size : base + 4 * outAt;
    for (let q = 0; q < terms.length; q++) {
      const [i1, i2, norms, g, sign] = terms[q];
      const n = rowsAt + 2 * q * per;
      copyIn(mem, n, norms, r0, nr);
      copyIn(mem, n + per, g, r0, nr);
      grad2(at[i1], at[i2], nr, size, eps, base + 4 * n, base + 4 * (n + per), sign, to, q);
    }
    if (!inPlace) copyOut(out, r0 * size, mem, outAt, nr * size);
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
