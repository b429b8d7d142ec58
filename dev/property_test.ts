/**
 * Property tests: random shapes, options and values for every op, seeded so runs repeat.
 * Each case checks (1) the float64 result against a naive float64 evaluation of PyTorch's
 * formula written here independently, and (2) the float32 result and every float32
 * gradient against the float64 ones on the same (float32-representable) inputs. A failure
 * prints fast-check's shrunk counterexample.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  crossEntropy,
  type DType,
  hingeEmbeddingLoss,
  l1Loss,
  logSoftmax,
  mseLoss,
  type NestedArray,
  nllLoss,
  type Reduction,
  softmax,
  type Tensor,
  tensor,
} from "../mod.ts";

const RUNS = { seed: 20261128, numRuns: 150 };
const value = fc.float({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true }).map(Math.fround);
const reduction = fc.constantFrom<Reduction>("none", "mean", "sum");

/** What one op computes from plain arrays, in a given dtype, with gradients of float args. */
type Run = (dtype: DType) => { out: number[]; grads: number[][] };

function floats(values: number[], shape: number[], dtype: DType): Tensor {
  return tensor(values, { shape, dtype, requiresGrad: true });
}

/** Runs `make` in a dtype, backward from gradOutput 0.5, 1.0, 1.5, ... */
function evaluate(make: (dtype: DType) => { out: Tensor; leaves: Tensor[] }): Run {
  return (dtype) => {
    const { out, leaves } = make(dtype);
    const g = Array.from({ length: out.numel }, (_, i) => 0.5 * (1 + (i % 3)));
    out.backward(tensor(g, { shape: out.shape, dtype }));
    return {
      out: (out.toArray() as number[] | number) instanceof Array ? flat(out) : [out.item()],
      grads: leaves.map((t) => (t.grad === null ? [] : flat(t.grad))),
    };
  };
}

/** Every element, row-major, as numbers. */
function flat(t: Tensor): number[] {
  const out: number[] = [];
  const walk = (x: NestedArray): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else out.push(Number(x));
  };
  walk(t.toArray());
  return out;
}

function close(
  actual: number[],
  expected: number[],
  rtol: number,
  atol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      assert.ok(Number.isNaN(e) && Number.isNaN(a), `${what}[${i}]: ${a} vs ${e}`);
      return;
    }
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what}[${i}]: ${a} vs ${e}`);
  });
}

/** float64 against the naive formula, float32 against float64. */
function check(run: Run, naive: number[]): void {
  const f64 = run("float64");
  const f32 = run("float32");
  close(f64.out, naive, 1e-9, 1e-9, "float64 output vs formula");
  close(f32.out, f64.out, 1e-5, 1e-5, "float32 output vs float64");
  f32.grads.forEach((g, k) => close(g, f64.grads[k], 1e-5, 1e-5, `float32 grad ${k} vs float64`));
}

function reduce(losses: number[], r: Reduction, denominator = losses.length): number[] {
  const s = losses.reduce((a, b) => a + b, 0);
  return r === "none" ? losses : [r === "sum" ? s : s / denominator];
}

const pairs = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(
    fc.array(value, { minLength: n, maxLength: n }),
    fc.array(value, { minLength: n, maxLength: n }),
  )
);

Deno.test("l1Loss and mseLoss: float32 and float64 agree with the formula", () => {
  fc.assert(
    fc.property(pairs, reduction, ([x, y], r) => {
      const n = [x.length];
      check(
        evaluate((d) => {
          const [a, b] = [floats(x, n, d), floats(y, n, d)];
          return { out: l1Loss(a, b, { reduction: r }), leaves: [a, b] };
        }),
        reduce(x.map((v, i) => Math.abs(v - y[i])), r),
      );
      check(
        evaluate((d) => {
          const [a, b] = [floats(x, n, d), floats(y, n, d)];
          return { out: mseLoss(a, b, { reduction: r }), leaves: [a, b] };
        }),
        reduce(x.map((v, i) => (v - y[i]) ** 2), r),
      );
    }),
    RUNS,
  );
});

Deno.test("hingeEmbeddingLoss: float32 and float64 agree with PyTorch's literal formula", () => {
  const label = fc.oneof(fc.constantFrom(1, -1), value);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }).chain((n) =>
        fc.tuple(
          fc.array(value, { minLength: n, maxLength: n }),
          fc.array(label, { minLength: n, maxLength: n }),
        )
      ),
      fc.float({ min: 0, max: 3, noNaN: true }).map(Math.fround),
      reduction,
      ([x, y], margin, r) => {
        check(
          evaluate((d) => {
            const a = floats(x, [x.length], d);
            const t = tensor(y, { dtype: d });
            return { out: hingeEmbeddingLoss(a, t, { margin, reduction: r }), leaves: [a] };
          }),
          reduce(
            x.map((v, i) => (y[i] !== 1 ? Math.max(0, margin - v) : 0) + (y[i] !== -1 ? v : 0)),
            r,
          ),
        );
      },
    ),
    RUNS,
  );
});

/** log-softmax of one row, naively in float64. */
function logSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

const classCase = fc.record({
  n: fc.integer({ min: 0, max: 5 }),
  c: fc.integer({ min: 1, max: 6 }),
}).chain(({ n, c }) =>
  fc.record({
    n: fc.constant(n),
    c: fc.constant(c),
    x: fc.array(value, { minLength: n * c, maxLength: n * c }),
    t: fc.array(fc.oneof(fc.integer({ min: 0, max: c - 1 }), fc.constant(-100)), {
      minLength: n,
      maxLength: n,
    }),
    w: fc.option(
      fc.array(fc.float({ min: Math.fround(0.1), max: 2, noNaN: true }).map(Math.fround), {
        minLength: c,
        maxLength: c,
      }),
    ),
    ls: fc.constantFrom(0, 0.1, 0.5, 1),
    r: reduction,
  })
);

Deno.test("nllLoss and crossEntropy: float32 and float64 agree with the formula", () => {
  fc.assert(
    fc.property(classCase, ({ n, c, x, t, w, ls, r }) => {
      const rows = Array.from({ length: n }, (_, i) => x.slice(i * c, i * c + c));
      const weightOf = (k: number) => (w === null ? 1 : w[k]);
      const kept = t.map((k) => k !== -100);
      const totalWeight = t.reduce((s, k) => (k === -100 ? s : s + weightOf(k)), 0);
      const target = () => tensor(t, { dtype: "int64" });
      const weight = (d: DType) => (w === null ? undefined : tensor(w, { dtype: d }));
      // nll of raw scores
      const nll = rows.map((row, i) => (kept[i] ? -row[t[i]] * weightOf(t[i]) : 0));
      check(
        evaluate((d) => {
          const a = floats(x, [n, c], d);
          return { out: nllLoss(a, target(), { weight: weight(d), reduction: r }), leaves: [a] };
        }),
        reduce(nll, r, totalWeight),
      );
      // cross-entropy: (1 - ls) * nll(lsm) + ls / C * smooth, PyTorch's composition
      const lsm = rows.map(logSoftmaxRow);
      const nllPart = reduce(
        lsm.map((row, i) => (kept[i] ? -row[t[i]] * weightOf(t[i]) : 0)),
        r,
        totalWeight,
      );
      const smoothPart = reduce(
        lsm.map((row, i) => (kept[i] ? -row.reduce((s, v, k) => s + v * weightOf(k), 0) : 0)),
        r,
        totalWeight,
      );
      const ce = nllPart.map((v, i) => (ls > 0 ? (1 - ls) * v + (ls / c) * smoothPart[i] : v));
      check(
        evaluate((d) => {
          const a = floats(x, [n, c], d);
          return {
            out: crossEntropy(a, target(), { weight: weight(d), reduction: r, labelSmoothing: ls }),
            leaves: [a],
          };
        }),
        ce,
      );
    }),
    RUNS,
  );
});

Deno.test("logSoftmax and softmax: float32 and float64 agree with the formula", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 6 }),
      fc.boolean(),
      (rowsCount, cols, lastDim) => {
        const x = Array.from(
          { length: rowsCount * cols },
          (_, i) => Math.fround(Math.sin(i * 7.3) * 6),
        );
        const rows = Array.from(
          { length: rowsCount },
          (_, i) => x.slice(i * cols, i * cols + cols),
        );
        const shape = lastDim ? [rowsCount, cols] : [cols, rowsCount];
        const input = lastDim ? x : rows[0].flatMap((_, k) => rows.map((row) => row[k]));
        const expectedRows = rows.map(logSoftmaxRow);
        const expected = lastDim
          ? expectedRows.flat()
          : expectedRows[0].flatMap((_, k) => expectedRows.map((row) => row[k]));
        const dim = lastDim ? -1 : 0;
        check(
          evaluate((d) => {
            const a = floats(input, shape, d);
            return { out: logSoftmax(a, dim), leaves: [a] };
          }),
          expected,
        );
        check(
          evaluate((d) => {
            const a = floats(input, shape, d);
            return { out: softmax(a, dim), leaves: [a] };
          }),
          expected.map(Math.exp),
        );
      },
    ),
    RUNS,
  );
});
