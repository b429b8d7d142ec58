/// <reference lib="dom" />
/**
 * The conformance page (`deno task browser`): PyTorch's fixtures against this library on the
 * browser's CPU and on its WebGPU adapter, the tutorial's printed text against PyTorch's,
 * and a small benchmark of the tutorial's five losses on both devices, drawn with
 * Observable Plot. Everything it finds is also kept in `globalThis.parityPage`, and
 * `document.documentElement.dataset.state` turns from `running` to `done` (or `error`),
 * which is what `page_test.ts` waits for.
 *
 * Query parameters: `quick` (smaller benchmark sizes, for CI), `bench=0` (no benchmark),
 * `devices=cpu` (the CPU only).
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import {
  crossEntropy,
  type Device,
  hingeEmbeddingLoss,
  l1Loss,
  logSoftmax,
  manualSeed,
  mseLoss,
  nllLoss,
  rand,
  randint,
  randn,
  type Tensor,
  tensor,
} from "@parity/losses";
import {
  type CaseResult,
  type FixtureFile,
  loadPackageFixtures,
  type OpSummary,
  PACKAGE_OPS,
  parityAdapter,
  runConformance,
  TOLERANCE,
} from "@parity/losses/conformance";
import { tutorialText } from "../../scripts/tutorial_text.ts";
import { largeLosses, type LargeResult } from "../runtimes/large.ts";

/** What the adapter says about itself. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: Record<string, number>;
}

/** One device's run of the fixtures. */
export interface DeviceRun {
  device: Device;
  cases: number;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  summary: OpSummary[];
  /** Messages of the failed cases (all of them). */
  failures: string[];
  /** Why cases were skipped, with counts. */
  skipReasons: Record<string, number>;
}

/** One benchmark cell: the median time of one call. */
export interface BenchRow {
  op: string;
  size: string;
  elements: number;
  mode: "forward" | "value+grad";
  device: Device;
  ms: number;
  /** Calls timed. */
  samples: number;
}

/** Everything the page found, for people (rendered) and for the CI test (read back). */
export interface PageResults {
  state: "running" | "done" | "error";
  error: string | null;
  userAgent: string;
  adapter: AdapterReport | null;
  /** Why WebGPU does not run here, or null. */
  webgpuMissing: string | null;
  runs: DeviceRun[];
  tutorial: {
    seeds: number;
    matching: number;
    texts: string[];
    mismatched: number[];
  } | null;
  /** Shader modules the library created, and the compiler's errors for any it rejected. */
  shaders: { created: number; rejected: string[] };
  bench: BenchRow[];
  /** Losses over tensors in the kernel arena (`dev/runtimes/large.ts`). */
  large: LargeResult | null;
}

const params = new URLSearchParams(location.search);
const QUICK = params.has("quick");
const BENCH = params.get("bench") !== "0";
const CPU_ONLY = params.get("devices") === "cpu";

const results: PageResults = {
  state: "running",
  error: null,
  userAgent: navigator.userAgent,
  adapter: null,
  webgpuMissing: null,
  runs: [],
  tutorial: null,
  shaders: { created: 0, rejected: [] },
  bench: [],
  large: null,
};
(globalThis as unknown as { parityPage: PageResults }).parityPage = results;
document.documentElement.dataset.state = "running";

const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
const fmt = (n: number): string => n.toLocaleString("en-US");

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** Lets the browser paint between pieces of work. */
const paint = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

// Every shader module the library creates is checked by this browser's compiler: its
// compilation messages are collected, and a rejected shader is listed with the compiler's
// own words. Installed before the library asks for its device.
const shaderChecks: Promise<void>[] = [];
const gpuDeviceClass = (globalThis as { GPUDevice?: { prototype: GPUDevice } }).GPUDevice;
if (gpuDeviceClass !== undefined) {
  const proto = gpuDeviceClass.prototype;
  const create = proto.createShaderModule;
  proto.createShaderModule = function (
    descriptor: GPUShaderModuleDescriptor,
  ): GPUShaderModule {
    const module = create.call(this, descriptor);
    results.shaders.created++;
    shaderChecks.push(
      module.getCompilationInfo().then((info) => {
        const errors = info.messages.filter((m) => m.type === "error");
        if (errors.length > 0) {
          results.shaders.rejected.push(
            `${descriptor.label ?? "shader"}: ` +
              errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join(
                "; ",
              ),
          );
        }
      }),
    );
    return module;
  };
}

async function describeAdapter(): Promise<void> {
  const box = $("adapter");
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (gpu === undefined) {
    results.webgpuMissing = "this browser has no navigator.gpu (WebGPU needs Chrome 113 or " +
      "later, or another browser with WebGPU enabled, and a page served over https or from " +
      "localhost)";
  } else {
    const adapter = await gpu.requestAdapter();
    if (adapter === null) {
      results.webgpuMissing = "navigator.gpu.requestAdapter() returned null (headless " +
        "Chromium needs --enable-unsafe-webgpu; a blocklisted GPU or driver gives none)";
    } else {
      const info = adapter.info;
      const limits: Record<string, number> = {};
      for (const key in adapter.limits) {
        const value = (adapter.limits as unknown as Record<string, unknown>)[key];
        if (typeof value === "number") limits[key] = value;
      }
      results.adapter = {
        vendor: info.vendor,
        architecture: info.architecture,
        device: info.device,
        description: info.description,
        isFallbackAdapter: Boolean(
          (info as GPUAdapterInfo & { isFallbackAdapter?: boolean })
            .isFallbackAdapter ??
            (adapter as GPUAdapter & { isFallbackAdapter?: boolean })
              .isFallbackAdapter,
        ),
        features: [...adapter.features].sort(),
        limits,
      };
    }
  }
  box.classList.remove("muted");
  box.replaceChildren();
  if (results.adapter === null) {
    box.append(
      el(
        "p",
        {},
        `No WebGPU here: ${results.webgpuMissing}. The CPU runs alone.`,
      ),
    );
    return;
  }
  const a = results.adapter;
  const name = [a.vendor, a.architecture, a.device].filter((s) => s !== "")
    .join(" / ");
  box.append(
    el(
      "p",
      {},
      el("b", {}, name || "unnamed adapter"),
      a.description === "" ? "" : ` (${a.description})`,
      a.isFallbackAdapter ? " — a fallback (software) adapter" : "",
    ),
    el("p", { class: "muted" }, `Features: ${a.features.join(", ") || "none"}`),
  );
  const rows = Object.entries(a.limits).sort(([x], [y]) => x.localeCompare(y));
  const table = el(
    "table",
    {},
    el("tr", {}, el("th", {}, "limit"), el("th", {}, "value")),
  );
  for (const [k, v] of rows) {
    table.append(
      el("tr", {}, el("td", {}, k), el("td", { class: "num" }, fmt(v))),
    );
  }
  box.append(
    el("details", {}, el("summary", {}, `Limits (${rows.length})`), table),
  );
}

/**
 * The package's own fixtures, as `@parity/losses/conformance` loads them in every runtime (JSON
 * modules, bundled into the page), one op at a time for the progress bar.
 */
async function loadFixtures(
  progress: (done: number, total: number) => void,
): Promise<FixtureFile[]> {
  let done = 0;
  return await Promise.all(PACKAGE_OPS.map(async (op) => {
    const [file] = await loadPackageFixtures([op]);
    progress(++done, PACKAGE_OPS.length);
    return file;
  }));
}

function setProgress(done: number, total: number, text: string): void {
  const bar = $("progress") as HTMLProgressElement;
  bar.max = Math.max(total, 1);
  bar.value = done;
  $("progress-text").textContent = text;
}

function renderSummary(): void {
  const box = $("summary");
  box.replaceChildren();
  for (const run of results.runs) {
    const ok = run.failed === 0;
    box.append(
      el(
        "span",
        { class: `badge ${ok ? "ok" : "bad"}` },
        `${run.device}: `,
        el("b", {}, `${fmt(run.passed)} passed`),
        `, ${fmt(run.failed)} failed, ${fmt(run.skipped)} skipped (${run.seconds.toFixed(1)} s)`,
      ),
    );
  }
  if (results.webgpuMissing !== null) {
    box.append(el("span", { class: "badge bad" }, "webgpu: no adapter"));
  }
  if (results.tutorial !== null) {
    const t = results.tutorial;
    box.append(
      el(
        "span",
        { class: `badge ${t.matching === t.seeds ? "ok" : "bad"}` },
        "tutorial text: ",
        el("b", {}, `${t.matching} of ${t.seeds}`),
        " seeds byte for byte",
      ),
    );
  }
  if (results.shaders.created > 0) {
    const bad = results.shaders.rejected.length;
    box.append(
      el(
        "span",
        { class: `badge ${bad === 0 ? "ok" : "bad"}` },
        "shaders: ",
        el("b", {}, `${fmt(results.shaders.created)} compiled`),
        `, ${bad} rejected`,
      ),
    );
  }
  if (results.state === "running") {
    box.append(el("span", { class: "badge wait" }, "running…"));
  }
}

/**
 * The table `deno task conformance` prints, a row per op, with a column group per device: its
 * passes, each kind of failure, skips, the worst finite error in units of the tolerance, cases
 * with non-finite mismatches and time.
 */
function renderTable(files: readonly FixtureFile[]): void {
  const box = $("table");
  box.classList.remove("muted");
  // [heading, the summary's count (summed in the total row), whether a count above 0 is bad]
  const columns: [string, (s: OpSummary) => number, boolean][] = [
    ["wrong value", (s) => s.wrongValue, true],
    ["wrong grad", (s) => s.wrongGradient, true],
    ["threw", (s) => s.threw, true],
    ["no throw", (s) => s.didNotThrow, true],
    ["skip", (s) => s.skipped, false],
  ];
  const header = el("tr", {}, el("th", {}, "op"), el("th", {}, "cases"));
  for (const run of results.runs) {
    header.append(el("th", {}, `${run.device} pass`));
    for (const [h] of columns) header.append(el("th", {}, h));
    for (const h of ["worst err/tol", "non-finite", "ms"]) header.append(el("th", {}, h));
  }
  const table = el("table", {}, header);
  const width = columns.length + 4;
  const totals = results.runs.map(() => new Array<number>(columns.length + 3).fill(0));
  let cases = 0;
  for (const file of files) {
    const tr = el(
      "tr",
      {},
      el("td", {}, file.op),
      el("td", { class: "num" }, fmt(file.cases.length)),
    );
    cases += file.cases.length;
    results.runs.forEach((run, k) => {
      const s = run.summary.find((x) => x.op === file.op);
      if (s === undefined) {
        for (let i = 0; i < width; i++) tr.append(el("td", {}));
        return;
      }
      const t = totals[k];
      t[0] += s.passed;
      tr.append(el(
        "td",
        { class: `num ${s.failed === 0 && s.passed > 0 ? "ok" : ""}` },
        fmt(s.passed),
      ));
      columns.forEach(([, count, bad], i) => {
        const n = count(s);
        t[i + 1] += n;
        tr.append(el("td", { class: `num ${bad && n > 0 ? "bad" : ""}` }, fmt(n)));
      });
      t[columns.length + 1] += s.nonFinite;
      t[columns.length + 2] += s.timeMs;
      const worst = s.passed + s.failed === 0
        ? ""
        : Number.isFinite(s.worstFinite)
        ? s.worstFinite.toFixed(3)
        : "";
      tr.append(
        el("td", { class: "num" }, worst),
        el("td", { class: `num ${s.nonFinite > 0 ? "bad" : ""}` }, fmt(s.nonFinite)),
        el("td", { class: "num" }, s.timeMs.toFixed(s.timeMs < 10 ? 1 : 0)),
      );
    });
    table.append(tr);
  }
  const total = el(
    "tr",
    { class: "total" },
    el("td", {}, "total"),
    el("td", { class: "num" }, fmt(cases)),
  );
  for (const t of totals) {
    total.append(el("td", { class: "num" }, fmt(t[0])));
    columns.forEach(([, , bad], i) => {
      total.append(el("td", { class: `num ${bad && t[i + 1] > 0 ? "bad" : ""}` }, fmt(t[i + 1])));
    });
    total.append(
      el("td", {}),
      el("td", { class: "num" }, fmt(t[columns.length + 1])),
      el("td", { class: "num" }, t[columns.length + 2].toFixed(0)),
    );
  }
  table.append(total);
  const notes: HTMLElement[] = [];
  for (const run of results.runs) {
    for (const [why, n] of Object.entries(run.skipReasons)) {
      notes.push(el("li", {}, `${run.device} skipped ${fmt(n)} cases: ${why}`));
    }
  }
  const tol =
    `Tolerances: torch.testing.assert_close's defaults on every device (float32 rtol ${TOLERANCE.float32.rtol}, atol ${TOLERANCE.float32.atol}; float64 rtol ${TOLERANCE.float64.rtol}, atol ${TOLERANCE.float64.atol}); none widened. "worst err/tol" is the largest finite error in units of the tolerance: above 1 fails.`;
  box.replaceChildren(
    table,
    el("ul", { class: "muted" }, ...notes),
    el("p", { class: "muted" }, tol),
  );
  const failures = $("failures");
  failures.replaceChildren();
  for (const run of results.runs) {
    if (run.failures.length === 0) continue;
    failures.append(
      el(
        "details",
        { open: "" },
        el("summary", {}, `${run.device}: ${run.failures.length} failed cases`),
        el("pre", {}, run.failures.slice(0, 200).join("\n")),
      ),
    );
  }
}

async function runDevice(
  device: Device,
  files: readonly FixtureFile[],
  before: number,
  total: number,
  render: () => void,
): Promise<void> {
  const adapter = parityAdapter(device);
  const run: DeviceRun = {
    device,
    cases: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    seconds: 0,
    summary: [],
    failures: [],
    skipReasons: {},
  };
  results.runs.push(run);
  const start = performance.now();
  let done = before;
  for (const file of files) {
    setProgress(
      done,
      total,
      `${device}: ${file.op} (${fmt(file.cases.length)} cases)`,
    );
    await paint();
    const report = await runConformance(adapter, {
      ops: [file.op],
      fixtures: [file],
    });
    for (const s of report.summary) {
      run.summary.push(s);
      run.cases += s.cases;
      run.passed += s.passed;
      run.failed += s.failed;
      run.skipped += s.skipped;
    }
    for (const c of report.cases) record(run, c);
    done += file.cases.length;
    run.seconds = (performance.now() - start) / 1000;
    render();
  }
}

function record(run: DeviceRun, c: CaseResult): void {
  if (c.status === "fail" || c.status === "error-not-thrown") {
    run.failures.push(c.message);
  }
  if (c.status === "skip") {
    const why = c.message.replace(/^[^:]*: /, "");
    run.skipReasons[why] = (run.skipReasons[why] ?? 0) + 1;
  }
}

/** The tutorial's code for seeds 0 to 9 against the text PyTorch printed. */
async function runTutorial(): Promise<void> {
  const printed = await (await fetch("printed/tutorial.json")).json() as {
    cases: { seed: number; text: string }[];
  };
  const texts: string[] = [];
  const mismatched: number[] = [];
  for (const c of printed.cases) {
    const text = tutorialText(c.seed);
    texts.push(text);
    if (text !== c.text) mismatched.push(c.seed);
  }
  results.tutorial = {
    seeds: printed.cases.length,
    matching: printed.cases.length - mismatched.length,
    texts,
    mismatched,
  };
  const box = $("tutorial");
  box.classList.remove("muted");
  box.replaceChildren(
    el(
      "p",
      {},
      `The tutorial's code after torch.manual_seed(N), N = 0 to ${printed.cases.length - 1}: ` +
        `${results.tutorial.matching} of ${printed.cases.length} print PyTorch's text byte for byte` +
        (mismatched.length === 0 ? "." : ` (different: seeds ${mismatched.join(", ")}).`),
    ),
    el(
      "details",
      {},
      el("summary", {}, "Seed 0, as printed here"),
      el("pre", {}, texts[0]),
    ),
  );
}

interface BenchLoss {
  op: string;
  /** Element counts, or [N, C] rows and classes. */
  sizes: (number | [number, number])[];
  inputs: (
    size: number | [number, number],
  ) => Promise<{ x: Tensor; y: Tensor }>;
  loss: (x: Tensor, y: Tensor) => Tensor;
}

const elementwise = (quick: boolean): number[] => quick ? [1e3, 1e5] : [1e3, 1e4, 1e5, 1e6];
const rows = (quick: boolean): [number, number][] =>
  quick ? [[64, 10], [256, 100]] : [[64, 10], [256, 100], [1024, 1000]];

function floatPair(n: number): Promise<{ x: Tensor; y: Tensor }> {
  return Promise.resolve({ x: randn([n]), y: randn([n]) });
}

const BENCH_LOSSES: BenchLoss[] = [
  {
    op: "l1_loss",
    sizes: elementwise(QUICK),
    inputs: (n) => floatPair(n as number),
    loss: l1Loss,
  },
  {
    op: "mse_loss",
    sizes: elementwise(QUICK),
    inputs: (n) => floatPair(n as number),
    loss: mseLoss,
  },
  {
    op: "nll_loss",
    sizes: rows(QUICK),
    inputs: async (size) => {
      const [n, c] = size as [number, number];
      const x = logSoftmax(randn([n, c]), 1);
      return {
        x: tensor(await x.data(), { shape: [n, c] }),
        y: randint(0, c, [n]),
      };
    },
    loss: nllLoss,
  },
  {
    op: "cross_entropy",
    sizes: rows(QUICK),
    inputs: (size) => {
      const [n, c] = size as [number, number];
      return Promise.resolve({ x: randn([n, c]), y: randint(0, c, [n]) });
    },
    loss: crossEntropy,
  },
  {
    op: "hinge_embedding_loss",
    sizes: elementwise(QUICK),
    inputs: async (n) => {
      const u = await rand([n as number]).data();
      const y = Float32Array.from(u as Float32Array, (v) => (v < 0.5 ? -1 : 1));
      return { x: randn([n as number]), y: tensor(y) };
    },
    loss: hingeEmbeddingLoss,
  },
];

function sizeLabel(size: number | [number, number]): string {
  return typeof size === "number" ? size.toExponential(0).replace("+", "") : size.join("×");
}

/**
 * The median time of one call of `fn`, after two warm-up calls. Browsers round
 * `performance.now()` (to 0.1 ms in Chrome without cross-origin isolation), so each sample
 * times a batch of calls lasting at least 5 ms and divides.
 */
async function time(fn: () => Promise<void>): Promise<{ ms: number; samples: number }> {
  await fn();
  await fn();
  let batch = 0;
  const calibrate = performance.now();
  while (performance.now() - calibrate < 5) {
    await fn();
    batch++;
  }
  const [minSamples, budget] = QUICK ? [3, 300] : [7, 1500];
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minSamples || performance.now() - start < budget) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    samples.push((performance.now() - t0) / batch);
    if (samples.length >= 100 || performance.now() - start > 4 * budget) break;
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)], samples: samples.length * batch };
}

async function runBench(devices: readonly Device[]): Promise<void> {
  const box = $("bench");
  box.classList.remove("muted");
  const cells = BENCH_LOSSES.flatMap((b) => b.sizes.map((s) => ({ b, s })));
  const total = cells.length * devices.length * 2;
  let done = 0;
  for (const { b, s } of cells) {
    manualSeed(0);
    const { x, y } = await b.inputs(s);
    const elements = x.numel;
    for (const device of devices) {
      const xd = await tensor(await x.data(), { shape: [...x.shape] }).to(
        device,
      );
      const xg = await tensor(await x.data(), {
        shape: [...x.shape],
        requiresGrad: true,
      }).to(
        device,
      );
      const yd = await y.to(device);
      const forward = async () => {
        await b.loss(xd, yd).data();
      };
      const valueGrad = async () => {
        xg.grad = null;
        const loss = b.loss(xg, yd);
        loss.backward();
        const grad = xg.grad as Tensor | null; // set by backward()
        await Promise.all([loss.data(), grad?.data()]);
      };
      for (
        const [mode, fn] of [["forward", forward], [
          "value+grad",
          valueGrad,
        ]] as const
      ) {
        setProgress(
          done++,
          total,
          `benchmark: ${b.op} ${sizeLabel(s)} ${mode} on ${device}`,
        );
        await paint();
        const { ms, samples } = await time(fn);
        results.bench.push({
          op: b.op,
          size: sizeLabel(s),
          elements,
          mode,
          device,
          ms,
          samples,
        });
      }
    }
  }
  setProgress(total, total, "Done.");
  renderBench(devices);
}

function renderBench(devices: readonly Device[]): void {
  const box = $("bench");
  const header = el(
    "tr",
    {},
    el("th", {}, "op"),
    el("th", {}, "size"),
    el("th", {}, "mode"),
  );
  for (const d of devices) header.append(el("th", {}, `${d} ms`));
  if (devices.length > 1) {
    header.append(el("th", {}, `${devices[1]} ÷ ${devices[0]}`));
  }
  const table = el("table", {}, header);
  const keys = [
    ...new Set(results.bench.map((r) => `${r.op}|${r.size}|${r.mode}`)),
  ];
  for (const key of keys) {
    const [op, size, mode] = key.split("|");
    const tr = el(
      "tr",
      {},
      el("td", {}, op),
      el("td", {}, size),
      el("td", {}, mode),
    );
    const ms = devices.map((d) =>
      results.bench.find((r) => `${r.op}|${r.size}|${r.mode}` === key && r.device === d)?.ms
    );
    for (const m of ms) {
      tr.append(
        el("td", { class: "num" }, m === undefined ? "" : m.toPrecision(3)),
      );
    }
    if (devices.length > 1 && ms[0] !== undefined && ms[1] !== undefined) {
      tr.append(
        el("td", { class: "num" }, `×${(ms[1] / ms[0]).toPrecision(3)}`),
      );
    }
    table.append(tr);
  }
  box.replaceChildren(
    el(
      "p",
      { class: "muted" },
      "Median milliseconds per call, from the call to the values read back (await data()), " +
        "after two warm-up calls; value+grad also runs backward() and reads the input's " +
        "gradient. float32, seeded inputs.",
    ),
    table,
  );
  const chart = Plot.plot({
    width: 1040,
    height: 360,
    marginLeft: 56,
    marginRight: 80,
    x: { type: "log", label: "elements", grid: true, tickFormat: "~s" },
    y: { type: "log", label: "median ms per call", grid: true, tickFormat: "~g" },
    color: {
      legend: true,
      domain: [...devices],
      range: ["#0969da", "#d1242f"],
    },
    fx: { label: null },
    fy: { label: null },
    marks: [
      Plot.line(results.bench, {
        x: "elements",
        y: "ms",
        stroke: "device",
        fx: "op",
        fy: "mode",
      }),
      Plot.dot(results.bench, {
        x: "elements",
        y: "ms",
        fill: "device",
        fx: "op",
        fy: "mode",
        tip: true,
        title: (r: BenchRow) =>
          `${r.op} ${r.size} ${r.mode} on ${r.device}: ${r.ms.toPrecision(3)} ms`,
      }),
    ],
  });
  $("chart").replaceChildren(chart);
}

function offerDownload(): void {
  const blob = new Blob([JSON.stringify(results, null, 2)], {
    type: "application/json",
  });
  const link = el("a", {
    href: URL.createObjectURL(blob),
    download: "parity-losses-page.json",
  });
  link.textContent = "Download the results (JSON)";
  $("progress-text").replaceChildren("Done. ", link);
}

async function main(): Promise<void> {
  await describeAdapter();
  renderSummary();
  const files = await loadFixtures((done, total) =>
    setProgress(done, total, `Loading the fixtures: ${done} of ${total} files`)
  );
  const devices: Device[] = CPU_ONLY || results.adapter === null ? ["cpu"] : ["cpu", "webgpu"];
  const perDevice = files.reduce((n, f) => n + f.cases.length, 0);
  const total = perDevice * devices.length;
  const render = () => {
    renderTable(files);
    renderSummary();
  };
  await runDevice("cpu", files, 0, total, render);
  await runTutorial();
  results.large = await largeLosses();
  renderSummary();
  if (devices.includes("webgpu")) {
    await runDevice("webgpu", files, perDevice, total, render);
  }
  await Promise.all(shaderChecks);
  renderSummary();
  if (BENCH) await runBench(devices);
  else $("bench").textContent = "Skipped (bench=0).";
  await Promise.all(shaderChecks);
  results.state = "done";
  renderSummary();
  offerDownload();
}

main().catch((error: unknown) => {
  results.state = "error";
  results.error = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  console.error(error);
  $("error").replaceChildren(
    el("pre", { class: "bad" }, `The page stopped: ${results.error}`),
  );
  renderSummary();
}).finally(() => {
  document.documentElement.dataset.state = results.state;
});
