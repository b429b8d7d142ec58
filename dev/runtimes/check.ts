/**
 * The package in another runtime, imported by name as that runtime's users import it
 * (`@parity/losses`, `@parity/losses/conformance`): every CPU fixture case, the tutorial's
 * printed text for seeds 0 to 9, `console.log` of a tensor, and losses over tensors in the
 * kernel arena (`large.ts`). No Deno APIs: `runtimes_test.ts`
 * bundles this file for Node (with the package left out, to be found in `node_modules`) and
 * runs it under Node and Bun.
 *
 * It prints `console.log` of a tensor, then a line `---`, then one line of JSON
 * ({@linkcode CheckResult}).
 *
 * @module
 */

import { inspect } from "node:util";
import { manualSeed, randn } from "@parity/losses";
import { parityAdapter, runConformance } from "@parity/losses/conformance";
import { tutorialText } from "../../scripts/tutorial_text.ts";
import { largeLosses, type LargeResult } from "./large.ts";

/** What the check found. */
export interface CheckResult {
  /** The runtime, e.g. `node v20.20.2`. */
  runtime: string;
  cases: number;
  passed: number;
  failed: number;
  skipped: number;
  /** The first failures' messages. */
  failures: string[];
  /** Seconds the fixture run took. */
  seconds: number;
  /** `tutorialText(seed)` for seeds 0 to 9. */
  tutorial: string[];
  /** `util.inspect` of the tensor that was logged. */
  inspected: string;
  /** `String` of the same tensor. */
  text: string;
  /** Losses over tensors in the kernel arena. */
  large: LargeResult;
}

const bun = (globalThis as { Bun?: { version: string } }).Bun;
const node = (globalThis as { process?: { version: string } }).process;
const runtime = bun !== undefined ? `bun ${bun.version}` : `node ${node?.version}`;

manualSeed(0);
const logged = randn([2, 3], { requiresGrad: true });
console.log(logged);
console.log("---");

const start = performance.now();
const report = await runConformance(parityAdapter("cpu")); // the package's own fixtures
const seconds = (performance.now() - start) / 1000;
const count = (...s: string[]) => report.cases.filter((c) => s.includes(c.status)).length;
const result: CheckResult = {
  runtime,
  cases: report.cases.length,
  passed: count("pass"),
  failed: count("fail", "error-not-thrown"),
  skipped: count("skip"),
  failures: report.cases.filter((c) => c.status === "fail" || c.status === "error-not-thrown")
    .slice(0, 20).map((c) => c.message),
  seconds,
  tutorial: Array.from({ length: 10 }, (_, seed) => tutorialText(seed)),
  inspected: inspect(logged),
  text: String(logged),
  large: await largeLosses(),
};
console.log(JSON.stringify(result));
