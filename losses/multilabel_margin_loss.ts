import { record } from "./_core/autograd.ts";
import { multilabelMarginGrad32, multilabelMarginRows32 } from "./_cpu/margin_rows.ts";
import { checkFloat, checkSameDevice, checkTensor, fail } from "./_core/checks.ts";
import { marginRowsOf, readTargets, rowGradScale } from "./_engines/margin.ts";
import { multilabelMarginLossWebgpu } from "./_webgpu/multilabel_margin_loss.ts";
import {
  type FloatArray,
  floatStorage,
  parseReduction,
  REDUCTION,
  type Reduction,
  rounder,
  takeFloat,
} from "./_core/reduction.ts";
import { cpuStorage, formatShape, Tensor } from "./_core/tensor.ts";
import { type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode multilabelMarginLoss} and {@linkcode MultiLabelMarginLoss}. */
export interface MultiLabelMarginLossOptions {
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const MULTILABEL_MARGIN_OPTIONS: OptionSpec<MultiLabelMarginLossOptions> = {
  reduction: REDUCTION,
};

// torch 1.13 (LossMultiLabelMargin.cpp), per row, targets read up to the first -1:
//   z = (1 - x[t]) + x[d] in the input's dtype, summed in a double over targets t and
//   non-targets d where z > 0; the row's sum is rounded to the dtype, then:
//   "none": l_n = S_n / C (in the dtype);  "sum": sum_n S_n / C;  "mean": that / N (double)
//   grad: for each counted pair, x[t] -= g and x[d] += g, g = 1 / C (or 1 / (N * C) for
//   "mean"), then every element times gradOutput.

/**
 * Multi-label hinge loss, as `torch.nn.functional.multilabel_margin_loss`.
 *
 * ```text
 * l_n = sum_{j < J_n} sum_{i not a target} max(0, 1 - (x[n, y[n, j]] - x[n, i])) / C
 *       J_n: targets before the first -1     reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * The target has the input's shape: each row lists the row's target classes and ends at
 * the first -1; what follows is ignored, but PyTorch still requires every value to be in
 * [-1, C), and so does this function. A class listed twice counts twice. A pair counts only
 * where `1 - x[t] + x[i] > 0`, so a tie (exactly 0) and a nan score add nothing and get no
 * gradient, as PyTorch. Input (C) with target (C), or (N, C) with (N, C); a 0-d input is one
 * class. For an empty batch, `"mean"` gives nan and `"sum"` 0 (PyTorch 1.13 returns an
 * uninitialised number there).
 *
 * @example Usage
 * ```ts
 * import { multilabelMarginLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[0.5, 0, 1, 0.25]], { requiresGrad: true });
 * // targets 2 and 0; the -1 ends the list, so the 1 after it is ignored
 * const loss = multilabelMarginLoss(x, tensor([[2, 0, -1, 1]], { dtype: "int64" }));
 * assert.equal(loss.item(), (0.25 + 0.5 + 0.75) / 4); // the pair (2, 1) ties: no term
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [[-0.5, 0.25, -0.25, 0.5]]);
 * ```
 *
 * @param input Scores, (C) or (N, C), float32 or float64.
 * @param target int64 class indices of the input's shape, each row ending at the first -1.
 * @param options `reduction`.
 * @returns A 0-d tensor, or (N) when `reduction` is `"none"` and the input is (N, C).
 * @throws {TypeError} If dtypes or shapes do not fit.
 * @throws {RangeError} If a target is outside [-1, C) or `reduction` is unknown.
 */
export function multilabelMarginLoss(
  input: Tensor,
  target: Tensor,
  options: MultiLabelMarginLossOptions = {},
): Tensor {
  const fn = "multilabelMarginLoss";
  options = parseOptions(fn, options, MULTILABEL_MARGIN_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  checkFloat(fn, { input });
  checkTensor(fn, "target", target);
  checkSameDevice(fn, { input, target });
  const { nframe, dim } = marginRowsOf(fn, input);
  const ok = input.shape.length <= 1
    ? target.shape.length <= 1 && target.numel === dim
    : target.shape.length === 2 && target.shape[0] === nframe && target.shape[1] === dim;
  if (!ok) {
    fail(
      fn,
      `target must have the input's shape: input is ${formatShape(input.shape)}, target is ${
        formatShape(target.shape)
      }`,
    );
  }
  const idx = readTargets(fn, target, -1, dim, "class indices, -1 ends a row");
  if (input.device === "webgpu") {
    const perRow = reduction === "none" && target.shape.length > 1;
    return multilabelMarginLossWebgpu({ input, target, reduction, nframe, dim, perRow });
  }
  const dtype = input.dtype;
  const r = rounder(dtype);
  const f32 = dtype === "float32";
  const x = cpuStorage(input) as FloatArray;
  // Each row's sum S_n, summed in float64 and rounded to the dtype.
  const sums = floatStorage(dtype, nframe);
  if (f32) {
    const wide = new Float64Array(nframe);
    multilabelMarginRows32(x as Float32Array, idx, dim, wide);
    sums.set(wide);
  } else {
    const isTarget = new Uint8Array(dim);
    for (let t = 0; t < nframe; t++) {
      const count = markTargets(idx, t * dim, dim, isTarget);
      sums[t] = multilabelMarginRow(x, idx, t * dim, dim, count, isTarget);
    }
  }
  const perRow = reduction === "none" && target.shape.length > 1;
  let out: FloatArray;
  if (perRow) {
    out = floatStorage(dtype, nframe);
    for (let t = 0; t < nframe; t++) out[t] = r(sums[t] / dim);
  } else {
    let total = 0;
    for (let t = 0; t < nframe; t++) total += sums[t];
    total /= dim;
    if (reduction === "mean") total /= nframe;
    out = floatStorage(dtype, 1);
    out[0] = total;
  }
  const node = record("MultilabelMarginLossBackward0", [input], (gradOutput) => {
    // the float32 kernel writes every element (zeroing each row first), the float64 loop adds
    // into zeros: from the kernel arena, as it comes, for float32
    const gx = f32 ? takeFloat(dtype, input.numel, true) : floatStorage(dtype, input.numel);
    const g = r(reduction === "mean" ? 1 / (nframe * dim) : 1 / dim);
    const scale = rowGradScale(cpuStorage(gradOutput) as FloatArray, perRow);
    if (f32) {
      multilabelMarginGrad32(x as Float32Array, idx, dim, g, scale, gx as Float32Array);
      return [new Tensor(gx, input.shape, dtype)];
    }
    const isTarget = new Uint8Array(dim);
    for (let t = 0; t < nframe; t++) {
      const base = t * dim;
      const count = markTargets(idx, base, dim, isTarget);
      multilabelMarginRowGrad(x, idx, base, dim, count, isTarget, g, scale(t), gx);
    }
    return [new Tensor(gx, input.shape, dtype)];
  });
  return new Tensor(out, perRow ? [nframe] : [], dtype, node);
}

/**
 * Marks row `base`'s targets (read up to the first -1) in `isTarget`, cleared first; returns
 * how many were read.
 */
function markTargets(idx: Int32Array, base: number, dim: number, isTarget: Uint8Array): number {
  isTarget.fill(0);
  let count = 0;
  while (count < dim && idx[base + count] >= 0) isTarget[idx[base + count++]] = 1;
  return count;
}

/**
 * One float64 row's `sum over targets y, non-targets d of max(0, (1 - x[y]) + x[d])` (float32
 * rows run in `_cpu/margin_rows.ts`).
 */
function multilabelMarginRow(
  x: FloatArray,
  idx: Int32Array,
  base: number,
  dim: number,
  count: number,
  isTarget: Uint8Array,
): number {
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const c = 1 - x[base + idx[base + k]];
    for (let d = 0; d < dim; d++) {
      if (isTarget[d]) continue;
      const z = c + x[base + d];
      sum += z > 0 ? z : 0; // a select, not a branch (random data)
    }
  }
  return sum;
}

/** One float64 row's gradient: -g at a target, +g at a non-target per counted pair, then times `s`. */
function multilabelMarginRowGrad(
  x: FloatArray,
  idx: Int32Array,
  base: number,
  dim: number,
  count: number,
  isTarget: Uint8Array,
  g: number,
  s: number,
  gx: FloatArray,
): void {
  for (let k = 0; k < count; k++) {
    const y = base + idx[base + k];
    const c = 1 - x[y];
    let gy = gx[y];
    for (let d = 0; d < dim; d++) {
      if (isTarget[d]) continue;
      const step = c + x[base + d] > 0 ? g : 0; // adding 0 changes nothing
      gy = gy - step;
      gx[base + d] = gx[base + d] + step;
    }
    gx[y] = gy;
  }
  for (let d = base; d < base + dim; d++) gx[d] = gx[d] * s;
}

/**
 * Module form of {@linkcode multilabelMarginLoss}, as `torch.nn.MultiLabelMarginLoss`.
 *
 * @example Usage
 * ```ts
 * import { MultiLabelMarginLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new MultiLabelMarginLoss({ reduction: "none" }).forward(
 *   tensor([[1, 0], [0, 1]]),
 *   tensor([[0, -1], [0, -1]], { dtype: "int64" }),
 * );
 * assert.deepEqual(loss.toArray(), [0, 1]);
 * ```
 */
export class MultiLabelMarginLoss {
  readonly #options: MultiLabelMarginLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode multilabelMarginLoss} call.
   */
  constructor(options: MultiLabelMarginLossOptions = {}) {
    this.#options = parseOptions(
      "MultiLabelMarginLoss",
      options,
      MULTILABEL_MARGIN_OPTIONS,
      "create",
    );
  }
  /**
   * Computes the loss.
   *
   * @param input Scores, (C) or (N, C).
   * @param target Class indices ending at -1, the input's shape.
   * @returns The loss, as {@linkcode multilabelMarginLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return multilabelMarginLoss(input, target, this.#options);
  }
}
