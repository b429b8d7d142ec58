import assert from "node:assert/strict";
import { pairwiseDistance, tensor } from "../mod.ts";

Deno.test("pairwiseDistance() adds eps to the difference, not to the norm", () => {
  const x = tensor([[1, 2, 3, 4]], { dtype: "float64" });
  const d = pairwiseDistance(x, x);
  assert.equal(d.gradFn, null);
  assert.ok(Math.abs(d.item() - 2e-6) < 1e-20); // eps * sqrt(4)
});

Deno.test("pairwiseDistance() follows PyTorch's float32 overflow and underflow", () => {
  const x = tensor([[3e19, 3e19], [1e-30, 0]], { requiresGrad: true });
  const d = pairwiseDistance(x, tensor([[0, 0], [0, 0]]), { eps: 0 });
  assert.deepEqual(d.toArray(), [Infinity, 0]);
  assert.equal(d.gradFn?.name, "NormBackward1");
  d.backward(tensor([1, 1]));
  assert.deepEqual(x.grad?.toArray(), [[0, 0], [0, 0]]);
});

Deno.test("pairwiseDistance() shares the max's gradient for p = inf and gives none for p = 0", () => {
  const x = tensor([[2, -2, 1]], { requiresGrad: true });
  const zero = tensor([[0, 0, 0]]);
  pairwiseDistance(x, zero, { p: Infinity, eps: 0 }).backward(tensor([1]));
  assert.deepEqual(x.grad?.toArray(), [[0.5, -0.5, 0]]);
  const y = tensor([[2, -2, 1]], { requiresGrad: true });
  const d = pairwiseDistance(y, zero, { p: 0, eps: 0 });
  assert.equal(d.item(), 3);
  d.backward(tensor([1]));
  assert.equal(y.grad, null);
});

Deno.test("pairwiseDistance() takes int64 inputs and gives float32, as PyTorch", () => {
  const d = pairwiseDistance(
    tensor([[3, 0]], { dtype: "int64" }),
    tensor([[0, 4]], { dtype: "int64" }),
    { eps: 0 },
  );
  assert.equal(d.dtype, "float32");
  assert.deepEqual(d.toArray(), [5]);
});

Deno.test("pairwiseDistance() throws for each kind of bad input", () => {
  assert.throws(() => pairwiseDistance(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message:
      /Cannot compute pairwiseDistance as the shapes must broadcast: x1 is \[2\], x2 is \[3\]/,
  });
  assert.throws(() => pairwiseDistance(tensor([true]), tensor([true])), {
    name: "TypeError",
    message: /x1 must be float32, float64 or int64: x1 dtype is "bool"/,
  });
  assert.throws(() => pairwiseDistance(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /x1 and x2 must have the same dtype: x1 is "float32", x2 is "float64"/,
  });
  assert.throws(() => pairwiseDistance(tensor([1]), tensor([1]), { p: "2" as never }), {
    name: "TypeError",
    message: /Cannot compute pairwiseDistance as p must be a number: current value is "2"/,
  });
  assert.throws(() => pairwiseDistance(tensor([1]), tensor([1]), { eps: null as never }), {
    name: "TypeError",
    message: /eps must be a number: current value is null/,
  });
  assert.throws(() => pairwiseDistance(tensor([1]), tensor([1]), { keepdim: 1 as never }), {
    name: "TypeError",
    message: /keepdim must be a boolean: current value is 1/,
  });
  assert.throws(() => pairwiseDistance(tensor([1]), 1 as never), {
    name: "TypeError",
    message: /Cannot compute pairwiseDistance as x2 must be a Tensor: got 1/,
  });
});

Deno.test("pairwiseDistance() of one shape (p = 2 row kernels) equals the broadcast path", () => {
  let s = 5;
  const values = (n: number) =>
    Array.from({ length: n }, () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32 * 4 - 2;
    });
  for (const dtype of ["float32", "float64"] as const) {
    for (const [n, d] of [[3, 1], [4, 5], [6, 8], [2, 13], [3, 0]]) {
      for (const keepdim of [false, true]) {
        const a = values(n * d);
        const row = values(d);
        const g = values(n);
        const run = (other: number[], shape: number[]) => {
          const x1 = tensor(a, { shape: [n, d], dtype, requiresGrad: true });
          const x2 = tensor(other, { shape, dtype });
          const out = pairwiseDistance(x1, x2, { keepdim });
          out.backward(tensor(g, { shape: out.shape, dtype }));
          return { out, x1 };
        };
        const broadcast = run(row, [1, d]);
        const same = run(Array.from({ length: n }, () => row).flat(), [n, d]);
        assert.deepEqual(same.out.shape, broadcast.out.shape);
        const rtol = dtype === "float32" ? 1e-6 : 1e-12;
        for (
          const [got, want] of [
            [same.out.toArray(), broadcast.out.toArray()],
            [same.x1.grad?.toArray(), broadcast.x1.grad?.toArray()],
          ]
        ) {
          const x = ([got] as unknown[]).flat(Infinity) as number[];
          const w = ([want] as unknown[]).flat(Infinity) as number[];
          assert.equal(x.length, w.length);
          x.forEach((v, i) =>
            assert.ok(Math.abs(v - w[i]) <= rtol * Math.abs(w[i]), `${v} vs ${w[i]}`)
          );
        }
      }
    }
  }
});
