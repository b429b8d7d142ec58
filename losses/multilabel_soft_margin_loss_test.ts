import assert from "node:assert/strict";
import { MultiLabelSoftMarginLoss, multilabelSoftMarginLoss, type Tensor, tensor } from "../mod.ts";
import { exp32, log1p32 } from "./_cpu/generated/math32.ts";

Deno.test("multilabelSoftMarginLoss() is stable for large logits and exact for 0", () => {
  const x = tensor([[1e4, -1e4, 0]], { requiresGrad: true, dtype: "float64" });
  const y = tensor([[1, 0, 1]], { requiresGrad: true, dtype: "float64" });
  const loss = multilabelSoftMarginLoss(x, y);
  assert.equal(loss.gradFn?.name, "MeanBackward0");
  assert.equal(loss.item(), Math.LN2 / 3);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [[0, 0, -0.5 / 3]]);
  // d/dy of -(y log s(x) + (1 - y) log s(-x)) = log s(-x) - log s(x) = -x, over C = 3
  const gy = (y.grad?.toArray() as number[][])[0];
  [-1e4 / 3, 1e4 / 3, 0].forEach((v, i) => assert.ok(Math.abs(gy[i] - v) < 1e-9));
});

Deno.test("multilabelSoftMarginLoss() gives weight a gradient and takes int64 labels", () => {
  const x = tensor([[0, 0]], { dtype: "float64" });
  const weight = tensor([2, 1], { requiresGrad: true, dtype: "float64" });
  const labels = tensor([[1, 0]], { dtype: "int64" });
  const loss = multilabelSoftMarginLoss(x, labels, { weight, reduction: "sum" });
  assert.equal(loss.item(), 3 * Math.LN2 / 2);
  loss.backward();
  assert.deepEqual(weight.grad?.toArray(), [Math.LN2 / 2, Math.LN2 / 2]);
});

Deno.test("multilabelSoftMarginLoss() keeps the row shape for none", () => {
  const loss = new MultiLabelSoftMarginLoss({ reduction: "none" }).forward(
    tensor([[[0, 0], [0, 0], [0, 0]]]),
    tensor([[[1, 0], [0, 1], [1, 1]]]),
  );
  assert.deepEqual(loss.shape, [1, 3]);
  assert.equal(loss.gradFn, null);
});

Deno.test("multilabelSoftMarginLoss() throws for each kind of bad input", () => {
  const x = tensor([[1, 2, 3]]);
  assert.throws(() => multilabelSoftMarginLoss(tensor(1), tensor(1)), {
    name: "TypeError",
    message:
      /Cannot compute multilabelSoftMarginLoss as input must have 1 or more dimensions: input is \[\]/,
  });
  assert.throws(() => multilabelSoftMarginLoss(x, tensor([1, 0])), {
    name: "TypeError",
    message: /the shapes must broadcast: input is \[1, 3\], target is \[2\]/,
  });
  assert.throws(
    () => multilabelSoftMarginLoss(x, tensor([[1, 0, 1]]), { weight: tensor([1, 2]) }),
    {
      name: "TypeError",
      message: /the shapes must broadcast: input is \[1, 3\], target is \[1, 3\], weight is \[2\]/,
    },
  );
  assert.throws(() => multilabelSoftMarginLoss(x, tensor([[true, false, true]])), {
    name: "TypeError",
    message: /target must have the input's dtype or be int64: input is "float32", target is "bool"/,
  });
  assert.throws(() => multilabelSoftMarginLoss(x, tensor(new Float64Array([1, 0, 1]))), {
    name: "TypeError",
    message: /target is "float64"/,
  });
  assert.throws(
    () => multilabelSoftMarginLoss(x, tensor([[1, 0, 1]]), { weight: tensor(new Float64Array(3)) }),
    { name: "TypeError", message: /input and weight must have the same dtype/ },
  );
  assert.throws(() => multilabelSoftMarginLoss(tensor([1], { dtype: "int64" }), tensor([1])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(
    () => multilabelSoftMarginLoss(x, tensor([[1, 0, 1]]), { reduction: "avg" as "sum" }),
    {
      name: "RangeError",
      message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
    },
  );
});

Deno.test("multilabelSoftMarginLoss() float32 lane kernels give the loop's bits", async () => {
  // Without weights, float32 (N, C) takes the WebAssembly lanes; a weight of ones takes the
  // JavaScript loop, whose products by 1 change nothing: losses and gradients must be equal.
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-30, 90, -90, 3e38];
  const bitwise = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
    }
  };
  // rows of 10 in blocks of 204, of 31 in blocks of 66 (four rows at a time, then one), of
  // exactly one block, past a block (the loop), operands in the kernel arena (4100 × 10), and
  // more rows than a block holds with no classes (every mean 0 / 0)
  const shapes = [[3, 5], [700, 10], [67, 31], [3, 2048], [5, 3000], [4100, 10], [3000, 0]];
  for (const [rows, classes] of shapes) {
    const n = rows * classes;
    const xs = new Float32Array(n).map((_, i) =>
      i % 97 === 5 ? specials[(i / 97 | 0) % specials.length] : 4 * Math.sin(i * 1.3)
    );
    const ys = new Float32Array(n).map((_, i) => (i * 7) % 3 === 0 ? 1 : i % 5 === 0 ? 0.25 : 0);
    const ones = tensor(new Float32Array(classes).fill(1));
    for (const reduction of ["none", "mean", "sum"] as const) {
      const run = async (weight?: Tensor) => {
        const x = tensor(xs, { shape: [rows, classes], requiresGrad: true });
        const y = tensor(ys, { shape: [rows, classes] });
        const loss = multilabelSoftMarginLoss(x, y, { reduction, weight });
        loss.backward(reduction === "none" ? tensor(new Float32Array(rows).fill(0.5)) : undefined);
        const grad = await (x.grad as Tensor).data() as Float32Array;
        return { value: await loss.data() as Float32Array, grad };
      };
      const lanes = await run();
      const loop = await run(ones);
      const where = `${rows}x${classes} ${reduction}`;
      bitwise(lanes.value, loop.value, `${where} loss`);
      bitwise(lanes.grad, loop.grad, `${where} grad`);
    }
  }
});

Deno.test("multilabelSoftMarginLoss() float32 fused kernels are the formula with exp32 and log1p32, bit for bit", async () => {
  // One class per row, so each row's mean is its term: every 2039th float32 bit pattern (both
  // signs, subnormals, infinities, nans) through the kernels' fast steps (|x| <= 87) and their
  // whole ones, against the loss file's rounding of each step with the scalar exp32 and log1p32.
  const n = Math.floor(2 ** 32 / 2039);
  const xs = new Float32Array(new Uint32Array(n).map((_, i) => i * 2039).buffer);
  const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  for (const label of [0, 1, 0.25]) {
    const ys = new Float32Array(n).fill(label);
    const shape = [n, 1];
    const terms = multilabelSoftMarginLoss(tensor(xs, { shape }), tensor(ys, { shape }), {
      reduction: "none",
    }).toArray() as number[];
    const x = tensor(xs, { shape, requiresGrad: true });
    multilabelSoftMarginLoss(x, tensor(ys, { shape }), { reduction: "sum" }).backward();
    const grad = await (x.grad as Tensor).data() as Float32Array;
    const f = Math.fround;
    for (let i = 0; i < n; i++) {
      const v = xs[i];
      const e = exp32(-Math.abs(v));
      const t = log1p32(e);
      const a = f(Math.min(v, 0) - t);
      const b = f(Math.min(-v, 0) - t);
      // the row's sum starts at +0, as the loss file's loop (-0 + 0 is 0)
      const term = 0 + -f(f(label * a) + f(f(1 - label) * b));
      // the row gradient is 1 ("sum", one class): logsigmoid's backward at v and -v
      const q = f(e / f(1 + e));
      const [ca, cb] = [f(-1 * label), f(-1 * f(1 - label))];
      const fromA = v < 0 ? f(f(1 - q) * ca) : f(q * ca);
      const fromB = -(-v < 0 ? f(f(1 - q) * cb) : f(q * cb));
      const g = f(fromA + fromB);
      if (!same(terms[i], term) || !same(grad[i], g)) {
        assert.fail(
          `x = ${v}, y = ${label}: term ${terms[i]} (want ${term}), grad ${grad[i]} (want ${g})`,
        );
      }
    }
  }
});
