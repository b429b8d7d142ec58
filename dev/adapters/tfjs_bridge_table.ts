/**
 * The README's table "`tf.losses` against the bridge": per op the bridge covers, how the plain
 * TensorFlow.js port (`dev/adapters/tfjs.ts`) and this library's losses on TensorFlow.js
 * tensors (`dev/adapters/tfjs_bridge.ts`) each fare against PyTorch's fixtures.
 * `tfjs_bridge_test.ts` rebuilds it from fresh runs and checks that README.md shows it.
 *
 * ```sh
 * deno run --config dev/deno.json --allow-read --allow-env dev/adapters/tfjs_bridge_table.ts   # prints the table
 * ```
 *
 * @module
 */

import type { ConformanceReport } from "../../conformance/runner.ts";
import { BRIDGED } from "./tfjs_bridge.ts";

interface Counts {
  cases: number;
  agree: number;
  disagree: number;
  skipped: number;
}

function counts(report: ConformanceReport, op: string): Counts {
  const cases = report.cases.filter((c) => c.op === op);
  return {
    cases: cases.length,
    agree: cases.filter((c) => c.status === "pass").length,
    disagree: cases.filter((c) => c.status === "fail" || c.status === "error-not-thrown").length,
    skipped: cases.filter((c) => c.status === "skip").length,
  };
}

/** The table: one row per bridged op and a total, `tf.losses` beside the bridge. */
export function bridgeTable(plain: ConformanceReport, bridge: ConformanceReport): string {
  const lines = [
    "| op | cases | `tf.losses` agree | disagree | can't express | bridge agree | disagree | can't express |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const total = [0, 0, 0, 0, 0, 0, 0];
  for (const op of BRIDGED) {
    const a = counts(plain, op);
    const b = counts(bridge, op);
    if (a.cases !== b.cases) {
      throw new Error(`${op}: ${a.cases} cases against ${b.cases}`);
    }
    const row = [a.cases, a.agree, a.disagree, a.skipped, b.agree, b.disagree, b.skipped];
    row.forEach((n, k) => (total[k] += n));
    lines.push(`| ${op} | ${row.join(" | ")} |`);
  }
  lines.push(`| total | ${total.join(" | ")} |`);
  return lines.join("\n");
}

if (import.meta.main) {
  const { runConformance } = await import("../../conformance/runner.ts");
  const { default: plain } = await import("./tfjs.ts");
  const { bridgeAdapter } = await import("./tfjs_bridge.ts");
  const ops = [...BRIDGED];
  const a = await runConformance(plain, { ops });
  const b = await runConformance(bridgeAdapter("cpu"), { ops });
  console.log(bridgeTable(a, b));
}
