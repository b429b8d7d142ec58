import assert from "node:assert/strict";
import { crossEntropy, CrossEntropyLoss, type Tensor, tensor } from "../mod.ts";
import { fusedKernels } from "./_engines/elementwise.ts";

Deno.test("crossEntropy() is stable for logits of ±1e4", () => {
  const x = tensor([[1e4, -1e4, 0], [-1e4, -1e4, 1e4]], { requiresGrad: true });
  const loss = crossEntropy(x, tensor([1, 2], { dtype: "int64" }), { reduction: "sum" });
  assert.equal(loss.item(), 2e4);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [[1, -1, 0], [0, 0, 0]]);
});

Deno.test("crossEntropy() with label smoothing mixes in the uniform distribution", () => {
  // Two equal logits: every log-probability is -ln 2, whatever the smoothing.
  const loss = crossEntropy(tensor([[0, 0]]), tensor([0], { dtype: "int64" }), {
    labelSmoothing: 0.5,
  });
  assert.equal(loss.item(), Math.fround(Math.LN2));
});

Deno.test("crossEntropy() takes class probabilities and gives them a gradient", () => {
  const x = tensor([[0, 0]], { requiresGrad: true });
  const p = tensor([[0.25, 0.75]], { requiresGrad: true });
  const loss = crossEntropy(x, p);
  assert.equal(loss.item(), Math.fround(Math.LN2));
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [[0.25, -0.25]]);
  assert.deepEqual(p.grad?.toArray(), [[Math.fround(Math.LN2), Math.fround(Math.LN2)]]);
});

Deno.test("CrossEntropyLoss keeps its options", () => {
  const loss = new CrossEntropyLoss({ reduction: "none" }).forward(
    tensor([[0, 0], [0, 0]]),
    tensor([0, 1], { dtype: "int64" }),
  );
  assert.deepEqual(loss.shape, [2]);
});

Deno.test("crossEntropy() throws for each kind of bad input", () => {
  const x = tensor([[0.5, 1, 2]]);
  const t = tensor([2], { dtype: "int64" });
  assert.throws(() => crossEntropy(x, tensor([2])), {
    name: "TypeError",
    message: /target must hold int64 class indices: target dtype is "float32"; make class indices/,
  });
  assert.throws(() => crossEntropy(x, tensor([5], { dtype: "int64" })), {
    name: "RangeError",
    message: /Cannot compute crossEntropy as target values must be in \[0, 3\).*target\[0\] is 5/,
  });
  assert.throws(() => crossEntropy(x, t, { labelSmoothing: 1.5 }), {
    name: "RangeError",
    message: /labelSmoothing must be in \[0, 1\]: current value is 1.5/,
  });
  assert.throws(() => crossEntropy(x, t, { labelSmoothing: -0.1 }), {
    name: "RangeError",
    message: /labelSmoothing must be in \[0, 1\]: current value is -0.1/,
  });
  assert.throws(() => crossEntropy(x, tensor([[1, 0, 0]], { dtype: "int64" })), {
    name: "TypeError",
    message:
      /target of the input's shape must hold float class probabilities: target dtype is "int64"/,
  });
  assert.throws(() => crossEntropy(x, tensor([[1, 0, 0]]), { ignoreIndex: 1 }), {
    name: "RangeError",
    message: /ignoreIndex is not supported for class-probability targets: current value is 1/,
  });
  assert.throws(() => crossEntropy(x, tensor(new Float64Array([1, 0, 0]), { shape: [1, 3] })), {
    name: "TypeError",
    message: /input and target must have the same dtype: input is "float32", target is "float64"/,
  });
  assert.throws(() => crossEntropy(tensor(1), tensor(0, { dtype: "int64" })), {
    name: "TypeError",
    message: /input must have 1 or more dimensions: input is \[\]/,
  });
  assert.throws(() => crossEntropy(x, t, { labelSmoothing: "0.1" as unknown as number }), {
    name: "TypeError",
    message: /labelSmoothing must be a number: current value is "0.1"/,
  });
});

/** Sum of crossEntropy(x) * g in float64, for central differences. */
function weightedLoss(
  x: Float64Array,
  shape: number[],
  target: number[],
  options: Parameters<typeof crossEntropy>[2],
  g: number[],
): number {
  const out = crossEntropy(
    tensor(x, { shape }),
    tensor(target, { dtype: "int64" }),
    options,
  ).toArray();
  const values = Array.isArray(out) ? out as number[] : [out as number];
  return values.reduce((s, v, j) => s + v * g[j], 0);
}

Deno.test("crossEntropy() gradient from the logits matches central differences for every option", () => {
  const shape = [4, 7];
  const target = [3, 0, 6, 2];
  const weight = tensor([0.5, 1, 2, 0.25, 1.5, 1, 3], { dtype: "float64" });
  const base = new Float64Array(28).map((_v, i) => Math.sin(i * 2.3) * 3);
  for (const reduction of ["none", "mean", "sum"] as const) {
    for (const labelSmoothing of [0, 0.2]) {
      for (const w of [undefined, weight]) {
        const options = { reduction, labelSmoothing, weight: w, ignoreIndex: 2 };
        const g = reduction === "none" ? [0.7, -1.3, 2, 0.4] : [0.9];
        const x = tensor(base, { shape, requiresGrad: true });
        const loss = crossEntropy(x, tensor(target, { dtype: "int64" }), options);
        loss.backward(tensor(g, { shape: loss.shape as number[], dtype: "float64" }));
        const grad = (x.grad?.toArray() as number[][]).flat();
        for (let i = 0; i < base.length; i++) {
          const h = 1e-6;
          const up = base.slice();
          const down = base.slice();
          up[i] += h;
          down[i] -= h;
          const numeric = (weightedLoss(up, shape, target, options, g) -
            weightedLoss(down, shape, target, options, g)) / (2 * h);
          assert.ok(
            Math.abs(grad[i] - numeric) < 1e-7,
            `${reduction} ls=${labelSmoothing} w=${w !== undefined} [${i}]: ${
              grad[i]
            } vs ${numeric}`,
          );
        }
        // the ignored row (target 2) takes no gradient
        assert.deepEqual(grad.slice(21, 28), [0, 0, 0, 0, 0, 0, 0]);
      }
    }
  }
});

Deno.test("crossEntropy() backward twice with retainGraph doubles the gradient", () => {
  const x = tensor([[1, 2, 3], [0.5, -1, 4]], { requiresGrad: true });
  const loss = crossEntropy(x, tensor([2, 0], { dtype: "int64" }));
  loss.backward(undefined, { retainGraph: true });
  const once = (x.grad?.toArray() as number[][]).flat();
  loss.backward();
  const twice = (x.grad?.toArray() as number[][]).flat();
  assert.deepEqual(twice, once.map((v) => Math.fround(v + v)));
});

async function gradOf(x: Tensor): Promise<number[]> {
  return Array.from(await (x.grad as Tensor).data() as Float32Array | Float64Array);
}

Deno.test("crossEntropy() gradient made in the forward pass is the backward's, bit for bit", async () => {
  const grads = async (args: {
    dtype: "float32" | "float64";
    reduction: "mean" | "sum";
    weight: boolean;
    ignore: boolean;
  }): Promise<number[][]> => {
    const [rows, classes] = [37, 11];
    const data = Array.from({ length: rows * classes }, (_, i) => 3 * Math.sin(i * 0.91));
    data[5] = -Infinity;
    data[40] = 80;
    const x = tensor(data, { shape: [rows, classes], dtype: args.dtype, requiresGrad: true });
    const t = tensor(Array.from({ length: rows }, (_, j) => (j * 5) % classes), { dtype: "int64" });
    const weight = args.weight
      ? tensor(Array.from({ length: classes }, (_, c) => 0.5 + c / 4), { dtype: args.dtype })
      : undefined;
    const loss = crossEntropy(x, t, {
      reduction: args.reduction,
      weight,
      ignoreIndex: args.ignore ? 3 : -100,
    });
    const out: number[][] = [[loss.item()]];
    loss.backward(undefined, { retainGraph: true });
    out.push(await gradOf(x));
    loss.backward(undefined, { retainGraph: true });
    out.push(await gradOf(x));
    x.grad = null;
    loss.backward(tensor(2.5, { dtype: args.dtype }));
    out.push(await gradOf(x));
    return out;
  };
  for (const dtype of ["float32", "float64"] as const) {
    for (const reduction of ["mean", "sum"] as const) {
      for (const weight of [false, true]) {
        for (const ignore of [false, true]) {
          const args = { dtype, reduction, weight, ignore };
          const fused = await grads(args);
          fusedKernels.enabled = false;
          let plain: number[][];
          try {
            plain = await grads(args);
          } finally {
            fusedKernels.enabled = true;
          }
          fused.forEach((row, k) =>
            row.forEach((v, i) =>
              assert.ok(Object.is(v, plain[k][i]), `${JSON.stringify(args)} [${k}][${i}]`)
            )
          );
        }
      }
    }
  }
});
