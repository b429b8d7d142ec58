/**
 * The WebGPU backend's own guarantees, beyond the fixtures: big tensors in windows, no growth
 * of GPU memory over many calls, errors for what the GPU cannot hold, and mixed devices.
 * Skipped, with the reason printed, where there is no WebGPU adapter.
 */
import assert from "node:assert/strict";
import { webgpuAdapter } from "../_testing/helpers.ts";
import { mseLoss, tensor } from "../../mod.ts";
import { bufferStats } from "../_core/webgpu/buffers.ts";
import { createGpuContext } from "../_core/webgpu/device.ts";
import { GpuCommands, PRELUDE } from "../_core/webgpu/pipelines.ts";
import { gpuStorage } from "../_core/tensor.ts";

const { adapter, missing } = await webgpuAdapter("webgpu tests");

/** Counter-form mulberry32: element k of a seeded stream in [0, 1), for big inputs. */
function fillUniform(out: Float32Array, seed: number, lo: number, hi: number): void {
  for (let k = 0; k < out.length; k++) {
    let a = (seed + (k + 1) * 0x6d2b79f5) >>> 0;
    a = Math.imul(a ^ (a >>> 15), a | 1);
    a ^= a + Math.imul(a ^ (a >>> 7), a | 61);
    const u = ((a ^ (a >>> 14)) >>> 0) / 4294967296;
    out[k] = lo + u * (hi - lo);
  }
}

const N_BIG = 200_000_000;
const bigFits = adapter != null && adapter.limits.maxBufferSize >= N_BIG * 4;
if (missing === null && !bigFits) {
  console.log(
    `200-million-element mseLoss test skipped: the adapter's largest buffer is ${adapter?.limits.maxBufferSize} bytes, ${
      N_BIG * 4
    } needed`,
  );
}

Deno.test({
  name: "mseLoss moves 200 million float32 elements through the GPU in windows and matches the cpu",
  ignore: missing !== null || !bigFits,
  fn: async () => {
    const x = new Float32Array(N_BIG);
    const y = new Float32Array(N_BIG);
    fillUniform(x, 1, -2, 2);
    fillUniform(y, 2, -1, 1);
    let cpuValue: number;
    {
      const xc = tensor(x);
      const yc = tensor(y);
      cpuValue = mseLoss(xc, yc).item();
    }
    const xg = await tensor(x).to("webgpu");
    const yg = await tensor(y).to("webgpu");
    const loss = mseLoss(xg, yg);
    assert.equal(loss.device, "webgpu");
    const [gpuValue] = await loss.data() as Float32Array;
    // The sum of 2e8 positive terms in a float32 tree: relative error well under 1e-5.
    assert.ok(
      Math.abs(gpuValue - cpuValue) <= 1e-5 * Math.abs(cpuValue),
      `webgpu ${gpuValue} vs cpu ${cpuValue}`,
    );
    const summed = mseLoss(xg, yg, { reduction: "sum" });
    const [gpuSum] = await summed.data() as Float32Array;
    assert.ok(Math.abs(gpuSum / N_BIG - cpuValue) <= 1e-5 * cpuValue, `sum ${gpuSum}`);
  },
});

Deno.test({
  name: "10,000 small webgpu losses in a loop leave no growth of GPU buffers",
  ignore: missing !== null,
  fn: async () => {
    const x = await tensor([[0.5, -1, 2], [3, 0, -0.25]], { requiresGrad: true }).to("webgpu");
    const y = await tensor([[1, 1, 1], [0, 0, 0]]).to("webgpu");
    const gc = (globalThis as { gc?: () => void }).gc;
    const settle = async (): Promise<void> => {
      gc?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    };
    const step = (): void => {
      x.grad = null;
      mseLoss(x, y, { reduction: "sum" }).backward();
    };
    // Buffers go back to the pool when their tensors are collected, so the count rises over
    // the first rounds until collection keeps pace, and must stay flat from then on.
    let before = bufferStats();
    for (let i = 0; i < 10_000; i++) {
      step();
      if (i % 500 === 499) await settle();
      if (i === 1_999) before = bufferStats();
    }
    const grad = await x.grad?.data();
    await settle();
    const after = bufferStats();
    assert.deepEqual(
      [...(grad ?? [])],
      [-1, -4, 2, 6, 0, -0.5].map(Math.fround),
      "the gradient of the last call",
    );
    assert.ok(
      after.live - before.live <= 16,
      `GPU buffers alive grew from ${before.live} after 2,000 calls to ${after.live} after 10,000`,
    );
  },
});

Deno.test({
  name: "dispose() on webgpu returns buffers to the pool at once, after a pending readback",
  ignore: missing !== null,
  fn: async () => {
    const x = await tensor([[0.5, -1, 2], [3, 0, -0.25]], { requiresGrad: true }).to("webgpu");
    const y = await tensor([[1, 1, 1], [0, 0, 0]]).to("webgpu");
    const step = async (): Promise<number[]> => {
      x.grad = null;
      using loss = mseLoss(x, y, { reduction: "sum" });
      loss.backward();
      const grad = x.grad as unknown as { data(): Promise<Float32Array>; dispose(): void };
      // the readback is asked for, then the gradient disposed before it is copied: the
      // buffer must not be reused (the next step's) before the copy
      const reading = grad.data();
      grad.dispose();
      x.grad = null;
      // an op in the same task writes a buffer of the same size: not the one being read
      using _other = mseLoss(x, y, { reduction: "none" });
      return [...await reading];
    };
    const want = [-1, -4, 2, 6, 0, -0.5].map(Math.fround);
    assert.deepEqual(await step(), want);
    const before = bufferStats();
    for (let i = 0; i < 50; i++) assert.deepEqual(await step(), want);
    const after = bufferStats();
    assert.equal(after.created, before.created, "no new buffers: each step reuses the last's");
    const t = await tensor([1, 2]).to("webgpu");
    t.dispose();
    await assert.rejects(() => t.data(), {
      message: /Cannot run Tensor.data as the tensor was disposed/,
    });
    assert.throws(() => mseLoss(t, y), { message: /input must not be disposed/ });
  },
});

Deno.test({
  name: "webgpu refuses float64, int64 values beyond 32 bits, and mixed devices",
  ignore: missing !== null,
  fn: async () => {
    await assert.rejects(() => tensor([1, 2], { dtype: "float64" }).to("webgpu"), {
      name: "TypeError",
      message: /Cannot run Tensor.to on webgpu as WebGPU has no float64: dtype is "float64"/,
    });
    await assert.rejects(() => tensor([1, 2 ** 40], { dtype: "int64" }).to("webgpu"), {
      name: "RangeError",
      message: /values must fit in 32 bits there: element 1 is 1099511627776/,
    });
    const x = await tensor([1, 2]).to("webgpu");
    assert.throws(() => mseLoss(x, tensor([1, 2])), {
      message:
        /Cannot compute mseLoss as x and y must be on the same device: x is on "webgpu", y is on "cpu"/,
    });
    assert.throws(() => x.toArray(), { message: /use `await t.data\(\)`/ });
    const back = await x.to("cpu");
    assert.equal(back.device, "cpu");
    assert.deepEqual([...await back.data()], [1, 2]);
    assert.equal((await tensor([3], { device: "webgpu" }).data())[0], 3);
  },
});

Deno.test({
  name: "a webgpu loss's value and gradient come back in one readback when read together",
  ignore: missing !== null,
  fn: async () => {
    const x = await tensor([[0.5, -1], [2, 3]], { requiresGrad: true }).to("webgpu");
    const y = await tensor([[1, 1], [0, 0]]).to("webgpu");
    const loss = mseLoss(x, y);
    loss.backward();
    await loss.data(); // settle earlier work
    const before = bufferStats().readbacks;
    const [value, grad] = await Promise.all([loss.data(), x.grad?.data()]);
    assert.equal(bufferStats().readbacks - before, 1);
    assert.equal((value as Float32Array)[0], Math.fround((0.25 + 4 + 4 + 9) / 4));
    assert.deepEqual([...(grad as Float32Array)], [-0.25, -1, 1, 1.5]);
  },
});

Deno.test("without WebGPU or an adapter, moving to webgpu says so", async () => {
  await assert.rejects(() => createGpuContext(undefined), {
    message: /Cannot use device webgpu as this runtime has no WebGPU \(navigator.gpu\)/,
  });
  const none = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
  await assert.rejects(() => createGpuContext(none), {
    message: /Cannot use device webgpu as no WebGPU adapter was found/,
  });
});

Deno.test({
  name: "a shader that fails to compile is reported with the op and the shader's name",
  ignore: missing !== null,
  fn: async () => {
    const x = await tensor([1, 2, 3]).to("webgpu");
    const run = () => {
      const cmds = new GpuCommands("brokenOp forward");
      cmds.dispatch(
        {
          label: "broken shader",
          code: `${PRELUDE}\n@compute @workgroup_size(64) fn main() { let a: f32 = 1u; }`,
          inputs: 1,
          outputs: 0,
          uniform: false,
        },
        [gpuStorage(x).buffer],
        null,
        1,
      );
      cmds.submit();
    };
    // The compiler's message names the mismatched types; an invalid cached pipeline would
    // not. Two calls before a readback report the first error once.
    const compilerMessage =
      /Cannot run brokenOp forward \(shader "broken shader"\) on webgpu as WebGPU reported a validation error: [^]*f32[^]*u32/;
    run();
    run();
    await assert.rejects(() => x.data(), { message: compilerMessage });
    assert.deepEqual([...await x.data()], [1, 2, 3], "the error is reported once");
    // The failed shader was not cached: a later call reports the compiler's message again.
    run();
    await assert.rejects(() => x.data(), { message: compilerMessage });
    assert.deepEqual([...await x.data()], [1, 2, 3]);
  },
});
