import { record } from "./_core/autograd.ts";
import {
  checkFloat,
  checkInteger,
  checkSameDevice,
  checkTensor,
  describe,
  fail,
} from "./_core/checks.ts";
import {
  type FloatArray,
  floatStorage,
  parseReduction,
  reduceLosses,
  REDUCTION,
  type Reduction,
  type Rounder,
  rounder,
  takeFloat,
} from "./_core/reduction.ts";
import { isArrayValue } from "./_core/describe.ts";
import { cpuStorage, formatShape, isTensor, Tensor } from "./_core/tensor.ts";
import { ctcLossWebgpu, hostValues } from "./_webgpu/ctc_loss.ts";
import { ctcLanes } from "./_cpu/ctc_rows.ts";
import { BLOCK, mathBlock32 } from "./_cpu/explog.ts";
import { BOOLEAN, INTEGER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode ctcLoss} and {@linkcode CTCLoss}. */
export interface CTCLossOptions {
  /** An integer, the blank label, in [0, C). Default 0. */
  blank?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
  /**
   * A boolean: turn infinite losses (impossible alignments) and their gradients into 0.
   * Default false.
   */
  zeroInfinity?: boolean;
}

const CTC_OPTIONS: OptionSpec<CTCLossOptions> = {
  blank: INTEGER,
  reduction: REDUCTION,
  zeroInfinity: BOOLEAN,
};

/**
 * Sequence lengths for {@linkcode ctcLoss}: an int64 tensor with one element per batch item
 * (any shape, a 0-d tensor when unbatched), or a plain array of integers. Both lengths must
 * be of the same kind, as in PyTorch.
 */
export type CTCLengths = Tensor | readonly number[];

// torch 1.13 (LossCTC.cpp, ctc_loss_cpu_template / ctc_loss_backward_cpu_template), with
// the extended label sequence l' = (blank, l_1, blank, l_2, ..., l_L, blank) of length 2L+1:
//   alpha_0(0) = lp_0(blank), alpha_0(1) = lp_0(l'_1), alpha_0(s) = -inf otherwise
//   alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1),
//                          alpha_{t-1}(s-2) if l'_s != l'_{s-2}) + lp_t(l'_s)
//   nll = -logsumexp(alpha_{T-1}(2L), alpha_{T-1}(2L-1))   (-alpha_{T-1}(0) when L = 0)
// beta runs the same recursion from the end; for t < T_b and every class c
//   grad lp_t(c) = (exp(lp_t(c)) - exp(log(sum_{s: l'_s = c} alpha_t(s) beta_t(s)) + nll
//                  - lp_t(c))) * g_b
// and 0 for t >= T_b. This is the gradient with respect to log_probs that assumes they came
// from log_softmax over C. At t = T_b - 1 torch sets (not log-adds) the collected value for
// l'_{2L-1}, which differs from the blank's only when a target equals the blank.
// ctc_loss then applies where(nll == inf, 0, nll) when zero_infinity (and the backward
// zeroes that sample's gradient), and "mean" is (nll / clamp_min(target_lengths, 1)).mean().

const NEG_INF = -Infinity;

/** Everything the kernels need, checked. */
interface CtcProblem {
  lp: FloatArray;
  steps: number;
  batch: number;
  classes: number;
  blank: number;
  inputLengths: number[];
  targetLengths: number[];
  /** The used labels of each sample, already checked to be in [0, C). */
  labels: Int32Array[];
  /** Rounds each step to the dtype, as torch computes in `scalar_t`. */
  r: Rounder;
  /**
   * float32: alpha's and beta's rows after the first, and the backward's sums per class, in
   * WebAssembly lanes (`_cpu/ctc_rows.ts`).
   */
  lanes: ReturnType<typeof ctcLanes> | null;
}

/**
 * `log(exp(a - m) + exp(b - m) + exp(c - m)) + m` with torch's choice of `m`, step by step.
 * Shortcuts that give the same bits: a term at the max is exp(0) = 1, a term at -inf is 0, a
 * sum of 1 has log 0, and all three at -inf give -inf (nan when one is nan).
 */
function logSum3(a: number, b: number, c: number, r: Rounder): number {
  let m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (m === NEG_INF) return a + b + c;
  if (!(m < Infinity)) return logSum3Slow(a, b, c, r);
  const ea = a === m ? 1 : a === NEG_INF ? 0 : r(Math.exp(r(a - m)));
  const eb = b === m ? 1 : b === NEG_INF ? 0 : r(Math.exp(r(b - m)));
  const ec = c === m ? 1 : c === NEG_INF ? 0 : r(Math.exp(r(c - m)));
  const sum = r(r(ea + eb) + ec);
  return sum === 1 ? m + 0 : r(r(Math.log(sum)) + m);
}

/** {@linkcode logSum3} written out, for a max that is nan or +inf. */
function logSum3Slow(a: number, b: number, c: number, r: Rounder): number {
  let m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (m === NEG_INF) m = 0;
  const sum = r(r(r(Math.exp(r(a - m))) + r(Math.exp(r(b - m)))) + r(Math.exp(r(c - m))));
  return r(r(Math.log(sum)) + m);
}

/**
 * `log(exp(a - m) + exp(b - m)) + m` for `m` = std::max(a, b), 0 when that is -inf; the
 * shortcuts of {@linkcode logSum3}.
 */
function logSum2(a: number, b: number, r: Rounder): number {
  const m = a < b ? b : a; // std::max
  if (m === NEG_INF) return a + b;
  if (!(m < Infinity)) {
    return r(r(Math.log(r(r(Math.exp(r(a - m))) + r(Math.exp(r(b - m)))))) + m);
  }
  const ea = a === m ? 1 : a === NEG_INF ? 0 : r(Math.exp(r(a - m)));
  const eb = b === m ? 1 : b === NEG_INF ? 0 : r(Math.exp(r(b - m)));
  const sum = r(ea + eb);
  return sum === 1 ? m + 0 : r(r(Math.log(sum)) + m);
}

/**
 * The extended labels l' of one sample (blank at even positions) and, per position, whether
 * the recursion may skip from two places back (`l'_s != l'_{s-2}`).
 */
function extended(labels: Int32Array, blank: number): { prime: Int32Array; skip: Uint8Array } {
  const width = 2 * labels.length + 1;
  const prime = new Int32Array(width).fill(blank);
  const skip = new Uint8Array(width);
  for (let i = 0; i < labels.length; i++) prime[2 * i + 1] = labels[i];
  for (let s = 2; s < width; s++) skip[s] = prime[s] !== prime[s - 2] ? 1 : 0;
  return { prime, skip };
}

/**
 * Forward of one sample: the negative log-likelihood; alpha (steps × width) is written into
 * `alpha`, which must hold at least that many elements.
 */
function ctcAlpha(p: CtcProblem, b: number, alpha: FloatArray): number {
  const { r, lp, blank } = p;
  const steps = p.inputLengths[b];
  const labels = p.labels[b];
  const width = 2 * labels.length + 1;
  if (steps === 0) return labels.length === 0 ? 0 : Infinity;
  const { prime, skip } = extended(labels, blank);
  const stride = p.batch * p.classes;
  const row0 = b * p.classes;
  if (p.lanes !== null) {
    // float32: the same recursion with exp32 and log32, four positions a vector
    const first: [number, number] = [lp[row0 + blank], width > 1 ? lp[row0 + prime[1]] : NEG_INF];
    p.lanes.rows(b, prime, skip, steps, first, alpha as Float32Array);
    return alphaLoss(alpha, steps, width, r);
  }
  alpha.fill(NEG_INF, 0, width);
  alpha[0] = lp[row0 + blank];
  if (labels.length > 0) alpha[1] = lp[row0 + labels[0]];
  for (let t = 1, prev = 0, cur = width, row = row0 + stride; t < steps; t++) {
    alpha[cur] = r(logSum3(alpha[prev], NEG_INF, NEG_INF, r) + lp[row + blank]);
    for (let s = 1; s < width; s++) {
      const la3 = skip[s] === 1 ? alpha[prev + s - 2] : NEG_INF;
      alpha[cur + s] = r(
        logSum3(alpha[prev + s], alpha[prev + s - 1], la3, r) + lp[row + prime[s]],
      );
    }
    prev = cur;
    cur += width;
    row += stride;
  }
  return alphaLoss(alpha, steps, width, r);
}

/** The negative log-likelihood from the last of `steps` alpha rows of `width` positions. */
function alphaLoss(alpha: FloatArray, steps: number, width: number, r: Rounder): number {
  const last = (steps - 1) * width;
  if (width === 1) return -alpha[last];
  return -logSum2(alpha[last + width - 1], alpha[last + width - 2], r);
}

/**
 * Beta of one sample (steps × width, row-major, into `beta`): alpha's recursion run from the
 * last step back, position `s` taking from `s`, `s + 1` and, where the labels allow, `s + 2`
 * of the step after. float32 runs it in the lanes as alpha with time and the extended labels
 * reversed (`ctcLanes`), then puts the rows back in order.
 */
function ctcBeta(
  p: CtcProblem,
  b: number,
  prime: Int32Array,
  beta: FloatArray,
  rows: FloatArray,
): void {
  const { r, lp, blank } = p;
  const steps = p.inputLengths[b];
  const width = prime.length;
  const top = width - 1;
  const stride = p.batch * p.classes;
  const rowEnd = b * p.classes + (steps - 1) * stride;
  const last: [number, number] = [
    lp[rowEnd + blank],
    width > 1 ? lp[rowEnd + prime[top - 1]] : NEG_INF,
  ];
  if (p.lanes !== null) {
    // the extended labels of the labels reversed are the extended labels reversed
    const reversed = extended(p.labels[b].toReversed(), blank);
    p.lanes.rows(b, reversed.prime, reversed.skip, steps, last, rows as Float32Array, true);
    for (let t = 0, back = (steps - 1) * width; t < steps; t++, back -= width) {
      for (let s = 0; s < width; s++) beta[t * width + s] = rows[back + top - s];
    }
    return;
  }
  const end = (steps - 1) * width;
  beta.fill(NEG_INF, end, end + width);
  beta[end + top] = last[0];
  if (width > 1) beta[end + top - 1] = last[1];
  for (let t = steps - 2; t >= 0; t--) {
    const next = (t + 1) * width;
    const here = t * width;
    const row = b * p.classes + t * stride;
    for (let s = top; s >= 0; s--) {
      const lb2 = s < top ? beta[next + s + 1] : NEG_INF;
      const lb3 = s < top - 1 && prime[s + 2] !== prime[s] ? beta[next + s + 2] : NEG_INF;
      beta[here + s] = r(logSum3(beta[next + s], lb2, lb3, r) + lp[row + prime[s]]);
    }
  }
}

/** Scratch for the backward, sized for the largest sample and shared by all. */
interface CtcScratch {
  beta: FloatArray;
  /** float32: the lanes' beta rows, reversed, before they go into `beta`. */
  reversed: FloatArray;
  collected: FloatArray;
}

/**
 * Backward of one sample into `grad` (T × N × C, zero-filled): beta, the collected
 * alpha·beta per class, then torch's formula scaled by `g`.
 */
function ctcGradSample(
  p: CtcProblem,
  b: number,
  nll: number,
  alpha: FloatArray,
  g: number,
  grad: FloatArray,
  scratch: CtcScratch,
): void {
  const steps = p.inputLengths[b];
  if (steps === 0) return;
  const labels = p.labels[b];
  const width = 2 * labels.length + 1;
  const top = width - 1;
  const { classes, blank, r, lp } = p;
  const { prime } = extended(labels, blank);
  const stride = p.batch * classes;
  const row0 = b * classes;
  const beta = scratch.beta;
  const collected = scratch.collected;
  collected.fill(NEG_INF, 0, steps * classes);
  const end = steps - 1;
  ctcBeta(p, b, prime, beta, scratch.reversed);
  collected[end * classes + blank] = r(alpha[end * width + top] + beta[end * width + top]);
  if (labels.length > 0) {
    const cur = labels[labels.length - 1];
    collected[end * classes + cur] = r(alpha[end * width + top - 1] + beta[end * width + top - 1]);
  }
  if (p.lanes !== null) {
    p.lanes.collect(
      alpha as Float32Array,
      beta as Float32Array,
      prime,
      end,
      collected as Float32Array,
    );
    return gradRows32(p, b, nll, collected as Float32Array, g, grad as Float32Array);
  }
  for (let t = steps - 2; t >= 0; t--) {
    const here = t * width;
    const col = t * classes;
    for (let s = top; s >= 0; s--) {
      const ab = r(alpha[here + s] + beta[here + s]);
      const k = col + prime[s];
      // Both are finite or -inf here unless the input holds nan or +inf, and then so does
      // torch's sum: logSum2 keeps its order of operations.
      collected[k] = collected[k] === NEG_INF ? ab : logSum2(collected[k], ab, r);
    }
  }
  for (let t = 0; t < steps; t++) {
    const row = row0 + t * stride;
    const col = t * classes;
    for (let c = 0; c < classes; c++) {
      const x = lp[row + c];
      const z = r(r(collected[col + c] + nll) - x);
      const post = z === NEG_INF ? 0 : r(Math.exp(z));
      grad[row + c] = r(r(r(Math.exp(x)) - post) * g);
    }
  }
}

/**
 * {@linkcode ctcGradSample}'s last loop for float32, the exps in lanes (exp32, which gives 0
 * at -inf as the loop's shortcut): `(exp(x) - exp(collected + nll - x)) · g` for every step
 * and class, a block of them at a time.
 */
function gradRows32(
  p: CtcProblem,
  b: number,
  nll: number,
  collected: Float32Array,
  g: number,
  grad: Float32Array,
): void {
  const { classes, lp } = p;
  const fr = Math.fround;
  const stride = p.batch * classes;
  const total = p.inputLengths[b] * classes;
  const block = mathBlock32();
  const { a: xs, b: zs } = block;
  // where each element of the block sits in lp and grad (step t, class c: t · stride + c)
  const where = gradIndices ??= new Int32Array(BLOCK);
  let at = b * classes;
  let c = 0;
  for (let e0 = 0; e0 < total; e0 += BLOCK) {
    const n = Math.min(BLOCK, total - e0);
    for (let i = 0; i < n; i++) {
      const x = lp[at];
      where[i] = at;
      xs[i] = x;
      zs[i] = fr(collected[e0 + i] + nll) - x;
      at++;
      if (++c === classes) {
        c = 0;
        at += stride - classes;
      }
    }
    block.exp(0, n);
    block.exp(1, n);
    for (let i = 0; i < n; i++) grad[where[i]] = fr(xs[i] - zs[i]) * g;
  }
}

/** {@linkcode gradRows32}'s indices of a block, made on first use. */
let gradIndices: Int32Array | null = null;

/**
 * Connectionist temporal classification loss, as `torch.nn.functional.ctc_loss`.
 *
 * ```text
 * loss_b = -log sum over alignments a of the target l_b (length L_b) to T_b = inputLengths[b]
 *          steps (blanks and repeats collapse to l_b) of prod_t exp(logProbs[t, b, a_t])
 * computed by PyTorch's alpha recursion in log space over l' = (blank, l_1, blank, ...,
 * l_L, blank);  zeroInfinity: inf -> 0
 * mean = mean_b(loss_b / max(L_b, 1))        sum = sum_b loss_b
 * grad logProbs[t, b, c] = (exp(logProbs[t, b, c]) - posterior_b(a_t = c)) * g_b  (t < T_b,
 *                          else 0; g_b is the reduction's share of gradOutput)
 * ```
 *
 * The gradient is PyTorch's `ctc_loss_backward`: `exp(logProbs) - posterior` per class and
 * time step (0 past `inputLengths[b]`). That is the gradient with respect to the logits
 * *behind* a `logSoftmax`, written onto `logProbs`; it is not the derivative of the formula
 * for arbitrary `logProbs`, but it is what PyTorch returns, and through `logSoftmax` it gives
 * the true gradient of the logits. An impossible alignment (a target too long for its input)
 * has an infinite loss and nan gradients, or 0 for both with `zeroInfinity`.
 *
 * Every step is rounded to the dtype in torch's order of operations (alpha, beta and the
 * log-sum-exps live in `scalar_t` in LossCTC.cpp), so float32 results carry PyTorch's own
 * rounding: over long inputs a float32 gradient can be 1e-5 or more away from the exact
 * one, and this function is that far away too, matching PyTorch rather than the exact value.
 *
 * Like PyTorch, a target may contain the blank label; targets may be int64, float (truncated
 * to integers, as PyTorch's `.to(long)`) or bool. Where PyTorch 1.13 reads memory it never
 * wrote, this function throws instead: a negative length, or a used target value outside
 * [0, C). An input length of 0 gives a loss of 0 (empty target) or infinity, with a zero
 * gradient, as later PyTorch versions define it (1.13 returns garbage).
 *
 * @example Usage
 * ```ts
 * import { ctcLoss, logSoftmax, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const logits = tensor([[[0, 0]]], { requiresGrad: true }); // T = 1, N = 1, C = 2
 * const loss = ctcLoss(logSoftmax(logits, 2), tensor([[1]], { dtype: "int64" }), [1], [1]);
 * assert.equal(loss.item(), Math.fround(Math.LN2));
 * loss.backward();
 * assert.deepEqual(logits.grad?.toArray(), [[[0.5, -0.5]]]);
 * ```
 *
 * @param logProbs Log-probabilities, (T, N, C) or unbatched (T, C), float32 or float64.
 * @param targets Padded (N, S) with S at least every target length, concatenated (sum of the
 *   target lengths), or unbatched (L) / (1, S).
 * @param inputLengths One length per sample, each in [0, T]: an int64 tensor or numbers.
 * @param targetLengths One length per sample: the same kind as `inputLengths`.
 * @param options `blank`, `reduction`, `zeroInfinity`.
 * @returns A 0-d tensor, or (N) (0-d when unbatched) for `reduction: "none"`.
 * @throws {TypeError} If a dtype, a shape or an argument's kind does not fit.
 * @throws {RangeError} If `blank`, a length or a target value is out of range, or
 *   `reduction` is unknown.
 */
export function ctcLoss(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: CTCLengths,
  targetLengths: CTCLengths,
  options: CTCLossOptions = {},
): Tensor {
  const fn = "ctcLoss";
  options = parseOptions(fn, options, CTC_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const zeroInfinity = options.zeroInfinity ?? false;
  const blank = checkInteger(fn, "blank", options.blank ?? 0);
  checkFloat(fn, { logProbs });
  const batched = logProbs.shape.length === 3;
  if (!batched && logProbs.shape.length !== 2) {
    fail(
      fn,
      `logProbs must be (T, N, C) or unbatched (T, C): logProbs is ${formatShape(logProbs.shape)}`,
    );
  }
  const steps = logProbs.shape[0];
  const batch = batched ? logProbs.shape[1] : 1;
  const classes = logProbs.shape[logProbs.shape.length - 1];
  if (steps === 0) {
    fail(
      fn,
      `logProbs must have at least one time step: logProbs is ${formatShape(logProbs.shape)}`,
    );
  }
  if (blank < 0 || blank >= classes) {
    fail(fn, `blank must be in [0, ${classes}): current value is ${blank}`, RangeError);
  }
  checkTensor(fn, "targets", targets);
  checkSameDevice(fn, { logProbs, targets });
  const ils = readLengths(fn, "inputLengths", inputLengths, batch);
  const tls = readLengths(fn, "targetLengths", targetLengths, batch);
  if (isArrayValue(inputLengths) !== isArrayValue(targetLengths)) {
    fail(
      fn,
      "inputLengths and targetLengths must be both tensors or both arrays, as in PyTorch: got one of each",
    );
  }
  ils.forEach((n, b) => {
    if (n < 0 || n > steps) {
      fail(fn, `inputLengths must be in [0, ${steps}]: inputLengths[${b}] is ${n}`, RangeError);
    }
  });
  tls.forEach((n, b) => {
    if (n < 0) fail(fn, `targetLengths must be 0 or more: targetLengths[${b}] is ${n}`, RangeError);
  });
  const labels = readTargets(fn, targets, tls, batch, classes);
  if (logProbs.device === "webgpu") {
    return ctcLossWebgpu({
      logProbs,
      batched,
      blank,
      inputLengths: ils,
      targetLengths: tls,
      labels,
      reduction,
      zeroInfinity,
    });
  }
  const dtype = logProbs.dtype;
  const problem: CtcProblem = {
    lp: cpuStorage(logProbs) as FloatArray,
    steps,
    batch,
    classes,
    blank,
    inputLengths: ils,
    targetLengths: tls,
    labels,
    r: rounder(dtype),
    lanes: null,
  };
  // float32: the lanes over the module's scratch, laid out (and the log-probabilities copied
  // in, when they live outside the arena) anew for the forward and again for the backward,
  // since another call may use the same scratch in between
  const withLanes = (): CtcProblem =>
    dtype === "float32"
      ? {
        ...problem,
        lanes: ctcLanes(
          problem.lp as Float32Array,
          steps,
          batch,
          classes,
          Math.max(1, ...labels.map((l) => 2 * l.length + 1)),
        ),
      }
      : problem;
  const forward = withLanes();
  const r = problem.r;
  const nlls = new Float64Array(batch);
  // alpha of every sample, kept for the backward; without it one buffer serves them all
  const keep = logProbs.requiresGrad;
  const alphas: FloatArray[] = [];
  const sizes = labels.map((l, b) => ils[b] * (2 * l.length + 1));
  // every element is written (the first row filled, the others computed): storage as it comes
  const shared = keep ? null : takeFloat(dtype, Math.max(0, ...sizes));
  for (let b = 0; b < batch; b++) {
    const alpha = shared ?? takeFloat(dtype, sizes[b]);
    nlls[b] = ctcAlpha(forward, b, alpha);
    if (keep) alphas.push(alpha);
  }
  const losses = floatStorage(dtype, batch);
  for (let b = 0; b < batch; b++) {
    losses[b] = zeroInfinity && nlls[b] === Infinity ? 0 : nlls[b];
  }
  let out: { storage: FloatArray; shape: readonly number[] };
  if (reduction === "mean") {
    const quotients = floatStorage(dtype, batch);
    for (let b = 0; b < batch; b++) quotients[b] = losses[b] / Math.max(tls[b], 1);
    out = reduceLosses(quotients, [batch], dtype, "mean");
  } else {
    out = reduceLosses(losses, batched ? [batch] : [], dtype, reduction);
  }
  const gradFn = reduction === "mean"
    ? "MeanBackward0"
    : reduction === "sum"
    ? "SumBackward0"
    : !batched
    ? "SqueezeBackward1"
    : zeroInfinity
    ? "WhereBackward0"
    : "CtcLossBackward0";
  const node = record(gradFn, [logProbs], (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const grad = floatStorage(dtype, logProbs.numel);
    const backward = withLanes();
    const scratch: CtcScratch = {
      beta: floatStorage(dtype, Math.max(0, ...sizes)),
      reversed: floatStorage(dtype, backward.lanes === null ? 0 : Math.max(0, ...sizes)),
      collected: floatStorage(dtype, steps * classes),
    };
    for (let b = 0; b < batch; b++) {
      if (zeroInfinity && nlls[b] === Infinity) continue;
      const gb = reduction === "none"
        ? g[b]
        : reduction === "sum"
        ? g[0]
        : r(r(g[0] / batch) / Math.max(tls[b], 1));
      ctcGradSample(backward, b, nlls[b], alphas[b], gb, grad, scratch);
    }
    return [new Tensor(grad, logProbs.shape, dtype)];
  });
  return new Tensor(out.storage, out.shape, dtype, node);
}

/** Reads lengths given as a tensor (any integer tensor of N elements) or a number array. */
function readLengths(fn: string, name: string, value: unknown, batch: number): number[] {
  let values: number[];
  if (isArrayValue(value)) {
    // a loop, not map(): map skips the holes of a sparse array ([, 5])
    values = [];
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v !== "number" || !Number.isSafeInteger(v)) {
        const what = !(i in value) ? "empty (a hole in the array)" : describe(v);
        fail(fn, `${name} must hold integers: ${name}[${i}] is ${what}`);
      }
      values.push(v);
    }
  } else if (isTensor(value)) {
    if (value.dtype !== "int64") {
      fail(fn, `${name} must be an int64 tensor: ${name} dtype is "${value.dtype}"`);
    }
    values = Array.from(hostValues(fn, name, value), (v) => Number(v));
  } else {
    fail(
      fn,
      `${name} must be an int64 tensor or an array of integers: current value is ${
        describe(value)
      }`,
    );
  }
  if (values.length !== batch) {
    fail(
      fn,
      `${name} must have one element per batch item (${batch}): ${name} has ${values.length}`,
    );
  }
  return values;
}

/** The used labels of each sample, as PyTorch reads them (float targets are truncated). */
function readTargets(
  fn: string,
  targets: Tensor,
  tls: readonly number[],
  batch: number,
  classes: number,
): Int32Array[] {
  const dims = targets.shape.length;
  if (dims !== 1 && dims !== 2) {
    fail(
      fn,
      `targets must be (N, S) or concatenated (sum of targetLengths): targets is ${
        formatShape(targets.shape)
      }`,
    );
  }
  const offsets: number[] = [];
  if (dims === 2) {
    const [rows, width] = targets.shape;
    if (rows !== batch) {
      fail(
        fn,
        `targets must have ${batch} rows, one per batch item: targets is [${rows}, ${width}]`,
      );
    }
    const longest = Math.max(0, ...tls);
    if (width < longest) {
      fail(
        fn,
        `targets must have at least ${longest} columns, the longest target length: targets is [${rows}, ${width}]`,
      );
    }
    for (let b = 0; b < batch; b++) offsets.push(b * width);
  } else {
    let total = 0;
    for (let b = 0; b < batch; b++) {
      offsets.push(total);
      total += tls[b];
    }
    if (targets.numel !== total) {
      fail(
        fn,
        `concatenated targets must have sum(targetLengths) = ${total} elements: targets is ${
          formatShape(targets.shape)
        }`,
      );
    }
  }
  const src = hostValues(fn, "targets", targets);
  const isFloat = targets.dtype === "float32" || targets.dtype === "float64";
  return offsets.map((offset, b) => {
    const out = new Int32Array(tls[b]);
    for (let i = 0; i < tls[b]; i++) {
      const raw = src[offset + i];
      const v = isFloat ? Math.trunc(raw as number) : Number(raw);
      if (!(v >= 0 && v < classes)) {
        const at = dims === 2 ? `targets[${b}, ${i}]` : `targets[${offset + i}]`;
        fail(fn, `target values must be in [0, ${classes}): ${at} is ${String(raw)}`, RangeError);
      }
      out[i] = v;
    }
    return out;
  });
}

/**
 * Module form of {@linkcode ctcLoss}, as `torch.nn.CTCLoss`.
 *
 * @example Usage
 * ```ts
 * import { CTCLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * // T = 1 cannot emit two labels: an infinite loss, zeroed on request.
 * const logProbs = tensor([[[-0.5, -1]]]);
 * const targets = tensor([[1, 1]], { dtype: "int64" });
 * const loss = new CTCLoss({ zeroInfinity: true }).forward(logProbs, targets, [1], [2]);
 * assert.equal(loss.item(), 0);
 * ```
 */
export class CTCLoss {
  readonly #options: CTCLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode ctcLoss} call.
   */
  constructor(options: CTCLossOptions = {}) {
    this.#options = parseOptions("CTCLoss", options, CTC_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param logProbs Log-probabilities, (T, N, C) or (T, C).
   * @param targets Padded or concatenated targets.
   * @param inputLengths One input length per sample.
   * @param targetLengths One target length per sample.
   * @returns The loss, as {@linkcode ctcLoss}.
   */
  forward(
    logProbs: Tensor,
    targets: Tensor,
    inputLengths: CTCLengths,
    targetLengths: CTCLengths,
  ): Tensor {
    return ctcLoss(logProbs, targets, inputLengths, targetLengths, this.#options);
  }
}
