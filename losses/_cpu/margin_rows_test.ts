import assert from "node:assert/strict";
import {
  multilabelMarginGrad32,
  multilabelMarginRows32,
  multiMarginGrad32,
  multiMarginRows32,
} from "./margin_rows.ts";

// The float32 scalar loop the kernels replace, every step rounded with Math.fround.
function rowRef(
  x: Float32Array,
  base: number,
  dim: number,
  y: number,
  m: number,
  p: number,
  wy: number,
): number {
  const r = Math.fround;
  const c = r(m - x[base + y]);
  let sum = 0;
  for (let d = 0; d < dim; d++) {
    if (d === y) continue;
    const z = r(c + x[base + d]);
    const h = r((p === 1 ? z : r(z * z)) * wy);
    sum = r(sum + (z > 0 ? h : 0));
  }
  return sum;
}

function gradRef(
  x: Float32Array,
  base: number,
  dim: number,
  y: number,
  m: number,
  p: number,
  wy: number,
  g: number,
  s: number,
  gx: Float32Array,
): void {
  const r = Math.fround;
  const c = r(m - x[base + y]);
  const g2 = r(2 * g);
  const zero = r(0 * s);
  let gy = 0;
  for (let d = 0; d < dim; d++) {
    if (d === y) continue;
    const z = r(c + x[base + d]);
    const h = r((p === 1 ? g : r(g2 * z)) * wy);
    const on = z > 0;
    gy = r(gy - (on ? h : 0));
    gx[base + d] = on ? r(h * s) : zero;
  }
  gx[base + y] = r(gy * s);
}

function assertBitwise(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

Deno.test("multi-margin row kernels give the float32 scalar loop's bits", () => {
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-30, 3e38];
  for (const [rows, dim] of [[1, 1], [3, 7], [400, 10], [2, 20000], [3, 8193]]) {
    const x = new Float32Array(rows * dim).map((_, i) =>
      i % 89 === 7 ? specials[(i / 89 | 0) % specials.length] : 1.5 * Math.sin(i * 0.7)
    );
    const idx = new Int32Array(rows).map((_, j) => (j * 7919) % dim);
    const weight = new Float32Array(dim).map((_, c) => 0.5 + (c % 3));
    const scales = [1, -0.5, NaN];
    for (const p of [1, 2]) {
      for (const w of [null, weight]) {
        const m = Math.fround(0.7);
        const where = `${rows}x${dim} p=${p} weight=${w !== null}`;
        const sums = new Float32Array(rows);
        multiMarginRows32(x, idx, dim, m, p, w, sums);
        const want = new Float32Array(rows).map((_, j) =>
          rowRef(x, j * dim, dim, idx[j], m, p, w === null ? 1 : w[idx[j]])
        );
        assertBitwise(sums, want, `${where} sums`);
        const g = Math.fround(1 / dim);
        const scale = (j: number): number => scales[j % scales.length];
        const gx = new Float32Array(rows * dim);
        multiMarginGrad32(x, idx, dim, m, p, w, g, scale, gx);
        const gxRef = new Float32Array(rows * dim);
        for (let j = 0; j < rows; j++) {
          const wy = w === null ? 1 : w[idx[j]];
          gradRef(x, j * dim, dim, idx[j], m, p, wy, g, scale(j), gxRef);
        }
        assertBitwise(gx, gxRef, `${where} grad`);
      }
    }
  }
});

// Multilabel margin's float32 loops: targets up to the first -1, each pair's term float32.
function multilabelRef(x: Float32Array, idx: Int32Array, base: number, dim: number): {
  sum: number;
  abs: number;
} {
  const r = Math.fround;
  const isTarget = new Uint8Array(dim);
  let count = 0;
  while (count < dim && idx[base + count] >= 0) isTarget[idx[base + count++]] = 1;
  let sum = 0;
  let abs = 0;
  for (let k = 0; k < count; k++) {
    const c = r(1 - x[base + idx[base + k]]);
    for (let d = 0; d < dim; d++) {
      if (isTarget[d]) continue;
      const z = r(c + x[base + d]);
      sum += z > 0 ? z : 0;
      abs += z > 0 ? z : 0;
    }
  }
  return { sum, abs };
}

function multilabelGradRef(
  x: Float32Array,
  idx: Int32Array,
  base: number,
  dim: number,
  g: number,
  s: number,
  gx: Float32Array,
): void {
  const r = Math.fround;
  const isTarget = new Uint8Array(dim);
  let count = 0;
  while (count < dim && idx[base + count] >= 0) isTarget[idx[base + count++]] = 1;
  for (let k = 0; k < count; k++) {
    const y = base + idx[base + k];
    const c = r(1 - x[y]);
    let gy = gx[y];
    for (let d = 0; d < dim; d++) {
      if (isTarget[d]) continue;
      const step = r(c + x[base + d]) > 0 ? g : 0;
      gy = r(gy - step);
      gx[base + d] = r(gx[base + d] + step);
    }
    gx[y] = gy;
  }
  for (let d = base; d < base + dim; d++) gx[d] = r(gx[d] * s);
}

Deno.test("multilabel margin row kernels give the float32 loops' terms and gradient bits", () => {
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-30, 3e38];
  for (const [rows, dim] of [[1, 1], [4, 3], [500, 10], [2, 20000], [3, 8193]]) {
    const x = new Float32Array(rows * dim).map((_, i) =>
      i % 89 === 7 ? specials[(i / 89 | 0) % specials.length] : 1.5 * Math.sin(i * 0.7)
    );
    // per row: a few targets (a class twice now and then), then -1, then anything
    const idx = new Int32Array(rows * dim).map((_, i) => {
      const j = i % dim;
      const row = (i / dim) | 0;
      const count = row % 4;
      return j < count
        ? (row * 31 + j * 17 + (j === 2 ? -17 : 0)) % dim
        : j === count
        ? -1
        : j % dim;
    });
    const sums = new Float64Array(rows);
    multilabelMarginRows32(x, idx, dim, sums);
    for (let j = 0; j < rows; j++) {
      const want = multilabelRef(x, idx, j * dim, dim);
      const close = Object.is(sums[j], want.sum) ||
        Math.abs(sums[j] - want.sum) <= 1e-12 * want.abs;
      assert.ok(close, `${rows}x${dim} sums[${j}]: ${sums[j]} vs ${want.sum}`);
    }
    const g = Math.fround(1 / dim);
    const scale = (j: number): number => [1, -0.5, NaN][j % 3];
    const gx = new Float32Array(rows * dim);
    multilabelMarginGrad32(x, idx, dim, g, scale, gx);
    const gxRef = new Float32Array(rows * dim);
    for (let j = 0; j < rows; j++) multilabelGradRef(x, idx, j * dim, dim, g, scale(j), gxRef);
    assertBitwise(gx, gxRef, `${rows}x${dim} grad`);
  }
});
