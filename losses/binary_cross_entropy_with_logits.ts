import { checkElementWeight, checkSameShape, runElementwise } from "./_engines/elementwise.ts";
import { checkFloat, checkSameDevice, checkSameDtype, TENSOR_OR_NULL } from "./_core/checks.ts";
import { BLOCK, blockLoss32, mathBlock32 } from "./_cpu/explog.ts";
import { mathOf } from "./_cpu/math.ts";
import { parseReduction, REDUCTION, type Reduction, type Rounder } from "./_core/reduction.ts";
import type { Tensor } from "./_core/tensor.ts";
import { type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode binaryCrossEntropyWithLogits} and {@linkcode BCEWithLogitsLoss}. */
export interface BCEWithLogitsLossOptions {
  /**
   * `Tensor | null`: rescales each element's loss; broadcasts to the input's shape. Default
   * (also for `null`, as PyTorch's `None`) all 1.
   */
  weight?: Tensor | null;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
  /**
   * `Tensor | null`: weight of the positive term (one per class, say); broadcasts to the
   * input's shape. Default (also for `null`) all 1.
   */
  posWeight?: Tensor | null;
}

const BCE_WITH_LOGITS_OPTIONS: OptionSpec<BCEWithLogitsLossOptions> = {
  weight: TENSOR_OR_NULL,
  reduction: REDUCTION,
  posWeight: TENSOR_OR_NULL,
};

// torch 1.13 (Loss.cpp, binary_cross_entropy_with_logits and _backward; FunctionsManual.cpp,
// binary_cross_entropy_with_logits_target_backward):
//   m = max(-x, 0)
//   l = (1 - y) * x + m + log(exp(-m) + exp(-x - m))                  without pos_weight
//   l = (1 - y) * x + lw * (log(exp(-m) + exp(-x - m)) + m),  lw = (p - 1) * y + 1
//   l *= w ; then the reduction
//   grad_input  = (sigmoid(x) - y) * g,  or ((p y + 1 - y) * sigmoid(x) - p y) * g
//   grad_target = -x * g,                or (log_sigmoid(-x) - log_sigmoid(x) * p) * g
//   each then *= w and /= numel for "mean"

/** One element's loss before the weight: `posWeight`'s `p` is `undefined` when absent. */
function logitsLoss(x: number, y: number, p: number | undefined, r: Rounder): number {
  const { exp, log } = mathOf(r);
  const m = Math.max(-x, 0);
  const logTerm = log(r(exp(-m) + exp(r(-x - m))));
  const linear = r(r(1 - y) * x);
  if (p === undefined) return r(r(linear + m) + logTerm);
  const logWeight = r(r(r(p - 1) * y) + 1);
  return r(linear + r(logWeight * r(logTerm + m)));
}

/** 1 / (1 + exp(-x)), as PyTorch's CPU sigmoid. */
function sigmoid(x: number, r: Rounder): number {
  const { exp } = mathOf(r);
  return r(1 / r(1 + exp(-x)));
}

/** min(x, 0) - log1p(exp(-|x|)): finite for large |x|, -inf at -inf. */
function logSigmoid(x: number, r: Rounder): number {
  const { exp, log1p } = mathOf(r);
  return r(Math.min(x, 0) - log1p(exp(-Math.abs(x))));
}

/**
 * `sum` (and with `gx`, `sumWithGrad`) for float32 operands `v` (x, y, then the weights at
 * `wAt` and `pAt`, -1 when absent), block by block: {@linkcode logitsLoss} and the input's
 * gradient step for step, their exps and log from the vector kernels. `count` divides the
 * weighted gradient (the mean's numel, else 1).
 */
function logitsSum32(
  v: Float32Array[],
  wAt: number,
  pAt: number,
  gx: Float32Array | null,
  g: number,
  count: number,
): number {
  const r = Math.fround;
  const [x, y] = v;
  if (wAt < 0 && pAt < 0 && r(count) === count) return logitsPlain32(x, y, gx, g, count);
  const w = wAt < 0 ? null : v[wAt];
  const p = pAt < 0 ? null : v[pAt];
  const mb = mathBlock32();
  const { a, c } = mb;
  let s = 0;
  for (let start = 0; start < x.length; start += BLOCK) {
    const n = Math.min(BLOCK, x.length - start);
    // c: log(exp(-m) + exp(-x - m)), m = max(-x, 0). One of the two exps is exp(0) = 1 and the
    // other exp(-|x|), but at x = -inf, where -x - m is inf - inf: nan.
    for (let j = 0; j < n; j++) a[j] = -Math.abs(x[start + j]);
    mb.exp(0, n);
    // (xi - xi is that nan: a NaN literal here makes V8 run the loop several times slower)
    for (let j = 0; j < n; j++) {
      const xi = x[start + j];
      c[j] = xi === -Infinity ? xi - xi : 1 + a[j];
    }
    mb.log(2, n);
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const xi = x[i];
      const yi = y[i];
      const m = Math.max(-xi, 0);
      const linear = r(r(1 - yi) * xi);
      const l = p === null
        ? r(r(linear + m) + c[j])
        : r(linear + r(r(r(r(p[i] - 1) * yi) + 1) * r(c[j] + m)));
      s += w === null ? l : r(l * w[i]);
    }
    if (gx === null) continue;
    // a: exp(-x), sigmoid's
    for (let j = 0; j < n; j++) a[j] = -x[start + j];
    mb.exp(0, n);
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const yi = y[i];
      const sig = r(1 / r(1 + a[j]));
      let d: number;
      if (p === null) {
        d = r(sig - yi);
      } else {
        const t = r(p[i] * yi);
        d = r(r(r(r(t + 1) - yi) * sig) - t);
      }
      const value = r(d * g);
      const weighted = w === null ? value : r(value * w[i]);
      gx[i] = count === 1 ? weighted : r(weighted / count);
    }
  }
  return s;
}

/**
 * {@linkcode logitsSum32} without weights, block by block in WebAssembly (`wasm/explog.wat`):
 * exp(-|x|), its log1p and exp(-x) with the float32 exp's and log's steps, the loss and
 * gradient in float32 lanes, each step rounded as that loop rounds it, in two kernels. `count`
 * must be a float32 value.
 */
function logitsPlain32(
  x: Float32Array,
  y: Float32Array,
  gx: Float32Array | null,
  g: number,
  count: number,
): number {
  return blockLoss32([x, y], gx, (k, at, n) => {
    // one pass for exp(-|x|), log(1 + exp(-|x|)) (nan at x = -inf) and the loss, one for
    // exp(-x), sigmoid's, and the gradient
    const s = k.bce_logits_fused_f32(at[0], at[1], n);
    if (gx !== null) k.bce_logits_fused_grad_f32(at[0], at[1], at[4], n, g, count);
    return s;
  });
}

/**
 * Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`:
 * the sigmoid and the log folded into one stable formula.
 *
 * ```text
 * l_n = -w_n * (p_n * y_n * log(sigmoid(x_n)) + (1 - y_n) * log(1 - sigmoid(x_n)))
 * computed as PyTorch does, with m = max(-x_n, 0):
 * l_n = w_n * ((1 - y_n) * x_n + (1 + (p_n - 1) * y_n) * (log(exp(-m) + exp(-x_n - m)) + m))
 *        reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * Logits of any finite size give finite values (no overflow in the exponentials), but, as in
 * PyTorch's literal formula, an infinite logit gives nan wherever `(1 - y) * x` or the log
 * term meets `0 * inf`. The target gets a gradient too (`-x` times the weights, or PyTorch's
 * log-sigmoid form with `posWeight`). `weight` and `posWeight` take no gradient.
 *
 * @example Usage
 * ```ts
 * import { binaryCrossEntropyWithLogits, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([0, 1000], { dtype: "float64" });
 * const y = tensor([1, 0], { dtype: "float64" });
 * assert.deepEqual(binaryCrossEntropyWithLogits(x, y, { reduction: "none" }).toArray(), [Math.LN2, 1000]);
 * ```
 *
 * @param input Logits, any shape, float32 or float64.
 * @param target The same shape and dtype: probabilities of the positive class.
 * @param options `weight`, `reduction`, `posWeight`.
 * @returns A 0-d tensor, or the input's shape when `reduction` is `"none"`.
 * @throws {TypeError} If dtypes differ or are not float, the shapes differ, or `weight` or
 *   `posWeight` does not broadcast to the input's shape or requires grad.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BCEWithLogitsLossOptions = {},
): Tensor {
  const fn = "binaryCrossEntropyWithLogits";
  options = parseOptions(fn, options, BCE_WITH_LOGITS_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  checkFloat(fn, { input, target });
  checkSameDtype(fn, { input, target });
  checkSameShape(fn, input, target);
  const weight = checkElementWeight(fn, "weight", options.weight, input);
  const posWeight = checkElementWeight(fn, "posWeight", options.posWeight, input);
  checkSameDevice(fn, { input, target, weight, posWeight });
  const n = input.numel;
  const mean = reduction === "mean";
  // Operands: x, y, then the weights that are present; -1 marks an absent one.
  const operands = [input, target];
  const wAt = weight === null ? -1 : operands.push(weight) - 1;
  const pAt = posWeight === null ? -1 : operands.push(posWeight) - 1;
  // The WGSL names: x, y, then w and p when present; w multiplies, the mean's 1 / n divides last.
  const vars = ["x", "y"];
  if (weight !== null) vars.push("w");
  if (posWeight !== null) vars.push("p");
  const finish = (v: string): string =>
    `  return (${weight === null ? v : `(${v}) * w`}) / params.count;`;
  return runElementwise({
    fn,
    gradFn: "BinaryCrossEntropyWithLogitsBackward0",
    wgsl: {
      vars,
      params: { count: mean ? n : 1 },
      // Math.max(-x, 0) and Math.min(x, 0) keep a nan.
      functions: `
fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp_f32(-x)); }
fn log_sigmoid(x: f32) -> f32 {
  return select(min(x, 0.0), x, is_nan(x)) - log1p_f32(exp_f32(-abs(x)));
}`,
      forward: `  let m = select(max(-x, 0.0), -x, is_nan(x));
  let log_term = log_f32(exp_f32(-m) + exp_f32(-x - m));
  let linear = (1.0 - y) * x;
  ${
        posWeight === null
          ? "let l = (linear + m) + log_term;"
          : "let l = linear + (((p - 1.0) * y) + 1.0) * (log_term + m);"
      }
  return ${weight === null ? "l" : "l * w"};`,
      backward: [
        posWeight === null
          ? finish("(sigmoid(x) - y) * g")
          : `  let t = p * y;\n${finish("((((t + 1.0) - y) * sigmoid(x)) - t) * g")}`,
        finish(posWeight === null ? "-x * g" : "(log_sigmoid(-x) - log_sigmoid(x) * p) * g"),
        null,
        null,
      ],
    },
    shape: input.shape,
    reduction,
    operands,
    differentiable: [0, 1],
    forward: (v, out, r) => {
      const [x, y] = v;
      const w = v[wAt];
      const p = v[pAt];
      for (let i = 0; i < out.length; i++) {
        const l = logitsLoss(x[i], y[i], p === undefined ? undefined : p[i], r);
        out[i] = w === undefined ? l : r(l * w[i]);
      }
    },
    sum: (v, r) => {
      const [x, y] = v;
      const w = v[wAt];
      const p = v[pAt];
      if (x instanceof Float32Array) return logitsSum32(v as Float32Array[], wAt, pAt, null, 0, 1);
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const l = logitsLoss(x[i], y[i], p === undefined ? undefined : p[i], r);
        s += w === undefined ? l : r(l * w[i]);
      }
      return s;
    },
    sumWithGrad: (v, gx, g, r) => {
      const [x, y] = v;
      const w = v[wAt];
      const p = v[pAt];
      if (x instanceof Float32Array) {
        return logitsSum32(v as Float32Array[], wAt, pAt, gx as Float32Array, g, mean ? n : 1);
      }
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i];
        const yi = y[i];
        const l = logitsLoss(xi, yi, p === undefined ? undefined : p[i], r);
        s += w === undefined ? l : r(l * w[i]);
        let d: number;
        if (p === undefined) {
          d = r(sigmoid(xi, r) - yi);
        } else {
          const t = r(p[i] * yi);
          d = r(r(r(r(t + 1) - yi) * sigmoid(xi, r)) - t);
        }
        const value = r(d * g);
        const weighted = w === undefined ? value : r(value * w[i]);
        gx[i] = mean ? r(weighted / n) : weighted;
      }
      return s;
    },
    backward: (c) => {
      const [x, y] = c.v;
      const w = c.v[wAt];
      const p = c.v[pAt];
      const r = c.r;
      const finish = (value: number, i: number): number => {
        const weighted = w === undefined ? value : r(value * w[i]);
        return mean ? r(weighted / n) : weighted;
      };
      // input and target have one shape, so nothing is summed back.
      return [
        c.wants(0)
          ? c.map((i) => {
            const xi = x[i];
            let d: number;
            if (p === undefined) {
              d = r(sigmoid(xi, r) - y[i]);
            } else {
              const t = r(p[i] * y[i]);
              d = r(r(r(r(t + 1) - y[i]) * sigmoid(xi, r)) - t);
            }
            return finish(r(d * c.g(i)), i);
          })
          : null,
        c.wants(1)
          ? c.map((i) => {
            const xi = x[i];
            const d = p === undefined ? -xi : r(logSigmoid(-xi, r) - r(logSigmoid(xi, r) * p[i]));
            return finish(r(d * c.g(i)), i);
          })
          : null,
      ];
    },
  });
}

/**
 * Module form of {@linkcode binaryCrossEntropyWithLogits}, as `torch.nn.BCEWithLogitsLoss`.
 *
 * @example Usage
 * ```ts
 * import { BCEWithLogitsLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const posWeight = tensor([3]);
 * const loss = new BCEWithLogitsLoss({ posWeight }).forward(tensor([0]), tensor([1]));
 * assert.equal(loss.item(), Math.fround(3 * Math.LN2));
 * ```
 */
export class BCEWithLogitsLoss {
  readonly #options: BCEWithLogitsLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode binaryCrossEntropyWithLogits} call.
   */
  constructor(options: BCEWithLogitsLossOptions = {}) {
    this.#options = parseOptions("BCEWithLogitsLoss", options, BCE_WITH_LOGITS_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Logits.
   * @param target Targets.
   * @returns The loss, as {@linkcode binaryCrossEntropyWithLogits}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.#options);
  }
}
