/**
 * Runs golden fixture cases against any implementation through an {@linkcode Adapter}: plain
 * typed arrays in, plain typed arrays out, no dependency on this library's Tensor. Outputs
 * and gradients are compared with `torch.testing.assert_close`'s default tolerances.
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

/** One op of an implementation: throw for input it rejects, or {@linkcode Unsupported}. */
export type AdapterOp = (call: OpCall) => OpResult | Promise<OpResult>;

/** An implementation under test: ops by torch name (`cross_entropy`, ...). */
export interface Adapter {
  /** Shown in tables, e.g. `"parity-losses cpu"`. */
  name: string;
  /** The ops it has; fixtures of other ops are skipped. */
  ops: Record<string, AdapterOp>;
}

/** Throw from an op to skip a case that the implementation cannot express, with the reason. */
export class Unsupported extends Error {
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
   * `skip` (the adapter lacks the op or threw {@linkcode Unsupported}).
   */
  status: "pass" | "fail" | "error-not-thrown" | "skip";
  /** The largest error in units of the tolerance (0 for an error thrown as expected). */
  worst: number;
  /** The element furthest off, where values were compared. */
  worstElement: WorstElement | null;
  /** Why it failed or was skipped, naming the case, the element, expected and actual. */
  message: string;
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
  /** The largest error over all compared cases, in units of the tolerance. */
  worst: number;
}

/** The result of {@linkcode runConformance}. */
export interface ConformanceReport {
  /** The adapter's name. */
  adapter: string;
  /** Every case. */
  cases: CaseResult[];
  /** One row per op, in the order run. */
  summary: OpSummary[];
}

/** Options for {@linkcode runConformance}. */
export interface ConformanceOptions {
  /** Only these torch op names. Default: every op in the fixtures. */
  ops?: readonly string[];
  /**
   * Fixture files already read, or a file or folder to read them from. Default: this
   * package's own fixtures.
   */
  fixtures?: readonly FixtureFile[] | string | URL;
}

/** torch.testing.assert_close defaults. */
export const TOLERANCE: Readonly<Record<"float32" | "float64", { rtol: number; atol: number }>> = {
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  float64: { rtol: 1e-7, atol: 1e-7 },
};

/** This package's fixture folder. */
export const FIXTURES_DIR: URL = new URL("./fixtures/", import.meta.url);

/**
 * Runs every fixture case of the chosen ops through `adapter` and reports each case and a
 * summary per op.
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
 * @param options `ops`, `fixtures`.
 * @returns Every case's result and one summary row per op.
 */
export async function runConformance(
  adapter: Adapter,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const source = options.fixtures ?? FIXTURES_DIR;
  const files = typeof source === "string" || source instanceof URL
    ? await loadFixtureFiles(source)
    : source;
  const wanted = options.ops;
  const cases: CaseResult[] = [];
  const summary: OpSummary[] = [];
  for (const file of files) {
    if (wanted !== undefined && !wanted.includes(file.op)) continue;
    const results: CaseResult[] = [];
    for (const c of file.cases) results.push(await runCase(adapter, file.op, c));
    cases.push(...results);
    summary.push(summarize(file.op, results));
  }
  return { adapter: adapter.name, cases, summary };
}

/** Counts one op's results. */
export function summarize(op: string, results: readonly CaseResult[]): OpSummary {
  const count = (...s: CaseResult["status"][]) =>
    results.filter((r) => s.includes(r.status)).length;
  const compared = results.filter((r) => r.status !== "skip").map((r) => r.worst);
  return {
    op,
    cases: results.length,
    passed: count("pass"),
    failed: count("fail", "error-not-thrown"),
    skipped: count("skip"),
    worst: Math.max(0, ...compared),
  };
}

/** Runs one case through the adapter's op. */
export async function runCase(adapter: Adapter, op: string, c: FixtureCase): Promise<CaseResult> {
  const result = (
    status: CaseResult["status"],
    worst = 0,
    message = "",
    worstElement: WorstElement | null = null,
  ): CaseResult => ({ op, id: c.id, status, worst, worstElement, message });
  const fn = adapter.ops[op];
  if (fn === undefined) return result("skip", 0, `${c.id}: ${adapter.name} has no ${op}`);
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
  try {
    out = await fn(call);
  } catch (e) {
    if (e instanceof Unsupported) return result("skip", 0, `${c.id}: ${e.message}`);
    if (c.error !== null) return result("pass");
    return result("fail", Infinity, `${c.id}: threw ${String(e)}`);
  }
  if (c.error !== null) {
    return result(
      "error-not-thrown",
      Infinity,
      `${c.id}: PyTorch raised "${c.error}", ${adapter.name} returned a value`,
    );
  }
  const checks: [string, FixtureTensor, ArrayTensor | null | undefined][] = [
    ["output", c.output as FixtureTensor, out.output],
  ];
  for (const i of c.requires_grad) {
    const expected = c.grads?.[String(i)] ?? null;
    const actual = out.grads?.[i];
    if (expected === null) {
      if (actual !== null && actual !== undefined) {
        return result("fail", Infinity, `${c.id}: grad of args[${i}] should be none`);
      }
      continue;
    }
    checks.push([`grad of args[${i}]`, expected, actual]);
  }
  let worst = 0;
  let worstElement: WorstElement | null = null;
  for (const [label, expected, actual] of checks) {
    const r = compare(label, expected, actual ?? null);
    if (typeof r === "string") return result("fail", Infinity, `${c.id}: ${r}`);
    if (r !== null && r.ratio >= worst) {
      worst = r.ratio;
      worstElement = r;
    }
  }
  if (worst > 1 && worstElement !== null) {
    const w = worstElement;
    return result(
      "fail",
      worst,
      `${c.id}: ${w.tensor} element [${w.index}] is ${w.actual}, expected ${w.expected} (${
        w.ratio.toFixed(2)
      }× the tolerance)`,
      w,
    );
  }
  return result("pass", worst, "", worstElement);
}

/**
 * Compares a result with a fixture tensor: a message for a missing tensor or a wrong shape or
 * dtype, else the element furthest off (null when there are no elements).
 */
export function compare(
  label: string,
  expected: FixtureTensor,
  actual: ArrayTensor | null,
): WorstElement | string | null {
  if (actual === null) return `${label} is missing`;
  if (actual.dtype !== expected.dtype) {
    return `${label} has dtype ${actual.dtype}, expected ${expected.dtype}`;
  }
  if (actual.shape.join(",") !== expected.shape.join(",")) {
    return `${label} has shape [${actual.shape.join(", ")}], expected [${
      expected.shape.join(", ")
    }]`;
  }
  if (actual.data.length !== expected.data.length) {
    return `${label} has ${actual.data.length} elements, expected ${expected.data.length}`;
  }
  const tol = TOLERANCE[expected.dtype as "float32" | "float64"] ?? { rtol: 0, atol: 0 };
  let worst: WorstElement | null = null;
  for (let k = 0; k < expected.data.length; k++) {
    const e = fixtureNumber(expected.data[k]);
    const a = Number(actual.data[k]);
    let ratio: number;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      ratio = Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
    } else if (!Number.isFinite(e) || !Number.isFinite(a)) ratio = e === a ? 0 : Infinity;
    else ratio = Math.abs(a - e) / (tol.atol + tol.rtol * Math.abs(e));
    if (worst === null || ratio > worst.ratio) {
      worst = { tensor: label, index: k, expected: e, actual: a, ratio };
    }
  }
  return worst;
}
