import assert from "node:assert/strict";
import { L1Loss, l1Loss, tensor } from "../mod.ts";

Deno.test("l1Loss() gives PyTorch's zero gradient at ties", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = tensor([1, 0, 4], { requiresGrad: true });
  const loss = l1Loss(x, y, { reduction: "sum" });
  assert.equal(loss.gradFn?.name, "SumBackward0");
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [0, 1, -1]);
  assert.deepEqual(y.grad?.toArray(), [-0, -1, 1]);
});

Deno.test("l1Loss() broadcasts and sums gradients back to each shape", () => {
  const x = tensor([[1], [2]], { requiresGrad: true });
  const loss = l1Loss(x, tensor([0, 0, 0]), { reduction: "none" });
  assert.deepEqual(loss.shape, [2, 3]);
  loss.backward(tensor([[1, 1, 1], [1, 1, 1]]));
  assert.deepEqual(x.grad?.toArray(), [[3], [3]]);
});

Deno.test("L1Loss keeps its options", () => {
  assert.equal(new L1Loss().forward(tensor([2, -2]), tensor([0, 0])).item(), 2);
});

Deno.test("l1Loss() throws for each kind of bad input", () => {
  assert.throws(() => l1Loss(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message: /Cannot compute l1Loss as the shapes must broadcast: input is \[2\], target is \[3\]/,
  });
  assert.throws(() => l1Loss(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float32", target is "float64"/,
  });
  assert.throws(() => l1Loss(tensor([1], { dtype: "int64" }), tensor([1], { dtype: "int64" })), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(() => l1Loss(tensor([1]), tensor([1]), { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
  assert.throws(() => l1Loss(tensor([1]), [1] as never), {
    name: "TypeError",
    message: /Cannot compute l1Loss as target must be a Tensor: got an array/,
  });
});
