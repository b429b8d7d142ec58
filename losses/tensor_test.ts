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

Deno.test("tensor() reads data as torch.tensor: promotions, typed arrays, views", async () => {
  // a list that mixes booleans and numbers is float32 (torch promotes bool with float)
  const mixed = tensor([true, 5, 0.5]);
  assert.equal(mixed.dtype, "float32");
  assert.deepEqual(mixed.toArray(), [1, 5, 0.5]);
  assert.deepEqual(tensor([[true, false], [0.5, 2]]).toArray(), [[1, 0], [0.5, 2]]);
  assert.equal(tensor([[true], [false]]).dtype, "bool");
  // BigUint64Array: int64 while the values fit, an error naming the element past 2^63 - 1
  assert.deepEqual(
    await tensor(new BigUint64Array([3n, 2n ** 63n - 1n])).data(),
    new BigInt64Array([3n, 2n ** 63n - 1n]),
  );
  assert.throws(() => tensor(new BigUint64Array([1n, 2n ** 64n - 1n])), {
    name: "RangeError",
    message:
      "Cannot create tensor as int64 holds at most 2^63 - 1: data[1] is 18446744073709551615 (a BigUint64Array value)",
  });
  // Float16Array: float32, exactly (this library has no float16)
  const half = tensor(new Float16Array([1.5, -0.333251953125, 65504]));
  assert.equal(half.dtype, "float32");
  assert.deepEqual(half.toArray(), [1.5, -0.333251953125, 65504]);
  assert.equal(tensor(new Int16Array([-2, 3])).dtype, "int64");
  assert.equal(tensor(new Uint32Array([4000000000])).dtype, "int64");
  assert.throws(() => tensor(new DataView(new ArrayBuffer(8)) as never), {
    name: "TypeError",
    message:
      "Cannot create tensor as data must be nested arrays or a typed array: got a DataView of 8 bytes",
  });
  for (const junk of [null, undefined, "12", {}, 3n]) {
    assert.throws(() => tensor(junk as never), {
      name: "TypeError",
      message:
        /^Cannot create tensor as data must be a number, a boolean, nested arrays of them or a typed array: got /,
    });
  }
  assert.throws(() => tensor([1, , 3] as never), {
    message:
      "Cannot create tensor as data must hold numbers or booleans: data[1] is empty (a hole in the array)",
  });
  assert.throws(() => tensor([[1n, 2n]] as never), {
    message:
      "Cannot create tensor as data must hold numbers or booleans: data[0][0] is 1n (a bigint)",
  });
});

Deno.test("tensor() stops at once on data that contains itself or nests past 128, naming the depth", () => {
  const a: unknown[] = [];
  a[0] = a;
  const start = performance.now();
  assert.throws(() => tensor(a as never), {
    name: "TypeError",
    message:
      "Cannot create tensor as data must not contain itself: data[0] is data again, at depth 1",
  });
  const b: unknown[] = [[1]];
  (b[0] as unknown[])[0] = b[0];
  assert.throws(() => tensor(b as never), {
    message:
      "Cannot create tensor as data must not contain itself: data[0][0] is data[0] again, at depth 2",
  });
  let deep: unknown = 1;
  for (let i = 0; i < 20000; i++) deep = [deep];
  assert.throws(() => tensor(deep as never), {
    name: "TypeError",
    message:
      "Cannot create tensor as data must be nested at most 128 deep, as in PyTorch: it goes on past depth 128",
  });
  assert.ok(performance.now() - start < 1000, "the checks run at once");
  let ok: unknown = 1;
  for (let i = 0; i < 128; i++) ok = [ok];
  assert.equal(tensor(ok as never).shape.length, 128);
});

Deno.test("a shape with a negative, fractional, NaN or BigInt entry names the entry", () => {
  const cases: [unknown, string, string][] = [
    [[-2, -2], "RangeError", "shape[0] must be a non-negative integer: shape[0] is -2"],
    [[2, 1.5], "RangeError", "shape[1] must be a non-negative integer: shape[1] is 1.5"],
    [[NaN], "RangeError", "shape[0] must be a non-negative integer: shape[0] is NaN"],
    [[2n, 2n], "TypeError", "shape[0] must be a non-negative integer: shape[0] is 2n (a bigint)"],
    [
      [2, , 2],
      "TypeError",
      "shape[1] must be a non-negative integer: shape[1] is empty (a hole in the array)",
    ],
    [4, "TypeError", "shape must be an array of non-negative integers: current value is 4"],
  ];
  for (const [shape, name, problem] of cases) {
    assert.throws(() => tensor([1, 2, 3, 4], { shape: shape as number[] }), {
      name,
      message: `Cannot create tensor as ${problem}`,
    });
  }
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), {
    message: "Cannot create tensor as shape [2, 2] needs 4 elements: data has 3",
  });
});

Deno.test("tensor() checks its options: keys, types and null", () => {
  assert.throws(() => tensor([1, 2], { requiresGrad: "yes" } as never), {
    name: "TypeError",
    message: 'Cannot create tensor as requiresGrad must be a boolean: current value is "yes"',
  });
  assert.throws(() => tensor([1, 2], { requiresGrad: null } as never), {
    message: "Cannot create tensor as requiresGrad must be a boolean: current value is null",
  });
  assert.throws(() => tensor([1, 2], { requires_grad: true } as never), {
    message: /"requires_grad" is not one of them; did you mean requiresGrad\?$/,
  });
  assert.throws(() => tensor([1, 2], null as never), {
    message:
      "Cannot create tensor as options must be a plain object (shape, dtype, requiresGrad, device) or undefined: current value is null",
  });
  // dtype and device of null are PyTorch's None: the defaults
  assert.equal(tensor([1, 2], { dtype: null }).dtype, "float32");
  assert.equal(tensor([true], { device: null }).device, "cpu");
});

Deno.test("shape, dtype, device, numel and requiresGrad are read-only at run time", () => {
  const a = tensor([1, 2, 3, 4], { requiresGrad: true });
  const writes: [string, () => void][] = [
    ["shape", () => (a as unknown as { shape: number[] }).shape = [8]],
    ["dtype", () => (a as unknown as { dtype: string }).dtype = "float64"],
    ["device", () => (a as unknown as { device: string }).device = "webgpu"],
    ["numel", () => (a as unknown as { numel: number }).numel = 8],
    ["requiresGrad", () => (a as unknown as { requiresGrad: boolean }).requiresGrad = false],
  ];
  for (const [name, write] of writes) {
    assert.throws(write, { name: "TypeError", message: new RegExp(`Cannot set property ${name}`) });
  }
  assert.throws(() => Object.defineProperty(a, "shape", { value: [8] }), TypeError);
  assert.throws(() => (a.shape as number[]).push(5), TypeError);
  assert.deepEqual(a.shape, [4]);
  assert.equal(a.dtype, "float32");
  assert.equal(mseLoss(a, tensor([0, 0, 0, 0])).item(), 7.5);
});

Deno.test("the exported constructor checks storage against dtype and shape", () => {
  assert.throws(() => new Tensor(new Float64Array(4), [4], "float32"), {
    name: "TypeError",
    message:
      'Cannot create tensor as storage must be a Float32Array for dtype "float32": storage is a Float64Array of 4 elements',
  });
  assert.throws(() => new Tensor(new Int32Array(2) as never, [2], "int64"), {
    message: /storage must be a BigInt64Array for dtype "int64": storage is an Int32Array/,
  });
  assert.throws(() => new Tensor(new Float32Array(4), [-2, -2], "float32"), {
    name: "RangeError",
    message: "Cannot create tensor as shape[0] must be a non-negative integer: shape[0] is -2",
  });
  assert.throws(() => new Tensor(new Float32Array(4), [2, 3], "float32"), {
    message: "Cannot create tensor as shape [2, 3] needs 6 elements: data has 4",
  });
  assert.throws(() => new Tensor(new Float32Array(1), [1], "float16" as never), {
    name: "RangeError",
    message:
      /dtype must be one of "float32", "float64", "int64", "bool": current value is "float16"/,
  });
  assert.throws(() => new Tensor(new Float32Array(1), [1], "float32", null, "yes" as never), {
    message: 'Cannot create tensor as requiresGrad must be a boolean: current value is "yes"',
  });
  assert.throws(() => new Tensor(new BigInt64Array(1), [1], "int64", null, true), {
    message: /only float32 and float64 tensors can require gradients: dtype is "int64"/,
  });
  const resizable = new ArrayBuffer(8, { maxByteLength: 64 });
  assert.throws(() => new Tensor(new Float32Array(resizable), [2], "float32"), {
    message: "Cannot create tensor as storage must have a fixed length: its buffer is resizable",
  });
  const shape = [2];
  const ok = new Tensor(new Float32Array(2), shape, "float32");
  shape[0] = 9; // the tensor keeps its own copy
  assert.deepEqual(ok.shape, [2]);
});

Deno.test("assigning .grad checks type, size and device, as PyTorch", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  assert.throws(() => (x.grad = tensor([1, 2, 3, 4])), {
    name: "RangeError",
    message:
      "Cannot set Tensor.grad as the assigned grad has data of a different size: grad is [4], tensor is [3]",
  });
  assert.throws(() => (x.grad = tensor([[1, 2, 3]])), {
    message: /different size: grad is \[1, 3\], tensor is \[3\]/,
  });
  assert.throws(() => (x.grad = tensor([1, 2, 3], { dtype: "float64" })), {
    name: "TypeError",
    message:
      'Cannot set Tensor.grad as the assigned grad has data of a different type: grad is "float64", tensor is "float32"',
  });
  assert.throws(() => (x.grad = 5 as never), {
    message: "Cannot set Tensor.grad as the assigned grad must be a Tensor or null: got 5",
  });
  assert.throws(() => (x.grad = x), {
    message: "Cannot set Tensor.grad as a tensor cannot be its own grad, as in PyTorch",
  });
  assert.equal(x.grad, null);
  x.grad = tensor([1, 1, 1]);
  mseLoss(x, tensor([0, 0, 0]), { reduction: "sum" }).backward();
  assert.deepEqual(x.grad?.toArray(), [3, 5, 7]);
  x.grad = null;
  assert.equal(x.grad, null);
});

Deno.test("a Proxy around a tensor is named, as an argument and as a receiver", () => {
  const x = tensor([1, 2]);
  const p = new Proxy(x, {});
  assert.ok(p instanceof Tensor);
  assert.throws(() => p.shape, {
    name: "TypeError",
    message:
      "Cannot use Tensor.shape as its receiver is not a Tensor: got a Proxy or a look-alike of a Tensor, where a Tensor from @parity/losses is expected (pass the tensor itself: unwrap reactive state first, e.g. with Vue's toRaw)",
  });
  assert.throws(() => p.item(), {
    message: /^Cannot use Tensor.item as its receiver is not a Tensor/,
  });
  assert.throws(() => mseLoss(p, x), {
    message:
      /^Cannot compute mseLoss as input must be a Tensor: got a Proxy or a look-alike of a Tensor/,
  });
  assert.throws(() => mseLoss(Object.create(Tensor.prototype), x), {
    message: /input must be a Tensor: got a Proxy or a look-alike of a Tensor/,
  });
  const loss = mseLoss(tensor([1], { requiresGrad: true }), tensor([2]));
  assert.throws(() => loss.backward(new Proxy(tensor(1), {})), {
    message:
      /^Cannot run backward as gradOutput must be a Tensor or undefined: got a Proxy or a look-alike/,
  });
  assert.throws(() => loss.backward(5 as never), {
    message: "Cannot run backward as gradOutput must be a Tensor or undefined: got 5",
  });
  assert.throws(() => loss.backward(undefined, { retain_graph: true } as never), {
    message: /^Cannot run backward as .*did you mean retainGraph\?$/,
  });
  loss.backward(null, { retainGraph: null });
});

Deno.test("sizes that cannot be allocated are a RangeError naming the function, shape and bytes", () => {
  const empty = tensor([], { shape: [0, 2 ** 40] });
  assert.deepEqual(empty.shape, [0, 2 ** 40]); // an empty tensor needs no memory
  // a broadcast can ask for far more than its operands hold; it is checked before allocating
  const column = tensor(new Float32Array(2 ** 20), { shape: [2 ** 20, 1] });
  const row = tensor(new Float32Array(2 ** 20), { shape: [1, 2 ** 20] });
  assert.throws(() => mseLoss(column, row), {
    name: "RangeError",
    message:
      /^Cannot compute mseLoss as its broadcast output of shape \[1048576, 1048576\] \(float32\) needs 4398046511104 bytes \(4 TiB\): /,
  });
});
