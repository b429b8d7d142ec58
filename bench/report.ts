/**
 * `deno task report [--quick] [--python PATH] [--out DIR]`: one run of every benchmark (this
 * library, TensorFlow.js, PyTorch, the memory bandwidth), written to
 * `results/<date>-<short hash>/`:
 *
 * - `bench.json`: the raw `deno bench --json`; `bench.log`: its stderr (skips, peers' errors);
 * - `samples.jsonl`: every timed call's duration, peers' agreement checks and skip reasons;
 * - `cells.csv` and `cells.json`: one row per cell (system, backend, op, mode, size, median,
 *   p10, p90, samples, GB/s, % of bandwidth, ratio to the fastest);
 * - `env.json`: Deno, V8, OS, CPU, GPU adapter, git commit, torch, load average;
 * - `report.md` and `chart-<op>-<mode>.svg`.
 *
 * `deno task report --compare results/A results/B` prints B's time ÷ A's per cell and flags
 * the changes beyond both runs' noise.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { stringify } from "npm:csv-stringify@6.5.2/sync";
import {
  BENCH_OPS,
  type BenchOp,
  cellBytes,
  type Mode,
  MODES,
  sizeLabel,
  tfjsMaxNumel,
} from "./_ops.ts";
import { numelOf } from "./_inputs.ts";
import { lineChart, type Series } from "./_report_svg.ts";

/** One timed cell after aggregation. */
export interface CellRow {
  system: string;
  backend: string;
  op: string;
  mode: string;
  size: string;
  median_ms: number | null;
  p10_ms: number | null;
  p90_ms: number | null;
  /** Half the p10–p90 range over the median: the cell's spread, as a fraction. */
  spread: number | null;
  samples: number;
  gb_per_s: number | null;
  pct_of_bandwidth: number | null;
  ratio_to_fastest: number | null;
  bandwidth_floor_ms: number | null;
  /** GPU-side kernel time (timestamp queries), for GPU backends that report it. */
  gpu_kernel_ms: number | null;
  bytes: number;
  status: string;
}

const TOLERANCE = 1e-3;
const TUTORIAL: [string, string][] = [
  ["l1_loss", "1e6"],
  ["mse_loss", "1e6"],
  ["hinge_embedding_loss", "1e6"],
  ["nll_loss", "1024x1000"],
  ["cross_entropy", "1024x1000"],
];

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 1) return sorted[0];
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

async function run(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

function readLines(path: string): Record<string, unknown>[] {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l.trim() !== "").map((l) =>
      JSON.parse(l)
    );
  } catch {
    return [];
  }
}

function cpuModel(): string | null {
  try {
    const m = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.*)$/m);
    return m?.[1] ?? null;
  } catch {
    return null; // Deno asks for --allow-all to read /proc; deno bench reports the model
  }
}

async function gpuInfo(): Promise<Record<string, unknown>> {
  try {
    const gpu = (navigator as unknown as { gpu?: GPU }).gpu;
    if (gpu === undefined) return { available: false, reason: "navigator.gpu is undefined" };
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return { available: false, reason: "requestAdapter() returned null" };
    const info = adapter.info;
    return {
      available: true,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
        (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter,
      features: [...adapter.features].sort(),
      timestampQuery: adapter.features.has("timestamp-query"),
    };
  } catch (e) {
    return { available: false, reason: String(e) };
  }
}

async function findPython(
  flag: string | undefined,
): Promise<{ path: string; torch: string } | null> {
  let envPython: string | undefined;
  try {
    envPython = Deno.env.get("PYTHON");
  } catch { /* no env permission */ }
  for (const p of [flag, envPython, "python3", "/usr/bin/python3"]) {
    if (!p) continue;
    const v = await run(p, ["-c", "import torch, numpy; print(torch.__version__)"]);
    if (v) return { path: p, torch: v };
  }
  return null;
}

function load(): number[] {
  try {
    return Deno.loadavg();
  } catch {
    return [];
  }
}

function expectedCells(quick: boolean, ops: readonly BenchOp[]): number {
  let n = 2;
  for (const op of ops) {
    // this library's modes; TensorFlow.js and the bridge on three backends, two modes each
    n += (quick ? op.quickSizes : op.sizes).length * (MODES.length + (op.tfjs ? 6 * 2 : 0));
  }
  return n;
}

/** Runs a command with a progress line fed by `progress()` once a second. */
async function withProgress(
  cmd: Deno.Command,
  progress: () => string,
  limitS: number,
): Promise<Deno.CommandOutput> {
  const child = cmd.spawn();
  // A hung GPU dispatch must not hang the report: stop the run and report what was measured.
  const killer = setTimeout(() => {
    Deno.stderr.writeSync(new TextEncoder().encode(`\nstopped after ${limitS} s\n`));
    child.kill("SIGTERM");
  }, limitS * 1000);
  const encoder = new TextEncoder();
  const tty = Deno.stderr.isTerminal();
  let ticks = 0;
  const timer = setInterval(() => {
    // one line rewritten in place on a terminal; a line every 15 s in a log
    if (tty) Deno.stderr.writeSync(encoder.encode(`\r\x1b[K${progress()}`));
    else if (++ticks % 15 === 0) Deno.stderr.writeSync(encoder.encode(`${progress()}\n`));
  }, 1000);
  try {
    return await child.output();
  } finally {
    clearTimeout(killer);
    clearInterval(timer);
    Deno.stderr.writeSync(encoder.encode(`${tty ? "\r\x1b[K" : ""}${progress()}\n`));
  }
}

function fmtMs(ms: number | null): string {
  if (ms === null) return "—";
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toPrecision(2);
}

function systemKey(r: { system: string; backend: string }): string {
  return `${r.system}/${r.backend}`;
}

const SYSTEM_ORDER = [
  "parity-losses/cpu",
  "parity-losses/webgpu",
  "tfjs/cpu",
  "tfjs/wasm",
  "tfjs/webgpu",
  "tfjs-bridge/cpu",
  "tfjs-bridge/wasm",
  "tfjs-bridge/webgpu",
  "pytorch/cpu",
];

function relErr(got: number, want: number, scale = Math.abs(want)): number {
  const d = Math.abs(got - want);
  return Number.isNaN(d) ? Infinity : d / Math.max(scale, 1e-30);
}

// ---- processes ---------------------------------------------------------------------------

/** Every system the benches know, and the two bandwidth kernels. */
const ALL_SYSTEMS = [
  ...SYSTEM_ORDER.filter((s) => s !== "pytorch/cpu"),
  "memory/copy",
  "memory/read",
];

/** A comma-separated list from the environment, or `null` when it is not set. */
function envList(name: string): string[] | null {
  let list: string | undefined;
  try {
    list = Deno.env.get(name);
  } catch { /* no env permission */ }
  return list?.split(",").map((s) => s.trim()).filter((s) => s) ?? null;
}

/** The systems `BENCH_SYSTEMS` keeps (all of them when it is not set). */
function selectedSystems(): string[] {
  const chosen = envList("BENCH_SYSTEMS");
  return chosen === null ? ALL_SYSTEMS : ALL_SYSTEMS.filter((s) => chosen.includes(s));
}

/** One `deno bench` process: a bench file at one size for one system, or the bandwidth. */
interface BenchJob {
  file: string;
  size: string | null;
  systems: string;
}

/**
 * The processes of a run, and the skips the report logs itself (a peer without a version of
 * the op, a size above a peer's limit) rather than start a process to say so.
 */
function benchJobs(
  quick: boolean,
  ops: readonly BenchOp[],
  systems: string[],
  sizes: string[] | null,
): { run: BenchJob[]; skipped: Record<string, unknown>[] } {
  const run: BenchJob[] = [];
  const skipped: Record<string, unknown>[] = [];
  const memory = systems.filter((s) => s.startsWith("memory/"));
  if (memory.length > 0) {
    run.push({ file: "bandwidth_bench.ts", size: null, systems: memory.join(",") });
  }
  // op by op and size by size, every system of a size together: PyTorch's cells of the same
  // op and size run right after them (see main)
  for (const op of ops) {
    const systemsHere = systems.filter((s) => !s.startsWith("memory/")).filter((system) => {
      const [name, backend] = system.split("/");
      if (name !== "tfjs" || op.tfjs !== undefined) return true;
      skipped.push({
        type: "skip",
        system: name,
        backend,
        op: op.torch,
        reason: "no TensorFlow.js version of this loss in bench/_ops.ts",
      });
      return false;
    });
    for (const shape of quick ? op.quickSizes : op.sizes) {
      if (sizes !== null && !sizes.includes(sizeLabel(shape))) continue;
      for (const system of systemsHere) {
        const [name, backend] = system.split("/");
        const max = name === "tfjs" ? tfjsMaxNumel(op, backend) : undefined;
        if (max !== undefined && numelOf(op.inputs(shape)[0].shape) > max) {
          skipped.push({
            type: "skip",
            system: name,
            backend,
            op: op.torch,
            size: sizeLabel(shape),
            reason: `not timed above ${sizeLabel([max])} elements (bench/_ops.ts)`,
          });
          continue;
        }
        run.push({ file: `${op.torch}_bench.ts`, size: sizeLabel(shape), systems: system });
      }
    }
  }
  return { run, skipped };
}

// ---- compare -----------------------------------------------------------------------------

/**
 * Prints B's median ÷ A's per cell. A change stands out when the two runs' middle 80% of
 * samples (p10 to p90) do not overlap: the slower run's p10 lies above the faster run's p90.
 * Also says how far the runs agree: the share of cells whose medians are within ±15%, per
 * system and in all (the issue's repeatability target is 95% of the cells).
 */
function compare(a: string, b: string): void {
  const read = (dir: string): CellRow[] => JSON.parse(Deno.readTextFileSync(`${dir}/cells.json`));
  const rowsA = read(a);
  const rowsB = new Map(read(b).map((r) => [`${systemKey(r)} ${r.op} ${r.size} ${r.mode}`, r]));
  const spread = (r: CellRow): string =>
    r.median_ms && r.p10_ms !== null && r.p90_ms !== null
      ? `±${(50 * (r.p90_ms - r.p10_ms) / r.median_ms).toFixed(0)}%`
      : "—";
  const lines = [
    `| system | op | size | mode | A ms (spread) | B ms (spread) | B/A | flag |`,
    `| --- | --- | --- | --- | ---: | ---: | ---: | --- |`,
  ];
  const flagged: string[] = [];
  const agree = new Map<string, [number, number]>();
  for (const ra of rowsA) {
    const key = `${systemKey(ra)} ${ra.op} ${ra.size} ${ra.mode}`;
    const rb = rowsB.get(key);
    if (!rb || ra.median_ms === null || rb.median_ms === null) continue;
    const ratio = rb.median_ms / ra.median_ms;
    const [loA, hiA] = [ra.p10_ms ?? ra.median_ms, ra.p90_ms ?? ra.median_ms];
    const [loB, hiB] = [rb.p10_ms ?? rb.median_ms, rb.p90_ms ?? rb.median_ms];
    const flag = loB > hiA ? "slower" : loA > hiB ? "faster" : "";
    if (flag) flagged.push(`${key}: ×${ratio.toFixed(2)} ${flag}`);
    const counts = agree.get(systemKey(ra)) ?? [0, 0];
    counts[0] += Math.abs(ratio - 1) <= 0.15 ? 1 : 0;
    counts[1]++;
    agree.set(systemKey(ra), counts);
    lines.push(
      `| ${systemKey(ra)} | ${ra.op} | ${ra.size} | ${ra.mode} | ${fmtMs(ra.median_ms)} (${
        spread(ra)
      }) | ${fmtMs(rb.median_ms)} (${spread(rb)}) | ${ratio.toFixed(2)} | ${flag} |`,
    );
  }
  console.log(lines.join("\n"));
  console.log(
    `\n${flagged.length} cell(s) changed beyond the spread (p10 to p90 of the two runs do not ` +
      `overlap)${flagged.length ? ":" : "."}`,
  );
  for (const f of flagged) console.log(`- ${f}`);
  let within = 0;
  let all = 0;
  console.log("\nMedians within ±15% of each other:");
  for (const [system, [w, n]] of agree) {
    within += w;
    all += n;
    console.log(`- ${system}: ${w} of ${n} cells (${(100 * w / n).toFixed(0)}%)`);
  }
  if (all > 0) {
    console.log(`- all: ${within} of ${all} cells (${(100 * within / all).toFixed(1)}%)`);
  }
}

// ---- main --------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      compare: { type: "boolean", default: false },
      python: { type: "string" },
      out: { type: "string" },
      "no-torch": { type: "boolean", default: false },
      ops: { type: "string" },
    },
    allowPositionals: true,
  });
  if (values.compare) {
    if (positionals.length !== 2) {
      throw new Error("Cannot compare as --compare needs two result folders: results/A results/B");
    }
    compare(positionals[0], positionals[1]);
    return;
  }
  const quick = values.quick;
  const opNames = values.ops?.split(",").map((s) => s.trim()).filter((s) => s);
  const unknown = opNames?.filter((name) => !BENCH_OPS.some((o) => o.torch === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `Cannot run the report as --ops names ops without a row: ${unknown.join(", ")}`,
    );
  }
  const ops = opNames === undefined
    ? BENCH_OPS
    : BENCH_OPS.filter((o) => opNames.includes(o.torch));
  const sizes = envList("BENCH_SIZES");
  const root = new URL("..", import.meta.url).pathname;
  const started = new Date();
  const loadStart = load();
  const commit = await run("git", ["-C", root, "rev-parse", "HEAD"]) ?? "unknown";
  const dirty = (await run("git", ["-C", root, "status", "--porcelain"]) ?? "") !== "";
  const day = started.toISOString().slice(0, 10);
  let out = values.out ?? `${root}results/${day}-${commit.slice(0, 7)}`;
  if (values.out === undefined) {
    for (let i = 2; (await Deno.stat(out).catch(() => null)) !== null; i++) {
      out = `${root}results/${day}-${commit.slice(0, 7)}-${i}`;
    }
  }
  Deno.mkdirSync(out, { recursive: true });
  const log = `${out}/samples.jsonl`;
  Deno.writeTextFileSync(log, "");
  console.error(`report: ${quick ? "quick" : "full"} run into ${out}`);

  // 1. deno bench (this library, TensorFlow.js, memory bandwidth), and PyTorch after each op
  // and size
  const total = expectedCells(quick, ops);
  const t0 = performance.now();
  const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const lastOf = (path: string, type: string): Record<string, unknown>[] =>
    readLines(path).filter((r) => r.type === type);
  // One process per cell group (op × size × system, every mode in it), so that no cell pays
  // for the garbage, heap growth or freed memory of the cells before it, and a crash (seen
  // with the wasm and webgpu backends both holding 100 MB tensors) costs one group; its
  // samples are already in the log. The raw outputs are merged into bench.json.
  const jobs = benchJobs(quick, ops, selectedSystems(), sizes);
  for (const skipped of jobs.skipped) {
    Deno.writeTextFileSync(log, JSON.stringify(skipped) + "\n", { append: true });
  }
  const benchRaw: { version?: number; runtime?: string; cpu?: string; benches: unknown[] } = {
    benches: [],
  };
  const benchFailures: string[] = [];
  const stderrParts: Uint8Array[] = [];
  const deadline = performance.now() + (quick ? 1200 : 4500) * 1000;

  // PyTorch: the same cells and inputs, one thread. Each op and size runs right after this
  // library's and the peers' processes for it, so that a slow drift of the machine (the two
  // halves of a 17-minute run can differ by a third) falls on both sides of a ratio alike.
  const python = values["no-torch"] ? null : await findPython(values.python);
  const torchLog = `${out}/torch.jsonl`;
  const torchPart = `${out}/torch_spec_part.json`;
  const spec = python === null
    ? []
    : ops.flatMap((op) =>
      (quick ? op.quickSizes : op.sizes).filter((shape) =>
        sizes === null || sizes.includes(sizeLabel(shape))
      ).map((shape) => ({
        op: op.torch,
        size: sizeLabel(shape),
        inputs: op.inputs(shape),
        grad: op.grad,
        extra: op.extra ?? [],
        cotangent: op.cotangent?.(shape) ?? null,
        budget_ms: quick ? 300 : 1500,
        min_n: quick ? 5 : 10,
        max_n: quick ? 50 : 200,
        warm_ms: quick ? 100 : 300,
      }))
    );
  Deno.writeTextFileSync(torchLog, "");
  if (python !== null) Deno.writeTextFileSync(`${out}/torch_spec.json`, JSON.stringify(spec));
  const torchRan = new Set<string>();
  const torchFailures: Uint8Array[] = [];
  const runTorch = async (cells: typeof spec): Promise<void> => {
    if (python === null || cells.length === 0) return;
    for (const c of cells) torchRan.add(`${c.op} ${c.size}`);
    Deno.writeTextFileSync(torchPart, JSON.stringify(cells));
    const left = Math.max(1, Math.round((deadline - performance.now()) / 1000));
    const run = await withProgress(
      new Deno.Command(python.path, {
        args: [`${root}bench/bench_torch.py`, torchPart, torchLog],
        env: { OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
        stdout: "inherit",
        stderr: "piped",
      }),
      () =>
        `pytorch [${lastOf(torchLog, "samples").length}/${
          spec.length * MODES.length
        } cells] ${elapsed()} ${cells.map((c) => `${c.op} ${c.size}`).join(", ")}`,
      left,
    );
    if (!run.success) torchFailures.push(run.stderr);
  };

  for (const [k, job] of jobs.run.entries()) {
    const left = Math.max(1, Math.round((deadline - performance.now()) / 1000));
    const label = [job.file, job.size, job.systems].filter((x) => x !== null).join(" ");
    const result = await withProgress(
      new Deno.Command(Deno.execPath(), {
        args: [
          "bench",
          "--json",
          "--no-check",
          "--v8-flags=--expose-gc",
          "--config",
          `${root}dev/deno.json`,
          "--allow-read",
          "--allow-env",
          `--allow-write=${out}`,
          `${root}bench/${job.file}`,
        ],
        cwd: root,
        env: {
          BENCH_QUICK: quick ? "1" : "0",
          BENCH_LOG: log,
          BENCH_SYSTEMS: job.systems,
          ...(job.size === null ? {} : { BENCH_SIZES: job.size }),
          NO_COLOR: "1",
        },
        stdout: "piped",
        stderr: "piped",
      }),
      () => {
        const done = lastOf(log, "samples");
        const last = done[done.length - 1];
        const what = last
          ? `${last.op} ${last.size} ${last.mode} ${systemKey(last as never)}`
          : label;
        return `deno bench [process ${
          k + 1
        }/${jobs.run.length}, ${done.length}/~${total} cells] ${elapsed()} ${what}`;
      },
      left,
    );
    stderrParts.push(new TextEncoder().encode(`--- ${label}\n`), result.stderr);
    try {
      const raw = JSON.parse(new TextDecoder().decode(result.stdout));
      benchRaw.version = raw.version;
      benchRaw.runtime = raw.runtime;
      benchRaw.cpu = raw.cpu;
      benchRaw.benches.push(...(raw.benches ?? []));
    } catch {
      benchFailures.push(`${label}: no JSON (exit code ${result.code}, signal ${result.signal})`);
    }
    if (!result.success) benchFailures.push(`${label}: exit code ${result.code}`);
    const next = jobs.run[k + 1];
    if (job.size !== null && (next?.file !== job.file || next?.size !== job.size)) {
      await runTorch(spec.filter((c) => `${c.op}_bench.ts` === job.file && c.size === job.size));
    }
  }
  // the cells no process of this run timed (a run of the peers alone, say)
  await runTorch(spec.filter((c) => !torchRan.has(`${c.op} ${c.size}`)));
  Deno.writeTextFileSync(`${out}/bench.json`, JSON.stringify(benchRaw, null, 2) + "\n");
  Deno.writeFileSync(
    `${out}/bench.log`,
    new Uint8Array(stderrParts.flatMap((p) => [...p])),
  );

  if (torchFailures.length > 0) {
    Deno.writeFileSync(
      `${out}/torch.log`,
      new Uint8Array(torchFailures.flatMap((p) => [...p])),
    );
    console.error(`pytorch failed; see ${out}/torch.log`);
  }
  if (torchRan.size > 0) Deno.removeSync(torchPart);

  const loadEnd = load();
  const records = [...readLines(log), ...readLines(torchLog)];

  // 2. Cells: median and percentiles of the measured calls.
  interface Sampled {
    system: string;
    backend: string;
    op: string;
    mode: string;
    size: string;
    bytes: number;
    ms: number[];
  }
  const sampled = new Map<string, Sampled>();
  for (const r of records.filter((r) => r.type === "samples") as unknown as Sampled[]) {
    sampled.set(`${systemKey(r)} ${r.op} ${r.size} ${r.mode}`, r);
  }
  const plans = new Map<string, Sampled>();
  for (const r of records.filter((r) => r.type === "plan") as unknown as Sampled[]) {
    plans.set(`${systemKey(r)} ${r.op} ${r.size} ${r.mode}`, r);
  }

  // Agreement: TensorFlow.js checks from the log; PyTorch against this library's reference.
  const status = new Map<string, string>();
  for (const c of records.filter((r) => r.type === "check")) {
    if (!c.ok) {
      status.set(
        `${systemKey(c as never)} ${c.op} ${c.size} ${c.mode}`,
        `disagrees (value ${Number(c.valueErr).toExponential(1)}, grad ${
          Number(c.gradErr).toExponential(1)
        })`,
      );
    }
  }
  const refs = new Map(
    records.filter((r) => r.type === "reference").map((r) => [`${r.op} ${r.size}`, r]),
  );
  const torchChecks: string[] = [];
  for (const t of records.filter((r) => r.type === "torch_value")) {
    const ref = refs.get(`${t.op} ${t.size}`);
    if (!ref) continue;
    const errs = [
      relErr(Number(t.value), Number(ref.value)),
      relErr(Number(t.gradAbs), Number(ref.gradAbs)),
      relErr(Number(t.gradDot), Number(ref.gradDot), Number(ref.gradAbs)),
    ];
    const worst = Math.max(...errs);
    torchChecks.push(`${t.op} ${t.size}: ${worst.toExponential(1)}`);
    if (!(worst <= TOLERANCE)) {
      for (const mode of MODES) {
        status.set(
          `pytorch/cpu ${t.op} ${t.size} ${mode}`,
          `disagrees (${worst.toExponential(1)})`,
        );
      }
    }
  }

  // Bandwidth: the better of the copy and the read-only sum.
  const bw = [...sampled.values()].filter((s) => s.system === "memory").map((s) => {
    const sorted = [...s.ms].sort((a, b) => a - b);
    return { kind: s.backend, gbps: s.bytes / quantile(sorted, 0.5) / 1e6, size: s.size };
  });
  const limit = bw.length ? Math.max(...bw.map((b) => b.gbps)) : null;

  const kernels = new Map<string, number>();
  for (const k of records.filter((r) => r.type === "kernel" && typeof r.kernelMs === "number")) {
    kernels.set(`${systemKey(k as never)} ${k.op} ${k.size} ${k.mode}`, k.kernelMs as number);
  }
  const rows: CellRow[] = [];
  const keys = new Set([...plans.keys(), ...sampled.keys()]);
  for (const key of keys) {
    const s = sampled.get(key) ?? plans.get(key);
    if (!s || s.system === "memory") continue;
    // bytes from the table, so that every system's cell (PyTorch's too) uses the same model
    const op = BENCH_OPS.find((o) => o.torch === s.op);
    const shape = op && [...op.sizes, ...op.quickSizes].find((x) => sizeLabel(x) === s.size);
    if (op && shape) s.bytes = cellBytes(op, shape, s.mode as Mode);
    const ms = sampled.get(key)?.ms ?? [];
    const st = status.get(key) ?? (ms.length ? "ok" : "failed");
    const timed = st === "ok" && ms.length > 0;
    const sorted = [...ms].sort((a, b) => a - b);
    const median = timed ? quantile(sorted, 0.5) : null;
    rows.push({
      system: s.system,
      backend: s.backend,
      op: s.op,
      mode: s.mode,
      size: s.size,
      median_ms: median,
      p10_ms: timed ? quantile(sorted, 0.1) : null,
      p90_ms: timed ? quantile(sorted, 0.9) : null,
      spread: median ? (quantile(sorted, 0.9) - quantile(sorted, 0.1)) / (2 * median) : null,
      samples: timed ? ms.length : 0,
      gb_per_s: median ? s.bytes / median / 1e6 : null,
      pct_of_bandwidth: median && limit ? (100 * s.bytes / median / 1e6) / limit : null,
      ratio_to_fastest: null,
      bandwidth_floor_ms: limit ? s.bytes / (limit * 1e6) : null,
      gpu_kernel_ms: kernels.get(key) ?? null,
      bytes: s.bytes,
      status: st,
    });
  }
  // Systems skipped with a reason (this library's webgpu backend before it exists, a peer
  // that could not start) still get their rows, so that the tables show them.
  const skips = records.filter((r) => r.type === "skip");
  for (const sk of skips) {
    const op = BENCH_OPS.find((o) => o.torch === sk.op);
    if (!op) continue;
    for (const shape of quick ? op.quickSizes : op.sizes) {
      if (sk.size !== undefined && sk.size !== sizeLabel(shape)) continue;
      for (const mode of MODES) {
        if (sk.system === "tfjs" && mode === "value+grad") continue; // it has no such loop
        const size = sizeLabel(shape);
        if (
          rows.some((r) =>
            systemKey(r) === systemKey(sk as never) && r.op === op.torch && r.size === size &&
            r.mode === mode
          )
        ) continue;
        rows.push({
          system: String(sk.system),
          backend: String(sk.backend),
          op: op.torch,
          mode,
          size,
          median_ms: null,
          p10_ms: null,
          p90_ms: null,
          spread: null,
          samples: 0,
          gb_per_s: null,
          pct_of_bandwidth: null,
          ratio_to_fastest: null,
          bandwidth_floor_ms: rows.find((r) =>
            r.op === op.torch && r.size === size && r.mode === mode
          )?.bandwidth_floor_ms ?? null,
          gpu_kernel_ms: null,
          bytes: 0,
          status: `skipped: ${sk.reason}`,
        });
      }
    }
  }
  // bench failures that never logged samples (a peer that threw)
  let benchCpu = "unknown";
  try {
    const raw = benchRaw;
    benchCpu = raw.cpu ?? benchCpu;
    for (
      const b of raw.benches as {
        group: string;
        name: string;
        results?: Record<string, unknown>[];
      }[]
    ) {
      const failed = b.results?.find((r: Record<string, unknown>) => "failed" in r);
      if (!failed) continue;
      const [op, size, mode] = String(b.group).split(" ");
      const row = rows.find((r) =>
        r.op === op && r.size === size && r.mode === mode && systemKey(r) === b.name
      );
      if (row && row.status === "failed") {
        row.status = `failed: ${String(failed.failed).split("\n")[0].slice(0, 160)}`;
      }
    }
  } catch { /* bench.json unreadable: statuses stay as they are */ }
  for (const r of rows) {
    const peers = rows.filter((q) =>
      q.op === r.op && q.size === r.size && q.mode === r.mode && q.median_ms !== null
    );
    const best = Math.min(...peers.map((q) => q.median_ms as number));
    if (r.median_ms !== null) r.ratio_to_fastest = r.median_ms / best;
  }
  const opIndex = (op: string): number => BENCH_OPS.findIndex((o) => o.torch === op);
  const sizeIndex = (r: CellRow): number => {
    const op = BENCH_OPS[opIndex(r.op)];
    return op ? op.sizes.findIndex((s) => sizeLabel(s) === r.size) : 0;
  };
  rows.sort((a, b) =>
    opIndex(a.op) - opIndex(b.op) || sizeIndex(a) - sizeIndex(b) ||
    a.mode.localeCompare(b.mode) ||
    SYSTEM_ORDER.indexOf(systemKey(a)) - SYSTEM_ORDER.indexOf(systemKey(b))
  );

  // 4. Files.
  const columns = [
    "system",
    "backend",
    "op",
    "mode",
    "size",
    "median_ms",
    "p10_ms",
    "p90_ms",
    "spread",
    "samples",
    "gb_per_s",
    "pct_of_bandwidth",
    "ratio_to_fastest",
    "bandwidth_floor_ms",
    "gpu_kernel_ms",
    "bytes",
    "status",
  ];
  Deno.writeTextFileSync(`${out}/cells.csv`, stringify(rows, { header: true, columns }));
  Deno.writeTextFileSync(`${out}/cells.json`, JSON.stringify(rows, null, 1) + "\n");

  const env = {
    command: [
      ...(envList("BENCH_SYSTEMS") ? [`BENCH_SYSTEMS=${envList("BENCH_SYSTEMS")?.join(",")}`] : []),
      ...(sizes ? [`BENCH_SIZES=${sizes.join(",")}`] : []),
      "deno task report",
      ...(quick ? ["--quick"] : []),
      ...(opNames ? [`--ops ${opNames.join(",")}`] : []),
    ].join(" "),
    started: started.toISOString(),
    finished: new Date().toISOString(),
    deno: Deno.version,
    os: { os: Deno.build.os, arch: Deno.build.arch, release: safe(() => Deno.osRelease()) },
    cpu: { model: cpuModel() ?? benchCpu, cores: navigator.hardwareConcurrency },
    memory: safe(() => Deno.systemMemoryInfo()),
    gpu: await gpuInfo(),
    git: { commit, dirty },
    tfjs: {
      version: "4.22.0",
      backends: Object.fromEntries(
        records.filter((r) => r.type === "tfjs").map(({ type: _, backend, ...rest }) => [
          String(backend),
          rest,
        ]),
      ),
    },
    torch: python ? { python: python.path, version: python.torch, threads: 1 } : null,
    loadavg: { start: loadStart, end: loadEnd },
    bandwidth: bw,
  };
  Deno.writeTextFileSync(`${out}/env.json`, JSON.stringify(env, null, 2) + "\n");

  // Charts: one per op and mode.
  const charts: string[] = [];
  for (const op of ops) {
    for (const mode of MODES) {
      const mine = rows.filter((r) => r.op === op.torch && r.mode === mode);
      if (mine.length === 0) continue;
      const xOf = (size: string): number => {
        const shape = op.sizes.find((s) => sizeLabel(s) === size);
        return shape ? numelOf(shape) : Number(size);
      };
      const series: Series[] = [];
      for (const sys of SYSTEM_ORDER) {
        const pts = mine.filter((r) => systemKey(r) === sys && r.median_ms !== null);
        if (pts.length) {
          series.push({
            label: sys,
            points: pts.map((r) => ({ x: xOf(r.size), y: r.median_ms as number, tick: r.size })),
          });
        }
      }
      const floor = new Map(mine.map((r) => [r.size, r.bandwidth_floor_ms]));
      series.push({
        label: "bandwidth limit",
        dashed: true,
        points: [...floor].filter(([, f]) => f !== null).map(([size, f]) => ({
          x: xOf(size),
          y: f as number,
          tick: size,
        })),
      });
      const file = `chart-${op.torch}-${mode.replaceAll("+", "_").replaceAll("-", "_")}.svg`;
      Deno.writeTextFileSync(
        `${out}/${file}`,
        lineChart(
          `${op.torch} ${mode}`,
          op.family === "class" ? "N × C elements" : "elements",
          series,
        ),
      );
      charts.push(file);
    }
  }

  Deno.writeTextFileSync(
    `${out}/report.md`,
    reportMd({
      rows,
      ops,
      env,
      limit,
      bw,
      skips,
      torchChecks,
      charts,
      quick,
      loadStart,
      loadEnd,
      benchFailures,
    }),
  );
  console.error(`report: wrote ${out}/report.md (${rows.length} cells) in ${elapsed()}`);
  if (benchFailures.length) {
    console.error(
      `report: deno bench reported failures (peers that disagree or could not run, crashes):\n  ${
        benchFailures.join("\n  ")
      }`,
    );
  }
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

interface ReportInput {
  rows: CellRow[];
  ops: readonly BenchOp[];
  env: Record<string, unknown>;
  limit: number | null;
  bw: { kind: string; gbps: number; size: string }[];
  skips: Record<string, unknown>[];
  torchChecks: string[];
  charts: string[];
  quick: boolean;
  loadStart: number[];
  loadEnd: number[];
  benchFailures: string[];
}

function cellText(r: CellRow | undefined): string {
  if (!r) return "—";
  if (r.median_ms === null) return r.status.split(/[:( ]/)[0];
  const ratio = r.ratio_to_fastest ?? 1;
  const kernel = r.gpu_kernel_ms === null ? "" : `; kernels ${fmtMs(r.gpu_kernel_ms)}`;
  const spread = r.spread === null || r.spread < 0.005 ? "" : ` ±${(100 * r.spread).toFixed(0)}%`;
  return `${fmtMs(r.median_ms)}${spread} (${
    ratio < 1.005 ? "fastest" : `×${ratio.toFixed(1)}`
  }${kernel})`;
}

/** A table: one row per (op, size, mode), one column per system, and the bandwidth floor. */
function table(rows: CellRow[], pick: (r: CellRow) => boolean): string {
  const chosen = rows.filter(pick);
  const systems = SYSTEM_ORDER.filter((s) => chosen.some((r) => systemKey(r) === s));
  const out = [
    `| op | size | mode | ${systems.join(" | ")} | bandwidth limit |`,
    `| --- | --- | --- | ${systems.map(() => "---:").join(" | ")} | ---: |`,
  ];
  const seen = new Set<string>();
  for (const r of chosen) {
    const key = `${r.op} ${r.size} ${r.mode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const same = chosen.filter((q) => `${q.op} ${q.size} ${q.mode}` === key);
    out.push(
      `| ${r.op} | ${r.size} | ${r.mode} | ${
        systems.map((s) => cellText(same.find((q) => systemKey(q) === s))).join(" | ")
      } | ${fmtMs(r.bandwidth_floor_ms)} |`,
    );
  }
  return out.join("\n");
}

/**
 * What `@parity/losses/tfjs` costs against TensorFlow.js's own version of each loss it has:
 * per op, size and mode, the two times on each tfjs backend and their ratio (bridge ÷ tfjs).
 */
function bridgeTable(rows: CellRow[]): string {
  const backends = ["cpu", "wasm", "webgpu"].filter((b) =>
    rows.some((r) => systemKey(r) === `tfjs-bridge/${b}` && r.median_ms !== null)
  );
  if (backends.length === 0) return "The bridge was not timed in this run.";
  const out = [
    `| op | size | mode | ${backends.map((b) => `tfjs ${b} | bridge ${b} | ratio`).join(" | ")} |`,
    `| --- | --- | --- | ${backends.map(() => "---: | ---: | ---:").join(" | ")} |`,
  ];
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.op} ${r.size} ${r.mode}`;
    if (r.system !== "tfjs-bridge" || seen.has(key)) continue;
    seen.add(key);
    const at = (system: string, b: string) =>
      rows.find((q) => `${q.op} ${q.size} ${q.mode}` === key && systemKey(q) === `${system}/${b}`)
        ?.median_ms ?? null;
    const cells = backends.map((b) => {
      const [native, bridge] = [at("tfjs", b), at("tfjs-bridge", b)];
      const ratio = native !== null && bridge !== null ? `×${(bridge / native).toFixed(2)}` : "—";
      return `${fmtMs(native)} | ${fmtMs(bridge)} | ${ratio}`;
    });
    out.push(`| ${r.op} | ${r.size} | ${r.mode} | ${cells.join(" | ")} |`);
  }
  return out.join("\n");
}

function reportMd(i: ReportInput): string {
  const env = i.env as {
    command: string;
    deno: typeof Deno.version;
    cpu: { model: string; cores: number };
    gpu: Record<string, unknown>;
    git: { commit: string; dirty: boolean };
    torch: { version: string } | null;
    started: string;
  };
  const cores = env.cpu.cores || 1;
  const maxLoad = Math.max(i.loadStart[0] ?? 0, i.loadEnd[0] ?? 0);
  const loadNote: string[] = [];
  if (i.loadStart.length && i.loadEnd.length) {
    loadNote.push(
      `Load average (1 min) was ${i.loadStart[0].toFixed(2)} at the start and ${
        i.loadEnd[0].toFixed(2)
      } at the end, on ${cores} cores.`,
    );
    if (Math.abs(i.loadEnd[0] - i.loadStart[0]) > 0.5 * cores) {
      loadNote.push("**The machine's load changed during the run: compare ratios, not times.**");
    }
    if (maxLoad > 0.75 * cores) {
      loadNote.push(
        "**The machine was loaded by other work: absolute times are pessimistic and noisy.**",
      );
    }
  }
  const gpu = env.gpu.available
    ? `${env.gpu.description || env.gpu.device || env.gpu.vendor} (${
      env.gpu.isFallbackAdapter ? "fallback/software adapter; " : ""
    }timestamp-query ${env.gpu.timestampQuery ? "yes" : "no"})`
    : `none (${env.gpu.reason})`;
  const skips = [
    ...new Set(i.skips.map((s) => `${s.system}/${s.backend}: ${s.reason}`)),
  ];
  const failures = i.rows.filter((r) => r.status !== "ok" && !r.status.startsWith("skipped"));
  const lines = [
    `# Benchmark report${i.quick ? " (quick)" : ""}`,
    "",
    `${env.started}, commit \`${env.git.commit.slice(0, 12)}\`${
      env.git.dirty ? " (with uncommitted changes)" : ""
    }. Deno ${env.deno.deno}, V8 ${env.deno.v8}; ${env.cpu.model}, ${cores} cores; GPU: ${gpu}; ` +
    `TensorFlow.js 4.22.0; PyTorch ${env.torch?.version ?? "not found"} (1 thread).`,
    "",
    ...loadNote,
    "",
    `Reproduce: \`git checkout ${
      env.git.commit.slice(0, 12)
    } && ${env.command}\` (Deno 2.9.6; PyTorch from \`python3\` or \`/usr/bin/python3\`); compare two runs with ` +
    "`deno task report --compare results/A results/B`.",
    "",
    `Memory bandwidth measured in this run: ${
      i.bw.map((b) => `${b.kind} ${b.gbps.toFixed(1)} GB/s`).join(", ") || "not measured"
    }; the limit used below is ${i.limit ? i.limit.toFixed(1) + " GB/s" : "—"}.`,
    "",
    "Cells give the median time in ms, its spread (half the p10 to p90 range, as a share of " +
    "the median) and, in brackets, the ratio to the fastest system for that cell. Each op, " +
    "size and system ran in a process of its own, with a full collection and at least " +
    `${i.quick ? 100 : 300} ms of untimed calls before each cell (PyTorch: one process, ` +
    "`gc.collect()` and the same warm-up). Times end when the numbers are in a JS typed array (`item()`, `await data()`; " +
    'PyTorch: `.item()`, `.grad.numpy()`), so GPU times include the readback. "forward" reads ' +
    'the loss (or the result) and disposes it. "value+grad" and "value+grad-dispose" are the ' +
    "loss and the gradient of the input, both read back, in two loops: the first leaves them " +
    "to the garbage collector (PyTorch: keeps the last call's results until the next call " +
    "ends), the second disposes them (PyTorch: frees them by reference count, " +
    "`x.grad = None`); TensorFlow.js, which frees nothing without `dispose()`, runs only the " +
    "second. The bandwidth limit is the " +
    "bytes a single pass must move (inputs read, gradient written) divided by the measured " +
    "bandwidth (RAM, 64–256 MiB buffers): no implementation can be faster once the data " +
    "does not fit in the caches. Working sets of a few MB can sit in cache and beat it.",
    "",
    "## The tutorial's five losses",
    "",
    table(i.rows, (r) => TUTORIAL.some(([op, size]) => r.op === op && r.size === size)),
    "",
    "## The bridge against TensorFlow.js's own losses",
    "",
    "`@parity/losses/tfjs` (system `tfjs-bridge`) on TensorFlow.js tensors, beside the tfjs " +
    "peer's version of the same loss on the same backend (the ratio is bridge ÷ tfjs; below 1 " +
    "the bridge is faster). The bridge takes class indices as they are; the tfjs peer's one-hot " +
    "rows are made outside the timed part.",
    "",
    bridgeTable(i.rows),
    "",
  ];
  for (const op of i.ops) {
    lines.push(`## ${op.torch}`, "", table(i.rows, (r) => r.op === op.torch), "");
    if (op.tfjs) lines.push(`TensorFlow.js: ${op.tfjs.how}.`, "");
    for (const c of i.charts.filter((c) => c.startsWith(`chart-${op.torch}-`))) {
      lines.push(`![${c}](${c})`, "");
    }
  }
  lines.push(
    "## Notes",
    "",
    "- Inputs come from fixed seeds (counter-form mulberry32, `bench/_inputs.ts`); PyTorch " +
      "makes the same numbers from the same descriptions (`bench/bench_torch.py`).",
    "- Each peer's first result is compared with this library's (value and input gradient, " +
      `relative ${TOLERANCE}); a peer that disagrees is reported, not timed.`,
    `- PyTorch agreement (worst relative error of value, Σ|grad|, Σ grad·w): ${
      i.torchChecks.join("; ") || "not run"
    }.`,
    "- This library's CPU `data()` returns the tensor's own storage, as TensorFlow.js cpu and " +
      "PyTorch's `.numpy()` do.",
    "- TensorFlow.js wasm runs its single-threaded SIMD binary (`setWasmPaths`), like PyTorch " +
      "with one thread and this library.",
    '- webgpu cells also give the GPU-side kernel time ("kernels", from timestamp queries via ' +
      "TensorFlow.js's `tf.time`; median of three untimed runs) where the adapter has " +
      "timestamp-query. This library's webgpu rows appear once its webgpu backend exists.",
  );
  if (skips.length) lines.push("", "Skipped:", "", ...skips.map((s) => `- ${s}`));
  const crashes = i.benchFailures.filter((f) => f.includes("no JSON"));
  if (crashes.length) {
    lines.push("", "deno bench processes that ended without their JSON:", "");
    lines.push(...crashes.map((c) => `- ${c}`));
  }
  if (failures.length) {
    lines.push(
      "",
      "Not timed:",
      "",
      ...failures.map((r) => `- ${systemKey(r)} ${r.op} ${r.size} ${r.mode}: ${r.status}`),
    );
  }
  return lines.join("\n") + "\n";
}

if (import.meta.main) await main();
