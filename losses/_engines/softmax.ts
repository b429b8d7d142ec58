/**
 * Softmax and log-softmax along one dimension, shared by `logSoftmax`, `softmax` and
 * `crossEntropy`. A tensor is seen as `outer × size × inner` lanes, `size` along `dim`.
 * Each lane is computed in float64 after subtracting its maximum (so logits of ±1e4 are
 * exact) and rounded once to the dtype. A nan anywhere in a lane, or a lane whose maximum is
 * infinite, gives nan across the lane, as PyTorch. Results are written straight into the
 * output's typed array, which rounds them once to its dtype.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { checkFloat, normalizeDim } from "../_core/checks.ts";
import { type FloatArray, takeFloat } from "../_core/reduction.ts";
import { rowLogSoftmax, rowSoftmaxGrad, rowSoftmaxScaled } from "../_cpu/row_kernels.ts";
import { type Lanes, lanesOf } from "../_core/lanes.ts";
import { cpuStorage, Tensor } from "../_core/tensor.ts";

/** Calls `fn(base)` for every lane; element `k` of the lane is at `base + k * inner`. */
function forEachLane({ outer, size, inner }: Lanes, fn: (base: number) => void): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) fn(o * size * inner + i);
  }
}

/** The lane's maximum; nan if any element is nan. */
function laneMax(x: FloatArray, base: number, size: number, inner: number): number {
  let m = -Infinity;
  for (let k = 0; k < size; k++) {
    const v = x[base + k * inner];
    if (v > m || v !== v) m = v;
    if (m !== m) break;
  }
  return m;
}

/** `sum(exp(x - m))` over the lane. */
function laneSumExp(x: FloatArray, base: number, size: number, inner: number, m: number): number {
  let s = 0;
  for (let k = 0; k < size; k++) s += Math.exp(x[base + k * inner] - m);
  return s;
}

/** `out = x - max - log(sum(exp(x - max)))` per lane. */
export function logSoftmaxForward(x: FloatArray, lanes: Lanes, out: FloatArray): void {
  const { size, inner } = lanes;
  if (inner === 1) return rowLogSoftmax(x, lanes.outer, size, out);
  forEachLane(lanes, (base) => {
    const m = laneMax(x, base, size, inner);
    const logSum = Math.log(laneSumExp(x, base, size, inner, m));
    for (let k = 0; k < size; k++) {
      const j = base + k * inner;
      out[j] = x[j] - m - logSum;
    }
  });
}

/** `out = exp(x - max) / sum(exp(x - max))` per lane. */
export function softmaxForward(x: FloatArray, lanes: Lanes, out: FloatArray): void {
  const { size, inner } = lanes;
  if (inner === 1) return rowSoftmaxScaled(x, lanes.outer, size, out, (_r, _m, s) => 1 / s);
  forEachLane(lanes, (base) => {
    const m = laneMax(x, base, size, inner);
    const s = laneSumExp(x, base, size, inner, m);
    for (let k = 0; k < size; k++) {
      const j = base + k * inner;
      out[j] = Math.exp(x[j] - m) / s;
    }
  });
}

/** log_softmax's backward (ATen): `grad_input = g - exp(output) * sum(g)` per lane. */
export function logSoftmaxBackward(
  g: FloatArray,
  output: FloatArray,
  lanes: Lanes,
  gx: FloatArray,
): void {
  const { size, inner } = lanes;
  if (inner === 1) {
    if (rowSoftmaxGrad("log_softmax", g, output, lanes.outer, size, gx)) return;
    // float64: exp(output) · sum(g) per row from the row kernels (exp(output - m) · e^m ·
    // sum(g)), then g minus it
    const rows = lanes.outer;
    const sums = new Float64Array(rows);
    for (let r = 0; r < rows; r++) sums[r] = rowSum(g, r * size, size);
    rowSoftmaxScaled(output, rows, size, gx, (r, m) => sums[r] * Math.exp(m));
    for (let j = 0; j < gx.length; j++) gx[j] = g[j] - gx[j];
    return;
  }
  forEachLane(lanes, (base) => {
    let s = 0;
    for (let k = 0; k < size; k++) s += g[base + k * inner];
    for (let k = 0; k < size; k++) {
      const j = base + k * inner;
      gx[j] = g[j] - Math.exp(output[j]) * s;
    }
  });
}

/** `sum(a[start .. start + n])` in float64. */
function rowSum(a: FloatArray, start: number, n: number): number {
  let s = 0;
  for (let k = start; k < start + n; k++) s += a[k];
  return s;
}

/** softmax's backward (ATen): `grad_input = output * (g - sum(g * output))` per lane. */
export function softmaxBackward(
  g: FloatArray,
  output: FloatArray,
  lanes: Lanes,
  gx: FloatArray,
): void {
  const { size, inner } = lanes;
  if (inner === 1 && rowSoftmaxGrad("softmax", g, output, lanes.outer, size, gx)) return;
  forEachLane(lanes, (base) => {
    let s = 0;
    for (let k = 0; k < size; k++) s += g[base + k * inner] * output[base + k * inner];
    for (let k = 0; k < size; k++) {
      const j = base + k * inner;
      gx[j] = output[j] * (g[j] - s);
    }
  });
}

/** Runs softmax or log-softmax as an op with its own node. */
export function runLaneOp(
  fn: string,
  input: Tensor,
  dim: number,
  kernels: {
    gradFn: string;
    forward: (x: FloatArray, lanes: Lanes, out: FloatArray) => void;
    backward: (g: FloatArray, output: FloatArray, lanes: Lanes, gx: FloatArray) => void;
  },
): Tensor {
  checkFloat(fn, { input });
  const lanes = lanesOf(input.shape, normalizeDim(fn, dim, input.shape.length));
  // every element is written: storage as it comes, from the kernel arena when it can
  const out = takeFloat(input.dtype, input.numel, true);
  kernels.forward(cpuStorage(input) as FloatArray, lanes, out);
  const node = record(kernels.gradFn, [input], (gradOutput) => {
    const gx = takeFloat(input.dtype, input.numel, true);
    kernels.backward(cpuStorage(gradOutput) as FloatArray, out, lanes, gx);
    return [new Tensor(gx, input.shape, input.dtype)];
  }, { holds: [out] });
  return new Tensor(out, input.shape, input.dtype, node);
}
