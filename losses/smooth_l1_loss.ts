import { type SimdLoss, simdLoss } from "./_cpu/simd.ts";
import { checkNumber, checkSameDevice, fail } from "./_core/checks.ts";
import { checkFloatPair, runElementwise } from "./_engines/elementwise.ts";
import {
  type FloatArray,
  floatStorage,
  gradAt,
  parseReduction,
  REDUCTION,
  type Reduction,
  rounder,
} from "./_core/reduction.ts";
import { type DType, shapeNumel, type Tensor } from "./_core/tensor.ts";
import { NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode smoothL1Loss} and {@linkcode SmoothL1Loss}. */
export interface SmoothL1LossOptions {
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
  /** A number, at least 0: where the loss turns from quadratic to linear. Default 1. */
  beta?: number;
}

const SMOOTH_L1_OPTIONS: OptionSpec<SmoothL1LossOptions> = {
  reduction: REDUCTION,
  beta: NUMBER,
};

// torch 1.13 (functional.py, then BinaryOpsKernel.cpp smooth_l1_kernel and
// PointwiseOpsKernel.cpp smooth_l1_backward_cpu_kernel), with beta and norm as scalar_t:
//   z = |x - y|;  l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
//   d = x - y
//   grad_input = d <= -beta ? -norm * grad : d >= beta ? norm * grad : norm * d * grad / beta
//   norm = 1 / numel for "mean", else 1
// and derivatives.yaml gives the target `smooth_l1_loss_backward(grad, target, self, ...)`: the
// same kernel with the operands swapped (d = y - x), not the negation of grad_input. beta = 0
// runs the same kernel: l = |x - y|, and at a tie d = 0 satisfies d <= -0, so BOTH input
// and target get -norm * grad there. smoothGrads is that kernel over every element, given
// (u, v) = (x, y) for the input and (y, x) for the target.
function smoothGrads(
  u: FloatArray,
  v: FloatArray,
  gradOutput: FloatArray,
  reduction: Reduction,
  beta: number,
  dtype: DType,
): FloatArray {
  const r = rounder(dtype);
  const norm = reduction === "mean" && u.length !== 1 ? r(1 / u.length) : 1;
  const grad = floatStorage(dtype, u.length);
  for (let i = 0; i < grad.length; i++) {
    const g = gradAt(gradOutput, reduction, i);
    const d = r(u[i] - v[i]);
    grad[i] = d <= -beta ? -r(norm * g) : d >= beta ? r(norm * g) : r(r(r(norm * d) * g) / beta);
  }
  return grad;
}

/**
 * Smooth L1 loss, as `torch.nn.functional.smooth_l1_loss`.
 *
 * ```text
 * z_n = |x_n - y_n|
 * l_n = z_n < beta ? 0.5 * z_n^2 / beta : z_n - 0.5 * beta
 * reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * `beta = 0` gives the L1 loss, with PyTorch's gradient for it: at a tie (`x_n == y_n`) both
 * input and target get `-1` (times gradOutput and the mean's `1 / n`), not 0 as
 * `l1Loss` gives, because PyTorch's kernel takes its `d <= -beta` branch there.
 * For `beta > 0` the gradient at `|x_n - y_n| == beta` is `±1`, and nan gives nan. Shapes
 * that broadcast compute over the broadcast shape, as PyTorch; gradients are summed back.
 * Mixed float dtypes, which PyTorch promotes, are an error here, as in `l1Loss`.
 *
 * @example Usage
 * ```ts
 * import { smoothL1Loss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([0.5, 3], { requiresGrad: true });
 * const loss = smoothL1Loss(x, tensor([0, 0]), { reduction: "sum" });
 * assert.equal(loss.item(), 0.125 + 2.5);
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [0.5, 1]);
 * ```
 *
 * @param input Predictions, any shape, float32 or float64.
 * @param target Same dtype; a shape that broadcasts with `input`.
 * @param options `reduction`, `beta`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes are not one float dtype, the shapes do not broadcast or
 *   `beta` is not a number.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`, or `beta` is
 *   negative or nan.
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: SmoothL1LossOptions = {},
): Tensor {
  const fn = "smoothL1Loss";
  options = parseOptions(fn, options, SMOOTH_L1_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const beta = checkNumber(fn, "beta", options.beta ?? 1);
  if (!(beta >= 0)) fail(fn, `beta must be non-negative: current value is ${beta}`, RangeError);
  // a power of two whose inverse is normal in the dtype: x / beta is x * (1 / beta), bit for
  // bit, and the kernel without a division runs faster. beta = 1, the default, is Huber's loss
  // and gradient with delta = 1 step for step (each division by 1 and product by 1 left out),
  // whose kernel takes fewer operations still.
  const kernelFor = (x: Float32Array | Float64Array): SimdLoss => {
    if (beta === 1) return "huber";
    const e = Math.round(Math.log2(beta));
    return beta > 0 && 2 ** e === beta && Math.abs(e) <= (x instanceof Float32Array ? 126 : 1022)
      ? "smooth_l1_pow2"
      : "smooth_l1";
  };
  const shape = checkFloatPair(fn, input, target);
  checkSameDevice(fn, { input, target });
  const n = shapeNumel(shape);
  return runElementwise({
    fn,
    gradFn: "SmoothL1LossBackward0",
    wgsl: {
      vars: ["x", "y"],
      params: { beta, norm: reduction === "mean" && n !== 1 ? Math.fround(1 / n) : 1 },
      // The kernel of smoothGrads, given (x, y) for the input and (y, x) for the target.
      functions: `
fn smooth_grad(u: f32, v: f32, g: f32) -> f32 {
  let d = u - v;
  let b = params.beta;
  if (!is_nan(d) && d <= -b) { return -(params.norm * g); }
  if (!is_nan(d) && d >= b) { return params.norm * g; }
  return ((params.norm * d) * g) / b;
}`,
      forward: `  let z = abs(x - y);
  let b = params.beta;
  if (!is_nan(z) && z < b) { return ((0.5 * z) * z) / b; }
  return z - 0.5 * b;`,
      backward: ["  return smooth_grad(x, y, g);", "  return smooth_grad(y, x, g);"],
    },
    shape,
    reduction,
    operands: [input, target],
    differentiable: [0, 1],
    forward: ([x, y], out, r) => {
      const b = r(beta);
      for (let i = 0; i < out.length; i++) {
        const z = Math.abs(r(x[i] - y[i]));
        out[i] = z < b ? r(r(r(0.5 * z) * z) / b) : r(z - r(0.5 * b));
      }
    },
    sum: (v, r) => simdLoss(kernelFor(v[0]), v, null, r(beta), r(0.5 * r(beta))),
    sumWithGrad: (v, gx, g, r) => {
      const norm = reduction === "mean" && gx.length !== 1 ? r(1 / gx.length) : 1;
      return simdLoss(kernelFor(v[0]), v, gx, r(beta), r(0.5 * r(beta)), norm, g);
    },
    backward: (c) => {
      const [x, y] = c.v;
      const b = c.r(beta);
      const go = c.gradOutput;
      return [
        c.wants(0) ? c.sumTo(0, smoothGrads(x, y, go, reduction, b, input.dtype)) : null,
        c.wants(1) ? c.sumTo(1, smoothGrads(y, x, go, reduction, b, input.dtype)) : null,
      ];
    },
  });
}

/**
 * Module form of {@linkcode smoothL1Loss}, as `torch.nn.SmoothL1Loss`.
 *
 * @example Usage
 * ```ts
 * import { SmoothL1Loss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new SmoothL1Loss({ beta: 0 }).forward(tensor([1, -2]), tensor([0, 0]));
 * assert.equal(loss.item(), 1.5);
 * ```
 */
export class SmoothL1Loss {
  readonly #options: SmoothL1LossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode smoothL1Loss} call.
   */
  constructor(options: SmoothL1LossOptions = {}) {
    this.#options = parseOptions("SmoothL1Loss", options, SMOOTH_L1_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Predictions.
   * @param target Targets.
   * @returns The loss, as {@linkcode smoothL1Loss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.#options);
  }
}
