/**
 * `deno task conformance`: runs PyTorch's fixtures against this library on every available
 * device, or against any implementation given as an adapter module, and prints one row per
 * op: cases, passed, failed, skipped and the largest error in units of the tolerance. Exits
 * with status 1 if any case fails.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { DEVICES, parityAdapter } from "./adapters/parity.ts";
import { loadFixtureFiles } from "./fixture.ts";
import {
  type Adapter,
  type ConformanceReport,
  FIXTURES_DIR,
  runConformance,
  TOLERANCE,
} from "./runner.ts";
import { runTutorial } from "./tutorial.ts";

const USAGE = `Usage: deno task conformance [--impl module] [--fixtures path] [--ops a,b]
                              [--json out.json] [--verbose] [--help]

Runs golden fixtures exported from PyTorch against an implementation and prints a
table per op. Without --impl it runs this library on every available device
(${DEVICES.join(", ")}) and then the tutorial's five examples.

  --impl module     an adapter module: its default export (or export "adapter") is an
                    Adapter, { name, ops: { cross_entropy: (call) => result, ... } },
                    as conformance/mod.ts documents
  --fixtures path   a fixture file or a folder of them (default: conformance/fixtures)
  --ops a,b         only these torch op names (e.g. mse_loss,cross_entropy)
  --json out.json   also write every case's result as JSON
  --verbose         print every failure in full (otherwise the first 10)
  --help            this text`;

async function loadAdapter(path: string): Promise<Adapter> {
  const module = await import(pathToFileURL(path).href);
  const adapter = module.default ?? module.adapter;
  if (typeof adapter !== "object" || adapter === null || typeof adapter.ops !== "object") {
    throw new TypeError(
      `Cannot use ${path} as an adapter: its default export (or "adapter") must be { name, ops }`,
    );
  }
  return adapter as Adapter;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      impl: { type: "string" },
      fixtures: { type: "string" },
      ops: { type: "string" },
      json: { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const files = await loadFixtureFiles(values.fixtures ?? FIXTURES_DIR);
  const known = files.map((f) => f.op);
  const ops = values.ops?.split(",").map((s) => s.trim());
  const unknown = (ops ?? []).filter((op) => !known.includes(op));
  if (unknown.length > 0) {
    console.error(`No fixtures for ${unknown.join(", ")}: known ops are ${known.join(", ")}`);
    return 2;
  }
  const adapters = values.impl === undefined
    ? DEVICES.map(parityAdapter)
    : [await loadAdapter(values.impl)];
  const reports: ConformanceReport[] = [];
  for (const adapter of adapters) {
    reports.push(await runConformance(adapter, { ops, fixtures: files }));
  }
  if (reports.length > 1) printDeviceColumns(reports);
  const rows = reports.length > 1 ? [] : reports.flatMap((r) =>
    r.summary.map((s) => [
      s.op,
      r.adapter,
      String(s.cases),
      String(s.passed),
      String(s.failed),
      String(s.skipped),
      Number.isFinite(s.worst) ? s.worst.toFixed(3) : "inf",
    ])
  );
  if (rows.length > 0) {
    const total = ["total", "", ...[2, 3, 4, 5].map((k) => String(sum(rows, k))), ""];
    printTable([
      ["op", "implementation", "cases", "passed", "failed", "skipped", "max error / tol"],
      ...rows,
      total,
    ]);
  }
  const failures = reports.flatMap((r) =>
    r.cases.filter((c) => c.status === "fail" || c.status === "error-not-thrown")
  );
  for (const f of failures.slice(0, values.verbose ? failures.length : 10)) {
    console.log(`\nFAIL (${f.status}) ${f.message}`);
  }
  if (!values.verbose && failures.length > 10) {
    console.log(`\n... and ${failures.length - 10} more failures (--verbose shows all)`);
  }
  if (values.json !== undefined) {
    await Deno.writeTextFile(values.json, JSON.stringify(reports, jsonNumbers, 2) + "\n");
    console.log(`\nWrote ${values.json}`);
  }
  if (values.impl === undefined) {
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
  }
  return failures.length > 0 ? 1 : 0;
}

/**
 * One row per op and one group of columns per device (passed, failed, skipped, the largest
 * error in units of the tolerance), then why cases were skipped, and the tolerances used.
 */
function printDeviceColumns(reports: readonly ConformanceReport[]): void {
  const devices = reports.map((r) => r.adapter.replace(/^parity-losses /, ""));
  const ops = reports[0].summary.map((s) => s.op);
  const cell = (r: ConformanceReport, op: string): string[] => {
    const s = r.summary.find((x) => x.op === op);
    if (s === undefined) return ["", "", "", ""];
    const worst = s.passed === 0 ? "" : Number.isFinite(s.worst) ? s.worst.toFixed(3) : "inf";
    return [String(s.passed), String(s.failed), String(s.skipped), worst];
  };
  const header = ["op", "cases", ...devices.flatMap((d) => [d, "failed", "skipped", "err/tol"])];
  const rows = ops.map((op) => [
    op,
    String(reports[0].summary.find((x) => x.op === op)?.cases ?? 0),
    ...reports.flatMap((r) => cell(r, op)),
  ]);
  const totals = ["total", String(sum(rows, 1))];
  reports.forEach((_, k) =>
    totals.push(...[2, 3, 4].map((c) => String(sum(rows, 2 + 4 * k + c - 2))), "")
  );
  console.log(`Passed cases per device (${devices.join(", ")}):\n`);
  printTable([header, ...rows, totals], 1);
  for (const [k, r] of reports.entries()) {
    const reasons = new Map<string, number>();
    for (const c of r.cases) {
      if (c.status !== "skip") continue;
      const why = c.message.replace(/^[^:]*: /, "");
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    for (const [why, n] of reasons) console.log(`${devices[k]} skipped ${n} cases: ${why}`);
  }
  console.log(
    `\nTolerances: torch.testing.assert_close's defaults on every device (float32 rtol ${TOLERANCE.float32.rtol}, atol ${TOLERANCE.float32.atol}; float64 rtol ${TOLERANCE.float64.rtol}, atol ${TOLERANCE.float64.atol}); none widened.\n`,
  );
}

/** JSON has no Infinity or NaN: write them as strings, as the fixtures do. */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== "number" || Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
}

function sum(rows: string[][], column: number): number {
  return rows.reduce((s, row) => s + Number(row[column]), 0);
}

/** Prints a Markdown table; the first `left` columns are left-aligned, the rest right. */
function printTable(rows: string[][], left = 2): void {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((row) => row[k].length)));
  const line = (row: string[]) =>
    "| " +
    row.map((cell, k) => k < left ? cell.padEnd(widths[k]) : cell.padStart(widths[k])).join(
      " | ",
    ) + " |";
  console.log(line(rows[0]));
  console.log("| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |");
  for (const row of rows.slice(1)) console.log(line(row));
}

if (import.meta.main) Deno.exit(await main());
