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
  };
}

const ELEMENTWISE = [[1e3], [1e5], [1e6], [1e7]];
const ELEMENTWISE_QUICK = [[1e3], [1e5], [1e6]];
const CLASSES = [[64, 10], [1024, 1000], [8192, 1000], [65536, 10]];
const CLASSES_QUICK = [[64, 10], [1024, 1000]];

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
export function cellBytes(op: BenchOp, shape: number[], mode: "forward" | "value+grad"): number {
  if (op.bytes) return op.bytes(shape, mode);
  const specs = op.inputs(shape);
  const read = specs.reduce((a, s) => a + bytesOf(s), 0);
  return mode === "forward" ? read : read + op.grad.reduce((a, i) => a + bytesOf(specs[i]), 0);
}

/** A shape as the report writes it: `1e6`, `1024x1000`. */
export function sizeLabel(shape: readonly number[]): string {
  if (shape.length === 1) {
    const e = Math.log10(shape[0]);
    return Number.isInteger(e) ? `1e${e}` : String(shape[0]);
  }
  return shape.join("x");
}
