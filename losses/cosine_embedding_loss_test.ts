import assert from "node:assert/strict";
import { CosineEmbeddingLoss, cosineEmbeddingLoss, tensor } from "../mod.ts";

const f64 = (v: number[][] | number[]) => tensor(v as number[], { dtype: "float64" });

Deno.test("cosineEmbeddingLoss() gives both inputs gradients and ignores other targets", () => {
  const a = tensor([[3, 4], [1, 0], [1, 0]], { requiresGrad: true, dtype: "float64" });
  const b = tensor([[3, 4], [0, 1], [1, 1]], { requiresGrad: true, dtype: "float64" });
  const loss = cosineEmbeddingLoss(a, b, tensor([1, -1, 0]), { reduction: "none" });
  assert.equal(loss.gradFn?.name, "AddBackward0");
  const [same, orthogonal, ignored] = loss.toArray() as number[];
  assert.ok(Math.abs(same) < 1e-12); // 1 - 25 / (25 + 1e-12)
  assert.equal(orthogonal, 0); // cos = 0 sits on the kink of max(0, cos - 0)
  assert.equal(ignored, 0);
  loss.backward(f64([1, 1, 1]));
  const ga = a.grad?.toArray() as number[][];
  assert.deepEqual(ga[2], [0, 0]);
  // the kink passes the gradient: d cos / d a = b / (|a||b|), the norms carrying the 1e-12
  assert.equal(ga[1][0], 0);
  assert.ok(Math.abs(ga[1][1] - 1) < 1e-11);
  assert.ok(b.grad !== null);
});

Deno.test("cosineEmbeddingLoss() of a zero vector: cos 0, finite gradient from the 1e-12", () => {
  const a = tensor([0, 0], { requiresGrad: true, dtype: "float64" });
  const loss = new CosineEmbeddingLoss().forward(a, f64([3, 4]), tensor(1));
  assert.equal(loss.item(), 1);
  loss.backward();
  const g = a.grad?.toArray() as number[];
  assert.ok(Math.abs(g[0] / -0.6e6 - 1) < 1e-9 && Math.abs(g[1] / -0.8e6 - 1) < 1e-9);
});

Deno.test("cosineEmbeddingLoss() throws for each kind of bad input", () => {
  const x = tensor([[1, 2], [3, 4]]);
  const t = tensor([1, -1]);
  assert.throws(() => cosineEmbeddingLoss(x, x, tensor([[1, -1]])), {
    name: "TypeError",
    message: /Cannot compute cosineEmbeddingLoss as target must be 0-d or 1-d: target is \[1, 2\]/,
  });
  assert.throws(() => cosineEmbeddingLoss(tensor([1, 2]), tensor([1, 2]), t), {
    name: "TypeError",
    message: /inputs must be 2-d for a 1-d target: input1 is \[2\], input2 is \[2\]/,
  });
  assert.throws(() => cosineEmbeddingLoss(x, x, tensor(1)), {
    name: "TypeError",
    message: /inputs must be 1-d for a 0-d target: input1 is \[2, 2\], input2 is \[2, 2\]/,
  });
  assert.throws(() => cosineEmbeddingLoss(x, tensor([[1, 2, 3]]), t), {
    name: "TypeError",
    message: /the shapes must broadcast: input1 is \[2, 2\], input2 is \[1, 3\]/,
  });
  assert.throws(() => cosineEmbeddingLoss(x, x, tensor([1, -1, 1])), {
    name: "TypeError",
    message: /target must have one value per pair \(2\) or broadcast to it: target is \[3\]/,
  });
  assert.throws(
    () => cosineEmbeddingLoss(x, tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }), t),
    {
      name: "TypeError",
      message:
        /input1 and input2 must have the same dtype: input1 is "float32", input2 is "float64"/,
    },
  );
  assert.throws(() => cosineEmbeddingLoss(tensor([[1]], { dtype: "int64" }), tensor([[1]]), t), {
    name: "TypeError",
    message: /input1 must be float32 or float64: input1 dtype is "int64"/,
  });
  assert.throws(() => cosineEmbeddingLoss(x, x, t, { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
  assert.throws(() => cosineEmbeddingLoss(x, x, [1, -1] as never), {
    name: "TypeError",
    message: /target must be a Tensor: got an array/,
  });
});

Deno.test("cosineEmbeddingLoss() of one shape (row kernels) equals the broadcast path", () => {
  let s = 9;
  const values = (n: number) =>
    Array.from({ length: n }, (_v, i) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return i === 5 ? 0 : s / 2 ** 32 * 4 - 2;
    });
  for (const dtype of ["float32", "float64"] as const) {
    for (const [n, d] of [[3, 1], [4, 5], [6, 8], [2, 13]]) {
      for (const reduction of ["none", "mean", "sum"] as const) {
        const a = values(n * d);
        const row = values(d);
        const y = tensor(Array.from({ length: n }, (_v, i) => [1, -1, 0][i % 3]));
        const g = values(n);
        const run = (other: number[], shape: number[]) => {
          const x1 = tensor(a, { shape: [n, d], dtype, requiresGrad: true });
          const x2 = tensor(other, { shape, dtype, requiresGrad: true });
          const loss = cosineEmbeddingLoss(x1, x2, y, { reduction, margin: -0.2 });
          loss.backward(reduction === "none" ? tensor(g, { dtype }) : undefined);
          return { loss, x1 };
        };
        const broadcast = run(row, [1, d]);
        const same = run(Array.from({ length: n }, () => row).flat(), [n, d]);
        // float64 sums in another order: the float32 results may differ in the last bit
        const tol = dtype === "float32" ? 1e-6 : 1e-12;
        for (
          const [got, want] of [
            [same.loss.toArray(), broadcast.loss.toArray()],
            [same.x1.grad?.toArray(), broadcast.x1.grad?.toArray()],
          ]
        ) {
          const g = ([got] as unknown[]).flat(Infinity) as number[];
          const w = ([want] as unknown[]).flat(Infinity) as number[];
          assert.equal(g.length, w.length);
          g.forEach((x, i) =>
            assert.ok(Math.abs(x - w[i]) <= tol * Math.max(1, Math.abs(w[i])), `${x} vs ${w[i]}`)
          );
        }
      }
    }
  }
});
