import assert from "node:assert/strict";
import { klDiv, KLDivLoss, tensor } from "../mod.ts";

const f64 = (data: number[][]) => tensor(data, { dtype: "float64" });

Deno.test("klDiv() gives 0 for a zero target but a nan target gradient, as PyTorch", () => {
  const x = tensor([-1, -2], { dtype: "float64", requiresGrad: true });
  const y = tensor([0, 1], { dtype: "float64", requiresGrad: true });
  const loss = klDiv(x, y, { reduction: "none" });
  assert.equal(loss.gradFn?.name, "SubBackward0");
  assert.deepEqual(loss.toArray(), [0, 2]);
  loss.backward(tensor([1, 1], { dtype: "float64" }));
  assert.deepEqual(x.grad?.toArray(), [-0, -1]);
  const gy = y.grad?.toArray() as number[];
  assert.ok(Number.isNaN(gy[0]));
  assert.equal(gy[1], 3);
});

Deno.test("klDiv() mean divides by every element, batchmean by the batch", () => {
  const x = f64([[-1, -1], [-1, -1]]);
  const y = f64([[1, 1], [1, 1]]);
  assert.equal(klDiv(x, y).item(), 1);
  assert.equal(klDiv(x, y, { reduction: "sum" }).item(), 4);
  const batchmean = klDiv(x, y, { reduction: "batchmean" });
  assert.equal(batchmean.item(), 2);
});

Deno.test("klDiv() batchmean records PyTorch's DivBackward0 and divides the gradient", () => {
  const x = tensor([[0, 0], [0, 0]], { dtype: "float64", requiresGrad: true });
  const loss = klDiv(x, f64([[0.5, 0.5], [1, 0]]), { reduction: "batchmean" });
  assert.equal(loss.gradFn?.name, "DivBackward0");
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [[-0.25, -0.25], [-0.5, -0]]);
});

Deno.test("klDiv() takes log-targets with logTarget", () => {
  const loss = new KLDivLoss({ logTarget: true, reduction: "none" }).forward(
    tensor([0], { dtype: "float64" }),
    tensor([Math.log(0.5)], { dtype: "float64" }),
  );
  assert.deepEqual(loss.toArray(), [0.5 * Math.log(0.5)]);
  assert.equal(loss.gradFn, null);
});

Deno.test("klDiv() throws for each kind of bad input", () => {
  assert.throws(() => klDiv(tensor([1, 2, 3]), tensor([1, 2])), {
    name: "TypeError",
    message: /Cannot compute klDiv as the shapes must broadcast: input is \[3\], target is \[2\]/,
  });
  assert.throws(() => klDiv(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float32", target is "float64"/,
  });
  assert.throws(() => klDiv(tensor([1]), tensor([1], { dtype: "int64" })), {
    name: "TypeError",
    message: /target must be float32 or float64: target dtype is "int64"/,
  });
  assert.throws(() => klDiv(tensor([1]), tensor([1]), { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean", "sum" or "batchmean": current value is "avg"/,
  });
  assert.throws(() => klDiv(tensor([1]), tensor([1]), { logTarget: 1 as unknown as boolean }), {
    name: "TypeError",
    message: /logTarget must be a boolean: current value is 1/,
  });
});
