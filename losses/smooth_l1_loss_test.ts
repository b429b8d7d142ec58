import assert from "node:assert/strict";
import { SmoothL1Loss, smoothL1Loss, tensor } from "../mod.ts";
import { simdLoss } from "./_cpu/simd.ts";

Deno.test("smoothL1Loss() is quadratic below beta and linear above", () => {
  const x = tensor([0.5, 3, -1], { requiresGrad: true });
  const y = tensor([0, 0, 0], { requiresGrad: true });
  const loss = smoothL1Loss(x, y, { reduction: "none" });
  assert.equal(loss.gradFn?.name, "SmoothL1LossBackward0");
  assert.deepEqual(loss.toArray(), [0.125, 2.5, 0.5]);
  loss.backward(tensor([1, 1, 1]));
  assert.deepEqual(x.grad?.toArray(), [0.5, 1, -1]);
  assert.deepEqual(y.grad?.toArray(), [-0.5, -1, 1]);
});

Deno.test("smoothL1Loss() with beta 0 is L1 with PyTorch's -1 gradient at ties, for both", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = tensor([1, 0, 4], { requiresGrad: true });
  const loss = smoothL1Loss(x, y, { beta: 0, reduction: "sum" });
  assert.equal(loss.item(), 3);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [-1, 1, -1]);
  assert.deepEqual(y.grad?.toArray(), [-1, -1, 1]);
});

Deno.test("smoothL1Loss() of an empty tensor is nan for mean and 0 for sum", () => {
  assert.ok(Number.isNaN(smoothL1Loss(tensor([]), tensor([])).item()));
  assert.equal(smoothL1Loss(tensor([]), tensor([]), { reduction: "sum" }).item(), 0);
});

Deno.test("smoothL1Loss() with an infinite beta is 0 for finite values", () => {
  const loss = smoothL1Loss(tensor([1, -2]), tensor([0, 0]), { beta: Infinity, reduction: "sum" });
  assert.equal(loss.item(), 0);
});

Deno.test("SmoothL1Loss keeps its options", () => {
  const loss = new SmoothL1Loss({ beta: 2, reduction: "sum" }).forward(tensor([1]), tensor([0]));
  assert.equal(loss.item(), 0.25);
});

Deno.test("smoothL1Loss() throws for each kind of bad input", () => {
  assert.throws(() => smoothL1Loss(tensor([1]), tensor([1]), { beta: -1 }), {
    name: "RangeError",
    message: /Cannot compute smoothL1Loss as beta must be non-negative: current value is -1/,
  });
  assert.throws(() => smoothL1Loss(tensor([1]), tensor([1]), { beta: NaN }), {
    name: "RangeError",
    message: /beta must be non-negative: current value is NaN/,
  });
  assert.throws(() => smoothL1Loss(tensor([1]), tensor([1]), { beta: "1" as never }), {
    name: "TypeError",
    message: /beta must be a number: current value is "1"/,
  });
  assert.throws(() => smoothL1Loss(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message: /the shapes must broadcast: input is \[2\], target is \[3\]/,
  });
  assert.throws(() => smoothL1Loss(tensor([1]), tensor(new Float64Array([1]))), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float32", target is "float64"/,
  });
  assert.throws(() => smoothL1Loss(tensor([1], { dtype: "int64" }), tensor([1])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "int64"/,
  });
  assert.throws(() => smoothL1Loss(tensor([1]), tensor([1]), { reduction: "avg" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "avg"/,
  });
});

Deno.test("smooth L1's kernel for a power-of-two beta gives the dividing kernel's bits", () => {
  const n = 5003; // past a chunk's vectors and not whole vectors
  for (const Ctor of [Float32Array, Float64Array]) {
    const x = new Ctor(n);
    const y = new Ctor(n);
    for (let i = 0; i < n; i++) {
      // differences from subnormal to large, on both sides of every beta, and a nan
      x[i] = Math.sin(i * 12.9898) * 2 ** ((i % 61) - 40);
      y[i] = Math.cos(i * 4.1414) * 2 ** ((i % 37) - 30);
    }
    x[17] = NaN;
    for (const beta of [2 ** -20, 0.25, 1, 2, 1024]) {
      const b = Ctor === Float32Array ? Math.fround(beta) : beta;
      const half = Ctor === Float32Array ? Math.fround(0.5 * b) : 0.5 * b;
      for (const withGrad of [false, true]) {
        const g1 = withGrad ? new Ctor(n) : null;
        const g2 = withGrad ? new Ctor(n) : null;
        const s1 = simdLoss("smooth_l1", [x, y], g1, b, half, 0.125, 3);
        const s2 = simdLoss("smooth_l1_pow2", [x, y], g2, b, half, 0.125, 3);
        const what = `${Ctor.name} beta ${beta}${withGrad ? " with gradient" : ""}`;
        assert.ok(Object.is(s1, s2), `${what}: sum ${s2} against ${s1}`);
        if (g1 && g2) {
          for (let i = 0; i < n; i++) {
            if (!Object.is(g1[i], g2[i])) assert.fail(`${what}: [${i}] ${g2[i]} against ${g1[i]}`);
          }
        }
      }
    }
  }
});
