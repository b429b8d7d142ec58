/**
 * Tables of conformance results as Markdown: one row per op with each kind of failure in its
 * own column, and results grouped by tag. The runner prints them; the READMEs' tables for
 * other libraries are made with them.
 *
 * @module
 */

import {
  type CaseResult,
  type ConformanceReport,
  defaultTolerance,
  type OpSummary,
  summarize,
  TOLERANCE,
  toleranceFor,
} from "./runner.ts";

/** Which columns {@linkcode opTable} and {@linkcode tagTable} show. */
export interface TableOptions {
  /** The worst finite error ratio and the count of non-finite mismatches (default true). */
  errors?: boolean;
  /** Milliseconds per op (default true). */
  time?: boolean;
}

/**
 * Formats a Markdown table (a `|` in a cell is escaped). Columns are right-aligned except the
 * first `left` ones, or those whose indices `left` lists.
 */
export function markdownTable(
  rows: readonly (readonly string[])[],
  left: number | readonly number[] = 1,
): string {
  const isLeft = (k: number) => typeof left === "number" ? k < left : left.includes(k);
  const cells = rows.map((row) => row.map((cell) => cell.replace(/\|/g, "\\|")));
  const widths = cells[0].map((_, k) => Math.max(3, ...cells.map((row) => row[k].length)));
  const line = (row: readonly string[]) =>
    "| " + row.map((cell, k) => isLeft(k) ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))
      .join(" | ") +
    " |";
  const rule = "| " +
    widths.map((w, k) => isLeft(k) ? "-".repeat(w) : "-".repeat(w - 1) + ":").join(" | ") + " |";
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

const COUNT_HEADER = [
  "cases",
  "pass",
  "wrong value",
  "wrong grad",
  "threw",
  "no throw",
  "skip",
];

/** An op's counts in the order of the tables' count columns: cases, pass, each failure, skip. */
export function summaryCounts(s: OpSummary): number[] {
  return [
    s.cases,
    s.passed,
    s.wrongValue,
    s.wrongGradient,
    s.threw,
    s.didNotThrow,
    s.skipped,
  ];
}

function counts(s: OpSummary): string[] {
  return summaryCounts(s).map(String);
}

function errorCells(s: OpSummary): string[] {
  const compared = s.cases - s.skipped;
  const worst = compared === 0
    ? ""
    : s.worstFinite < 1000
    ? s.worstFinite.toFixed(3)
    : s.worstFinite.toExponential(2);
  return [worst, String(s.nonFinite)];
}

function ms(t: number): string {
  return t < 10 ? t.toFixed(1) : String(Math.round(t));
}

/** Tolerances of an op that differ from `torch.testing.assert_close`'s defaults. */
function toleranceCell(report: ConformanceReport, op: string): string {
  const dtypes = new Set(
    report.cases.filter((c) => c.op === op).flatMap((c) => c.dtypes).filter((
      d,
    ) => d in TOLERANCE),
  );
  return [...dtypes].sort().flatMap((d) => {
    const t = toleranceFor(op, d, report.tolerances);
    const def = defaultTolerance(op, d);
    const e = (x: number) => x !== 0 && x < 1e-3 ? x.toExponential() : String(x);
    return t.rtol === def.rtol && t.atol === def.atol ? [] : [`${d} ${e(t.rtol)}/${e(t.atol)}`];
  }).join(", ");
}

/**
 * One row per op, random-number ops in a table of their own, each with a total row:
 * cases, pass, the four kinds of failure, skip, and (optionally) the largest finite error in
 * units of the tolerance, the number of cases with a non-finite mismatch, milliseconds, and
 * the tolerances that differ from PyTorch's defaults.
 *
 * @param report A run's report.
 * @param options Which optional columns to show.
 * @returns Markdown: the losses' table, then the random numbers' one when there are any.
 */
export function opTable(
  report: ConformanceReport,
  options: TableOptions = {},
): string {
  const errors = options.errors ?? true;
  const time = options.time ?? true;
  const tolerances = report.summary.some((s) => toleranceCell(report, s.op) !== "");
  const header = [
    "op",
    ...COUNT_HEADER,
    ...(errors ? ["worst err/tol", "non-finite"] : []),
    ...(time ? ["ms"] : []),
    ...(tolerances ? ["rtol/atol"] : []),
  ];
  const row = (
    s: OpSummary,
    label = s.op,
    tolerance = toleranceCell(report, s.op),
  ) => [
    label,
    ...counts(s),
    ...(errors ? errorCells(s) : []),
    ...(time ? [ms(s.timeMs)] : []),
    ...(tolerances ? [tolerance] : []),
  ];
  const tables: string[] = [];
  for (const random of [false, true]) {
    const rows = report.summary.filter((s) => s.random === random);
    if (rows.length === 0) continue;
    const cases = report.cases.filter((c) => rows.some((s) => s.op === c.op));
    const total = row(
      summarize("", cases),
      random ? "random numbers" : "losses and ops",
      "",
    );
    tables.push(markdownTable([header, ...rows.map((s) => row(s)), total]));
  }
  return tables.join("\n\n");
}

/** Per tag: its cases' counts (a case counts under each of its tags). */
export interface TagRow {
  /** The tag, or `"(none)"` for cases without tags. */
  tag: string;
  /** The counts, as for an op. */
  summary: OpSummary;
}

/**
 * Groups a report's cases by tag, random-number ops left out. Rows with failures come
 * first, most failures first; then the rest by name; `(none)` collects untagged cases.
 *
 * @param report A run's report.
 * @returns One row per tag.
 */
export function tagRows(report: ConformanceReport): TagRow[] {
  const byTag = new Map<string, CaseResult[]>();
  for (const c of report.cases) {
    if (report.summary.find((s) => s.op === c.op)?.random) continue;
    for (const tag of c.tags.length > 0 ? c.tags : ["(none)"]) {
      const list = byTag.get(tag) ?? [];
      list.push(c);
      byTag.set(tag, list);
    }
  }
  return [...byTag].map(([tag, cases]) => ({
    tag,
    summary: summarize(tag, cases),
  }))
    .sort((a, b) =>
      b.summary.failed - a.summary.failed ||
      (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)
    );
}

/**
 * The results grouped by tag (see {@linkcode tagRows}), with an optional column of notes per
 * tag, e.g. why an implementation differs from PyTorch there.
 *
 * @param report A run's report.
 * @param notes Text per tag for a last column.
 * @param options Which optional columns to show.
 * @returns Markdown.
 */
export function tagTable(
  report: ConformanceReport,
  notes?: Readonly<Record<string, string>>,
  options: TableOptions = {},
): string {
  const errors = options.errors ?? false;
  const header = [
    "tag",
    ...COUNT_HEADER,
    ...(errors ? ["worst err/tol", "non-finite"] : []),
    ...(notes ? ["where it differs"] : []),
  ];
  const rows = tagRows(report).map((r) => [
    r.tag,
    ...counts(r.summary),
    ...(errors ? errorCells(r.summary) : []),
    ...(notes ? [r.summary.failed > 0 ? notes[r.tag] ?? "" : ""] : []),
  ]);
  return markdownTable([header, ...rows]);
}

/** Why cases were skipped, with counts, most frequent first. */
export function skipReasons(report: ConformanceReport): [string, number][] {
  const reasons = new Map<string, number>();
  for (const c of report.cases) {
    if (c.status !== "skip") continue;
    const why = c.message.slice(c.message.indexOf(": ") + 2);
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  return [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * Tags from most to least telling of why a case fails: a failing case is put under the first
 * of its tags in this order ({@linkcode primaryTag}), so that each failure counts once.
 */
export const TAG_ORDER: readonly string[] = [
  "error:index",
  "error:value",
  "error:option",
  "error:type",
  "error:dtype",
  "error:shape",
  "error",
  "prob-target",
  "all-ignored",
  "clamped",
  "empty",
  "ties",
  "non-finite",
  "large",
  "broadcast",
  "label-smoothing",
  "weight",
  "ignore-index",
  "k-dim",
  "unbatched",
  "0-d",
  "promotion",
  "tutorial",
];

/**
 * The tag a case is grouped under when each case counts once: its first tag in
 * {@linkcode TAG_ORDER}, then its first other tag, or `(none)`.
 */
export function primaryTag(tags: readonly string[]): string {
  return TAG_ORDER.find((t) => tags.includes(t)) ?? tags[0] ?? "(none)";
}

/** How many ops a row of {@linkcode failuresByTag} names before "N more". */
const OPS_SHOWN = 4;

/**
 * An implementation's failures grouped by {@linkcode primaryTag}, each counted once: per
 * tag, the failures, how many of them are float64 cases (a column left out when none is),
 * each kind, and the ops they are in, with a column of notes (e.g. why the implementation
 * differs from PyTorch there).
 *
 * @param report A run's report.
 * @param notes Text per tag.
 * @returns Markdown, with a total row.
 */
export function failuresByTag(
  report: ConformanceReport,
  notes: Readonly<Record<string, string>> = {},
): string {
  const failed = report.cases.filter((c) => c.status === "fail" || c.status === "error-not-thrown");
  const groups = new Map<string, CaseResult[]>();
  for (const c of failed) {
    const tag = primaryTag(c.tags);
    groups.set(tag, [...(groups.get(tag) ?? []), c]);
  }
  const order = (t: string) => t === "(none)" ? TAG_ORDER.length + 1 : TAG_ORDER.indexOf(t);
  const rows = [...groups].sort((a, b) => b[1].length - a[1].length || order(a[0]) - order(b[0]))
    .map(([tag, cases]) => {
      const s = summarize(tag, cases);
      const ops = new Map<string, number>();
      for (const c of cases) ops.set(c.op, (ops.get(c.op) ?? 0) + 1);
      const sorted = [...ops].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const more = sorted.length - OPS_SHOWN;
      const opText = sorted.slice(0, OPS_SHOWN).map(([op, n]) => `${op} ${n}`).join(", ") +
        (more > 0 ? `, ${more} more` : "");
      return [
        tag,
        String(s.failed),
        String(cases.filter((c) => c.dtypes.includes("float64")).length),
        String(s.wrongValue),
        String(s.wrongGradient),
        String(s.threw),
        String(s.didNotThrow),
        opText,
        notes[tag] ?? "",
      ];
    });
  const total = summarize("", failed);
  rows.push([
    "total",
    String(total.failed),
    String(failed.filter((c) => c.dtypes.includes("float64")).length),
    String(total.wrongValue),
    String(total.wrongGradient),
    String(total.threw),
    String(total.didNotThrow),
    "",
    "",
  ]);
  const table = [
    [
      "tag",
      "fail",
      "float64",
      "wrong value",
      "wrong grad",
      "threw",
      "no throw",
      "in ops (most first)",
      "why",
    ],
    ...rows,
  ];
  // Without float64 failures (an implementation without float64), the column says nothing.
  if (failed.some((c) => c.dtypes.includes("float64"))) return markdownTable(table, [0, 7, 8]);
  return markdownTable(table.map((row) => row.filter((_, k) => k !== 2)), [0, 6, 7]);
}
