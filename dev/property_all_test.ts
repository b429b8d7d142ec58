/**
 * Property test over every op: fast-check picks a fixture case as a template (PyTorch's
 * shapes and options, float32), moves each of its float inputs by a random relative amount
 * up to 5%, and runs the op in float32 on every available device and in float64 on the CPU,
 * on the same values. The float32 output and gradients must match the float64 ones to
 * float32 accuracy, and where one throws the other must too. Templates built to overflow or
 * underflow float32 are left to the fixtures. Seeded, so runs repeat; a failure prints the
 * shrunk choice.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { DEVICES, parityAdapter } from "../conformance/adapters/parity.ts";
import {
  type ArrayTensor,
  decodeFixtureTensor,
  decodeFixtureValue,
  type FixtureCase,
  type FixtureTensor,
  loadFixtureFile,
} from "../conformance/fixture.ts";
import { OPS } from "../conformance/ops.ts";
import {
  type Adapter,
  type AdapterValue,
  FIXTURES_DIR,
  type OpResult,
  Unsupported,
} from "../conformance/runner.ts";

const CPU = parityAdapter("cpu");
const RUNS = { seed: 20261128, numRuns: 40 };

/** A deterministic uniform generator in [-1, 1) (mulberry32). */
function jitter(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  };
}

function isTensor(v: unknown): v is FixtureTensor {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The template's float tensors moved by up to 5%, in float32 and the same values in float64. */
function variants(c: FixtureCase, seed: number): { f32: AdapterValue[]; f64: AdapterValue[] }[] {
  const next = jitter(seed);
  const both = (v: (typeof c.args)[number]): [AdapterValue, AdapterValue] => {
    if (!isTensor(v) || v.dtype !== "float32") {
      const plain = decodeFixtureValue(v);
      return [plain, plain];
    }
    const t = decodeFixtureTensor(v);
    const f32 = Float32Array.from(
      t.data as Float32Array,
      (x) => Math.fround(x * (1 + 0.05 * next())),
    );
    return [{ ...t, data: f32 }, { ...t, dtype: "float64", data: Float64Array.from(f32) }];
  };
  const args = c.args.map(both);
  const kwargs = Object.values(c.kwargs).map(both);
  return [{ f32: args.map((a) => a[0]), f64: args.map((a) => a[1]) }, {
    f32: kwargs.map((a) => a[0]),
    f64: kwargs.map((a) => a[1]),
  }];
}

/**
 * Whether every float input is far from float32's overflow and underflow: cases built to
 * overflow float32 (a square of 1e30) rightly differ from float64, and the fixtures check
 * them against PyTorch's float32.
 */
function withinRange(c: FixtureCase): boolean {
  return [...c.args, ...Object.values(c.kwargs)].every((v) =>
    !isTensor(v) ||
    v.data.every((x) =>
      typeof x !== "number" || x === 0 || (Math.abs(x) < 1e6 && Math.abs(x) > 1e-20)
    )
  );
}

async function run(
  adapter: Adapter,
  op: string,
  c: FixtureCase,
  args: AdapterValue[],
  kwargValues: AdapterValue[],
  dtype: "float32" | "float64",
): Promise<OpResult | Error> {
  const keys = Object.keys(c.kwargs);
  const g = c.grad_output === null ? null : decodeFixtureTensor(c.grad_output);
  const gradOutput: ArrayTensor | null = g === null
    ? null
    : dtype === "float32"
    ? g
    : { ...g, dtype, data: Float64Array.from(g.data as Float32Array) };
  try {
    return await adapter.ops[op]({
      args,
      kwargs: Object.fromEntries(keys.map((k, i) => [k, kwargValues[i]])),
      requiresGrad: [...c.requires_grad],
      gradOutput,
    });
  } catch (e) {
    return e as Error;
  }
}

function agree(f32: ArrayTensor, f64: ArrayTensor, what: string): void {
  assert.deepEqual(f32.shape, f64.shape, `${what}: shape`);
  let scale = 1;
  for (const v of f64.data as Float64Array) {
    if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  }
  for (let i = 0; i < f64.data.length; i++) {
    const a = Number(f32.data[i]);
    const e = Number(f64.data[i]);
    if (Number.isNaN(e) || !Number.isFinite(e) || !Number.isFinite(a)) {
      // Overflow to inf or nan in float32 where float64 stays finite is PyTorch's float32
      // behaviour too; only a finite float64 with a finite float32 is compared.
      continue;
    }
    assert.ok(
      Math.abs(a - e) <= 2e-5 * scale,
      `${what}[${i}]: float32 ${a}, float64 ${e} (scale ${scale})`,
    );
  }
}

Deno.test("every op: float32 agrees with float64 on random values in PyTorch's shapes", async (t) => {
  for (const spec of OPS) {
    const file = await loadFixtureFile(new URL(`${spec.torch}.json`, FIXTURES_DIR));
    const templates = file.cases.filter((c) =>
      c.error === null && c.args.some((v) => isTensor(v) && v.dtype === "float32") &&
      !c.args.some((v) => isTensor(v) && v.dtype === "float64") && withinRange(c)
    );
    if (templates.length === 0) continue; // the random-number ops take no float inputs
    for (const adapter of DEVICES.map(parityAdapter)) {
      await t.step(`${adapter.name} ${spec.torch}`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 0, max: templates.length - 1 }),
            fc.integer({ min: 0, max: 2 ** 31 - 1 }),
            async (k, seed) => {
              const c = templates[k];
              const [args, kwargs] = variants(c, seed);
              const a = await run(adapter, spec.torch, c, args.f32, kwargs.f32, "float32");
              // A device without this op's kernel yet (the conformance table lists it skipped).
              if (a instanceof Unsupported) return;
              const b = await run(CPU, spec.torch, c, args.f64, kwargs.f64, "float64");
              if (a instanceof Error || b instanceof Error) {
                assert.equal(
                  a instanceof Error,
                  b instanceof Error,
                  `${c.id}: only one dtype threw`,
                );
                return;
              }
              agree(a.output, b.output, `${c.id} output`);
              for (const i of c.requires_grad) {
                const ga: ArrayTensor | null | undefined = (a as OpResult).grads?.[i];
                const gb: ArrayTensor | null | undefined = (b as OpResult).grads?.[i];
                if (ga === null || ga === undefined || gb === null || gb === undefined) {
                  assert.equal(ga ?? null, gb ?? null, `${c.id}: grad ${i} only in one dtype`);
                  continue;
                }
                agree(ga, gb, `${c.id} grad ${i}`);
              }
            },
          ),
          RUNS,
        );
      });
    }
  }
});
