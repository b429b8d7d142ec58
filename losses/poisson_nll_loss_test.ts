import assert from "node:assert/strict";
import { PoissonNLLLoss, poissonNllLoss, tensor } from "../mod.ts";

Deno.test("poissonNllLoss() adds the Stirling term only where the target exceeds 1", () => {
  const x = tensor([0, 0, 0], { dtype: "float64" });
  const y = tensor([1, 2, 0.5], { dtype: "float64" });
  const loss = poissonNllLoss(x, y, { full: true, reduction: "none" });
  assert.equal(loss.gradFn, null);
  const stirling = 2 * Math.log(2) - 2 + 0.5 * Math.log(4 * Math.PI);
  assert.deepEqual(loss.toArray(), [1, 1 + stirling, 1]);
});

Deno.test("poissonNllLoss() gives the target a nan gradient at 0 with full, as PyTorch", () => {
  const x = tensor([0.5, 0.5], { dtype: "float64", requiresGrad: true });
  const y = tensor([0, 0.5], { dtype: "float64", requiresGrad: true });
  const loss = poissonNllLoss(x, y, { full: true, reduction: "sum" });
  assert.equal(loss.gradFn?.name, "SumBackward0");
  loss.backward();
  const gy = y.grad?.toArray() as number[];
  assert.ok(Number.isNaN(gy[0]));
  assert.equal(gy[1], -0.5);
  assert.deepEqual(x.grad?.toArray(), [Math.exp(0.5), Math.exp(0.5) - 0.5]);
});

Deno.test("poissonNllLoss() takes rates with logInput: false, shifted by eps", () => {
  const loss = new PoissonNLLLoss({ logInput: false, eps: 1, reduction: "none" }).forward(
    tensor([0], { dtype: "float64" }),
    tensor([2], { dtype: "float64" }),
  );
  assert.deepEqual(loss.toArray(), [0]);
});

Deno.test("poissonNllLoss() throws for each kind of bad input", () => {
  assert.throws(() => poissonNllLoss(tensor([1, 2, 3]), tensor([1, 2])), {
    name: "TypeError",
    message:
      /Cannot compute poissonNllLoss as the shapes must broadcast: input is \[3\], target is \[2\]/,
  });
  assert.throws(() => poissonNllLoss(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and target must have the same dtype/,
  });
  assert.throws(() => poissonNllLoss(tensor([1], { dtype: "int64" }), tensor([1])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(
    () => poissonNllLoss(tensor([1]), tensor([1]), { reduction: "batchmean" as "sum" }),
    {
      name: "RangeError",
      message: /reduction must be "none", "mean" or "sum": current value is "batchmean"/,
    },
  );
  assert.throws(
    () => poissonNllLoss(tensor([1]), tensor([1]), { full: "yes" as unknown as boolean }),
    {
      name: "TypeError",
      message: /full must be a boolean: current value is "yes"/,
    },
  );
  assert.throws(
    () => poissonNllLoss(tensor([1]), tensor([1]), { eps: "1e-8" as unknown as number }),
    {
      name: "TypeError",
      message: /eps must be a number: current value is "1e-8"/,
    },
  );
});
