import assert from "node:assert/strict";
import {
  abs,
  add,
  clamp,
  clampMin,
  div,
  maximum,
  mean,
  minimum,
  mul,
  neg,
  pow,
  sqrt,
  sub,
  sum,
  tensor,
} from "../mod.ts";

Deno.test("ops record PyTorch's node names", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = tensor([1, 2], { requiresGrad: true });
  assert.equal(add(x, y).gradFn?.name, "AddBackward0");
  assert.equal(add(x, 1).gradFn?.name, "AddBackward0");
  assert.equal(sub(x, y).gradFn?.name, "SubBackward0");
  assert.equal(sub(1, x).gradFn?.name, "RsubBackward1");
  assert.equal(mul(x, y).gradFn?.name, "MulBackward0");
  assert.equal(div(x, y).gradFn?.name, "DivBackward0");
  assert.equal(div(1, x).gradFn?.name, "MulBackward0");
  assert.equal(minimum(x, y).gradFn?.name, "MinimumBackward0");
  assert.equal(maximum(x, y).gradFn?.name, "MaximumBackward0");
  assert.equal(neg(x).gradFn?.name, "NegBackward0");
  assert.equal(abs(x).gradFn?.name, "AbsBackward0");
  assert.equal(sqrt(x).gradFn?.name, "SqrtBackward0");
  assert.equal(pow(x, 2).gradFn?.name, "PowBackward0");
  assert.equal(clampMin(x, 0).gradFn?.name, "ClampMinBackward0");
  assert.equal(clamp(x, { min: 0 }).gradFn?.name, "ClampBackward1");
  assert.equal(sum(x).gradFn?.name, "SumBackward0");
  assert.equal(sum(x, { dim: 1 }).gradFn?.name, "SumBackward1");
  assert.equal(mean(x).gradFn?.name, "MeanBackward0");
  assert.equal(mean(x, { dim: [0, 1] }).gradFn?.name, "MeanBackward1");
  assert.equal(add(tensor([1]), 1).gradFn, null);
});

Deno.test("a chain of ops carries gradients to every leaf, broadcast ones summed back", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64", requiresGrad: true });
  const b = tensor([1, 0, 2], { dtype: "float64", requiresGrad: true });
  // sum((a - b)^2, dim=-1) then mean
  const loss = mean(sum(pow(sub(a, b), 2), { dim: -1 }));
  assert.equal(loss.item(), (0 + 4 + 1 + 9 + 25 + 16) / 2);
  loss.backward();
  assert.deepEqual(a.grad?.toArray(), [[0, 2, 1], [3, 5, 4]]);
  assert.deepEqual(b.grad?.toArray(), [-3, -7, -5]);
});

Deno.test("sum() and mean() take several dims, keepdim, and empty inputs as PyTorch", () => {
  const x = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  assert.deepEqual(sum(x, { dim: [0, 2] }).toArray(), [14, 22]);
  assert.deepEqual(sum(x, { dim: [-1, 0], keepdim: true }).shape, [1, 2, 1]);
  assert.deepEqual(sum(x, { dim: [] }).shape, []);
  assert.equal(sum(tensor([])).item(), 0);
  assert.ok(Number.isNaN(mean(tensor([])).item()));
  assert.deepEqual(mean(tensor(2.5), { dim: 0 }).shape, []);
});

Deno.test("minimum() splits a tie and gives nan's gradient to both sides", () => {
  const a = tensor([1, NaN, 3], { requiresGrad: true });
  const b = tensor([1, 2, 2], { requiresGrad: true });
  const m = minimum(a, b);
  assert.ok(Number.isNaN((m.toArray() as number[])[1]));
  m.backward(tensor([1, 1, 1]));
  assert.deepEqual(a.grad?.toArray(), [0.5, 1, 0]);
  assert.deepEqual(b.grad?.toArray(), [0.5, 1, 1]);
});

Deno.test("pow() follows PyTorch's special exponents at -0 and -inf", () => {
  assert.deepEqual(pow(tensor([-0, -Infinity]), 0.5).toArray(), [-0, NaN]);
  assert.deepEqual(pow(tensor([-0]), -0.5).toArray(), [-Infinity]);
  const x = tensor([NaN, 0], { requiresGrad: true });
  pow(x, 0).backward(tensor([1, 1]));
  assert.deepEqual(x.grad?.toArray(), [0, 0]);
});

Deno.test("ops throw for each kind of bad input", () => {
  assert.throws(() => sub(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message: /Cannot compute sub as the shapes must broadcast: input is \[2\], other is \[3\]/,
  });
  assert.throws(() => add(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and other must have the same dtype: input is "float32", other is "float64"/,
  });
  assert.throws(() => mul(tensor([1], { dtype: "int64" }), 2), {
    name: "TypeError",
    message: /Cannot compute mul as input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(() => div(2 as never, 3 as never), {
    name: "TypeError",
    message: /Cannot compute div as input or other must be a Tensor: both are numbers/,
  });
  assert.throws(() => minimum(tensor([1]), 2 as never), {
    name: "TypeError",
    message: /Cannot compute minimum as other must be a Tensor: got 2/,
  });
  assert.throws(() => abs([1] as never), {
    name: "TypeError",
    message: /Cannot compute abs as input must be a Tensor: got an array/,
  });
  assert.throws(() => pow(tensor([1]), "2" as never), {
    name: "TypeError",
    message: /Cannot compute pow as exponent must be a number: current value is "2"/,
  });
  assert.throws(() => clamp(tensor([1]), {}), {
    name: "RangeError",
    message: /Cannot compute clamp as min or max must be given/,
  });
  assert.throws(() => clampMin(tensor([1]), null as never), {
    name: "TypeError",
    message: /Cannot compute clampMin as min must be a number: current value is null/,
  });
  assert.throws(() => sum(tensor([[1]]), { dim: 2 }), {
    name: "RangeError",
    message: /Cannot compute sum as dim must be in \[-2, 1\]: current value is 2/,
  });
  assert.throws(() => mean(tensor([[1]]), { dim: [0, -2] }), {
    name: "RangeError",
    message: /Cannot compute mean as dim must not repeat a dimension: 0 appears twice/,
  });
  assert.throws(() => mean(tensor([[1]]), { dim: 0.5 }), {
    name: "TypeError",
    message: /Cannot compute mean as dim must be an integer or an array of integers/,
  });
  assert.throws(() => sum(tensor([1]), { keepdim: 1 as never }), {
    name: "TypeError",
    message: /Cannot compute sum as keepdim must be a boolean: current value is 1/,
  });
});

Deno.test("binary ops read a one-element operand in place and sum its gradient", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true, dtype: "float64" });
  const c = tensor([2], { requiresGrad: true, dtype: "float64" });
  const y = div(sub(mul(x, c), c), add(c, 1));
  assert.deepEqual(y.toArray(), [[0, 2 / 3, 4 / 3], [2, 8 / 3, 10 / 3]]);
  y.backward(tensor([[1, 1, 1], [1, 1, 1]], { dtype: "float64" }));
  assert.deepEqual(x.grad?.toArray(), [[2 / 3, 2 / 3, 2 / 3], [2 / 3, 2 / 3, 2 / 3]]);
  // d/dc sum((x c - c) / (c + 1)) = sum((x - 1) / (c + 1) - (x c - c) / (c + 1)^2)
  const want = [1, 2, 3, 4, 5, 6].reduce((s, v) => s + (v - 1) / 3 - (2 * v - 2) / 9, 0);
  assert.ok(Math.abs((c.grad?.item() ?? NaN) - want) < 1e-12);
});

Deno.test("sum() over trailing dims equals the same sum through an index per element", () => {
  const data = Array.from({ length: 24 }, (_v, i) => Math.sin(i) * 3);
  const x = tensor(data, { shape: [2, 3, 4], requiresGrad: true });
  const trailing = sum(x, { dim: [1, 2] });
  const swapped = sum(x, { dim: [2, 1] });
  assert.deepEqual(trailing.toArray(), swapped.toArray());
  const byHand = [0, 1].map((i) =>
    Math.fround(data.slice(12 * i, 12 * i + 12).reduce((a, b) => a + Math.fround(b), 0))
  );
  assert.deepEqual(trailing.toArray(), byHand);
  mean(x, { dim: -1, keepdim: true }).backward(tensor(new Array(6).fill(2), { shape: [2, 3, 1] }));
  assert.deepEqual((x.grad?.toArray() as number[][][]).flat(2), new Array(24).fill(0.5));
  // a leading dim still goes through the index
  assert.deepEqual(
    sum(tensor([[1, 2], [3, 4]]), { dim: 0 }).toArray(),
    [4, 6],
  );
});
