/**
 * Runs golden fixture cases against any implementation through an {@linkcode Adapter}: plain
 * typed arrays in, plain typed arrays out, no dependency on this library's Tensor. Outputs
 * and gradients are compared with `torch.testing.assert_close`'s default tolerances, or with
 * overrides per op and dtype.
 *
 * @module
 */

import {
  type ArrayTensor,
  decodeFixtureTensor,
  decodeFixtureValue,
  type FixtureCase,
  type FixtureFile,
  fixtureNumber,
  type FixtureTensor,
  loadFixtureFiles,
  loadPackageFixtures,
} from "./fixture.ts";

/** An argument as an adapter receives it. */
export type AdapterValue = ArrayTensor | number | boolean | string | null | number[];

/** One call of an op, from one fixture case. */
export interface OpCall {
  /** The positional arguments of the `torch.nn.functional` call, in its order. */
  args: AdapterValue[];
  /** torch's keyword arguments by torch's names (`ignore_index`, `label_smoothing`, ...). */
  kwargs: Record<string, AdapterValue>;
  /**
   * Indices into `args` that require gradients (PyTorch rejects some inputs only because an
   * argument requires grad, so error cases list them too).
   */
  requiresGrad: number[];
  /**
   * The output's gradient to run backward from, or null (error cases run the forward only).
   * Return `grads[i]` = the gradient of `sum(output * gradOutput)` with respect to `args[i]`
   * for each index in `requiresGrad`.
   */
  gradOutput: ArrayTensor | null;
}

/** What an op returns for one call. */
export interface OpResult {
  /** The op's output. */
  output: ArrayTensor;
  /** Gradients by argument index; null where the implementation gives none. */
  grads?: Record<number, ArrayTensor | null>;
}

/**
 * One op of an implementation: returns the result, throws for input it rejects, and throws
 * {@linkcode Unsupported} (or any object with the {@linkcode UNSUPPORTED} brand) to skip a
 * case it cannot express.
 */
export type AdapterOp = (call: OpCall) => OpResult | Promise<OpResult>;

/** An implementation under test: ops by torch name (`cross_entropy`, ...). */
export interface Adapter {
  /** Shown in tables, e.g. `"parity-losses cpu"`. */
  name: string;
  /** The device it runs on, for `--devices` when a module has several adapters. */
  device?: string;
  /** The ops it has; fixtures of other ops are skipped. */
  ops: Record<string, AdapterOp>;
}

/**
 * The brand of a skip signal: any thrown object with this key set to `true` skips its case,
 * so that an {@linkcode Unsupported} from another copy of this module still counts as a skip,
 * and an adapter can skip without importing this module:
 * `throw Object.assign(new Error("no float64"), { [Symbol.for("@parity/losses/conformance.unsupported")]: true })`.
 */
export const UNSUPPORTED: unique symbol = Symbol.for("@parity/losses/conformance.unsupported");

/** Throw from an op to skip a case that the implementation cannot express, with the reason. */
export class Unsupported extends Error {
  /** The brand {@linkcode isUnsupported} looks for. */
  readonly [UNSUPPORTED] = true;
  /**
   * Makes the signal.
   *
   * @param reason Why the case cannot run, e.g. `"no float64 on WebGPU"`.
   */
  constructor(reason: string) {
    super(reason);
    this.name = "Unsupported";
  }
}

/**
 * Whether a thrown value is a skip signal: it carries the {@linkcode UNSUPPORTED} brand,
 * whichever copy of this module made it.
 *
 * @param e What an op threw.
 * @returns True for {@linkcode Unsupported} and any object branded like it.
 */
export function isUnsupported(e: unknown): e is { message?: unknown } {
  return typeof e === "object" && e !== null &&
    (e as Record<symbol, unknown>)[UNSUPPORTED] === true;
}

/** A case's failure, by kind. */
export type FailureKind = "wrong-value" | "wrong-gradient" | "threw" | "did-not-throw";

/** The failure kinds, in the order tables show them. */
export const FAILURE_KINDS: readonly FailureKind[] = [
  "wrong-value",
  "wrong-gradient",
  "threw",
  "did-not-throw",
];

/** Where a result is furthest from PyTorch's. */
export interface WorstElement {
  /** `"output"` or `"grad of args[i]"`. */
  tensor: string;
  /** Flat index of the element. */
  index: number;
  /** PyTorch's value. */
  expected: number;
  /** The implementation's value. */
  actual: number;
  /** `|actual - expected| / (atol + rtol * |expected|)`: above 1 fails. */
  ratio: number;
}

/** What became of one case. */
export interface CaseResult {
  /** The op's torch name. */
  op: string;
  /** The case id. */
  id: string;
  /**
   * `pass`; `fail` (a value beyond tolerance, a wrong shape or dtype, a missing gradient, or
   * an unexpected throw); `error-not-thrown` (PyTorch raised, the implementation did not);
   * `skip` (the adapter lacks the op or threw a skip signal).
   */
  status: "pass" | "fail" | "error-not-thrown" | "skip";
  /** For a failure, its kind; null otherwise. */
  kind: FailureKind | null;
  /** The largest error in units of the tolerance (0 for an error thrown as expected). */
  worst: number;
  /** The largest finite error in units of the tolerance, over the elements compared. */
  worstFinite: number;
  /** Elements where one side is nan or infinite and the other is not the same. */
  nonFinite: number;
  /** The element furthest off, where values were compared. */
  worstElement: WorstElement | null;
  /** Why it failed or was skipped, naming the case, the element, expected and actual. */
  message: string;
  /** The fixture's tags for the case. */
  tags: string[];
  /** The case's dtypes, as `--dtypes` selects them (see {@linkcode caseDtypes}). */
  dtypes: string[];
  /** Milliseconds the adapter took, result comparison excluded. */
  timeMs: number;
}

/** Counts for one op. */
export interface OpSummary {
  /** The op's torch name. */
  op: string;
  /** Number of cases. */
  cases: number;
  /** Cases that passed. */
  passed: number;
  /** Cases that failed, including errors not thrown. */
  failed: number;
  /** Cases skipped. */
  skipped: number;
  /** Failures with a wrong output (value, shape or dtype). */
  wrongValue: number;
  /** Failures with a wrong or missing gradient. */
  wrongGradient: number;
  /** Failures where the op threw and PyTorch did not. */
  threw: number;
  /** Failures where PyTorch raised and the op did not. */
  didNotThrow: number;
  /** The largest error over all compared cases, in units of the tolerance. */
  worst: number;
  /** The largest finite error over all compared cases, in units of the tolerance. */
  worstFinite: number;
  /** Cases with at least one non-finite mismatch. */
  nonFinite: number;
  /** Milliseconds the adapter took over all cases. */
  timeMs: number;
  /** Whether the op draws random numbers (reported apart from the losses). */
  random: boolean;
}

/** The result of {@linkcode runConformance}. */
export interface ConformanceReport {
  /** The adapter's name. */
  adapter: string;
  /** The adapter's device, when it names one. */
  device?: string;
  /** Every case. */
  cases: CaseResult[];
  /** One row per op, in the order run. */
  summary: OpSummary[];
  /** The tolerance overrides in force. */
  tolerances: ToleranceOverride[];
}

/** A tolerance: an element passes when `|actual - expected| <= atol + rtol * |expected|`. */
export interface Tolerance {
  /** Relative tolerance. */
  rtol: number;
  /** Absolute tolerance. */
  atol: number;
}

/** A tolerance for one op (or `*` for all) and optionally one dtype. */
export interface ToleranceOverride extends Tolerance {
  /** The op's torch name, or `"*"`. */
  op: string;
  /** `float32` or `float64`; both when absent. */
  dtype?: "float32" | "float64";
  /** Why the tolerance differs from PyTorch's defaults. */
  reason?: string;
}

/** Which cases to run; every criterion given must hold. */
export interface Selection {
  /** Only these torch op names. */
  ops?: readonly string[];
  /** Only cases whose dtypes are all among these (see {@linkcode caseDtypes}). */
  dtypes?: readonly string[];
  /** Only cases whose id matches one of these globs (`*` any text, `?` one character). */
  cases?: readonly string[];
  /** Only cases with at least one of these tags. */
  tags?: readonly string[];
}

/** Options for {@linkcode runConformance}. */
export interface ConformanceOptions extends Selection {
  /**
   * Fixture files already read, or a file or folder to read them from (Deno, Node, Bun).
   * Default: this package's own fixtures, loaded as JSON modules (every runtime).
   */
  fixtures?: readonly FixtureFile[] | string | URL;
  /** Tolerances that replace `torch.testing.assert_close`'s defaults; the last match wins. */
  tolerances?: readonly ToleranceOverride[];
  /** Called after each case, e.g. for progress. */
  onCase?: (result: CaseResult) => void;
}

/** torch.testing.assert_close defaults. */
export const TOLERANCE: Readonly<Record<"float32" | "float64", Tolerance>> = {
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  float64: { rtol: 1e-7, atol: 1e-7 },
};

/** Ops whose cases draw random numbers: reported as their own group, apart from the losses. */
export const RANDOM_OPS: readonly string[] = ["randn", "rand", "randint"];

/** This package's fixture folder (where the files sit next to this module). */
export const FIXTURES_DIR: URL = new URL("./fixtures/", import.meta.url);

/**
 * Throws a TypeError that says what is wrong when `adapter` is not an {@linkcode Adapter}:
 * a function (such as a factory not called), something without `ops`, an op that is not a
 * function.
 *
 * @param adapter The value to check.
 */
export function checkAdapter(adapter: unknown): asserts adapter is Adapter {
  const bad = (problem: string): never => {
    throw new TypeError(`Cannot run the conformance suite as ${problem}`);
  };
  if (typeof adapter === "function") {
    bad(
      `the adapter is a function (${
        adapter.name || "anonymous"
      }), not an adapter object { name, ops }: call it to make one, e.g. parityAdapter("cpu")`,
    );
  }
  if (typeof adapter !== "object" || adapter === null || Array.isArray(adapter)) {
    bad(`the adapter must be an object { name, ops }: got ${describe(adapter)}`);
  }
  const a = adapter as Record<string, unknown>;
  if (typeof a.name !== "string") bad(`adapter.name must be a string: got ${describe(a.name)}`);
  if (typeof a.ops !== "object" || a.ops === null || Array.isArray(a.ops)) {
    bad(`adapter.ops must be an object of functions by torch op name: got ${describe(a.ops)}`);
  }
  for (const [op, fn] of Object.entries(a.ops as Record<string, unknown>)) {
    if (typeof fn !== "function") bad(`adapter.ops.${op} must be a function: got ${describe(fn)}`);
  }
  if (a.device !== undefined && typeof a.device !== "string") {
    bad(`adapter.device must be a string when given: got ${describe(a.device)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "function") return "a function";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v) ?? String(v)}`;
}

/**
 * Runs every selected fixture case of the chosen ops through `adapter` and reports each case
 * and a summary per op.
 *
 * @example Usage
 * ```ts
 * import { runConformance } from "./runner.ts";
 * import { parityAdapter } from "./adapters/parity.ts";
 * import assert from "node:assert/strict";
 *
 * const report = await runConformance(parityAdapter("cpu"), { ops: ["softmax"] });
 * assert.equal(report.summary[0].failed, 0);
 * ```
 *
 * @param adapter The implementation under test.
 * @param options Fixtures, selection (`ops`, `dtypes`, `cases`, `tags`), tolerances.
 * @returns Every case's result and one summary row per op.
 * @throws {TypeError} If `adapter` is not an adapter (e.g. a factory not called).
 */
export async function runConformance(
  adapter: Adapter,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  checkAdapter(adapter);
  const source = options.fixtures;
  const files = source === undefined
    ? await loadPackageFixtures(options.ops)
    : typeof source === "string" || source instanceof URL
    ? await loadFixtureFiles(source)
    : source;
  const tolerances = [...(options.tolerances ?? [])];
  const cases: CaseResult[] = [];
  const summary: OpSummary[] = [];
  for (const file of files) {
    if (options.ops !== undefined && !options.ops.includes(file.op)) continue;
    const chosen = selectCases(file.cases, options);
    if (chosen.length === 0) continue;
    const results: CaseResult[] = [];
    for (const c of chosen) {
      const r = await runCase(adapter, file.op, c, { tolerances });
      options.onCase?.(r);
      results.push(r);
    }
    cases.push(...results);
    summary.push(summarize(file.op, results));
  }
  return {
    adapter: adapter.name,
    ...(adapter.device === undefined ? {} : { device: adapter.device }),
    cases,
    summary,
    tolerances,
  };
}

/**
 * The dtypes `--dtypes` selects a case by: the floating-point dtypes of its tensors (and of a
 * random-number case's `dtype`), or, when it has none, the dtypes of all its tensors. Class
 * indices and lengths (int64) therefore do not keep a float32 case out of a float32 run.
 *
 * @param c A fixture case.
 * @returns The dtypes, sorted.
 */
export function caseDtypes(c: FixtureCase): string[] {
  const all = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const dtype = (v as { dtype?: unknown }).dtype;
      if (typeof dtype === "string") all.add(dtype);
    }
  };
  c.args.forEach(visit);
  Object.values(c.kwargs).forEach(visit);
  if (typeof c.kwargs.dtype === "string") all.add(c.kwargs.dtype);
  const floats = [...all].filter((d) => d === "float32" || d === "float64");
  return (floats.length > 0 ? floats : [...all]).sort();
}

/** A RegExp for a glob over case ids: `*` any text (slashes too), `?` one character. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((ch) =>
    ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")
  ).join("");
  return new RegExp(`^${body}$`);
}

/**
 * The cases of one file that a selection keeps (its `ops` is not looked at here).
 *
 * @param cases A file's cases.
 * @param selection `dtypes`, `cases`, `tags`.
 * @returns The cases kept, in file order.
 */
export function selectCases(
  cases: readonly FixtureCase[],
  selection: Selection,
): FixtureCase[] {
  const globs = selection.cases?.map(globToRegExp);
  return cases.filter((c) =>
    (selection.dtypes === undefined ||
      caseDtypes(c).every((d) => selection.dtypes?.includes(d))) &&
    (globs === undefined || globs.some((g) => g.test(c.id))) &&
    (selection.tags === undefined || (c.tags ?? []).some((t) => selection.tags?.includes(t)))
  );
}

/**
 * The tolerance for one op and dtype: the last matching override, else
 * {@linkcode defaultTolerance}.
 */
export function toleranceFor(
  op: string,
  dtype: string,
  overrides: readonly ToleranceOverride[] = [],
): Tolerance {
  const match = overrides.findLast((o) =>
    (o.op === "*" || o.op === op) && (o.dtype === undefined || o.dtype === dtype)
  );
  if (match !== undefined) return { rtol: match.rtol, atol: match.atol };
  return defaultTolerance(op, dtype);
}

/**
 * The tolerance without overrides: `torch.testing.assert_close`'s for float32 and float64,
 * exact for int64 and bool. (The same for every op: `op` is there for the day an op needs
 * its own.)
 */
export function defaultTolerance(_op: string, dtype: string): Tolerance {
  return TOLERANCE[dtype as "float32" | "float64"] ?? { rtol: 0, atol: 0 };
}

/** Counts one op's results. */
export function summarize(op: string, results: readonly CaseResult[]): OpSummary {
  const count = (f: (r: CaseResult) => boolean) => results.filter(f).length;
  const kind = (k: FailureKind) => count((r) => r.kind === k);
  const compared = results.filter((r) => r.status !== "skip");
  return {
    op,
    cases: results.length,
    passed: count((r) => r.status === "pass"),
    failed: count((r) => r.status === "fail" || r.status === "error-not-thrown"),
    skipped: count((r) => r.status === "skip"),
    wrongValue: kind("wrong-value"),
    wrongGradient: kind("wrong-gradient"),
    threw: kind("threw"),
    didNotThrow: kind("did-not-throw"),
    worst: Math.max(0, ...compared.map((r) => r.worst)),
    worstFinite: Math.max(0, ...compared.map((r) => r.worstFinite)),
    nonFinite: count((r) => r.nonFinite > 0),
    timeMs: results.reduce((s, r) => s + r.timeMs, 0),
    random: RANDOM_OPS.includes(op),
  };
}

/** Options for {@linkcode runCase}. */
export interface RunCaseOptions {
  /** Tolerance overrides; default: none. */
  tolerances?: readonly ToleranceOverride[];
}

/** Runs one case through the adapter's op. */
export async function runCase(
  adapter: Adapter,
  op: string,
  c: FixtureCase,
  options: RunCaseOptions = {},
): Promise<CaseResult> {
  let timeMs = 0;
  const result = (
    status: CaseResult["status"],
    kind: FailureKind | null = null,
    message = "",
    compared: Compared = { worst: null, worstFinite: 0, nonFinite: 0 },
  ): CaseResult => ({
    op,
    id: c.id,
    status,
    kind,
    worst: kind === null ? compared.worst?.ratio ?? 0 : compared.worst?.ratio ?? Infinity,
    worstFinite: compared.worstFinite,
    nonFinite: compared.nonFinite,
    worstElement: compared.worst,
    message,
    tags: [...(c.tags ?? [])],
    dtypes: caseDtypes(c),
    timeMs,
  });
  const fn = adapter.ops[op];
  if (fn === undefined) return result("skip", null, `${c.id}: ${adapter.name} has no ${op}`);
  const call: OpCall = {
    args: c.args.map(decodeFixtureValue),
    kwargs: Object.fromEntries(
      Object.entries(c.kwargs).map(([k, v]) => [k, decodeFixtureValue(v)]),
    ),
    requiresGrad: [...c.requires_grad],
    gradOutput: c.error === null && c.grad_output !== null
      ? decodeFixtureTensor(c.grad_output)
      : null,
  };
  let out: OpResult;
  const start = performance.now();
  try {
    out = await fn(call);
  } catch (e) {
    timeMs = performance.now() - start;
    if (isUnsupported(e)) return result("skip", null, `${c.id}: ${String(e.message)}`);
    if (c.error !== null) return result("pass");
    return result("fail", "threw", `${c.id}: threw ${String(e)}`);
  }
  timeMs = performance.now() - start;
  if (c.error !== null) {
    return result(
      "error-not-thrown",
      "did-not-throw",
      `${c.id}: PyTorch raised "${c.error}", ${adapter.name} returned a value`,
    );
  }
  if (typeof out !== "object" || out === null) {
    return result(
      "fail",
      "wrong-value",
      `${c.id}: returned ${describe(out)}, not { output, grads }`,
    );
  }
  const got = out;
  const checks: [string, FailureKind, FixtureTensor, ArrayTensor | null | undefined][] = [
    ["output", "wrong-value", c.output as FixtureTensor, got.output],
  ];
  for (const i of c.requires_grad) {
    const expected = c.grads?.[String(i)] ?? null;
    const actual = got.grads?.[i];
    if (expected === null) {
      // PyTorch gives none where the output does not depend on the argument: a gradient of
      // zeros says the same.
      const zeros = actual === null || actual === undefined ||
        Array.from(actual.data as Float64Array, Number).every((v) => v === 0);
      if (!zeros) {
        return result(
          "fail",
          "wrong-gradient",
          `${c.id}: grad of args[${i}] should be none or zeros`,
        );
      }
      continue;
    }
    checks.push([`grad of args[${i}]`, "wrong-gradient", expected, actual]);
  }
  const total: Compared = { worst: null, worstFinite: 0, nonFinite: 0 };
  let failed: FailureKind | null = null;
  let firstBad: WorstElement | null = null;
  for (const [label, kind, expected, actual] of checks) {
    const tol = toleranceFor(op, expected.dtype, options.tolerances);
    const r = compare(label, expected, actual ?? null, tol);
    if (typeof r === "string") {
      return result("fail", kind, `${c.id}: ${r}`, { ...total, worst: null });
    }
    const cmp = r;
    total.worstFinite = Math.max(total.worstFinite, cmp.worstFinite);
    total.nonFinite += cmp.nonFinite;
    if (cmp.worst !== null && (total.worst === null || cmp.worst.ratio > total.worst.ratio)) {
      total.worst = cmp.worst;
    }
    if (cmp.worst !== null && cmp.worst.ratio > 1 && failed === null) {
      failed = kind;
      firstBad = cmp.worst;
    }
  }
  if (failed !== null && firstBad !== null) {
    const w = firstBad;
    const times = Number.isFinite(w.ratio) ? `${w.ratio.toFixed(2)}×` : "beyond";
    return result(
      "fail",
      failed,
      `${c.id}: ${w.tensor} element [${w.index}] is ${w.actual}, expected ${w.expected} (${times} the tolerance)`,
      { ...total, worst: w },
    );
  }
  return result("pass", null, "", total);
}

/** What comparing one tensor found. */
export interface Compared {
  /** The element furthest off (a non-finite mismatch first), or null with no elements. */
  worst: WorstElement | null;
  /** The largest finite ratio. */
  worstFinite: number;
  /** Elements where nan or an infinity on one side is not matched on the other. */
  nonFinite: number;
}

/**
 * Compares a result with a fixture tensor: a message for a missing tensor or a wrong shape or
 * dtype, else the element furthest off, the largest finite ratio and the count of non-finite
 * mismatches.
 *
 * @param label `"output"` or `"grad of args[i]"`, for messages.
 * @param expected PyTorch's tensor.
 * @param actual The implementation's.
 * @param tol The tolerance; default: PyTorch's for the expected dtype.
 */
export function compare(
  label: string,
  expected: FixtureTensor,
  actual: ArrayTensor | null,
  tol: Tolerance = toleranceFor("", expected.dtype),
): Compared | string {
  if (actual === null || typeof actual !== "object") return `${label} is missing`;
  if (actual.dtype !== expected.dtype) {
    return `${label} has dtype ${actual.dtype}, expected ${expected.dtype}`;
  }
  if (!Array.isArray(actual.shape) || actual.shape.join(",") !== expected.shape.join(",")) {
    return `${label} has shape [${
      Array.isArray(actual.shape) ? actual.shape.join(", ") : String(actual.shape)
    }], expected [${expected.shape.join(", ")}]`;
  }
  if (actual.data?.length !== expected.data.length) {
    return `${label} has ${actual.data?.length} elements, expected ${expected.data.length}`;
  }
  let worst: WorstElement | null = null;
  let worstFinite = 0;
  let nonFinite = 0;
  for (let k = 0; k < expected.data.length; k++) {
    // A float32 is written as the shortest decimal that rounds to it: compare with that float32.
    const written = fixtureNumber(expected.data[k]);
    const e = expected.dtype === "float32" ? Math.fround(written) : written;
    const a = Number(actual.data[k]);
    let ratio: number;
    if (Number.isFinite(e) && Number.isFinite(a)) {
      const diff = Math.abs(a - e);
      ratio = diff === 0 ? 0 : diff / (tol.atol + tol.rtol * Math.abs(e));
      if (ratio > worstFinite) worstFinite = ratio;
    } else {
      const same = Number.isNaN(e) ? Number.isNaN(a) : e === a;
      ratio = same ? 0 : Infinity;
      if (!same) nonFinite++;
    }
    if (worst === null || ratio > worst.ratio) {
      worst = { tensor: label, index: k, expected: e, actual: a, ratio };
    }
  }
  return { worst, worstFinite, nonFinite };
}
