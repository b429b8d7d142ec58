import { simdLoss } from "./_cpu/simd.ts";
import { checkNumber, checkSameDevice, fail } from "./_core/checks.ts";
import { checkFloatPair, negated, runElementwise } from "./_engines/elementwise.ts";
import {
  floatStorage,
  gradAt,
  parseReduction,
  REDUCTION,
  type Reduction,
} from "./_core/reduction.ts";
import { shapeNumel, type Tensor } from "./_core/tensor.ts";
import { NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode huberLoss} and {@linkcode HuberLoss}. */
export interface HuberLossOptions {
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
  /** A positive number: where the loss turns from quadratic to linear. Default 1. */
  delta?: number;
}

const HUBER_OPTIONS: OptionSpec<HuberLossOptions> = {
  reduction: REDUCTION,
  delta: NUMBER,
};

// torch 1.13 (functional.py, then BinaryOpsKernel.cpp huber_kernel and PointwiseOpsKernel.cpp
// huber_backward_cpu_kernel), with delta and norm as scalar_t:
//   z = |x - y|;  l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
//   d = x - y
//   grad_input = d <= -delta ? -norm * grad * delta
//              : d >= delta ? norm * grad * delta
//              : norm * d * grad
//   norm = 1 / numel for "mean", else 1;  grad_target = -grad_input (derivatives.yaml)

/**
 * Huber loss, as `torch.nn.functional.huber_loss`.
 *
 * ```text
 * z_n = |x_n - y_n|
 * l_n = z_n < delta ? 0.5 * z_n^2 : delta * (z_n - 0.5 * delta)
 * reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * This is `delta` times the smooth L1 loss with `beta = delta`. At `|x_n - y_n| == delta` the
 * gradient is `±delta`, nan gives nan, and the target's gradient is the negation of the
 * input's. Shapes that broadcast compute over the broadcast shape, as PyTorch; gradients are
 * summed back. Mixed float dtypes, which PyTorch promotes, are an error here, as in `l1Loss`.
 *
 * @example Usage
 * ```ts
 * import { huberLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([0.5, 3], { requiresGrad: true });
 * const loss = huberLoss(x, tensor([0, 0]), { reduction: "sum", delta: 2 });
 * assert.equal(loss.item(), 0.125 + 4);
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [0.5, 2]);
 * ```
 *
 * @param input Predictions, any shape, float32 or float64.
 * @param target Same dtype; a shape that broadcasts with `input`.
 * @param options `reduction`, `delta`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes are not one float dtype, the shapes do not broadcast or
 *   `delta` is not a number.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`, or `delta` is not
 *   positive (0, negative or nan).
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const fn = "huberLoss";
  options = parseOptions(fn, options, HUBER_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const delta = checkNumber(fn, "delta", options.delta ?? 1);
  if (!(delta > 0)) fail(fn, `delta must be positive: current value is ${delta}`, RangeError);
  const shape = checkFloatPair(fn, input, target);
  checkSameDevice(fn, { input, target });
  const n = shapeNumel(shape);
  return runElementwise({
    fn,
    gradFn: "HuberLossBackward0",
    wgsl: {
      vars: ["x", "y"],
      params: { delta, norm: reduction === "mean" && n !== 1 ? Math.fround(1 / n) : 1 },
      functions: `
fn huber_grad(x: f32, y: f32, g: f32) -> f32 {
  let d = x - y;
  let dl = params.delta;
  if (!is_nan(d) && d <= -dl) { return -((params.norm * g) * dl); }
  if (!is_nan(d) && d >= dl) { return (params.norm * g) * dl; }
  return (params.norm * d) * g;
}`,
      forward: `  let z = abs(x - y);
  let d = params.delta;
  if (!is_nan(z) && z < d) { return (0.5 * z) * z; }
  return d * (z - 0.5 * d);`,
      backward: ["  return huber_grad(x, y, g);", "  return -huber_grad(x, y, g);"],
    },
    shape,
    reduction,
    operands: [input, target],
    differentiable: [0, 1],
    forward: ([x, y], out, r) => {
      const d = r(delta);
      for (let i = 0; i < out.length; i++) {
        const z = Math.abs(r(x[i] - y[i]));
        out[i] = z < d ? r(r(0.5 * z) * z) : r(d * r(z - r(0.5 * d)));
      }
    },
    sum: (v, r) => simdLoss("huber", v, null, r(delta), r(0.5 * r(delta))),
    sumWithGrad: (v, gx, g, r) => {
      const norm = reduction === "mean" && gx.length !== 1 ? r(1 / gx.length) : 1;
      return simdLoss("huber", v, gx, r(delta), r(0.5 * r(delta)), norm, g);
    },
    backward: (c) => {
      const [x, y] = c.v;
      const r = c.r;
      const dl = r(delta);
      const norm = reduction === "mean" && x.length !== 1 ? r(1 / x.length) : 1;
      const gx = floatStorage(input.dtype, x.length);
      for (let i = 0; i < gx.length; i++) {
        const g = gradAt(c.gradOutput, reduction, i);
        const d = r(x[i] - y[i]);
        gx[i] = d <= -dl
          ? -r(r(norm * g) * dl)
          : d >= dl
          ? r(r(norm * g) * dl)
          : r(r(norm * d) * g);
      }
      return [c.wants(0) ? c.sumTo(0, gx) : null, c.wants(1) ? c.sumTo(1, negated(gx)) : null];
    },
  });
}

/**
 * Module form of {@linkcode huberLoss}, as `torch.nn.HuberLoss`.
 *
 * @example Usage
 * ```ts
 * import { HuberLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new HuberLoss({ delta: 0.5 }).forward(tensor([1, -2]), tensor([0, 0]));
 * assert.equal(loss.item(), 0.625);
 * ```
 */
export class HuberLoss {
  readonly #options: HuberLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode huberLoss} call.
   */
  constructor(options: HuberLossOptions = {}) {
    this.#options = parseOptions("HuberLoss", options, HUBER_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Predictions.
   * @param target Targets.
   * @returns The loss, as {@linkcode huberLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.#options);
  }
}
