/**
 * The strict-input contract as a property: fast-check makes malformed calls of every public
 * function, class and Tensor method (the table in `losses/_testing/public_calls.ts`) by
 * replacing positional arguments, the options object, option values and option keys with
 * values from a pool of what careless and hostile callers pass (numbers, BigInts, Symbols,
 * strings, null, objects without a prototype, Proxies, revoked Proxies, look-alikes, cyclic
 * and sparse arrays, DataViews, tensors of every dtype and odd shapes). Every outcome must be
 *
 * - an Error whose message names the function (never a TypeError from deep inside, a
 *   non-Error, or a message that names nothing), or
 * - a result, and only when no change made the call certainly invalid (an unknown key, a value
 *   of the wrong type, a non-tensor where only a tensor goes, options that are not an object):
 *   then a well-formed tensor (shape, numel and data agree) or generator.
 *
 * After every call a probe computes a fixed loss, its gradient and a fixed generator's draws
 * and must get the bits it got before the first call: no call leaves shared state changed.
 * Seeded, so runs repeat; a failure prints the shrunk call.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import * as L from "../mod.ts";
import {
  isRealTensor,
  PUBLIC_CALLS,
  type PublicCall,
  wrongType,
} from "../losses/_testing/public_calls.ts";

const { tensor } = L;

/** Runs per entry point of the table (68 of them): 10,200 malformed calls on the CPU. */
const RUNS_PER_CALL = 150;
/** Fewer on WebGPU, where each new shader costs a pipeline: 4,080 calls. */
const RUNS_PER_CALL_WEBGPU = 60;
const SEED = 20261717;

// ---------------------------------------------------------------------------
// The pool of values

/** A value for a slot, made fresh for each call (tensors, Proxies), and what it is. */
interface Junk {
  label: string;
  make: () => unknown;
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function cyclicArray(): unknown[] {
  const a: unknown[] = [];
  a.push(a);
  return a;
}

const throwingProxy = (): object =>
  new Proxy({}, {
    get(): never {
      throw new Error("trap");
    },
    ownKeys(): never {
      throw new Error("trap");
    },
  });

const SCALARS: Junk[] = [
  // no size that can be allocated but takes long to fill (2^31 elements: valid, and slow)
  ...[0, -1, 1, 2, 1.5, -0, NaN, Infinity, -Infinity, 2 ** 40, 2 ** 53, 1e308]
    .map((v) => ({
      label: String(v),
      make: () => v,
    })),
  ...[5n, -1n, 2n ** 64n].map((v) => ({ label: `${v}n`, make: () => v })),
  ...[
    "",
    "sum",
    "mean",
    "none",
    "batchmean",
    "avg",
    "float64",
    "int64",
    "cpu",
    "webgpu",
    "avx2",
  ]
    .map((v) => ({ label: JSON.stringify(v), make: () => v })),
  { label: "true", make: () => true },
  { label: "false", make: () => false },
  { label: "null", make: () => null },
  { label: "undefined", make: () => undefined },
  { label: "Symbol", make: () => Symbol("s") },
];

const OBJECTS: Junk[] = [
  { label: "() => 1", make: () => () => 1 },
  { label: "distance", make: () => (a: L.Tensor, b: L.Tensor) => L.sub(a, b) },
  { label: "[]", make: () => [] },
  { label: "[1, 2]", make: () => [1, 2] },
  { label: "[[1], [2]]", make: () => [[1], [2]] },
  { label: "[-1]", make: () => [-1] },
  { label: "[1.5]", make: () => [1.5] },
  { label: "[2n]", make: () => [2n] },
  { label: "[, 1]", make: () => [, 1] },
  { label: "cyclic", make: cyclicArray },
  { label: "Float32Array", make: () => new Float32Array([1, 2]) },
  { label: "Int32Array", make: () => new Int32Array([1, 2]) },
  { label: "BigUint64Array", make: () => new BigUint64Array([2n ** 64n - 1n]) },
  { label: "Float16Array", make: () => new Float16Array([0.5]) },
  { label: "DataView", make: () => new DataView(new ArrayBuffer(8)) },
  { label: "{}", make: () => ({}) },
  { label: "Object.create(null)", make: () => Object.create(null) },
  { label: "Map", make: () => new Map() },
  { label: "Date", make: () => new Date(0) },
  {
    label: "look-alike object",
    make: () => ({ shape: [2], dtype: "float32", numel: 2 }),
  },
  {
    label: "Object.create(Tensor)",
    make: () => Object.create(L.Tensor.prototype),
  },
  { label: "Proxy(tensor)", make: () => new Proxy(tensor([1, 2]), {}) },
  { label: "Proxy({})", make: () => new Proxy({}, {}) },
  { label: "revoked Proxy", make: revoked },
  { label: "throwing Proxy", make: throwingProxy },
  { label: "Generator", make: () => new L.Generator(3) },
  { label: "Proxy(Generator)", make: () => new Proxy(new L.Generator(3), {}) },
];

const DTYPES: L.DType[] = ["float32", "float64", "int64", "bool"];
const SPECIAL = [0, 1, -1, 0.5, NaN, Infinity, -Infinity, 3, -100];

/** Tensors of any dtype and a small shape (empty ones included), values odd or not. */
const tensorJunk: fc.Arbitrary<Junk> = fc.record({
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  dtype: fc.constantFrom(...DTYPES),
  requiresGrad: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1e6 }),
}).map(({ shape, dtype, requiresGrad, seed }) => ({
  label: `tensor ${dtype} [${shape}]${requiresGrad ? " requiresGrad" : ""}`,
  make: () => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from(
      { length: n },
      (_, i) => SPECIAL[(seed + 7 * i) % SPECIAL.length],
    );
    const data = dtype === "int64"
      ? values.map((v) => (Number.isFinite(v) ? Math.trunc(v) : 2))
      : dtype === "bool"
      ? values.map((v) => v > 0)
      : values;
    const float = dtype === "float32" || dtype === "float64";
    return tensor(data, { shape, dtype, requiresGrad: requiresGrad && float });
  },
}));

const junk: fc.Arbitrary<Junk> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SCALARS) },
  { weight: 3, arbitrary: fc.constantFrom(...OBJECTS) },
  { weight: 3, arbitrary: tensorJunk },
);

// ---------------------------------------------------------------------------
// Malformed calls

/** One change to a valid call. */
type Change =
  | { kind: "arg"; index: number; value: Junk }
  | { kind: "options"; value: Junk }
  | { kind: "value"; key: string; value: Junk }
  | { kind: "key"; key: string; value: Junk };

const UNKNOWN_KEYS = [
  "label_smoothing",
  "ignore_index",
  "size_average",
  "reduce",
  "Reduction",
  "requires_grad",
  "weights",
  "",
  "constructor",
  "__proto__x",
  "toString",
];

function changes(call: PublicCall): fc.Arbitrary<Change[]> {
  const kinds: fc.Arbitrary<Change>[] = [];
  if (call.argKinds.length > 0) {
    kinds.push(
      fc.record({
        kind: fc.constant("arg" as const),
        index: fc.integer({ min: 0, max: call.argKinds.length - 1 }),
        value: junk,
      }),
    );
  }
  if (call.takesOptions) {
    kinds.push(
      fc.record({ kind: fc.constant("options" as const), value: junk }),
    );
    const keys = Object.keys(call.options);
    if (keys.length > 0) {
      kinds.push(
        fc.record({
          kind: fc.constant("value" as const),
          key: fc.constantFrom(...keys),
          value: junk,
        }),
      );
    }
    kinds.push(
      fc.record({
        kind: fc.constant("key" as const),
        key: fc.constantFrom(...UNKNOWN_KEYS.filter((k) => !keys.includes(k))),
        value: junk,
      }),
    );
  }
  return fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: 3 });
}

/** `Array.isArray`, false for a revoked Proxy (where it throws). */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** Whether an argument of `kind` certainly cannot be `value`. */
function badArg(kind: PublicCall["argKinds"][number], value: unknown): boolean {
  const isTensor = isRealTensor(value);
  switch (kind) {
    case "tensor":
      return !isTensor;
    case "operand":
      return !isTensor && typeof value !== "number";
    case "lengths":
      return !isTensor && !isArray(value);
    case "number":
      return typeof value !== "number" && typeof value !== "bigint";
    case "shape":
      return typeof value !== "number" && !isArray(value);
    default:
      return false;
  }
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  try {
    const proto = Object.getPrototypeOf(value);
    return !Array.isArray(value) &&
      (proto === null || proto === Object.prototype);
  } catch {
    return false;
  }
}

interface Built {
  args: unknown[];
  options: unknown;
  /** Why the call is certainly invalid, or null when it may be valid. */
  invalid: string | null;
}

function build(call: PublicCall, list: Change[]): Built {
  const args = call.args();
  let options: unknown = call.takesOptions ? {} : undefined;
  const labels = new Map<string, string>();
  for (const change of list) {
    const value = change.value.make();
    if (change.kind === "arg") {
      args[change.index] = value;
      labels.set(`arg ${change.index}`, change.value.label);
    } else if (change.kind === "options") {
      options = value;
      labels.set("options", change.value.label);
    } else {
      if (!isPlainObject(options)) options = {};
      (options as Record<string, unknown>)[change.key] = value;
      labels.set(`options.${change.key}`, change.value.label);
    }
  }
  return {
    args,
    options,
    invalid: certainlyInvalid(call, args, options, labels),
  };
}

/** Why the call as built is certainly invalid, or null. */
function certainlyInvalid(
  call: PublicCall,
  args: unknown[],
  options: unknown,
  labels: Map<string, string>,
): string | null {
  for (let i = 0; i < args.length; i++) {
    if (badArg(call.argKinds[i], args[i])) {
      return `argument ${i} is ${labels.get(`arg ${i}`)}`;
    }
  }
  if (options === undefined) return null;
  if (!isPlainObject(options)) return `options is ${labels.get("options")}`;
  let entries: [string, unknown][];
  try {
    entries = Object.entries(options as object);
  } catch {
    return null; // a Proxy whose traps throw: the library says so, nothing certain here
  }
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    const sample = call.options[key];
    if (!Object.hasOwn(call.options, key)) {
      return `options has the unknown key ${JSON.stringify(key)}`;
    }
    if (wrongType(sample, value)) {
      return `options.${key} is ${labels.get(`options.${key}`)}`;
    }
  }
  return null;
}

/** Words of engine errors that escaped from inside the library. */
const ENGINE_WORDS =
  /Cannot read properties|is not a function|is not iterable|private member|Invalid typed array length|Invalid array length|Maximum call stack|Cannot convert|Do not know how to serialize|Cannot mix BigInt/;

/**
 * A value on `device`: tensors that can move there (not float64) are moved. Nothing else is
 * awaited: awaiting a value reads its `then`, which a revoked or hostile Proxy throws for.
 */
async function onDevice(value: unknown, device: L.Device): Promise<{ value: unknown }> {
  if (device === "cpu" || !isRealTensor(value)) return { value };
  const t = value as L.Tensor;
  return { value: t.dtype === "float64" ? t : await t.to(device) };
}

async function outcome(call: PublicCall, built: Built, device: L.Device): Promise<unknown> {
  const args = [];
  for (const a of built.args) args.push((await onDevice(a, device)).value);
  let options = built.options;
  if (device !== "cpu" && isPlainObject(options)) {
    const moved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options as object)) {
      moved[k] = (await onDevice(v, device)).value;
    }
    options = moved;
  }
  return call.run(args, options); // no entry of the table returns a Promise
}

async function checkWellFormed(
  call: PublicCall,
  result: unknown,
): Promise<void> {
  if (result instanceof L.Generator) return;
  assert.ok(isRealTensor(result), `${call.name} returned ${String(result)}`);
  const t = result as L.Tensor;
  assert.ok(Object.isFrozen(t.shape));
  assert.ok(
    t.shape.every((d) => Number.isSafeInteger(d) && d >= 0),
    `shape ${t.shape}`,
  );
  assert.equal(t.numel, t.shape.reduce((a, b) => a * b, 1));
  assert.ok(DTYPES.includes(t.dtype));
  assert.equal((await t.data()).length, t.numel);
}

// ---------------------------------------------------------------------------
// The probe of shared state

const PROBE_X = tensor([[0.5, -1.25, 2], [3, 0.25, -0.5]], {
  requiresGrad: true,
});
const PROBE_T = tensor([2, 0], { dtype: "int64" });

async function probe(): Promise<string> {
  PROBE_X.grad = null;
  const loss = L.crossEntropy(PROBE_X, PROBE_T, { labelSmoothing: 0.1 });
  loss.backward();
  const g = new L.Generator(42);
  const parts = [
    ...(await loss.data()),
    ...(await (PROBE_X.grad as L.Tensor | null)?.data() ?? []),
    ...(await L.randn([20], { generator: g }).data()),
    ...(await L.randint(0, 100, [4], { generator: g }).data()),
  ];
  return parts.map(String).join(",");
}

// ---------------------------------------------------------------------------

/** Runs `runsPerCall` malformed calls of every entry point with tensors on `device`. */
async function checkContract(device: L.Device, runsPerCall: number): Promise<void> {
  const before = await probe();
  let calls = 0;
  let errors = 0;
  const start = performance.now();
  for (const call of PUBLIC_CALLS) {
    await fc.assert(
      fc.asyncProperty(changes(call), async (list) => {
        const built = build(call, list);
        calls++;
        let result: unknown;
        let error: unknown = null;
        try {
          result = (await outcome(call, built, device).then((r) => ({ r }))).r;
          if (result instanceof L.Tensor) await checkWellFormed(call, result);
        } catch (e) {
          error = e;
        }
        const what = `${call.name} on ${device} with ${
          list.map((c) =>
            `${c.kind} ${"key" in c ? c.key : ""}${"index" in c ? c.index : ""}=${c.value.label}`
          ).join("; ")
        }`;
        if (error !== null) {
          if (error instanceof assert.AssertionError) throw error;
          errors++;
          assert.ok(error instanceof Error, `${what}: threw a non-Error`);
          const message = error.message;
          assert.ok(
            call.names.some((n) => message.toLowerCase().includes(n.toLowerCase())),
            `${what}: the message names no function: ${message}`,
          );
          assert.doesNotMatch(message, ENGINE_WORDS, `${what}: an engine's message: ${message}`);
        } else {
          assert.equal(built.invalid, null, `${what}: returned although ${built.invalid}`);
          if (!(result instanceof L.Tensor)) await checkWellFormed(call, result);
        }
        assert.equal(await probe(), before, `${what}: changed shared state`);
      }),
      { seed: SEED, numRuns: runsPerCall },
    );
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${device}: ${calls} malformed calls of ${PUBLIC_CALLS.length} entry points, ${errors} errors and ${
      calls - errors
    } results, in ${seconds.toFixed(1)} s`,
  );
}

Deno.test("every public function: a malformed call gives a PyTorch-valid result or an Error naming the function", async () => {
  await checkContract("cpu", RUNS_PER_CALL);
});

Deno.test("the same on webgpu: a malformed call gives a result or an Error naming the function", async () => {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (gpu === undefined || (await gpu.requestAdapter()) === null) {
    console.log("webgpu contract skipped: no WebGPU adapter here");
    return;
  }
  await checkContract("webgpu", RUNS_PER_CALL_WEBGPU);
});
