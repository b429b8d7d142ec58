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

Deno.test("data() returns the tensor's own storage on the CPU, as .numpy() shares memory", async () => {
  const x = tensor([1, 2]);
  const d = await x.data();
  assert.equal(await x.data(), d);
  d[0] = 9;
  assert.deepEqual(x.toArray(), [9, 2]);
  // toArray() and clone() are copies
  const nested = x.toArray() as number[];
  nested[1] = 7;
  const y = x.clone();
  (await y.data())[1] = 5;
  assert.deepEqual(x.toArray(), [9, 2]);
  assert.deepEqual(y.toArray(), [9, 5]);
});

Deno.test("clone() copies, and gradients flow back through it as CloneBackward0", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.clone();
  assert.equal(y.gradFn?.name, "CloneBackward0");
  assert.equal(tensor([1]).clone().gradFn, null);
  mseLoss(y, tensor([0, 0, 0])).backward();
  assert.deepEqual(x.grad?.toArray(), [2 / 3, 4 / 3, 2].map(Math.fround));
});

Deno.test("dispose() and using: a disposed tensor throws a clear error when used", async () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  let seen: Tensor;
  {
    using loss = mseLoss(x, tensor([0, 0, 0]));
    seen = loss;
    loss.backward();
    assert.equal(loss.isDisposed, false);
  }
  assert.equal(seen.isDisposed, true);
  assert.equal(String(seen), "tensor(<disposed>)");
  const message =
    /Cannot run Tensor\.(item|data|toArray|backward|to|detach|clone) as the tensor was disposed/;
  assert.throws(() => seen.item(), { message });
  await assert.rejects(async () => await seen.data(), { message });
  assert.throws(() => seen.toArray(), { message });
  assert.throws(() => seen.detach(), { message });
  assert.throws(() => seen.clone(), { message });
  await assert.rejects(() => seen.to("cpu"), { message });
  seen.dispose(); // twice does nothing
  const g = x.grad as Tensor;
  g.dispose();
  assert.throws(() => mseLoss(g, tensor([0, 0, 0])), {
    name: "Error",
    message: /Cannot compute mseLoss as input must not be disposed: input was disposed/,
  });
  assert.throws(() => mseLoss(x, tensor([0, 0, 0])).backward(g), { message });
});

/** `t.grad`, which the test expects to be there. */
function gradOf(t: Tensor): Tensor {
  assert.ok(t.grad !== null, "no gradient");
  return t.grad;
}

Deno.test("dispose() returns storage to the pool: the next tensor of that dtype and length reuses it", async () => {
  const n = 4096;
  const x = tensor(new Float32Array(n).fill(1), { requiresGrad: true });
  const y = tensor(new Float32Array(n));
  mseLoss(x, y).backward();
  const g = x.grad as Tensor;
  const storage = await g.data();
  g.dispose();
  x.grad = null;
  mseLoss(x, y).backward();
  assert.equal(await gradOf(x).data(), storage, "the second gradient reuses the first's memory");
  assert.deepEqual([...await gradOf(x).data()].slice(0, 2), [2 / n, 2 / n].map(Math.fround));
  // without dispose(), nothing is reused
  const kept = gradOf(x);
  x.grad = null;
  mseLoss(x, y).backward();
  assert.notEqual(await gradOf(x).data(), await kept.data());
});

Deno.test("a node keeps what its backward reads: disposing an operand before backward() is safe", async () => {
  const n = 5000;
  const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  const want = (() => {
    const x = tensor(values, { requiresGrad: true });
    mseLoss(x, tensor(new Float32Array(n).fill(0.5))).backward();
    return x.grad?.toArray();
  })();
  const x = tensor(values, { requiresGrad: true });
  const y = tensor(new Float32Array(n).fill(0.5));
  const yStorage = await y.data();
  // the unfused path reads y in backward: a gradOutput other than the default
  const loss = mseLoss(x, y);
  y.dispose();
  // tensors of the same length now take pooled memory and scribble on it
  for (let k = 0; k < 4; k++) {
    const t = tensor(new Float32Array(n));
    assert.notEqual(await t.data(), yStorage, "y's storage is still held by the node");
    (await t.data() as Float32Array).fill(1e30);
  }
  loss.backward(tensor(1));
  assert.deepEqual(x.grad?.toArray(), want);
  // once backward has run, the node lets go: y's storage goes back to the pool
  const reused = tensor(new Float32Array(n));
  assert.equal(await reused.data(), yStorage);
});

Deno.test("detach() shares storage: it goes back to the pool only when both are disposed", async () => {
  const x = tensor(new Float32Array(2048).fill(3));
  const d = x.detach();
  const storage = await x.data();
  x.dispose();
  assert.deepEqual((await d.data()).slice(0, 2), new Float32Array([3, 3]));
  assert.notEqual(await tensor(new Float32Array(2048)).data(), storage);
  d.dispose();
  assert.equal(await tensor(new Float32Array(2048)).data(), storage);
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
    message:
      /dtype must be one of "float32", "float64", "int64", "bool": current value is "float16"/,
  });
  assert.throws(() => tensor([1], { device: "webgpu" }), {
    message: /Cannot create a tensor on webgpu before the device is ready/,
  });
  assert.throws(() => tensor(["a" as unknown as number]), {
    name: "TypeError",
    message: /data must hold numbers or booleans: data\[0\] is string/,
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
