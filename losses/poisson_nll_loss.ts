import { runElementwise } from "./_engines/elementwise.ts";
import { BLOCK, blockLoss32, mathBlock32 } from "./_cpu/explog.ts";
import { mathOf } from "./_cpu/math.ts";
import { broadcastShape } from "./_core/broadcast.ts";
import {
  checkBoolean,
  checkFloat,
  checkNumber,
  checkSameDevice,
  checkSameDtype,
} from "./_core/checks.ts";
import {
  type FloatArray,
  parseReduction,
  REDUCTION,
  type Reduction,
  type Rounder,
} from "./_core/reduction.ts";
import { shapeNumel, type Tensor } from "./_core/tensor.ts";
import { BOOLEAN, NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode poissonNllLoss} and {@linkcode PoissonNLLLoss}. */
export interface PoissonNLLLossOptions {
  /** A boolean: whether `input` is the log of the rate (default `true`) or the rate itself. */
  logInput?: boolean;
  /**
   * A boolean: add the Stirling approximation of `log(y!)` where the target exceeds 1.
   * Default `false`.
   */
  full?: boolean;
  /** A number added to the rate before its log when `logInput` is `false`. Default 1e-8. */
  eps?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const POISSON_NLL_OPTIONS: OptionSpec<PoissonNLLLossOptions> = {
  logInput: BOOLEAN,
  full: BOOLEAN,
  eps: NUMBER,
  reduction: REDUCTION,
};

// torch 1.13 (Loss.cpp, poisson_nll_loss, a composite of elementwise ops):
//   l = exp(x) - y * x                              log_input
//   l = x - y * log(x + eps)                        otherwise
//   full: l += (y * log(y) - y + 0.5 * log(2 * pi * y)).masked_fill(y <= 1, 0)
// Gradients follow the ops (mean's grad / numel first); a term that reads x or y alone is
// computed at that operand's shape, so its gradient is summed over the broadcast before its
// own derivative multiplies it. masked_fill zeroes the Stirling
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
 * `logInput: false` gives nan. Shapes that broadcast compute over the broadcast shape; as in
 * PyTorch, terms of one operand (`exp(x)`, `log(x + eps)`, the Stirling term) are
 * differentiated at that operand's shape, so a broadcast over no elements still gives nan
 * where `0 * inf` or `0 / 0` meets them.
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
  options = parseOptions(fn, options, POISSON_NLL_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const logInput = checkBoolean(fn, "logInput", options.logInput, true);
  const full = checkBoolean(fn, "full", options.full, false);
  const eps = checkNumber(fn, "eps", options.eps ?? 1e-8);
  checkFloat(fn, { input, target });
  checkSameDevice(fn, { input, target });
  checkSameDtype(fn, { input, target });
  const shape = broadcastShape(fn, { input, target });
  const n = shapeNumel(shape);
  const gradFn = reduction === "none"
    ? (full ? "AddBackward0" : "SubBackward0")
    : reduction === "mean"
    ? "MeanBackward0"
    : "SumBackward0";
  // The Stirling term and its gradient, masked where y <= 1 (a nan y is not masked).
  const stirling = `
fn masked(y: f32, v: f32) -> f32 { return select(v, 0.0, !is_nan(y) && y <= 1.0); }
fn stirling(y: f32) -> f32 {
  return masked(y, ((y * log_f32(y)) - y) + 0.5 * log_f32(params.two_pi * y));
}`;
  const { exp, log } = mathOf(input.dtype); // float32 in float32, as the kernels
  return runElementwise({
    fn,
    gradFn,
    wgsl: {
      vars: ["x", "y"],
      params: { eps, two_pi: TWO_PI, count: reduction === "mean" ? n : 1 },
      functions: full ? stirling : undefined,
      forward: `  let l = ${logInput ? "exp_f32(x) - y * x" : "x - y * log_f32(x + params.eps)"};
  return ${full ? "l + stirling(y)" : "l"};`,
      // g / count is the mean's grad / numel; s0, s1 are sums over the broadcast to the
      // operand's shape, finished by the factors computed at that shape.
      backward: [
        {
          terms: ["  return -(g / params.count) * y;", "  return g / params.count;"],
          finish: logInput
            ? "  return s1 * exp_f32(x) + s0;"
            : "  return s1 + s0 / (x + params.eps);",
        },
        full
          ? {
            terms: [
              `  return -(g / params.count) * ${logInput ? "x" : "log_f32(x + params.eps)"};`,
              "  return g / params.count;",
            ],
            finish: `  let gs = masked(y, s1);
  let from_mul = gs * log_f32(y);
  let from_log = select((gs * y) / y, nan_f32(), y == 0.0 || is_inf(y));
  let from_half_log = ((gs * 0.5) / (params.two_pi * y)) * params.two_pi;
  return (((s0 + from_mul) + from_log) - gs) + from_half_log;`,
          }
          : `  return -(g / params.count) * ${logInput ? "x" : "log_f32(x + params.eps)"};`,
      ],
    },
    shape,
    reduction,
    operands: [input, target],
    differentiable: [0, 1],
    forward: ([x, y], out, r) => {
      const epsR = r(eps);
      const twoPi = r(TWO_PI);
      for (let i = 0; i < out.length; i++) {
        out[i] = poissonLoss(x[i], y[i], logInput, full, epsR, twoPi, r);
      }
    },
    sum: ([x, y], r) => {
      if (x instanceof Float32Array) {
        return poissonSum32(x, y as Float32Array, null, 0, logInput, full, r(eps), r(TWO_PI));
      }
      const epsR = r(eps);
      const twoPi = r(TWO_PI);
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        s += poissonLoss(x[i], y[i], logInput, full, epsR, twoPi, r);
      }
      return s;
    },
    // input has the broadcast shape here, so its terms need no sum over the broadcast.
    sumWithGrad: ([x, y], gx, g, r) => {
      const epsR = r(eps);
      const twoPi = r(TWO_PI);
      const gi = reduction === "mean" ? r(g / n) : g;
      if (x instanceof Float32Array) {
        return poissonSum32(
          x,
          y as Float32Array,
          gx as Float32Array,
          gi,
          logInput,
          full,
          epsR,
          twoPi,
        );
      }
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i];
        const yi = y[i];
        s += poissonLoss(xi, yi, logInput, full, epsR, twoPi, r);
        const fromMul = r(-gi * yi);
        gx[i] = logInput ? r(r(gi * exp(xi)) + fromMul) : r(gi + r(fromMul / r(xi + epsR)));
      }
      return s;
    },
    backward: (c) => {
      const [x, y] = c.v;
      const r = c.r;
      const epsR = r(eps);
      const twoPi = r(TWO_PI);
      const g = c.map(reduction === "mean" ? (i) => r(c.g(i) / n) : c.g);
      // exp(x), x + eps and log(x + eps) are computed at x's shape, the Stirling term at y's:
      // their gradients are summed over the broadcast before their own factors apply.
      let gx: FloatArray | null = null;
      if (c.wants(0)) {
        const fromMul = c.sumTo(0, c.map((i) => r(-g[i] * y[i])));
        const fromFirst = c.sumTo(0, g);
        const xOwn = c.own(0);
        gx = fromMul; // a new array (fromFirst may be g itself), each element read first
        for (let j = 0; j < gx.length; j++) {
          gx[j] = logInput
            ? r(r(fromFirst[j] * exp(xOwn[j])) + fromMul[j])
            : r(fromFirst[j] + r(fromMul[j] / r(xOwn[j] + epsR)));
        }
      }
      let gy: FloatArray | null = null;
      if (c.wants(1)) {
        gy = c.sumTo(
          1,
          c.map((i) => r(-g[i] * (logInput ? x[i] : log(r(x[i] + epsR))))),
        );
        if (full) {
          // y * log(y) - y + 0.5 * log(2 pi y), its gradient masked where y <= 1.
          const gSum = c.sumTo(1, g);
          const yOwn = c.own(1);
          for (let j = 0; j < gy.length; j++) {
            const yj = yOwn[j];
            const gs = yj <= 1 ? 0 : gSum[j];
            const fromMul = r(gs * log(yj));
            const fromLog = r(r(gs * yj) / yj);
            const fromHalfLog = r(r(r(gs * 0.5) / r(twoPi * yj)) * twoPi);
            gy[j] = r(r(r(gy[j] + fromMul) + fromLog) - gs) + fromHalfLog;
          }
        }
      }
      return [gx, gy];
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
    this.#options = parseOptions("PoissonNLLLoss", options, POISSON_NLL_OPTIONS, "create");
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

/** One element's loss; `epsR` and `twoPi` already rounded to the dtype. */
function poissonLoss(
  x: number,
  y: number,
  logInput: boolean,
  full: boolean,
  epsR: number,
  twoPi: number,
  r: Rounder,
): number {
  const { exp, log } = mathOf(r);
  const l = logInput ? r(exp(x) - r(y * x)) : r(x - r(y * log(r(x + epsR))));
  if (!full) return l;
  const stirling = y <= 1 ? 0 : r(r(r(y * log(y)) - y) + r(0.5 * log(r(twoPi * y))));
  return r(l + stirling);
}

/**
 * The float32 sum of the losses, block by block with the vector exp and log (`_cpu/explog.ts`),
 * each step rounded as {@linkcode poissonLoss} rounds it; with `gx`, also the input's gradient
 * for the scalar gradOutput `gi` (already over the mean's numel), as `sumWithGrad` gives it.
 */
function poissonSum32(
  x: Float32Array,
  y: Float32Array,
  gx: Float32Array | null,
  gi: number,
  logInput: boolean,
  full: boolean,
  epsR: number,
  twoPi: number,
): number {
  const r = Math.fround;
  if (logInput && !full) return poissonLog32(x, y, gx, gi);
  const m = mathBlock32();
  const { a, b, c } = m;
  const fromMulScale = r(-gi);
  let s = 0;
  for (let start = 0; start < x.length; start += BLOCK) {
    const n = Math.min(BLOCK, x.length - start);
    // a: exp(x), or log(x + eps) (the float32 store rounds x + eps)
    if (logInput) {
      for (let j = 0; j < n; j++) a[j] = x[start + j];
      m.exp(0, n);
    } else {
      for (let j = 0; j < n; j++) a[j] = x[start + j] + epsR;
      m.log(0, n);
    }
    if (full) {
      // b: log(y), c: log(2 pi y), read where y > 1 only
      for (let j = 0; j < n; j++) {
        const yj = y[start + j];
        b[j] = yj;
        c[j] = twoPi * yj;
      }
      m.log(1, n);
      m.log(2, n);
    }
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const xi = x[i];
      const yi = y[i];
      let l = logInput ? r(a[j] - r(yi * xi)) : r(xi - r(yi * a[j]));
      if (full) {
        const stirling = yi <= 1 ? 0 : r(r(r(yi * b[j]) - yi) + r(0.5 * c[j]));
        l = r(l + stirling);
      }
      s += l;
      if (gx !== null) {
        const fromMul = r(fromMulScale * yi);
        // x + eps recomputed: a holds its log
        gx[i] = logInput ? r(r(gi * a[j]) + fromMul) : r(gi + r(fromMul / r(xi + epsR)));
      }
    }
  }
  return s;
}

/**
 * {@linkcode poissonSum32} for log input without Stirling's term (the default), block by block
 * in WebAssembly (`wasm/explog.wat`): exp(x) with the float32 exp's steps, the loss and
 * gradient in float32 lanes in the same kernel, each step rounded as that loop rounds it.
 */
function poissonLog32(
  x: Float32Array,
  y: Float32Array,
  gx: Float32Array | null,
  gi: number,
): number {
  // one pass a block: exp(x), the loss and the gradient
  return blockLoss32(
    [x, y],
    gx,
    (k, at, n) =>
      gx === null
        ? k.poisson_log_fused_f32(at[0], at[1], n)
        : k.poisson_log_fused_grad_f32(at[0], at[1], at[4], n, gi, Math.fround(-gi)),
  );
}
