import assert from "node:assert/strict";
import { SmoothL1Loss, smoothL1Loss, tensor } from "../mod.ts";

Deno.test("smoothL1Loss() is quadratic below beta and linear above", () => {
  const x = tensor([0.5, 3, -1], { requiresGrad: true });
  const y = tensor([0, 0, 0], { requiresGrad: true });
  const loss = smoothL1Loss(x, y, { reduction: "none" });
  assert.equal(loss.gradFn?.name, "SmoothL1LossBackward0");
  assert.deepEqual(loss.toArray(), [0.125, 2.5, 0.5]);
  loss.backward(tensor([1, 1, 1]));
  assert.deepEqual(x.grad?.toArray(), [0.5, 1, -1]);
  assert.deepEqual(y.grad?.toArray(), [-0.5, -1, 1]);
});

Deno.test("smoothL1Loss() with beta 0 is L1 with PyTorch's -1 gradient at ties, for both", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = tensor([1, 0, 4], { requiresGrad: true });
  const loss = smoothL1Loss(x, y, { beta: 0, reduction: "sum" });
  assert.equal(loss.item(), 3);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [-1, 1, -1]);
  assert.deepEqual(y.grad?.toArray(), [-1, -1, 1]);
});

Deno.test("smoothL1Loss() of an empty tensor is nan for mean and 0 for sum", () => {
  assert.ok(Number.isNaN(smoothL1Loss(tensor([]), tensor([])).item()));
  assert.equal(smoothL1Loss(tensor([]), tensor([]), { reduction: "sum" }).item(), 0);
});

Deno.test("smoothL1Loss() with an infinite beta is 0 for finite values", () => {
  const loss = smoothL1Loss(tensor([1, -2]), tensor([0, 0]), { beta: Infinity, reduction: "sum" });
  assert.equal(loss.item(), 0);
});

Deno.test("SmoothL1Loss keeps its options", () => {
  const loss = new SmoothL1Loss({ beta: 2, reduction: "sum" }).forward(tensor([1]), tensor([0]));
  assert.equal(loss.item(), 0.25);
});

Deno.test("smoothL1Loss() throws for each kind of bad input", () => {
  assert.throws(() => smoothL1Loss(tensor([1]), tensor([1]), { beta: -1 }), {
    name: "RangeError",
    message: /Cannot compute smoothL1Loss as beta must be non-negative: current value is -1/,
  });
  assert.throws(() => smoothL1Loss(tensor([1]), tensor([1]), { beta: NaN }), {
    name: "RangeError",
    message: /beta must be non-negative: current value is NaN/,
  });
  assert.throws(() => smoothL1Loss(tensor([1]), tensor([1]), { beta: "1" as never }), {
    name: "TypeError",
    message: /beta must be a number: current value is "1"/,
  });
  assert.throws(() => smoothL1Loss(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message: /the shapes must broadcast: input is \[2\], target is \[3\]/,
  });
  assert.throws(() => smoothL1Loss(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float32", target is "float64"/,
  });
  assert.throws(() => smoothL1Loss(tensor([1], { dtype: "int64" }), tensor([1])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(() => smoothL1Loss(tensor([1]), tensor([1]), { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
});
