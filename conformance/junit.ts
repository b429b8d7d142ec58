/**
 * Conformance results as JUnit XML, which CI systems display: one `<testsuite>` per adapter
 * and op, one `<testcase>` per fixture case. A failure's `type` is its kind (`wrong-value`,
 * `wrong-gradient`, `threw`, `did-not-throw`); skipped cases and failures the expectations
 * list are `<skipped>` with the reason.
 *
 * @module
 */

import type { ExpectedFailure } from "./expectations.ts";
import type { CaseResult, ConformanceReport } from "./runner.ts";

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(6);
}

/** The key of {@linkcode junitXml}'s `expected` map for an adapter's case. */
export function caseKey(adapter: string, id: string): string {
  return `${adapter}\u0000${id}`;
}

/**
 * The JUnit XML for a run.
 *
 * @param reports One report per adapter.
 * @param expected Expectation entries of listed failures, by {@linkcode caseKey}.
 * @returns The document.
 */
export function junitXml(
  reports: readonly ConformanceReport[],
  expected: ReadonlyMap<string, ExpectedFailure> = new Map(),
): string {
  const key = caseKey;
  const failed = (c: CaseResult) => c.status === "fail" || c.status === "error-not-thrown";
  const isFailure = (adapter: string, c: CaseResult) =>
    failed(c) && !expected.has(key(adapter, c.id));
  const isSkipped = (adapter: string, c: CaseResult) =>
    c.status === "skip" || (failed(c) && expected.has(key(adapter, c.id)));
  const suites: string[] = [];
  let tests = 0, failures = 0, skipped = 0, time = 0;
  for (const r of reports) {
    for (const s of r.summary) {
      const cases = r.cases.filter((c) => c.op === s.op);
      const f = cases.filter((c) => isFailure(r.adapter, c)).length;
      const k = cases.filter((c) => isSkipped(r.adapter, c)).length;
      tests += cases.length;
      failures += f;
      skipped += k;
      time += s.timeMs;
      const lines = [
        `  <testsuite name="${xmlEscape(`${r.adapter}: ${s.op}`)}" tests="${cases.length}" ` +
        `failures="${f}" errors="0" skipped="${k}" time="${seconds(s.timeMs)}">`,
      ];
      for (const c of cases) {
        const open = `    <testcase classname="${xmlEscape(`${r.adapter}.${s.op}`)}" name="${
          xmlEscape(c.id)
        }" time="${seconds(c.timeMs)}"`;
        const entry = expected.get(key(r.adapter, c.id));
        const detail = c.message.startsWith(`${c.id}: `)
          ? c.message.slice(c.id.length + 2)
          : c.message;
        if (isFailure(r.adapter, c)) {
          lines.push(
            `${open}>`,
            `      <failure type="${c.kind}" message="${xmlEscape(detail)}">${
              xmlEscape(`${c.kind}: ${c.message}\ntags: ${c.tags.join(", ")}`)
            }</failure>`,
            "    </testcase>",
          );
        } else if (entry !== undefined && failed(c)) {
          lines.push(
            `${open}>`,
            `      <skipped message="${
              xmlEscape(`expected failure (${c.kind}): ${entry.reason}`)
            }"/>`,
            "    </testcase>",
          );
        } else if (c.status === "skip") {
          lines.push(
            `${open}>`,
            `      <skipped message="${xmlEscape(detail)}"/>`,
            "    </testcase>",
          );
        } else lines.push(`${open}/>`);
      }
      lines.push("  </testsuite>");
      suites.push(lines.join("\n"));
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="parity-losses conformance" tests="${tests}" failures="${failures}" ` +
    `errors="0" skipped="${skipped}" time="${seconds(time)}">`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
