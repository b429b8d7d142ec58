/**
 * The elementwise losses on WebGPU, beyond the fixtures: checks that read values the GPU
 * computed, int64 labels read by the kernels themselves (one submit), and broadcast labels.
 * Skipped, with the reason printed, where there is no WebGPU adapter.
 */
import assert from "node:assert/strict";
import {
  binaryCrossEntropy,
  gaussianNllLoss,
  hingeEmbeddingLoss,
  klDiv,
  l1Loss,
  marginRankingLoss,
  softMarginLoss,
  type Tensor,
  tensor,
} from "../mod.ts";
import { gpu } from "./_webgpu/device.ts";
import { ELEMENTWISE_MATH } from "./_webgpu/elementwise.ts";
import { runMap } from "./_webgpu/kernels.ts";
import { gpuStorage, Tensor as TensorClass } from "./tensor.ts";

const adapter = await navigator.gpu?.requestAdapter();
const missing = adapter === undefined
  ? "this runtime has no navigator.gpu"
  : adapter === null
  ? "navigator.gpu.requestAdapter() found no adapter"
  : null;
if (missing !== null) console.log(`elementwise webgpu tests skipped: ${missing}`);

/** Values the GPU computed (no CPU copy): |a - b| elementwise. */
async function computedOnGpu(a: number[], b: number[]): Promise<Tensor> {
  const x = await tensor(a).to("webgpu");
  const y = await tensor(b).to("webgpu");
  return l1Loss(x, y, { reduction: "none" });
}

/** Runs `f`, counting the queue submits it makes. */
function countSubmits<T>(f: () => T): [T, number] {
  const queue = gpu().device.queue;
  const submit = queue.submit;
  let count = 0;
  queue.submit = (buffers: GPUCommandBuffer[]) => {
    count++;
    return submit.call(queue, buffers);
  };
  try {
    return [f(), count];
  } finally {
    queue.submit = submit;
  }
}

async function closeTo(actual: Tensor, expected: Tensor, what: string): Promise<void> {
  const a = await actual.data();
  const e = await expected.data();
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < e.length; i++) {
    const [u, v] = [Number(a[i]), Number(e[i])];
    assert.ok(Math.abs(u - v) <= 1e-5 + 1.3e-6 * Math.abs(v), `${what}[${i}]: ${u}, cpu ${v}`);
  }
}

Deno.test({
  name: "binaryCrossEntropy on an input the GPU computed throws: its range check needs the values",
  ignore: missing !== null,
  fn: async () => {
    const x = await computedOnGpu([0.2, 0.9], [0, 0.5]);
    const y = await tensor([1, 0]).to("webgpu");
    assert.throws(
      () => binaryCrossEntropy(x, y),
      (e: Error) =>
        e.constructor === Error && /binaryCrossEntropy/.test(e.message) &&
        /on the CPU/.test(e.message),
    );
  },
});

Deno.test({
  name: "binaryCrossEntropy takes a target the GPU computed (only the input is range-checked)",
  ignore: missing !== null,
  fn: async () => {
    const y = await computedOnGpu([0.25, 1, 0.5], [0, 0.5, 0.5]);
    const x = tensor([0.3, 0.6, 0.9], { requiresGrad: true });
    const xg = await tensor([0.3, 0.6, 0.9]).to("webgpu");
    const loss = binaryCrossEntropy(xg, y);
    const expected = binaryCrossEntropy(x, tensor([0.25, 0.5, 0]));
    await closeTo(loss, expected, "loss");
  },
});

Deno.test({
  name:
    "gaussianNllLoss with a var the GPU computed throws: its non-negative check needs the values",
  ignore: missing !== null,
  fn: async () => {
    const v = await computedOnGpu([1, 2], [0.5, 0]);
    const x = await tensor([0.1, 0.2]).to("webgpu");
    const y = await tensor([0, 1]).to("webgpu");
    assert.throws(
      () => gaussianNllLoss(x, y, v),
      (e: Error) =>
        e.constructor === Error && /gaussianNllLoss/.test(e.message) &&
        /on the CPU/.test(e.message),
    );
  },
});

Deno.test({
  name: "int64 labels broadcast on the GPU, in one submit forward and one backward",
  ignore: missing !== null,
  fn: async () => {
    const input = [[0.5, -1.25, 2, 0.75], [1.5, 0.25, -0.5, 3]];
    const labels = [1, -1, -1, 1];
    for (const reduction of ["none", "mean", "sum"] as const) {
      const x = tensor(input, { requiresGrad: true });
      const expected = hingeEmbeddingLoss(x, tensor(labels, { dtype: "int64" }), {
        reduction,
        margin: 1.5,
      });
      const xg = await tensor(input, { requiresGrad: true }).to("webgpu");
      const yg = await tensor(labels, { dtype: "int64" }).to("webgpu");
      const [loss, forward] = countSubmits(() =>
        hingeEmbeddingLoss(xg, yg, { reduction, margin: 1.5 })
      );
      assert.equal(forward, 1, `${reduction}: forward submits`);
      await closeTo(loss, expected, `hinge ${reduction}`);
      const g = reduction === "none" ? tensor([[1, 2, 3, 4], [5, 6, 7, 8]]) : tensor(0.5);
      expected.backward(g);
      const gg = await g.to("webgpu");
      const [, backward] = countSubmits(() => loss.backward(gg));
      assert.equal(backward, 1, `${reduction}: backward submits`);
      await closeTo(xg.grad as Tensor, x.grad as Tensor, `hinge ${reduction} grad`);
    }
    const x = tensor(input, { requiresGrad: true });
    const xg = await tensor(input, { requiresGrad: true }).to("webgpu");
    const y = tensor([[1], [-1]], { dtype: "int64" });
    await closeTo(
      softMarginLoss(xg, await y.to("webgpu"), { reduction: "none" }),
      softMarginLoss(x, y, { reduction: "none" }),
      "softMargin",
    );
    const x2 = tensor([[0.5], [-2]], { requiresGrad: true });
    const x2g = await tensor([[0.5], [-2]], { requiresGrad: true }).to("webgpu");
    const expected = marginRankingLoss(x, x2, y, { margin: 0.5 });
    const loss = marginRankingLoss(xg, x2g, await y.to("webgpu"), { margin: 0.5 });
    await closeTo(loss, expected, "marginRanking");
    expected.backward();
    loss.backward();
    await closeTo(xg.grad as Tensor, x.grad as Tensor, "marginRanking input1 grad");
    await closeTo(x2g.grad as Tensor, x2.grad as Tensor, "marginRanking input2 grad");
  },
});

/** `f(x)` in WGSL for every element of `xs`, read back. */
async function wgslMap(f: string, xs: Float32Array): Promise<Float32Array> {
  const input = await tensor(xs).to("webgpu");
  const [out] = runMap("math test", {
    label: `${f} test`,
    inputs: [{ name: "x", storage: gpuStorage(input) }],
    outputs: ["out"],
    functions: ELEMENTWISE_MATH,
    body: `  out[i] = ${f}(x);`,
  }, xs.length);
  return await new TensorClass(out, [xs.length], "float32").data() as Float32Array;
}

/** One float32 ulp at `v` (the subnormal spacing below 2^-126). */
function ulp(v: number): number {
  const a = Math.abs(Math.fround(v));
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** The largest error of `got` against float64 `want`, in ulps of the rounded truth. */
function maxUlps(
  xs: Float32Array,
  got: Float32Array,
  want: (x: number) => number,
  floor = 0,
): { ulps: number; at: number } {
  let worst = { ulps: 0, at: NaN };
  for (let i = 0; i < xs.length; i++) {
    const e = want(xs[i]);
    if (!Number.isFinite(Math.fround(e))) continue; // overflow: checked among the edges
    // Results below `floor` (subnormals) may be flushed to 0 on some GPUs: absolute error.
    const err = Math.abs(e) < floor
      ? Math.abs(got[i] - e) <= floor ? 0 : Infinity
      : Math.abs(got[i] - e) / ulp(e);
    if (!(err <= worst.ulps)) worst = { ulps: err, at: xs[i] };
  }
  return worst;
}

/** Element `i` of `out` against `expected`, nan and signed zeros by Object.is. */
function sameValues(xs: number[], out: Float32Array, expected: number[], what: string): void {
  xs.forEach((x, i) => {
    assert.ok(
      Object.is(out[i], Math.fround(expected[i])),
      `${what}(${x}): ${out[i]}, expected ${expected[i]}`,
    );
  });
}

Deno.test({
  name: "the WGSL exp, log and log1p are within 2 ulps of float64 and keep the special values",
  ignore: missing !== null,
  fn: async () => {
    const n = 1 << 20;
    // exp over its whole finite range, subnormal results included.
    const ex = Float32Array.from({ length: n }, (_, i) => -104 + (193 * i) / n);
    const expErr = maxUlps(ex, await wgslMap("exp_e", ex), Math.exp, 2 ** -126);
    assert.ok(expErr.ulps <= 2, `exp: ${expErr.ulps} ulps at ${expErr.at}`);
    // log over every exponent: bit patterns from the smallest subnormal to the largest float.
    const bits = Uint32Array.from({ length: n }, (_, i) => 1 + Math.floor(i * (0x7f7fffff / n)));
    const lx = new Float32Array(bits.buffer);
    const logErr = maxUlps(lx, await wgslMap("log_e", lx), Math.log);
    assert.ok(logErr.ulps <= 2, `log: ${logErr.ulps} ulps at ${logErr.at}`);
    // log1p from -1 up, dense near 0 where log1p(a) ~ a.
    const px = Float32Array.from(
      { length: n },
      (_, i) =>
        i < n / 2
          ? -1 + (2 * i) / n
          : Math.sign(i - 0.75 * n) * 2 ** (-40 + 100 * ((i % (n / 4)) / (n / 4))),
    );
    const log1pErr = maxUlps(px, await wgslMap("log1p_e", px), Math.log1p);
    assert.ok(log1pErr.ulps <= 3, `log1p: ${log1pErr.ulps} ulps at ${log1pErr.at}`);

    const max = 3.4028234663852886e38;
    const edges = [NaN, Infinity, -Infinity, 0, -0, 88.72283935546875, 88.72283172607422];
    sameValues(edges, await wgslMap("exp_e", Float32Array.from(edges)), [
      NaN,
      Infinity,
      0,
      1,
      1,
      Infinity,
      Math.exp(88.72283172607422),
    ], "exp");
    const logEdges = [NaN, Infinity, -Infinity, 0, -0, -1, 1, 2 ** -149, max];
    sameValues(logEdges, await wgslMap("log_e", Float32Array.from(logEdges)), [
      NaN,
      Infinity,
      NaN,
      -Infinity,
      -Infinity,
      NaN,
      0,
      Math.log(2 ** -149),
      Math.log(max),
    ], "log");
    const log1pEdges = [NaN, Infinity, -1, -2, 0, -0, 2 ** -30, max];
    sameValues(log1pEdges, await wgslMap("log1p_e", Float32Array.from(log1pEdges)), [
      NaN,
      Infinity,
      -Infinity,
      NaN,
      0,
      -0,
      2 ** -30,
      Math.log(max),
    ], "log1p");
  },
});

Deno.test({
  name: "the elementwise losses name the operands on different devices",
  ignore: missing !== null,
  fn: async () => {
    const x = await tensor([0.25, 0.5]).to("webgpu");
    const y = tensor([0, 1]);
    assert.throws(() => klDiv(x, y), {
      message:
        /Cannot compute klDiv as input and target must be on the same device: input is on "webgpu", target is on "cpu"/,
    });
    const yg = await y.to("webgpu");
    assert.throws(() => binaryCrossEntropy(x, yg, { weight: tensor([1, 2]) }), {
      message: /binaryCrossEntropy as input and weight must be on the same device/,
    });
    assert.throws(
      () => hingeEmbeddingLoss(x, tensor([1, -1], { dtype: "int64" })),
      { message: /hingeEmbeddingLoss as input and target must be on the same device/ },
    );
  },
});
