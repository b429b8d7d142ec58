/**
 * Why jax-js 0.1.25 (wasm device) disagrees with PyTorch, by tag: the notes of the README
 * tables "jax-js against PyTorch" (`tables.ts` builds them, `jax_test.ts` checks the READMEs
 * show them). Run it to print the tables:
 *
 * ```sh
 * deno run --config dev/deno.json --allow-read --allow-env dev/adapters/jax_notes.ts
 * ```
 *
 * @module
 */

import type { LibraryNotes } from "./tables.ts";

const ACCURACY = "exp, log and log1p on the wasm device are approximations, in float64 as in " +
  "float32: exp within about 2e-6 relative and log within about 1.2e-5 absolute (PyTorch " +
  "and the cpu device are within an ulp), so float64 results miss float64's tolerance";

/** The notes for jax-js on its wasm device. */
export const JAX_NOTES: LibraryNotes = {
  why: {
    "(none)": `${ACCURACY}, and a few float32 ones miss float32's; pow goes through them ` +
      "(pow(-3, 2) = 8.999998) and gives a 0 gradient where PyTorch's is nan (a negative base " +
      "to a fractional power)",
    "non-finite": "nan and ±inf through the chain rule: relu, maximum and where pass the " +
      "gradient at nan where PyTorch's kernels give 0, and 0 × ∞ gives nan where PyTorch's " +
      "give 0 or a finite value; max(nan, ·) and min(nan, ·) are nan-oblivious in places " +
      "(multi_margin_loss and multilabel_margin_loss give nan for finite PyTorch results); " +
      "pow loses −0's sign and gives nan for pow(nan, 0)",
    "ties": "other subgradients at kinks and ties: abs'(0) = 1 (PyTorch's sign(0) = 0), " +
      "relu'(0) = 1, a max/min tie passes the whole gradient to both arguments (PyTorch " +
      "halves it), √x' = ∞ where a norm is 0 (PyTorch's norm backward gives 0)",
    "empty": "np.mean over zero elements throws (PyTorch gives nan), softmax and log_softmax " +
      'over an empty axis throw ("internal: unbroadcast shape mismatch"), np.sum over an ' +
      "empty last axis returns arbitrary values instead of 0, and gradients through a " +
      "broadcast to zero rows are 0 or nan where PyTorch's are nan or 0",
    "broadcast": "exp and log accuracy (see (none)), mostly in float64; in float32 where a " +
      "log meets a broadcast operand (kl_div, poisson_nll_loss)",
    "clamped": "the chain rule through the log's clamp at −100 gives nan at probabilities 0 " +
      "and 1 (PyTorch's binary_cross_entropy backward is its own formula), and " +
      "np.maximum(var, eps) passes no gradient below eps (PyTorch clamps under no_grad)",
    "label-smoothing": "exp and log accuracy in float64 (see (none))",
    "prob-target": "exp and log accuracy (see (none)), through log_softmax",
    "large": "nn.softplus and nn.logSigmoid overflow (softplus(1e4) = ∞, logSigmoid(−1e4) = " +
      "−∞) where PyTorch's stay finite, and squares that overflow to ∞ meet 0 in the chain " +
      "rule",
    "weight": "exp and log accuracy in float64 (see (none))",
    "k-dim": "exp and log accuracy in float64 (see (none))",
    "unbatched": "exp and log accuracy in float64 (see (none))",
    "ignore-index": "exp and log accuracy in float64 (see (none))",
    "promotion": "exp and log accuracy (see (none))",
    "0-d": "exp and log accuracy in float64 (see (none))",
    "all-ignored": "every target ignored or weighted 0: both means are 0/0 = nan, but " +
      "PyTorch's gradient is 0 and jax-js's is nan",
    "error:shape": "no check: shapes PyTorch rejects (mismatched dims, a target of the wrong " +
      "size, a weight of the wrong length) broadcast or are computed anyway",
    "error:index": "no check: class indices out of range are clamped by np.takeAlongAxis, " +
      "and nn.oneHot and np.take give arbitrary rows, instead of an error",
    "error:option": "no check: label_smoothing above 1, a negative beta or delta, no bound " +
      "for clamp, a target that requires grad are computed anyway",
    "error:value": "no check: probabilities outside [0, 1] and a negative var are computed " +
      "anyway",
    "error:dtype": "no check: float32 with float64 is promoted, int64 (as int32) and bool " +
      "inputs are computed, where PyTorch raises",
    "error:type": "np.minimum and np.maximum take a number where PyTorch wants a tensor",
  },
  shortSkip(reason: string): string {
    if (reason.includes("the port takes floating-point input")) return "int64/bool input";
    if (reason.startsWith("jax-js has no int64")) return "int64 > int32";
    if (reason.startsWith("the output is")) return "int/bool output";
    if (reason.includes("class indices")) return "float indices";
    if (reason.includes("no CTC")) return "no CTC loss";
    return reason;
  },
};

if (import.meta.main) {
  const { runConformance } = await import("../../conformance/runner.ts");
  const { byOpTable, byTagTable } = await import("./tables.ts");
  const { jaxAdapter } = await import("./jax.ts");
  const report = await runConformance(jaxAdapter("wasm"));
  console.log(byTagTable(report, JAX_NOTES) + "\n\n" + byOpTable(report, JAX_NOTES));
}
