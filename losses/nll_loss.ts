import { record } from "./_core/autograd.ts";
import { fr } from "./_cpu/round.ts";
import { checkFloat, checkInteger, checkTensor, TENSOR_OR_NULL } from "./_core/checks.ts";
import {
  checkIndexTarget,
  checkWeight,
  classIndex,
  classIndices,
  int32Halves,
} from "./_engines/class_targets.ts";
import type { ClassLayout } from "./_core/lanes.ts";
import {
  type FloatArray,
  floatStorage,
  parseReduction,
  reduceLosses,
  REDUCTION,
  type Reduction,
  type Rounder,
  rounder,
} from "./_core/reduction.ts";
import { nllLossWebgpu } from "./_webgpu/nll_loss.ts";
import { cpuStorage, type DType, Tensor } from "./_core/tensor.ts";
import { INTEGER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode nllLoss} and {@linkcode NLLLoss}. */
export interface NLLLossOptions {
  /** `Tensor | null`: one weight per class (the input's dtype); default (or `null`) all 1. */
  weight?: Tensor | null;
  /** An integer: targets equal to this are skipped and do not count in the mean. Default -100. */
  ignoreIndex?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const NLL_OPTIONS: OptionSpec<NLLLossOptions> = {
  weight: TENSOR_OR_NULL,
  ignoreIndex: INTEGER,
  reduction: REDUCTION,
};

// torch (LossNLL.cpp, nll_loss_out_frame / nll_loss_backward_out_frame):
//   l_j = -w[t_j] * x[j, t_j], 0 where t_j == ignore_index
//   mean = sum_j l_j / sum_j w[t_j] over kept j   (0 / 0 = nan when every target is ignored)
//   grad x[j, t_j] = w[t_j] * -(g / total_weight) for "mean", w[t_j] * -g otherwise

/**
 * The per-sample losses and the kept weight total (float64). With `logSumExp` (one per
 * sample), `x` holds logits and the log-probability picked is `x - logSumExp[j]` (rounded to
 * the dtype, as a log_softmax tensor would hold it).
 */
export function nllForward(
  x: FloatArray,
  layout: ClassLayout,
  idx: Int32Array,
  w: FloatArray | null,
  dtype: DType,
  logSumExp: Float64Array | null = null,
): { losses: FloatArray; totalWeight: number } {
  const f32 = dtype === "float32";
  const { size: classes, inner } = layout.lanes;
  const losses = floatStorage(dtype, idx.length);
  let totalWeight = 0;
  for (let j = 0; j < idx.length; j++) {
    const t = idx[j];
    if (t < 0) continue;
    const wt = w === null ? 1 : w[t];
    totalWeight += wt;
    const p = samplePosition(j, t, classes, inner);
    const v = logSumExp === null ? x[p] : fr(f32, x[p] - logSumExp[j]);
    losses[j] = fr(f32, -v * wt);
  }
  return { losses, totalWeight };
}

/** Where sample `j`'s class `k` sits in the input. */
export function samplePosition(j: number, k: number, classes: number, inner: number): number {
  if (inner === 1) return j * classes + k; // (N, C): no division
  const o = Math.floor(j / inner);
  return (o * classes + k) * inner + (j - o * inner);
}

/**
 * gradOutput's factor for sample `j`: per sample for `"none"`, the scalar for `"sum"`, the
 * scalar over `denominator` for `"mean"`.
 */
export function sampleScale(
  g: FloatArray,
  reduction: Reduction,
  denominator: number,
  r: Rounder,
): (j: number) => number {
  if (reduction === "none") return (j) => g[j];
  const s = reduction === "mean" ? r(g[0] / r(denominator)) : g[0];
  return () => s;
}

/**
 * Adds `coef * w[t_j] * scale(j)` at each kept sample's target class of `grad`, from sample
 * `first` on.
 */
export function addNllGrad(
  grad: FloatArray,
  layout: ClassLayout,
  idx: Int32Array,
  w: FloatArray | null,
  scale: (j: number) => number,
  coef: number,
  first = 0,
): void {
  const { size: classes, inner } = layout.lanes;
  for (let j = first; j < idx.length; j++) {
    const t = idx[j];
    if (t < 0) continue;
    grad[samplePosition(j, t, classes, inner)] += coef * (w === null ? 1 : w[t]) * scale(j);
  }
}

/** Resolves `ignoreIndex` (default -100). */
export function parseIgnoreIndex(fn: string, value: unknown): number {
  return checkInteger(fn, "ignoreIndex", value ?? -100);
}

/**
 * Negative log-likelihood, as `torch.nn.functional.nll_loss`.
 *
 * ```text
 * l_j = -weight[t_j] * input[j, t_j]          (0 where t_j == ignoreIndex)
 * mean = sum_j l_j / sum_j weight[t_j]         over the targets that are not ignored
 * ```
 *
 * Input (C) with a 0-d target, (N, C) with (N), or (N, C, d1, ..., dk) with (N, d1, ..., dk).
 * When every target is ignored the mean is nan (0 / 0) and the gradient is zero, as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { logSoftmax, nllLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[0, 0], [0, 0]], { requiresGrad: true });
 * const loss = nllLoss(logSoftmax(x, 1), tensor([0, 1], { dtype: "int64" }));
 * assert.equal(loss.item(), Math.fround(Math.LN2));
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [[-0.25, 0.25], [0.25, -0.25]]);
 * ```
 *
 * @param input Log-probabilities (or any scores), float32 or float64.
 * @param target int64 class indices in [0, C), or `ignoreIndex`.
 * @param options `weight`, `ignoreIndex`, `reduction`.
 * @returns A 0-d tensor, or the target's shape when `reduction` is `"none"`.
 * @throws {TypeError} If dtypes or shapes do not fit.
 * @throws {RangeError} If a target is out of range or `reduction` is unknown.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  const fn = "nllLoss";
  options = parseOptions(fn, options, NLL_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const ignoreIndex = parseIgnoreIndex(fn, options.ignoreIndex);
  checkFloat(fn, { input });
  checkTensor(fn, "target", target);
  const layout = checkIndexTarget(fn, input, target);
  const w = checkWeight(fn, options.weight, input, layout.lanes.size);
  if (input.device === "webgpu") {
    classIndices(fn, target, layout.lanes.size, ignoreIndex);
    return nllLossWebgpu(input, target, options.weight, layout, reduction, ignoreIndex);
  }
  const dtype = input.dtype;
  const x = cpuStorage(input) as FloatArray;
  let out: { storage: FloatArray; shape: readonly number[] };
  let totalWeight: number;
  // the indices, read and checked as the forward reads them; "mean" and "sum" read the target
  // in their one pass and leave these to the backward
  let idx: Int32Array | null = null;
  const indices = (): Int32Array =>
    idx ??= classIndices(fn, target, layout.lanes.size, ignoreIndex);
  if (reduction === "none") {
    const nll = nllForward(x, layout, indices(), w, dtype);
    totalWeight = nll.totalWeight;
    out = reduceLosses(nll.losses, layout.sampleShape, dtype, reduction);
  } else {
    const totals = nllTotals(fn, x, layout, target, w, dtype, ignoreIndex);
    totalWeight = totals.totalWeight;
    const storage = floatStorage(dtype, 1);
    storage[0] = totals.loss;
    if (reduction === "mean") storage[0] = storage[0] / rounder(dtype)(totalWeight);
    out = { storage, shape: [] };
  }
  const node = record("NllLossBackward0", [input], (gradOutput) => {
    const r = rounder(dtype);
    const gx = floatStorage(dtype, input.numel);
    const scale = sampleScale(cpuStorage(gradOutput) as FloatArray, reduction, totalWeight, r);
    let first = 0;
    if (w === null && layout.lanes.inner === 1 && reduction !== "none") {
      // (N, C) rows without weights, one factor for all: -1 · 1 · scale at each plain target,
      // read from the int64 halves as the forward read them (a target changed since is checked
      // again); the rest, from the first target that is not plain, as every other case
      const halves = int32Halves(cpuStorage(target) as BigInt64Array) as Int32Array;
      first = addPlainGrad(gx, halves, layout.lanes.size, ignoreIndex, -1 * scale(0));
    }
    if (first < target.numel) addNllGrad(gx, layout, indices(), w, scale, -1, first);
    return [new Tensor(gx, input.shape, dtype)];
  }, { holds: w === null ? [input, target] : [input, target, w] });
  return new Tensor(out.storage, out.shape, dtype, node);
}

/**
 * For `"mean"` and `"sum"` on the CPU, in one pass over the int64 target: the float64 sums of
 * the kept samples' losses and weights, each loss rounded as {@linkcode nllForward} rounds it
 * (so the sums are its sums), without its per-sample arrays. Each target is checked as
 * `classIndices` checks it, with its messages.
 */
function nllTotals(
  fn: string,
  x: FloatArray,
  layout: ClassLayout,
  target: Tensor,
  w: FloatArray | null,
  dtype: DType,
  ignoreIndex: number,
): { loss: number; totalWeight: number } {
  const { size: classes, inner } = layout.lanes;
  const src = cpuStorage(target) as BigInt64Array;
  const halves = int32Halves(src) as Int32Array;
  if (w === null && inner === 1) {
    // (N, C) rows without weights: each loss is -x exactly (a weight of 1 rounds nothing);
    // the first target that is not plain hands over to the loop below
    const { rows: plain, loss } = plainLoss(x, halves, classes, ignoreIndex);
    if (plain === src.length) return { loss, totalWeight: plain };
    // the rest, from the first target that is ignored, out of range or past int32, summed on
    // in the same order
    return nllTotalsFrom(fn, x, layout, target, w, dtype, ignoreIndex, halves, plain, loss, plain);
  }
  return nllTotalsFrom(fn, x, layout, target, w, dtype, ignoreIndex, halves, 0, 0, 0);
}

/**
 * Whether a target read from the int64 target's int32 halves (`int32Halves`, without BigInt)
 * is plain: a value in [0, classes) that is not `ignoreIndex`.
 */
function isPlain(lo: number, hi: number, classes: number, ignoreIndex: number): boolean {
  return hi === 0 && lo >= 0 && lo < classes && lo !== ignoreIndex;
}

/**
 * For (N, C) rows, from the first row up to the first target that is not plain, checked and
 * read in one pass: how many rows that is, and the float64 sum of -x at their targets.
 */
function plainLoss(
  x: FloatArray,
  halves: Int32Array,
  classes: number,
  ignoreIndex: number,
): { rows: number; loss: number } {
  const n = halves.length >> 1;
  let loss = 0;
  let j = 0;
  for (let at = 0; j < n; j++, at += classes) {
    const lo = halves[2 * j];
    if (!isPlain(lo, halves[2 * j + 1], classes, ignoreIndex)) break;
    loss -= x[at + lo];
  }
  return { rows: j, loss };
}

/**
 * For (N, C) rows, adds `v` at each row's target of `grad` from the first row up to the first
 * target that is not plain, checked as {@linkcode plainLoss} checks it; returns how many rows
 * that is.
 */
function addPlainGrad(
  grad: FloatArray,
  halves: Int32Array,
  classes: number,
  ignoreIndex: number,
  v: number,
): number {
  const n = halves.length >> 1;
  let j = 0;
  for (let at = 0; j < n; j++, at += classes) {
    const lo = halves[2 * j];
    if (!isPlain(lo, halves[2 * j + 1], classes, ignoreIndex)) break;
    grad[at + lo] += v;
  }
  return j;
}

/**
 * {@linkcode nllTotals}' general loop, from sample `first` on, adding to the sums so far
 * (`loss`, `totalWeight`).
 */
function nllTotalsFrom(
  fn: string,
  x: FloatArray,
  layout: ClassLayout,
  target: Tensor,
  w: FloatArray | null,
  dtype: DType,
  ignoreIndex: number,
  halves: Int32Array,
  first: number,
  loss: number,
  totalWeight: number,
): { loss: number; totalWeight: number } {
  const f32 = dtype === "float32";
  const { size: classes, inner } = layout.lanes;
  const src = cpuStorage(target) as BigInt64Array;
  for (let j = first; j < src.length; j++) {
    const lo = halves[2 * j];
    const hi = halves[2 * j + 1];
    let t = lo;
    if (hi === lo >> 31 && lo === ignoreIndex) continue;
    if (hi !== 0 || lo < 0 || lo >= classes) {
      t = classIndex(fn, target, src[j], j, classes, ignoreIndex);
      if (t < 0) continue;
    }
    const wt = w === null ? 1 : w[t];
    totalWeight += wt;
    const v = x[samplePosition(j, t, classes, inner)];
    loss += fr(f32, -v * wt);
  }
  return { loss, totalWeight };
}

/** A weighted mean: `sum(losses) / denominator` as a 0-d result (nan for 0 / 0). */
export function meanOver(
  losses: FloatArray,
  denominator: number,
  dtype: DType,
): { storage: FloatArray; shape: readonly number[] } {
  const total = reduceLosses(losses, [], dtype, "sum").storage;
  total[0] = total[0] / rounder(dtype)(denominator);
  return { storage: total, shape: [] };
}

/**
 * Module form of {@linkcode nllLoss}, as `torch.nn.NLLLoss`.
 *
 * @example Usage
 * ```ts
 * import { NLLLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new NLLLoss({ reduction: "sum" }).forward(
 *   tensor([[-1, -2], [-3, -4]]),
 *   tensor([1, 0], { dtype: "int64" }),
 * );
 * assert.equal(loss.item(), 5);
 * ```
 */
export class NLLLoss {
  readonly #options: NLLLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode nllLoss} call.
   */
  constructor(options: NLLLossOptions = {}) {
    this.#options = parseOptions("NLLLoss", options, NLL_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Log-probabilities.
   * @param target Class indices.
   * @returns The loss, as {@linkcode nllLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.#options);
  }
}
