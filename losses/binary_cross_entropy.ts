import { checkElementWeight, checkSameShape, runElementwise } from "./_engines/elementwise.ts";
import { indexText } from "./_engines/class_targets.ts";
import { BLOCK, blockLoss32, mathBlock32 } from "./_cpu/explog.ts";
import { mathOf } from "./_cpu/math.ts";
import {
  checkFloat,
  checkSameDevice,
  checkSameDtype,
  fail,
  TENSOR_OR_NULL,
} from "./_core/checks.ts";
import { type FloatArray, parseReduction, REDUCTION, type Reduction } from "./_core/reduction.ts";
import { hostElements, type Tensor } from "./_core/tensor.ts";
import { type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode binaryCrossEntropy} and {@linkcode BCELoss}. */
export interface BCELossOptions {
  /**
   * `Tensor | null`: rescales each element's loss; broadcasts to the input's shape. Default
   * (also for `null`, as PyTorch's `None`) all 1.
   */
  weight?: Tensor | null;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const BCE_OPTIONS: OptionSpec<BCELossOptions> = {
  weight: TENSOR_OR_NULL,
  reduction: REDUCTION,
};

// torch 1.13 (Loss.cpp, binary_cross_entropy_out_cpu / binary_cross_entropy_backward_out_cpu;
// FunctionsManual.cpp, binary_cross_entropy_target_backward):
//   l = (y - 1) * max(log1p(-x), -100) - y * max(log(x), -100)   (checks 0 <= x <= 1)
//   l *= w ; then the reduction
//   grad_input  = g * (x - y) / max((1 - x) * x, 1e-12) ; *= w ; /= numel for "mean"
//   grad_target = -logit(x) * g ; *= w ; /= numel for "mean"
const EPSILON = 1e-12;

/**
 * Binary cross-entropy between probabilities and targets, as
 * `torch.nn.functional.binary_cross_entropy`.
 *
 * ```text
 * l_n = -w_n * (y_n * max(log(x_n), -100) + (1 - y_n) * max(log(1 - x_n), -100))
 *        reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * As in PyTorch, each log is clamped at -100, so an input of exactly 0 or 1 gives a finite
 * loss (100 per wrong element), and the gradient for the input divides by
 * `max((1 - x) * x, 1e-12)`, so it is about ±1e12 there rather than infinite. Targets outside
 * [0, 1] are not checked (PyTorch computes them with the same formula). The target gets a
 * gradient too, PyTorch's `-w * logit(x)`, which is infinite at an input of 0 or 1.
 *
 * @example Usage
 * ```ts
 * import { binaryCrossEntropy, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([0.5, 1, 0], { dtype: "float64" });
 * const loss = binaryCrossEntropy(x, tensor([1, 0, 0], { dtype: "float64" }), { reduction: "none" });
 * assert.deepEqual(loss.toArray(), [Math.LN2, 100, 0]);
 * ```
 *
 * @param input Probabilities in [0, 1], any shape, float32 or float64.
 * @param target The same shape and dtype.
 * @param options `weight`, `reduction`.
 * @returns A 0-d tensor, or the input's shape when `reduction` is `"none"`.
 * @throws {TypeError} If dtypes differ or are not float, the shapes differ, or `weight` does
 *   not broadcast to the input's shape or requires grad.
 * @throws {RangeError} If an input element is outside [0, 1] (nan included) or `reduction` is
 *   not `"none"`, `"mean"` or `"sum"`.
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: BCELossOptions = {},
): Tensor {
  const fn = "binaryCrossEntropy";
  options = parseOptions(fn, options, BCE_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  checkFloat(fn, { input, target });
  checkSameDtype(fn, { input, target });
  checkSameShape(fn, input, target);
  const weight = checkElementWeight(fn, "weight", options.weight, input);
  checkSameDevice(fn, { input, target, weight });
  checkProbabilities(fn, input);
  const n = input.numel;
  const mean = reduction === "mean";
  const operands = weight === null ? [input, target] : [input, target, weight];
  // w multiplies when a weight is given; the mean's 1 / n divides last (count is 1 otherwise).
  const finish = (v: string): string =>
    `  return (${weight === null ? v : `(${v}) * w`}) / params.count;`;
  const { log, log1p } = mathOf(input.dtype); // float32 in float32, as the kernels
  return runElementwise({
    fn,
    gradFn: "BinaryCrossEntropyBackward0",
    wgsl: {
      vars: weight === null ? ["x", "y"] : ["x", "y", "w"],
      params: { eps: EPSILON, count: mean ? n : 1 },
      // max(log, -100), with -inf below the clamp.
      functions: `
fn clamp_log(v: f32) -> f32 { return select(v, -100.0, v < -100.0); }`,
      forward: `  let l = (y - 1.0) * clamp_log(log1p_f32(-x)) - y * clamp_log(log_f32(x));
  return ${weight === null ? "l" : "l * w"};`,
      backward: [
        finish("(g * (x - y)) / max((1.0 - x) * x, params.eps)"),
        `  let one_minus = 1.0 - x;
  let ratio = select(x / one_minus, inf_f32(), one_minus == 0.0);
${finish("-log_f32(ratio) * g")}`,
        null,
      ],
    },
    shape: input.shape,
    reduction,
    operands,
    differentiable: [0, 1],
    forward: ([x, y, w], out, r) => {
      for (let i = 0; i < out.length; i++) {
        const logX = Math.max(log(x[i]), -100);
        const log1mX = Math.max(log1p(-x[i]), -100);
        const l = r(r(r(y[i] - 1) * log1mX) - r(y[i] * logX));
        out[i] = w === undefined ? l : r(l * w[i]);
      }
    },
    sum: ([x, y, w], r) => {
      if (x instanceof Float32Array) {
        return bceSum32(x, y as Float32Array, w as Float32Array | undefined, null, 0, 1);
      }
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const logX = Math.max(log(x[i]), -100);
        const log1mX = Math.max(log1p(-x[i]), -100);
        const l = r(r(r(y[i] - 1) * log1mX) - r(y[i] * logX));
        s += w === undefined ? l : r(l * w[i]);
      }
      return s;
    },
    sumWithGrad: ([x, y, w], gx, g, r) => {
      if (x instanceof Float32Array) {
        const wf = w as Float32Array | undefined;
        return bceSum32(x, y as Float32Array, wf, gx as Float32Array, g, mean ? n : 1);
      }
      const eps = r(EPSILON);
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i];
        const yi = y[i];
        const logX = Math.max(log(xi), -100);
        const log1mX = Math.max(log1p(-xi), -100);
        const l = r(r(r(yi - 1) * log1mX) - r(yi * logX));
        s += w === undefined ? l : r(l * w[i]);
        const denom = Math.max(r(r(1 - xi) * xi), eps);
        const d = r(r(g * r(xi - yi)) / denom);
        const weighted = w === undefined ? d : r(d * w[i]);
        gx[i] = mean ? r(weighted / n) : weighted;
      }
      return s;
    },
    backward: (c) => {
      const [x, y, w] = c.v;
      const r = c.r;
      const eps = r(EPSILON);
      const finish = (v: number, i: number): number => {
        const weighted = w === undefined ? v : r(v * w[i]);
        return mean ? r(weighted / n) : weighted;
      };
      // input and target have one shape, so nothing is summed back.
      return [
        c.wants(0)
          ? c.map((i) => {
            const denom = Math.max(r(r(1 - x[i]) * x[i]), eps);
            return finish(r(r(c.g(i) * r(x[i] - y[i])) / denom), i);
          })
          : null,
        c.wants(1) ? c.map((i) => finish(r(-log(r(x[i] / r(1 - x[i]))) * c.g(i)), i)) : null,
      ];
    },
  });
}

/**
 * `sum` (and with `gx`, `sumWithGrad` for the scalar gradOutput `g`; `count` divides the
 * weighted gradient) for float32, block by block: `log(x)` and `log1p(-x)` from the float32
 * vector log and log1p, bit for bit the scalar loop's `log32` and `log1p32`.
 */
function bceSum32(
  x: Float32Array,
  y: Float32Array,
  w: Float32Array | undefined,
  gx: Float32Array | null,
  g: number,
  count: number,
): number {
  const r = Math.fround;
  if (w === undefined && r(count) === count) return bcePlain32(x, y, gx, g, count);
  const m = mathBlock32();
  const { a, b } = m;
  const eps = r(EPSILON);
  let s = 0;
  for (let start = 0; start < x.length; start += BLOCK) {
    const n = Math.min(BLOCK, x.length - start);
    a.set(x.subarray(start, start + n));
    m.log(0, n);
    for (let j = 0; j < n; j++) b[j] = -x[start + j];
    m.log1p(1, n);
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const xi = x[i];
      const yi = y[i];
      const logX = Math.max(a[j], -100);
      const log1mX = Math.max(b[j], -100);
      const l = r(r(r(yi - 1) * log1mX) - r(yi * logX));
      s += w === undefined ? l : r(l * w[i]);
      if (gx === null) continue;
      const denom = Math.max(r(r(1 - xi) * xi), eps);
      const d = r(r(g * r(xi - yi)) / denom);
      const weighted = w === undefined ? d : r(d * w[i]);
      gx[i] = count === 1 ? weighted : r(weighted / count);
    }
  }
  return s;
}

/**
 * {@linkcode bceSum32} without weights, block by block in WebAssembly (`wasm/explog.wat`):
 * log(x) and log1p(-x) from the vector log and log1p, the loss and gradient in float32 lanes,
 * each step rounded as its loop rounds it. `count` must be a float32 value.
 */
function bcePlain32(
  x: Float32Array,
  y: Float32Array,
  gx: Float32Array | null,
  g: number,
  count: number,
): number {
  const eps = Math.fround(EPSILON);
  return blockLoss32([x, y], gx, (k, at, n) => {
    // 2: log(x); 3: log1p(-x)
    k.log_f32(at[0], at[2], n);
    k.neg_f32(at[0], at[3], n);
    k.log1p_f32(at[3], at[3], n);
    if (gx !== null) k.bce_grad_f32(at[0], at[1], at[4], n, g, eps, count);
    return k.bce_sum_f32(at[0], at[1], at[2], at[3], n);
  });
}

/** PyTorch's check inside the kernel: every input element in [0, 1] (nan fails). */
function checkProbabilities(fn: string, input: Tensor): void {
  const x = hostElements(input) as FloatArray | null;
  if (x === null) {
    fail(
      fn,
      'its input range check needs the input\'s values on the CPU, and this webgpu input was computed on the GPU: upload it with to("webgpu") from the CPU',
      Error,
    );
  }
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] >= 0 && x[i] <= 1)) {
      fail(
        fn,
        `input values must be in [0, 1]: input${indexText(input.shape, i)} is ${x[i]}`,
        RangeError,
      );
    }
  }
}

/**
 * Module form of {@linkcode binaryCrossEntropy}, as `torch.nn.BCELoss`.
 *
 * @example Usage
 * ```ts
 * import { BCELoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new BCELoss({ reduction: "sum" }).forward(tensor([0, 1]), tensor([1, 0]));
 * assert.equal(loss.item(), 200);
 * ```
 */
export class BCELoss {
  readonly #options: BCELossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode binaryCrossEntropy} call.
   */
  constructor(options: BCELossOptions = {}) {
    this.#options = parseOptions("BCELoss", options, BCE_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Probabilities in [0, 1].
   * @param target Targets.
   * @returns The loss, as {@linkcode binaryCrossEntropy}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, this.#options);
  }
}
