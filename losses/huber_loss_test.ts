import assert from "node:assert/strict";
import { HuberLoss, huberLoss, tensor } from "../mod.ts";

Deno.test("huberLoss() gives delta-scaled linear gradients and the negation for target", () => {
  const x = tensor([0.5, 3, -2, 1], { requiresGrad: true });
  const y = tensor([0, 0, 0, 1], { requiresGrad: true });
  const loss = huberLoss(x, y, { delta: 2, reduction: "sum" });
  assert.equal(loss.gradFn?.name, "HuberLossBackward0");
  assert.equal(loss.item(), 0.125 + 4 + 2 + 0);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [0.5, 2, -2, 0]);
  assert.deepEqual(y.grad?.toArray(), [-0.5, -2, 2, -0]);
});

Deno.test("huberLoss() is delta times smoothL1Loss with beta = delta", () => {
  const x = tensor(new Float64Array([0.1, -0.7, 2.5]));
  const y = tensor(new Float64Array([0, 0, 0]));
  const loss = huberLoss(x, y, { delta: 0.5, reduction: "none" }).toArray() as number[];
  assert.deepEqual(loss, [0.5 * 0.1 * 0.1, 0.5 * (0.7 - 0.25), 0.5 * (2.5 - 0.25)]);
});

Deno.test("huberLoss() broadcasts and sums gradients back", () => {
  const x = tensor([[1], [2]], { requiresGrad: true });
  const loss = huberLoss(x, tensor([0, 0, 0]), { reduction: "none" });
  assert.deepEqual(loss.shape, [2, 3]);
  loss.backward(tensor([[1, 1, 1], [1, 1, 1]]));
  assert.deepEqual(x.grad?.toArray(), [[3], [3]]);
});

Deno.test("HuberLoss keeps its options", () => {
  const loss = new HuberLoss({ delta: 0.5, reduction: "sum" }).forward(tensor([2]), tensor([0]));
  assert.equal(loss.item(), 0.875);
});

Deno.test("huberLoss() throws for each kind of bad input", () => {
  for (const delta of [0, -1, NaN]) {
    assert.throws(() => huberLoss(tensor([1]), tensor([1]), { delta }), {
      name: "RangeError",
      message: new RegExp(
        `Cannot compute huberLoss as delta must be positive: current value is ${delta}`,
      ),
    });
  }
  assert.throws(() => huberLoss(tensor([1]), tensor([1]), { delta: "2" as never }), {
    name: "TypeError",
    message: /delta must be a number: current value is "2"/,
  });
  assert.throws(() => huberLoss(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message: /the shapes must broadcast: input is \[2\], target is \[3\]/,
  });
  assert.throws(() => huberLoss(tensor(new Float64Array([1])), tensor([1])), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float64", target is "float32"/,
  });
  assert.throws(() => huberLoss(tensor([true]), tensor([true])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "bool"/,
  });
  assert.throws(() => huberLoss(tensor([1]), tensor([1]), { reduction: "batchmean" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "batchmean"/,
  });
});
