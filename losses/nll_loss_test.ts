import assert from "node:assert/strict";
import { NLLLoss, nllLoss, tensor } from "../mod.ts";

const logProbs = () => tensor([[-1, -2, -3], [-0.5, -1.5, -2.5]], { requiresGrad: true });

Deno.test("nllLoss() weighs the mean by the kept targets' weights", () => {
  const x = logProbs();
  const weight = tensor([1, 2, 3]);
  const loss = nllLoss(x, tensor([1, 2], { dtype: "int64" }), { weight });
  assert.equal(loss.item(), Math.fround((2 * 2 + 3 * 2.5) / 5));
  loss.backward();
  assert.deepEqual(
    x.grad?.toArray(),
    [[0, -2 / 5, 0], [0, 0, -3 / 5]].map((r) => r.map(Math.fround)),
  );
});

Deno.test("nllLoss() gives nan and zero gradients when every target is ignored", () => {
  const x = logProbs();
  const loss = nllLoss(x, tensor([-100, -100], { dtype: "int64" }));
  assert.ok(Number.isNaN(loss.item()));
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [[0, 0, 0], [0, 0, 0]]);
});

Deno.test("nllLoss() takes K-dimensional input and unbatched input", () => {
  const x = tensor([[[-1, -2], [-3, -4]]]); // (N=1, C=2, d1=2)
  const loss = nllLoss(x, tensor([[1, 0]], { dtype: "int64" }), { reduction: "none" });
  assert.deepEqual(loss.toArray(), [[3, 2]]);
  assert.equal(nllLoss(tensor([-1, -2]), tensor(1, { dtype: "int64" })).item(), 2);
});

Deno.test("NLLLoss keeps its options", () => {
  const loss = new NLLLoss({ ignoreIndex: 0 }).forward(
    tensor([[-1, -2], [-3, -4]]),
    tensor([0, 1], { dtype: "int64" }),
  );
  assert.equal(loss.item(), 4);
});

Deno.test("nllLoss() throws for each kind of bad input", () => {
  const x = tensor([[-1, -2, -3]]);
  assert.throws(() => nllLoss(x, tensor([1])), {
    name: "TypeError",
    message:
      /Cannot compute nllLoss as target must hold int64 class indices: target dtype is "float32"; make class indices with tensor\(data, \{ dtype: "int64" \}\)/,
  });
  assert.throws(() => nllLoss(x, tensor([3], { dtype: "int64" })), {
    name: "RangeError",
    message: /target values must be in \[0, 3\) or equal ignoreIndex \(-100\): target\[0\] is 3/,
  });
  assert.throws(() => nllLoss(x, tensor([0, 1], { dtype: "int64" })), {
    name: "TypeError",
    message: /target must have shape \[1\] for this input: input is \[1, 3\], target is \[2\]/,
  });
  assert.throws(() => nllLoss(tensor(1), tensor(0, { dtype: "int64" })), {
    name: "TypeError",
    message: /input must have 1 or more dimensions: input is \[\]/,
  });
  assert.throws(() => nllLoss(x, tensor([0], { dtype: "int64" }), { weight: tensor([1, 1]) }), {
    name: "TypeError",
    message: /weight must have one element per class \(3\): weight is \[2\]/,
  });
  assert.throws(
    () => nllLoss(x, tensor([0], { dtype: "int64" }), { weight: tensor(new Float64Array(3)) }),
    { name: "TypeError", message: /input and weight must have the same dtype/ },
  );
  assert.throws(
    () =>
      nllLoss(x, tensor([0], { dtype: "int64" }), {
        weight: tensor([1, 1, 1], { requiresGrad: true }),
      }),
    { name: "TypeError", message: /weight cannot take a gradient, as in PyTorch/ },
  );
  assert.throws(() => nllLoss(x, tensor([0], { dtype: "int64" }), { ignoreIndex: 0.5 }), {
    name: "RangeError",
    message: /ignoreIndex must be an integer: current value is 0.5/,
  });
  assert.throws(() => nllLoss(x, tensor([0], { dtype: "int64" }), { reduction: "avg" as "sum" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
});

Deno.test("nllLoss() mean and sum read the target in one pass: they fold the per-sample losses", () => {
  // (N, C, d) with a weight, an ignored target, and an ignoreIndex past int32
  const x = tensor([[[-1, -2], [-3, -4], [-5, -6]], [[-0.5, -1.5], [-2.5, -3.5], [-4.5, -5.5]]]);
  const weight = tensor([0.5, 2, 3]);
  for (const ignoreIndex of [1, 2 ** 40]) {
    const target = tensor([[2, 1], [ignoreIndex, 0]], { dtype: "int64" });
    const opts = { weight, ignoreIndex };
    const each = Array.from(
      nllLoss(x, target, { ...opts, reduction: "none" }).toArray() as number[][],
    ).flat();
    const kept = [[2, 1], [ignoreIndex, 0]].flat().map((t) =>
      t === ignoreIndex ? 0 : [0.5, 2, 3][t]
    );
    const sum = each.reduce((a, b) => a + b, 0);
    assert.equal(nllLoss(x, target, { ...opts, reduction: "sum" }).item(), Math.fround(sum));
    assert.equal(
      nllLoss(x, target, opts).item(),
      Math.fround(Math.fround(sum) / kept.reduce((a, b) => a + b, 0)),
    );
  }
  // targets past int32 and below 0 are rejected with their index
  for (const bad of [-1n, 2n ** 33n, -(2n ** 40n)]) {
    assert.throws(
      () => nllLoss(x, tensor(new BigInt64Array([0n, 1n, 0n, bad]), { shape: [2, 2] })),
      {
        name: "RangeError",
        message: new RegExp(`target\\[1, 1\\] is ${bad}`),
      },
    );
  }
});

Deno.test("nllLoss()'s gradient is the same before and after an ignored target", () => {
  // rows before the first target that is not a plain class go one way, the rest another
  const rows = [[-1, -2, -3], [-4, -5, -6], [-7, -8, -9], [-1, -1, -1], [-2, -2, -2]];
  const target = tensor([0, 2, -100, 1, 2], { dtype: "int64" });
  for (const reduction of ["mean", "sum"] as const) {
    const x = tensor(rows, { requiresGrad: true });
    const loss = nllLoss(x, target, { reduction });
    assert.equal(loss.item(), (1 + 6 + 1 + 2) / (reduction === "mean" ? 4 : 1));
    loss.backward();
    const g = reduction === "mean" ? Math.fround(-1 / 4) : -1;
    assert.deepEqual(x.grad?.toArray(), [[g, 0, 0], [0, 0, g], [0, 0, 0], [0, g, 0], [0, 0, g]]);
  }
  // a target out of range after plain ones is an error
  assert.throws(
    () => nllLoss(tensor(rows), tensor([0, 1, 2, 3, 0], { dtype: "int64" })),
    /nllLoss as target values must be in \[0, 3\) or equal ignoreIndex \(-100\): target\[3\] is 3/,
  );
});
