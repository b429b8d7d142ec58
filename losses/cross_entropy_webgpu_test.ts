// What the fixtures cannot test: cross-entropy over an input larger than one storage binding
// (2100 × 16411 float32 = 137.9 MB, past the software adapter's 128 MiB), which the kernels
// process in row blocks, against the CPU; and lanes longer than 64 elements (the fixtures'
// are shorter), which run one workgroup per lane instead of one invocation, on nan, ±inf
// and ±1e4 as the fixtures test the short ones.
import assert from "node:assert/strict";
import { crossEntropy, logSoftmax, nllLoss, softmax, tensor } from "../mod.ts";
import type { Tensor } from "./_core/tensor.ts";

const adapter = await (globalThis.navigator as Navigator | undefined)?.gpu?.requestAdapter();
const noGpu = adapter === null || adapter === undefined;
if (noGpu) console.log("cross_entropy_webgpu_test: skipped, as there is no WebGPU adapter here");

const N = 2100;
// An odd class count, so that row blocks start off the 256-byte alignment (the kernels shift).
const C = 16411;

/** A deterministic float in [-4, 4) per element (xorshift). */
function logits(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 8 - 4;
  }
  return out;
}

/** `torch.testing.assert_close`'s float32 rule, element by element. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : false) continue;
    if (!(Math.abs(a - e) <= 1e-5 + 1.3e-6 * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e}`);
    }
  }
}

async function values(t: Tensor): Promise<Float32Array> {
  return await t.data() as Float32Array;
}

Deno.test({
  name: "crossEntropy on webgpu: an input past one binding runs in row blocks, as the CPU",
  ignore: noGpu,
  async fn(): Promise<void> {
    const x = logits(N * C, 1);
    const idx = new BigInt64Array(N);
    for (let j = 0; j < N; j++) idx[j] = j % 97 === 0 ? -100n : BigInt((j * 7919) % C);
    const w = logits(C, 2).map((v) => 1 + v / 8);
    const options = { labelSmoothing: 0.1 };
    const cpuX = tensor(x, { shape: [N, C], requiresGrad: true });
    const cpuT = tensor(idx, { shape: [N] });
    const cpuW = tensor(w);
    const gpuX = await tensor(x, { shape: [N, C], requiresGrad: true }).to("webgpu");
    const gpuT = await cpuT.to("webgpu");
    const gpuW = await cpuW.to("webgpu");

    const loss = crossEntropy(gpuX, gpuT, { ...options, weight: gpuW });
    const cpuLoss = crossEntropy(cpuX, cpuT, { ...options, weight: cpuW });
    assertClose(await values(loss), await values(cpuLoss), "mean loss");
    loss.backward();
    cpuLoss.backward();
    assert.ok(gpuX.grad !== null && cpuX.grad !== null);
    // Every element's gradient reads its row's saved statistics: both row blocks are checked.
    assertClose(await values(gpuX.grad), await values(cpuX.grad), "gradient");
  },
});

Deno.test({
  name: "logSoftmax on webgpu: an input past one binding runs in row blocks, as the CPU",
  ignore: noGpu,
  async fn(): Promise<void> {
    const x = logits(N * C, 3);
    const gpu = logSoftmax(await tensor(x, { shape: [N, C] }).to("webgpu"), 1);
    const cpu = logSoftmax(tensor(x, { shape: [N, C] }), 1);
    assertClose(await values(gpu), await values(cpu), "log_softmax");
  },
});

Deno.test({
  name: "crossEntropy on webgpu: the same input gives the same bits every run",
  ignore: noGpu,
  async fn(): Promise<void> {
    const x = logits(300 * 1000, 4);
    const t = tensor(Array.from({ length: 300 }, (_, j) => (j * 31) % 1000), {
      dtype: "int64",
    });
    const runOnce = async (): Promise<[Float32Array, Float32Array]> => {
      const input = await tensor(x, { shape: [300, 1000], requiresGrad: true }).to("webgpu");
      const loss = crossEntropy(input, await t.to("webgpu"), { labelSmoothing: 0.2 });
      loss.backward();
      assert.ok(input.grad !== null);
      return [await values(loss), await values(input.grad)];
    };
    const [a, b] = [await runOnce(), await runOnce()];
    assert.deepEqual(a[0], b[0]);
    assert.deepEqual(a[1], b[1]);
  },
});

/** Rows of 200 logits, with a nan row, a +inf row, an all -inf row and ±1e4 rows. */
function specialRows(): Float32Array {
  const rows = 8;
  const c = 200;
  const x = logits(rows * c, 5);
  x[1 * c + 17] = NaN;
  x[2 * c + 199] = Infinity;
  x.fill(-Infinity, 3 * c, 4 * c);
  x[4 * c + 3] = -Infinity;
  for (let k = 0; k < c; k++) x[5 * c + k] = k % 2 === 0 ? 1e4 : -1e4;
  for (let k = 0; k < c; k++) x[6 * c + k] = 1e4 + (k % 3);
  return x;
}

Deno.test({
  name: "softmax, logSoftmax and crossEntropy on webgpu: long lanes with nan, ±inf, ±1e4",
  ignore: noGpu,
  async fn(): Promise<void> {
    const x = specialRows();
    const shape = [8, 200];
    const cot = logits(x.length, 6);
    const t = tensor([0, 1, 2, 3, 4, 5, 6, -100], { dtype: "int64" });
    const w = tensor(logits(200, 7).map((v) => 1 + v / 8));
    const probs = tensor(logits(x.length, 8).map((v) => (v + 4) / 8 / 100), { shape });
    type Run = (x: typeof t, target: typeof t | null, w: typeof t | null) => typeof t;
    const runs: [string, Run][] = [
      ["logSoftmax dim 1", (x) => logSoftmax(x, 1)],
      ["softmax dim 1", (x) => softmax(x, 1)],
      ["softmax dim 0 of [200, 8]", (x) => softmax(x, 0)],
      ["crossEntropy", (x, t, w) =>
        crossEntropy(x, t as typeof x, {
          weight: w ?? undefined,
          labelSmoothing: 0.3,
          reduction: "none",
        })],
      ["crossEntropy mean", (x, t) => crossEntropy(x, t as typeof x)],
      [
        "crossEntropy probabilities",
        (x, y) => crossEntropy(x, y as typeof x, { reduction: "sum" }),
      ],
    ];
    for (const [what, run] of runs) {
      const target = what.endsWith("probabilities") ? probs : t;
      const results = [];
      for (const device of ["cpu", "webgpu"] as const) {
        const dims = what.includes("[200, 8]") ? [200, 8] : shape;
        const input = await tensor(x, { shape: dims, requiresGrad: true }).to(device);
        const out = run(input, await target.to(device), await w.to(device));
        const g = out.numel === x.length
          ? tensor(cot, { shape: dims })
          : out.numel === 1
          ? tensor(2)
          : tensor(cot.subarray(0, out.numel));
        out.backward(await g.to(device));
        assert.ok(input.grad !== null);
        results.push([await values(out), await values(input.grad)]);
      }
      assertClose(results[1][0], results[0][0], `${what}: value`);
      assertClose(results[1][1], results[0][1], `${what}: gradient`);
    }
  },
});

Deno.test({
  name: "nllLoss and crossEntropy on webgpu: an ignoreIndex past 32 bits ignores no target",
  ignore: noGpu,
  async fn(): Promise<void> {
    const x = tensor([[-1, -2], [-3, -4]]);
    const t = tensor([1, 0], { dtype: "int64" });
    const ignoreIndex = 2 ** 32 + 1; // 1 when wrapped to 32 bits
    for (const loss of [nllLoss, crossEntropy]) {
      const cpu = loss(x, t, { ignoreIndex, reduction: "none" });
      const gpu = loss(await x.to("webgpu"), await t.to("webgpu"), {
        ignoreIndex,
        reduction: "none",
      });
      assertClose(await values(gpu), await values(cpu), loss.name);
    }
  },
});
