import assert from "node:assert/strict";
import { MarginRankingLoss, marginRankingLoss, tensor } from "../mod.ts";

Deno.test("marginRankingLoss() gives gradients to both inputs and a float target", () => {
  const x1 = tensor([1, 0.25, 2], { requiresGrad: true });
  const x2 = tensor([0, 0.75, 0], { requiresGrad: true });
  const y = tensor([1, 1, -1], { requiresGrad: true });
  const loss = marginRankingLoss(x1, x2, y, { margin: 0.5, reduction: "none" });
  assert.equal(loss.gradFn?.name, "ClampMinBackward0");
  assert.deepEqual(loss.toArray(), [0, 1, 2.5]);
  loss.backward(tensor([1, 1, 1]));
  assert.deepEqual(x1.grad?.toArray(), [-0, -1, 1]);
  assert.deepEqual(x2.grad?.toArray(), [0, 1, -1]);
  assert.deepEqual(y.grad?.toArray(), [-0, 0.5, -2]);
});

Deno.test("marginRankingLoss() passes the gradient at the kink, as PyTorch's clamp_min", () => {
  const x1 = tensor([1], { requiresGrad: true });
  const loss = marginRankingLoss(x1, tensor([0.5]), tensor([1]), { margin: 0.5 });
  assert.equal(loss.gradFn?.name, "MeanBackward0");
  assert.equal(loss.item(), 0);
  loss.backward();
  assert.deepEqual(x1.grad?.toArray(), [-1]);
});

Deno.test("marginRankingLoss() broadcasts tensors of the same number of dimensions", () => {
  const x1 = tensor([[1], [2]], { requiresGrad: true });
  const x2 = tensor([[0, 0, 0]], { requiresGrad: true });
  const y = tensor([[-1, -1, -1]], { dtype: "int64" });
  const loss = marginRankingLoss(x1, x2, y, { reduction: "sum" });
  assert.equal(loss.gradFn?.name, "SumBackward0");
  assert.equal(loss.item(), 9);
  loss.backward();
  assert.deepEqual(x1.grad?.toArray(), [[3], [3]]);
  assert.deepEqual(x2.grad?.toArray(), [[-2, -2, -2]]);
});

Deno.test("MarginRankingLoss keeps its options", () => {
  const loss = new MarginRankingLoss({ margin: 1, reduction: "sum" }).forward(
    tensor([0]),
    tensor([0]),
    tensor([1]),
  );
  assert.equal(loss.item(), 1);
});

Deno.test("marginRankingLoss() throws for each kind of bad input", () => {
  assert.throws(() => marginRankingLoss(tensor([1, 2]), tensor([[1, 2]]), tensor([1, 1])), {
    name: "TypeError",
    message:
      /Cannot compute marginRankingLoss as input1, input2 and target must have the same number of dimensions: input1 is \[2\], input2 is \[1, 2\], target is \[2\]/,
  });
  assert.throws(() => marginRankingLoss(tensor([1, 2]), tensor([1, 2, 3]), tensor([1, 1])), {
    name: "TypeError",
    message: /the shapes must broadcast: input1 is \[2\], input2 is \[3\], target is \[2\]/,
  });
  assert.throws(() => marginRankingLoss(tensor([1]), tensor(new Float64Array([1])), tensor([1])), {
    name: "TypeError",
    message: /input1 and input2 must have the same dtype: input1 is "float32", input2 is "float64"/,
  });
  assert.throws(() => marginRankingLoss(tensor([1]), tensor([1]), tensor([true])), {
    name: "TypeError",
    message: /target must have the input's dtype or be int64: input is "float32", target is "bool"/,
  });
  assert.throws(
    () => marginRankingLoss(tensor([1], { dtype: "int64" }), tensor([1]), tensor([1])),
    { name: "TypeError", message: /input1 must be float32 or float64: input1 dtype is "int64"/ },
  );
  assert.throws(
    () => marginRankingLoss(tensor([1]), tensor([1]), tensor([1]), { margin: "1" as never }),
    {
      name: "TypeError",
      message: /margin must be a number: current value is "1"/,
    },
  );
  assert.throws(
    () => marginRankingLoss(tensor([1]), tensor([1]), tensor([1]), { reduction: "avg" as "mean" }),
    {
      name: "RangeError",
      message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
    },
  );
  assert.throws(() => marginRankingLoss(tensor([1]), [1] as never, tensor([1])), {
    name: "TypeError",
    message: /input2 must be a Tensor: got an array/,
  });
});
