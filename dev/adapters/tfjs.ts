/**
 * TensorFlow.js 4.22 as a conformance adapter: PyTorch's ops written the way a careful
 * TensorFlow.js user would port them, `tf.losses` where its semantics can be made to match
 * PyTorch's and plain `tf` ops elsewhere, gradients from `tf.valueAndGrads`. It runs on the
 * cpu backend (deterministic); `TFJS_BACKEND=wasm` picks the wasm one. Dev-only, like
 * `dev/peers/tfjs.ts` it loads TensorFlow.js through: nothing the package publishes imports it.
 *
 * ```sh
 * deno run --config dev/deno.json --allow-read --allow-env conformance/main.ts --impl dev/adapters/tfjs.ts
 * ```
 *
 * Cases it cannot express are skipped with the reason: TensorFlow.js has no float64 and no
 * int64 tensors, no CTC loss, no multilabel margin loss and not PyTorch's random streams.
 * Where TensorFlow.js accepts input that PyTorch rejects, the case is an
 * `error-not-thrown`: the adapter adds no checks of its own beyond what an option's type
 * needs (an unknown reduction, a string where a number goes).
 *
 * @module
 */

import { tf, type TfBackend, tfStatus, useBackend } from "../peers/tfjs.ts";
import type { ArrayTensor } from "../../conformance/fixture.ts";
import {
  type Adapter,
  type AdapterOp,
  type AdapterValue,
  type OpCall,
  type OpResult,
  Unsupported,
} from "../../conformance/runner.ts";

type T = tf.Tensor;
/** An argument after conversion: a tf tensor, or the plain value. */
type Arg = T | number | boolean | string | null | number[];

function isArrayTensor(v: AdapterValue): v is ArrayTensor {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** float32 → float32; int64 → int32 (indices and labels); bool → bool; float64 → Unsupported. */
function toTf(v: AdapterValue): Arg {
  if (!isArrayTensor(v)) return v;
  switch (v.dtype) {
    case "float64":
      throw new Unsupported("TensorFlow.js has no float64");
    case "float32":
      return tf.tensor(v.data as Float32Array, v.shape, "float32");
    case "bool":
      return tf.tensor(v.data as Uint8Array, v.shape, "bool");
    case "int64": {
      const data = Int32Array.from(v.data as BigInt64Array, (b) => {
        if (b < -(2n ** 31n) || b >= 2n ** 31n) {
          throw new Unsupported("TensorFlow.js has no int64: a value is outside int32");
        }
        return Number(b);
      });
      return tf.tensor(data, v.shape, "int32");
    }
  }
}

/**
 * A copy outside the gradient tape, for masks: TensorFlow.js registers no gradient for
 * comparisons (`tf.greater`, `tf.less`), so a mask computed from a differentiated input
 * throws "gradient function not found for Greater" in `tf.valueAndGrads`.
 */
function detached(t: T): T {
  return tf.tensor(t.dataSync(), t.shape, t.dtype);
}

/**
 * log(sigmoid(x)) as −softplus(−x), which is how tf.logSigmoid defines it: tf.logSigmoid's
 * own gradient throws in 4.22 ("Cannot read properties of undefined (reading 'backend')")
 * when its input comes from another op, e.g. `tf.logSigmoid(tf.neg(x))`.
 */
function logSigmoid(x: T): T {
  return tf.neg(tf.softplus(tf.neg(x)));
}

function isTensor(v: Arg | undefined): v is T {
  return v instanceof tf.Tensor;
}

/** A float input: float32 only (TensorFlow.js has no int64; a user would cast first). */
function f32(v: Arg | undefined, what: string): T {
  if (!isTensor(v)) throw new TypeError(`${what} must be a tensor`);
  if (v.dtype !== "float32") {
    throw new Unsupported(`TensorFlow.js has no int64 or bool float input (${what} is ${v.dtype})`);
  }
  return v;
}

/** ±1 labels: float32, or int64 (as int32) cast to float32 as a TensorFlow.js user would. */
function labels(v: Arg | undefined, what: string): T {
  return isTensor(v) && v.dtype === "int32" ? tf.cast(v, "float32") : f32(v, what);
}

/** Class indices: int64 arrives as int32. */
function indices(v: Arg | undefined, what: string): T {
  if (!isTensor(v)) throw new TypeError(`${what} must be a tensor`);
  if (v.dtype !== "int32") throw new Unsupported(`${what} as ${v.dtype} class indices`);
  return v;
}

/** A number option, decoding the fixtures' `"inf"` strings; null or other strings: TypeError. */
function num(v: Arg | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (typeof v !== "number") throw new TypeError(`${what} must be a number`);
  return v;
}

function bool(v: Arg | undefined, fallback: boolean, what: string): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new TypeError(`${what} must be a boolean`);
  return v;
}

type Red = "none" | "mean" | "sum";

function red(v: Arg | undefined, extra: readonly string[] = []): string {
  const r = v ?? "mean";
  if (typeof r !== "string" || !["none", "mean", "sum", ...extra].includes(r)) {
    throw new Error(`unknown reduction ${String(r)}`);
  }
  return r;
}

/** PyTorch's reduction names as tf.losses' enum. */
function tfReduction(r: string): tf.Reduction {
  return r === "none" ? tf.Reduction.NONE : r === "sum" ? tf.Reduction.SUM : tf.Reduction.MEAN;
}

function reduce(loss: T, r: string): T {
  return r === "none" ? loss : r === "sum" ? tf.sum(loss) : tf.mean(loss);
}

/** Both operands broadcast to their common shape (tf.losses asserts equal shapes). */
function broadcast(a: T, b: T): [T, T] {
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  return [tf.broadcastTo(a, shape), tf.broadcastTo(b, shape)];
}

/** A normalised axis, or a RangeError as PyTorch gives. */
function axis(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new RangeError(`dim ${dim} out of range for rank ${rank}`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Moves axis `a` last (tf.softmax and tf.logSoftmax work on the last axis only). */
function lastAxis(x: T, a: number, f: (x: T) => T): T {
  if (x.rank === 0) return tf.reshape(f(tf.reshape(x, [1])), []);
  if (a === x.rank - 1) return f(x);
  const perm = [...Array(x.rank).keys()].filter((k) => k !== a).concat([a]);
  const inverse = perm.map((_, k) => perm.indexOf(k));
  return tf.transpose(f(tf.transpose(x, perm)), inverse);
}

/** Input (N, C, d1, ...) or (C,) as rows of classes: [(M, C), the shape of the M rows]. */
function classRows(x: T): [T, number[]] {
  if (x.rank === 1) return [tf.reshape(x, [1, x.shape[0]]), []];
  const c = x.shape[1] as number;
  const perm = [0, ...Array.from({ length: x.rank - 2 }, (_, k) => k + 2), 1];
  const moved = tf.transpose(x, perm);
  const rows = moved.shape.slice(0, -1);
  return [tf.reshape(moved, [rows.reduce((a, b) => a * b, 1), c]), rows];
}

/**
 * Runs `body` on the converted arguments inside `tf.tidy`; with a gradient output, the
 * gradients of `sum(output * gradOutput)` for `call.requiresGrad` come from
 * `tf.valueAndGrads`.
 */
function run(call: OpCall, body: (args: Arg[], kwargs: Record<string, Arg>) => T): OpResult {
  for (const v of [...call.args, ...Object.values(call.kwargs)]) {
    if (isArrayTensor(v) && v.dtype === "float64") {
      throw new Unsupported("TensorFlow.js has no float64");
    }
  }
  let result: OpResult | undefined;
  tf.tidy(() => {
    const args = call.args.map(toTf);
    const kwargs = Object.fromEntries(
      Object.entries(call.kwargs).map(([k, v]) => [k, toTf(v)]),
    );
    const wanted = call.gradOutput === null ? [] : call.requiresGrad;
    if (wanted.length === 0) {
      result = { output: fromTf(body(args, kwargs)), grads: {} };
      return;
    }
    const xs = wanted.map((i) => f32(args[i], `args[${i}]`));
    const f = (...ts: T[]): T => {
      const swapped = [...args];
      wanted.forEach((i, k) => swapped[i] = ts[k]);
      return body(swapped, kwargs);
    };
    const dy = toTf(call.gradOutput as ArrayTensor) as T;
    const { value, grads } = tf.valueAndGrads(f)(xs, dy);
    const out: Record<number, ArrayTensor> = {};
    wanted.forEach((i, k) => out[i] = fromTf(grads[k]));
    result = { output: fromTf(value), grads: out };
  });
  return result as OpResult;
}

function fromTf(t: T): ArrayTensor {
  if (t.dtype !== "float32") {
    throw new Unsupported(`the output is ${t.dtype}; PyTorch's is a float`);
  }
  return { dtype: "float32", shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
}

/** An op whose body gets converted arguments. */
function op(body: (args: Arg[], kwargs: Record<string, Arg>) => T): AdapterOp {
  return (call) => run(call, body);
}

/** A reason the whole op cannot be expressed. */
function unsupported(reason: string): AdapterOp {
  return () => {
    throw new Unsupported(reason);
  };
}

// ---- the losses ----

const l1Loss = op(([x, y], kw) => {
  const [input, target] = broadcast(f32(x, "input"), f32(y, "target"));
  return tf.losses.absoluteDifference(target, input, undefined, tfReduction(red(kw.reduction)));
});

const mseLoss = op(([x, y], kw) => {
  const [input, target] = broadcast(f32(x, "input"), f32(y, "target"));
  return tf.losses.meanSquaredError(target, input, undefined, tfReduction(red(kw.reduction)));
});

const huberLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const delta = num(kw.delta, 1, "delta");
  const [input, target] = broadcast(f32(x, "input"), f32(y, "target"));
  return tf.losses.huberLoss(target, input, undefined, delta, tfReduction(r));
});

const smoothL1Loss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const beta = num(kw.beta, 1, "beta");
  const [input, target] = broadcast(f32(x, "input"), f32(y, "target"));
  const d = tf.abs(tf.sub(input, target));
  // beta = 0 is L1 (the quadratic branch would divide by zero).
  const loss = beta === 0 ? d : tf.where(
    tf.less(detached(d), beta),
    tf.div(tf.mul(0.5, tf.square(d)), beta),
    tf.sub(d, 0.5 * beta),
  );
  return reduce(loss, r);
});

const hingeEmbeddingLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 1, "margin");
  const [input, target] = broadcast(f32(x, "input"), f32(y, "target"));
  const zero = tf.zerosLike(input);
  const marginPart = tf.where(tf.notEqual(target, 1), tf.relu(tf.sub(margin, input)), zero);
  const selfPart = tf.where(tf.notEqual(target, -1), input, zero);
  return reduce(tf.add(marginPart, selfPart), r);
});

const softMarginLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const [input, target] = broadcast(f32(x, "input"), f32(y, "target"));
  return reduce(tf.softplus(tf.neg(tf.mul(target, input))), r);
});

const binaryCrossEntropy = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const input = f32(x, "input");
  const target = f32(y, "target");
  if (input.shape.join() !== target.shape.join()) {
    throw new Error("target and input must have the same shape");
  }
  // PyTorch clamps each log at -100, so probabilities of 0 and 1 stay finite.
  const logP = tf.maximum(tf.log(input), -100);
  const log1mP = tf.maximum(tf.log(tf.sub(1, input)), -100);
  let loss = tf.neg(tf.add(tf.mul(target, logP), tf.mul(tf.sub(1, target), log1mP)));
  if (kw.weight !== undefined && kw.weight !== null) loss = tf.mul(loss, f32(kw.weight, "weight"));
  return reduce(loss, r);
});

const binaryCrossEntropyWithLogits = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const input = f32(x, "input");
  const target = f32(y, "target");
  if (input.shape.join() !== target.shape.join()) {
    throw new Error("target and input must have the same shape");
  }
  let loss: T;
  if (kw.pos_weight === undefined || kw.pos_weight === null) {
    loss = tf.losses.sigmoidCrossEntropy(target, input, undefined, 0, tf.Reduction.NONE);
  } else {
    // (1 - y) x + (1 + (pw - 1) y) (log(1 + exp(-|x|)) + max(-x, 0))
    const pw = f32(kw.pos_weight, "pos_weight");
    const logWeight = tf.add(1, tf.mul(tf.sub(pw, 1), target));
    const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(input)))), tf.relu(tf.neg(input)));
    loss = tf.add(tf.mul(tf.sub(1, target), input), tf.mul(logWeight, softplusNeg));
  }
  if (kw.weight !== undefined && kw.weight !== null) loss = tf.mul(loss, f32(kw.weight, "weight"));
  return reduce(loss, r);
});

/** nll over rows (M, C) of log-probabilities by gathering the target's column. */
function pickTargets(logp: T, target: T): T {
  const [m, c] = logp.shape;
  const starts = tf.mul(tf.range(0, m, 1, "int32"), tf.scalar(c, "int32"));
  const flat = tf.add(starts, tf.reshape(target, [m]));
  return tf.gather(tf.reshape(logp, [-1]), flat);
}

/** Per-row weights: 0 at ignore_index, else weight[target] (or 1). */
function rowWeights(target: T, weight: T | undefined, ignoreIndex: number, c: number): T {
  const keep = tf.cast(tf.notEqual(target, ignoreIndex), "float32");
  if (weight === undefined) return keep;
  const safe = tf.where(tf.notEqual(target, ignoreIndex), target, tf.zerosLike(target));
  return tf.mul(keep, tf.gather(weight, tf.clipByValue(safe, 0, c - 1)));
}

function optionalTensor(v: Arg | undefined, what: string): T | undefined {
  return v === undefined || v === null ? undefined : f32(v, what);
}

const nllLoss = op(([x, t], kw) => {
  const r = red(kw.reduction);
  const ignoreIndex = num(kw.ignore_index, -100, "ignore_index");
  const [rows, shape] = classRows(f32(x, "input"));
  const target = tf.reshape(indices(t, "target"), [-1]);
  const c = rows.shape[1] as number;
  const w = rowWeights(target, optionalTensor(kw.weight, "weight"), ignoreIndex, c);
  const safe = tf.where(tf.notEqual(target, ignoreIndex), target, tf.zerosLike(target));
  const losses = tf.neg(pickTargets(rows, safe));
  if (r === "none") return tf.reshape(tf.mul(losses, w), shape);
  return tf.losses.computeWeightedLoss(losses, w, tfReduction(r));
});

const crossEntropy = op(([x, t], kw) => {
  const r = red(kw.reduction);
  const ignoreIndex = num(kw.ignore_index, -100, "ignore_index");
  const smoothing = num(kw.label_smoothing, 0, "label_smoothing");
  const weight = optionalTensor(kw.weight, "weight");
  const input = f32(x, "input");
  const [rows, shape] = classRows(input);
  const c = rows.shape[1] as number;
  if (isTensor(t) && t.dtype === "float32") {
    // Class probabilities, same shape as the input.
    const [labels] = classRows(t);
    if (weight === undefined) {
      const loss = tf.losses.softmaxCrossEntropy(
        labels,
        rows,
        undefined,
        smoothing,
        tfReduction(r),
      );
      return r === "none" ? tf.reshape(loss, shape) : loss;
    }
    const smoothed = tf.add(tf.mul(labels, 1 - smoothing), smoothing / c);
    const logp = tf.logSoftmax(rows);
    const loss = tf.reshape(tf.neg(tf.sum(tf.mul(tf.mul(smoothed, weight), logp), -1)), shape);
    return reduce(loss, r);
  }
  const target = tf.reshape(indices(t, "target"), [-1]);
  const w = rowWeights(target, weight, ignoreIndex, c);
  if (smoothing !== 0 && weight !== undefined) {
    // tf.losses weights whole rows; PyTorch's smoothing term weights each class, so by hand:
    // (1 − ε) w[t] (−log p_t) + ε/C Σ_c w_c (−log p_c), over Σ w[t] for the mean.
    const logp = tf.logSoftmax(rows);
    const safe = tf.where(tf.notEqual(target, ignoreIndex), target, tf.zerosLike(target));
    const nll = tf.mul(w, tf.neg(pickTargets(logp, safe)));
    const keep = tf.cast(tf.notEqual(target, ignoreIndex), "float32");
    const smooth = tf.mul(keep, tf.neg(tf.sum(tf.mul(logp, weight), -1)));
    const loss = tf.add(tf.mul(1 - smoothing, nll), tf.mul(smoothing / c, smooth));
    if (r === "none") return tf.reshape(loss, shape);
    return r === "sum" ? tf.sum(loss) : tf.div(tf.sum(loss), tf.sum(w));
  }
  const labels = tf.oneHot(target, c);
  const loss = tf.losses.softmaxCrossEntropy(labels, rows, w, smoothing, tfReduction(r));
  return r === "none" ? tf.reshape(loss, shape) : loss;
});

const klDiv = op(([x, y], kw) => {
  const r = red(kw.reduction, ["batchmean"]);
  const logTarget = bool(kw.log_target, false, "log_target");
  const batch = f32(x, "input").shape[0] ?? 1;
  const [input, target] = broadcast(f32(x, "input"), f32(y, "target"));
  const loss = logTarget ? tf.mul(tf.exp(target), tf.sub(target, input)) : tf.sub(
    tf.where(
      // xlogy(target, target): 0 where the target is 0, nan where it is negative.
      tf.equal(detached(target), 0),
      tf.zerosLike(target),
      tf.mul(target, tf.log(target)),
    ),
    tf.mul(target, input),
  );
  if (r === "batchmean") {
    return tf.div(tf.sum(loss), batch);
  }
  return reduce(loss, r);
});

const poissonNllLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const logInput = bool(kw.log_input, true, "log_input");
  const full = bool(kw.full, false, "full");
  const eps = num(kw.eps, 1e-8, "eps");
  const [input, target] = broadcast(f32(x, "input"), f32(y, "target"));
  let loss = logInput
    ? tf.sub(tf.exp(input), tf.mul(target, input))
    : tf.sub(input, tf.mul(target, tf.log(tf.add(input, eps))));
  if (full) {
    // Stirling's approximation of log(target!), for targets above 1.
    const stirling = tf.add(
      tf.sub(tf.mul(target, tf.log(target)), target),
      tf.mul(0.5, tf.log(tf.mul(2 * Math.PI, target))),
    );
    loss = tf.add(
      loss,
      tf.where(tf.greater(detached(target), 1), stirling, tf.zerosLike(stirling)),
    );
  }
  return reduce(loss, r);
});

const gaussianNllLoss = op(([x, y, v], kw) => {
  const r = red(kw.reduction);
  const full = bool(kw.full, false, "full");
  const eps = num(kw.eps, 1e-6, "eps");
  const input = f32(x, "input");
  const target = f32(y, "target");
  let variance = f32(v, "var");
  const same = (a: number[], b: number[]) => a.join() === b.join();
  if (!same(input.shape, variance.shape)) {
    if (same(input.shape.slice(0, -1), variance.shape)) {
      variance = tf.expandDims(variance, -1);
    } else if (
      !(same(input.shape.slice(0, -1), variance.shape.slice(0, -1)) && variance.shape.at(-1) === 1)
    ) {
      throw new Error("var is of incorrect size");
    }
  }
  const clamped = tf.maximum(variance, eps);
  let loss = tf.mul(
    0.5,
    tf.add(tf.log(clamped), tf.div(tf.square(tf.sub(input, target)), clamped)),
  );
  if (full) loss = tf.add(loss, 0.5 * Math.log(2 * Math.PI));
  return reduce(loss, r);
});

const marginRankingLoss = op(([a, b, y], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 0, "margin");
  const loss = tf.relu(
    tf.add(tf.mul(tf.neg(labels(y, "target")), tf.sub(f32(a, "input1"), f32(b, "input2"))), margin),
  );
  return reduce(loss, r);
});

const cosineEmbeddingLoss = op(([a, b, y], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 0, "margin");
  const x1 = f32(a, "input1");
  const x2 = f32(b, "input2");
  const target = labels(y, "target");
  const EPS = 1e-12;
  const prod = tf.sum(tf.mul(x1, x2), -1);
  const mag1 = tf.add(tf.sum(tf.mul(x1, x1), -1), EPS);
  const mag2 = tf.add(tf.sum(tf.mul(x2, x2), -1), EPS);
  const cos = tf.div(prod, tf.sqrt(tf.mul(mag1, mag2)));
  const zero = tf.zerosLike(cos);
  const pos = tf.where(tf.equal(target, 1), tf.sub(1, cos), zero);
  const neg = tf.where(tf.equal(target, -1), tf.relu(tf.sub(cos, margin)), zero);
  return reduce(tf.add(pos, neg), r);
});

const multilabelSoftMarginLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const input = f32(x, "input");
  const target = f32(y, "target");
  let loss = tf.neg(tf.add(
    tf.mul(target, logSigmoid(input)),
    tf.mul(tf.sub(1, target), logSigmoid(tf.neg(input))),
  ));
  if (kw.weight !== undefined && kw.weight !== null) loss = tf.mul(loss, f32(kw.weight, "weight"));
  // PyTorch sums over the input's last dim (by index, also when the target broadcasts the
  // loss to more dims) and divides by its size.
  const classDim = Math.max(input.rank - 1, 0);
  return reduce(tf.div(tf.sum(loss, classDim), input.shape[classDim] ?? 1), r);
});

const multiMarginLoss = op(([x, t], kw) => {
  const r = red(kw.reduction);
  const p = num(kw.p, 1, "p");
  if (p !== 1 && p !== 2) throw new Error("only p == 1 and p == 2 supported");
  const margin = num(kw.margin, 1, "margin");
  const input = f32(x, "input");
  const rows = input.rank <= 1 ? tf.reshape(input, [1, input.size]) : input;
  const targets = indices(t, "target");
  const target = tf.reshape(targets, [targets.size]);
  const c = rows.shape[1] as number;
  const picked = tf.reshape(pickTargets(rows, target), [-1, 1]);
  let terms = tf.relu(tf.add(tf.sub(margin, picked), rows));
  if (p === 2) terms = tf.square(terms);
  const weight = optionalTensor(kw.weight, "weight");
  if (weight !== undefined) terms = tf.mul(terms, tf.reshape(tf.gather(weight, target), [-1, 1]));
  const others = tf.sub(1, tf.oneHot(target, c));
  const loss = tf.div(tf.sum(tf.mul(terms, others), -1), c);
  return reduce(input.rank <= 1 ? tf.reshape(loss, targets.shape) : loss, r);
});

// ---- distances ----

/** ‖x1 − x2 + eps‖_p over the last axis, as torch.nn.functional.pairwise_distance. */
function pairwise(x1: T, x2: T, p: number, eps: number, keepdim: boolean): T {
  const d = tf.add(tf.sub(x1, x2), eps);
  const last = Math.max(x1.rank, x2.rank) - 1;
  if (last < 0) {
    // 0-d inputs: the norm of one element.
    return p === 0 ? tf.cast(tf.notEqual(detached(d), 0), "float32") : tf.abs(d);
  }
  if (p === 1 || p === 2 || p === Infinity || p === -Infinity) {
    return tf.norm(d, p === 2 ? "euclidean" : p, last, keepdim);
  }
  const a = tf.abs(d);
  if (p === 0) return tf.sum(tf.cast(tf.notEqual(detached(a), 0), "float32"), last, keepdim);
  return tf.pow(tf.sum(tf.pow(a, p), last, keepdim), 1 / p);
}

const pairwiseDistance = op(([a, b], kw) =>
  pairwise(
    f32(a, "x1"),
    f32(b, "x2"),
    num(kw.p, 2, "p"),
    num(kw.eps, 1e-6, "eps"),
    bool(kw.keepdim, false, "keepdim"),
  )
);

const tripletMarginLoss = op(([a, p, n], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 1, "margin");
  const norm = num(kw.p, 2, "p");
  const eps = num(kw.eps, 1e-6, "eps");
  const swap = bool(kw.swap, false, "swap");
  const [anchor, pos, neg] = [f32(a, "anchor"), f32(p, "positive"), f32(n, "negative")];
  const dPos = pairwise(anchor, pos, norm, eps, false);
  let dNeg = pairwise(anchor, neg, norm, eps, false);
  if (swap) dNeg = tf.minimum(dNeg, pairwise(pos, neg, norm, eps, false));
  return reduce(tf.relu(tf.add(tf.sub(dPos, dNeg), margin)), r);
});

/** The fixtures' named distance functions (see conformance/ops.ts), in tf ops. */
const DISTANCES: Record<string, (a: T, b: T) => T> = {
  pairwise: (a, b) => pairwise(a, b, 2, 1e-6, false),
  pairwise_p1: (a, b) => pairwise(a, b, 1, 0, false),
  l1: (a, b) => tf.sum(tf.abs(tf.sub(a, b)), -1),
  squared: (a, b) => tf.sum(tf.square(tf.sub(a, b)), -1),
  euclidean: (a, b) => tf.sqrt(tf.sum(tf.square(tf.sub(a, b)), -1)),
  mean_cubed: (a, b) => tf.mean(tf.pow(tf.abs(tf.sub(a, b)), 3), -1),
  cosine: (a, b) =>
    tf.sub(
      1,
      tf.div(
        tf.sum(tf.mul(a, b), -1),
        tf.sqrt(tf.mul(tf.sum(tf.mul(a, a), -1), tf.sum(tf.mul(b, b), -1))),
      ),
    ),
  not_a_tensor: () => 1 as unknown as T,
};

const tripletMarginWithDistanceLoss = op(([a, p, n], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 1, "margin");
  const swap = bool(kw.swap, false, "swap");
  const name = kw.distance_function ?? "pairwise";
  const dist = typeof name === "string" ? DISTANCES[name] : undefined;
  if (dist === undefined) throw new TypeError(`unknown distance_function ${String(name)}`);
  const [anchor, pos, neg] = [f32(a, "anchor"), f32(p, "positive"), f32(n, "negative")];
  const dPos = dist(anchor, pos);
  let dNeg = dist(anchor, neg);
  if (swap) dNeg = tf.minimum(dNeg, dist(pos, neg));
  if (!isTensor(dPos) || !isTensor(dNeg)) throw new TypeError("the distance must be a tensor");
  return reduce(tf.relu(tf.add(tf.sub(dPos, dNeg), margin)), r);
});

// ---- softmax and the tensor ops ----

function alongDim(f: (x: T) => T): AdapterOp {
  return op(([x, dim]) => {
    const input = f32(x, "input");
    return lastAxis(input, axis(num(dim, NaN, "dim"), input.rank), f);
  });
}

/** A tensor or a number operand. */
function operand(v: Arg | undefined, what: string): T | number {
  return typeof v === "number" ? v : f32(v, what);
}

function binary(f: (a: T | number, b: T | number) => T): AdapterOp {
  return op(([a, b]) => {
    const x = operand(a, "args[0]");
    const y = operand(b, "args[1]");
    if (typeof x === "number" && typeof y === "number") throw new TypeError("no tensor operand");
    return f(x, y);
  });
}

function unary(f: (x: T) => T): AdapterOp {
  return op(([x]) => f(f32(x, "input")));
}

function reduction(f: (x: T, axis?: number[], keepDims?: boolean) => T): AdapterOp {
  return op(([x], kw) => {
    const input = f32(x, "input");
    const dim = kw.dim;
    // tf's reductions take no axis on a 0-d tensor, where PyTorch accepts dim 0 and -1.
    const dims = dim === undefined || dim === null
      ? undefined
      : input.rank === 0
      ? (axis(num(dim, NaN, "dim"), 0), undefined)
      : (Array.isArray(dim) ? dim : [num(dim, NaN, "dim")]).map((d) => axis(d, input.rank));
    return f(input, dims, bool(kw.keepdim, false, "keepdim"));
  });
}

/** TensorFlow.js 4.22 on one backend. */
export function tfjsAdapter(backend: TfBackend = "cpu"): Adapter {
  const ready = (async () => {
    const status = await tfStatus(backend);
    if (!status.ok) throw new Error(`TensorFlow.js ${backend}: ${status.reason}`);
    await useBackend(backend);
  })();
  ready.catch(() => {}); // reported by the first op that awaits it
  const ops: Record<string, AdapterOp> = {
    l1_loss: l1Loss,
    mse_loss: mseLoss,
    nll_loss: nllLoss,
    cross_entropy: crossEntropy,
    binary_cross_entropy: binaryCrossEntropy,
    binary_cross_entropy_with_logits: binaryCrossEntropyWithLogits,
    kl_div: klDiv,
    poisson_nll_loss: poissonNllLoss,
    gaussian_nll_loss: gaussianNllLoss,
    hinge_embedding_loss: hingeEmbeddingLoss,
    log_softmax: alongDim((x) => tf.logSoftmax(x)),
    softmax: alongDim((x) => tf.softmax(x)),
    smooth_l1_loss: smoothL1Loss,
    huber_loss: huberLoss,
    soft_margin_loss: softMarginLoss,
    margin_ranking_loss: marginRankingLoss,
    multi_margin_loss: multiMarginLoss,
    multilabel_margin_loss: unsupported("TensorFlow.js has no multilabel margin loss"),
    multilabel_soft_margin_loss: multilabelSoftMarginLoss,
    cosine_embedding_loss: cosineEmbeddingLoss,
    ctc_loss: unsupported("TensorFlow.js has no CTC loss"),
    triplet_margin_loss: tripletMarginLoss,
    triplet_margin_with_distance_loss: tripletMarginWithDistanceLoss,
    pairwise_distance: pairwiseDistance,
    add: binary((a, b) => tf.add(a, b)),
    sub: binary((a, b) => tf.sub(a, b)),
    mul: binary((a, b) => tf.mul(a, b)),
    div: binary((a, b) => tf.div(a, b)),
    minimum: binary((a, b) => tf.minimum(a, b)),
    maximum: binary((a, b) => tf.maximum(a, b)),
    neg: unary((x) => tf.neg(x)),
    abs: unary((x) => tf.abs(x)),
    sqrt: unary((x) => tf.sqrt(x)),
    pow: op(([x, e]) => tf.pow(f32(x, "input"), num(e, NaN, "exponent"))),
    clamp_min: op(([x, m]) => tf.maximum(f32(x, "input"), num(m, NaN, "min"))),
    clamp: op(([x], kw) => {
      let out = f32(x, "input");
      if (kw.min !== undefined && kw.min !== null) out = tf.maximum(out, num(kw.min, NaN, "min"));
      if (kw.max !== undefined && kw.max !== null) out = tf.minimum(out, num(kw.max, NaN, "max"));
      return out;
    }),
    sum: reduction((x, a, k) => tf.sum(x, a, k)),
    mean: reduction((x, a, k) => tf.mean(x, a, k)),
    randn: unsupported("TensorFlow.js's generators are not PyTorch's random streams"),
    rand: unsupported("TensorFlow.js's generators are not PyTorch's random streams"),
    randint: unsupported("TensorFlow.js's generators are not PyTorch's random streams"),
  };
  for (const [name, f] of Object.entries(ops)) {
    ops[name] = async (call) => {
      await ready;
      return f(call);
    };
  }
  return { name: `tfjs-4.22 ${backend}`, ops };
}

const env = Deno.env.get("TFJS_BACKEND");

/** The adapter `--impl` loads: the cpu backend, or `TFJS_BACKEND` (`cpu`, `wasm`). */
const adapter: Adapter = tfjsAdapter(env === "wasm" ? "wasm" : "cpu");
export default adapter;
