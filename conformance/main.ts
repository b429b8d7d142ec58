/**
 * `deno task conformance`: runs every fixture case on every available device and prints one
 * row per op: cases, passed, failed, skipped and the largest error in units of the
 * tolerance. Exits with status 1 if any case fails.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type CaseResult, DEVICES, fixtureOps, runOp } from "./runner.ts";
import { runTutorial } from "./tutorial.ts";

const USAGE = `Usage: deno task conformance [--ops a,b] [--verbose] [--help]

Runs the golden fixtures in conformance/fixtures/ against this library on every
available device (${DEVICES.join(", ")}) and prints a table per op.

  --ops a,b    only these torch op names (e.g. mse_loss,cross_entropy)
  --verbose    print every failure in full
  --help       this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      ops: { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const all = await fixtureOps();
  const ops = values.ops === undefined ? all : values.ops.split(",").map((s) => s.trim());
  const unknown = ops.filter((op) => !all.includes(op));
  if (unknown.length > 0) {
    console.error(`No fixture file for ${unknown.join(", ")}: known ops are ${all.join(", ")}`);
    return 2;
  }
  const rows: string[][] = [];
  const failures: CaseResult[] = [];
  for (const op of ops) {
    for (const device of DEVICES) {
      const results = await runOp(op, device);
      const count = (s: CaseResult["status"]) => results.filter((r) => r.status === s).length;
      const worst = Math.max(0, ...results.map((r) => r.worst));
      rows.push([
        op,
        device,
        String(results.length),
        String(count("pass")),
        String(count("fail")),
        String(count("skip")),
        Number.isFinite(worst) ? worst.toFixed(3) : "inf",
      ]);
      failures.push(...results.filter((r) => r.status === "fail"));
    }
  }
  const header = ["op", "device", "cases", "passed", "failed", "skipped", "max error / tol"];
  const total = ["total", "", ...[2, 3, 4, 5].map((k) => String(sum(rows, k))), ""];
  printTable([header, ...rows, total]);
  for (const f of failures.slice(0, values.verbose ? failures.length : 10)) {
    console.log(`\nFAIL [${f.device}] ${f.message}`);
  }
  if (!values.verbose && failures.length > 10) {
    console.log(`\n... and ${failures.length - 10} more failures (--verbose shows all)`);
  }
  console.log("\nThe tutorial's five examples, from the inputs it printed (four decimals):\n");
  const tutorial = await runTutorial();
  printTable([
    ["example", "tutorial printed", "this library", "input rounding allows"],
    ...tutorial.map((r) => [
      r.name,
      r.printed.toFixed(4),
      r.value.toFixed(6),
      `±${r.bound.toFixed(6)}`,
    ]),
  ], 1);
  return failures.length > 0 ? 1 : 0;
}

function sum(rows: string[][], column: number): number {
  return rows.reduce((s, row) => s + Number(row[column]), 0);
}

/** Prints a Markdown table; the first `left` columns are left-aligned, the rest right. */
function printTable(rows: string[][], left = 2): void {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((row) => row[k].length)));
  const line = (row: string[]) =>
    "| " + row.map((cell, k) => k < left ? cell.padEnd(widths[k]) : cell.padStart(widths[k])).join(
      " | ",
    ) + " |";
  console.log(line(rows[0]));
  console.log("| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |");
  for (const row of rows.slice(1)) console.log(line(row));
}

if (import.meta.main) Deno.exit(await main());
