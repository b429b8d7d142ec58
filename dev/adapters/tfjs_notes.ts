/**
 * Why TensorFlow.js 4.22 disagrees with PyTorch, by tag: the notes of the README tables
 * "TensorFlow.js against PyTorch" (`tables.ts` builds them, `tfjs_test.ts` checks the READMEs
 * show them). Run it to print the tables:
 *
 * ```sh
 * deno run --config dev/deno.json --allow-read --allow-env dev/adapters/tfjs_notes.ts
 * ```
 *
 * @module
 */

import type { LibraryNotes } from "./tables.ts";

/** The notes for TensorFlow.js. */
export const TFJS_NOTES: LibraryNotes = {
  why: {
    "empty": "a mean over zero elements is 0 in TensorFlow.js (tf.mean, tf.losses' MEAN) and " +
      "nan in PyTorch; gradients over empty tensors throw in 4.22: broadcasting a (1, n) " +
      "tensor to (0, n) gives a gradient of the wrong shape, and tf.gather's gradient " +
      "(unsortedSegmentSum on the cpu backend) reads an undefined tensor",
    "ties": "kinks and ties, where each picks a different subgradient: PyTorch splits a " +
      "max/min tie evenly (tf.maximum gives it all to the first argument), passes the " +
      "gradient at a clamp's boundary (tf.relu's is 0 at 0) and uses sign(0) = 0 in L1 " +
      "(tf.abs's gradient at 0 is −1); a norm at 0 has an infinite gradient in tf",
    "non-finite": "nan and ±inf: tf's chain rule multiplies 0 by ∞ (tf.where's unused branch, " +
      "norms at 0, tf.abs at nan), giving nan where PyTorch's kernels give 0 or a finite " +
      "value; pow at −0",
    "large": "magnitudes near float32's limits: tf.losses.softmaxCrossEntropy computes logits " +
      "− logsumexp(logits), which near 1e4 keeps 3 decimals (PyTorch's log_softmax subtracts " +
      "the max first); tf.losses.huberLoss's gradient adds δ − δ + d, which loses d when δ = " +
      "1e30; tf.softplus stays finite where PyTorch's log1p(exp(·)) overflows; squares and " +
      "differences that overflow to ∞ meet 0 in the chain rule",
    "prob-target": "tf.losses.softmaxCrossEntropy's hand-written gradient gives the labels " +
      "(labels − softmax) instead of −log softmax, and gives the logits softmax − labels, " +
      "which is right only when each row of labels sums to 1",
    "clamped": "PyTorch's binary_cross_entropy backward is its own formula, not the " +
      "derivative of the clamped logs (huge at probabilities 0 and 1, where tf's chain rule " +
      "through the clamp gives nan); PyTorch clamps Gaussian NLL's var at eps under no_grad, " +
      "so the gradient passes the clamp, and tf.maximum(var, eps) passes none below eps",
    "error:shape": "no check: shapes PyTorch rejects (mismatched dims, a target of the wrong " +
      "size, a weight of the wrong length) broadcast or are computed anyway",
    "error:index": "no check: a class index out of range gives a zero row (tf.oneHot) or a " +
      "gathered value instead of an error",
    "error:option": "no check: label_smoothing above 1, a negative beta or delta, no bound " +
      "for clamp, a target that requires grad are computed anyway",
    "error:value": "no check: probabilities outside [0, 1] and a negative var are computed " +
      "anyway",
    "error:type": "tf.minimum and tf.maximum take a number where PyTorch wants a tensor",
    "broadcast": "tf.minimum and tf.maximum do not sum their gradients over broadcast " +
      'dimensions ("Error in gradient for op Minimum")',
    "all-ignored": "every target ignored or weighted 0: both means are 0/0 = nan, but " +
      "PyTorch's gradient is 0 and TensorFlow.js's is nan",
    "0-d": "tf.oneHot needs depth ≥ 2, so a single class (multi_margin_loss of a 0-d input) " +
      "throws",
    "(none)": "tf.grads throws for an input the output does not depend on (p = 0 norms count " +
      "nonzeros) instead of giving a zero gradient",
  },
  shortSkip(reason: string): string {
    if (reason === "TensorFlow.js has no float64") return "float64";
    if (reason.startsWith("TensorFlow.js has no int64 or bool")) return "int64/bool input";
    if (reason.startsWith("TensorFlow.js has no int64")) return "int64 > int32";
    if (reason.startsWith("the output is")) return "int/bool output";
    if (reason.includes("class indices")) return "float indices";
    if (reason.includes("no CTC")) return "no CTC loss";
    if (reason.includes("multilabel margin")) return "no multilabel margin loss";
    return reason;
  },
};

if (import.meta.main) {
  const { runConformance } = await import("../../conformance/runner.ts");
  const { byOpTable, byTagTable } = await import("./tables.ts");
  const { default: adapter } = await import("./tfjs.ts");
  const report = await runConformance(adapter);
  console.log(byTagTable(report, TFJS_NOTES) + "\n\n" + byOpTable(report, TFJS_NOTES));
}
