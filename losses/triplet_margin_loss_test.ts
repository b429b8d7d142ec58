import assert from "node:assert/strict";
import { tensor, TripletMarginLoss, tripletMarginLoss } from "../mod.ts";

const f64 = (data: number[][], requiresGrad = false) =>
  tensor(data, { dtype: "float64", requiresGrad });

Deno.test("tripletMarginLoss() passes the gradient at the hinge's kink and names torch's nodes", () => {
  const a = f64([[0, 0]], true);
  const p = f64([[1, 0]], true);
  const n = f64([[2, 0]], true);
  const loss = tripletMarginLoss(a, p, n, { eps: 0, reduction: "sum" });
  assert.equal(loss.item(), 0); // 1 + 1 - 2
  assert.equal(loss.gradFn?.name, "SumBackward0");
  loss.backward();
  assert.deepEqual(a.grad?.toArray(), [[0, 0]]);
  assert.deepEqual(p.grad?.toArray(), [[1, -0]]);
  assert.deepEqual(n.grad?.toArray(), [[-1, 0]]);
  assert.equal(tripletMarginLoss(a, p, n, { reduction: "none" }).gradFn?.name, "ClampMinBackward0");
  assert.equal(tripletMarginLoss(a, p, n).gradFn?.name, "MeanBackward0");
});

Deno.test("tripletMarginLoss() with swap splits a tie between the two negative distances", () => {
  const a = f64([[1, 0]], true);
  const p = f64([[-1, 0]], true);
  const n = f64([[0, 3]], true);
  tripletMarginLoss(a, p, n, { eps: 0, swap: true, margin: 5, reduction: "sum" }).backward();
  const s = 1 / Math.sqrt(10);
  // d(a, p) pulls a and p together; each of d(a, n) and d(p, n) gets half of -1.
  assert.deepEqual(a.grad?.toArray(), [[1 - 0.5 * s, 0.5 * 3 * s]]);
  assert.deepEqual(p.grad?.toArray(), [[-1 + 0.5 * s, 0.5 * 3 * s]]);
});

Deno.test("tripletMarginLoss() takes unbatched, 0-d and empty inputs as PyTorch", () => {
  const v = tensor([1, 2, 3]);
  assert.deepEqual(tripletMarginLoss(v, v, v, { reduction: "none" }).shape, []);
  const s = tensor(1.5);
  assert.deepEqual(tripletMarginLoss(s, s, s, { reduction: "none" }).shape, []);
  const e = tensor([], { shape: [0, 4] });
  assert.ok(Number.isNaN(tripletMarginLoss(e, e, e).item()));
  assert.equal(tripletMarginLoss(e, e, e, { reduction: "sum" }).item(), 0);
  const z = tensor([], { shape: [2, 0] });
  assert.deepEqual(tripletMarginLoss(z, z, z, { reduction: "none" }).toArray(), [1, 1]);
});

Deno.test("TripletMarginLoss keeps its options", () => {
  const loss = new TripletMarginLoss({ margin: 0.5, p: 1, eps: 0 });
  assert.equal(loss.forward(f64([[0, 0]]), f64([[1, 1]]), f64([[0, 1]])).item(), 1.5);
});

Deno.test("tripletMarginLoss() throws for each kind of bad input", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.throws(() => tripletMarginLoss(x, x, tensor([1, 2])), {
    name: "TypeError",
    message:
      /Cannot compute tripletMarginLoss as anchor, positive and negative must have the same number of dimensions: anchor is 2-d, positive is 2-d, negative is 1-d/,
  });
  assert.throws(() => tripletMarginLoss(x, tensor([[1, 2, 3]]), x), {
    name: "TypeError",
    message: /the shapes must broadcast: anchor is \[2, 2\], positive is \[1, 3\]/,
  });
  assert.throws(
    () => tripletMarginLoss(tensor([[1, 2]]), tensor([[1, 2], [3, 4], [5, 6]]), x),
    {
      name: "TypeError",
      message:
        /the shapes must broadcast: d\(anchor, positive\) is \[3\], d\(anchor, negative\) is \[2\]/,
    },
  );
  assert.throws(
    () => tripletMarginLoss(x, x, tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] })),
    {
      name: "TypeError",
      message:
        /anchor and negative must have the same dtype: anchor is "float32", negative is "float64"/,
    },
  );
  assert.throws(() => tripletMarginLoss(tensor([true]), tensor([true]), tensor([true])), {
    name: "TypeError",
    message: /anchor must be float32, float64 or int64: anchor dtype is "bool"/,
  });
  assert.throws(() => tripletMarginLoss(x, x, x, { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
  assert.throws(() => tripletMarginLoss(x, x, x, { margin: "1" as never }), {
    name: "TypeError",
    message: /Cannot compute tripletMarginLoss as margin must be a number: current value is "1"/,
  });
  assert.throws(() => tripletMarginLoss(x, x, x, { p: null as never }), {
    name: "TypeError",
    message: /p must be a number: current value is null/,
  });
  assert.throws(() => tripletMarginLoss(x, x, x, { swap: 1 as never }), {
    name: "TypeError",
    message: /swap must be a boolean: current value is 1/,
  });
  assert.throws(() => tripletMarginLoss(x, x, [1] as never), {
    name: "TypeError",
    message: /negative must be a Tensor: got an array/,
  });
});

/** Seeded values in [-2, 2), with a nan, an inf and a few tiny ones. */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, (_v, i) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const u = s / 2 ** 32;
    if (i === 7) return NaN;
    if (i === 11) return Infinity;
    return (u * 4 - 2) * (i % 9 === 4 ? 1e-20 : 1);
  });
}

/** Elements equal, or within `rtol` (float64 sums may add in another order), nan equal to nan. */
function assertClose(got: unknown, want: unknown, rtol: number): void {
  const g = ([got] as unknown[]).flat(Infinity) as number[];
  const w = ([want] as unknown[]).flat(Infinity) as number[];
  assert.equal(g.length, w.length);
  g.forEach((x, i) => {
    const y = w[i];
    if (Object.is(x, y) || x === y || (x !== x && y !== y)) return;
    assert.ok(Math.abs(x - y) <= rtol * Math.abs(y), `element ${i}: ${x} vs ${y}`);
  });
}

Deno.test("tripletMarginLoss() of one shape (one node over rows) equals the broadcast composite", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [n, d] of [[3, 1], [4, 5], [5, 8], [2, 13], [0, 4]]) {
      for (const swap of [false, true]) {
        for (const reduction of ["none", "mean", "sum"] as const) {
          const a = values(n * d, 1);
          const row = values(d, 2).map((v) => Number.isFinite(v) ? v : 0.5);
          const neg = values(n * d, 3);
          const run = (positive: number[], shape: number[]) => {
            const anchor = tensor(a, { shape: [n, d], dtype, requiresGrad: true });
            const p = tensor(positive, { shape, dtype, requiresGrad: true });
            const negative = tensor(neg, { shape: [n, d], dtype, requiresGrad: true });
            const loss = tripletMarginLoss(anchor, p, negative, { swap, reduction, margin: 0.7 });
            const g = values(n, 4).map((v) => Number.isFinite(v) ? v : 1);
            loss.backward(reduction === "none" ? tensor(g, { shape: [n], dtype }) : undefined);
            return { loss, anchor, negative, p };
          };
          // a positive row of [1, D] broadcasts (the composite); repeated, it is one shape
          const composite = run(row, [1, d]);
          const fused = run(Array.from({ length: n }, () => row).flat(), [n, d]);
          const rtol = dtype === "float32" ? 1e-6 : 1e-12;
          assert.equal(fused.loss.gradFn?.name, composite.loss.gradFn?.name);
          assertClose(fused.loss.toArray(), composite.loss.toArray(), rtol);
          assertClose(fused.anchor.grad?.toArray(), composite.anchor.grad?.toArray(), rtol);
          assertClose(fused.negative.grad?.toArray(), composite.negative.grad?.toArray(), rtol);
        }
      }
    }
  }
});

Deno.test("tripletMarginLoss() hands over the gradients made in the forward pass once, then recomputes", () => {
  const data = [values(12, 5), values(12, 6), values(12, 7)].map((v) => v.map((x) => x || 0.5));
  const leaves = () => data.map((v) => tensor(v, { shape: [3, 4], requiresGrad: true }));
  const [a, p, n] = leaves();
  const loss = tripletMarginLoss(a, p, n, { reduction: "sum" });
  loss.backward(undefined, { retainGraph: true });
  const once = a.grad?.toArray() as number[][];
  loss.backward(undefined, { retainGraph: true });
  // the second call recomputes: the same gradient again, added
  assertClose(a.grad?.toArray(), once.map((row) => row.map((v) => Math.fround(v + v))), 0);
  const [a2, p2, n2] = leaves();
  const loss2 = tripletMarginLoss(a2, p2, n2, { reduction: "sum" });
  loss2.backward(tensor(2));
  assertClose(a2.grad?.toArray(), once.map((row) => row.map((v) => Math.fround(2 * v))), 0);
});
