import assert from "node:assert/strict";
import { SoftMarginLoss, softMarginLoss, tensor } from "../mod.ts";

Deno.test("softMarginLoss() gives log(1 + exp(-y x)) and its gradient", () => {
  const x = tensor(new Float64Array([0, 2, -1]), { requiresGrad: true });
  const y = tensor(new Float64Array([1, -1, -1]));
  const loss = softMarginLoss(x, y);
  assert.equal(loss.gradFn?.name, "SoftMarginLossBackward0");
  const e2 = Math.exp(2);
  const e1 = Math.exp(-1);
  assert.equal(loss.item(), (Math.log(2) + Math.log(1 + e2) + Math.log(1 + e1)) / 3);
  loss.backward();
  const g = x.grad?.toArray() as number[];
  assert.equal(g[0], -0.5 / 3);
  assert.ok(Math.abs(g[1] - e2 / (1 + e2) / 3) < 1e-15);
  assert.ok(Math.abs(g[2] - e1 / (1 + e1) / 3) < 1e-15);
});

Deno.test("softMarginLoss() overflows as PyTorch's literal formula: inf loss, nan gradient", () => {
  const x = tensor([-100, 100, 20], { requiresGrad: true });
  const loss = softMarginLoss(x, tensor([1, 1, 1]), { reduction: "none" });
  assert.deepEqual(loss.toArray(), [Infinity, 0, 0]);
  loss.backward(tensor([1, 1, 1]));
  const g = x.grad?.toArray() as number[];
  assert.ok(Number.isNaN(g[0]));
  assert.ok(g[1] < 0 && g[1] > -1e-40);
});

Deno.test("softMarginLoss() takes int64 labels and broadcasts the target to the input", () => {
  const x = tensor([[0, 0], [0, 0]], { requiresGrad: true });
  const loss = softMarginLoss(x, tensor([1, -1], { dtype: "int64" }), { reduction: "sum" });
  assert.equal(loss.item(), Math.fround(4 * Math.fround(Math.LN2)));
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [[-0.5, 0.5], [-0.5, 0.5]]);
});

Deno.test("SoftMarginLoss keeps its options", () => {
  const loss = new SoftMarginLoss({ reduction: "sum" }).forward(tensor([0, 0]), tensor([1, -1]));
  assert.equal(loss.item(), Math.fround(2 * Math.fround(Math.LN2)));
});

Deno.test("softMarginLoss() throws for each kind of bad input", () => {
  assert.throws(() => softMarginLoss(tensor([1, 2, 3]), tensor([[1, 1, 1], [1, 1, 1]])), {
    name: "TypeError",
    message:
      /Cannot compute softMarginLoss as target must broadcast to the input's shape: input is \[3\], target is \[2, 3\]/,
  });
  assert.throws(() => softMarginLoss(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message: /the shapes must broadcast: input is \[2\], target is \[3\]/,
  });
  assert.throws(() => softMarginLoss(tensor([1]), tensor([1], { requiresGrad: true })), {
    name: "TypeError",
    message: /target must not require grad/,
  });
  assert.throws(() => softMarginLoss(tensor([1]), tensor([true])), {
    name: "TypeError",
    message: /target must have the input's dtype or be int64: input is "float32", target is "bool"/,
  });
  assert.throws(() => softMarginLoss(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message:
      /target must have the input's dtype or be int64: input is "float32", target is "float64"/,
  });
  assert.throws(() => softMarginLoss(tensor([1], { dtype: "int64" }), tensor([1])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(() => softMarginLoss(tensor([1]), tensor([1]), { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
});
