import { record } from "./_core/autograd.ts";
import { multiMarginGrad32, multiMarginRows32 } from "./_cpu/margin_rows.ts";
import {
  checkFloat,
  checkNumber,
  checkSameDevice,
  checkTensor,
  fail,
  TENSOR_OR_NULL,
} from "./_core/checks.ts";
import { checkWeight } from "./_engines/class_targets.ts";
import { marginRowsOf, readTargets, rowGradScale } from "./_engines/margin.ts";
import { multiMarginLossWebgpu } from "./_webgpu/multi_margin_loss.ts";
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
import { cpuStorage, formatShape, Tensor } from "./_core/tensor.ts";
import { NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode multiMarginLoss} and {@linkcode MultiMarginLoss}. */
export interface MultiMarginLossOptions {
  /** A number, the power of each hinge term: 1 (default) or 2. */
  p?: number;
  /** A number; default 1. */
  margin?: number;
  /**
   * `Tensor | null`: one weight per class (the input's dtype), applied by the target's class;
   * default (or `null`) all 1.
   */
  weight?: Tensor | null;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const MULTI_MARGIN_OPTIONS: OptionSpec<MultiMarginLossOptions> = {
  p: NUMBER,
  margin: NUMBER,
  weight: TENSOR_OR_NULL,
  reduction: REDUCTION,
};

// torch 1.13 (LossMultiMargin.cpp, multi_margin_loss_cpu_kernel and its backward), in the
// input's dtype (float32 steps for float32), rows summed in a double for "mean"/"sum":
//   z_i = (margin - x[y]) + x[i];  l = sum_{i != y, z_i > 0} w[y] * z_i^p, then l /= C
//   grad x[i] = w[y] * (p == 1 ? g : 2 * g * z_i) where z_i > 0 (0 at the tie z_i == 0),
//   grad x[y] = -sum of those, g = 1 / C ("sum"/"none") or 1 / (N * C) ("mean"),
//   then every element times gradOutput.

/**
 * Multi-class hinge loss, as `torch.nn.functional.multi_margin_loss`.
 *
 * ```text
 * l_n = sum_{i != y_n} weight[y_n] * max(0, margin - x[n, y_n] + x[n, i])^p / C
 *                                        reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * Input (C) with a 0-d or one-element target, or (N, C) with target (N); a 0-d input is one
 * class and its loss is 0. This is PyTorch's kernel step for step: a term counts only where
 * `margin - x[y] + x[i] > 0`, so a tie (exactly 0) adds nothing and gets a zero gradient, and
 * a nan term is skipped as well (PyTorch's `z > 0` is false for nan), so a nan score leaves
 * the loss finite. `p` must be 1 or 2. The output is per sample for `"none"` unless the
 * target is 0-d. For an empty batch, `"mean"` gives nan and `"sum"` 0 (PyTorch 1.13 returns
 * an uninitialised number there). `weight` takes no gradient, as in PyTorch.
 *
 * @example Usage
 * ```ts
 * import { multiMarginLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[0, 0.5, 0.25, 1]], { requiresGrad: true });
 * const loss = multiMarginLoss(x, tensor([3], { dtype: "int64" }));
 * assert.equal(loss.item(), (0.5 + 0.25) / 4); // class 0 ties at the margin: no term
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [[0, 0.25, 0.25, -0.5]]);
 * ```
 *
 * @param input Scores, (C) or (N, C), float32 or float64.
 * @param target int64 class indices in [0, C): 0-d or (1) for (C) input, (N) for (N, C).
 * @param options `p`, `margin`, `weight`, `reduction`.
 * @returns A 0-d tensor, or (N) when `reduction` is `"none"` and the target has a dimension.
 * @throws {TypeError} If dtypes or shapes do not fit.
 * @throws {RangeError} If `p` is not 1 or 2, a target is out of range, or `reduction` is
 *   unknown.
 */
export function multiMarginLoss(
  input: Tensor,
  target: Tensor,
  options: MultiMarginLossOptions = {},
): Tensor {
  const fn = "multiMarginLoss";
  options = parseOptions(fn, options, MULTI_MARGIN_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const p = checkNumber(fn, "p", options.p ?? 1);
  if (p !== 1 && p !== 2) fail(fn, `p must be 1 or 2: current value is ${p}`, RangeError);
  const margin = checkNumber(fn, "margin", options.margin ?? 1);
  checkFloat(fn, { input });
  checkTensor(fn, "target", target);
  checkSameDevice(fn, { input, target, weight: options.weight });
  const { nframe, dim } = marginRowsOf(fn, input);
  if (target.shape.length > 1 || target.numel !== nframe) {
    fail(
      fn,
      `target must hold one class index per row (${nframe}) in at most one dimension: target is ${
        formatShape(target.shape)
      }, input is ${formatShape(input.shape)}`,
    );
  }
  const w = checkWeight(fn, options.weight, input, dim);
  const idx = readTargets(fn, target, 0, dim, `the ${dim} classes`);
  if (input.device === "webgpu") {
    const perRow = reduction === "none" && target.shape.length > 0;
    const call = { input, target, p, margin, reduction, nframe, dim, perRow };
    return multiMarginLossWebgpu({ ...call, weight: options.weight ?? null });
  }
  const dtype = input.dtype;
  const r = rounder(dtype);
  const x = cpuStorage(input) as FloatArray;
  const m = r(margin);
  const f32 = dtype === "float32";
  const rows = floatStorage(dtype, nframe);
  if (f32) {
    multiMarginRows32(
      x as Float32Array,
      idx,
      dim,
      m,
      p,
      w as Float32Array | null,
      rows as Float32Array,
    );
    for (let t = 0; t < nframe; t++) rows[t] = r(rows[t] / dim);
  } else {
    for (let t = 0; t < nframe; t++) {
      rows[t] = multiMarginRow(x, t * dim, dim, idx[t], m, p, w) / dim;
    }
  }
  const perRow = reduction === "none" && target.shape.length > 0;
  const out = perRow
    ? { storage: rows, shape: [nframe] }
    : reduceLosses(rows, [], dtype, reduction === "none" ? "sum" : reduction);
  const node = record("MultiMarginLossBackward0", [input], (gradOutput) => {
    // every element is written (both paths): storage as it comes, from the kernel arena
    const gx = takeFloat(dtype, input.numel, true);
    const g = r(reduction === "mean" ? 1 / (nframe * dim) : 1 / dim);
    const scale = rowGradScale(cpuStorage(gradOutput) as FloatArray, perRow);
    if (f32) {
      const [xf, wf, gf] = [x, w, gx] as Float32Array[];
      multiMarginGrad32(xf, idx, dim, m, p, wf, g, scale, gf);
      return [new Tensor(gx, input.shape, dtype)];
    }
    for (let t = 0; t < nframe; t++) {
      multiMarginRowGrad(x, t * dim, dim, idx[t], m, p, w, g, scale(t), gx);
    }
    return [new Tensor(gx, input.shape, dtype)];
  }, { holds: w === null ? [input] : [input, w] });
  return new Tensor(out.storage, out.shape, dtype, node);
}

/**
 * One float64 row's sum of `w[y] · max(0, margin - x[y] + x[d])^p` over d != y, in order
 * (float32 rows run in `_cpu/margin_rows.ts`, step for step the same).
 */
function multiMarginRow(
  x: FloatArray,
  base: number,
  dim: number,
  y: number,
  m: number,
  p: number,
  w: FloatArray | null,
): number {
  const c = m - x[base + y];
  const wy = w === null ? 1 : w[y];
  let sum = 0;
  for (let d = 0; d < dim; d++) {
    if (d === y) continue;
    const z = c + x[base + d];
    let h = p === 1 ? z : z * z;
    if (w !== null) h = h * wy;
    // a select, not a branch (random data): adding 0 leaves the sum as it is
    sum = sum + (z > 0 ? h : 0);
  }
  return sum;
}

/** One float64 row's gradient, already times the row's gradOutput `s`, written into `gx`. */
function multiMarginRowGrad(
  x: FloatArray,
  base: number,
  dim: number,
  y: number,
  m: number,
  p: number,
  w: FloatArray | null,
  g: number,
  s: number,
  gx: FloatArray,
): void {
  const c = m - x[base + y];
  const wy = w === null ? 1 : w[y];
  const g2 = 2 * g;
  const zero = 0 * s;
  let gy = 0;
  for (let d = 0; d < dim; d++) {
    if (d === y) continue;
    const z = c + x[base + d];
    let h = p === 1 ? g : g2 * z;
    if (w !== null) h = h * wy;
    const on = z > 0;
    gy = gy - (on ? h : 0);
    gx[base + d] = on ? h * s : zero;
  }
  gx[base + y] = gy * s;
}

/**
 * Module form of {@linkcode multiMarginLoss}, as `torch.nn.MultiMarginLoss`.
 *
 * @example Usage
 * ```ts
 * import { MultiMarginLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new MultiMarginLoss({ p: 2, reduction: "none" }).forward(
 *   tensor([[1, 0], [0, 0.5]]),
 *   tensor([0, 0], { dtype: "int64" }),
 * );
 * assert.deepEqual(loss.toArray(), [0, 1.5 * 1.5 / 2]);
 * ```
 */
export class MultiMarginLoss {
  readonly #options: MultiMarginLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode multiMarginLoss} call.
   */
  constructor(options: MultiMarginLossOptions = {}) {
    this.#options = parseOptions("MultiMarginLoss", options, MULTI_MARGIN_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Scores, (C) or (N, C).
   * @param target Class indices.
   * @returns The loss, as {@linkcode multiMarginLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return multiMarginLoss(input, target, this.#options);
  }
}
