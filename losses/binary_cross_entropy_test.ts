import assert from "node:assert/strict";
import { BCELoss, binaryCrossEntropy, tensor } from "../mod.ts";

Deno.test("binaryCrossEntropy() clamps the log at -100 and the gradient's divisor at 1e-12", () => {
  const x = tensor([0, 1, 0.5], { dtype: "float64", requiresGrad: true });
  const y = tensor([1, 0, 1], { dtype: "float64", requiresGrad: true });
  const loss = binaryCrossEntropy(x, y, { reduction: "none" });
  assert.equal(loss.gradFn?.name, "BinaryCrossEntropyBackward0");
  assert.deepEqual(loss.toArray(), [100, 100, Math.LN2]);
  loss.backward(tensor([1, 1, 1], { dtype: "float64" }));
  assert.deepEqual(x.grad?.toArray(), [-1e12, 1e12, -2]);
  assert.deepEqual(y.grad?.toArray(), [Infinity, -Infinity, -0]);
});

Deno.test("binaryCrossEntropy() broadcasts weight and divides the mean by numel", () => {
  const x = tensor([[0.5, 0.5], [0.5, 0.5]], { dtype: "float64" });
  const y = tensor([[1, 1], [1, 1]], { dtype: "float64" });
  const weight = tensor([0, 2], { dtype: "float64" });
  assert.equal(binaryCrossEntropy(x, y, { weight }).item(), Math.LN2);
});

Deno.test("BCELoss keeps its options", () => {
  const loss = new BCELoss({ reduction: "none" }).forward(tensor([0.5]), tensor([0]));
  assert.deepEqual(loss.toArray(), [Math.fround(Math.LN2)]);
});

Deno.test("binaryCrossEntropy() throws for each kind of bad input", () => {
  assert.throws(() => binaryCrossEntropy(tensor([0.5, 1.5]), tensor([1, 0])), {
    name: "RangeError",
    message:
      /Cannot compute binaryCrossEntropy as input values must be in \[0, 1\]: input\[1\] is 1.5/,
  });
  assert.throws(() => binaryCrossEntropy(tensor([[NaN]]), tensor([[1]])), {
    name: "RangeError",
    message: /input\[0, 0\] is NaN/,
  });
  assert.throws(() => binaryCrossEntropy(tensor([[0.5, 0.5]]), tensor([1, 0])), {
    name: "TypeError",
    message: /input and target must have the same shape: input is \[1, 2\], target is \[2\]/,
  });
  assert.throws(() => binaryCrossEntropy(tensor([0.5]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float32", target is "float64"/,
  });
  assert.throws(() => binaryCrossEntropy(tensor([0.5]), tensor([1], { dtype: "int64" })), {
    name: "TypeError",
    message: /target must be float32 or float64: target dtype is "int64"/,
  });
  assert.throws(
    () => binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1, 0]), { weight: tensor([1, 2, 3]) }),
    { name: "TypeError", message: /the shapes must broadcast: input is \[2\], weight is \[3\]/ },
  );
  assert.throws(
    () => binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1, 0]), { weight: tensor([[1, 2]]) }),
    {
      name: "TypeError",
      message: /weight must broadcast to the input's shape: input is \[2\], weight is \[1, 2\]/,
    },
  );
  assert.throws(
    () =>
      binaryCrossEntropy(tensor([0.5]), tensor([1]), {
        weight: tensor([1], { requiresGrad: true }),
      }),
    { name: "TypeError", message: /weight cannot take a gradient/ },
  );
  assert.throws(
    () => binaryCrossEntropy(tensor([0.5]), tensor([1]), { weight: tensor(new Float64Array([1])) }),
    { name: "TypeError", message: /input and weight must have the same dtype/ },
  );
  assert.throws(
    () => binaryCrossEntropy(tensor([0.5]), tensor([1]), { reduction: "batchmean" as "mean" }),
    { name: "RangeError", message: /reduction must be "none", "mean" or "sum"/ },
  );
});

Deno.test("binaryCrossEntropy() float32 sum: log1p(-x) from log(1 - x) is the scalar loop's, tiny x too", async () => {
  const { fusedKernels } = await import("./_engines/elementwise.ts");
  const special = [
    0,
    1e-45,
    1e-40,
    1e-20,
    2 ** -30,
    2 ** -29,
    3e-9,
    1e-7,
    0.25,
    0.5,
    0.75,
    1 - 2 ** -24,
    1,
  ];
  // each twice: once with y = 0 (below)
  const xs = special.flatMap((v) => [v, v]);
  for (let i = 0; i < 500; i++) xs.push(((i * 0.6180339887498949) % 1) ** 3);
  // one element per call: the fused sum is that element's loss, bit for bit
  for (const [i, xi] of xs.entries()) {
    // y = 0 on even i: the loss is -log1p(-x) itself
    const y = tensor(new Float32Array([i % 2 === 0 ? 0 : (i * 0.37) % 1]));
    const x = tensor(new Float32Array([xi]));
    fusedKernels.enabled = false;
    const want = binaryCrossEntropy(x, y, { reduction: "none" }).toArray() as number[];
    fusedKernels.enabled = true;
    assert.equal(binaryCrossEntropy(x, y, { reduction: "sum" }).item(), want[0], `x = ${xi}`);
  }
});
