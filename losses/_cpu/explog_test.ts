import assert from "node:assert/strict";
import { vectorMath } from "./explog.ts";
import { exp32, log32 } from "./generated/math32.ts";
import { sweep, ulps } from "../_testing/helpers.ts";

/** Positive numbers spread over every binade from the smallest subnormal up (log-uniform). */
function binades(minExp: number, maxExp: number, n: number): number[] {
  return sweep(minExp, maxExp, n).map((e) => 2 ** e);
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1];

/** The worst ulp error of the kernel against Math's function (rounded to float32 for f32). */
function worst(fn: "exp" | "log", f32: boolean, inputs: number[]): { ulps: number; at: number } {
  const x = f32 ? new Float32Array(inputs) : new Float64Array(inputs);
  const out = f32 ? new Float32Array(x.length) : new Float64Array(x.length);
  vectorMath(fn, x, out);
  const ref = fn === "exp" ? Math.exp : Math.log;
  let most = 0;
  let at = NaN;
  for (let i = 0; i < x.length; i++) {
    const want = f32 ? Math.fround(ref(x[i])) : ref(x[i]);
    const u = ulps(out[i], want, f32);
    if (u > most) [most, at] = [u, x[i]];
  }
  return { ulps: most, at };
}

const EXP_EDGES_F32 = [
  1e-45,
  -1e-45,
  1e-40,
  -1e-40,
  88.72283,
  88.72284,
  89,
  -87.33654,
  -103.27893,
  -103.97208,
  -104,
  -1e30,
  1e30,
];
const EXP_EDGES_F64 = [
  5e-324,
  -5e-324,
  1e-310,
  709.782712893384,
  709.7827128933841,
  710,
  -708.3964185322641,
  -745.1332191019411,
  -745.1332191019412,
  -746,
  -1e300,
  1e300,
];

Deno.test("vector exp is within 1 ulp of Math.exp: float64 here, float32 in math32_test.ts", () => {
  const r32 = worst("exp", true, [
    ...SPECIALS,
    ...EXP_EDGES_F32,
    ...sweep(-110, 95, 300_001),
    ...sweep(-1, 1, 100_001),
  ]);
  // float32 lanes: within 1 ulp of the exact value, so at most 1 from its float32 rounding
  assert.ok(r32.ulps <= 1, `float32: ${r32.ulps} ulps at ${r32.at}`);
  const r64 = worst("exp", false, [
    ...SPECIALS,
    ...EXP_EDGES_F64,
    ...sweep(-750, 712, 300_001),
    ...sweep(-1, 1, 100_001),
  ]);
  assert.ok(r64.ulps <= 1, `float64: ${r64.ulps} ulps at ${r64.at}`);
});

Deno.test("vector log is within 1 ulp of Math.log from subnormals to the largest float", () => {
  const inputs = [
    ...SPECIALS,
    -1e-300,
    -5e-324,
    5e-324,
    1e-310,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    Math.SQRT2,
    Math.SQRT1_2,
    ...binades(-1074, 1024, 300_001),
    ...sweep(0.5, 2, 200_001),
    ...sweep(1 - 1e-6, 1 + 1e-6, 10_001),
  ];
  const r64 = worst("log", false, inputs);
  assert.ok(r64.ulps <= 1, `float64: ${r64.ulps} ulps at ${r64.at}`);
  const r32 = worst("log", true, [...inputs, ...binades(-149, 128, 300_001)]);
  assert.ok(r32.ulps <= 1, `float32: ${r32.ulps} ulps at ${r32.at}`);
});

Deno.test("vector exp and log give exact results at the special values", () => {
  for (const Arr of [Float32Array, Float64Array]) {
    const x = new Arr([NaN, Infinity, -Infinity, 0, -0, 1, -1]);
    const e = new Arr(x.length);
    const l = new Arr(x.length);
    vectorMath("exp", x, e);
    vectorMath("log", x, l);
    // exp(+-1) is within 1 ulp (tested above), not exact: only the specials are compared
    assert.deepEqual([...e].slice(0, 5), [NaN, Infinity, 0, 1, 1]);
    assert.deepEqual([...l], [NaN, Infinity, NaN, -Infinity, -Infinity, 0, NaN]);
  }
});

Deno.test("vector exp and log work in place over odd lengths and many blocks", () => {
  for (const n of [0, 1, 3, 2047, 2048, 2049, 5001]) {
    const x = new Float32Array(n).map((_, i) => 1 + (i % 97) / 7);
    const out = new Float32Array(n);
    vectorMath("log", x, out);
    for (let i = 0; i < n; i++) assert.equal(out[i], log32(x[i]));
    vectorMath("exp", x, x);
    for (let i = 0; i < n; i++) assert.equal(x[i], exp32(Math.fround(1 + (i % 97) / 7)));
  }
});
