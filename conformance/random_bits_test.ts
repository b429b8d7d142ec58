/**
 * The random-number fixtures, bit for bit: `rand` and `randint` must equal PyTorch exactly;
 * every `randn` element must be within 2 units in the last place, and the share of elements
 * equal to the last bit is measured per path and held to its floor.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Tensor } from "../mod.ts";
import { randomCall } from "./_random.ts";
import type { ArgValue } from "./ops.ts";

type Op = "randn" | "rand" | "randint";

interface RawTensor {
  dtype: string;
  shape: number[];
  data: (number | string | bigint)[];
}

interface RawCase {
  id: string;
  args: ArgValue[];
  kwargs: Record<string, ArgValue>;
  output: RawTensor | null;
  error: string | null;
}

/** Reads a fixture file keeping int64 values exact (as bigints) past 2^53. */
async function loadExact(op: Op): Promise<RawCase[]> {
  const text = await Deno.readTextFile(new URL(`./fixtures/${op}.json`, import.meta.url));
  const exactInts = (
    _key: string,
    value: unknown,
    context?: { source?: string },
  ): unknown => {
    if (
      typeof value === "number" && context?.source !== undefined &&
      /^-?\d+$/.test(context.source) && !Number.isSafeInteger(value)
    ) {
      return BigInt(context.source);
    }
    return value;
  };
  const file = JSON.parse(text, exactInts as (key: string, value: unknown) => unknown);
  return file.cases as RawCase[];
}

function options(c: RawCase): Record<string, ArgValue> {
  const o: Record<string, ArgValue> = { ...c.kwargs };
  if ("cpu_capability" in o) {
    o.cpuCapability = o.cpu_capability;
    delete o.cpu_capability;
  }
  return o;
}

/** A fixture number in its dtype: float32 values are written as their shortest decimal. */
function expectedNumber(v: number | string | bigint, dtype: string): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return dtype === "float32" ? Math.fround(Number(v)) : Number(v);
}

/** Distance in units in the last place between two finite floats of `dtype`. */
function ulps(a: number, b: number, dtype: string): number {
  if (Object.is(a, b)) return 0;
  if (dtype === "float32") {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat32(0, a);
    view.setFloat32(4, b);
    const ord = (i: number): number => i < 0 ? -(i & 0x7fffffff) : i;
    return Math.abs(ord(view.getInt32(0)) - ord(view.getInt32(4)));
  }
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  const ord = (i: bigint): bigint => i < 0n ? -(i & 0x7fffffffffffffffn) : i;
  const d = ord(view.getBigInt64(0)) - ord(view.getBigInt64(8));
  return Number(d < 0n ? -d : d);
}

/** Which randn path a case takes: PyTorch picks it by dtype and element count. */
function randnPath(c: RawCase): string {
  const n = (c.output as RawTensor).data.length;
  const dtype = c.kwargs.dtype;
  if (n < 16) return `${dtype} < 16 (double, one at a time)`;
  return dtype === "float32"
    ? `float32 >= 16 (${c.kwargs.cpu_capability} fill)`
    : "float64 >= 16 (double fill)";
}

/** The bit-exact share each randn path must reach (measured shares are printed). */
const RANDN_FLOOR: Record<string, number> = {
  "float32 < 16 (double, one at a time)": 1,
  "float32 >= 16 (default fill)": 1,
  "float32 >= 16 (avx2 fill)": 1,
  "float64 < 16 (double, one at a time)": 0.99,
  "float64 >= 16 (double fill)": 0.99,
};

for (const op of ["rand", "randint"] as const) {
  Deno.test(`${op} matches PyTorch bit for bit`, async () => {
    const call = randomCall(op);
    let elements = 0;
    for (const c of await loadExact(op)) {
      if (c.error !== null) continue;
      const out: Tensor = call(c.args, options(c));
      const data = await out.data();
      const expected = c.output as RawTensor;
      assert.equal(out.dtype, expected.dtype, c.id);
      assert.deepEqual(out.shape, expected.shape, c.id);
      for (let k = 0; k < expected.data.length; k++) {
        const e = expected.data[k];
        if (out.dtype === "int64") assert.equal(data[k], BigInt(e), `${c.id}[${k}]`);
        else {assert.ok(
            Object.is(data[k], expectedNumber(e, out.dtype)),
            `${c.id}[${k}]: ${data[k]} vs ${e}`,
          );}
        elements++;
      }
    }
    assert.ok(elements > 10000);
  });
}

Deno.test("randn is within 2 ulp of PyTorch everywhere and bit-exact per path", async () => {
  const call = randomCall("randn");
  const stats = new Map<string, { exact: number; total: number; worst: number }>();
  for (const c of await loadExact("randn")) {
    if (c.error !== null) continue;
    const out = call(c.args, options(c));
    const data = await out.data();
    const expected = c.output as RawTensor;
    assert.equal(out.dtype, expected.dtype, c.id);
    assert.deepEqual(out.shape, expected.shape, c.id);
    const path = randnPath(c);
    const s = stats.get(path) ?? { exact: 0, total: 0, worst: 0 };
    for (let k = 0; k < expected.data.length; k++) {
      const d = ulps(
        Number(data[k]),
        expectedNumber(expected.data[k], expected.dtype),
        expected.dtype,
      );
      assert.ok(d <= 2, `${c.id}[${k}]: ${data[k]} is ${d} ulp from ${expected.data[k]}`);
      s.total++;
      if (d === 0) s.exact++;
      s.worst = Math.max(s.worst, d);
    }
    stats.set(path, s);
  }
  for (const [path, s] of [...stats].sort()) {
    const share = s.exact / s.total;
    console.log(
      `randn ${path}: ${s.exact}/${s.total} bit-exact (${(100 * share).toFixed(3)}%), ` +
        `worst ${s.worst} ulp`,
    );
    assert.ok(path in RANDN_FLOOR, `no floor for path ${path}`);
    assert.ok(share >= RANDN_FLOOR[path], `${path}: ${share} < ${RANDN_FLOOR[path]}`);
  }
});
