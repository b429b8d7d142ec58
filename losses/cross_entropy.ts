import { record } from "./_core/autograd.ts";
import { fusedKernels } from "./_engines/elementwise.ts";
import {
  checkFloat,
  checkNumber,
  checkSameDtype,
  checkTensor,
  fail,
  TENSOR_OR_NULL,
} from "./_core/checks.ts";
import { checkIndexTarget, checkWeight, classIndices } from "./_engines/class_targets.ts";
import { type ClassLayout, classLayoutOf } from "./_core/lanes.ts";
import {
  type FloatArray,
  floatStorage,
  parseReduction,
  reduceLosses,
  REDUCTION,
  type Reduction,
  rounder,
  takeFloat,
} from "./_core/reduction.ts";
import { crossEntropyIndexWebgpu, crossEntropyProbabilityWebgpu } from "./_webgpu/cross_entropy.ts";
import { rowSoftmaxScaled } from "./_cpu/row_kernels.ts";
import { logSoftmaxBackward, logSoftmaxForward } from "./_engines/softmax.ts";
import {
  addNllGrad,
  meanOver,
  nllForward,
  parseIgnoreIndex,
  samplePosition,
  sampleScale,
} from "./nll_loss.ts";
import { cpuStorage, type DType, Tensor } from "./_core/tensor.ts";
import { INTEGER, NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode crossEntropy} and {@linkcode CrossEntropyLoss}. */
export interface CrossEntropyLossOptions {
  /** `Tensor | null`: one weight per class (the input's dtype); default (or `null`) all 1. */
  weight?: Tensor | null;
  /** An integer: class-index targets equal to this are skipped. Default -100. */
  ignoreIndex?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
  /** A number in [0, 1]: mixes the target with the uniform distribution. Default 0. */
  labelSmoothing?: number;
}

const CROSS_ENTROPY_OPTIONS: OptionSpec<CrossEntropyLossOptions> = {
  weight: TENSOR_OR_NULL,
  ignoreIndex: INTEGER,
  reduction: REDUCTION,
  labelSmoothing: NUMBER,
};

// torch 1.13 (LossNLL.cpp, cross_entropy_loss), with lsm = log_softmax(x, class_dim):
// * target of the input's shape: class probabilities.
//     y' = y * (1 - ls) + ls / C
//     l_j = -sum_c w_c * y'_jc * lsm_jc ; mean divides by the number of samples (not by weights)
// * otherwise int64 class indices:
//     nll  = nll_loss(lsm, t, weight, reduction, ignore_index)
//     smooth_j = -sum_c w_c * lsm_jc, 0 where t_j is ignored
//     smooth = sum_j smooth_j / sum_j w[t_j] (kept j) for "mean"; sum or per sample otherwise
//     loss = (1 - ls) * nll + (ls / C) * smooth          (just nll when ls == 0)
// Gradients are those of the composite: d/dlsm, then log_softmax's backward. The target of
// class probabilities takes a gradient too: dl/dy_jc = -(1 - ls) * w_c * lsm_jc.

/**
 * Cross-entropy of logits, as `torch.nn.functional.cross_entropy`: log-softmax along the
 * class dimension, then negative log-likelihood, with optional class weights, ignored targets
 * and label smoothing, combined exactly as PyTorch combines them.
 *
 * ```text
 * lsm = logSoftmax(input, classDim)
 * class indices:  loss = (1 - ls) * nllLoss(lsm, t, { weight, ignoreIndex, reduction })
 *                      + (ls / C) * reduce_j(-sum_c w_c * lsm_jc)   (ignored j: 0;
 *                        "mean" divides by the kept targets' total weight, as nll)
 * probabilities:  y' = y * (1 - ls) + ls / C
 *                 l_j = -sum_c w_c * y'_jc * lsm_jc                 ("mean" divides by N·d1·…·dk)
 * ```
 *
 * Input (C), (N, C) or (N, C, d1, ..., dk). A target of the input's shape holds class
 * probabilities (float, and it takes a gradient); any other target holds int64 class indices.
 * Stable for logits of ±1e4. Every target ignored gives nan for `"mean"`, with zero gradient.
 *
 * @example Usage
 * ```ts
 * import { crossEntropy, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const logits = tensor([[1e4, 0], [0, 1e4]], { requiresGrad: true });
 * const loss = crossEntropy(logits, tensor([0, 1], { dtype: "int64" }));
 * assert.equal(loss.item(), 0);
 * loss.backward();
 * assert.deepEqual(logits.grad?.toArray(), [[0, 0], [0, 0]]);
 * ```
 *
 * @param input Logits, float32 or float64.
 * @param target int64 class indices, or class probabilities of the input's shape and dtype.
 * @param options `weight`, `ignoreIndex`, `reduction`, `labelSmoothing`.
 * @returns A 0-d tensor, or one loss per sample when `reduction` is `"none"`.
 * @throws {TypeError} If dtypes or shapes do not fit.
 * @throws {RangeError} If a target is out of range, or an option is out of its range.
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  options: CrossEntropyLossOptions = {},
): Tensor {
  const fn = "crossEntropy";
  options = parseOptions(fn, options, CROSS_ENTROPY_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const ignoreIndex = parseIgnoreIndex(fn, options.ignoreIndex);
  const ls = checkNumber(fn, "labelSmoothing", options.labelSmoothing ?? 0);
  if (!(ls >= 0 && ls <= 1)) {
    fail(fn, `labelSmoothing must be in [0, 1]: current value is ${ls}`, RangeError);
  }
  checkFloat(fn, { input });
  checkTensor(fn, "target", target);
  const layout = classLayoutOf(fn, input);
  const w = checkWeight(fn, options.weight, input, layout.lanes.size);
  const sameShape = target.shape.length === input.shape.length &&
    target.shape.every((d, k) => d === input.shape[k]);
  if (sameShape) {
    if (target.dtype !== "float32" && target.dtype !== "float64") {
      fail(
        fn,
        `target of the input's shape must hold float class probabilities: target dtype is "${target.dtype}"`,
      );
    }
    checkSameDtype(fn, { input, target });
    if (ignoreIndex >= 0) {
      fail(
        fn,
        `ignoreIndex is not supported for class-probability targets: current value is ${ignoreIndex}`,
        RangeError,
      );
    }
    if (input.device === "webgpu") {
      return crossEntropyProbabilityWebgpu(input, target, options.weight, layout, reduction, ls);
    }
    return probabilityTarget(input, target, layout, w, reduction, ls);
  }
  checkIndexTarget(fn, input, target);
  const idx = classIndices(fn, target, layout.lanes.size, ignoreIndex);
  if (input.device === "webgpu") {
    const weight = options.weight;
    return crossEntropyIndexWebgpu(input, target, weight, layout, reduction, ignoreIndex, ls);
  }
  return indexTarget(input, layout, idx, w, reduction, ls);
}

/** log_softmax of the input along the class dimension, in the input's dtype. */
function logSoftmaxOf(input: Tensor, layout: ClassLayout): FloatArray {
  const lsm = floatStorage(input.dtype, input.numel);
  logSoftmaxForward(cpuStorage(input) as FloatArray, layout.lanes, lsm);
  return lsm;
}

function indexTarget(
  input: Tensor,
  layout: ClassLayout,
  idx: Int32Array,
  w: FloatArray | null,
  reduction: Reduction,
  ls: number,
): Tensor {
  const dtype = input.dtype;
  const r = rounder(dtype);
  const x = cpuStorage(input) as FloatArray;
  const { size: classes, inner } = layout.lanes;
  // Class dimension last: per-sample log-sum-exp from the row kernels, without a log_softmax
  // tensor; otherwise (N, C, d1, ...) through log_softmax.
  const rowsLast = inner === 1 && ls === 0;
  const lsm = rowsLast ? x : logSoftmaxOf(input, layout);
  // With the default gradOutput ahead (a mean or sum of an input that requires grad), the row
  // pass that gives the log-sum-exp also writes the input's gradient for gradOutput 1, as the
  // backward would (the same kernels and factors); the backward hands it over.
  const fuse = rowsLast && reduction !== "none" && input.requiresGrad && fusedKernels.enabled;
  // every element is written (the row kernels): storage as it comes, from the kernel arena
  const saved = fuse ? takeFloat(dtype, input.numel, true) : null;
  let lse: Float64Array | null = null;
  if (rowsLast) {
    const sums = new Float64Array(idx.length);
    const onStats = (j: number, m: number, s: number): void => {
      sums[j] = m + Math.log(s);
    };
    if (saved !== null) {
      const one = floatStorage(dtype, 1).fill(1);
      const unit = sampleScale(one, reduction, keptWeight(idx, w), r);
      crossEntropyRowsBackward(x, idx, w, unit, 0, saved, onStats);
    } else {
      rowSoftmaxScaled(x, idx.length, classes, null, (j, m, s) => {
        onStats(j, m, s);
        return 0;
      });
    }
    lse = sums;
  }
  const nll = nllForward(lsm, layout, idx, w, dtype, lse);
  const reduce = (losses: FloatArray): FloatArray =>
    reduction === "mean"
      ? meanOver(losses, nll.totalWeight, dtype).storage
      : reduceLosses(losses, layout.sampleShape, dtype, reduction).storage;
  let out = reduce(nll.losses);
  if (ls > 0) {
    const smooth = reduce(smoothLosses(lsm, layout, idx, w, dtype));
    const a = r(1 - ls);
    const b = r(ls / classes);
    const mixed = floatStorage(dtype, out.length);
    for (let j = 0; j < out.length; j++) mixed[j] = r(r(a * out[j]) + r(smooth[j] * b));
    out = mixed;
  }
  const gradFn = ls > 0 ? "AddBackward0" : "NllLossBackward0";
  const node = record(gradFn, [input], (gradOutput) => {
    const go = cpuStorage(gradOutput) as FloatArray;
    if (saved !== null && go[0] === 1) return [new Tensor(saved, input.shape, dtype)];
    const scale = sampleScale(go, reduction, nll.totalWeight, r);
    const gx = takeFloat(dtype, input.numel, true); // every element is written below
    if (inner === 1) {
      crossEntropyRowsBackward(x, idx, w, scale, ls, gx);
      return [new Tensor(gx, input.shape, dtype)];
    }
    const dl = new Float64Array(input.numel);
    addNllGrad(dl, layout, idx, w, scale, -(1 - ls));
    if (ls > 0) {
      for (let j = 0; j < idx.length; j++) {
        if (idx[j] < 0) continue;
        const s = -(ls / classes) * scale(j);
        for (let c = 0; c < classes; c++) {
          dl[samplePosition(j, c, classes, inner)] += s * (w === null ? 1 : w[c]);
        }
      }
    }
    logSoftmaxBackward(dl, lsm, layout.lanes, gx);
    return [new Tensor(gx, input.shape, dtype)];
  }, {
    holds: w === null ? [input] : [input, w],
    // the fused gradient (unless handed over) and the log_softmax made for the backward
    scratch: [...(saved === null ? [] : [saved]), ...(lsm === x ? [] : [lsm])],
  });
  return new Tensor(out, reduction === "none" ? layout.sampleShape : [], dtype, node);
}

/** The kept samples' total weight, in {@linkcode nllForward}'s order (float64). */
function keptWeight(idx: Int32Array, w: FloatArray | null): number {
  let total = 0;
  for (let j = 0; j < idx.length; j++) {
    if (idx[j] >= 0) total += w === null ? 1 : w[idx[j]];
  }
  return total;
}

/**
 * Cross-entropy's input gradient for (N, C) rows, from the logits in one pass of the row
 * kernels: with dl = d loss / d log_softmax (the target's -(1 - ls)·w_t·g_j plus the
 * smoothing's -(ls / C)·w_c·g_j) and S_j = sum_c dl_jc, log_softmax's backward is
 * `gx = dl - softmax · S`, written as `exp(x - m) · (-S / s)` and then dl added. `onStats`
 * gets each row's maximum and sum of exps (the forward's log-sum-exp, when fused).
 */
function crossEntropyRowsBackward(
  x: FloatArray,
  idx: Int32Array,
  w: FloatArray | null,
  scale: (j: number) => number,
  ls: number,
  gx: FloatArray,
  onStats: ((j: number, m: number, s: number) => void) | null = null,
): void {
  const rows = idx.length;
  const classes = rows === 0 ? 0 : x.length / rows;
  let weightSum = classes;
  if (w !== null) {
    weightSum = 0;
    for (let c = 0; c < classes; c++) weightSum += w[c];
  }
  const keep = 1 - ls;
  const spread = ls / classes;
  rowSoftmaxScaled(x, rows, classes, gx, (j, m, s) => {
    onStats?.(j, m, s);
    const t = idx[j];
    if (t < 0) return 0;
    const g = scale(j);
    return (keep * (w === null ? 1 : w[t]) * g + spread * weightSum * g) / s;
  });
  for (let j = 0; j < rows; j++) {
    const t = idx[j];
    if (t < 0) continue;
    const g = scale(j);
    const base = j * classes;
    if (ls > 0) {
      for (let c = 0; c < classes; c++) gx[base + c] -= spread * (w === null ? 1 : w[c]) * g;
    }
    gx[base + t] -= keep * (w === null ? 1 : w[t]) * g;
  }
}

/** smooth_j = -sum_c w_c * lsm_jc, 0 for ignored samples. */
function smoothLosses(
  lsm: FloatArray,
  layout: ClassLayout,
  idx: Int32Array,
  w: FloatArray | null,
  dtype: DType,
): FloatArray {
  const { size, inner } = layout.lanes;
  const out = floatStorage(dtype, idx.length);
  for (let j = 0; j < idx.length; j++) {
    if (idx[j] < 0) continue;
    let s = 0;
    for (let c = 0; c < size; c++) {
      s += lsm[samplePosition(j, c, size, inner)] * (w === null ? 1 : w[c]);
    }
    out[j] = -s;
  }
  return out;
}

function probabilityTarget(
  input: Tensor,
  target: Tensor,
  layout: ClassLayout,
  w: FloatArray | null,
  reduction: Reduction,
  ls: number,
): Tensor {
  const dtype = input.dtype;
  const r = rounder(dtype);
  const { size, inner } = layout.lanes;
  const samples = input.numel / Math.max(size, 1);
  const lsm = logSoftmaxOf(input, layout);
  const y = cpuStorage(target) as FloatArray;
  const keep = r(1 - ls);
  const spread = r(ls / size);
  const smoothed = ls > 0 ? (v: number): number => r(r(v * keep) + spread) : (v: number) => v;
  const losses = floatStorage(dtype, samples);
  for (let j = 0; j < samples; j++) {
    let s = 0;
    for (let c = 0; c < size; c++) {
      const p = samplePosition(j, c, size, inner);
      s += lsm[p] * smoothed(y[p]) * (w === null ? 1 : w[c]);
    }
    losses[j] = -s;
  }
  const out = reduceLosses(losses, layout.sampleShape, dtype, reduction);
  const gradFn = reduction === "mean" ? "DivBackward1" : "NegBackward0";
  const node = record(gradFn, [input, target], (gradOutput) => {
    const scale = sampleScale(cpuStorage(gradOutput) as FloatArray, reduction, samples, r);
    const dl = new Float64Array(input.numel);
    const dy = floatStorage(dtype, input.numel);
    for (let j = 0; j < samples; j++) {
      const s = scale(j);
      for (let c = 0; c < size; c++) {
        const p = samplePosition(j, c, size, inner);
        const wc = w === null ? 1 : w[c];
        dl[p] = -s * wc * smoothed(y[p]);
        dy[p] = -s * wc * lsm[p] * (1 - ls);
      }
    }
    const gx = floatStorage(dtype, input.numel);
    logSoftmaxBackward(dl, lsm, layout.lanes, gx);
    return [
      input.requiresGrad ? new Tensor(gx, input.shape, dtype) : null,
      target.requiresGrad ? new Tensor(dy, target.shape, dtype) : null,
    ];
  }, { holds: w === null ? [input, target] : [input, target, w] });
  return new Tensor(out.storage, out.shape, dtype, node);
}

/**
 * Module form of {@linkcode crossEntropy}, as `torch.nn.CrossEntropyLoss`.
 *
 * @example Usage
 * ```ts
 * import { CrossEntropyLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(
 *   tensor([[0, 0]]),
 *   tensor([1], { dtype: "int64" }),
 * );
 * assert.equal(loss.item(), Math.fround(Math.LN2));
 * ```
 */
export class CrossEntropyLoss {
  readonly #options: CrossEntropyLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode crossEntropy} call.
   */
  constructor(options: CrossEntropyLossOptions = {}) {
    this.#options = parseOptions("CrossEntropyLoss", options, CROSS_ENTROPY_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Logits.
   * @param target Class indices or class probabilities.
   * @returns The loss, as {@linkcode crossEntropy}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.#options);
  }
}
