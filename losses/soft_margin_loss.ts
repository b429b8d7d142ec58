import { broadcastShape, sameShape } from "./_core/broadcast.ts";
import { checkFloat, checkSameDevice, checkTensor, fail, shapesText } from "./_core/checks.ts";
import { labelsAsFloat, runElementwise } from "./_engines/elementwise.ts";
import { blockLoss32 } from "./_cpu/explog.ts";
import { mathOf } from "./_cpu/math.ts";
import { gpuIntLabels } from "./_webgpu/elementwise.ts";
import {
  floatStorage,
  gradAt,
  parseReduction,
  REDUCTION,
  type Reduction,
} from "./_core/reduction.ts";
import { shapeNumel, type Tensor } from "./_core/tensor.ts";
import { type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode softMarginLoss} and {@linkcode SoftMarginLoss}. */
export interface SoftMarginLossOptions {
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const SOFT_MARGIN_OPTIONS: OptionSpec<SoftMarginLossOptions> = {
  reduction: REDUCTION,
};

// torch 1.13 (Loss.cpp, soft_margin_loss_out / soft_margin_loss_backward_out), literally:
//   l = log(1 + exp(-x * y))                     (neg, mul_, exp_, add_, log_ in place)
//   z = exp(-y * x)
//   grad_input = (y * z) * (-norm) / (1 + z) * grad,  norm = 1 / numel for "mean", else 1
// The literal formula overflows: exp(-x * y) is inf once -x * y passes ~88.7 (float32) or
// ~709.8 (float64), so the loss is inf there and the gradient is inf / inf = nan. For
// x * y beyond ~17 (float32) 1 + exp(-x * y) rounds to 1 and the loss is exactly 0.
// The target is not differentiable (torch raises if it requires grad).

/**
 * Soft margin loss (two-class logistic loss), as `torch.nn.functional.soft_margin_loss`.
 *
 * ```text
 * l_n = log(1 + exp(-y_n * x_n))        reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * This is PyTorch's literal formula, not a stable softplus, and its numbers are matched:
 * where `-y_n * x_n` passes about 88.7 (float32) or 709.8 (float64), `exp` overflows, the
 * loss is `inf` and the gradient is `nan` (`inf / inf`); where `y_n * x_n` is large the loss
 * rounds to exactly 0. The target takes no gradient: a target that requires grad is an error,
 * as in PyTorch. The target broadcasts to the input's shape (not the other way round). An
 * int64 target is taken as the input's dtype; a target of the other float dtype, which PyTorch
 * promotes, is an error here.
 *
 * @example Usage
 * ```ts
 * import { softMarginLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(new Float64Array([0, 2]), { requiresGrad: true });
 * const loss = softMarginLoss(x, tensor(new Float64Array([1, -1])), { reduction: "sum" });
 * assert.equal(loss.item(), Math.log(2) + Math.log(1 + Math.exp(2)));
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [-0.5, Math.exp(2) / (1 + Math.exp(2))]);
 * ```
 *
 * @param input Scores, any shape, float32 or float64.
 * @param target Labels (1 or -1 in the usual use): the input's dtype or int64, a shape that
 *   broadcasts to the input's shape; must not require grad.
 * @param options `reduction`.
 * @returns A 0-d tensor, or the input's shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes do not fit, the target does not broadcast to the input's
 *   shape or the target requires grad.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function softMarginLoss(
  input: Tensor,
  target: Tensor,
  options: SoftMarginLossOptions = {},
): Tensor {
  const fn = "softMarginLoss";
  options = parseOptions(fn, options, SOFT_MARGIN_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  checkFloat(fn, { input });
  checkTensor(fn, "target", target);
  checkSameDevice(fn, { input, target });
  const labels = gpuIntLabels(target, input) ? target : labelsAsFloat(fn, "target", target, input);
  const shape = broadcastShape(fn, { input, target });
  if (!sameShape(shape, input.shape)) {
    fail(fn, `target must broadcast to the input's shape: ${shapesText({ input, target })}`);
  }
  if (target.requiresGrad) {
    fail(fn, "target must not require grad: PyTorch's soft_margin_loss has no target gradient");
  }
  const n = shapeNumel(shape);
  const { exp, log } = mathOf(input.dtype); // float32 in float32, as the kernels
  return runElementwise({
    fn,
    gradFn: "SoftMarginLossBackward0",
    wgsl: {
      vars: ["x", "y"],
      params: { neg_norm: reduction === "mean" && n !== 1 ? Math.fround(-1 / n) : -1 },
      forward: "  return log_f32(1.0 + exp_f32(-x * y));",
      backward: [
        `  let z = exp_f32(-y * x);
  return (((y * z) * params.neg_norm) / (1.0 + z)) * g;`,
        null,
      ],
    },
    shape,
    reduction,
    operands: [input, labels],
    differentiable: [0],
    forward: ([x, y], out, r) => {
      for (let i = 0; i < out.length; i++) {
        out[i] = log(r(1 + exp(r(-x[i] * y[i]))));
      }
    },
    sum: ([x, y], r) => {
      if (x instanceof Float32Array) return softMarginSum32(x, y as Float32Array);
      let s = 0;
      for (let i = 0; i < x.length; i++) s += log(r(1 + exp(r(-x[i] * y[i]))));
      return s;
    },
    // exp(-x * y) of the loss is exp(-y * x) of the gradient: computed once.
    sumWithGrad: ([x, y], gx, g, r) => {
      const negNorm = reduction === "mean" && x.length !== 1 ? r(-1 / x.length) : -1;
      if (x instanceof Float32Array) {
        return softMarginSum32(x, y as Float32Array, gx as Float32Array, g, negNorm);
      }
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const yi = y[i];
        const z = exp(r(-x[i] * yi));
        const onePlusZ = r(1 + z);
        s += log(onePlusZ);
        gx[i] = r(r(r(yi * z) * negNorm) / onePlusZ) * g;
      }
      return s;
    },
    backward: (c) => {
      const [x, y] = c.v;
      const r = c.r;
      const negNorm = reduction === "mean" && x.length !== 1 ? r(-1 / x.length) : -1;
      const gx = floatStorage(input.dtype, x.length);
      for (let i = 0; i < gx.length; i++) {
        const z = exp(r(-y[i] * x[i]));
        gx[i] = r(r(r(y[i] * z) * negNorm) / r(1 + z)) * gradAt(c.gradOutput, reduction, i);
      }
      return [c.sumTo(0, gx)];
    },
  });
}

/**
 * `sum` for float32 (and with `gx`, `sumWithGrad`; `negNorm` is the gradient's `-norm`), block
 * by block in WebAssembly (`wasm/explog.wat`): z = exp(-x * y) and log(1 + z) with the float32
 * exp's and log's steps, the loss and gradient in float32 lanes, in one kernel; each step
 * rounded as the scalar loop rounds it.
 */
function softMarginSum32(
  x: Float32Array,
  y: Float32Array,
  gx: Float32Array | null = null,
  g = 0,
  negNorm = 0,
): number {
  // one pass a block: z = exp(-x * y), log(1 + z), and the gradient from z
  return blockLoss32(
    [x, y],
    gx,
    (k, at, n) =>
      gx === null
        ? k.soft_margin_fused_f32(at[0], at[1], n)
        : k.soft_margin_fused_grad_f32(at[0], at[1], at[4], n, negNorm, g),
  );
}

/**
 * Module form of {@linkcode softMarginLoss}, as `torch.nn.SoftMarginLoss`.
 *
 * @example Usage
 * ```ts
 * import { SoftMarginLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new SoftMarginLoss({ reduction: "none" }).forward(tensor([0]), tensor([1]));
 * assert.deepEqual(loss.toArray(), [Math.fround(Math.LN2)]);
 * ```
 */
export class SoftMarginLoss {
  readonly #options: SoftMarginLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode softMarginLoss} call.
   */
  constructor(options: SoftMarginLossOptions = {}) {
    this.#options = parseOptions("SoftMarginLoss", options, SOFT_MARGIN_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Scores.
   * @param target Labels.
   * @returns The loss, as {@linkcode softMarginLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return softMarginLoss(input, target, this.#options);
  }
}
