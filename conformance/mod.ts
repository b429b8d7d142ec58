/**
 * PyTorch's answers, as fixtures, run against any implementation: `@parity/losses/conformance`.
 *
 * An implementation is an {@linkcode Adapter}: a map from torch op names (`cross_entropy`,
 * `mse_loss`, ...) to functions that take plain typed arrays, shapes and torch's keyword
 * arguments and return the output and the gradients. {@linkcode runConformance} runs every
 * fixture case through it and reports, per case, pass, fail (with the element furthest from
 * PyTorch), an error PyTorch raised that was not thrown, or a skip with its reason; and per
 * op, a summary. This library's own backends run through the same interface
 * ({@linkcode parityAdapter}).
 *
 * Cases can be selected by op, dtype, id glob and tag (each case is tagged with what it
 * exercises: `ties`, `non-finite`, `empty`, `error:index`, ...), tolerances overridden per op
 * and dtype, and known failures judged against expectations ({@linkcode judge}). The command
 * line runner is `@parity/losses/cli`. Nothing here needs Deno's APIs: the package's own
 * fixtures load as JSON modules (`@parity/losses/fixtures/<op>.json`, in the format documented
 * in `conformance/README.md`), so this entry runs in Deno, Node, Bun and browsers.
 *
 * @example A (wrong) implementation of mse_loss, checked against PyTorch
 * ```ts
 * import { type Adapter, runConformance } from "@parity/losses/conformance";
 * import assert from "node:assert/strict";
 *
 * const adapter: Adapter = {
 *   name: "sum of squares",
 *   ops: {
 *     mse_loss: ({ args }) => {
 *       const [x, y] = args as { data: Float32Array; dtype: "float32"; shape: number[] }[];
 *       let s = 0;
 *       for (let i = 0; i < x.data.length; i++) s += (x.data[i] - y.data[i]) ** 2;
 *       return { output: { dtype: "float32", shape: [], data: new Float32Array([s]) } };
 *     },
 *   },
 * };
 * const report = await runConformance(adapter, { ops: ["mse_loss"] });
 * assert.ok(report.summary[0].failed > 0);
 * ```
 *
 * @module
 */

export {
  type Adapter,
  type AdapterOp,
  type AdapterValue,
  caseDtypes,
  type CaseResult,
  checkAdapter,
  type ConformanceOptions,
  type ConformanceReport,
  defaultTolerance,
  FAILURE_KINDS,
  type FailureKind,
  FIXTURES_DIR,
  globToRegExp,
  isUnsupported,
  type OpCall,
  type OpResult,
  type OpSummary,
  RANDOM_OPS,
  runCase,
  runConformance,
  selectCases,
  type Selection,
  TOLERANCE,
  type Tolerance,
  toleranceFor,
  type ToleranceOverride,
  UNSUPPORTED,
  Unsupported,
  type WorstElement,
} from "./runner.ts";
export {
  type ArrayTensor,
  type FixtureCase,
  type FixtureDType,
  type FixtureFile,
  type FixtureTensor,
  type FixtureValue,
  FORMAT,
  loadFixtureFile,
  loadFixtureFiles,
  loadPackageFixtures,
  PACKAGE_OPS,
  parseFixtureFile,
} from "./fixture.ts";
export {
  emptyExpectations,
  type Expectations,
  EXPECTATIONS_FORMAT,
  expectationsFromReports,
  type ExpectedFailure,
  judge,
  type Judgement,
  parseExpectations,
} from "./expectations.ts";
export { caseKey, junitXml } from "./junit.ts";
export {
  markdownTable,
  opTable,
  skipReasons,
  type TableOptions,
  tagRows,
  tagTable,
} from "./report.ts";
export { adapterReference, tagReference } from "./reference.ts";
export { TAGS } from "./tags.ts";
export { DEVICES, parityAdapter } from "./adapters/parity.ts";
export {
  type ArgValue,
  NAMED_DISTANCE_FORMULAS,
  NAMED_DISTANCES,
  OPS,
  type OpSpec,
  opSpec,
  type ParamDoc,
} from "./ops.ts";
