/**
 * WebAssembly SIMD kernels (f32x4 and f64x2) of the elementwise losses without exp or log
 * (L1, MSE, Huber, smooth L1, hinge embedding, margin ranking), built from
 * `wasm/elementwise.wat`. A JavaScript float32 loop rounds each step with `Math.fround`,
 * which V8 runs several times slower than float64 arithmetic, and a JavaScript loop that
 * selects per element (the kinks of Huber, smooth L1, hinge and margin ranking) branches on
 * the data; WebAssembly has float32 arithmetic itself and selects with lane masks. The
 * operands are copied into the kernel's memory chunk by chunk (a chunk stays in the cache)
 * and the gradient copied out, so the copies cost little more than reading the operands
 * once. Each lane computes the loss file's scalar formula step for step, so losses and
 * gradients are bit for bit those of the scalar loop; only the float64 sum adds in another
 * order (lanes, then chunks).
 *
 * @module
 */

import { lazyKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_elementwise.ts";

/** The losses with kernels `<name>_sum`, `<name>_grad` (and `64` twins) in `wasm/elementwise.wat`. */
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

/** Bytes per operand per chunk: four 16 KiB arrays stay in the L1 and L2 caches. */
const CHUNK_BYTES = 16384;
/** Bytes per scratch array: a chunk and one more vector, read past the end and masked. */
const SLOT = CHUNK_BYTES + 16;

/** Float storage of either dtype. */
type FloatArray = Float32Array | Float64Array;

/** Views of the kernel's scratch (three operands, then the gradient) for each dtype. */
interface Scratch {
  buffer: ArrayBuffer;
  f32: Float32Array[];
  f64: Float64Array[];
}
let scratch: Scratch | null = null;
const fns = new Map<string, KernelFn>();

/**
 * Runs `<loss>_sum` (when `grad` is `null`) or `<loss>_grad` (`_sum64` / `_grad64` for
 * float64) over operands of one dtype and length, and returns the float64 sum of the losses;
 * `_grad` also fills `grad` with operand 0's gradient. `p0`..`p3` are the loss's scalars in
 * the order its kernel reads them (float32 values for float32).
 */
export function simdLoss(
  loss: SimdLoss,
  operands: readonly FloatArray[],
  grad: FloatArray | null,
  p0 = 0,
  p1 = 0,
  p2 = 0,
  p3 = 0,
): number {
  const k = kernel();
  const buffer = k.reserve(4 * SLOT);
  if (scratch === null || scratch.buffer !== buffer) {
    const at = [0, 1, 2, 3].map((j) => j * SLOT);
    scratch = {
      buffer,
      f32: at.map((b) => new Float32Array(buffer, b, CHUNK_BYTES / 4)),
      f64: at.map((b) => new Float64Array(buffer, b, CHUNK_BYTES / 8)),
    };
  }
  const wide = operands[0] instanceof Float64Array;
  const name = `${loss}_${grad === null ? "sum" : "grad"}${wide ? "64" : ""}`;
  let fn = fns.get(name);
  if (fn === undefined) {
    fn = k.exports[name] as KernelFn;
    fns.set(name, fn);
  }
  const slots: FloatArray[] = wide ? scratch.f64 : scratch.f32;
  const chunk = slots[0].length;
  const out = slots[3];
  const b = operands.length > 1 ? SLOT : 0;
  const c = operands.length > 2 ? 2 * SLOT : 0;
  const n = operands[0].length;
  let total = 0;
  if (n <= chunk) {
    // one chunk: no views to make
    for (let j = 0; j < operands.length; j++) slots[j].set(operands[j]);
    total = fn(0, b, c, 3 * SLOT, n, p0, p1, p2, p3);
    if (grad !== null) grad.set(n === chunk ? out : out.subarray(0, n));
    return total;
  }
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    for (let j = 0; j < operands.length; j++) {
      slots[j].set(operands[j].subarray(start, end));
    }
    total += fn(0, b, c, 3 * SLOT, end - start, p0, p1, p2, p3);
    if (grad !== null) grad.set(out.subarray(0, end - start), start);
  }
  return total;
}
