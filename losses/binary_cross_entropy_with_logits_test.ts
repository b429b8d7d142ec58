import assert from "node:assert/strict";
import { BCEWithLogitsLoss, binaryCrossEntropyWithLogits, tensor } from "../mod.ts";

Deno.test("binaryCrossEntropyWithLogits() stays finite for logits whose exp overflows", () => {
  const x = tensor([1e4, -1e4, 200, -200], { requiresGrad: true });
  const y = tensor([0, 1, 1, 0], { requiresGrad: true });
  const loss = binaryCrossEntropyWithLogits(x, y, { reduction: "none" });
  assert.equal(loss.gradFn?.name, "BinaryCrossEntropyWithLogitsBackward0");
  assert.deepEqual(loss.toArray(), [1e4, 1e4, 0, 0]);
  loss.backward(tensor([1, 1, 1, 1]));
  assert.deepEqual(x.grad?.toArray(), [1, -1, 0, 0]);
  assert.deepEqual(y.grad?.toArray(), [-1e4, 1e4, -200, 200]);
});

Deno.test("binaryCrossEntropyWithLogits() gives nan for infinite logits, as PyTorch", () => {
  const loss = binaryCrossEntropyWithLogits(tensor([Infinity, -Infinity]), tensor([1, 0]), {
    reduction: "none",
  });
  assert.ok((loss.toArray() as number[]).every(Number.isNaN));
});

Deno.test("binaryCrossEntropyWithLogits() weighs the positive term by posWeight", () => {
  const x = tensor([0, 0], { dtype: "float64", requiresGrad: true });
  const y = tensor([1, 0], { dtype: "float64" });
  const posWeight = tensor([3], { dtype: "float64" });
  const loss = binaryCrossEntropyWithLogits(x, y, { posWeight, reduction: "sum" });
  assert.equal(loss.item(), 4 * Math.LN2);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [-1.5, 0.5]);
});

Deno.test("BCEWithLogitsLoss keeps its options", () => {
  const loss = new BCEWithLogitsLoss({ weight: tensor([2]) }).forward(tensor([0]), tensor([1]));
  assert.equal(loss.item(), Math.fround(2 * Math.fround(Math.LN2)));
});

Deno.test("binaryCrossEntropyWithLogits() throws for each kind of bad input", () => {
  assert.throws(() => binaryCrossEntropyWithLogits(tensor([[1, 2]]), tensor([1, 0])), {
    name: "TypeError",
    message:
      /Cannot compute binaryCrossEntropyWithLogits as input and target must have the same shape: input is \[1, 2\], target is \[2\]/,
  });
  assert.throws(() => binaryCrossEntropyWithLogits(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and target must have the same dtype/,
  });
  assert.throws(
    () =>
      binaryCrossEntropyWithLogits(
        tensor([1], { dtype: "int64" }),
        tensor([1], { dtype: "int64" }),
      ),
    { name: "TypeError", message: /input must be float32 or float64: input dtype is "int64"/ },
  );
  assert.throws(
    () =>
      binaryCrossEntropyWithLogits(tensor([1, 2]), tensor([1, 0]), {
        posWeight: tensor([1, 2, 3]),
      }),
    { name: "TypeError", message: /the shapes must broadcast: input is \[2\], posWeight is \[3\]/ },
  );
  assert.throws(
    () => binaryCrossEntropyWithLogits(tensor([1, 2]), tensor([1, 0]), { weight: tensor([[[1]]]) }),
    {
      name: "TypeError",
      message: /weight must broadcast to the input's shape: input is \[2\], weight is \[1, 1, 1\]/,
    },
  );
  assert.throws(
    () =>
      binaryCrossEntropyWithLogits(tensor([1]), tensor([1]), {
        posWeight: tensor([1], { requiresGrad: true }),
      }),
    { name: "TypeError", message: /posWeight cannot take a gradient/ },
  );
  assert.throws(
    () => binaryCrossEntropyWithLogits(tensor([1]), tensor([1]), { reduction: "avg" as "mean" }),
    {
      name: "RangeError",
      message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
    },
  );
});
