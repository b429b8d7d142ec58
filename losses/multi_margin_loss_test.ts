import assert from "node:assert/strict";
import { MultiMarginLoss, multiMarginLoss, tensor } from "../mod.ts";

const i64 = (v: number[] | number) => tensor(v as number[], { dtype: "int64" });

Deno.test("multiMarginLoss() skips ties and nan terms as PyTorch's kernel does", () => {
  const x = tensor([[0.5, 1.5, -0.5, 0.5], [NaN, 0, 1, 0]], { requiresGrad: true });
  const loss = multiMarginLoss(x, i64([1, 1]), { reduction: "none" });
  assert.equal(loss.gradFn?.name, "MultiMarginLossBackward0");
  // row 0: every term ties at 0 or is negative; row 1: nan is skipped, then 2 and 1
  assert.deepEqual(loss.toArray(), [0, 0.75]);
  loss.backward(tensor([1, 1]));
  assert.deepEqual(x.grad?.toArray(), [[0, 0, 0, 0], [0, -0.5, 0.25, 0.25]]);
});

Deno.test("multiMarginLoss() squares and weights each term by the target's weight", () => {
  const x = tensor([[0, 1, 0]], { dtype: "float64" });
  const weight = tensor([1, 1, 3], { dtype: "float64" });
  const loss = multiMarginLoss(x, i64([2]), { p: 2, weight, margin: 2 });
  // terms (2 - 0 + 0)^2 = 4 and (2 - 0 + 1)^2 = 9, times weight[2] = 3, over C = 3
  assert.equal(loss.item(), (4 + 9) * 3 / 3);
});

Deno.test("multiMarginLoss() gives a 0-d result for a 0-d target, (N) for a 1-d one", () => {
  assert.deepEqual(multiMarginLoss(tensor([1, 2]), i64(0), { reduction: "none" }).shape, []);
  assert.deepEqual(multiMarginLoss(tensor([1, 2]), i64([0]), { reduction: "none" }).shape, [1]);
  assert.equal(new MultiMarginLoss({ reduction: "sum" }).forward(tensor(3), i64(0)).item(), 0);
});

Deno.test("multiMarginLoss() of an empty batch: nan for mean, 0 for sum", () => {
  const x = tensor(new Float32Array(0), { shape: [0, 3] });
  assert.ok(Number.isNaN(multiMarginLoss(x, i64([])).item()));
  assert.equal(multiMarginLoss(x, i64([]), { reduction: "sum" }).item(), 0);
});

Deno.test("multiMarginLoss() throws for each kind of bad input", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => multiMarginLoss(x, i64([0, 1]), { p: 3 }), {
    name: "RangeError",
    message: /Cannot compute multiMarginLoss as p must be 1 or 2: current value is 3/,
  });
  assert.throws(() => multiMarginLoss(x, i64([0, 3])), {
    name: "RangeError",
    message: /target values must be in \[0, 3\) \(the 3 classes\): target\[1\] is 3/,
  });
  assert.throws(() => multiMarginLoss(x, i64([0, -1])), {
    name: "RangeError",
    message: /target\[1\] is -1/,
  });
  assert.throws(() => multiMarginLoss(x, tensor([0, 1])), {
    name: "TypeError",
    message: /target must hold int64 class indices: target dtype is "float32"/,
  });
  assert.throws(() => multiMarginLoss(x, i64([0])), {
    name: "TypeError",
    message:
      /target must hold one class index per row \(2\) in at most one dimension: target is \[1\], input is \[2, 3\]/,
  });
  assert.throws(() => multiMarginLoss(tensor([[[1]]]), i64([0])), {
    name: "TypeError",
    message: /input must be \(C\) or \(N, C\) with C > 0 \(N may be 0\): input is \[1, 1, 1\]/,
  });
  assert.throws(() => multiMarginLoss(x, i64([0, 1]), { weight: tensor([1, 1]) }), {
    name: "TypeError",
    message: /weight must have one element per class \(3\): weight is \[2\]/,
  });
  assert.throws(
    () => multiMarginLoss(x, i64([0, 1]), { weight: tensor(new Float64Array([1, 1, 1])) }),
    { name: "TypeError", message: /input and weight must have the same dtype/ },
  );
  assert.throws(
    () => multiMarginLoss(x, i64([0, 1]), { weight: tensor([1, 1, 1], { requiresGrad: true }) }),
    { name: "TypeError", message: /weight cannot take a gradient/ },
  );
  assert.throws(() => multiMarginLoss(x, i64([0, 1]), { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
  assert.throws(() => multiMarginLoss(x, i64([0, 1]), { margin: "1" as unknown as number }), {
    name: "TypeError",
    message: /margin must be a number: current value is "1"/,
  });
});
