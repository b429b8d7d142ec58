/**
 * Float32 WebAssembly SIMD kernels of the elementwise losses without exp or log (L1, MSE,
 * Huber, smooth L1, hinge embedding, margin ranking), built from `wasm/elementwise.wat`. A
 * JavaScript float32 loop rounds each step with `Math.fround`, which V8 runs several times
 * slower than the float64 loop; WebAssembly has float32 arithmetic itself, four lanes at a
 * time. The operands are copied into the kernel's memory chunk by chunk (a chunk stays in
 * the cache) and the gradient copied out, so the copies cost little more than reading the
 * operands once. Each lane computes the loss file's scalar formula step for step, so losses
 * and gradients are bit for bit those of the scalar loop; only the float64 sum adds in
 * another order (four lanes, then chunks).
 *
 * @module
 */

import { lazyKernel } from "./_wasm.ts";
import { WASM_BASE64 } from "./_wasm_elementwise.ts";

/** The losses with a kernel pair `<name>_sum` / `<name>_grad` in `wasm/elementwise.wat`. */
export type SimdLoss = "mse" | "l1" | "hinge" | "smooth_l1" | "huber" | "margin_ranking";

type KernelFn = (
  a: number,
  b: number,
  c: number,
  out: number,
  n: number,
  p0: number,
  p1: number,
  p2: number,
  p3: number,
) => number;

const kernel = lazyKernel(() => WASM_BASE64);

/** Elements per operand per chunk: four 16 KiB arrays stay in the L1 and L2 caches. */
const CHUNK = 4096;
/** Bytes per scratch array: a chunk and one more vector, read past the end and masked. */
const SLOT = (CHUNK + 4) * 4;

/** The kernel's functions by export name, and views of its scratch (three operands, out). */
let cache: { buffer: ArrayBuffer; fns: Map<string, KernelFn>; slots: Float32Array[] } | null = null;

/**
 * Runs `<loss>_sum` (when `grad` is `null`) or `<loss>_grad` over float32 operands of one
 * length and returns the float64 sum of the losses; `_grad` also fills `grad` with operand
 * 0's gradient. `p0`..`p3` are the loss's scalars in the order its kernel reads them.
 */
export function simdLoss(
  loss: SimdLoss,
  operands: readonly Float32Array[],
  grad: Float32Array | null,
  p0 = 0,
  p1 = 0,
  p2 = 0,
  p3 = 0,
): number {
  const k = kernel();
  const buffer = k.reserve(4 * SLOT);
  if (cache === null || cache.buffer !== buffer) {
    const slots = [0, 1, 2, 3].map((j) => new Float32Array(buffer, j * SLOT, CHUNK));
    cache = { buffer, fns: cache?.fns ?? new Map(), slots };
  }
  const name = grad === null ? `${loss}_sum` : `${loss}_grad`;
  let fn = cache.fns.get(name);
  if (fn === undefined) {
    fn = k.exports[name] as KernelFn;
    cache.fns.set(name, fn);
  }
  const { slots } = cache;
  const out = slots[3];
  const b = operands.length > 1 ? SLOT : 0;
  const c = operands.length > 2 ? 2 * SLOT : 0;
  const n = operands[0].length;
  let total = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    for (let j = 0; j < operands.length; j++) {
      slots[j].set(operands[j].subarray(start, end));
    }
    total += fn(0, b, c, 3 * SLOT, end - start, p0, p1, p2, p3);
    if (grad !== null) grad.set(out.subarray(0, end - start), start);
  }
  return total;
}

/** The operands as float32 arrays, or `null` when they are float64 (no SIMD kernel). */
export function float32Operands(
  v: readonly (Float32Array | Float64Array)[],
): Float32Array[] | null {
  const out: Float32Array[] = [];
  for (const a of v) {
    if (!(a instanceof Float32Array)) return null;
    out.push(a);
  }
  return out;
}
