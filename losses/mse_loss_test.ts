import assert from "node:assert/strict";
import { MSELoss, mseLoss, tensor } from "../mod.ts";

Deno.test("mseLoss() gives value and both gradients", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = tensor([1, 0, 0], { requiresGrad: true });
  const loss = mseLoss(x, y);
  assert.equal(loss.item(), Math.fround(13 / 3));
  assert.equal(loss.gradFn?.name, "MseLossBackward0");
  loss.backward();
  const expected = [0, 4 / 3, 2].map(Math.fround);
  assert.deepEqual(x.grad?.toArray(), expected);
  assert.deepEqual(y.grad?.toArray(), expected.map((v) => -v));
});

Deno.test("mseLoss() of an empty tensor is nan for mean and 0 for sum", () => {
  assert.ok(Number.isNaN(mseLoss(tensor([]), tensor([])).item()));
  assert.equal(mseLoss(tensor([]), tensor([]), { reduction: "sum" }).item(), 0);
});

Deno.test("mseLoss() overflows to inf in float32 as PyTorch does", () => {
  assert.equal(mseLoss(tensor([1e30]), tensor([0])).item(), Infinity);
  assert.equal(
    mseLoss(tensor(new Float64Array([1e30])), tensor(new Float64Array([0]))).item(),
    1e30 * 1e30,
  );
});

Deno.test("MSELoss keeps its options", () => {
  const loss = new MSELoss({ reduction: "none" }).forward(tensor([1, 2]), tensor([0, 0]));
  assert.deepEqual(loss.toArray(), [1, 4]);
});

Deno.test("mseLoss() throws for each kind of bad input", () => {
  assert.throws(() => mseLoss(tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1, 2], [3, 4], [5, 6]])), {
    name: "TypeError",
    message:
      /Cannot compute mseLoss as the shapes must broadcast: input is \[2, 3\], target is \[3, 2\]/,
  });
  assert.throws(() => mseLoss(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float32", target is "float64"/,
  });
  assert.throws(() => mseLoss(tensor([true]), tensor([1])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "bool"/,
  });
  assert.throws(() => mseLoss(tensor([1]), tensor([1]), { reduction: "batchmean" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "batchmean"/,
  });
});
