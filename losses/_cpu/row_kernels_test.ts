import assert from "node:assert/strict";
import {
  rowLogSoftmax,
  rowSoftmaxGrad,
  rowSoftmaxScaled,
  softplusParts,
  vectorExp,
} from "./row_kernels.ts";
import { takeStorage } from "../_core/storage.ts";
import { ownsBlock } from "../_core/arena.ts";
import { sweep, ulps } from "../_testing/helpers.ts";
import { vectorMath } from "./explog.ts";
import { exp32, log1p32 } from "./generated/math32.ts";

const EDGES_F32 = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1e-45,
  -1e-45,
  1e-40,
  -1e-40,
  1.1754944e-38,
  1e-7,
  -1e-7,
  88.72283,
  88.72284,
  89,
  100,
  -87.33654,
  -87.3366,
  -103.27893,
  -103.97208,
  -104,
  -1e30,
  1e30,
];
const EDGES_F64 = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  5e-324,
  -5e-324,
  1e-310,
  -1e-310,
  2.2250738585072014e-308,
  1e-17,
  -1e-17,
  709.782712893384,
  709.7827128933841,
  710,
  800,
  -708.3964185322641,
  -708.4,
  -745.1332191019411,
  -745.1332191019412,
  -746,
  -1e300,
  1e300,
];

function maxUlps(f32: boolean, inputs: number[]): { worst: number; at: number } {
  const x = f32 ? new Float32Array(inputs) : new Float64Array(inputs);
  const out = f32 ? new Float32Array(x.length) : new Float64Array(x.length);
  vectorExp(x, out);
  let worst = 0;
  let at = NaN;
  for (let i = 0; i < x.length; i++) {
    const want = f32 ? Math.fround(Math.exp(x[i])) : Math.exp(x[i]);
    const u = ulps(out[i], want, f32);
    if (u > worst) [worst, at] = [u, x[i]];
  }
  return { worst, at };
}

Deno.test("vector exp (float32) is within 1 ulp of the correctly rounded exp everywhere", () => {
  const inputs = [...EDGES_F32, ...sweep(-110, 95, 300_001), ...sweep(-1, 1, 100_001)];
  const { worst, at } = maxUlps(true, inputs);
  assert.ok(worst <= 1, `${worst} ulps at ${at}`);
});

Deno.test("vector exp (float64) is within 1 ulp of Math.exp everywhere", () => {
  const inputs = [...EDGES_F64, ...sweep(-750, 712, 300_001), ...sweep(-1, 1, 100_001)];
  const { worst, at } = maxUlps(false, inputs);
  assert.ok(worst <= 1, `${worst} ulps at ${at}`);
});

Deno.test("vector exp gives exact results at the special values", () => {
  for (const f32 of [true, false]) {
    const x = f32
      ? new Float32Array([NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30])
      : new Float64Array([NaN, Infinity, -Infinity, 0, -0, 1e300, -1e300]);
    const out = f32 ? new Float32Array(x.length) : new Float64Array(x.length);
    vectorExp(x, out);
    assert.deepEqual([...out], [NaN, Infinity, 0, 1, 1, Infinity, 0]);
  }
});

Deno.test("row kernels match a float64 softmax on odd widths and many chunks", () => {
  for (const f32 of [true, false]) {
    for (const [rows, cols] of [[3, 1], [5, 7], [40, 1001], [2, 20000], [0, 4], [3, 0]]) {
      const x = f32 ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
      for (let i = 0; i < x.length; i++) x[i] = 8 * Math.sin(i * 1.7) + (i % 3) * 1e-3;
      const lsm = f32 ? new Float32Array(x.length) : new Float64Array(x.length);
      const sm = f32 ? new Float32Array(x.length) : new Float64Array(x.length);
      rowLogSoftmax(x, rows, cols, lsm);
      rowSoftmaxScaled(x, rows, cols, sm, (_r, _m, s) => 1 / s);
      for (let r = 0; r < rows; r++) {
        let m = -Infinity;
        for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
        let s = 0;
        for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const want = x[i] - m - Math.log(s);
          const tol = f32 ? 1e-6 : 1e-13;
          assert.ok(Math.abs(lsm[i] - want) <= tol * (1 + Math.abs(want)), `lsm ${i}`);
          // float32: x - m is a float32 difference, as in PyTorch, off by up to |x - m|·2^-24
          const rel = f32 ? 2.5e-7 + Math.abs(x[i] - m) * 2 ** -24 : tol;
          assert.ok(Math.abs(sm[i] - Math.exp(want)) <= rel * Math.exp(want), `sm ${i}`);
        }
      }
    }
  }
});

Deno.test("the backward row kernels are within float32 steps of float64 formulas on odd widths and many chunks", () => {
  for (const [rows, cols] of [[3, 1], [5, 7], [40, 1001], [2, 20000], [0, 4], [3, 0]]) {
    const x = new Float32Array(rows * cols);
    const g = new Float32Array(rows * cols);
    for (let i = 0; i < x.length; i++) {
      x[i] = 8 * Math.sin(i * 1.7) + (i % 3) * 1e-3;
      g[i] = Math.cos(i * 0.61) + (i % 5 === 0 ? 3 : 0);
    }
    const lsm = new Float32Array(x.length);
    const sm = new Float32Array(x.length);
    rowLogSoftmax(x, rows, cols, lsm);
    rowSoftmaxScaled(x, rows, cols, sm, (_r, _m, s) => 1 / s);
    const gLsm = new Float32Array(x.length).fill(NaN);
    const gSm = new Float32Array(x.length).fill(NaN);
    rowSoftmaxGrad("log_softmax", g, lsm, rows, cols, gLsm);
    rowSoftmaxGrad("softmax", g, sm, rows, cols, gSm);
    for (let r = 0; r < rows; r++) {
      let sumG = 0;
      let dot = 0;
      for (let c = 0; c < cols; c++) {
        sumG += g[r * cols + c];
        dot += g[r * cols + c] * sm[r * cols + c];
      }
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        // float32 steps, as PyTorch's: the float64 sum rounded to float32, exp within 1 ulp,
        // then the product and the difference each rounded (2^-24 of their size)
        const es = Math.exp(lsm[i]) * sumG;
        const wantLsm = g[i] - es;
        assert.ok(
          Math.abs(gLsm[i] - wantLsm) <= 2 ** -23 * (Math.abs(wantLsm) + 2 * Math.abs(es)),
          `log_softmax ${rows}x${cols} at ${i}: ${gLsm[i]} against ${wantLsm}`,
        );
        const wantSm = sm[i] * (g[i] - dot);
        const smBound = 2 ** -24 * (Math.abs(wantSm) + Math.abs(sm[i]) * (Math.abs(g[i] - dot) +
              Math.abs(dot)));
        assert.ok(
          Math.abs(gSm[i] - wantSm) <= smBound + 1e-12 * Math.abs(sm[i]),
          `softmax ${rows}x${cols} at ${i}: ${gSm[i]} against ${wantSm}`,
        );
      }
    }
  }
});

Deno.test("log-softmax's float32 backward is g - exp32(y) · c in float32 steps, bit for bit", () => {
  // g in 1/1024ths of small integers, so that every float64 partial sum of a row is exact and
  // c is the exact row sum rounded to float32, in whatever order the kernel adds; y mostly in
  // exp's normal range, with rows that leave it (the kernel's slow steps) and specials
  const specials = [NaN, Infinity, -Infinity, -0, 0, -87.5, -103, -120, 88.5, 90];
  for (
    const [rows, cols] of [
      [1, 1],
      [3, 3],
      [2, 5],
      [4, 15],
      [2, 16],
      [3, 17],
      [5, 33],
      [2, 1000],
      [3, 1001],
      [2, 20000],
      [70, 250],
    ]
  ) {
    for (const withSpecials of [false, true]) {
      const g = new Float32Array(rows * cols);
      const y = new Float32Array(rows * cols);
      for (let i = 0; i < g.length; i++) {
        g[i] = (((i * 7919) % 61) - 30) / 1024;
        y[i] = -12 * Math.abs(Math.sin(i * 0.37)) + 0.5;
        if (withSpecials && i % 13 === 5) y[i] = specials[(i / 13 | 0) % specials.length];
      }
      const gx = new Float32Array(rows * cols).fill(1234);
      rowSoftmaxGrad("log_softmax", g, y, rows, cols, gx);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += g[r * cols + c];
        const c32 = Math.fround(sum);
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const want = Math.fround(g[i] - Math.fround(exp32(y[i]) * c32));
          assert.ok(
            Object.is(gx[i], want) || (Number.isNaN(gx[i]) && Number.isNaN(want)),
            `${rows}x${cols}${withSpecials ? " with specials" : ""} at ${i}: ${
              gx[i]
            } against ${want} (y = ${y[i]})`,
          );
        }
      }
    }
  }
});

Deno.test("the backward row kernels carry nan and infinity through a row", () => {
  const out = new Float32Array([-1, -2, -0.5, -1, -2, -0.5]);
  const g = new Float32Array([1, NaN, 2, 1, Infinity, 2]);
  const gx = new Float32Array(6);
  // a nan in g makes its row's sum nan. The second row is what torch 1.13's
  // _log_softmax_backward_data and _softmax_backward_data give for these g and outputs:
  // sum(g) = inf, so g - exp(out)·inf is -inf, or nan where g is inf; sum(g · out) = -inf,
  // so out · (g + inf) is -inf throughout
  rowSoftmaxGrad("log_softmax", g, out, 2, 3, gx);
  assert.deepEqual([...gx], [NaN, NaN, NaN, -Infinity, NaN, -Infinity]);
  rowSoftmaxGrad("softmax", g, out, 2, 3, gx);
  assert.deepEqual([...gx], [NaN, NaN, NaN, -Infinity, -Infinity, -Infinity]);
});

Deno.test("row kernels give nan rows for nan and infinite maxima", () => {
  const x = new Float32Array([1, NaN, 2, Infinity, 0, 1, -Infinity, -Infinity, -Infinity]);
  const out = new Float32Array(9);
  rowLogSoftmax(x, 3, 3, out);
  assert.ok(out.every(Number.isNaN));
  rowSoftmaxScaled(x, 3, 3, out, (_r, _m, s) => 1 / s);
  assert.ok(out.every(Number.isNaN));
  // four rows and more take the short rows' path: those rows between finite ones, a nan in
  // each lane position, and in the last lanes of a masked step
  const rows = [
    [1, NaN, 2],
    [0.5, 1, 2],
    [Infinity, 0, 1],
    [1, 2, 3],
    [-Infinity, -Infinity, -Infinity],
    [
      NaN,
      0,
      0,
    ],
    [0, 0, NaN],
    [3, 2, 1],
  ];
  const many = Float32Array.from(rows.flat());
  const outs = new Float32Array(many.length);
  const finite = (r: number) => rows[r].every(Number.isFinite);
  for (
    const run of [
      () => rowLogSoftmax(many, 8, 3, outs),
      () => rowSoftmaxScaled(many, 8, 3, outs, (_r, _m, s) => 1 / s),
    ]
  ) {
    run();
    for (let r = 0; r < 8; r++) {
      const row = [...outs.subarray(3 * r, 3 * r + 3)];
      assert.ok(
        finite(r) ? row.every(Number.isFinite) : row.every(Number.isNaN),
        `row ${r}: ${row}`,
      );
    }
  }
});

Deno.test("float32 log1p is within 1 ulp of the correctly rounded log1p, densely on [0, 1] (softplus's range)", () => {
  const inputs = [
    0,
    -0,
    1,
    1e-45,
    1e-40,
    1e-30,
    1e-8,
    0.5,
    NaN,
    ...sweep(0, 1, 300_001),
    ...sweep(0, 1e-6, 10_001),
  ];
  const x = new Float32Array(inputs);
  const out = new Float32Array(x.length);
  vectorMath("log1p", x, out);
  let worst = 0;
  let at = NaN;
  for (let i = 0; i < x.length; i++) {
    const u = ulps(out[i], Math.fround(Math.log1p(x[i])), true);
    if (u > worst) [worst, at] = [u, x[i]];
  }
  assert.ok(worst <= 1, `${worst} ulps at ${at}`);
  assert.ok(Object.is(out[1], -0) && out[0] === 0 && out[2] === Math.fround(Math.LN2));
});

Deno.test("softplusParts gives exp(-|x|) and its log1p, the vector kernels' bits, in the arena and out of it", () => {
  for (const n of [1, 5, 8192, 20001]) {
    const plain = Float32Array.from(
      { length: n },
      (_, i) => i < EDGES_F32.length ? EDGES_F32[i] : Math.fround(Math.sin(i * 0.37) * 30),
    );
    // from the kernel arena when large enough: read where it is
    const arena = takeStorage("float32", n, true) as Float32Array;
    arena.set(plain);
    if (n >= 20001) assert.ok(ownsBlock(arena), "the large input lives in the arena");
    const want = plain.map((v) => -Math.abs(v));
    const e = new Float32Array(n);
    vectorExp(want, e);
    // the scalar twin of the vector log1p, computed in JavaScript
    const t = e.map(log1p32);
    for (const x of [plain, arena]) {
      // an offset into the array, as the loss's blocks take it
      const start = n > 1 ? 1 : 0;
      const got = softplusParts(x, start, n - start);
      for (let i = start; i < n; i++) {
        for (const [what, a, b] of [["e", got.e[i - start], e[i]], ["t", got.t[i - start], t[i]]]) {
          if (!Object.is(a, b)) {
            assert.fail(`${what}[${i}] of ${x[i]} (n = ${n}): ${a} against ${b}`);
          }
        }
      }
    }
  }
});
