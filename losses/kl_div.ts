import { runElementwise } from "./_engines/elementwise.ts";
import { broadcastShape } from "./_core/broadcast.ts";
import { blockLoss32 } from "./_cpu/explog.ts";
import { mathOf } from "./_cpu/math.ts";
import { checkBoolean, checkFloat, checkSameDevice, checkSameDtype, fail } from "./_core/checks.ts";
import type { Reduction, Rounder } from "./_core/reduction.ts";
import { shapeNumel, type Tensor } from "./_core/tensor.ts";
import { BOOLEAN, oneOf, type OptionSpec, parseOptions } from "./_core/options.ts";

/**
 * {@linkcode klDiv}'s reductions: the three shared ones plus `"batchmean"`, the sum over the
 * input's first dimension's size (the mathematical KL divergence per sample).
 */
export type KLDivReduction = Reduction | "batchmean";

/** Options for {@linkcode klDiv} and {@linkcode KLDivLoss}. */
export interface KLDivLossOptions {
  /** `"none"`, `"mean"` (default), `"sum"` or `"batchmean"`. */
  reduction?: KLDivReduction;
  /** A boolean: whether `target` holds log-probabilities. Default `false`. */
  logTarget?: boolean;
}

const KL_DIV_OPTIONS: OptionSpec<KLDivLossOptions> = {
  reduction: oneOf(["none", "mean", "sum", "batchmean"]),
  logTarget: BOOLEAN,
};

// torch 1.13 (Loss.cpp, kl_div, a composite of elementwise ops; functional.py for batchmean):
//   l = xlogy(y, y) - y * x          xlogy(y, y) = 0 where y == 0, nan where y is nan
//   l = exp(y) * (y - x)             log_target
//   batchmean: sum(l) / input.size(0) (just the sum for a 0-d input)
// Gradients follow the ops (mean's grad / numel and batchmean's grad / batch come first);
// S sums over the broadcast dimensions to y's shape, where xlogy(y, y) and exp(y) live:
//   grad_x = -g * y                  grad_y = S(-g * x) + xlogy(S(g), y) + (S(g) * y) / y
//   (xlogy(S(g), y) masked to 0 where y == 0: derivatives.yaml's gradient for xlogy's self)
//   grad_x = -(g * exp(y))           grad_y = S(g * (y - x)) * exp(y) + S(g * exp(y))  (log_target)

/** PyTorch's xlogy: nan where y is nan, else 0 where x is 0, else x * log(y). */
function xlogy(x: number, y: number, r: Rounder): number {
  return Number.isNaN(y) ? NaN : x === 0 ? 0 : r(x * mathOf(r).log(y));
}

/**
 * `sum` (and with `gx`, `sumWithGrad` for the scalar `gi`, the mean's 1 / n applied) for
 * float32, block by block in WebAssembly (`wasm/explog.wat`): `exp(y)` (logTarget) or `log(y)`
 * (xlogy's) from the vector kernels, the loss and gradient in float32 lanes, each step
 * rounded as {@linkcode xlogy} and the scalar loop round it.
 */
function klSum32(
  x: Float32Array,
  y: Float32Array,
  logTarget: boolean,
  gx: Float32Array | null,
  gi: number,
): number {
  return blockLoss32([x, y], gx, (k, at, n) => {
    // 2: exp(y), or log(y)
    if (logTarget) {
      k.exp_f32(at[1], at[2], n);
      if (gx !== null) k.kl_log_target_grad_f32(at[2], at[4], n, gi);
      return k.kl_log_target_sum_f32(at[0], at[1], at[2], n);
    }
    k.log_f32(at[1], at[2], n);
    if (gx !== null) k.kl_grad_f32(at[1], at[4], n, gi);
    return k.kl_sum_f32(at[0], at[1], at[2], n);
  });
}

function parseKLReduction(fn: string, value: unknown = "mean"): KLDivReduction {
  if (value === "none" || value === "mean" || value === "sum" || value === "batchmean") {
    return value;
  }
  fail(
    fn,
    `reduction must be "none", "mean", "sum" or "batchmean": current value is ${
      typeof value === "string" ? JSON.stringify(value) : String(value)
    }`,
    RangeError,
  );
}

/**
 * Kullback-Leibler divergence, as `torch.nn.functional.kl_div`: `input` holds
 * log-probabilities, `target` probabilities (or log-probabilities with `logTarget`).
 *
 * ```text
 * l_n = y_n * (log(y_n) - x_n)              (0 where y_n = 0)
 * l_n = exp(y_n) * (y_n - x_n)              logTarget
 *        reduction: "none" | "mean" (default) | "sum" | "batchmean" (sum / input.shape[0])
 * ```
 *
 * As in PyTorch, `"mean"` divides by the number of elements, not by the batch size (PyTorch
 * warns about this; `"batchmean"` gives the true KL divergence). A target of 0 contributes 0
 * to the loss (PyTorch's `xlogy`), but its gradient is nan (`(g * y) / y` at `y = 0`), and a
 * negative target gives nan. The target takes a gradient, as in PyTorch. Shapes that
 * broadcast compute over the broadcast shape; as in PyTorch, the target's own terms are
 * differentiated at the target's shape, so a broadcast over no elements still gives nan
 * where `0 * inf` or `0 / 0` meets them.
 *
 * @example Usage
 * ```ts
 * import { klDiv, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const logQ = tensor([[Math.log(0.5), Math.log(0.5)]], { dtype: "float64" });
 * const p = tensor([[1, 0]], { dtype: "float64" });
 * assert.equal(klDiv(logQ, p, { reduction: "batchmean" }).item(), Math.LN2);
 * ```
 *
 * @param input Log-probabilities, any shape, float32 or float64.
 * @param target The same dtype, a shape that broadcasts with `input`.
 * @param options `reduction`, `logTarget`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes are not one float dtype, the shapes do not broadcast, or
 *   `logTarget` is not a boolean.
 * @throws {RangeError} If `reduction` is not one of the four.
 */
export function klDiv(input: Tensor, target: Tensor, options: KLDivLossOptions = {}): Tensor {
  const fn = "klDiv";
  options = parseOptions(fn, options, KL_DIV_OPTIONS);
  const reduction = parseKLReduction(fn, options.reduction);
  const logTarget = checkBoolean(fn, "logTarget", options.logTarget, false);
  checkFloat(fn, { input, target });
  checkSameDevice(fn, { input, target });
  checkSameDtype(fn, { input, target });
  const shape = broadcastShape(fn, { input, target });
  // batchmean divides the sum by input.shape[0], except for a 0-d input (just the sum).
  const divides = reduction === "batchmean" && input.shape.length > 0;
  const n = shapeNumel(shape);
  const gradFn = reduction === "none"
    ? (logTarget ? "MulBackward0" : "SubBackward0")
    : reduction === "mean"
    ? "MeanBackward0"
    : divides
    ? "DivBackward0"
    : "SumBackward0";
  const { exp } = mathOf(input.dtype); // float32 in float32, as the kernels
  return runElementwise({
    fn,
    gradFn,
    wgsl: {
      vars: ["x", "y"],
      params: { count: reduction === "mean" ? n : 1 },
      // times_over(s, y) = (s * y) / y, nan at y = 0 and y = ±inf as there, whatever a compiler
      // that assumes finite floats makes of the quotient.
      functions: `
fn times_over(s: f32, y: f32) -> f32 {
  return select((s * y) / y, nan_f32(), y == 0.0 || is_inf(y));
}
fn xlogy(a: f32, y: f32) -> f32 {
  if (is_nan(y)) { return nan_f32(); }
  if (a == 0.0) { return 0.0; }
  return a * log_f32(y);
}`,
      forward: logTarget ? "  return exp_f32(y) * (y - x);" : "  return xlogy(y, y) - y * x;",
      // g / count is the mean's grad / numel; s0, s1 are sums over the broadcast to y's shape.
      backward: logTarget
        ? [
          "  return -((g / params.count) * exp_f32(y));",
          {
            terms: [
              "  return (g / params.count) * (y - x);",
              "  return (g / params.count) * exp_f32(y);",
            ],
            finish: "  return s0 * exp_f32(y) + s1;",
          },
        ]
        : [
          "  return -(g / params.count) * y;",
          {
            terms: ["  return -(g / params.count) * x;", "  return g / params.count;"],
            finish: `  let from_self = select(xlogy(s1, y), 0.0, y == 0.0);
  return (s0 + from_self) + times_over(s1, y);`,
          },
        ],
    },
    shape,
    reduction: reduction === "batchmean" ? "sum" : reduction,
    divisor: divides ? input.shape[0] : 1,
    operands: [input, target],
    differentiable: [0, 1],
    forward: ([x, y], out, r) => {
      for (let i = 0; i < out.length; i++) {
        const yi = y[i];
        if (logTarget) {
          out[i] = exp(yi) * r(yi - x[i]);
        } else {
          out[i] = xlogy(yi, yi, r) - r(yi * x[i]);
        }
      }
    },
    sum: ([x, y], r) => {
      if (x instanceof Float32Array) return klSum32(x, y as Float32Array, logTarget, null, 0);
      let s = 0;
      if (logTarget) {
        for (let i = 0; i < x.length; i++) s += r(exp(y[i]) * r(y[i] - x[i]));
      } else {
        for (let i = 0; i < x.length; i++) s += r(xlogy(y[i], y[i], r) - r(y[i] * x[i]));
      }
      return s;
    },
    // input has the broadcast shape here, so its gradient needs no sum over the broadcast.
    sumWithGrad: ([x, y], gx, g, r) => {
      const gi = reduction === "mean" ? r(g / n) : g;
      if (x instanceof Float32Array) {
        return klSum32(x, y as Float32Array, logTarget, gx as Float32Array, gi);
      }
      let s = 0;
      if (logTarget) {
        for (let i = 0; i < x.length; i++) {
          const e = exp(y[i]);
          s += r(e * r(y[i] - x[i]));
          gx[i] = -r(gi * e);
        }
      } else {
        for (let i = 0; i < x.length; i++) {
          const yi = y[i];
          s += r(xlogy(yi, yi, r) - r(yi * x[i]));
          gx[i] = -gi * yi;
        }
      }
      return s;
    },
    backward: (c) => {
      const [x, y] = c.v;
      const r = c.r;
      const g = c.map(reduction === "mean" ? (i) => r(c.g(i) / n) : c.g);
      const yOwn = c.own(1);
      if (logTarget) {
        // exp(y) is computed at y's shape: its gradient is summed before the factor exp(y).
        const gE = c.map((i) => r(g[i] * exp(y[i])));
        const gy = c.wants(1) ? c.sumTo(1, c.map((i) => r(g[i] * r(y[i] - x[i])))) : null;
        if (gy !== null) {
          const fromSub = c.sumTo(1, gE);
          for (let j = 0; j < gy.length; j++) {
            gy[j] = r(gy[j] * exp(yOwn[j])) + fromSub[j];
          }
        }
        return [c.wants(0) ? c.sumTo(0, c.map((i) => -gE[i])) : null, gy];
      }
      // xlogy(y, y) is computed at y's shape, y * x at the broadcast shape.
      const gy = c.wants(1) ? c.sumTo(1, c.map((i) => r(-g[i] * x[i]))) : null;
      if (gy !== null) {
        const gSelf = c.sumTo(1, g);
        for (let j = 0; j < gy.length; j++) {
          const yj = yOwn[j];
          const fromSelf = yj === 0 ? 0 : xlogy(gSelf[j], yj, r);
          const fromOther = r(r(gSelf[j] * yj) / yj);
          gy[j] = r(gy[j] + fromSelf) + fromOther;
        }
      }
      return [c.wants(0) ? c.sumTo(0, c.map((i) => r(-g[i] * y[i]))) : null, gy];
    },
  });
}

/**
 * Module form of {@linkcode klDiv}, as `torch.nn.KLDivLoss`.
 *
 * @example Usage
 * ```ts
 * import { KLDivLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new KLDivLoss({ reduction: "sum", logTarget: true });
 * assert.equal(loss.forward(tensor([0, 0]), tensor([0, 0])).item(), 0);
 * ```
 */
export class KLDivLoss {
  readonly #options: KLDivLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode klDiv} call.
   */
  constructor(options: KLDivLossOptions = {}) {
    this.#options = parseOptions("KLDivLoss", options, KL_DIV_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Log-probabilities.
   * @param target Probabilities, or log-probabilities with `logTarget`.
   * @returns The loss, as {@linkcode klDiv}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.#options);
  }
}
