import { checkBoolean, runElementwise } from "./_elementwise_loss.ts";
import { broadcastShape } from "./_broadcast.ts";
import { checkFloat, checkNumber, checkSameDtype } from "./_checks.ts";
import { parseReduction, type Reduction } from "./_reduction.ts";
import { shapeNumel, type Tensor } from "./tensor.ts";

/** Options for {@linkcode poissonNllLoss} and {@linkcode PoissonNLLLoss}. */
export interface PoissonNLLLossOptions {
  /** Whether `input` is the log of the rate (default `true`) or the rate itself. */
  logInput?: boolean;
  /** Add the Stirling approximation of `log(y!)` where the target exceeds 1. Default `false`. */
  full?: boolean;
  /** Added to the rate before its log when `logInput` is `false`. Default 1e-8. */
  eps?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

// torch 1.13 (Loss.cpp, poisson_nll_loss, a composite of elementwise ops):
//   l = exp(x) - y * x                              log_input
//   l = x - y * log(x + eps)                        otherwise
//   full: l += (y * log(y) - y + 0.5 * log(2 * pi * y)).masked_fill(y <= 1, 0)
// Gradients follow the ops (mean's grad / numel first). masked_fill zeroes the Stirling
// term's gradient where y <= 1, but the chain still multiplies that zero by log(y) and divides
// it by y, so the target's gradient is nan at y = 0 and y < 0 when full is set.
const TWO_PI = 2 * Math.PI;

/**
 * Negative log-likelihood of a Poisson distribution, as
 * `torch.nn.functional.poisson_nll_loss`.
 *
 * ```text
 * l_n = exp(x_n) - y_n * x_n                    logInput (default)
 * l_n = x_n - y_n * log(x_n + eps)              otherwise
 * full: l_n += y_n * log(y_n) - y_n + 0.5 * log(2 * pi * y_n)   where y_n > 1
 *        reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * Both input and target take gradients, as in PyTorch, whose composite formula this follows
 * step by step: with `full`, the target's gradient is nan where the target is 0 or negative
 * (the masked Stirling term still passes `0 * log(0)` back), and a non-positive rate with
 * `logInput: false` gives nan. Shapes that broadcast compute over the broadcast shape.
 *
 * @example Usage
 * ```ts
 * import { poissonNllLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = poissonNllLoss(tensor([0, 0]), tensor([1, 2]), { reduction: "sum" });
 * assert.equal(loss.item(), 2);
 * ```
 *
 * @param input Log-rates (or rates with `logInput: false`), any shape, float32 or float64.
 * @param target Counts: the same dtype, a shape that broadcasts with `input`.
 * @param options `logInput`, `full`, `eps`, `reduction`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes are not one float dtype, the shapes do not broadcast, or
 *   an option has the wrong type.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function poissonNllLoss(
  input: Tensor,
  target: Tensor,
  options: PoissonNLLLossOptions = {},
): Tensor {
  const fn = "poissonNllLoss";
  const reduction = parseReduction(fn, options.reduction);
  const logInput = checkBoolean(fn, "logInput", options.logInput, true);
  const full = checkBoolean(fn, "full", options.full, false);
  const eps = checkNumber(fn, "eps", options.eps ?? 1e-8);
  checkFloat(fn, { input, target });
  checkSameDtype(fn, { input, target });
  const shape = broadcastShape(fn, { input, target });
  const n = shapeNumel(shape);
  const gradFn = reduction === "none"
    ? (full ? "AddBackward0" : "SubBackward0")
    : reduction === "mean"
    ? "MeanBackward0"
    : "SumBackward0";
  return runElementwise({
    gradFn,
    shape,
    reduction,
    operands: [input, target],
    differentiable: [0, 1],
    forward: ([x, y], out, r) => {
      const epsR = r(eps);
      const twoPi = r(TWO_PI);
      for (let i = 0; i < out.length; i++) {
        const xi = x[i];
        const yi = y[i];
        let l = logInput
          ? r(r(Math.exp(xi)) - r(yi * xi))
          : r(xi - r(yi * r(Math.log(r(xi + epsR)))));
        if (full) {
          const stirling = yi <= 1
            ? 0
            : r(r(r(yi * r(Math.log(yi))) - yi) + r(0.5 * r(Math.log(r(twoPi * yi)))));
          l = r(l + stirling);
        }
        out[i] = l;
      }
    },
    backward: ([x, y], g, [gx, gy], r) => {
      const epsR = r(eps);
      const twoPi = r(TWO_PI);
      for (let i = 0; i < x.length; i++) {
        const gi = reduction === "mean" ? r(g(i) / n) : g(i);
        const xi = x[i];
        const yi = y[i];
        // exp(x) - y * x  or  x - y * log(x + eps): the subtrahend gets -g.
        const neg = -gi;
        if (logInput) {
          if (gx !== null) gx[i] = r(r(gi * r(Math.exp(xi))) + r(neg * yi));
          if (gy !== null) gy[i] = r(neg * xi);
        } else {
          const shifted = r(xi + epsR);
          if (gx !== null) gx[i] = r(gi + r(r(neg * yi) / shifted));
          if (gy !== null) gy[i] = r(neg * r(Math.log(shifted)));
        }
        if (full && gy !== null) {
          // y * log(y) - y + 0.5 * log(2 pi y), its gradient masked where y <= 1.
          const gs = yi <= 1 ? 0 : gi;
          const fromMul = r(gs * r(Math.log(yi)));
          const fromLog = r(r(gs * yi) / yi);
          const fromHalfLog = r(r(r(gs * 0.5) / r(twoPi * yi)) * twoPi);
          gy[i] = r(r(r(r(gy[i] + fromMul) + fromLog) - gs) + fromHalfLog);
        }
      }
    },
  });
}

/**
 * Module form of {@linkcode poissonNllLoss}, as `torch.nn.PoissonNLLLoss`.
 *
 * @example Usage
 * ```ts
 * import { PoissonNLLLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new PoissonNLLLoss({ logInput: false }).forward(tensor([1]), tensor([0]));
 * assert.equal(loss.item(), 1);
 * ```
 */
export class PoissonNLLLoss {
  readonly #options: PoissonNLLLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode poissonNllLoss} call.
   */
  constructor(options: PoissonNLLLossOptions = {}) {
    this.#options = { ...options };
  }
  /**
   * Computes the loss.
   *
   * @param input Log-rates, or rates with `logInput: false`.
   * @param target Counts.
   * @returns The loss, as {@linkcode poissonNllLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return poissonNllLoss(input, target, this.#options);
  }
}
