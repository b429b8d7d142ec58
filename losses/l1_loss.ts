import { checkSameDevice } from "./_core/checks.ts";
import { simdLoss } from "./_cpu/simd.ts";
import { checkFloatPair, negated, runElementwise } from "./_engines/elementwise.ts";
import { sgn } from "./_engines/op_helpers.ts";
import {
  floatStorage,
  gradAt,
  parseReduction,
  REDUCTION,
  type Reduction,
} from "./_core/reduction.ts";
import { shapeNumel, type Tensor } from "./_core/tensor.ts";
import { type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode l1Loss} and {@linkcode L1Loss}. */
export interface L1LossOptions {
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const L1_OPTIONS: OptionSpec<L1LossOptions> = {
  reduction: REDUCTION,
};

// torch 1.13 (Loss.cpp): l1_loss is a composite, abs(x - y) then the reduction, so its
// gradient is abs's: grad * sgn(x - y) with sgn(0) = 0 and sgn(nan) = 0, after mean's
// grad / numel; the target gets the negation.
// sgn(d): 0 at a tie and at nan (the bits test; WGSL may assume floats are finite).
const SGN_WGSL = `
fn sgn(d: f32) -> f32 {
  if (is_nan(d) || d == 0.0) { return 0.0; }
  return select(-1.0, 1.0, d > 0.0);
}`;
const GRAD_FN = { none: "AbsBackward0", mean: "MeanBackward0", sum: "SumBackward0" } as const;

/**
 * Mean absolute error, as `torch.nn.functional.l1_loss`.
 *
 * ```text
 * l_n = |x_n - y_n|        reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * At a tie (`x_n == y_n`) and at nan the gradient is 0, as PyTorch's `sgn`. Shapes that
 * broadcast compute over the broadcast shape, as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { l1Loss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const loss = l1Loss(x, tensor([1, 0, 4]));
 * assert.equal(loss.item(), 1);
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [0, 1 / 3, -1 / 3].map(Math.fround));
 * ```
 *
 * @param input Predictions, any shape, float32 or float64.
 * @param target Same dtype; a shape that broadcasts with `input`.
 * @param options `reduction`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes are not one float dtype or the shapes do not broadcast.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function l1Loss(input: Tensor, target: Tensor, options: L1LossOptions = {}): Tensor {
  options = parseOptions("l1Loss", options, L1_OPTIONS);
  const reduction = parseReduction("l1Loss", options.reduction);
  const shape = checkFloatPair("l1Loss", input, target);
  checkSameDevice("l1Loss", { input, target });
  return runElementwise({
    fn: "l1Loss",
    gradFn: GRAD_FN[reduction],
    wgsl: {
      vars: ["x", "y"],
      params: { count: reduction === "mean" ? shapeNumel(shape) : 1 },
      functions: SGN_WGSL,
      forward: "  return abs(x - y);",
      backward: [
        "  return (g / params.count) * sgn(x - y);",
        "  return -((g / params.count) * sgn(x - y));",
      ],
    },
    shape,
    reduction,
    operands: [input, target],
    differentiable: [0, 1],
    forward: ([x, y], out, r) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.abs(r(x[i] - y[i]));
    },
    sum: (v) => simdLoss("l1", v, null),
    sumWithGrad: (v, gx, g, r) =>
      simdLoss("l1", v, gx, r(g / (reduction === "mean" ? gx.length : 1))),
    backward: (c) => {
      const [x, y] = c.v;
      const r = c.r;
      const n = reduction === "mean" ? x.length : 1;
      const gx = floatStorage(input.dtype, x.length);
      for (let i = 0; i < gx.length; i++) {
        gx[i] = r(gradAt(c.gradOutput, reduction, i) / n) * sgn(r(x[i] - y[i]));
      }
      return [c.wants(0) ? c.sumTo(0, gx) : null, c.wants(1) ? c.sumTo(1, negated(gx)) : null];
    },
  });
}

/**
 * Module form of {@linkcode l1Loss}, as `torch.nn.L1Loss`.
 *
 * @example Usage
 * ```ts
 * import { L1Loss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new L1Loss({ reduction: "sum" }).forward(tensor([1, -2]), tensor([0, 0]));
 * assert.equal(loss.item(), 3);
 * ```
 */
export class L1Loss {
  readonly #options: L1LossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode l1Loss} call.
   */
  constructor(options: L1LossOptions = {}) {
    this.#options = parseOptions("L1Loss", options, L1_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Predictions.
   * @param target Targets.
   * @returns The loss, as {@linkcode l1Loss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.#options);
  }
}
