import assert from "node:assert/strict";
import { HingeEmbeddingLoss, hingeEmbeddingLoss, tensor } from "../mod.ts";

Deno.test("hingeEmbeddingLoss() follows PyTorch's literal formula for any target", () => {
  // Target 0.5 is neither 1 nor -1, so both terms apply: max(0, 1 - 0.25) + 0.25.
  const x = tensor([0.25, 0.25, 0.25], { requiresGrad: true });
  const loss = hingeEmbeddingLoss(x, tensor([1, -1, 0.5]), { reduction: "none" });
  assert.deepEqual(loss.toArray(), [0.25, 0.75, 1]);
  loss.backward(tensor([1, 1, 1]));
  assert.deepEqual(x.grad?.toArray(), [1, -1, 0]);
});

Deno.test("hingeEmbeddingLoss() passes the gradient at the kink x == margin", () => {
  const x = tensor([2], { requiresGrad: true });
  hingeEmbeddingLoss(x, tensor([-1]), { margin: 2, reduction: "sum" }).backward();
  assert.deepEqual(x.grad?.toArray(), [-1]);
});

Deno.test("hingeEmbeddingLoss() takes int64 labels", () => {
  const loss = hingeEmbeddingLoss(tensor([0.5, 2]), tensor([-1, 1], { dtype: "int64" }));
  assert.equal(loss.item(), 1.25);
});

Deno.test("HingeEmbeddingLoss keeps its options", () => {
  const loss = new HingeEmbeddingLoss({ margin: 0 }).forward(tensor([0.5]), tensor([-1]));
  assert.equal(loss.item(), 0);
});

Deno.test("hingeEmbeddingLoss() throws for each kind of bad input", () => {
  assert.throws(() => hingeEmbeddingLoss(tensor([1, 2]), tensor([1, 1, 1])), {
    name: "TypeError",
    message:
      /Cannot compute hingeEmbeddingLoss as the shapes must broadcast: input is \[2\], target is \[3\]/,
  });
  assert.throws(() => hingeEmbeddingLoss(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message:
      /target must have the input's dtype or be int64: input is "float32", target is "float64"/,
  });
  assert.throws(() => hingeEmbeddingLoss(tensor([1], { dtype: "int64" }), tensor([1])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(
    () => hingeEmbeddingLoss(tensor([1]), tensor([1]), { margin: "1" as unknown as number }),
    {
      name: "TypeError",
      message: /margin must be a number: current value is "1"/,
    },
  );
  assert.throws(() => hingeEmbeddingLoss(tensor([1]), tensor([1]), { reduction: "max" as "sum" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "max"/,
  });
});
