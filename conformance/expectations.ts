/**
 * Expectations: an implementation's known failures, each with a reason, and its tolerance
 * overrides, in one JSON file. A run judged against them fails only on failures not listed,
 * and names the listed cases that now pass so that they can be removed.
 *
 * ```json
 * {
 *   "format": "parity-losses/expectations@1",
 *   "tolerances": [
 *     { "op": "kl_div", "dtype": "float32", "rtol": 1e-5, "atol": 1e-5, "reason": "..." }
 *   ],
 *   "failures": [
 *     { "case": "nll_loss/*error=target_out_of_range*", "reason": "indices are clamped" },
 *     { "case": "l1_loss/none/float32/ties/8", "adapter": "my-lib cpu", "kind": "wrong-gradient",
 *       "reason": "sign(0) is 1 here" }
 *   ]
 * }
 * ```
 *
 * @module
 */

import {
  type CaseResult,
  type ConformanceReport,
  FAILURE_KINDS,
  type FailureKind,
  globToRegExp,
  type ToleranceOverride,
} from "./runner.ts";

/** The format name of expectation files. */
export const EXPECTATIONS_FORMAT = "parity-losses/expectations@1";

/** A known failure. */
export interface ExpectedFailure {
  /** A case id, or a glob over ids (`*` any text, `?` one character). */
  case: string;
  /** Only for this adapter (its name); every adapter when absent. */
  adapter?: string;
  /** The kind of failure seen when it was recorded (informative). */
  kind?: FailureKind;
  /** Why it fails. */
  reason: string;
}

/** A file of expectations. */
export interface Expectations {
  /** Always {@linkcode EXPECTATIONS_FORMAT}. */
  format: string;
  /** Tolerance overrides, each with its reason. */
  tolerances: ToleranceOverride[];
  /** Known failures. */
  failures: ExpectedFailure[];
}

/**
 * Checks a parsed expectations file. An error names the file, the entry and the field.
 *
 * @param json The parsed JSON.
 * @param source The file's name, for messages.
 * @returns The expectations (missing lists are empty).
 */
export function parseExpectations(json: unknown, source: string): Expectations {
  const bad = (where: string, problem: string): never => {
    throw new TypeError(`Cannot read expectations from ${source} as ${where} ${problem}`);
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return bad("the file", "is not a JSON object");
  }
  const file = json as Record<string, unknown>;
  if (file.format !== EXPECTATIONS_FORMAT) {
    bad("field format", `must be "${EXPECTATIONS_FORMAT}": found ${JSON.stringify(file.format)}`);
  }
  const list = (key: string): Record<string, unknown>[] => {
    const v = file[key] ?? [];
    if (!Array.isArray(v)) return bad(`field ${key}`, "must be an array");
    v.forEach((e, i) => {
      if (typeof e !== "object" || e === null || Array.isArray(e)) {
        bad(`${key}[${i}]`, "must be an object");
      }
    });
    return v;
  };
  const tolerances = list("tolerances").map((t, i): ToleranceOverride => {
    const where = (f: string) => `tolerances[${i}].${f}`;
    if (typeof t.op !== "string") bad(where("op"), 'must be an op name or "*"');
    if (t.dtype !== undefined && t.dtype !== "float32" && t.dtype !== "float64") {
      bad(where("dtype"), 'must be "float32" or "float64" when given');
    }
    for (const k of ["rtol", "atol"]) {
      const v = t[k];
      if (typeof v !== "number" || !(v >= 0)) bad(where(k), "must be a number >= 0");
    }
    if (t.reason !== undefined && typeof t.reason !== "string") {
      bad(where("reason"), "must be a string");
    }
    return t as unknown as ToleranceOverride;
  });
  const failures = list("failures").map((f, i): ExpectedFailure => {
    const where = (k: string) => `failures[${i}].${k}`;
    if (typeof f.case !== "string" || f.case === "") {
      bad(where("case"), "must be a case id or a glob");
    }
    if (f.adapter !== undefined && typeof f.adapter !== "string") {
      bad(where("adapter"), "must be a string when given");
    }
    if (f.kind !== undefined && !FAILURE_KINDS.includes(f.kind as FailureKind)) {
      bad(where("kind"), `must be one of ${FAILURE_KINDS.join(", ")} when given`);
    }
    if (typeof f.reason !== "string") bad(where("reason"), "must be a string");
    return f as unknown as ExpectedFailure;
  });
  return { format: EXPECTATIONS_FORMAT, tolerances, failures };
}

/** A case's result with the adapter that gave it. */
export interface AdapterCase {
  /** The adapter's name. */
  adapter: string;
  /** The result. */
  result: CaseResult;
}

/** What a run comes to once its failures are judged against expectations. */
export interface Judgement {
  /** Failures that an entry lists, with the entry. */
  expected: (AdapterCase & { entry: ExpectedFailure })[];
  /** Failures no entry lists: these make the run fail. */
  unexpected: AdapterCase[];
  /** Entries whose cases all ran and passed: they can be removed. */
  nowPassing: (ExpectedFailure & { cases: string[] })[];
}

function isFailure(c: CaseResult): boolean {
  return c.status === "fail" || c.status === "error-not-thrown";
}

function entryMatcher(entry: ExpectedFailure): (adapter: string, id: string) => boolean {
  const glob = globToRegExp(entry.case);
  return (adapter, id) =>
    (entry.adapter === undefined || entry.adapter === adapter) &&
    glob.test(id);
}

/**
 * Sorts a run's failures into expected and unexpected, and finds the entries whose cases now
 * all pass. Skipped cases count neither way.
 *
 * @param reports The run, one report per adapter.
 * @param expectations The known failures.
 * @returns The judgement.
 */
export function judge(
  reports: readonly ConformanceReport[],
  expectations: Expectations,
): Judgement {
  const matchers = expectations.failures.map((entry) => ({ entry, match: entryMatcher(entry) }));
  const judgement: Judgement = { expected: [], unexpected: [], nowPassing: [] };
  const seen = new Map<ExpectedFailure, { failed: boolean; passed: string[] }>();
  for (const r of reports) {
    for (const c of r.cases) {
      const hits = matchers.filter((m) => m.match(r.adapter, c.id));
      for (const { entry } of hits) {
        const s = seen.get(entry) ?? { failed: false, passed: [] };
        if (isFailure(c)) s.failed = true;
        if (c.status === "pass") s.passed.push(c.id);
        seen.set(entry, s);
      }
      if (!isFailure(c)) continue;
      if (hits.length > 0) {
        judgement.expected.push({ adapter: r.adapter, result: c, entry: hits[0].entry });
      } else judgement.unexpected.push({ adapter: r.adapter, result: c });
    }
  }
  for (const { entry } of matchers) {
    const s = seen.get(entry);
    if (s !== undefined && !s.failed && s.passed.length > 0) {
      judgement.nowPassing.push({ ...entry, cases: s.passed });
    }
  }
  return judgement;
}

/**
 * Expectations that list this run's failures: entries of `previous` that still match a
 * failure are kept as they are (reasons, globs and all), and every other failure gets an
 * entry of its own whose reason is the failure's message, to be replaced with the real one.
 *
 * @param reports The run, one report per adapter.
 * @param previous Expectations to carry reasons and tolerances over from.
 * @returns Expectations under which this run passes.
 */
export function expectationsFromReports(
  reports: readonly ConformanceReport[],
  previous?: Expectations,
): Expectations {
  const judgement = judge(reports, previous ?? emptyExpectations());
  const kept = (previous?.failures ?? []).filter((entry) =>
    judgement.expected.some((e) => e.entry === entry)
  );
  const adapters = new Set(reports.map((r) => r.adapter));
  const fresh = judgement.unexpected.map(({ adapter, result }): ExpectedFailure => ({
    case: result.id,
    ...(adapters.size > 1 ? { adapter } : {}),
    ...(result.kind === null ? {} : { kind: result.kind }),
    reason: result.message.startsWith(`${result.id}: `)
      ? result.message.slice(result.id.length + 2)
      : result.message,
  }));
  return {
    format: EXPECTATIONS_FORMAT,
    tolerances: [...(previous?.tolerances ?? [])],
    failures: [...kept, ...fresh],
  };
}

/** Expectations with nothing in them. */
export function emptyExpectations(): Expectations {
  return { format: EXPECTATIONS_FORMAT, tolerances: [], failures: [] };
}
