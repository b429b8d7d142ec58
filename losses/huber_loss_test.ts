import assert from "node:assert/strict";
import { HuberLoss, huberLoss, tensor } from "../mod.ts";

Deno.test("huberLoss() gives delta-scaled linear gradients and the negation for target", () => {
  const x = tensor([0.5, 3, -2, 1], { requiresGrad: true });
  const y = tensor([0, 0, 0, 1], { requiresGrad: true });
  const loss = huberLoss(x, y, { delta: 2, reduction: "sum" });
  assert.equal(loss.gradFn?.name, "HuberLossBackward0");
  assert.equal(loss.item(), 0.125 + 4 + 2 + 0);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [0.5, 2, -2, 0]);
  assert.deepEqual(y.grad?.toArray(), [-0.5, -2, 2, -0]);
});

Deno.test("huberLoss() is delta times smoothL1Loss with beta = delta", () => {
  const x = tensor(new Float64Array([0.1, -0.7, 2.5]));
  const y = tensor(new Float64Array([0, 0, 0]));
  const loss = huberLoss(x, y, { delta: 0.5, reduction: "none" }).toArray() as number[];
  assert.deepEqual(loss, [0.5 * 0.1 * 0.1, 0.5 * (0.7 - 0.25), 0.5 * (2.5 - 0.25)]);
});

Deno.test("huberLoss() broadcasts and sums gradients back", () => {
  const x = tensor([[1], [2]], { requiresGrad: true });
  const loss = huberLoss(x, tensor([0, 0, 0]), { reduction: "none" });
  assert.deepEqual(loss.shape, [2, 3]);
  loss.backward(tensor([[1, 1, 1], [1, 1, 1]]));
  assert.deepEqual(x.grad?.toArray(), [[3], [3]]);
});

Deno.test("HuberLoss keeps its options", () => {
  const loss = new HuberLoss({ delta: 0.5, reduction: "sum" }).forward(tensor([2]), tensor([0]));
  assert.equal(loss.item(), 0.875);
});

Deno.test("huberLoss() throws for each kind of bad input", () => {
  for (const delta of [0, -1, NaN]) {
    assert.throws(() => huberLoss(tensor([1]), tensor([1]), { delta }), {
      name: "RangeError",
      message: new RegExp(
        `Cannot compute huberLoss as delta must be positive: current value is ${delta}`,
      ),
    });
  }
  assert.throws(() => huberLoss(tensor([1]), tensor([1]), { delta: "2" as never }), {
    name: "TypeError",
    message: /delta must be a number: current value is "2"/,
  });
  assert.throws(() => huberLoss(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message: /the shapes must broadcast: input is \[2\], target is \[3\]/,
  });
  assert.throws(() => huberLoss(tensor(new Float64Array([1])), tensor([1])), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float64", target is "float32"/,
  });
  assert.throws(() => huberLoss(tensor([true]), tensor([true])), {
    name: "TypeError",
    message: /input must be float32 or float64: input dtype is "bool"/,
  });
  assert.throws(() => huberLoss(tensor([1]), tensor([1]), { reduction: "batchmean" as "mean" }), {
    name: "RangeError",
    message: /reduction must be "none", "mean" or "sum": current value is "batchmean"/,
  });
});

Deno.test("huberLoss()'s kernel form m (z - 0.5 m), m = z < delta ? z : delta, is the formula's bits", () => {
  // wasm/elementwise.wat computes the loss as m (z - 0.5 m): checked here step for step against
  // z < delta ? 0.5 z z : delta (z - 0.5 delta) over every 4099th float32 z >= 0 (subnormals,
  // inf and nan included) and the float32 neighbours of delta, in float32 and in float64
  const f = Math.fround;
  for (const delta of [1, 1.3, 0.7, 1e-30, 2 ** -126, 3e38]) {
    const d32 = f(delta);
    const zs = new Float32Array(new Uint32Array(0x80000000 / 4099).map((_, i) => i * 4099).buffer);
    const near = new Float32Array(
      new Int32Array(201).map((_, i) => new Int32Array(new Float32Array([d32]).buffer)[0] + i - 100)
        .buffer,
    );
    // and float64's smallest: subnormal, and normal where 0.5 z is not
    const tiny = [
      5e-324,
      3 * 2 ** -1074,
      2 ** -1022,
      2 ** -1022 + 2 ** -1074,
      2 ** -1021 + 2 ** -1073,
    ];
    for (const z of [...zs, ...near, ...tiny]) {
      const want32 = z < d32 ? f(f(0.5 * z) * z) : f(d32 * f(z - f(0.5 * d32)));
      const m32 = z < d32 ? z : d32; // f32x4.pmin(delta, z)
      const got32 = f(m32 * f(z - f(0.5 * m32)));
      const want64 = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
      const m64 = z < delta ? z : delta;
      const got64 = m64 * (z - 0.5 * m64);
      for (const [got, want] of [[got32, want32], [got64, want64]]) {
        if (!Object.is(got, want) && !(Number.isNaN(got) && Number.isNaN(want))) {
          assert.fail(`delta ${delta}, z ${z}: ${got} against ${want}`);
        }
      }
    }
  }
});
