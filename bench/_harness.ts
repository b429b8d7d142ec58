/**
 * Registers the `Deno.bench` cases of one op from its row in `bench/_ops.ts`: every size ×
 * mode ("forward", "value+grad", "value+grad-dispose") × system (this library on cpu and webgpu, TensorFlow.js on
 * cpu, wasm and webgpu). Inputs are made outside the timed part from fixed seeds; each timed
 * call ends when the numbers are back in a JS typed array (`item()`, `await data()`), so
 * webgpu timings include the readback. Each peer's first result is compared with this
 * library's; a peer that disagrees fails its bench with the difference instead of being timed.
 *
 * Environment (read only with `--allow-env`): `BENCH_QUICK=1` for the quick sizes and budgets,
 * `BENCH_SYSTEMS=parity-losses/cpu,tfjs/wasm,...` to keep some systems, `BENCH_SIZES=1e6,512x50257`
 * to keep some sizes, `BENCH_LOG=<file>`
 * (with `--allow-write`) to append one JSON line per plan, skip, check and sample set; the
 * report script reads it for medians and percentiles, which `deno bench --json` lacks.
 *
 * @module
 */

import { type Tensor, tensor } from "../mod.ts";
import { opSpec } from "../conformance/mod.ts";
import {
  type BenchOp,
  benchOp,
  cellBytes,
  type Mode,
  MODES,
  sizeLabel,
  tfjsMaxNumel,
  type TfTensor,
} from "./_ops.ts";
import { type InputData, makeInput, numelOf } from "./_inputs.ts";
import { tf, type TfBackend, tfStatus, useBackend } from "../dev/peers/tfjs.ts";
import { withTfjs } from "../tfjs/mod.ts";

/** The two timed modes. */
export type { Mode } from "./_ops.ts";

/** Settings from the environment. */
export interface BenchConfig {
  quick: boolean;
  systems: string[] | null;
  sizes: string[] | null;
  log: string | null;
}

function env(name: string): string | undefined {
  try {
    return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
      ? Deno.env.get(name)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the settings once per process. */
export const config: BenchConfig = {
  quick: env("BENCH_QUICK") === "1",
  systems: env("BENCH_SYSTEMS")?.split(",").map((s) => s.trim()).filter((s) => s) ?? null,
  sizes: env("BENCH_SIZES")?.split(",").map((s) => s.trim()).filter((s) => s) ?? null,
  log: env("BENCH_LOG") ?? null,
};

/** Appends one record to the log, when there is one. */
export function logRecord(record: Record<string, unknown>): void {
  if (config.log === null) return;
  Deno.writeTextFileSync(config.log, JSON.stringify(record) + "\n", { append: true });
}

/** Whether `system/backend` is selected by `BENCH_SYSTEMS`. */
export function selected(system: string, backend: string): boolean {
  return config.systems === null || config.systems.includes(`${system}/${backend}`);
}

/** Records and prints why a system is not timed. */
export function skip(system: string, backend: string, reason: string, op?: string): void {
  console.error(`skip ${system}/${backend}${op ? ` ${op}` : ""}: ${reason}`);
  logRecord({ type: "skip", system, backend, op, reason });
}

// ---- sample collection: one recorder per bench, flushed when the next bench starts --------
// Deno calls a bench more often than warmup + n (it also calibrates), so the recorder keeps
// the last n durations: the calls that Deno measured.

interface Cell {
  op: string;
  size: string;
  mode: Mode;
  system: string;
  backend: string;
  bytes: number;
  warmup: number;
  n: number;
}

let current: { cell: Cell; ms: number[] } | null = null;

function flush(): void {
  if (current === null) return;
  const { cell, ms } = current;
  logRecord({ type: "samples", ...cell, ms: ms.slice(Math.max(0, ms.length - cell.n)) });
  current = null;
}

function sample(cell: Cell, ms: number): void {
  if (current?.cell !== cell) {
    flush();
    current = { cell, ms: [] };
  }
  current.ms.push(ms);
}

globalThis.addEventListener("unload", () => {
  flush();
  // free the peers' GPU and wasm memory before the process exits
  if (live !== null) freeInputs(live.inputs);
  live = null;
});

// ---- iteration counts ---------------------------------------------------------------------

/**
 * Rough forward cost per element (ns) by system, [elementwise, class], from a full run on a
 * 2-core machine (value+grad is taken as 3 times that); it only sets how many iterations a
 * bench gets, so that each cell costs about `budget` ms. TensorFlow.js on the software WebGPU
 * adapter is slow on many short rows (65536 × 10), hence its class figure.
 */
const NS_PER_ELEMENT: Record<string, [number, number]> = {
  "parity-losses/cpu": [60, 40],
  "parity-losses/webgpu": [60, 300],
  "tfjs/cpu": [200, 300],
  "tfjs/wasm": [20, 15],
  "tfjs/webgpu": [60, 300],
  "tfjs-bridge/cpu": [60, 40],
  "tfjs-bridge/wasm": [60, 40],
  "tfjs-bridge/webgpu": [60, 300],
};

function iterations(key: string, op: BenchOp, numel: number, mode: Mode): [number, number] {
  const [elementwise, klass] = NS_PER_ELEMENT[key] ?? [10, 10];
  const ms = (numel * (op.family === "class" ? klass : elementwise) / 1e6) *
      (mode === "forward" ? 1 : 3) + (key.endsWith("webgpu") ? 15 : 0.01);
  const budget = config.quick ? 300 : 1000;
  const least = config.quick || ms > 100 ? 5 : 10;
  const n = Math.max(least, Math.min(config.quick ? 50 : 200, budget / ms));
  const warmup = ms > 20 ? 1 : 3; // and timed() warms each cell up for WARM_MS first
  return [Math.round(n), warmup];
}

// ---- inputs, made once per size and dropped when the next size starts ----------------------

interface Inputs {
  shape: number[];
  data: InputData[];
  /** The gradient of the result, for ops whose result is a tensor. */
  cot?: Float32Array;
  reference?: { value: number; grad: Float32Array };
  /** This library's tensors of the inputs (and of `cot`), made once per device and mode. */
  ours: Map<string, Tensor[]>;
  tfjs: Map<string, TfTensor[]>;
}

let live: { key: string; inputs: Inputs } | null = null;

/**
 * Disposes the tensors made of one op's inputs at one size, when the next size's replace them:
 * as a caller who is done with them would, so their memory goes back to each library's pool.
 */
function freeInputs(inputs: Inputs): void {
  for (const ts of inputs.tfjs.values()) tf.dispose(ts);
  for (const ts of inputs.ours.values()) for (const t of ts) t.dispose();
}

function inputsFor(op: BenchOp, shape: number[]): Inputs {
  const key = `${op.torch} ${shape.join("x")}`;
  if (live?.key === key) return live.inputs;
  if (live !== null) freeInputs(live.inputs);
  const specs = op.inputs(shape);
  const data = specs.map(makeInput);
  live = {
    key,
    inputs: {
      shape,
      data,
      cot: op.cotangent ? makeInput(op.cotangent(shape)) as Float32Array : undefined,
      ours: new Map(),
      tfjs: new Map(),
    },
  };
  return live.inputs;
}

function oursArgs(op: BenchOp, inputs: Inputs, withGrad: boolean): Tensor[] {
  const key = `cpu ${withGrad}`;
  let args = inputs.ours.get(key);
  if (args === undefined) {
    const specs = op.inputs(inputs.shape);
    args = inputs.data.map((d, i) =>
      tensor(d, { shape: specs[i].shape, requiresGrad: withGrad && op.grad.includes(i) })
    );
    inputs.ours.set(key, args);
  }
  return args;
}

function call(op: BenchOp, args: Tensor[]): Tensor {
  const spec = opSpec(op.torch);
  if (spec === undefined) throw new Error(`${op.torch} is not in conformance/ops.ts`);
  return spec.call([...args, ...(op.extra ?? [])], {});
}

/**
 * The result's gradient as a tensor of this library on `device`, for ops with a tensor result:
 * made once per cell's inputs, as bench/bench_torch.py makes PyTorch's (a new one per call
 * would put fresh memory, which PyTorch's side never pays for, into every timed call).
 */
async function cotTensor(
  op: BenchOp,
  inputs: Inputs,
  device: "cpu" | "webgpu",
): Promise<Tensor | undefined> {
  if (inputs.cot === undefined) return undefined;
  const key = `cot ${device}`;
  let made = inputs.ours.get(key);
  if (made === undefined) {
    const cpu = tensor(inputs.cot, { shape: op.cotangent?.(inputs.shape).shape });
    made = [device === "cpu" ? cpu : await cpu.to("webgpu")];
    if (device !== "cpu") cpu.dispose();
    inputs.ours.set(key, made);
  }
  return made[0];
}

/**
 * The number peers are checked on: the loss, or for a tensor result its dot product with the
 * result's gradient (float64 sum).
 */
function project(inputs: Inputs, value: ArrayLike<number>): number {
  const cot = inputs.cot;
  if (cot === undefined) return value[0];
  if (value.length !== cot.length) return NaN;
  let s = 0;
  for (let i = 0; i < cot.length; i++) s += value[i] * cot[i];
  return s;
}

/** This library's cpu value and gradient of the first grad argument: what peers must match. */
async function reference(op: BenchOp, inputs: Inputs): Promise<Inputs["reference"]> {
  if (inputs.reference === undefined) {
    const args = oursArgs(op, inputs, true);
    const g = args[op.grad[0]];
    g.grad = null;
    const out = call(op, args);
    out.backward(await cotTensor(op, inputs, "cpu"));
    const grad = await (g.grad as Tensor | null)?.data();
    g.grad = null;
    inputs.reference = {
      value: project(inputs, (await out.data()) as ArrayLike<number>),
      grad: new Float32Array((grad ?? []) as ArrayLike<number>),
    };
    const [gradAbs, gradDot] = gradSummary(inputs.reference.grad);
    logRecord({
      type: "reference",
      op: op.torch,
      size: sizeLabel(inputs.shape),
      value: inputs.reference.value,
      gradAbs,
      gradDot,
    });
  }
  return inputs.reference;
}

/**
 * Two numbers that summarise a gradient for peers that cannot hand theirs over (PyTorch runs
 * in another process): the sum of |g| and the sum of g_i · ((i mod 7) - 3).
 */
export function gradSummary(grad: ArrayLike<number>): [number, number] {
  let abs = 0;
  let dot = 0;
  for (let i = 0; i < grad.length; i++) {
    abs += Math.abs(grad[i]);
    dot += grad[i] * ((i % 7) - 3);
  }
  return [abs, dot];
}

/** Largest difference relative to the largest reference magnitude. */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / Math.max(scale, 1e-30);
}

/** Agreement a float32 peer must reach: its sums round in float32, in its own order. */
const TOLERANCE = 1e-3;

async function checkPeer(
  op: BenchOp,
  inputs: Inputs,
  cell: Cell,
  value: number,
  grad: ArrayLike<number> | null,
): Promise<void> {
  const ref = await reference(op, inputs);
  if (ref === undefined) return;
  const valueErr = relErr([value], [ref.value]);
  const gradErr = grad === null ? 0 : relErr(grad, ref.grad);
  const ok = valueErr <= TOLERANCE && gradErr <= TOLERANCE;
  logRecord({ type: "check", ...cell, ok, valueErr, gradErr, tolerance: TOLERANCE });
  if (!ok) {
    throw new Error(
      `${cell.system}/${cell.backend} disagrees with parity-losses on ${op.torch} ${cell.size} ` +
        `${cell.mode}: value off by ${valueErr.toExponential(2)}, gradient by ` +
        `${gradErr.toExponential(2)} (relative; tolerance ${TOLERANCE}); not timed`,
    );
  }
}

// ---- the systems ----------------------------------------------------------------------------

type Runner = (b: Deno.BenchContext) => Promise<void>;

/** Milliseconds of untimed calls before a cell's first timed call (JIT and wasm tier-up). */
const WARM_MS = config.quick ? 100 : 300;

/** `gc()` when V8 exposes it (`--v8-flags=--expose-gc`, as `deno task report` runs). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const warmed = new WeakSet<Cell>();

/**
 * Times one call. Before a cell's first timed call: a full collection, so that the cell does
 * not pay for the garbage of the cells before it (the reference run, a peer's check), then
 * untimed calls for at least {@linkcode WARM_MS} (and three calls), then another collection.
 */
async function timed(
  b: Deno.BenchContext,
  cell: Cell,
  work: () => Promise<void>,
): Promise<void> {
  if (!warmed.has(cell)) {
    warmed.add(cell);
    collectGarbage();
    const until = performance.now() + WARM_MS;
    for (let k = 0; k < 3 || performance.now() < until; k++) await work();
    collectGarbage();
  }
  b.start();
  const t0 = performance.now();
  await work();
  const t1 = performance.now();
  b.end();
  sample(cell, t1 - t0);
}

function oursCpu(op: BenchOp, shape: number[], mode: Mode, cell: Cell): Runner {
  return async (b) => {
    const inputs = inputsFor(op, shape);
    const args = oursArgs(op, inputs, mode !== "forward");
    if (mode === "forward") {
      // the result is read, then disposed: PyTorch frees it by reference counting
      if (inputs.cot !== undefined) {
        return await timed(b, cell, async () => {
          const out = call(op, args);
          await out.data();
          out.dispose();
        });
      }
      // deno-lint-ignore require-await
      return await timed(b, cell, async () => {
        const out = call(op, args);
        out.item();
        out.dispose();
      });
    }
    await reference(op, inputs);
    const leaves = op.grad.map((i) => args[i]);
    for (const leaf of leaves) leaf.grad = null;
    const cot = await cotTensor(op, inputs, "cpu");
    // As bench/bench_torch.py: each call starts with no gradient, so backward writes a new
    // one instead of adding into the last call's. "value+grad" drops the loss and the
    // gradient for the garbage collector; "value+grad-dispose" disposes them once read.
    const dispose = mode === "value+grad-dispose";
    await timed(b, cell, async () => {
      for (const leaf of leaves) leaf.grad = null;
      const out = call(op, args);
      out.backward(cot);
      if (cot === undefined) out.item();
      else await out.data();
      for (const leaf of leaves) await leaf.grad?.data();
      if (dispose) {
        out.dispose();
        for (const leaf of leaves) leaf.grad?.dispose();
      }
    });
    for (const leaf of leaves) leaf.grad = null;
  };
}

/** Whether this library's webgpu backend exists yet, and why not. */
let webgpuProbe: Promise<string | null> | undefined;
function oursWebgpuMissing(): Promise<string | null> {
  webgpuProbe ??= (async () => {
    try {
      const t = await tensor([0]).to("webgpu");
      return t.device === "webgpu" ? null : `tensor().to("webgpu") gave device ${t.device}`;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  })();
  return webgpuProbe;
}

function oursWebgpu(op: BenchOp, shape: number[], mode: Mode, cell: Cell): Runner {
  let checked = false;
  return async (b) => {
    const inputs = inputsFor(op, shape);
    const key = `webgpu ${mode}`;
    let args = inputs.ours.get(key);
    if (args === undefined) {
      const cpu = oursArgs(op, inputs, false);
      args = [];
      for (const [i, t] of cpu.entries()) {
        const moved = await t.to("webgpu");
        args.push(
          mode !== "forward" && op.grad.includes(i)
            ? tensor(await t.data(), { shape: t.shape, requiresGrad: true, device: "webgpu" })
            : moved,
        );
      }
      inputs.ours.set(key, args);
    }
    const leaves = op.grad.map((i) => (args as Tensor[])[i]);
    const cot = mode === "forward" ? undefined : await cotTensor(op, inputs, "webgpu");
    const run = async (): Promise<[ArrayLike<number>, ArrayLike<number> | null]> => {
      for (const leaf of leaves) leaf.grad = null;
      const out = call(op, args as Tensor[]);
      if (mode === "forward") {
        const value = (await out.data()) as ArrayLike<number>;
        out.dispose();
        return [value, null];
      }
      await out.backward(cot);
      // Read together: the value and the gradients come back in one readback.
      const [value, ...grads] = await Promise.all([
        out.data(),
        ...leaves.map((leaf) => leaf.grad?.data()),
      ]);
      if (mode === "value+grad-dispose") {
        out.dispose();
        for (const leaf of leaves) leaf.grad?.dispose();
      }
      const grad = grads.length > 0 ? grads[grads.length - 1] as Float32Array : null;
      return [value as ArrayLike<number>, grad];
    };
    if (!checked) {
      const [value, grad] = await run();
      await checkPeer(op, inputs, cell, project(inputs, value), grad);
      checked = true;
    }
    await timed(b, cell, async () => void await run());
  };
}

function tfjsRunner(
  backend: TfBackend,
  op: BenchOp,
  shape: number[],
  mode: Mode,
  cell: Cell,
): Runner {
  const how = op.tfjs;
  if (how === undefined) throw new Error(`${op.torch} has no TensorFlow.js version`);
  const prepare = how.prepare;
  return tfLossRunner(backend, op, shape, mode, cell, {
    key: backend,
    prepare: prepare === undefined ? undefined : (raw) => prepare(tf, raw),
    loss: (xs) => how.loss(tf, xs),
    kernelTime: true,
  });
}

/**
 * This library's loss on TensorFlow.js tensors through `@parity/losses/tfjs` (system
 * `tfjs-bridge`), timed like the tfjs peer on the same backend: the raw inputs (class indices
 * as int32, no one-hot rows), the value read back, and for "value+grad" the gradients from
 * `tf.valueAndGrads`, read back one after the other. Its cells beside the tfjs peer's give
 * what the bridge costs against TensorFlow.js's own version of the loss.
 */
function bridgeRunner(
  backend: TfBackend,
  op: BenchOp,
  shape: number[],
  mode: Mode,
  cell: Cell,
): Runner {
  const name = opSpec(op.torch)?.name;
  const fn = name === undefined
    ? undefined
    : (withTfjs(tf) as unknown as Record<string, (...args: unknown[]) => TfTensor>)[name];
  if (fn === undefined) throw new Error(`${op.torch} has no function in @parity/losses/tfjs`);
  return tfLossRunner(backend, op, shape, mode, cell, {
    key: `bridge ${backend}`,
    loss: (xs) => fn(...xs, ...(op.extra ?? [])),
    kernelTime: false,
  });
}

/** A loss on TensorFlow.js tensors, as {@linkcode tfLossRunner} times it. */
interface TfLoss {
  /** Where the prepared inputs are kept between cells (one set per backend and system). */
  key: string;
  /** Makes the raw tensors ready for `loss` (one-hot rows, ...); absent: they are used as made. */
  prepare?: (raw: TfTensor[]) => TfTensor[];
  /** The loss of the prepared inputs. */
  loss: (xs: TfTensor[]) => TfTensor;
  /** Whether to log the GPU-side kernel time on webgpu. */
  kernelTime: boolean;
}

/**
 * Times a loss on TensorFlow.js tensors (the tfjs peer, the bridge): the seeded inputs as tf
 * tensors (int64 as int32), the loss (and, for "value+grad", the gradients from
 * `tf.valueAndGrads`) computed in a `tf.tidy`, read back and disposed; the first result is
 * checked against this library's before anything is timed.
 */
function tfLossRunner(
  backend: TfBackend,
  op: BenchOp,
  shape: number[],
  mode: Mode,
  cell: Cell,
  how: TfLoss,
): Runner {
  let checked = false;
  return async (b) => {
    const status = await tfStatus(backend);
    if (!status.ok) throw new Error(`tfjs/${backend} is unavailable: ${status.reason}`);
    await useBackend(backend);
    const inputs = inputsFor(op, shape);
    let args = inputs.tfjs.get(how.key);
    if (args === undefined) {
      const specs = op.inputs(shape);
      const raw = inputs.data.map((d, i) =>
        d instanceof BigInt64Array
          ? tf.tensor(Int32Array.from(d, Number), specs[i].shape, "int32")
          : tf.tensor(d, specs[i].shape, "float32")
      );
      const prepare = how.prepare;
      args = prepare === undefined ? raw : tf.tidy(() => prepare(raw));
      if (prepare !== undefined) tf.dispose(raw.filter((t) => !(args as TfTensor[]).includes(t)));
      if (inputs.cot !== undefined) {
        args.push(tf.tensor(inputs.cot, op.cotangent?.(shape).shape, "float32"));
      }
      inputs.tfjs.set(how.key, args);
    }
    // the result's gradient rides at the end of the prepared arguments
    const a = inputs.cot === undefined ? args : args.slice(0, -1);
    const dy = inputs.cot === undefined ? undefined : args[args.length - 1];
    // The synchronous part: the loss (and gradients) as tensors, not yet read back.
    const compute = (): TfTensor[] =>
      tf.tidy(() => {
        if (mode === "forward") return [how.loss(a)];
        const { value, grads } = tf.valueAndGrads((...gs: TfTensor[]) =>
          how.loss(a.map((t, i) => op.grad.includes(i) ? gs[op.grad.indexOf(i)] : t))
        )(op.grad.map((i) => a[i]), dy);
        return [value, ...grads];
      });
    const run = async (): Promise<[ArrayLike<number>, ArrayLike<number> | null]> => {
      const [value, ...grads] = compute();
      const v = (await value.data()) as ArrayLike<number>;
      let grad: ArrayLike<number> | null = null;
      for (const g of grads) grad = (await g.data()) as Float32Array;
      tf.dispose([value, ...grads]);
      return [v, grad];
    };
    if (!checked) {
      const [value, grad] = await run();
      await checkPeer(op, inputs, cell, project(inputs, value), grad);
      checked = true;
      if (how.kernelTime && backend === "webgpu") await kernelTime(cell, compute);
    }
    await timed(b, cell, async () => void await run());
  };
}

/**
 * GPU-side kernel time from TensorFlow.js's profiler (`tf.time`, timestamp queries where the
 * adapter has them): the median of three untimed runs, logged beside the wall times.
 */
async function kernelTime(cell: Cell, compute: () => TfTensor[]): Promise<void> {
  const ms: number[] = [];
  for (let k = 0; k < 3; k++) {
    let out: TfTensor[] = [];
    const info = await tf.time(() => void (out = compute()));
    tf.dispose(out);
    if (typeof info.kernelMs !== "number") {
      logRecord({ type: "kernel", ...cell, kernelMs: null, reason: info.kernelMs.error });
      return;
    }
    ms.push(info.kernelMs);
  }
  ms.sort((x, y) => x - y);
  logRecord({ type: "kernel", ...cell, kernelMs: ms[1] });
}

// ---- registration ---------------------------------------------------------------------------

/**
 * Registers every bench of the op `torch` (a row of `bench/_ops.ts`). Call it with top-level
 * `await` from `bench/<torch>_bench.ts`.
 */
export async function registerOp(torch: string): Promise<void> {
  const op = benchOp(torch);
  const webgpuMissing = selected("parity-losses", "webgpu") ? await oursWebgpuMissing() : null;
  if (webgpuMissing !== null && selected("parity-losses", "webgpu")) {
    skip("parity-losses", "webgpu", webgpuMissing, torch);
  }
  const peers: TfBackend[] = [];
  for (const backend of ["cpu", "wasm", "webgpu"] as const) {
    if (!selected("tfjs", backend) && !selected("tfjs-bridge", backend)) continue;
    if (op.tfjs === undefined) {
      skip("tfjs", backend, "no TensorFlow.js version of this loss in bench/_ops.ts", torch);
      continue;
    }
    const status = await tfStatus(backend);
    if (status.ok) peers.push(backend);
    if (status.details) logRecord({ type: "tfjs", backend, ...status.details });
    if (!status.ok) skip("tfjs", backend, status.reason ?? "unavailable", torch);
  }

  for (const shape of config.quick ? op.quickSizes : op.sizes) {
    const size = sizeLabel(shape);
    if (config.sizes !== null && !config.sizes.includes(size)) continue;
    const numel = numelOf(shape);
    for (const mode of MODES) {
      const systems: [string, string, (cell: Cell) => Runner][] = [];
      if (selected("parity-losses", "cpu")) {
        systems.push(["parity-losses", "cpu", (c) => oursCpu(op, shape, mode, c)]);
      }
      if (webgpuMissing === null && selected("parity-losses", "webgpu")) {
        systems.push(["parity-losses", "webgpu", (c) => oursWebgpu(op, shape, mode, c)]);
      }
      for (const backend of peers) {
        // TensorFlow.js frees nothing without dispose(): its one loop disposes
        if (mode === "value+grad") continue;
        const max = tfjsMaxNumel(op, backend);
        if (max !== undefined && numelOf(op.inputs(shape)[0].shape) > max) {
          if (mode === "forward") {
            skip(
              "tfjs",
              backend,
              `not timed above ${sizeLabel([max])} elements (bench/_ops.ts)`,
              torch,
            );
          }
          continue;
        }
        if (selected("tfjs", backend)) {
          systems.push(["tfjs", backend, (c) => tfjsRunner(backend, op, shape, mode, c)]);
        }
        // the bridge where the tfjs peer is timed, so that the two compare cell by cell
        if (selected("tfjs-bridge", backend)) {
          systems.push([
            "tfjs-bridge",
            backend,
            (c) => bridgeRunner(backend, op, shape, mode, c),
          ]);
        }
      }
      for (const [system, backend, make] of systems) {
        const [n, warmup] = iterations(`${system}/${backend}`, op, numel, mode);
        const cell: Cell = {
          op: torch,
          size,
          mode,
          system,
          backend,
          bytes: cellBytes(op, shape, mode),
          warmup,
          n,
        };
        logRecord({ type: "plan", ...cell });
        Deno.bench({
          group: `${torch} ${size} ${mode}`,
          name: `${system}/${backend}`,
          baseline: system === "parity-losses" && backend === "cpu",
          n,
          warmup,
          fn: make(cell),
        });
      }
    }
  }
}
