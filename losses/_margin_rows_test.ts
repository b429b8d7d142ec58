import assert from "node:assert/strict";
import { multiMarginGrad32, multiMarginRows32 } from "./_margin_rows.ts";

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
