/**
 * The READMEs' tables for another library run through the fixtures (TensorFlow.js, jax-js):
 * its disagreements with PyTorch grouped by tag, each case counted once under its most telling
 * tag (`primaryTag` in `conformance/report.ts`) with a note per tag on why; and a row per op.
 * The `*_test.ts` beside each adapter rebuilds them and checks that the READMEs show them.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  failuresByTag,
  markdownTable,
  primaryTag,
  summaryCounts,
} from "../../conformance/report.ts";
import type { ConformanceReport } from "../../conformance/runner.ts";

/** What a library's tables need besides its report. */
export interface LibraryNotes {
  /** Why the library differs from PyTorch, by tag (`(none)` for cases without tags). */
  why: Readonly<Record<string, string>>;
  /** A skip reason as the per-op table shows it, e.g. `float64`. */
  shortSkip: (reason: string) => string;
}

/** The disagreements by tag, with the notes. */
export function byTagTable(report: ConformanceReport, notes: LibraryNotes): string {
  return failuresByTag(report, notes.why);
}

/** The report's case `id`; an assertion error when the report has none. */
export function caseOf(report: ConformanceReport, id: string): ConformanceReport["cases"][number] {
  const c = report.cases.find((c) => c.id === id);
  assert.ok(c !== undefined, `no case ${id}`);
  return c;
}

/** Failing cases whose tag has no note: the tests require none. */
export function unexplained(report: ConformanceReport, notes: LibraryNotes): string[] {
  return report.cases
    .filter((c) =>
      (c.status === "fail" || c.status === "error-not-thrown") &&
      !(primaryTag(c.tags) in notes.why)
    )
    .map((c) => `${primaryTag(c.tags)}: ${c.message}`);
}

/**
 * One row per op (random-number ops left out): cases, agree, each kind of disagreement, and
 * what could not be expressed, with the reasons shortened.
 */
export function byOpTable(report: ConformanceReport, notes: LibraryNotes): string {
  const rows: string[][] = [];
  const total = [0, 0, 0, 0, 0, 0, 0];
  for (const s of report.summary.filter((s) => !s.random)) {
    const skips = new Map<string, number>();
    for (const c of report.cases) {
      if (c.op !== s.op || c.status !== "skip") continue;
      const reason = notes.shortSkip(c.message.slice(c.message.indexOf(": ") + 2));
      skips.set(reason, (skips.get(reason) ?? 0) + 1);
    }
    const counts = summaryCounts(s);
    counts.forEach((n, k) => total[k] += n);
    const because = [...skips].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`).join(", ");
    rows.push([s.op, ...counts.map(String), because]);
  }
  rows.push(["total", ...total.map(String), ""]);
  return markdownTable([
    [
      "op",
      "cases",
      "agree",
      "wrong value",
      "wrong grad",
      "threw",
      "no throw",
      "can't express",
      "can't express because",
    ],
    ...rows,
  ], [0, 8]);
}

/** A Markdown table's lines as trimmed cells, so that `deno fmt`'s padding does not matter. */
export function cells(markdown: string): string {
  return markdown.split("\n").filter((line) => line.startsWith("|")).map((line) =>
    line.split(/(?<!\\)\|/).slice(1, -1).map((cell) =>
      cell.trim().replace(/^(:?)-+(:?)$/, "$1---$2")
    )
      .join("|")
  ).join("\n");
}

/**
 * Checks that each README (paths relative to the repository root) shows each table, and says
 * how to update them when not.
 */
export async function assertReadmesShow(
  tables: Readonly<Record<string, string>>,
  readmes: readonly string[],
  command: string,
): Promise<void> {
  for (const readme of readmes) {
    const text = cells(await Deno.readTextFile(new URL(`../../${readme}`, import.meta.url)));
    for (const [name, table] of Object.entries(tables)) {
      assert.ok(
        text.includes(cells(table)),
        `${readme} does not show the current ${name} table: paste the output of\n${command}\n\n${table}`,
      );
    }
  }
}

/**
 * Checks that each README states the report's totals as `N agree, N disagree and N can't be
 * expressed` (the prose beside the tables), numbers written as `toLocaleString("en-US")`.
 */
export async function assertReadmesState(
  report: ConformanceReport,
  readmes: readonly string[],
): Promise<void> {
  const cases = report.cases.filter((c) => !report.summary.find((s) => s.op === c.op)?.random);
  const n = (f: (status: string) => boolean) =>
    cases.filter((c) => f(c.status)).length.toLocaleString("en-US");
  const agree = n((s) => s === "pass");
  const disagree = n((s) => s === "fail" || s === "error-not-thrown");
  const skipped = n((s) => s === "skip");
  const claim = new RegExp(
    `${agree} agree[\\s\\S]{0,120}?, ${disagree} disagree and ${skipped} can't`,
  );
  for (const readme of readmes) {
    const text = (await Deno.readTextFile(new URL(`../../${readme}`, import.meta.url)))
      .replace(/\s+/g, " ");
    assert.match(text, claim, `${readme} does not state ${agree} agree, ${disagree} disagree`);
  }
}
