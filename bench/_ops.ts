/**
 * The benchmark table: one row per op, keyed by PyTorch's name as in `conformance/ops.ts`
 * (which says how to call this library's function). A row gives the sizes, the inputs (as
 * seeded descriptions, so that PyTorch gets the same numbers) and, where TensorFlow.js can
 * express the loss, the TensorFlow.js version. Benchmarking a new loss is one row here and a
 * three-line `bench/<op>_bench.ts`.
 *
 * @module
 */

import type * as tfc from "npm:@tensorflow/tfjs-core@4.22.0";
import { bytesOf, type InputSpec } from "./_inputs.ts";

/** The TensorFlow.js core namespace. */
export type Tf = typeof tfc;
/** A TensorFlow.js tensor. */
export type TfTensor = tfc.Tensor;

/** A benchmark row. */
export interface BenchOp {
  /** PyTorch's `torch.nn.functional` name; a row of `conformance/ops.ts`. */
  torch: string;
  /** `"elementwise"` sizes are element counts; `"class"` sizes are N × C. */
  family: "elementwise" | "class";
  /** Shapes of a full run, smallest first. */
  sizes: number[][];
  /** Shapes of a `--quick` run. */
  quickSizes: number[][];
  /** The positional tensor arguments for one shape. */
  inputs: (shape: number[]) => InputSpec[];
  /** Positional arguments that take a gradient in the "value+grad" mode. */
  grad: number[];
  /**
   * Bytes one pass must move at least, when that is less than reading every input (and
   * writing every gradient): NLL reads one score per row. Default: {@linkcode cellBytes}'s.
   */
  bytes?: (shape: number[], mode: "forward" | "value+grad") => number;
  /**
   * Positional arguments after the tensors, passed as they are (softmax's `dim`): to this
   * library's function through `conformance/ops.ts`, and to PyTorch.
   */
  extra?: number[];
  /**
   * For an op whose result is a tensor, not a scalar loss (softmax, log_softmax): the seeded
   * gradient of the result that "value+grad" backpropagates (`out.backward(cotangent)`). The
   * "forward" mode then reads the whole result back, and peers are checked on the result's
   * dot product with it.
   */
  cotangent?: (shape: number[]) => InputSpec;
  /**
   * TensorFlow.js: `prepare` turns the inputs into TensorFlow.js's own format outside the
   * timed part (class indices to one-hot rows); `loss` is timed and returns a scalar.
   */
  tfjs?: {
    prepare?: (tf: Tf, args: TfTensor[]) => TfTensor[];
    loss: (tf: Tf, args: TfTensor[]) => tfc.Scalar | TfTensor;
    /** How it is written, for the report. */
    how: string;
    /**
     * Largest size (elements of the first input) each backend is timed at; larger sizes are
     * skipped with the reason, where one call would take tens of seconds.
     */
    maxNumel?: Partial<Record<"cpu" | "wasm" | "webgpu", number>>;
  };
}

const ELEMENTWISE = [[1e3], [1e5], [1e6], [1e7]];
const ELEMENTWISE_QUICK = [[1e3], [1e5], [1e6]];
const CLASSES = [[64, 10], [1024, 1000], [8192, 1000], [65536, 10]];
const CLASSES_QUICK = [[64, 10], [1024, 1000]];
/**
 * A `--quick` run times the five tutorial losses at the sizes above (the README's table) and
 * every other op at one small and one middle size, so it stays within a few minutes.
 */
const ELEMENTWISE_QUICK_OTHER = [[1e3], [1e5]];
const CLASSES_QUICK_OTHER = [[64, 10]];

/** Inputs of an elementwise loss: predictions in [-2, 2) and a target made by `target`. */
function pair(target: (shape: number[]) => InputSpec): (shape: number[]) => InputSpec[] {
  return (shape) => [{ kind: "uniform", shape, seed: 1, lo: -2, hi: 2 }, target(shape)];
}

/** Inputs of a class loss: (N, C) scores in [-2, 2) and N class indices. */
function scoresAndClasses(shape: number[]): InputSpec[] {
  const [n, c] = shape;
  return [
    { kind: "uniform", shape: [n, c], seed: 3, lo: -2, hi: 2 },
    { kind: "classes", shape: [n], seed: 4, classes: c },
  ];
}

/** Class indices (int32 in TensorFlow.js) to one-hot float rows. */
function oneHotTarget(tf: Tf, [scores, labels]: TfTensor[]): TfTensor[] {
  return [scores, tf.cast(tf.oneHot(labels as tfc.Tensor1D, scores.shape[1] ?? 1), "float32")];
}

/** Seeded float32 values in [lo, hi). */
function uniform(shape: number[], seed: number, lo: number, hi: number): InputSpec {
  return { kind: "uniform", shape, seed, lo, hi };
}

/** Targets per row of multilabel_margin_loss. */
const MULTILABELS = 4;

/** Anchor, positive and negative: N × D each. */
function triplets([n, d]: number[]): InputSpec[] {
  return [uniform([n, d], 1, -2, 2), uniform([n, d], 2, -2, 2), uniform([n, d], 5, -2, 2)];
}

/** torch's triplet loss with its defaults: margin 1, p 2, eps 1e-6 added to the difference. */
function tripletTf(tf: Tf, [a, p, n]: TfTensor[]): TfTensor {
  const dist = (u: TfTensor, v: TfTensor) =>
    tf.sqrt(tf.sum(tf.square(tf.add(tf.sub(u, v), 1e-6)), 1));
  return tf.mean(tf.relu(tf.add(tf.sub(dist(a, p), dist(a, n)), 1)));
}
const TRIPLET_HOW = "own ops: mean(relu(‖a - p + eps‖ - ‖a - n + eps‖ + 1))";

/** Every benchmarked op, in the order the report lists them. */
export const BENCH_OPS: readonly BenchOp[] = [
  {
    torch: "l1_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK,
    inputs: pair((shape) => ({ kind: "uniform", shape, seed: 2, lo: -2, hi: 2 })),
    grad: [0],
    tfjs: {
      loss: (tf, [x, y]) => tf.losses.absoluteDifference(y, x) as tfc.Scalar,
      how: "tf.losses.absoluteDifference",
    },
  },
  {
    torch: "mse_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK,
    inputs: pair((shape) => ({ kind: "uniform", shape, seed: 2, lo: -2, hi: 2 })),
    grad: [0],
    tfjs: {
      loss: (tf, [x, y]) => tf.losses.meanSquaredError(y, x) as tfc.Scalar,
      how: "tf.losses.meanSquaredError",
    },
  },
  {
    torch: "hinge_embedding_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK,
    inputs: pair((shape) => ({ kind: "sign", shape, seed: 2 })),
    grad: [0],
    tfjs: {
      loss: (tf, [x, y]) => tf.mean(tf.where(tf.equal(y, 1), x, tf.relu(tf.sub(1, x)))),
      how: "own ops: mean(where(y == 1, x, relu(1 - x)))",
    },
  },
  {
    torch: "nll_loss",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK,
    inputs: scoresAndClasses,
    grad: [0],
    // the class index and the one score it picks per row; the gradient is written in full
    bytes: ([n, c], mode) => n * (8 + 4) + (mode === "forward" ? 0 : n * c * 4),
    tfjs: {
      prepare: oneHotTarget,
      loss: (tf, [x, oneHot]) => tf.neg(tf.mean(tf.sum(tf.mul(x, oneHot), 1))),
      how: "own ops: -mean(sum(x * oneHot, 1)); one-hot made outside the timed part",
    },
  },
  {
    torch: "cross_entropy",
    family: "class",
    sizes: [...CLASSES, [512, 50257]],
    quickSizes: CLASSES_QUICK,
    inputs: scoresAndClasses,
    grad: [0],
    tfjs: {
      prepare: oneHotTarget,
      loss: (tf, [x, oneHot]) => tf.losses.softmaxCrossEntropy(oneHot, x) as tfc.Scalar,
      how: "tf.losses.softmaxCrossEntropy; one-hot made outside the timed part",
    },
  },
  {
    torch: "smooth_l1_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    inputs: pair((shape) => uniform(shape, 2, -2, 2)),
    grad: [0],
    tfjs: {
      // beta = delta = 1: the same function
      loss: (tf, [x, y]) => tf.losses.huberLoss(y, x) as tfc.Scalar,
      how: "tf.losses.huberLoss (delta 1 = beta 1)",
    },
  },
  {
    torch: "huber_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    inputs: pair((shape) => uniform(shape, 2, -2, 2)),
    grad: [0],
    tfjs: {
      loss: (tf, [x, y]) => tf.losses.huberLoss(y, x) as tfc.Scalar,
      how: "tf.losses.huberLoss",
    },
  },
  {
    torch: "soft_margin_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    inputs: pair((shape) => ({ kind: "sign", shape, seed: 2 })),
    grad: [0],
    tfjs: {
      loss: (tf, [x, y]) => tf.mean(tf.softplus(tf.neg(tf.mul(y, x)))),
      how: "own ops: mean(softplus(-y * x))",
    },
  },
  {
    torch: "margin_ranking_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    inputs: (shape) => [
      uniform(shape, 1, -2, 2),
      uniform(shape, 2, -2, 2),
      { kind: "sign", shape, seed: 5 },
    ],
    grad: [0],
    tfjs: {
      loss: (tf, [x1, x2, y]) => tf.mean(tf.relu(tf.neg(tf.mul(y, tf.sub(x1, x2))))),
      how: "own ops: mean(relu(-y * (x1 - x2)))",
    },
  },
  {
    torch: "binary_cross_entropy",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    // probabilities away from 0 and 1 (where torch clamps the log at -100), soft targets
    inputs: (shape) => [uniform(shape, 1, 0.001, 0.999), uniform(shape, 2, 0, 1)],
    grad: [0],
    tfjs: {
      // tf.losses.logLoss adds 1e-7 inside the logs; the plain formula matches torch's
      loss: (tf, [p, y]) =>
        tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log1p(tf.neg(p)))))),
      how: "own ops: -mean(y * log(p) + (1 - y) * log1p(-p))",
    },
  },
  {
    torch: "binary_cross_entropy_with_logits",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    inputs: pair((shape) => uniform(shape, 2, 0, 1)),
    grad: [0],
    tfjs: {
      loss: (tf, [x, y]) => tf.losses.sigmoidCrossEntropy(y, x) as tfc.Scalar,
      how: "tf.losses.sigmoidCrossEntropy",
    },
  },
  {
    torch: "kl_div",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    // log-probabilities as input, probabilities (never 0) as target; reduction "mean"
    inputs: (shape) => [uniform(shape, 1, -4, 0), uniform(shape, 2, 0.001, 1)],
    grad: [0],
    tfjs: {
      loss: (tf, [x, t]) => tf.mean(tf.mul(t, tf.sub(tf.log(t), x))),
      how: "own ops: mean(t * (log(t) - x))",
    },
  },
  {
    torch: "poisson_nll_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    // log-rates as input (log_input=True), non-negative targets
    inputs: (shape) => [uniform(shape, 1, -2, 2), uniform(shape, 2, 0, 4)],
    grad: [0],
    tfjs: {
      loss: (tf, [x, t]) => tf.mean(tf.sub(tf.exp(x), tf.mul(t, x))),
      how: "own ops: mean(exp(x) - t * x)",
    },
  },
  {
    torch: "gaussian_nll_loss",
    family: "elementwise",
    sizes: ELEMENTWISE,
    quickSizes: ELEMENTWISE_QUICK_OTHER,
    // mean, target, and a positive variance
    inputs: (shape) => [
      uniform(shape, 1, -2, 2),
      uniform(shape, 2, -2, 2),
      uniform(shape, 5, 0.1, 2),
    ],
    grad: [0],
    tfjs: {
      loss: (tf, [x, t, v]) => {
        const vc = tf.maximum(v, 1e-6);
        return tf.mul(0.5, tf.mean(tf.add(tf.log(vc), tf.div(tf.squaredDifference(x, t), vc))));
      },
      how: "own ops: 0.5 * mean(log(max(v, eps)) + (x - t)² / max(v, eps))",
    },
  },
  {
    torch: "multi_margin_loss",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK_OTHER,
    inputs: scoresAndClasses,
    grad: [0],
    tfjs: {
      prepare: oneHotTarget,
      loss: (tf, [x, oneHot]) => {
        const picked = tf.sum(tf.mul(x, oneHot), 1, true);
        const hinge = tf.mul(tf.relu(tf.add(tf.sub(1, picked), x)), tf.sub(1, oneHot));
        return tf.div(tf.mean(tf.sum(hinge, 1)), x.shape[1] ?? 1);
      },
      how: "own ops: mean(sum(relu(1 - x[y] + x) * (1 - oneHot), 1)) / C; one-hot made " +
        "outside the timed part",
    },
  },
  {
    torch: "multilabel_margin_loss",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK_OTHER,
    // MULTILABELS targets per row (repeats possible), then -1
    inputs: ([n, c]) => [
      uniform([n, c], 3, -2, 2),
      { kind: "labels", shape: [n, c], seed: 4, count: Math.min(MULTILABELS, c) },
    ],
    grad: [0],
    tfjs: {
      // (N, K, C) one-hot rows of the K listed targets, and the (N, C) non-target mask
      prepare: (tf, [x, labels]) => {
        const [n, c] = x.shape as [number, number];
        const k = Math.min(MULTILABELS, c);
        // Written here in JS rather than with tf.oneHot: the wasm backend's oneHot ignores a
        // float32 dtype, and on webgpu a one-hot cast from int32 summed to zeros over its
        // middle axis; either made this peer disagree.
        const ids = labels.dataSync();
        const picks = new Float32Array(n * k * c);
        const other = new Float32Array(n * c).fill(1);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < k; j++) {
            const y = ids[i * c + j];
            picks[(i * k + j) * c + y] = 1;
            other[i * c + y] = 0;
          }
        }
        return [x, tf.tensor(picks, [n, k, c]), tf.tensor(other, [n, c])];
      },
      loss: (tf, [x, picks, other]) => {
        const c = x.shape[1] ?? 1;
        const xy = tf.sum(tf.mul(tf.expandDims(x, 1), picks), 2, true); // (N, K, 1)
        const hinge = tf.relu(tf.add(tf.sub(1, xy), tf.expandDims(x, 1))); // (N, K, C)
        return tf.div(tf.mean(tf.sum(tf.mul(hinge, tf.expandDims(other, 1)), [1, 2])), c);
      },
      // (N, K, C) intermediates: in a full run one value+grad call at 8192×1000 took about a
      // minute on the webgpu backend (software adapter) and 65536×10 stalled on wasm, so every
      // backend stops at 1e5 elements
      maxNumel: { cpu: 1e5, wasm: 1e5, webgpu: 1e5 },
      how: "own ops: mean(Σ_k Σ_j relu(1 - x[y_k] + x_j) · [j not a target]) / C; one-hot " +
        "and mask made outside the timed part",
    },
  },
  {
    torch: "multilabel_soft_margin_loss",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK_OTHER,
    inputs: ([n, c]) => [uniform([n, c], 3, -2, 2), { kind: "binary", shape: [n, c], seed: 4 }],
    grad: [0],
    tfjs: {
      // the mean over classes then over rows is the mean over all elements
      loss: (tf, [x, y]) => tf.losses.sigmoidCrossEntropy(y, x) as tfc.Scalar,
      how: "tf.losses.sigmoidCrossEntropy",
    },
  },
  {
    torch: "cosine_embedding_loss",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK_OTHER,
    // N pairs of C-vectors, N signs
    inputs: ([n, c]) => [
      uniform([n, c], 1, -2, 2),
      uniform([n, c], 2, -2, 2),
      { kind: "sign", shape: [n], seed: 5 },
    ],
    grad: [0],
    tfjs: {
      loss: (tf, [x1, x2, y]) => {
        // torch adds 1e-12 to each squared norm
        const cos = tf.div(
          tf.sum(tf.mul(x1, x2), 1),
          tf.sqrt(
            tf.mul(
              tf.add(tf.sum(tf.square(x1), 1), 1e-12),
              tf.add(tf.sum(tf.square(x2), 1), 1e-12),
            ),
          ),
        );
        return tf.mean(tf.where(tf.equal(y, 1), tf.sub(1, cos), tf.relu(cos)));
      },
      how: "own ops: mean(where(y == 1, 1 - cos, relu(cos)))",
    },
  },
  {
    torch: "triplet_margin_loss",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK_OTHER,
    inputs: triplets,
    grad: [0],
    tfjs: { loss: tripletTf, how: TRIPLET_HOW },
  },
  {
    torch: "triplet_margin_with_distance_loss",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK_OTHER,
    inputs: triplets,
    grad: [0],
    tfjs: { loss: tripletTf, how: TRIPLET_HOW },
  },
  {
    torch: "ctc_loss",
    family: "class",
    // (T, N, C): input length T, target lengths between S/2 and S
    sizes: [[50, 16, 20], [200, 32, 50]],
    quickSizes: [[50, 16, 20]],
    inputs: ([t, n, c]) => {
      const s = t / 5; // target lengths up to T / 5
      return [
        { kind: "logprobs", shape: [t, n, c], seed: 3, lo: -2, hi: 2 },
        { kind: "classes", shape: [n, s], seed: 4, classes: c - 1, offset: 1 },
        { kind: "classes", shape: [n], seed: 6, classes: 1, offset: t },
        { kind: "classes", shape: [n], seed: 7, classes: s / 2 + 1, offset: s / 2 },
      ];
    },
    grad: [0],
  },
  {
    torch: "log_softmax",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK_OTHER,
    inputs: ([n, c]) => [uniform([n, c], 3, -2, 2)],
    extra: [1],
    cotangent: ([n, c]) => uniform([n, c], 8, -1, 1),
    grad: [0],
    // read x and the result's gradient, write the result and x's gradient
    bytes: ([n, c], mode) => n * c * 4 * (mode === "forward" ? 2 : 4),
    tfjs: { loss: (tf, [x]) => tf.logSoftmax(x, 1), how: "tf.logSoftmax" },
  },
  {
    torch: "softmax",
    family: "class",
    sizes: CLASSES,
    quickSizes: CLASSES_QUICK_OTHER,
    inputs: ([n, c]) => [uniform([n, c], 3, -2, 2)],
    extra: [1],
    cotangent: ([n, c]) => uniform([n, c], 8, -1, 1),
    grad: [0],
    bytes: ([n, c], mode) => n * c * 4 * (mode === "forward" ? 2 : 4),
    tfjs: { loss: (tf, [x]) => tf.softmax(x, 1), how: "tf.softmax" },
  },
];

/** The row for a torch name; throws for an op without one. */
export function benchOp(torch: string): BenchOp {
  const op = BENCH_OPS.find((o) => o.torch === torch);
  if (op === undefined) throw new Error(`No benchmark row for ${torch} in bench/_ops.ts`);
  return op;
}

/**
 * The least bytes one pass of a cell must move: every input read once, and in "value+grad"
 * every gradient written once, unless the row says less. The bandwidth limit is this ÷ the
 * measured bandwidth.
 */
export function cellBytes(op: BenchOp, shape: number[], mode: Mode): number {
  if (op.bytes) return op.bytes(shape, mode === "forward" ? mode : "value+grad");
  const specs = op.inputs(shape);
  const read = specs.reduce((a, s) => a + bytesOf(s), 0);
  return mode === "forward" ? read : read + op.grad.reduce((a, i) => a + bytesOf(specs[i]), 0);
}

/**
 * Largest size (elements of the first input) TensorFlow.js's plain-JavaScript cpu backend is
 * timed at unless a row says otherwise: it runs 10 to 100 times slower than the others, so one
 * call at 1e7 elements takes seconds and the cell alone would take minutes of a full run (2e6
 * keeps 1024 × 1000, the class losses' size in the README).
 */
const TFJS_MAX_NUMEL: Partial<Record<string, number>> = { cpu: 2e6 };

/** The largest size a TensorFlow.js backend is timed at for `op`, or `undefined` for no limit. */
export function tfjsMaxNumel(op: BenchOp, backend: string): number | undefined {
  return op.tfjs?.maxNumel?.[backend as "cpu" | "wasm" | "webgpu"] ?? TFJS_MAX_NUMEL[backend];
}

/**
 * The timed modes: the loss read back ("forward", its result then disposed), and the loss and
 * its gradients read back in two loops: "value+grad" leaves them to the garbage collector (for
 * PyTorch: keeps the last call's results until the next call ends), "value+grad-dispose"
 * disposes them (`dispose()`; PyTorch frees them by reference count, `x.grad = None`).
 * TensorFlow.js needs `dispose()`, so it runs only the second loop.
 */
export const MODES = ["forward", "value+grad", "value+grad-dispose"] as const;
/** One of {@linkcode MODES}. */
export type Mode = typeof MODES[number];

/** A shape as the report writes it: `1e6`, `1024x1000`. */
export function sizeLabel(shape: readonly number[]): string {
  if (shape.length === 1) {
    const e = Math.log10(shape[0]);
    return Number.isInteger(e) ? `1e${e}` : String(shape[0]);
  }
  return shape.join("x");
}
