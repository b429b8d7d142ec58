import assert from "node:assert/strict";
import { l1Loss, logSoftmax, mseLoss, nllLoss, Tensor, tensor } from "../mod.ts";

Deno.test("tensor() infers shape and dtype from nested arrays and typed arrays", async () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.shape, [2, 3]);
  assert.equal(x.dtype, "float32");
  assert.equal(x.numel, 6);
  assert.equal(x.device, "cpu");
  assert.equal(tensor(new Float64Array([1, 2])).dtype, "float64");
  assert.equal(tensor(new BigInt64Array([1n])).dtype, "int64");
  assert.equal(tensor(new Int32Array([1, 2])).dtype, "int64");
  assert.equal(tensor([true, false]).dtype, "bool");
  assert.deepEqual(tensor([true, false]).toArray(), [true, false]);
  assert.deepEqual(tensor(2.5).shape, []);
  assert.equal(tensor(2.5).item(), 2.5);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(
    await tensor([1, 2, 3, 4], { shape: [2, 2] }).data(),
    new Float32Array([1, 2, 3, 4]),
  );
});

Deno.test("tensor() rounds float32 data and keeps int64 exact", async () => {
  assert.equal(tensor([0.1]).item(), Math.fround(0.1));
  assert.equal(tensor([0.1], { dtype: "float64" }).item(), 0.1);
  assert.deepEqual(
    await tensor([2 ** 53 - 1], { dtype: "int64" }).data(),
    new BigInt64Array([2n ** 53n - 1n]),
  );
});

Deno.test("data() returns a copy that does not change the tensor", async () => {
  const x = tensor([1, 2]);
  const d = await x.data();
  d[0] = 9;
  assert.deepEqual(x.toArray(), [1, 2]);
});

Deno.test("tensor() rejects bad data with the argument and the problem", () => {
  assert.throws(() => tensor([[1, 2], [3]]), {
    name: "TypeError",
    message: /Cannot create tensor as data is ragged: data\[1\] should be an array of 2 items/,
  });
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), {
    name: "RangeError",
    message: /shape \[2, 2\] needs 4 elements: data has 3/,
  });
  assert.throws(() => tensor([1.5], { dtype: "int64" }), {
    name: "RangeError",
    message: /int64 data must be safe integers: data\[0\] is 1.5/,
  });
  assert.throws(() => tensor([1], { dtype: "int64", requiresGrad: true }), {
    name: "TypeError",
    message: /only float32 and float64 tensors can require gradients: dtype is "int64"/,
  });
  assert.throws(() => tensor([1], { dtype: "float16" as "float32" }), {
    name: "RangeError",
    message: /dtype must be "float32", "float64", "int64" or "bool": current value is "float16"/,
  });
  assert.throws(() => tensor([1], { device: "webgpu" }), {
    message: /Cannot create a tensor on webgpu before the device is ready/,
  });
  assert.throws(() => tensor(["a" as unknown as number]), {
    name: "TypeError",
    message: /data must hold numbers or booleans: data\[0\] is "a"/,
  });
});

Deno.test("item() needs exactly one element", () => {
  assert.throws(() => tensor([1, 2]).item(), {
    name: "RangeError",
    message: /must have one element: it has 2/,
  });
});

Deno.test("backward() accumulates into leaves through a chain, as PyTorch", () => {
  const x = tensor([[0, 0], [0, 0]], { requiresGrad: true });
  const t = tensor([0, 1], { dtype: "int64" });
  const loss = nllLoss(logSoftmax(x, 1), t);
  assert.equal(loss.gradFn?.name, "NllLossBackward0");
  assert.equal(loss.isLeaf, false);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [[-0.25, 0.25], [0.25, -0.25]]);
  // A second graph adds to what is there.
  nllLoss(logSoftmax(x, 1), t).backward();
  assert.deepEqual(x.grad?.toArray(), [[-0.5, 0.5], [0.5, -0.5]]);
  x.grad = null;
  nllLoss(logSoftmax(x, 1), t).backward();
  assert.deepEqual((x.grad as Tensor | null)?.toArray(), [[-0.25, 0.25], [0.25, -0.25]]);
});

Deno.test("backward() sums the gradients of a leaf used twice", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  mseLoss(x, x, { reduction: "sum" }).backward();
  assert.deepEqual(x.grad?.toArray(), [0, 0, 0]);
});

Deno.test("backward() frees the graph unless retainGraph is set", () => {
  const x = tensor([1, -1], { requiresGrad: true });
  const loss = l1Loss(x, tensor([0, 0]));
  loss.backward(undefined, { retainGraph: true });
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [1, -1]);
  assert.throws(() => loss.backward(), {
    message: /graph was freed by an earlier backward: pass \{ retainGraph: true \}/,
  });
});

Deno.test("backward() checks gradOutput and requiresGrad", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const none = l1Loss(x, tensor([0, 0]), { reduction: "none" });
  assert.throws(() => none.backward(), {
    name: "TypeError",
    message: /can be implied only for one-element outputs: output shape is \[2\]/,
  });
  assert.throws(() => none.backward(tensor([1, 2, 3])), {
    name: "TypeError",
    message: /gradOutput must have the output's shape: gradOutput is \[3\], output is \[2\]/,
  });
  assert.throws(() => none.backward(tensor(new Float64Array([1, 1]))), {
    name: "TypeError",
    message:
      /gradOutput must have the output's dtype: gradOutput is "float64", output is "float32"/,
  });
  assert.throws(() => l1Loss(tensor([1]), tensor([0])).backward(), {
    message: /does not require grad and has no gradFn/,
  });
  none.backward(tensor([2, 3]));
  assert.deepEqual(x.grad?.toArray(), [2, 3]);
});

Deno.test("a leaf's backward() fills its own grad", () => {
  const x = tensor([5], { requiresGrad: true });
  x.backward();
  assert.deepEqual(x.grad?.toArray(), [1]);
});

Deno.test("the constructor refuses a gradFn that is not the library's", () => {
  assert.throws(() => new Tensor(new Float32Array(1), [1], "float32", { name: "x" }), {
    name: "TypeError",
    message: /gradFn must come from the library's own ops/,
  });
});

Deno.test("detach() and to('cpu') keep the data, detach() drops the graph", async () => {
  const x = tensor([1, 2], { requiresGrad: true });
  assert.equal(x.detach().requiresGrad, false);
  assert.deepEqual(x.detach().toArray(), [1, 2]);
  assert.equal(await x.to("cpu"), x);
  await assert.rejects(async () => await x.to("tpu" as "cpu"), {
    name: "RangeError",
    message: /device must be "cpu" or "webgpu": current value is "tpu"/,
  });
});
