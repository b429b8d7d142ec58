import assert from "node:assert/strict";
import { MultiLabelMarginLoss, multilabelMarginLoss, type NestedArray, tensor } from "../mod.ts";

const i64 = (v: NestedArray) => tensor(v, { dtype: "int64" });

Deno.test("multilabelMarginLoss() stops at the first -1 and counts a repeated class twice", () => {
  const x = tensor([[0, 1, 0.5, 0]], { requiresGrad: true });
  const once = multilabelMarginLoss(x, i64([[1, -1, 2, 3]]));
  const twice = multilabelMarginLoss(x, i64([[1, 1, -1, 0]]));
  assert.equal(once.gradFn?.name, "MultilabelMarginLossBackward0");
  // non-targets 0, 2, 3: terms 1 - 1 + (0, 0.5, 0) = 0 (tie), 0.5, 0 (tie)
  assert.equal(once.item(), 0.5 / 4);
  assert.equal(twice.item(), 1 / 4);
  twice.backward();
  assert.deepEqual(x.grad?.toArray(), [[0, -0.5, 0.5, 0]]);
});

Deno.test("multilabelMarginLoss() gives 0 for a row without targets or without non-targets", () => {
  const loss = new MultiLabelMarginLoss({ reduction: "none" }).forward(
    tensor([[1, 2], [3, 4]]),
    i64([[-1, 0], [1, 0]]),
  );
  assert.deepEqual(loss.toArray(), [0, 0]);
});

Deno.test("multilabelMarginLoss() throws for each kind of bad input", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => multilabelMarginLoss(x, i64([[0, -1, 3], [0, -1, 0]])), {
    name: "RangeError",
    message:
      /Cannot compute multilabelMarginLoss as target values must be in \[-1, 3\) \(class indices, -1 ends a row\): target\[0, 2\] is 3/,
  });
  assert.throws(() => multilabelMarginLoss(x, i64([[0, -2, 1], [0, -1, 0]])), {
    name: "RangeError",
    message: /target\[0, 1\] is -2/,
  });
  assert.throws(() => multilabelMarginLoss(x, tensor([[0, -1, 0], [0, -1, 0]])), {
    name: "TypeError",
    message: /target must hold int64 class indices: target dtype is "float32"/,
  });
  assert.throws(() => multilabelMarginLoss(x, i64([0, -1, 0])), {
    name: "TypeError",
    message: /target must have the input's shape: input is \[2, 3\], target is \[3\]/,
  });
  assert.throws(() => multilabelMarginLoss(tensor([[[1]]]), i64([[[0]]])), {
    name: "TypeError",
    message: /input must be \(C\) or \(N, C\) with C > 0/,
  });
  assert.throws(() => multilabelMarginLoss(tensor([1], { dtype: "int64" }), i64([0])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(
    () => multilabelMarginLoss(x, i64([[0, -1, 0], [0, -1, 0]]), { reduction: "x" as "sum" }),
    {
      name: "RangeError",
      message: /reduction must be "none", "mean" or "sum": current value is "x"/,
    },
  );
});
