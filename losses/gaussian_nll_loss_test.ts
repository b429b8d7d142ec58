import assert from "node:assert/strict";
import { GaussianNLLLoss, gaussianNllLoss, tensor } from "../mod.ts";

const f64 = (data: number[] | number[][], requiresGrad = false) =>
  tensor(data, { dtype: "float64", requiresGrad });

Deno.test("gaussianNllLoss() takes var with one fewer dimension and gives it its gradient", () => {
  const x = f64([[1, 3], [0, 0]], true);
  const y = f64([[0, 0], [0, 0]]);
  const v = f64([1, 2], true);
  const loss = gaussianNllLoss(x, y, v, { reduction: "sum" });
  assert.equal(loss.gradFn?.name, "SumBackward0");
  assert.equal(loss.item(), 0.5 * (1 + 9) + Math.log(2));
  loss.backward();
  assert.deepEqual(v.grad?.shape, [2]);
  assert.deepEqual(v.grad?.toArray(), [0.5 * ((1 - 1) + (1 - 9)), 0.5 * 2 * (1 / 2)]);
  assert.deepEqual(x.grad?.toArray(), [[1, 3], [0, 0]]);
});

Deno.test("gaussianNllLoss() clamps var at eps outside autograd, as PyTorch", () => {
  const v = f64([0], true);
  const loss = gaussianNllLoss(f64([1]), f64([0]), v, { eps: 0.5, reduction: "none" });
  assert.equal(loss.gradFn?.name, "MulBackward0");
  assert.deepEqual(loss.toArray(), [0.5 * (Math.log(0.5) + 2)]);
  loss.backward(f64([1]));
  // The gradient at the clamped value 0.5, not 0: 0.5 * (1 / 0.5 - 1 / 0.25).
  assert.deepEqual(v.grad?.toArray(), [-1]);
});

Deno.test("GaussianNLLLoss adds 0.5 log(2 pi) with full", () => {
  const loss = new GaussianNLLLoss({ full: true }).forward(f64([1]), f64([1]), f64([1]));
  assert.equal(loss.item(), 0.5 * Math.log(2 * Math.PI));
});

Deno.test("gaussianNllLoss() throws for each kind of bad input", () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  assert.throws(() => gaussianNllLoss(x, x, tensor([1, 1])), {
    name: "TypeError",
    message:
      /Cannot compute gaussianNllLoss as var must have the input's shape, that shape without its last dimension, or with a last dimension of 1: input is \[3, 2\], var is \[2\]/,
  });
  assert.throws(() => gaussianNllLoss(x, x, tensor([[1, 1, 1]])), {
    name: "TypeError",
    message: /input is \[3, 2\], var is \[1, 3\]/,
  });
  assert.throws(() => gaussianNllLoss(x, x, tensor([[1], [-0.5], [1]])), {
    name: "RangeError",
    message: /var must be non-negative: var\[1, 0\] is -0.5/,
  });
  assert.throws(() => gaussianNllLoss(tensor([1, 2]), tensor([1, 2, 3]), tensor([1, 1])), {
    name: "TypeError",
    message: /the shapes must broadcast: input is \[2\], target is \[3\], var is \[2\]/,
  });
  assert.throws(() => gaussianNllLoss(x, x, tensor(new Float64Array([1, 1, 1]))), {
    name: "TypeError",
    message: /input and var must have the same dtype: input is "float32", var is "float64"/,
  });
  assert.throws(() => gaussianNllLoss(x, x, tensor([1, 1, 1], { dtype: "int64" })), {
    name: "TypeError",
    message: /var must be float32 or float64: var dtype is "int64"/,
  });
  assert.throws(() => gaussianNllLoss(x, x, x, { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
});
