/**
 * The conformance runner, `@parity/losses/cli`: runs PyTorch's fixtures against an
 * implementation given as an adapter module (or, without one, against this library on every
 * available device) and prints a table per op with each kind of failure in its own column.
 * `deno task conformance` in the repository is this runner.
 *
 * ```sh
 * deno run -A jsr:@parity/losses/cli --impl ./adapter.ts --dtypes float32 \
 *   --expectations expectations.json --junit conformance.xml
 * ```
 *
 * Exits with 0 when every case passes or every failure is listed in the expectations, 1 when
 * a failure is not, and 2 for a usage error. `--help` lists the options.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DEVICES, parityAdapter } from "./adapters/parity.ts";
import {
  emptyExpectations,
  type Expectations,
  expectationsFromReports,
  type ExpectedFailure,
  judge,
  parseExpectations,
} from "./expectations.ts";
import { type FixtureFile, loadFixtureFiles, loadPackageFixtures } from "./fixture.ts";
import { caseKey, junitXml } from "./junit.ts";
import { adapterReference, tagReference } from "./reference.ts";
import { markdownTable, opTable, skipReasons, tagTable } from "./report.ts";
import {
  type Adapter,
  checkAdapter,
  type ConformanceReport,
  runConformance,
  TOLERANCE,
  type ToleranceOverride,
} from "./runner.ts";

const USAGE = `Usage: deno run -A jsr:@parity/losses/cli [options]
       deno task conformance [options]          (in the repository)

Runs golden fixtures exported from PyTorch 1.13 against an implementation and prints a
table per op. Without --impl it runs this library on every available device
(${DEVICES.join(", ")}).

Implementation
  --impl MODULE            an adapter module: its default export (or export "adapter" or
                           "adapters") is an adapter { name, device?, ops } or a list of them
  --reference              print the reference for adapter authors (every op's arguments,
                           keyword arguments, dtypes; the tags) and exit
Selection (each given criterion must hold)
  --ops A,B                torch op names (e.g. mse_loss,cross_entropy)
  --dtypes A,B             float32, float64, int64, bool: cases whose floating-point
                           dtypes (or, with none, whose dtypes) are all listed
  --devices A,B            adapters whose device is listed (for modules with several)
  --cases GLOB             case ids matching the glob (* any text, ? one character);
                           repeat for several
  --tags A,B               cases with at least one of these tags (--reference lists them)
  --fixtures PATH          a fixture file or folder (default: the package's own)
Expectations and tolerances
  --expectations FILE      known failures with reasons, and tolerances: exit 0 when only
                           those fail; listed cases that now pass are named
  --write-expectations FILE
                           write this run's failures as expectations (reasons from
                           --expectations are kept), to record a baseline
  --tolerance OP[:DTYPE]=RTOL,ATOL
                           replace torch.testing.assert_close's tolerance for an op
                           (* for all) and dtype; repeat for several
Output
  --by-tag                 also print the results grouped by tag
  --json FILE              every case: status, kind, worst element, time, tags
  --junit FILE             JUnit XML for CI
  --verbose                every failure in full and every skipped case with its reason
  --help                   this text`;

/** A usage error: printed with the usage, exit status 2. */
class UsageError extends Error {}

function list(values: string[] | undefined): string[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  return values.flatMap((v) => v.split(",")).map((s) => s.trim()).filter((s) => s !== "");
}

/** Parses `--tolerance OP[:DTYPE]=RTOL,ATOL`. */
export function parseTolerance(text: string): ToleranceOverride {
  const m = /^([^:=]+)(?::(float32|float64))?=([^,]+),([^,]+)$/.exec(text.trim());
  const rtol = Number(m?.[3]);
  const atol = Number(m?.[4]);
  if (m === null || !(rtol >= 0) || !(atol >= 0)) {
    throw new UsageError(
      `Cannot read --tolerance ${text}: write OP[:DTYPE]=RTOL,ATOL, e.g. kl_div:float32=1e-5,1e-5`,
    );
  }
  return { op: m[1], ...(m[2] === undefined ? {} : { dtype: m[2] as "float32" }), rtol, atol };
}

/** Loads the adapters an `--impl` module exports. */
export async function loadAdapters(path: string): Promise<Adapter[]> {
  const url = /^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)
    ? path
    : pathToFileURL(resolve(path)).href;
  const module = await import(url);
  const exported = module.default ?? module.adapters ?? module.adapter;
  if (exported === undefined) {
    throw new TypeError(
      `Cannot use ${path} as an adapter module: it has no default export (nor "adapter" or "adapters")`,
    );
  }
  if (typeof exported === "function") {
    throw new TypeError(
      `Cannot use ${path} as an adapter module: its export is a function (${
        exported.name || "anonymous"
      }), not an adapter { name, ops }; export the adapter it makes, e.g. export default ${
        exported.name || "makeAdapter"
      }("cpu")`,
    );
  }
  const adapters = Array.isArray(exported) ? exported : [exported];
  for (const a of adapters) {
    try {
      checkAdapter(a);
    } catch (e) {
      throw new TypeError(`Cannot use ${path} as an adapter module: ${(e as Error).message}`);
    }
  }
  return adapters as Adapter[];
}

async function readExpectations(path: string, io: Io): Promise<Expectations> {
  const text = await io.readTextFile(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Cannot read expectations from ${path} as it is not JSON: ${e}`);
  }
  return parseExpectations(json, path);
}

/** JSON has no Infinity or NaN: write them as strings, as the fixtures do. */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== "number" || Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/** Options of {@linkcode main} for embedding the runner. */
export interface MainOptions {
  /** Where output lines go (default `console.log`). */
  log?: (line: string) => void;
  /** Reads the expectations file (default `Deno.readTextFile`). */
  readTextFile?: (path: string) => Promise<string>;
  /** Writes the `--json`, `--junit` and `--write-expectations` files (default `Deno.writeTextFile`). */
  writeTextFile?: (path: string, text: string) => Promise<void>;
}

interface Io {
  log: (line: string) => void;
  readTextFile: (path: string) => Promise<string>;
  writeTextFile: (path: string, text: string) => Promise<void>;
}

/**
 * Runs the command line.
 *
 * @param args The arguments, as `Deno.args`.
 * @param options Where the output goes.
 * @returns The exit status: 0 (only listed failures, or none), 1 (an unlisted failure), 2
 * (a usage error).
 */
export async function main(args: readonly string[], options: MainOptions = {}): Promise<number> {
  const io: Io = {
    log: options.log ?? ((line: string) => console.log(line)),
    readTextFile: options.readTextFile ?? ((path) => Deno.readTextFile(path)),
    writeTextFile: options.writeTextFile ?? ((path, text) => Deno.writeTextFile(path, text)),
  };
  try {
    return await run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof TypeError || e instanceof SyntaxError || e instanceof RangeError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
}

async function run(args: readonly string[], io: Io): Promise<number> {
  const log = io.log;
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        impl: { type: "string" },
        fixtures: { type: "string" },
        ops: { type: "string", multiple: true },
        dtypes: { type: "string", multiple: true },
        devices: { type: "string", multiple: true },
        cases: { type: "string", multiple: true },
        tags: { type: "string", multiple: true },
        tolerance: { type: "string", multiple: true },
        expectations: { type: "string" },
        "write-expectations": { type: "string" },
        json: { type: "string" },
        junit: { type: "string" },
        "by-tag": { type: "boolean", default: false },
        reference: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    log(USAGE);
    return 0;
  }
  if (values.reference) {
    log(`## Tags\n\n${tagReference()}\n## Ops\n\n${adapterReference()}`);
    return 0;
  }
  const ops = list(values.ops);
  const files: FixtureFile[] = values.fixtures === undefined
    ? await loadPackageFixtures(ops)
    : await loadFixtureFiles(values.fixtures);
  const known = files.map((f) => f.op);
  const unknown = (ops ?? []).filter((op) => !known.includes(op));
  if (unknown.length > 0) {
    throw new UsageError(`No fixtures for ${unknown.join(", ")}: the ops are ${known.join(", ")}`);
  }
  const expectations = values.expectations === undefined
    ? emptyExpectations()
    : await readExpectations(values.expectations, io);
  const tolerances = [
    ...expectations.tolerances,
    ...(values.tolerance ?? []).map(parseTolerance),
  ];
  let adapters = values.impl === undefined
    ? DEVICES.map(parityAdapter)
    : await loadAdapters(values.impl);
  const devices = list(values.devices);
  if (devices !== undefined) {
    const available = adapters.map((a) => a.device ?? "(none)");
    adapters = adapters.filter((a) => a.device !== undefined && devices.includes(a.device));
    if (adapters.length === 0) {
      throw new UsageError(
        `No adapter runs on ${devices.join(", ")}: the devices are ${available.join(", ")}`,
      );
    }
  }
  const selection = {
    ops,
    dtypes: list(values.dtypes),
    cases: values.cases,
    tags: list(values.tags),
  };
  const reports: ConformanceReport[] = [];
  for (const adapter of adapters) {
    reports.push(await runConformance(adapter, { ...selection, fixtures: files, tolerances }));
  }
  const judgement = judge(reports, expectations);
  const expectedByKey = new Map<string, ExpectedFailure>(
    judgement.expected.map((e) => [caseKey(e.adapter, e.result.id), e.entry]),
  );

  for (const r of reports) {
    log(`## ${r.adapter}\n`);
    if (r.cases.length === 0) {
      log("No case matches the selection.\n");
      continue;
    }
    log(opTable(r) + "\n");
    if (values["by-tag"]) log(tagTable(r) + "\n");
    const skips = skipReasons(r);
    if (values.verbose) {
      for (const c of r.cases.filter((c) => c.status === "skip")) log(`SKIP ${c.message}`);
    } else {
      for (const [why, n] of skips) log(`skipped ${plural(n, "case")}: ${why}`);
    }
    if (skips.length > 0) log("");
  }
  log(toleranceText(tolerances));

  const unexpected = judgement.unexpected;
  const shown = values.verbose ? unexpected : unexpected.slice(0, 10);
  for (const { adapter, result } of shown) {
    const who = reports.length > 1 ? `${adapter}: ` : "";
    log(`FAIL ${result.kind} ${who}${result.message}`);
  }
  if (shown.length < unexpected.length) {
    log(`... and ${unexpected.length - shown.length} more failures (--verbose shows all)`);
  }
  if (values.expectations !== undefined) {
    log(
      `${plural(judgement.expected.length, "failure")} listed in ${values.expectations}, ` +
        `${plural(unexpected.length, "failure")} not listed`,
    );
    if (values.verbose) {
      for (const e of judgement.expected) {
        log(`expected ${e.result.kind} ${e.result.id}: ${e.entry.reason}`);
      }
    }
    if (judgement.nowPassing.length > 0) {
      log(
        `${
          plural(judgement.nowPassing.length, "listed case")
        } now pass; remove them from ${values.expectations}:`,
      );
      for (const e of judgement.nowPassing) {
        const more = e.case === e.cases[0] ? "" : ` (${plural(e.cases.length, "case")})`;
        log(`  now passes: ${e.case}${e.adapter === undefined ? "" : ` [${e.adapter}]`}${more}`);
      }
    }
  }
  for (const r of reports) log(summaryLine(r));

  if (values.json !== undefined) {
    const json = {
      format: "parity-losses/results@1",
      reports: reports.map((r) => ({
        ...r,
        cases: r.cases.map((c) => ({
          ...c,
          expected: expectedByKey.has(caseKey(r.adapter, c.id)),
        })),
      })),
    };
    await io.writeTextFile(values.json, JSON.stringify(json, jsonNumbers, 2) + "\n");
    log(`Wrote ${values.json}`);
  }
  if (values.junit !== undefined) {
    await io.writeTextFile(values.junit, junitXml(reports, expectedByKey));
    log(`Wrote ${values.junit}`);
  }
  if (values["write-expectations"] !== undefined) {
    const path = values["write-expectations"];
    const written = expectationsFromReports(
      reports,
      values.expectations === undefined ? undefined : expectations,
    );
    await io.writeTextFile(path, JSON.stringify(written, null, 2) + "\n");
    log(`Wrote ${path}: ${plural(written.failures.length, "expected failure")}`);
  }
  return unexpected.length > 0 ? 1 : 0;
}

/** A tolerance as people write it: `1.3e-6`, not `0.0000013`. */
function tol(x: number): string {
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);
}

function toleranceText(tolerances: readonly ToleranceOverride[]): string {
  const d = TOLERANCE;
  const base = `Tolerances: torch.testing.assert_close's defaults (float32 rtol ${
    tol(d.float32.rtol)
  }, atol ${tol(d.float32.atol)}; float64 rtol ${tol(d.float64.rtol)}, atol ${
    tol(d.float64.atol)
  })`;
  if (tolerances.length === 0) return `${base}; none replaced.\n`;
  const rows = tolerances.map((t) => [
    t.op,
    t.dtype ?? "both",
    tol(t.rtol),
    tol(t.atol),
    t.reason ?? "",
  ]);
  return `${base}, except:\n\n${
    markdownTable([["op", "dtype", "rtol", "atol", "reason"], ...rows], 2)
  }\n`;
}

function summaryLine(r: ConformanceReport): string {
  const part = (random: boolean, what: string) => {
    const ops = r.summary.filter((s) => s.random === random);
    if (ops.length === 0) return [];
    const sum = (f: (s: (typeof ops)[number]) => number) => ops.reduce((n, s) => n + f(s), 0);
    return [
      `${what}: ${sum((s) => s.passed).toLocaleString("en-US")} of ${
        sum((s) => s.cases).toLocaleString("en-US")
      } pass, ${sum((s) => s.failed).toLocaleString("en-US")} fail, ${
        sum((s) => s.skipped).toLocaleString("en-US")
      } skipped`,
    ];
  };
  const parts = [...part(false, "losses and ops"), ...part(true, "random numbers")];
  return `${r.adapter}: ${parts.length > 0 ? parts.join("; ") : "no cases"}`;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
