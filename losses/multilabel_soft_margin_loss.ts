import { record } from "./_core/autograd.ts";
import { fr } from "./_cpu/round.ts";
import { broadcastShape, expand, sumTo } from "./_core/broadcast.ts";
import {
  checkFloat,
  checkSameDevice,
  checkSameDtype,
  checkTensor,
  fail,
  TENSOR_OR_NULL,
} from "./_core/checks.ts";
import { labelsAsFloat } from "./_engines/elementwise.ts";
import { BLOCK, blockLoss32, rowMeans32 } from "./_cpu/explog.ts";
import { multilabelSoftMarginLossWebgpu } from "./_webgpu/multilabel_soft_margin_loss.ts";
import {
  type FloatArray,
  floatStorage,
  parseReduction,
  REDUCTION,
  type Reduction,
  sum64,
} from "./_core/reduction.ts";
import { softplusParts } from "./_cpu/row_kernels.ts";
import { lanesOf } from "./_core/lanes.ts";
import { cpuStorage, formatShape, shapeNumel, Tensor } from "./_core/tensor.ts";
import { type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode multilabelSoftMarginLoss} and {@linkcode MultiLabelSoftMarginLoss}. */
export interface MultiLabelSoftMarginLossOptions {
  /**
   * `Tensor | null`: weights that multiply each term, broadcast with the input (usually one per
   * class). Default (or `null`) none.
   */
  weight?: Tensor | null;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const MULTILABEL_SOFT_MARGIN_OPTIONS: OptionSpec<MultiLabelSoftMarginLossOptions> = {
  weight: TENSOR_OR_NULL,
  reduction: REDUCTION,
};

// torch 1.13 (torch/nn/functional.py, multilabel_soft_margin_loss), a composite:
//   loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
//   loss = loss * weight                       (if weight is given; broadcasts)
//   loss = loss.sum(dim=input.dim() - 1) / C   (C = input.size(-1))
//   then none / mean() / sum()
// logsigmoid (aten/src/ATen/native/cpu/Activation.cpp) is the stable form
//   min(v, 0) - log1p(exp(-|v|)), with buffer b = exp(-|v|), and its backward is
//   (v < 0 ? 1 - b / (1 + b) : b / (1 + b)) * grad.
// Every step below is one of those ops, rounded to the dtype as torch rounds it.

/**
 * The negated term -(y·logsigmoid(x) + (1 - y)·logsigmoid(-x)), before `* w`, from
 * `t = log1p(exp(-|x|))` (rounded as PyTorch rounds it): logsigmoid(x) = min(x, 0) - t and
 * logsigmoid(-x) = min(-x, 0) - t, so one exp and one log1p serve both.
 */
function negTerm(x: number, y: number, t: number, f32: boolean): number {
  const a = fr(f32, Math.min(x, 0) - t);
  const b = fr(f32, Math.min(-x, 0) - t);
  return -fr(f32, fr(f32, y * a) + fr(f32, fr(f32, 1 - y) * b));
}

/**
 * Calls `fn(o0, o1, e, t)` for blocks of whole outer rows `[o0, o1)` of `span` contiguous
 * elements each, with `e = exp(-|x|)` and `t = log1p(e)` of the block (from the vector
 * kernels) indexed from the block's first element.
 */
function forSoftplusBlocks(
  x: FloatArray,
  outer: number,
  span: number,
  fn: (o0: number, o1: number, e: FloatArray, t: FloatArray) => void,
): void {
  const per = Math.max(1, Math.floor(SOFTPLUS_BLOCK / Math.max(span, 1)));
  for (let o0 = 0; o0 < outer; o0 += per) {
    const o1 = Math.min(outer, o0 + per);
    const { e, t } = softplusParts(x, o0 * span, (o1 - o0) * span);
    fn(o0, o1, e, t);
  }
}

/** Elements per block of {@linkcode forSoftplusBlocks}. */
const SOFTPLUS_BLOCK = 8192;

/**
 * Multi-label one-versus-all loss, as `torch.nn.functional.multilabel_soft_margin_loss`.
 *
 * ```text
 * l_n = -sum_i weight_i * (y[n, i] * logsigmoid(x[n, i]) + (1 - y[n, i]) * logsigmoid(-x[n, i])) / C
 *       logsigmoid(v) = min(v, 0) - log1p(exp(-|v|))     reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * PyTorch computes this as a chain of tensor ops, and so does this function: logsigmoid
 * in its stable form (logits of ±1e4 give exact results, no overflow), target and weight
 * broadcast with the input, the sum taken over dimension `input.ndim - 1` of the broadcast
 * shape and divided by the input's last size C. A target that is not 0 or 1 enters the
 * formula as it is. As in PyTorch, an infinite logit with the matching target gives nan
 * (0 * -inf). Input, target and weight all get gradients when they require them; an int64
 * target (0/1 labels) is read as the input's dtype and takes none.
 *
 * @example Usage
 * ```ts
 * import { multilabelSoftMarginLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[0, 0]], { requiresGrad: true, dtype: "float64" });
 * const loss = multilabelSoftMarginLoss(x, tensor([[1, 0]], { dtype: "float64" }));
 * assert.equal(loss.item(), Math.LN2);
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [[-0.25, 0.25]]);
 * ```
 *
 * @param input Logits with at least one dimension, float32 or float64: usually (C) or (N, C).
 * @param target Labels, the input's dtype (or int64), a shape that broadcasts with `input`.
 * @param options `weight`, `reduction`.
 * @returns A 0-d tensor, or the broadcast shape without its summed dimension when
 *   `reduction` is `"none"`.
 * @throws {TypeError} If dtypes do not fit, shapes do not broadcast, or the input is 0-d.
 * @throws {RangeError} If `reduction` is unknown.
 */
export function multilabelSoftMarginLoss(
  input: Tensor,
  target: Tensor,
  options: MultiLabelSoftMarginLossOptions = {},
): Tensor {
  const fn = "multilabelSoftMarginLoss";
  options = parseOptions(fn, options, MULTILABEL_SOFT_MARGIN_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  checkFloat(fn, { input });
  checkTensor(fn, "target", target);
  checkSameDevice(fn, { input, target, weight: options.weight });
  // On webgpu the kernels read int64 labels as they are (one submit, no conversion first).
  const labels = input.device === "webgpu" && target.dtype === "int64"
    ? target
    : labelsAsFloat(fn, "target", target, input);
  const weight = options.weight ?? null;
  if (weight !== null) {
    checkFloat(fn, { weight });
    checkSameDtype(fn, { input, weight });
  }
  if (input.shape.length === 0) {
    fail(fn, `input must have 1 or more dimensions: input is ${formatShape(input.shape)}`);
  }
  const shape = broadcastShape(
    fn,
    weight === null ? { input, target } : { input, target, weight },
  );
  if (input.device === "webgpu") {
    return multilabelSoftMarginLossWebgpu({ input, target, labels, weight, shape, reduction });
  }
  const dtype = input.dtype;
  const f32 = dtype === "float32";
  const n = shapeNumel(shape);
  const x = expand(cpuStorage(input) as FloatArray, input.shape, shape);
  const y = expand(cpuStorage(labels) as FloatArray, target.shape, shape);
  const w = weight === null ? null : expand(cpuStorage(weight) as FloatArray, weight.shape, shape);
  // Per element: a = logsigmoid(x), b = logsigmoid(-x), l = -(y a + (1 - y) b) (* w),
  // summed over dimension input.ndim - 1 of the broadcast shape, then / C.
  const k = input.shape.length - 1;
  const classes = input.shape[k];
  const lanes = lanesOf(shape, k);
  const rowShape = shape.filter((_d, j) => j !== k);
  const rows = floatStorage(dtype, lanes.outer * lanes.inner);
  const { size, inner } = lanes;
  const span = size * inner;
  // float32 (N, C) without weights, rows of at most BLOCK: one kernel of `wasm/explog.wat` per
  // block of rows takes exp, log1p and the terms in float32 lanes (each step rounded as negTerm
  // rounds it) and another the row means, as the loop below sums and divides them.
  const lanesKernels = f32 && inner === 1 && w === null && span <= BLOCK;
  if (lanesKernels) {
    rowMeans32([x, y] as Float32Array[], span, rows as Float32Array, (k, at, m) => {
      k.multilabel_soft_margin_fused_f32(at[0], at[1], at[3], m);
    });
  } else {
    forSoftplusBlocks(x, lanes.outer, span, (o0, o1, _e, t) => {
      const first = o0 * span;
      for (let o = o0; o < o1; o++) {
        for (let s = 0; s < inner; s++) {
          let sum = 0;
          for (let i = o * span + s; i < (o + 1) * span; i += inner) {
            const neg = negTerm(x[i], y[i], t[i - first], f32);
            sum += w === null ? neg : fr(f32, neg * w[i]);
          }
          rows[o * inner + s] = fr(f32, fr(f32, sum) / classes);
        }
      }
    });
  }
  let out: FloatArray = rows;
  if (reduction !== "none") {
    out = floatStorage(dtype, 1);
    const total = sum64(rows);
    out[0] = reduction === "sum" ? total : total / rows.length;
  }
  const gradFn = { none: "DivBackward0", mean: "MeanBackward0", sum: "SumBackward0" }[reduction];
  const inputs = weight === null ? [input, target] : [input, target, weight];
  const node = record(gradFn, inputs, (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const rowGrad = (j: number): number => {
      const gr = reduction === "none"
        ? g[j]
        : reduction === "mean"
        ? fr(f32, g[0] / rows.length)
        : g[0];
      return fr(f32, gr / classes);
    };
    const gx = floatStorage(dtype, n);
    const gy = target.requiresGrad ? floatStorage(dtype, n) : null;
    const gw = weight?.requiresGrad ? floatStorage(dtype, n) : null;
    if (lanesKernels && gy === null && gw === null && reduction !== "none") {
      // float32 (N, C), one row gradient: exp and gx in WebAssembly lanes, one kernel
      const gl = rowGrad(0);
      blockLoss32([x, y] as Float32Array[], gx as Float32Array, (k, at, m) => {
        k.multilabel_soft_margin_fused_grad_f32(at[0], at[1], at[4], m, gl);
        return 0;
      });
    } else {
      forSoftplusBlocks(x, lanes.outer, span, (o0, o1, eBlock, tBlock) => {
        const first = o0 * span;
        for (let o = o0; o < o1; o++) {
          for (let s = 0; s < inner; s++) {
            const gl = rowGrad(o * inner + s);
            for (let i = o * span + s; i < (o + 1) * span; i += inner) {
              const v = x[i];
              const t = tBlock[i - first];
              if (gw !== null) gw[i] = fr(f32, gl * negTerm(v, y[i], t, f32));
              const gA = -(w === null ? gl : fr(f32, gl * w[i])); // through * weight, negation
              if (gy !== null) {
                gy[i] = fr(
                  f32,
                  fr(f32, gA * fr(f32, Math.min(v, 0) - t)) -
                    fr(f32, gA * fr(f32, Math.min(-v, 0) - t)),
                );
              }
              // logsigmoid's backward at v and at -v, with one buffer b = exp(-|v|):
              // (u < 0 ? 1 - q : q) · c, q = b / (1 + b)
              const e = eBlock[i - first];
              const q = fr(f32, e / fr(f32, 1 + e));
              const cA = fr(f32, gA * y[i]);
              const cB = fr(f32, gA * fr(f32, 1 - y[i]));
              const fromA = v < 0 ? fr(f32, fr(f32, 1 - q) * cA) : fr(f32, q * cA);
              const fromB = -(-v < 0 ? fr(f32, fr(f32, 1 - q) * cB) : fr(f32, q * cB));
              gx[i] = fr(f32, fromA + fromB);
            }
          }
        }
      });
    }
    const back = (t: Tensor | null, grad: FloatArray | null): Tensor | null =>
      t === null || grad === null || !t.requiresGrad
        ? null
        : new Tensor(sumTo(grad, shape, t.shape, dtype), t.shape, dtype);
    return [back(input, gx), back(target, gy), back(weight, gw)];
  });
  return new Tensor(out, reduction === "none" ? rowShape : [], dtype, node);
}

/**
 * Module form of {@linkcode multilabelSoftMarginLoss}, as `torch.nn.MultiLabelSoftMarginLoss`.
 *
 * @example Usage
 * ```ts
 * import { MultiLabelSoftMarginLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new MultiLabelSoftMarginLoss({ reduction: "sum" }).forward(
 *   tensor([[1e4, -1e4]]),
 *   tensor([[1, 0]]),
 * );
 * assert.equal(loss.item(), 0);
 * ```
 */
export class MultiLabelSoftMarginLoss {
  readonly #options: MultiLabelSoftMarginLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode multilabelSoftMarginLoss} call.
   */
  constructor(options: MultiLabelSoftMarginLossOptions = {}) {
    this.#options = parseOptions(
      "MultiLabelSoftMarginLoss",
      options,
      MULTILABEL_SOFT_MARGIN_OPTIONS,
      "create",
    );
  }
  /**
   * Computes the loss.
   *
   * @param input Logits.
   * @param target Labels.
   * @returns The loss, as {@linkcode multilabelSoftMarginLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return multilabelSoftMarginLoss(input, target, this.#options);
  }
}
