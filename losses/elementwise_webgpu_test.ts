/**
 * The elementwise losses on WebGPU, beyond the fixtures: checks that read values the GPU
 * computed, int64 labels read by the kernels themselves (one submit), and broadcast labels.
 * Skipped, with the reason printed, where there is no WebGPU adapter.
 */
import assert from "node:assert/strict";
import { webgpuAdapter } from "./_testing/helpers.ts";
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
import { gpu } from "./_core/webgpu/device.ts";

const { missing } = await webgpuAdapter("elementwise webgpu tests");

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
