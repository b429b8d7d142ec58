import assert from "node:assert/strict";
import {
  abs,
  mean,
  pairwiseDistance,
  pow,
  sqrt,
  sub,
  sum,
  type Tensor,
  tensor,
  TripletMarginWithDistanceLoss,
  tripletMarginWithDistanceLoss,
} from "../mod.ts";

Deno.test("tripletMarginWithDistanceLoss() defaults to pairwiseDistance and names torch's nodes", () => {
  const a = tensor([[0, 0], [1, 2]], { requiresGrad: true });
  const p = tensor([[1, 0], [1, 1]], { requiresGrad: true });
  const n = tensor([[0, 3], [2, 2]], { requiresGrad: true });
  const loss = tripletMarginWithDistanceLoss(a, p, n, { reduction: "none" });
  assert.equal(loss.gradFn?.name, "ClampBackward1");
  const expected = [0, 1].map((i) => {
    const dp = pairwiseDistance(a, p).toArray() as number[];
    const dn = pairwiseDistance(a, n).toArray() as number[];
    return Math.fround(Math.max(0, Math.fround(Math.fround(dp[i] - dn[i]) + 1)));
  });
  assert.deepEqual(loss.toArray(), expected);
  assert.equal(tripletMarginWithDistanceLoss(a, p, n).gradFn?.name, "MeanBackward0");
});

Deno.test("tripletMarginWithDistanceLoss() runs gradients through a custom distance", () => {
  const squared = (x: Tensor, y: Tensor) => sum(pow(sub(x, y), 2), { dim: -1 });
  const a = tensor([[0, 0]], { dtype: "float64", requiresGrad: true });
  const p = tensor([[1, 1]], { dtype: "float64", requiresGrad: true });
  const n = tensor([[2, 0]], { dtype: "float64", requiresGrad: true });
  const loss = tripletMarginWithDistanceLoss(a, p, n, {
    distanceFunction: squared,
    margin: 3,
    reduction: "sum",
  });
  assert.equal(loss.item(), 1); // 2 - 4 + 3
  loss.backward();
  assert.deepEqual(a.grad?.toArray(), [[2, -2]]); // 2(a - p) - 2(a - n)
  assert.deepEqual(p.grad?.toArray(), [[2, 2]]);
  assert.deepEqual(n.grad?.toArray(), [[-4, 0]]);
});

Deno.test("tripletMarginWithDistanceLoss() keeps PyTorch's nan gradient of sqrt at a zero distance", () => {
  const euclidean = (x: Tensor, y: Tensor) => sqrt(sum(pow(sub(x, y), 2), { dim: -1 }));
  const a = tensor([[1, 2]], { requiresGrad: true });
  const loss = tripletMarginWithDistanceLoss(a, a, tensor([[1, 3]]), {
    distanceFunction: euclidean,
    margin: 2,
  });
  assert.equal(loss.item(), 1);
  loss.backward();
  assert.ok((a.grad?.toArray() as number[][])[0].every(Number.isNaN));
});

Deno.test("TripletMarginWithDistanceLoss keeps its options", () => {
  const l1 = (x: Tensor, y: Tensor) => mean(abs(sub(x, y)), { dim: -1 });
  const loss = new TripletMarginWithDistanceLoss({ distanceFunction: l1, swap: true });
  const out = loss.forward(tensor([[0, 0]]), tensor([[2, 2]]), tensor([[4, 0]]));
  assert.equal(out.item(), 1); // max(0, 2 - min(2, 2) + 1)
});

Deno.test("tripletMarginWithDistanceLoss() throws for each kind of bad input", () => {
  const fn = "tripletMarginWithDistanceLoss";
  const x = tensor([[1, 2], [3, 4]]);
  assert.throws(() => tripletMarginWithDistanceLoss(x, x, x, { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: new RegExp(`Cannot compute ${fn} as reduction must be "none", "mean" or "sum"`),
  });
  assert.throws(() => tripletMarginWithDistanceLoss(x, x, x, { distanceFunction: 5 as never }), {
    name: "TypeError",
    message: /distanceFunction must be a function of two tensors or null: current value is 5/,
  });
  assert.throws(
    () => tripletMarginWithDistanceLoss(x, x, x, { distanceFunction: () => 1 as never }),
    { name: "TypeError", message: /distanceFunction must return a Tensor: got 1/ },
  );
  assert.throws(
    () =>
      tripletMarginWithDistanceLoss(tensor([[0, 0]]), tensor([[1, 2], [3, 4], [5, 6]]), x, {
        distanceFunction: (a, b) => sum(sub(a, b), { dim: -1 }),
      }),
    {
      name: "TypeError",
      message:
        /the shapes must broadcast: d\(anchor, positive\) is \[3\], d\(anchor, negative\) is \[2\]/,
    },
  );
  assert.throws(() => tripletMarginWithDistanceLoss(x, x, tensor([[1, 2, 3]])), {
    name: "TypeError",
    message: /the shapes must broadcast: anchor is \[2, 2\], negative is \[1, 3\]/,
  });
  assert.throws(
    () => tripletMarginWithDistanceLoss(tensor([true]), tensor([true]), tensor([true])),
    {
      name: "TypeError",
      message: /anchor must be float32, float64 or int64: anchor dtype is "bool"/,
    },
  );
  assert.throws(() => tripletMarginWithDistanceLoss(x, x, x, { margin: null as never }), {
    name: "TypeError",
    message: /margin must be a number: current value is null/,
  });
  assert.throws(() => tripletMarginWithDistanceLoss(x, x, x, { swap: "yes" as never }), {
    name: "TypeError",
    message: /swap must be a boolean: current value is "yes"/,
  });
  assert.throws(() => tripletMarginWithDistanceLoss(x, null as never, x), {
    name: "TypeError",
    message: /positive must be a Tensor: got null/,
  });
});

Deno.test("tripletMarginWithDistanceLoss() default (one node over rows) equals pairwiseDistance's composite", () => {
  let s = 3;
  const values = (n: number) =>
    Array.from({ length: n }, () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32 * 4 - 2;
    });
  for (const dtype of ["float32", "float64"] as const) {
    for (const [n, d] of [[3, 1], [4, 5], [6, 8], [2, 13]]) {
      for (const swap of [false, true]) {
        for (const reduction of ["none", "mean", "sum"] as const) {
          const data = [values(n * d), values(n * d), values(n * d)];
          const g = values(n);
          const run = (custom: boolean) => {
            const [a, p, ng] = data.map((v) =>
              tensor(v, { shape: [n, d], dtype, requiresGrad: true })
            );
            const loss = tripletMarginWithDistanceLoss(a, p, ng, {
              swap,
              reduction,
              distanceFunction: custom ? (x, y) => pairwiseDistance(x, y) : undefined,
            });
            loss.backward(reduction === "none" ? tensor(g, { dtype }) : undefined);
            return [loss, a.grad, p.grad, ng.grad].map((t) => t?.toArray());
          };
          assert.deepEqual(run(false), run(true));
        }
      }
    }
  }
});
