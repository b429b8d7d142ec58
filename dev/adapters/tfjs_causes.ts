/**
 * Why TensorFlow.js 4.22 disagrees with PyTorch: every failing case of the
 * {@link ./tfjs.ts TensorFlow.js adapter} is put in one class of cause, and the table
 * "TensorFlow.js against PyTorch" in `conformance/README.md` is made from the classes.
 * `tfjs_test.ts` rebuilds the table and checks the README still shows it, so the table
 * cannot drift from what the adapter does.
 *
 * ```sh
 * deno run --config dev/deno.json --allow-read --allow-env dev/adapters/tfjs_causes.ts   # prints the table
 * ```
 *
 * @module
 */

import type { CaseResult, ConformanceReport } from "../../conformance/runner.ts";

/** One class of disagreement: a short key, the reason, and which failing cases it takes. */
export interface Cause {
  /** Short name used in the table. */
  key: string;
  /** Why TensorFlow.js's answer differs from PyTorch's. */
  reason: string;
  /** Whether a failing case belongs to this class (the first class that matches wins). */
  matches: (c: CaseResult) => boolean;
}

const has = (c: CaseResult, re: RegExp): boolean => re.test(c.id) || re.test(c.message);

/** The classes, in the order they are tried. */
export const CAUSES: readonly Cause[] = [
  {
    key: "checks",
    reason: "TensorFlow.js does not check what PyTorch rejects: class indices out of range " +
      "(tf.oneHot gives a zero row), probabilities outside [0, 1], negative var, beta or delta, " +
      "mismatched dims, label_smoothing > 1, a number where PyTorch wants a tensor, a target " +
      "that requires grad, no bound for clamp; the value is computed anyway",
    matches: (c) => c.status === "error-not-thrown",
  },
  {
    key: "empty mean",
    reason: "a mean over zero elements is 0 in TensorFlow.js (tf.mean, tf.losses' MEAN) and " +
      "nan in PyTorch",
    matches: (c) => /output element \[\d+\] is 0, expected NaN/.test(c.message),
  },
  {
    key: "empty grad",
    reason: "gradients over empty tensors throw in TensorFlow.js 4.22: broadcasting a (1, n) " +
      "tensor to (0, n) (tf.broadcastTo, tf.mul) gives a gradient of the wrong shape, and " +
      "tf.gather's gradient (unsortedSegmentSum on the cpu backend) reads an undefined tensor",
    matches: (c) =>
      /threw .*(The new shape|Error in gradient for op Multiply|reading 'shape')/.test(c.message),
  },
  {
    key: "broadcast grad",
    reason: "tf.minimum and tf.maximum do not sum their gradients over broadcast dimensions " +
      '("Error in gradient for op Minimum")',
    matches: (c) => /Error in gradient for op (Minimum|Maximum)/.test(c.message),
  },
  {
    key: "softmaxCE grad",
    reason: "tf.losses.softmaxCrossEntropy's hand-written gradient gives the labels " +
      "(labels − softmax) instead of −log softmax, and gives the logits softmax − labels, " +
      "which is right only when each row of labels sums to 1",
    matches: (c) => c.op === "cross_entropy" && /target=prob/.test(c.id),
  },
  {
    key: "tf limits",
    reason: "an op TensorFlow.js will not run: tf.grads throws for an input the output does " +
      "not depend on (p = 0 norms count nonzeros) instead of a zero gradient; tf.oneHot needs " +
      "depth ≥ 2 (a single class)",
    matches: (c) => /Cannot compute gradient of y=f\(x\)|oneHot: depth/.test(c.message),
  },
  {
    key: "float32",
    reason: "float32 rounding in TensorFlow.js's formulas: tf.losses.softmaxCrossEntropy " +
      "computes logits − logsumexp(logits), and logsumexp near 1e4 keeps only 3 decimals in " +
      "float32 (PyTorch's log_softmax subtracts the max first); tf.losses.huberLoss's " +
      "gradient adds δ − δ + d in float32, which loses d when δ = 1e30",
    matches: (c) => /logits=1e4|delta=1e\+30/.test(c.id),
  },
  {
    key: "all ignored",
    reason: "every target ignored or weighted 0: both means are 0/0 = nan, but PyTorch's " +
      "gradient is 0 and TensorFlow.js's is nan",
    matches: (c) => /all_ignored|all_zero_weight|unbatched\/ignore_index/.test(c.id),
  },
  {
    key: "BCE backward",
    reason: "PyTorch's binary_cross_entropy backward is its own formula, not the derivative " +
      "of the clamped logs: w (x − y) / max(x (1 − x), 1e-12) for the input (huge at " +
      "probabilities 0 and 1, where tf's chain rule through the clamp gives nan) and the " +
      "unclamped w (log(1 − x) − log x) for the target (±inf there)",
    matches: (c) => c.op === "binary_cross_entropy" && /clamp/.test(c.id),
  },
  {
    key: "var clamp",
    reason: "PyTorch clamps var at eps under no_grad, so the gradient passes through the " +
      "clamp; tf.maximum(var, eps) passes none below eps",
    matches: (c) => c.op === "gaussian_nll_loss" && /grad of args\[2\]/.test(c.message),
  },
  {
    key: "ties",
    reason: "kinks and ties, where each picks a different subgradient: PyTorch splits a " +
      "max/min tie evenly (tf.maximum gives it all to the first argument), passes the " +
      "gradient at a clamp's boundary (tf.relu's is 0 at 0) and uses sign(0) = 0 in L1 " +
      "(tf.abs's gradient at 0 is −1)",
    matches: (c) =>
      /ties|kink|hinge_tie|swap_tie|(maximum|minimum)\/.*hard/.test(c.id) ||
      // large equal values: the difference is 0, where tf.abs's gradient is −1
      (c.op === "l1_loss" && /large/.test(c.id)),
  },
  {
    key: "non-finite",
    reason: "nan and ±inf: tf's chain rule multiplies 0 by ∞ (tf.where's unused branch, " +
      "norms at 0, tf.abs at nan), giving nan where PyTorch's kernels give 0 or a finite value; " +
      "tf.softplus stays finite where PyTorch's log1p(exp(·)) overflows; pow at −0",
    matches: (c) =>
      has(c, /nan|inf|large|hard|zero_distance|nonfinite/) ||
      /NaN|Infinity/.test(c.message.replace(/\(Infinity× the tolerance\)/, "")),
  },
];

/** The class of a failing case, or undefined when none matches. */
export function causeOf(c: CaseResult): Cause | undefined {
  return CAUSES.find((cause) => cause.matches(c));
}

/** Per op: cases, agree, disagree (by class), can't express. */
export interface OpCauses {
  op: string;
  cases: number;
  agree: number;
  disagree: number;
  skipped: number;
  /** Disagreements per cause key; `"?"` for a case no class takes. */
  byCause: Record<string, number>;
  /** The reasons the op's cases were skipped, with counts. */
  skipReasons: Record<string, number>;
}

/** Groups a report's cases by op and cause. */
export function classify(report: ConformanceReport): OpCauses[] {
  const rows = new Map<string, OpCauses>();
  for (const c of report.cases) {
    let row = rows.get(c.op);
    if (row === undefined) {
      row = { op: c.op, cases: 0, agree: 0, disagree: 0, skipped: 0, byCause: {}, skipReasons: {} };
      rows.set(c.op, row);
    }
    row.cases++;
    if (c.status === "pass") row.agree++;
    else if (c.status === "skip") {
      row.skipped++;
      const reason = c.message.slice(c.message.indexOf(": ") + 2);
      row.skipReasons[reason] = (row.skipReasons[reason] ?? 0) + 1;
    } else {
      row.disagree++;
      const key = causeOf(c)?.key ?? "?";
      row.byCause[key] = (row.byCause[key] ?? 0) + 1;
    }
  }
  return [...rows.values()];
}

/** Shortens a skip reason for the table. */
function shortSkip(reason: string): string {
  if (reason === "TensorFlow.js has no float64") return "float64";
  if (reason.startsWith("TensorFlow.js has no int64 or bool")) return "int64/bool input";
  if (reason.startsWith("TensorFlow.js has no int64")) return "int64 > int32";
  if (reason.startsWith("the output is")) return "int/bool output";
  if (reason.includes("class indices")) return "bool indices";
  if (reason.includes("random streams")) return "PyTorch's RNG";
  if (reason.includes("no CTC")) return "no CTC loss";
  if (reason.includes("multilabel margin")) return "no multilabel margin loss";
  return reason;
}

/** The README table: one row per op, then the causes with their reasons. */
export function causesTable(report: ConformanceReport): string {
  const rows = classify(report);
  const lines = [
    "| op | cases | agree | disagree | can't express | disagreements by cause | can't express because |",
    "| --- | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  const total = { cases: 0, agree: 0, disagree: 0, skipped: 0 };
  for (const r of rows) {
    total.cases += r.cases;
    total.agree += r.agree;
    total.disagree += r.disagree;
    total.skipped += r.skipped;
    const causes = Object.entries(r.byCause).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`).join(", ");
    const skips = new Map<string, number>();
    for (const [reason, n] of Object.entries(r.skipReasons)) {
      const s = shortSkip(reason);
      skips.set(s, (skips.get(s) ?? 0) + n);
    }
    const skipText = [...skips].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`).join(", ");
    lines.push(
      `| ${r.op} | ${r.cases} | ${r.agree} | ${r.disagree} | ${r.skipped} | ${causes} | ${skipText} |`,
    );
  }
  lines.push(
    `| total | ${total.cases} | ${total.agree} | ${total.disagree} | ${total.skipped} | | |`,
  );
  lines.push("", "| cause | reason |", "| --- | --- |");
  for (const c of CAUSES) lines.push(`| ${c.key} | ${c.reason} |`);
  return lines.join("\n");
}

if (import.meta.main) {
  const { runConformance } = await import("../../conformance/runner.ts");
  const { default: adapter } = await import("./tfjs.ts");
  console.log(causesTable(await runConformance(adapter)));
}
