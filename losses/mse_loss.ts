import { simdLoss } from "./_cpu/simd.ts";
import { checkFloatPair, negated, runElementwise } from "./_engines/elementwise.ts";
import {
  floatStorage,
  gradAt,
  parseReduction,
  REDUCTION,
  type Reduction,
} from "./_core/reduction.ts";
import { shapeNumel, type Tensor } from "./_core/tensor.ts";
import { type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode mseLoss} and {@linkcode MSELoss}. */
export interface MSELossOptions {
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const MSE_OPTIONS: OptionSpec<MSELossOptions> = {
  reduction: REDUCTION,
};

// torch (Loss.cpp, mse_loss / mse_loss_backward):
//   l = (x - y)^2
//   grad_input = norm * (x - y) * grad,  norm = 2 / numel for "mean", else 2
//   grad_target = -grad_input

/**
 * Mean squared error, as `torch.nn.functional.mse_loss`.
 *
 * ```text
 * l_n = (x_n - y_n)^2        reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * Shapes that differ but broadcast compute over the broadcast shape, as PyTorch does (PyTorch
 * also warns, since that is rarely meant); gradients are summed back to each argument's shape.
 *
 * @example Usage
 * ```ts
 * import { mseLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = mseLoss(tensor([1, 2, 3]), tensor([1, 0, 0]));
 * assert.equal(loss.item(), Math.fround(13 / 3));
 * ```
 *
 * @param input Predictions, any shape, float32 or float64.
 * @param target Same dtype; a shape that broadcasts with `input`.
 * @param options `reduction`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes are not one float dtype or the shapes do not broadcast.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function mseLoss(input: Tensor, target: Tensor, options: MSELossOptions = {}): Tensor {
  options = parseOptions("mseLoss", options, MSE_OPTIONS);
  const reduction = parseReduction("mseLoss", options.reduction);
  const shape = checkFloatPair("mseLoss", input, target);
  return runElementwise({
    fn: "mseLoss",
    gradFn: "MseLossBackward0",
    wgsl: {
      vars: ["x", "y"],
      params: { norm: reduction === "mean" ? Math.fround(2 / shapeNumel(shape)) : 2 },
      forward: "  let d = x - y;\n  return d * d;",
      backward: [
        "  return (params.norm * (x - y)) * g;",
        "  return -((params.norm * (x - y)) * g);",
      ],
    },
    shape,
    reduction,
    operands: [input, target],
    differentiable: [0, 1],
    forward: ([x, y], out, r) => {
      for (let i = 0; i < out.length; i++) {
        const d = r(x[i] - y[i]);
        out[i] = d * d;
      }
    },
    sum: (v) => simdLoss("mse", v, null),
    sumWithGrad: (v, gx, g, r) => {
      const norm = reduction === "mean" ? r(2 / gx.length) : 2;
      return simdLoss("mse", v, gx, norm, g);
    },
    backward: (c) => {
      const [x, y] = c.v;
      const r = c.r;
      const norm = reduction === "mean" ? r(2 / x.length) : 2;
      const gx = floatStorage(input.dtype, x.length);
      for (let i = 0; i < gx.length; i++) {
        gx[i] = r(norm * r(x[i] - y[i])) * gradAt(c.gradOutput, reduction, i);
      }
      return [c.wants(0) ? c.sumTo(0, gx) : null, c.wants(1) ? c.sumTo(1, negated(gx)) : null];
    },
  });
}

/**
 * Module form of {@linkcode mseLoss}, as `torch.nn.MSELoss`.
 *
 * @example Usage
 * ```ts
 * import { MSELoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new MSELoss({ reduction: "sum" }).forward(tensor([1, 2]), tensor([0, 0]));
 * assert.equal(loss.item(), 5);
 * ```
 */
export class MSELoss {
  readonly #options: MSELossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode mseLoss} call.
   */
  constructor(options: MSELossOptions = {}) {
    this.#options = parseOptions("MSELoss", options, MSE_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Predictions.
   * @param target Targets.
   * @returns The loss, as {@linkcode mseLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.#options);
  }
}
