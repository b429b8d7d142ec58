import { runElementwise } from "./_engines/elementwise.ts";
import { blockLoss32 } from "./_cpu/explog.ts";
import { mathOf } from "./_cpu/math.ts";
import { broadcastShape, broadcastShapes, expand, sameShape, sumTo } from "./_core/broadcast.ts";
import { indexText } from "./_engines/class_targets.ts";
import {
  checkBoolean,
  checkFloat,
  checkNumber,
  checkSameDevice,
  checkSameDtype,
  fail,
} from "./_core/checks.ts";
import {
  type FloatArray,
  floatStorage,
  parseReduction,
  REDUCTION,
  type Reduction,
} from "./_core/reduction.ts";
import { formatShape, hostElements, shapeNumel, type Tensor } from "./_core/tensor.ts";
import { BOOLEAN, NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode gaussianNllLoss} and {@linkcode GaussianNLLLoss}. */
export interface GaussianNLLLossOptions {
  /** A boolean: add the constant `0.5 * log(2 * pi)`. Default `false`. */
  full?: boolean;
  /** A number: the variance is clamped to at least this, for stability. Default 1e-6. */
  eps?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const GAUSSIAN_NLL_OPTIONS: OptionSpec<GaussianNLLLossOptions> = {
  full: BOOLEAN,
  eps: NUMBER,
  reduction: REDUCTION,
};

// torch 1.13 (torch/nn/functional.py, gaussian_nll_loss, composite):
//   var of input.shape[:-1] is unsqueezed to [..., 1]; [..., 1] passes; other shapes raise
//   any(var < 0) raises
//   var = var.clone(); with no_grad: var.clamp_(min=eps)      (the clamp is not recorded)
//   l = 0.5 * (log(var) + (x - y)^2 / var)  (+ 0.5 * log(2 pi) when full)
// Gradients follow the ops (mean's grad / numel first), with var the clamped value; S sums
// over the broadcast dimensions to the shape where a term lives:
//   h = 0.5 * g ; grad_x = S(h / var) * 2(x - y) ; grad_y = -grad_x   (S to x, y broadcast)
//   grad_var = S(-h * (((x - y)^2 / var) / var)) + S(h) / var          (S to var's shape)
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Negative log-likelihood of a Gaussian with predicted mean and variance, as
 * `torch.nn.functional.gaussian_nll_loss`.
 *
 * ```text
 * l_n = 0.5 * (log(max(var_n, eps)) + (x_n - y_n)^2 / max(var_n, eps))  (+ 0.5 * log(2 * pi) if full)
 *        reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * `var` may have the input's shape, the input's shape without its last dimension (one variance
 * shared along it), or that with a last dimension of 1; `input`, `target` and `var` then
 * broadcast together, as in PyTorch. A negative variance throws. As in PyTorch, the clamp at
 * `eps` is done outside autograd: where `var` was raised to `eps`, its gradient is the
 * formula's gradient at `eps` rather than 0. All three tensors take gradients; `log(var)` is
 * differentiated at var's own shape, as in PyTorch, so a broadcast over no elements with a
 * zero or nan variance still gives var a nan gradient.
 *
 * @example Usage
 * ```ts
 * import { gaussianNllLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const input = tensor([[1, 2], [3, 4]], { dtype: "float64" });
 * const target = tensor([[1, 3], [3, 2]], { dtype: "float64" });
 * const variance = tensor([1, 4], { dtype: "float64" }); // one per row
 * const loss = gaussianNllLoss(input, target, variance, { reduction: "none" });
 * assert.deepEqual(loss.toArray(), [[0, 0.5], [Math.log(2), Math.log(2) + 0.5]]);
 * ```
 *
 * @param input Predicted means, any shape, float32 or float64.
 * @param target Observations: the same dtype, a shape that broadcasts with `input`.
 * @param variance Predicted variances (PyTorch's `var`), non-negative: the input's shape, or
 *   it without the last dimension, or with a last dimension of 1.
 * @param options `full`, `eps`, `reduction`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes are not one float dtype, `variance` has a shape PyTorch
 *   rejects, the shapes do not broadcast, or an option has the wrong type.
 * @throws {RangeError} If a variance is negative or `reduction` is not `"none"`, `"mean"` or
 *   `"sum"`.
 */
export function gaussianNllLoss(
  input: Tensor,
  target: Tensor,
  variance: Tensor,
  options: GaussianNLLLossOptions = {},
): Tensor {
  const fn = "gaussianNllLoss";
  options = parseOptions(fn, options, GAUSSIAN_NLL_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const full = checkBoolean(fn, "full", options.full, false);
  const eps = checkNumber(fn, "eps", options.eps ?? 1e-6);
  checkFloat(fn, { input, target, var: variance });
  checkSameDevice(fn, { input, target, var: variance });
  checkSameDtype(fn, { input, target, var: variance });
  const varShape = varLayout(fn, input, variance);
  const shape = broadcastShapes(fn, { input: input.shape, target: target.shape, var: varShape });
  checkNonNegative(fn, variance);
  const n = shapeNumel(shape);
  const diffShape = broadcastShape(fn, { input, target });
  const dtype = input.dtype;
  const gradFn = reduction === "none"
    ? (full ? "AddBackward0" : "MulBackward0")
    : reduction === "mean"
    ? "MeanBackward0"
    : "SumBackward0";
  // torch clamps a clone of var under no_grad: the value changes, the graph does not see it.
  const clamped = (v: number, epsR: number): number => v < epsR ? epsR : v;
  // vc: var clamped to eps (a nan stays); h: half the gradient (over the mean's n).
  const clamp = `
fn clamped(v: f32) -> f32 { return select(v, params.eps, !is_nan(v) && v < params.eps); }
fn half_grad(g: f32) -> f32 { return (g / params.count) * 0.5; }`;
  const { log } = mathOf(input.dtype); // float32 in float32, as the kernels
  return runElementwise({
    fn,
    gradFn,
    wgsl: {
      vars: ["x", "y", "v"],
      params: { eps, constant: HALF_LOG_TWO_PI, count: reduction === "mean" ? n : 1 },
      functions: clamp,
      forward: `  let vc = clamped(v);
  let d = x - y;
  let l = 0.5 * (log_f32(vc) + (d * d) / vc);
  return ${full ? "l + params.constant" : "l"};`,
      // x and y broadcast together to the full shape (var broadcasts to x's), so the
      // quotient's gradient needs no sum before the square's 2 (x - y) multiplies it.
      backward: [
        "  return (half_grad(g) / clamped(v)) * (2.0 * (x - y));",
        "  return -((half_grad(g) / clamped(v)) * (2.0 * (x - y)));",
        {
          terms: [
            `  let vc = clamped(v);
  let d = x - y;
  return -half_grad(g) * (((d * d) / vc) / vc);`,
            "  return half_grad(g);",
          ],
          finish: "  return s0 + s1 / clamped(v);",
        },
      ],
    },
    shape,
    reduction,
    operands: [input, target, variance],
    layouts: [undefined, undefined, varShape],
    differentiable: [0, 1, 2],
    forward: ([x, y, v], out, r) => {
      const epsR = r(eps);
      const constant = r(HALF_LOG_TWO_PI);
      for (let i = 0; i < out.length; i++) {
        const vc = clamped(v[i], epsR);
        const d = r(x[i] - y[i]);
        const l = r(0.5 * r(log(vc) + r(r(d * d) / vc)));
        out[i] = full ? r(l + constant) : l;
      }
    },
    sum: ([x, y, v], r) => {
      const epsR = r(eps);
      if (x instanceof Float32Array) {
        return gaussianSum32(x, y as Float32Array, v as Float32Array, null, 0, full, epsR);
      }
      const constant = r(HALF_LOG_TWO_PI);
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const vc = clamped(v[i], epsR);
        const d = r(x[i] - y[i]);
        const l = r(0.5 * r(log(vc) + r(r(d * d) / vc)));
        s += full ? r(l + constant) : l;
      }
      return s;
    },
    // input has the broadcast shape here, and so (x - y)^2: no sum over the broadcast.
    sumWithGrad: ([x, y, v], gx, g, r) => {
      const epsR = r(eps);
      const constant = r(HALF_LOG_TWO_PI);
      const h = r((reduction === "mean" ? r(g / n) : g) * 0.5);
      if (x instanceof Float32Array) {
        return gaussianSum32(
          x,
          y as Float32Array,
          v as Float32Array,
          gx as Float32Array,
          h,
          full,
          epsR,
        );
      }
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const vc = clamped(v[i], epsR);
        const d = r(x[i] - y[i]);
        const l = r(0.5 * r(log(vc) + r(r(d * d) / vc)));
        s += full ? r(l + constant) : l;
        gx[i] = r(h / vc) * r(2 * d);
      }
      return s;
    },
    backward: (c) => {
      const [x, y, v] = c.v;
      const r = c.r;
      const epsR = r(eps);
      const h = c.map((i) => r((reduction === "mean" ? r(c.g(i) / n) : c.g(i)) * 0.5));
      let gx: FloatArray | null = null;
      let gy: FloatArray | null = null;
      if (c.wants(0) || c.wants(1)) {
        // (x - y)^2 has the shape of x and y broadcast together: the quotient's gradient is
        // summed to it before the square's 2 (x - y) multiplies it.
        const gd = sumTo(c.map((i) => r(h[i] / clamped(v[i], epsR))), shape, diffShape, dtype);
        const xd = expand(c.own(0), input.shape, diffShape);
        const yd = expand(c.own(1), target.shape, diffShape);
        for (let j = 0; j < gd.length; j++) gd[j] = r(gd[j] * r(2 * r(xd[j] - yd[j])));
        if (c.wants(0)) gx = sumTo(gd, diffShape, input.shape, dtype);
        if (c.wants(1)) {
          const s = sumTo(gd, diffShape, target.shape, dtype);
          gy = floatStorage(dtype, s.length);
          for (let j = 0; j < s.length; j++) gy[j] = -s[j];
        }
      }
      let gv: FloatArray | null = null;
      if (c.wants(2)) {
        gv = c.sumTo(
          2,
          c.map((i) => {
            const vc = clamped(v[i], epsR);
            const d = r(x[i] - y[i]);
            return r(-h[i] * r(r(r(d * d) / vc) / vc));
          }),
        );
        // log(var) is computed at var's shape: its gradient is summed, then divided by var.
        const fromLog = c.sumTo(2, h);
        const vOwn = c.own(2);
        for (let j = 0; j < gv.length; j++) {
          gv[j] = gv[j] + r(fromLog[j] / clamped(vOwn[j], epsR));
        }
      }
      return [gx, gy, gv];
    },
  });
}

/**
 * The shape `variance` broadcasts as: its own when it is the input's shape or that with a
 * last dimension of 1, `[...shape, 1]` when it lacks the input's last dimension.
 */
function varLayout(fn: string, input: Tensor, variance: Tensor): readonly number[] {
  const x = input.shape;
  const v = variance.shape;
  if (sameShape(x, v)) return v;
  const lead = x.slice(0, -1);
  if (sameShape(lead, v)) return [...v, 1];
  if (v.length > 0 && sameShape(lead, v.slice(0, -1)) && v[v.length - 1] === 1) return v;
  fail(
    fn,
    `var must have the input's shape, that shape without its last dimension, or with a last dimension of 1: input is ${
      formatShape(x)
    }, var is ${formatShape(v)}`,
  );
}

function checkNonNegative(fn: string, variance: Tensor): void {
  const v = hostElements(variance) as FloatArray | null;
  if (v === null) {
    fail(
      fn,
      'its check that var is non-negative needs var\'s values on the CPU, and this webgpu var was computed on the GPU: upload it with to("webgpu") from the CPU',
      Error,
    );
  }
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0) {
      fail(
        fn,
        `var must be non-negative: var${indexText(variance.shape, i)} is ${v[i]}`,
        RangeError,
      );
    }
  }
}

/**
 * The float32 sum of the losses, block by block in WebAssembly (`wasm/explog.wat`): the
 * variance clamped, its log (float32's, as `log32(vc)` in the scalar loops), then the
 * loss in float32 lanes, each step rounded as the scalar loop rounds it. With `gx`, also the
 * input's gradient for half the scalar gradOutput `h` (already over the mean's numel), as
 * `sumWithGrad` gives it.
 */
function gaussianSum32(
  x: Float32Array,
  y: Float32Array,
  v: Float32Array,
  gx: Float32Array | null,
  h: number,
  full: boolean,
  epsR: number,
): number {
  const c = full ? Math.fround(HALF_LOG_TWO_PI) : 0;
  return blockLoss32([x, y, v], gx, (k, at, n) => {
    // 3: log(var clamped to eps)
    k.clamp_min_f32(at[2], at[3], n, epsR);
    k.log_f32(at[3], at[3], n);
    return gx === null
      ? k.gaussian_nll_sum_f32(at[0], at[1], at[2], at[3], n, epsR, c)
      : k.gaussian_nll_grad_f32(at[0], at[1], at[2], at[3], at[4], n, epsR, c, h);
  });
}

/**
 * Module form of {@linkcode gaussianNllLoss}, as `torch.nn.GaussianNLLLoss`.
 *
 * @example Usage
 * ```ts
 * import { GaussianNLLLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new GaussianNLLLoss({ reduction: "sum" });
 * assert.equal(loss.forward(tensor([1, 2]), tensor([1, 2]), tensor([1, 1])).item(), 0);
 * ```
 */
export class GaussianNLLLoss {
  readonly #options: GaussianNLLLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode gaussianNllLoss} call.
   */
  constructor(options: GaussianNLLLossOptions = {}) {
    this.#options = parseOptions("GaussianNLLLoss", options, GAUSSIAN_NLL_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Predicted means.
   * @param target Observations.
   * @param variance Predicted variances.
   * @returns The loss, as {@linkcode gaussianNllLoss}.
   */
  forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return gaussianNllLoss(input, target, variance, this.#options);
  }
}
