/**
 * CTC's alpha recursion over float32 log-probabilities in WebAssembly lanes (`wasm/ctc.wat`,
 * written by `scripts/gen_explog_wat.py`): the positions of the extended labels at one time
 * step depend only on the step before, so four of them go in one f32x4 vector. The loss file
 * keeps the first row, the loss from the last row and the backward.
 *
 * @module
 */

import { inArena } from "../_core/arena.ts";
import { lazyKernel } from "./wasm.ts";
import { WASM_BASE64 } from "./generated/wasm_ctc.ts";

const kernel = lazyKernel(() => WASM_BASE64);

type AlphaFn = (
  alpha: number,
  pitch: number,
  steps: number,
  width: number,
  lp: number,
  stride: number,
  prime: number,
  skip: number,
  lpx: number,
  out: number,
) => void;

/**
 * For float32 log-probabilities `lp` (steps × batch × classes): a function that writes one
 * sample's alpha (`inputLength` rows of the `prime.length` extended-label positions, row-major,
 * into `alpha`) from its first row, as the loss file's loop computes it with exp32 and log32.
 * `prime` is each position's class and `skip` whether the recursion may come from two
 * positions back; `widest` is the most positions any sample has.
 */
export function ctcAlphaLanes(
  lp: Float32Array,
  steps: number,
  batch: number,
  classes: number,
  widest: number,
): (
  b: number,
  prime: Int32Array,
  skip: Uint8Array,
  inputLength: number,
  first: [number, number],
  alpha: Float32Array,
) => void {
  const k = kernel();
  const alphaFn = k.exports.ctc_alpha_f32 as AlphaFn;
  // rows of two -inf, the positions, and at least three more for the last vector's stores
  const pitch = 4 * (Math.ceil((widest + 5) / 4) * 4);
  const slot = 4 * (widest + 8);
  const direct = k.inArena && inArena(lp);
  // the rows without padding, and three floats for the last vector copied
  const outBytes = 4 * (steps * widest + 4);
  const base = k.scratch((direct ? 0 : lp.byteLength) + 3 * slot + steps * pitch + outBytes);
  const lpAt = direct ? lp.byteOffset : base;
  const primeAt = base + (direct ? 0 : lp.byteLength);
  const skipAt = primeAt + slot;
  const lpxAt = skipAt + slot;
  const alphaAt = lpxAt + slot;
  const outAt = alphaAt + steps * pitch;
  const buffer = k.buffer;
  if (!direct) new Float32Array(buffer, lpAt, lp.length).set(lp);
  const primes = new Int32Array(buffer, primeAt, widest + 8);
  const skips = new Int32Array(buffer, skipAt, widest + 8);
  const rows = new Float32Array(buffer, alphaAt, (steps * pitch) / 4);
  const out = new Float32Array(buffer, outAt, steps * widest);
  const rowLen = pitch / 4;
  return (b, prime, skip, inputLength, first, alpha) => {
    const width = prime.length;
    primes.set(prime);
    for (let s = 0; s < width; s++) skips[s] = skip[s] === 1 ? -1 : 0;
    rows.fill(-Infinity, 0, rowLen);
    rows[2] = first[0];
    if (width > 1) rows[3] = first[1];
    for (let t = 1; t < inputLength; t++) rows[t * rowLen] = rows[t * rowLen + 1] = -Infinity;
    alphaFn(
      alphaAt,
      pitch,
      inputLength,
      width,
      lpAt + 4 * b * classes,
      4 * batch * classes,
      primeAt,
      skipAt,
      lpxAt,
      outAt,
    );
    alpha.set(out.subarray(0, inputLength * width));
  };
}
