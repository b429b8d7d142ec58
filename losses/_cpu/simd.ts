/**
 * WebAssembly SIMD kernels (f32x4 and f64x2) of the elementwise losses without exp or log
 * (L1, MSE, Huber, smooth L1, hinge embedding, margin ranking), built from
 * `wasm/elementwise.wat`. A JavaScript float32 loop rounds each step with `Math.fround`,
 * which V8 runs several times slower than float64 arithmetic, and a JavaScript loop that
 * selects per element (the kinks of Huber, smooth L1, hinge and margin ranking) branches on
 * the data; WebAssembly has float32 arithmetic itself and selects with lane masks. Operands
 * and gradients in the kernel arena (`_core/arena.ts`: the storage of large tensors) are used
 * where they are; others are copied into the kernel's memory chunk by chunk (a chunk stays in
 * the cache) and the gradient copied out. Each lane computes the loss file's scalar formula
 * step for step, so losses and gradients are bit for bit those of the scalar loop; only the
 * sum adds in another order (float32 losses four vectors at a time pairwise in float32, then
 * lanes and chunks in float64; see `wasm/elementwise.wat`).
 *
 * @module
 */

import { inArena, ownsBlock } from "../_core/arena.ts";
import { lazyKernel, type WasmKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_elementwise.ts";

/** The losses with kernels `<name>_sum`, `<name>_grad` (and `64` twins) in `wasm/elementwise.wat`. */
export type SimdLoss =
  | "mse"
  | "l1"
  | "hinge"
  | "smooth_l1"
  | "smooth_l1_pow2"
  | "huber"
  | "margin_ranking";

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

/**
 * The kernel's scratch (three operands, then the gradient), at byte offset `at` of its
 * memory, with views of each for each dtype.
 */
interface Scratch {
  at: number;
  f32: Float32Array[];
  f64: Float64Array[];
}
let scratch: Scratch | null = null;
const fns = new Map<string, KernelFn>();

/** The scratch's views, made again when the scratch or the memory's buffer changes. */
function theScratch(k: WasmKernel): Scratch {
  const at = k.scratch(4 * SLOT);
  if (scratch === null || scratch.at !== at || scratch.f32[0].buffer !== k.buffer) {
    scratch = views(k.buffer, at);
  }
  return scratch;
}

function views(buffer: ArrayBufferLike, base: number): Scratch {
  const at = [0, 1, 2, 3].map((j) => base + j * SLOT);
  return {
    at: base,
    f32: at.map((b) => new Float32Array(buffer, b, CHUNK_BYTES / 4)),
    f64: at.map((b) => new Float64Array(buffer, b, CHUNK_BYTES / 8)),
  };
}

/**
 * Runs `<loss>_sum` (when `grad` is `null`) or `<loss>_grad` (`_sum64` / `_grad64` for
 * float64) over operands of one dtype and length, and returns the float64 sum of the losses;
 * `_grad` also fills `grad` with operand 0's gradient. `p0`..`p3` are the loss's scalars in
 * the order its kernel reads them (float32 values for float32).
 *
 * Chunk by chunk: an operand in the kernel arena is read where it is, any other is copied
 * into scratch; the gradient is written where it is when it owns an arena block (whose end
 * takes the last vector's stores), else into scratch and copied out. Each chunk's sum is the
 * kernel's, and the chunks' sums add in order, so the bits do not depend on where the
 * operands are.
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
  const s = theScratch(k);
  const wide = operands[0] instanceof Float64Array;
  const name = `${loss}_${grad === null ? "sum" : "grad"}${wide ? "64" : ""}`;
  let fn = fns.get(name);
  if (fn === undefined) {
    fn = k.exports[name] as KernelFn;
    fns.set(name, fn);
  }
  const slots: FloatArray[] = wide ? s.f64 : s.f32;
  const chunk = slots[0].length;
  const bytes = wide ? 8 : 4;
  const arena = k.inArena;
  // per operand (a, b, c), then the gradient: its own offset, or -1 to go through scratch
  const direct = [0, 1, 2].map((j) =>
    j < operands.length && arena && inArena(operands[j]) ? operands[j].byteOffset : -1
  );
  const gradAt = grad !== null && arena && ownsBlock(grad) ? grad.byteOffset : -1;
  const n = operands[0].length;
  const at = [0, 0, 0];
  let total = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    for (let j = 0; j < operands.length; j++) {
      if (direct[j] >= 0) at[j] = direct[j] + start * bytes;
      else {
        slots[j].set(start === 0 && end === n ? operands[j] : operands[j].subarray(start, end));
        at[j] = s.at + j * SLOT;
      }
    }
    const out = gradAt >= 0 ? gradAt + start * bytes : s.at + 3 * SLOT;
    total += fn(at[0], at[1], at[2], out, end - start, p0, p1, p2, p3);
    if (grad !== null && gradAt < 0) {
      grad.set(end - start === chunk ? slots[3] : slots[3].subarray(0, end - start), start);
    }
  }
  return total;
}
