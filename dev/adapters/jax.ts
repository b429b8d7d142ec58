/**
 * jax-js 0.1.25 as a conformance adapter: PyTorch's ops ported the way a careful jax-js user
 * would write them, with `numpy` and `nn` ops and gradients from `vjp`, in the same formulas as
 * the TensorFlow.js adapter (`tfjs.ts`) wherever the two libraries allow, so that the two
 * tables compare the libraries rather than the ports. Like that adapter it adds no input
 * checks of its own beyond what an option's type needs.
 * Dev-only: nothing the package publishes imports it.
 *
 * ```sh
 * deno run --config dev/deno.json -A conformance/cli.ts --impl dev/adapters/jax.ts --devices wasm
 * ```
 *
 * The module exports one adapter per device, `wasm` (the default device of jax-js) and `cpu`.
 * Cases it cannot express are skipped with the reason: jax-js has no int64 (int64 becomes
 * int32 when the values fit), no CTC loss, and not PyTorch's random streams.
 *
 * @module
 */

import {
  type Device,
  isJaxArray,
  type JaxArray,
  jaxStatus,
  nn,
  np,
  useDevice,
  vjp,
} from "../peers/jax.ts";
import type { ArrayTensor } from "../../conformance/fixture.ts";
import {
  type Adapter,
  type AdapterOp,
  type AdapterValue,
  type OpCall,
  type OpResult,
  Unsupported,
} from "../../conformance/runner.ts";

type J = JaxArray;
/** An argument after conversion: a jax-js array, or the plain value. */
type Arg = J | number | boolean | string | null | number[];

function isArrayTensor(v: AdapterValue): v is ArrayTensor {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isJ(v: Arg | undefined): v is J {
  return isJaxArray(v);
}

/** float32 and float64 as they are; int64 → int32 (when the values fit); bool → bool. */
function toJax(v: AdapterValue): Arg {
  if (!isArrayTensor(v)) return v;
  const shape = [...v.shape];
  if (v.data.length === 0) {
    // np.array of an empty typed array throws in 0.1.25 ("Expected a number for constant").
    const dtype = { float32: np.float32, float64: np.float64, int64: np.int32, bool: np.bool }[
      v.dtype
    ];
    return np.zeros(shape, { dtype });
  }
  switch (v.dtype) {
    case "float32":
      return np.array(Float32Array.from(v.data as Float32Array), {
        shape,
        dtype: np.float32,
      });
    case "float64":
      return np.array(Float64Array.from(v.data as Float64Array), {
        shape,
        dtype: np.float64,
      });
    case "bool":
      return np.array(Array.from(v.data as Uint8Array, (b) => b !== 0), {
        shape,
      });
    case "int64": {
      const data = Int32Array.from(v.data as BigInt64Array, (b) => {
        if (b < -(2n ** 31n) || b >= 2n ** 31n) {
          throw new Unsupported(
            "jax-js has no int64: a value is outside int32",
          );
        }
        return Number(b);
      });
      return np.array(data, { shape, dtype: np.int32 });
    }
  }
}

function fromJax(t: J): ArrayTensor {
  const dtype = String(t.dtype);
  if (dtype !== "float32" && dtype !== "float64") {
    throw new Unsupported(`the output is ${dtype}; PyTorch's is a float`);
  }
  const data = t.ref.dataSync();
  return {
    dtype,
    shape: [...t.shape],
    data: dtype === "float32"
      ? Float32Array.from(data as Float32Array)
      : Float64Array.from(data as Float64Array),
  };
}

/** A floating-point input (a jax-js user would cast int and bool first). */
function fl(v: Arg | undefined, what: string): J {
  if (!isJ(v)) throw new TypeError(`${what} must be a tensor`);
  const dtype = String(v.dtype);
  if (dtype !== "float32" && dtype !== "float64") {
    throw new Unsupported(
      `${what} is ${dtype}: the port takes floating-point input`,
    );
  }
  return v;
}

/** ±1 labels: floats, or int32 and bool cast to the other operand's float dtype. */
function labels(v: Arg | undefined, like: J, what: string): J {
  if (!isJ(v)) throw new TypeError(`${what} must be a tensor`);
  const dtype = String(v.dtype);
  return dtype === "float32" || dtype === "float64" ? v : np.astype(v, like.dtype);
}

/** Class indices: int64 arrives as int32. */
function indices(v: Arg | undefined, what: string): J {
  if (!isJ(v)) throw new TypeError(`${what} must be a tensor`);
  if (String(v.dtype) !== "int32") {
    throw new Unsupported(`${what} as ${v.dtype} class indices`);
  }
  return v;
}

/** A number option; the fixtures' "inf" strings arrive as numbers. */
function num(v: Arg | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number") throw new TypeError(`${what} must be a number`);
  return v;
}

function bool(v: Arg | undefined, fallback: boolean, what: string): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new TypeError(`${what} must be a boolean`);
  return v;
}

function red(v: Arg | undefined, extra: readonly string[] = []): string {
  const r = v ?? "mean";
  if (typeof r !== "string" || !["none", "mean", "sum", ...extra].includes(r)) {
    throw new Error(`unknown reduction ${String(r)}`);
  }
  return r;
}

function reduce(loss: J, r: string): J {
  return r === "none" ? loss : r === "sum" ? np.sum(loss) : np.mean(loss);
}

function optional(v: Arg | undefined, what: string): J | undefined {
  return v === undefined || v === null ? undefined : fl(v, what);
}

/**
 * Runs `body` on the converted arguments; with a gradient output, the gradients of
 * `sum(output * gradOutput)` for `call.requiresGrad` come from `vjp`.
 */
function run(
  call: OpCall,
  body: (args: Arg[], kwargs: Record<string, Arg>) => J,
): OpResult {
  const args = call.args.map(toJax);
  const kwargs = Object.fromEntries(
    Object.entries(call.kwargs).map(([k, v]) => [k, toJax(v)]),
  );
  const wanted = call.gradOutput === null ? [] : call.requiresGrad;
  if (wanted.length === 0) {
    return { output: fromJax(body(args, kwargs)), grads: {} };
  }
  const primals = wanted.map((i) => fl(args[i], `args[${i}]`));
  const f = (...ts: J[]): J => {
    const swapped = [...args];
    wanted.forEach((i, k) => swapped[i] = ts[k]);
    return body(swapped, kwargs);
  };
  const [value, back] = vjp(f, primals.map((p) => p.ref));
  const gradOutput = toJax(call.gradOutput as ArrayTensor) as J;
  const grads = back(gradOutput.ref) as J[];
  const out: Record<number, ArrayTensor> = {};
  wanted.forEach((i, k) => out[i] = fromJax(grads[k]));
  return { output: fromJax(value), grads: out };
}

function op(body: (args: Arg[], kwargs: Record<string, Arg>) => J): AdapterOp {
  return (call) => run(call, body);
}

function unsupported(reason: string): AdapterOp {
  return () => {
    throw new Unsupported(reason);
  };
}

// ---- the losses ----

const l1Loss = op(([x, y], kw) =>
  reduce(
    np.abs(np.subtract(fl(x, "input"), fl(y, "target"))),
    red(kw.reduction),
  )
);

const mseLoss = op(([x, y], kw) =>
  reduce(
    np.square(np.subtract(fl(x, "input"), fl(y, "target"))),
    red(kw.reduction),
  )
);

const huberLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const delta = num(kw.delta, 1, "delta");
  const d = np.abs(np.subtract(fl(x, "input"), fl(y, "target")));
  const loss = np.where(
    np.less(d, delta),
    np.multiply(0.5, np.square(d)),
    np.multiply(delta, np.subtract(d, 0.5 * delta)),
  );
  return reduce(loss, r);
});

const smoothL1Loss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const beta = num(kw.beta, 1, "beta");
  const d = np.abs(np.subtract(fl(x, "input"), fl(y, "target")));
  if (beta === 0) return reduce(d, r);
  const loss = np.where(
    np.less(d, beta),
    np.divide(np.multiply(0.5, np.square(d)), beta),
    np.subtract(d, 0.5 * beta),
  );
  return reduce(loss, r);
});

const hingeEmbeddingLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 1, "margin");
  const input = fl(x, "input");
  const target = labels(y, input, "target");
  const marginPart = np.where(
    np.notEqual(target, 1),
    nn.relu(np.subtract(margin, input)),
    0,
  );
  const selfPart = np.where(np.notEqual(target, -1), input, 0);
  return reduce(np.add(marginPart, selfPart), r);
});

const softMarginLoss = op(([x, y], kw) => {
  const input = fl(x, "input");
  const target = labels(y, input, "target");
  return reduce(
    nn.softplus(np.negative(np.multiply(target, input))),
    red(kw.reduction),
  );
});

const binaryCrossEntropy = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const input = fl(x, "input");
  const target = fl(y, "target");
  // PyTorch clamps each log at -100, so probabilities of 0 and 1 stay finite.
  const logP = np.maximum(np.log(input), -100);
  const log1mP = np.maximum(np.log(np.subtract(1, input)), -100);
  let loss = np.negative(
    np.add(
      np.multiply(target, logP),
      np.multiply(np.subtract(1, target), log1mP),
    ),
  );
  const weight = optional(kw.weight, "weight");
  if (weight !== undefined) loss = np.multiply(loss, weight);
  return reduce(loss, r);
});

const binaryCrossEntropyWithLogits = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const input = fl(x, "input");
  const target = fl(y, "target");
  // log(1 + exp(-|x|)) + max(-x, 0) is -log(sigmoid(x)), stable for large |x|
  const softplusNeg = np.add(
    np.log1p(np.exp(np.negative(np.abs(input)))),
    nn.relu(np.negative(input)),
  );
  const posWeight = optional(kw.pos_weight, "pos_weight");
  const logWeight = posWeight === undefined
    ? 1
    : np.add(1, np.multiply(np.subtract(posWeight, 1), target));
  let loss = np.add(
    np.multiply(np.subtract(1, target), input),
    np.multiply(logWeight, softplusNeg),
  );
  const weight = optional(kw.weight, "weight");
  if (weight !== undefined) loss = np.multiply(loss, weight);
  return reduce(loss, r);
});

/** The class axis of (N, C, d1, ...) or (C). */
function classAxis(x: J): number {
  return x.ndim === 1 ? 0 : 1;
}

/** logp at each target's class: input (N, C, d...) or (C), target (N, d...) or (). */
function pick(logp: J, target: J): J {
  const axis = classAxis(logp);
  return np.squeeze(
    np.takeAlongAxis(logp, np.expandDims(target, axis), axis),
    axis,
  );
}

/** Per-element weights: 0 at ignore_index, else weight[target] (or 1). */
function targetWeights(
  target: J,
  weight: J | undefined,
  ignoreIndex: number,
  like: J,
): J {
  const keep = np.astype(np.notEqual(target, ignoreIndex), like.dtype);
  if (weight === undefined) return keep;
  return np.multiply(
    keep,
    np.take(weight, np.where(np.equal(target, ignoreIndex), 0, target)),
  );
}

/** Sums weighted losses and divides by the weights for "mean", as PyTorch's nll does. */
function weightedReduce(loss: J, w: J, r: string): J {
  if (r === "none") return loss;
  if (r === "sum") return np.sum(loss);
  return np.divide(np.sum(loss), np.sum(w));
}

const nllLoss = op(([x, t], kw) => {
  const r = red(kw.reduction);
  const ignoreIndex = num(kw.ignore_index, -100, "ignore_index");
  const input = fl(x, "input");
  const target = indices(t, "target");
  const w = targetWeights(
    target,
    optional(kw.weight, "weight"),
    ignoreIndex,
    input,
  );
  const safe = np.where(np.equal(target, ignoreIndex), 0, target);
  return weightedReduce(np.multiply(np.negative(pick(input, safe)), w), w, r);
});

const crossEntropy = op(([x, t], kw) => {
  const r = red(kw.reduction);
  const ignoreIndex = num(kw.ignore_index, -100, "ignore_index");
  const smoothing = num(kw.label_smoothing, 0, "label_smoothing");
  const weight = optional(kw.weight, "weight");
  const input = fl(x, "input");
  const axis = classAxis(input);
  const c = input.shape[axis];
  const logp = nn.logSoftmax(input, axis);
  /** weight along the class axis, to multiply (N, C, d...) by. */
  const classWeight = weight === undefined
    ? undefined
    : np.reshape(weight, input.shape.map((_, k) => k === axis ? c : 1));
  if (
    isJ(t) && (String(t.dtype) === "float32" || String(t.dtype) === "float64")
  ) {
    // Class probabilities, the shape of the input.
    const smoothed = np.add(np.multiply(t, 1 - smoothing), smoothing / c);
    const terms = np.multiply(smoothed, logp);
    const weighted = classWeight === undefined ? terms : np.multiply(terms, classWeight);
    return reduce(np.negative(np.sum(weighted, axis)), r);
  }
  const target = indices(t, "target");
  const w = targetWeights(target, weight, ignoreIndex, input);
  const safe = np.where(np.equal(target, ignoreIndex), 0, target);
  const nll = np.multiply(np.negative(pick(logp, safe)), w);
  if (smoothing === 0) return weightedReduce(nll, w, r);
  // (1 − ε) nll + ε/C Σ_c w_c (−log p_c), the second term over the targets not ignored.
  const all = classWeight === undefined ? logp : np.multiply(logp, classWeight);
  const keep = np.astype(np.notEqual(target, ignoreIndex), input.dtype);
  const smooth = np.multiply(keep, np.negative(np.sum(all, axis)));
  if (r === "none") {
    return np.add(
      np.multiply(1 - smoothing, nll),
      np.multiply(smoothing / c, smooth),
    );
  }
  const denominator = r === "sum" ? 1 : np.sum(w);
  return np.add(
    np.multiply(1 - smoothing, np.divide(np.sum(nll), denominator)),
    np.multiply(smoothing / c, np.divide(np.sum(smooth), denominator)),
  );
});

const klDiv = op(([x, y], kw) => {
  const r = red(kw.reduction, ["batchmean"]);
  const logTarget = bool(kw.log_target, false, "log_target");
  const input = fl(x, "input");
  const target = fl(y, "target");
  const loss = logTarget ? np.multiply(np.exp(target), np.subtract(target, input)) : np.subtract(
    // xlogy(target, target): 0 where the target is 0, nan where it is negative.
    np.where(np.equal(target, 0), 0, np.multiply(target, np.log(target))),
    np.multiply(target, input),
  );
  if (r === "batchmean") {
    return np.divide(np.sum(loss), input.ndim === 0 ? 1 : input.shape[0]);
  }
  return reduce(loss, r);
});

const poissonNllLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const logInput = bool(kw.log_input, true, "log_input");
  const full = bool(kw.full, false, "full");
  const eps = num(kw.eps, 1e-8, "eps");
  const input = fl(x, "input");
  const target = fl(y, "target");
  let loss = logInput
    ? np.subtract(np.exp(input), np.multiply(target, input))
    : np.subtract(input, np.multiply(target, np.log(np.add(input, eps))));
  if (full) {
    // Stirling's approximation of log(target!), for targets above 1.
    const stirling = np.add(
      np.subtract(np.multiply(target, np.log(target)), target),
      np.multiply(0.5, np.log(np.multiply(2 * Math.PI, target))),
    );
    loss = np.add(loss, np.where(np.greater(target, 1), stirling, 0));
  }
  return reduce(loss, r);
});

const gaussianNllLoss = op(([x, y, v], kw) => {
  const r = red(kw.reduction);
  const full = bool(kw.full, false, "full");
  const eps = num(kw.eps, 1e-6, "eps");
  const input = fl(x, "input");
  const target = fl(y, "target");
  let variance = fl(v, "var");
  const same = (a: number[], b: number[]) => a.join() === b.join();
  if (!same(input.shape, variance.shape)) {
    if (same(input.shape.slice(0, -1), variance.shape)) {
      variance = np.expandDims(variance, -1);
    } else if (
      !(same(input.shape.slice(0, -1), variance.shape.slice(0, -1)) &&
        variance.shape.at(-1) === 1)
    ) throw new Error("var is of incorrect size");
  }
  const clamped = np.maximum(variance, eps);
  let loss = np.multiply(
    0.5,
    np.add(
      np.log(clamped),
      np.divide(np.square(np.subtract(input, target)), clamped),
    ),
  );
  if (full) loss = np.add(loss, 0.5 * Math.log(2 * Math.PI));
  return reduce(loss, r);
});

const marginRankingLoss = op(([a, b, y], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 0, "margin");
  const x1 = fl(a, "input1");
  const x2 = fl(b, "input2");
  const target = labels(y, x1, "target");
  return reduce(
    nn.relu(
      np.add(np.multiply(np.negative(target), np.subtract(x1, x2)), margin),
    ),
    r,
  );
});

const cosineEmbeddingLoss = op(([a, b, y], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 0, "margin");
  const x1 = fl(a, "input1");
  const x2 = fl(b, "input2");
  const target = labels(y, x1, "target");
  const EPS = 1e-12;
  const prod = np.sum(np.multiply(x1, x2), -1);
  const mag1 = np.add(np.sum(np.square(x1), -1), EPS);
  const mag2 = np.add(np.sum(np.square(x2), -1), EPS);
  const cos = np.divide(prod, np.sqrt(np.multiply(mag1, mag2)));
  const pos = np.where(np.equal(target, 1), np.subtract(1, cos), 0);
  const neg = np.where(
    np.equal(target, -1),
    nn.relu(np.subtract(cos, margin)),
    0,
  );
  return reduce(np.add(pos, neg), r);
});

const multilabelSoftMarginLoss = op(([x, y], kw) => {
  const r = red(kw.reduction);
  const input = fl(x, "input");
  const target = labels(y, input, "target");
  let loss = np.negative(np.add(
    np.multiply(target, nn.logSigmoid(input)),
    np.multiply(np.subtract(1, target), nn.logSigmoid(np.negative(input))),
  ));
  const weight = optional(kw.weight, "weight");
  if (weight !== undefined) loss = np.multiply(loss, weight);
  // PyTorch sums over the input's last dim (by index, also when the target broadcasts the
  // loss to more dims) and divides by its size.
  const classDim = Math.max(input.ndim - 1, 0);
  const summed = loss.ndim === 0 ? loss : np.sum(loss, classDim);
  return reduce(np.divide(summed, input.shape[classDim] ?? 1), r);
});

/** Input (N, C) or (C) as rows (N, C); target (N) or () as (N). */
function rows(x: J, t: J): [J, J, number] {
  const input = x.ndim <= 1 ? np.reshape(x, [1, x.ndim === 0 ? 1 : x.shape[0]]) : x;
  return [input, np.reshape(t, [-1]), input.shape[1]];
}

const multiMarginLoss = op(([x, t], kw) => {
  const r = red(kw.reduction);
  const p = num(kw.p, 1, "p");
  if (p !== 1 && p !== 2) throw new Error("only p == 1 and p == 2 supported");
  const margin = num(kw.margin, 1, "margin");
  const input = fl(x, "input");
  const targets = indices(t, "target");
  const [m, target, c] = rows(input, targets);
  const picked = np.takeAlongAxis(m, np.expandDims(target, 1), 1);
  let terms = nn.relu(np.add(np.subtract(margin, picked), m));
  if (p === 2) terms = np.square(terms);
  const weight = optional(kw.weight, "weight");
  if (weight !== undefined) {
    terms = np.multiply(terms, np.expandDims(np.take(weight, target), 1));
  }
  const others = np.subtract(1, np.astype(nn.oneHot(target, c), input.dtype));
  const loss = np.divide(np.sum(np.multiply(terms, others), -1), c);
  return reduce(
    input.ndim <= 1 ? np.reshape(loss, [...targets.shape]) : loss,
    r,
  );
});

const multilabelMarginLoss = op(([x, t], kw) => {
  const r = red(kw.reduction);
  const input = fl(x, "input");
  const targets = indices(t, "target");
  const m = input.ndim <= 1 ? np.reshape(input, [1, input.ndim === 0 ? 1 : input.shape[0]]) : input;
  const target = np.reshape(targets, m.shape);
  const c = m.shape[1];
  // The targets of a row are its entries before the first -1; each counts once per listing.
  const listed = np.cumprod(np.astype(np.notEqual(target, -1), np.int32), 1);
  const safe = np.where(np.equal(listed, 1), target, 0);
  const counts = np.sum(
    np.multiply(
      np.astype(nn.oneHot(safe, c), input.dtype),
      np.expandDims(np.astype(listed, input.dtype), 2),
    ),
    1,
  );
  const isTarget = np.astype(np.greater(counts, 0), input.dtype);
  // hinge[n, j, i] = max(0, 1 - (x[n, j] - x[n, i])) for target j and non-target i
  const hinge = nn.relu(
    np.subtract(1, np.subtract(np.expandDims(m, 2), np.expandDims(m, 1))),
  );
  const pairs = np.multiply(
    np.expandDims(counts, 2),
    np.expandDims(np.subtract(1, isTarget), 1),
  );
  const loss = np.divide(np.sum(np.multiply(hinge, pairs), [1, 2]), c);
  return reduce(input.ndim <= 1 ? np.reshape(loss, []) : loss, r);
});

// ---- distances ----

/** ‖x1 − x2 + eps‖_p over the last axis, as torch.nn.functional.pairwise_distance. */
function pairwise(x1: J, x2: J, p: number, eps: number, keepdim: boolean): J {
  const d = np.add(np.subtract(x1, x2), eps);
  if (d.ndim === 0) {
    return p === 0 ? np.astype(np.notEqual(d, 0), d.dtype) : np.abs(d);
  }
  const a = np.abs(d);
  const axis = d.ndim - 1;
  const opts = { keepdims: keepdim };
  if (p === Infinity) return np.max(a, axis, opts);
  if (p === -Infinity) return np.min(a, axis, opts);
  if (p === 0) return np.sum(np.astype(np.notEqual(a, 0), d.dtype), axis, opts);
  if (p === 1) return np.sum(a, axis, opts);
  if (p === 2) return np.sqrt(np.sum(np.square(a), axis, opts));
  return np.power(np.sum(np.power(a, p), axis, opts), 1 / p);
}

const pairwiseDistance = op(([a, b], kw) =>
  pairwise(
    fl(a, "x1"),
    fl(b, "x2"),
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
  const [anchor, pos, neg] = [
    fl(a, "anchor"),
    fl(p, "positive"),
    fl(n, "negative"),
  ];
  const dPos = pairwise(anchor, pos, norm, eps, false);
  let dNeg = pairwise(anchor, neg, norm, eps, false);
  if (swap) dNeg = np.minimum(dNeg, pairwise(pos, neg, norm, eps, false));
  return reduce(nn.relu(np.add(np.subtract(dPos, dNeg), margin)), r);
});

/** The fixtures' named distance functions (see conformance/ops.ts), in jax-js ops. */
const DISTANCES: Record<string, (a: J, b: J) => J> = {
  pairwise: (a, b) => pairwise(a, b, 2, 1e-6, false),
  pairwise_p1: (a, b) => pairwise(a, b, 1, 0, false),
  l1: (a, b) => np.sum(np.abs(np.subtract(a, b)), -1),
  squared: (a, b) => np.sum(np.square(np.subtract(a, b)), -1),
  euclidean: (a, b) => np.sqrt(np.sum(np.square(np.subtract(a, b)), -1)),
  mean_cubed: (a, b) => np.mean(np.power(np.abs(np.subtract(a, b)), 3), -1),
  cosine: (a, b) =>
    np.subtract(
      1,
      np.divide(
        np.sum(np.multiply(a, b), -1),
        np.sqrt(
          np.multiply(
            np.sum(np.multiply(a, a), -1),
            np.sum(np.multiply(b, b), -1),
          ),
        ),
      ),
    ),
  not_a_tensor: () => 1 as unknown as J,
};

const tripletMarginWithDistanceLoss = op(([a, p, n], kw) => {
  const r = red(kw.reduction);
  const margin = num(kw.margin, 1, "margin");
  const swap = bool(kw.swap, false, "swap");
  const name = kw.distance_function ?? "pairwise";
  const dist = typeof name === "string" ? DISTANCES[name] : undefined;
  if (dist === undefined) {
    throw new TypeError(`unknown distance_function ${String(name)}`);
  }
  const [anchor, pos, neg] = [
    fl(a, "anchor"),
    fl(p, "positive"),
    fl(n, "negative"),
  ];
  const dPos = dist(anchor, pos);
  let dNeg = dist(anchor, neg);
  if (swap) dNeg = np.minimum(dNeg, dist(pos, neg));
  if (!isJ(dPos) || !isJ(dNeg)) {
    throw new TypeError("the distance must be an array");
  }
  return reduce(nn.relu(np.add(np.subtract(dPos, dNeg), margin)), r);
});

// ---- softmax and the tensor ops ----

function alongDim(f: (x: J, axis: number) => J): AdapterOp {
  return op(([x, dim]) => {
    const input = fl(x, "input");
    const d = num(dim, NaN, "dim");
    const rank = Math.max(input.ndim, 1);
    if (!Number.isInteger(d) || d < -rank || d >= rank) {
      throw new RangeError(`dim ${d} out of range for rank ${input.ndim}`);
    }
    if (input.ndim === 0) return np.reshape(f(np.reshape(input, [1]), 0), []);
    return f(input, d < 0 ? d + rank : d);
  });
}

function operand(v: Arg | undefined, what: string): J | number {
  return typeof v === "number" ? v : fl(v, what);
}

function binary(f: (a: J | number, b: J | number) => J): AdapterOp {
  return op(([a, b]) => {
    const x = operand(a, "args[0]");
    const y = operand(b, "args[1]");
    if (typeof x === "number" && typeof y === "number") {
      throw new TypeError("no array operand");
    }
    return f(x, y);
  });
}

function unary(f: (x: J) => J): AdapterOp {
  return op(([x]) => f(fl(x, "input")));
}

function reduction(
  f: (x: J, axis: number | null, opts: { keepdims: boolean }) => J,
): AdapterOp {
  return op(([x], kw) => {
    const input = fl(x, "input");
    const dim = kw.dim;
    const keepdims = bool(kw.keepdim, false, "keepdim");
    if (dim === undefined || dim === null) {
      return f(input, null, { keepdims: false });
    }
    const d = num(dim, NaN, "dim");
    const rank = Math.max(input.ndim, 1);
    if (!Number.isInteger(d) || d < -rank || d >= rank) {
      throw new RangeError(`dim ${d} out of range for rank ${input.ndim}`);
    }
    // A 0-d array has no axis in jax-js, where PyTorch accepts dim 0 and -1.
    if (input.ndim === 0) return f(input, null, { keepdims: false });
    return f(input, d < 0 ? d + rank : d, { keepdims });
  });
}

/** jax-js 0.1.25 on one device. */
export function jaxAdapter(device: Device = "wasm"): Adapter {
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
    log_softmax: alongDim((x, axis) => nn.logSoftmax(x, axis)),
    softmax: alongDim((x, axis) => nn.softmax(x, axis)),
    smooth_l1_loss: smoothL1Loss,
    huber_loss: huberLoss,
    soft_margin_loss: softMarginLoss,
    margin_ranking_loss: marginRankingLoss,
    multi_margin_loss: multiMarginLoss,
    multilabel_margin_loss: multilabelMarginLoss,
    multilabel_soft_margin_loss: multilabelSoftMarginLoss,
    cosine_embedding_loss: cosineEmbeddingLoss,
    ctc_loss: unsupported("jax-js has no CTC loss"),
    triplet_margin_loss: tripletMarginLoss,
    triplet_margin_with_distance_loss: tripletMarginWithDistanceLoss,
    pairwise_distance: pairwiseDistance,
    add: binary((a, b) => np.add(a, b)),
    sub: binary((a, b) => np.subtract(a, b)),
    mul: binary((a, b) => np.multiply(a, b)),
    div: binary((a, b) => np.divide(a, b)),
    minimum: binary((a, b) => np.minimum(a, b)),
    maximum: binary((a, b) => np.maximum(a, b)),
    neg: unary((x) => np.negative(x)),
    abs: unary((x) => np.abs(x)),
    sqrt: unary((x) => np.sqrt(x)),
    pow: op(([x, e]) => np.power(fl(x, "input"), num(e, NaN, "exponent"))),
    clamp_min: op(([x, m]) => np.maximum(fl(x, "input"), num(m, NaN, "min"))),
    clamp: op(([x], kw) => {
      let out = fl(x, "input");
      if (kw.min !== undefined && kw.min !== null) {
        out = np.maximum(out, num(kw.min, NaN, "min"));
      }
      if (kw.max !== undefined && kw.max !== null) {
        out = np.minimum(out, num(kw.max, NaN, "max"));
      }
      return out;
    }),
    sum: reduction((x, axis, opts) => np.sum(x, axis, opts)),
    mean: reduction((x, axis, opts) => np.mean(x, axis, opts)),
    randn: unsupported("jax-js's generators are not PyTorch's random streams"),
    rand: unsupported("jax-js's generators are not PyTorch's random streams"),
    randint: unsupported(
      "jax-js's generators are not PyTorch's random streams",
    ),
  };
  for (const [name, f] of Object.entries(ops)) {
    ops[name] = async (call) => {
      const missing = await jaxStatus(device);
      if (missing !== null) throw new Unsupported(missing);
      useDevice(device);
      return f(call);
    };
  }
  return { name: `jax-js-0.1.25 ${device}`, device, ops };
}

/** The adapters `--impl` loads: jax-js on its wasm device and on its cpu device. */
const adapters: Adapter[] = [jaxAdapter("wasm"), jaxAdapter("cpu")];
export default adapters;
