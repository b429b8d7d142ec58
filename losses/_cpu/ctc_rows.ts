/**
 * CTC's alpha and beta recursions over float32 log-probabilities in WebAssembly lanes
 * (`wasm/ctc.wat`, written by `scripts/gen_explog_wat.py`): the positions of the extended labels
 * at one time step depend only on the step before, so four of them go in one f32x4 vector; and
 * the backward's sums of alpha·beta per class, whose time steps are independent, four steps a
 * vector. The loss file keeps the first row, the loss from the last row and the gradient's
 * formula.
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

/** One sample's alpha (or, reversed, beta) rows in lanes: see {@linkcode ctcLanes}. */
export type CtcRowsFn = (
  b: number,
  prime: Int32Array,
  skip: Uint8Array,
  inputLength: number,
  first: [number, number],
  alpha: Float32Array,
  reverse?: boolean,
) => void;

/** One sample's collected alpha·beta per class in lanes: see {@linkcode ctcLanes}. */
export type CtcCollectFn = (
  alpha: Float32Array,
  beta: Float32Array,
  prime: Int32Array,
  end: number,
  collected: Float32Array,
) => void;

/**
 * For float32 log-probabilities `lp` (steps × batch × classes), the two kernels over one
 * scratch (`widest` is the most positions any sample has):
 *
 * - `rows(b, prime, skip, inputLength, first, alpha)` writes sample `b`'s alpha
 *   (`inputLength` rows of the `prime.length` extended-label positions, row-major, into
 *   `alpha`) from its first row, as the loss file's loop computes it with exp32 and log32.
 *   `prime` is each position's class and `skip` whether the recursion may come from two
 *   positions back. With `reverse`, the rows are the sample's time steps from the last to the
 *   first: given the extended labels reversed, and the last step's first two values, that is
 *   beta with both time and positions reversed (row `t'`, position `s'` is beta at step
 *   `inputLength - 1 - t'`, position `width - 1 - s'`).
 * - `collect(alpha, beta, prime, end, collected)` writes, for every step `t < end` and every
 *   class `c` among `prime`, `collected[t * classes + c]`: the loss file's log-sum of
 *   `alpha + beta` over the positions of class `c`, from the last position to the first (its
 *   logSum2 with exp32 and log32), four steps a vector. Other entries are left as they are.
 *
 * Both work in the module's one scratch, where this call lays out its views (and copies `lp`
 * when it does not live in the arena): they are valid until the next call of `ctcLanes`.
 */
export function ctcLanes(
  lp: Float32Array,
  steps: number,
  batch: number,
  classes: number,
  widest: number,
): { rows: CtcRowsFn; collect: CtcCollectFn } {
  const k = kernel();
  const alphaFn = k.exports.ctc_alpha_f32 as AlphaFn;
  const collectFn = k.exports.ctc_collect_f32 as (
    acc: number,
    v: number,
    out: number,
    n: number,
  ) => number;
  // rows of two -inf, the positions, and at least three more for the last vector's stores
  const pitch = 4 * (Math.ceil((widest + 5) / 4) * 4);
  const slot = 4 * (widest + 8);
  const direct = k.inArena && inArena(lp);
  // the rows without padding, and three floats for the last vector copied
  const outBytes = 4 * (steps * widest + 4);
  // collect: a row of steps per class of a sample (at most `widest`), and the values added,
  // each with room for the last vector's reads and stores
  const timePitch = 4 * (Math.ceil((steps + 4) / 4) * 4);
  const collectBytes = (widest + 1) * timePitch;
  const base = k.scratch(
    (direct ? 0 : lp.byteLength) + 3 * slot + steps * pitch + outBytes + collectBytes,
  );
  const lpAt = direct ? lp.byteOffset : base;
  const primeAt = base + (direct ? 0 : lp.byteLength);
  const skipAt = primeAt + slot;
  const lpxAt = skipAt + slot;
  const alphaAt = lpxAt + slot;
  const outAt = alphaAt + steps * pitch;
  const accAt = outAt + outBytes;
  const valuesAt = accAt + widest * timePitch;
  const buffer = k.buffer;
  if (!direct) new Float32Array(buffer, lpAt, lp.length).set(lp);
  const primes = new Int32Array(buffer, primeAt, widest + 8);
  const skips = new Int32Array(buffer, skipAt, widest + 8);
  const rowsView = new Float32Array(buffer, alphaAt, (steps * pitch) / 4);
  const out = new Float32Array(buffer, outAt, steps * widest);
  const acc = new Float32Array(buffer, accAt, (widest * timePitch) / 4);
  const values = new Float32Array(buffer, valuesAt, timePitch / 4);
  const rowLen = pitch / 4;
  const rowBytes = 4 * batch * classes;
  // the acc row of each class in the sample at hand, -1 for none
  const accRow = new Int32Array(classes).fill(-1);
  const used: number[] = [];
  const rows: CtcRowsFn = (b, prime, skip, inputLength, first, alpha, reverse = false) => {
    const width = prime.length;
    primes.set(prime);
    for (let s = 0; s < width; s++) skips[s] = skip[s] === 1 ? -1 : 0;
    rowsView.fill(-Infinity, 0, rowLen);
    rowsView[2] = first[0];
    if (width > 1) rowsView[3] = first[1];
    for (let t = 1; t < inputLength; t++) {
      rowsView[t * rowLen] = rowsView[t * rowLen + 1] = -Infinity;
    }
    alphaFn(
      alphaAt,
      pitch,
      inputLength,
      width,
      lpAt + 4 * b * classes + (reverse ? (inputLength - 1) * rowBytes : 0),
      reverse ? -rowBytes : rowBytes,
      primeAt,
      skipAt,
      lpxAt,
      outAt,
    );
    alpha.set(out.subarray(0, inputLength * width));
  };
  const collect: CtcCollectFn = (alpha, beta, prime, end, collected) => {
    const width = prime.length;
    const perClass = timePitch / 4;
    for (let s = width - 1; s >= 0; s--) {
      const c = prime[s];
      if (accRow[c] < 0) {
        accRow[c] = used.length;
        used.push(c);
        acc.fill(-Infinity, accRow[c] * perClass, accRow[c] * perClass + end);
      }
      for (let t = 0, j = s; t < end; t++, j += width) values[t] = alpha[j] + beta[j];
      const at = accAt + accRow[c] * timePitch;
      collectFn(at, valuesAt, at, end);
    }
    for (const c of used) {
      const from = accRow[c] * perClass;
      for (let t = 0; t < end; t++) collected[t * classes + c] = acc[from + t];
      accRow[c] = -1;
    }
    used.length = 0;
  };
  return { rows, collect };
}
