// The float32 exp, log and log1p (wasm/explog.wat's f32x4 kernels and their scalar twins in
// generated/math32.ts, and the exp of wasm/softmax.wat's row kernels): within 1 ulp of the
// float64 function over the whole float32 range, and the same bits from all of them.
import assert from "node:assert/strict";
import { vectorMath } from "./explog.ts";
import { rowSoftmaxScaled, vectorExp } from "./row_kernels.ts";
import { exp32, log1p32, log32 } from "./generated/math32.ts";

type Fn = "exp" | "log" | "log1p";
const SCALAR: Record<Fn, (x: number) => number> = { exp: exp32, log: log32, log1p: log1p32 };
const EXACT: Record<Fn, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
};

/**
 * Every float32 value whose bits are a multiple of `step` (both signs, subnormals, inf and nan
 * patterns included), then the edges of each function.
 */
function inputs(step: number, edges: number[]): Float32Array {
  const n = Math.floor(2 ** 32 / step);
  const bits = new Uint32Array(n + edges.length);
  for (let i = 0; i < n; i++) bits[i] = i * step;
  const out = new Float32Array(bits.buffer);
  out.set(edges, n);
  return out;
}

/**
 * The error of a float32 result against the exact (float64) value, in float32 ulps of the
 * exact value; 0 where both are the same nan, infinity or float32-rounded overflow.
 */
function ulpsFromExact(got: number, want: number): number {
  if (Number.isNaN(want) || Number.isNaN(got)) {
    return Number.isNaN(want) && Number.isNaN(got) ? 0 : Infinity;
  }
  if (got === Math.fround(want) && Object.is(got, Math.fround(want))) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(want)) return Infinity;
  const binade = Math.max(Math.floor(Math.log2(Math.abs(want))), -126);
  return Math.abs(got - want) / 2 ** (binade - 23);
}

const EDGES: Record<Fn, number[]> = {
  exp: [
    NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    1,
    -1,
    1e-45,
    -1e-45,
    88.72283,
    88.72284,
    89,
    -87.33654,
    -103.27893,
    -103.97207,
    -103.97208,
    -104,
    -1e30,
    1e30,
    0.34657359,
    -0.34657359,
  ],
  log: [
    NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    1,
    -1,
    1e-45,
    1.1754942e-38,
    1.1754944e-38,
    3.4028235e38,
    Math.SQRT2,
    Math.SQRT1_2,
    0.99999994,
    1.0000001,
    -1e-45,
  ],
  log1p: [
    NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    1,
    -1,
    -0.99999994,
    -1.0000001,
    1e-45,
    -1e-45,
    5.9604645e-8,
    -5.9604645e-8,
    5.9604641e-8,
    0.41421354,
    0.41421351,
    -0.29289323,
    -0.29289320,
    3.4028235e38,
    1e-30,
    -1e-30,
  ],
};

for (const fn of ["exp", "log", "log1p"] as const) {
  Deno.test(`float32 ${fn} is within 1 ulp over the whole range, the same bits in lanes and scalar`, () => {
    const x = inputs(251, EDGES[fn]);
    const lanes = new Float32Array(x.length);
    vectorMath(fn, x, lanes);
    const scalar = SCALAR[fn];
    const exact = EXACT[fn];
    const laneBits = new Int32Array(lanes.buffer);
    const one = new Float32Array(1);
    const oneBits = new Int32Array(one.buffer);
    let worst = 0;
    let at = NaN;
    let differ = 0;
    let firstDiffer = "";
    for (let i = 0; i < x.length; i++) {
      one[0] = scalar(x[i]);
      if (oneBits[0] !== laneBits[i] && !(Number.isNaN(one[0]) && Number.isNaN(lanes[i]))) {
        if (differ++ === 0) firstDiffer = `${x[i]}: scalar ${one[0]}, lanes ${lanes[i]}`;
      }
      const u = ulpsFromExact(lanes[i], exact(x[i]));
      if (u > worst) [worst, at] = [u, x[i]];
    }
    assert.equal(
      differ,
      0,
      `${differ} inputs give other bits in lanes and scalar, first ${firstDiffer}`,
    );
    assert.ok(worst <= 1, `${fn}: ${worst} ulps at ${at}`);
  });
}

Deno.test("the row kernels' float32 exp (softmax, log-softmax, cross-entropy) is exp32, bit for bit", () => {
  const x = inputs(251, EDGES.exp);
  const lanes = new Float32Array(x.length);
  const rows = new Float32Array(x.length);
  vectorMath("exp", x, lanes);
  vectorExp(x, rows);
  const a = new Int32Array(lanes.buffer);
  const b = new Int32Array(rows.buffer);
  let differ = 0;
  for (let i = 0; i < x.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(lanes[i]) && Number.isNaN(rows[i]))) differ++;
  }
  assert.equal(differ, 0, `${differ} of ${x.length} inputs differ`);
});

/** How many of `got` differ in bits from `want` (two nans are alike), and the first such. */
function bitDiffers(x: Float32Array, got: Float32Array, want: Float32Array): [number, string] {
  const a = new Int32Array(got.buffer, got.byteOffset, got.length);
  const b = new Int32Array(want.buffer, want.byteOffset, want.length);
  let differ = 0;
  let first = "";
  for (let i = 0; i < x.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      if (differ++ === 0) first = `${x[i]}: ${got[i]} against ${want[i]}`;
    }
  }
  return [differ, first];
}

Deno.test("the row kernels' shorter exp for rows within [-87, 88] is exp32, bit for bit", () => {
  // every float32 in [-87, 88] whose bits are a multiple of 61, in rows that lie wholly in the
  // range (the shorter steps) and, after them, a row with one value out of it (exp32's steps)
  const values: number[] = [];
  const one = new Float32Array(1);
  const bits = new Uint32Array(one.buffer);
  for (let b = 0; b < 2 ** 32; b += 61) {
    bits[0] = b;
    if (one[0] >= -87 && one[0] <= 88) values.push(one[0]);
  }
  values.push(-87, 88, -86.99999, 87.99999, -100, 88.5);
  const x = Float32Array.from(values);
  const want = x.map(exp32);
  const got = new Float32Array(x.length);
  vectorExp(x, got);
  const [differ, first] = bitDiffers(x, got, want);
  assert.equal(differ, 0, `${differ} of ${x.length} inputs differ, first ${first}`);
});

Deno.test("exp(x - max) in the row kernels is exp32's, row by row, at every width", () => {
  // factor 1: the kernels' float64 product by 1 rounds each exp(x - m) back to itself (rows
  // with a nan are row_kernels_test.ts's: they become nan whole)
  // amplitude 60: rows of exp32's steps; 20: rows within [-87, 88] (the shorter steps, their
  // last lanes masked after the exp); widths with a last step of one vector, of two, or none
  for (const [cols, amplitude] of [1, 5, 15, 16, 17, 37, 1000].flatMap((c) => [[c, 60], [c, 20]])) {
    const rows = 9;
    const x = new Float32Array(rows * cols);
    for (let i = 0; i < x.length; i++) x[i] = Math.fround(Math.sin(i * 12.9898) * amplitude);
    x[2 * cols] = -200; // row 2 reaches below -87 after the shift: exp32's full steps
    x[6 * cols] = -Infinity;
    const got = new Float32Array(x.length);
    rowSoftmaxScaled(x, rows, cols, got, () => 1);
    const want = new Float32Array(x.length);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * cols, (r + 1) * cols);
      const m = row.reduce((a, v) => Math.max(a, v), -Infinity);
      for (let k = 0; k < cols; k++) want[r * cols + k] = exp32(Math.fround(row[k] - m));
    }
    const [differ, first] = bitDiffers(x, got, want);
    assert.equal(differ, 0, `width ${cols} (${amplitude}): ${differ} differ, first ${first}`);
  }
});

Deno.test("float32 exp, log and log1p give PyTorch's values at the special points", () => {
  const at = (fn: Fn, values: number[]): number[] => values.map(SCALAR[fn]);
  assert.deepEqual(at("exp", [NaN, Infinity, -Infinity, 0, -0, 89, -104]), [
    NaN,
    Infinity,
    0,
    1,
    1,
    Infinity,
    0,
  ]);
  assert.deepEqual(at("log", [NaN, Infinity, -Infinity, 0, -0, 1, -1]), [
    NaN,
    Infinity,
    NaN,
    -Infinity,
    -Infinity,
    0,
    NaN,
  ]);
  assert.deepEqual(at("log1p", [NaN, Infinity, -Infinity, 0, -0, -1, -2]), [
    NaN,
    Infinity,
    NaN,
    0,
    -0,
    -Infinity,
    NaN,
  ]);
  // smallest subnormals
  assert.equal(exp32(-103.97208), Math.fround(Math.exp(Math.fround(-103.97208))));
  assert.equal(log32(1e-45), Math.fround(Math.log(Math.fround(1e-45))));
});
