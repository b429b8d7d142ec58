// The ops, pairwiseDistance and the triplet losses on WebGPU where the fixtures cannot look:
// sizes past one workgroup and one tree-sum pass, number operands, mixed devices, the int64
// difference past 32 bits, a custom distance, and repeatability.

import assert from "node:assert/strict";
import {
  abs,
  add,
  div,
  mean,
  mul,
  pairwiseDistance,
  pow,
  sqrt,
  sub,
  sum,
  type Tensor,
  tensor,
  tripletMarginLoss,
  tripletMarginWithDistanceLoss,
} from "../mod.ts";
import { windowElements } from "./_core/webgpu/kernels.ts";

const adapter = await (globalThis.navigator as Navigator | undefined)?.gpu?.requestAdapter() ??
  null;
const ignore = adapter === null;

/** Deterministic values in [-2, 2). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 4 - 2;
  }
  return out;
}

/** A float32 webgpu tensor's elements as numbers. */
async function numbers(t: Tensor): Promise<number[]> {
  return Array.from(await t.data() as Float32Array);
}

async function gpu(t: Tensor): Promise<Tensor> {
  return await t.to("webgpu");
}

async function leaf(data: Float32Array, shape: number[]): Promise<[Tensor, Tensor]> {
  const cpu = tensor(data, { shape, requiresGrad: true });
  return [cpu, await tensor(data, { shape, requiresGrad: true }).to("webgpu")];
}

/** Every element within `rtol` of the CPU's, relative to the largest magnitude. */
async function close(
  actual: Tensor | null,
  expected: Tensor | null,
  rtol: number,
  what: string,
): Promise<void> {
  assert.ok(actual !== null && expected !== null, `${what}: missing`);
  assert.equal(actual.device, "webgpu", `${what}: device`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = await actual.data() as Float32Array;
  const e = await expected.data() as Float32Array;
  let scale = 1e-30;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i])) {
      assert.ok(Number.isNaN(a[i]), `${what}[${i}]: ${a[i]}, expected nan`);
    } else {
      assert.ok(
        Math.abs(a[i] - e[i]) <= rtol * scale,
        `${what}[${i}]: ${a[i]}, expected ${e[i]}`,
      );
    }
  }
}

Deno.test({
  name: "webgpu ops: broadcasting and reductions past one workgroup match the CPU",
  ignore,
  async fn(): Promise<void> {
    const [xc, xg] = await leaf(values(300 * 257, 1), [300, 257]);
    const [yc, yg] = await leaf(values(257, 2), [257]);
    const [zc, zg] = await leaf(values(300, 3), [300, 1]);
    const f = (x: Tensor, y: Tensor, z: Tensor) => {
      const a = div(mul(sub(x, y), z), add(abs(y), 1.5));
      return [sum(a, { dim: 0 }), mean(pow(a, 2), { dim: -1, keepdim: true }), sum(sqrt(abs(a)))];
    };
    const cpu = f(xc, yc, zc);
    const web = f(xg, yg, zg);
    for (const [k, t] of web.entries()) await close(t, cpu[k], 2e-6, `output ${k}`);
    const total = (ts: Tensor[]) => add(add(sum(ts[0]), mul(sum(ts[1]), 3)), mul(ts[2], 0.001));
    total(cpu).backward();
    total(web).backward();
    await close(xg.grad, xc.grad, 2e-6, "x.grad");
    await close(yg.grad, yc.grad, 2e-6, "y.grad (summed over 300 rows)");
    await close(zg.grad, zc.grad, 2e-6, "z.grad (summed over 257 columns)");
  },
});

Deno.test({
  name: "webgpu ops: a number on either side stays a number, with PyTorch's nodes",
  ignore,
  async fn(): Promise<void> {
    const x = await tensor([1, -2, 4], { requiresGrad: true }).to("webgpu");
    const r = sub(1.5, x);
    assert.equal(r.gradFn?.name, "RsubBackward1");
    assert.deepEqual(await numbers(r), [0.5, 3.5, -2.5]);
    const q = div(2, x);
    assert.equal(q.gradFn?.name, "MulBackward0");
    assert.deepEqual(await numbers(q), [2, -1, 0.5]);
    sum(add(r, q)).backward();
    assert.ok(x.grad !== null);
    assert.deepEqual(await numbers(x.grad), [-3, -1.5, -1.125]);
  },
});

Deno.test({
  name: "webgpu ops: one tensor on both sides gets both gradients",
  ignore,
  async fn(): Promise<void> {
    const x = await tensor([1, -2, 4], { requiresGrad: true }).to("webgpu");
    sum(add(sub(x, x), div(x, x))).backward();
    assert.ok(x.grad !== null);
    assert.deepEqual(await numbers(x.grad), [0, 0, 0]);
    const y = await tensor([3], { requiresGrad: true }).to("webgpu");
    sum(mul(y, y)).backward();
    assert.ok(y.grad !== null);
    assert.deepEqual(await numbers(y.grad), [6]);
  },
});

Deno.test({
  name: "webgpu ops: mixed devices are an error naming both",
  ignore,
  async fn(): Promise<void> {
    const c = tensor([1, 2]);
    const g = await gpu(tensor([1, 2]));
    assert.throws(() => add(c, g), { message: /input and other must be on the same device/ });
    assert.throws(() => pairwiseDistance(g, c), {
      message: /x1 and x2 must be on the same device/,
    });
    assert.throws(() => tripletMarginLoss(g, g, c), {
      message: /anchor and negative must be on the same device/,
    });
    assert.throws(() => tripletMarginWithDistanceLoss(g, c, g), {
      message: /anchor and positive must be on the same device/,
    });
  },
});

Deno.test({
  name: "webgpu pairwiseDistance: int64 differences past 32 bits convert exactly",
  ignore,
  async fn(): Promise<void> {
    const a = tensor([2147483647, -2147483648, 5, 0], { dtype: "int64", shape: [4, 1] });
    const b = tensor([-2147483648, 2147483647, -7, 0], { dtype: "int64", shape: [4, 1] });
    const d = pairwiseDistance(await gpu(a), await gpu(b), { p: 1, eps: 0 });
    assert.equal(d.dtype, "float32");
    assert.deepEqual(await numbers(d), [4294967296, 4294967296, 12, 0]);
  },
});

Deno.test({
  name: "webgpu triplet losses: long rows, every p, and a custom distance match the CPU",
  ignore,
  async fn(): Promise<void> {
    const shape = [40, 300];
    const n = shape[0] * shape[1];
    for (const p of [2, 1, 3, 0.5, Infinity]) {
      const [ac, ag] = await leaf(values(n, 4), shape);
      const [pc, pg] = await leaf(values(n, 5), shape);
      const [nc, ng] = await leaf(values(n, 6), shape);
      const cpu = tripletMarginLoss(ac, pc, nc, { p, margin: 2, swap: true });
      const web = tripletMarginLoss(ag, pg, ng, { p, margin: 2, swap: true });
      await close(web, cpu, 2e-6, `p=${p} loss`);
      cpu.backward();
      web.backward();
      await close(ag.grad, ac.grad, 2e-6, `p=${p} anchor.grad`);
      await close(pg.grad, pc.grad, 2e-6, `p=${p} positive.grad`);
      await close(ng.grad, nc.grad, 2e-6, `p=${p} negative.grad`);
    }
    const cosine = (a: Tensor, b: Tensor) =>
      sub(
        1,
        div(
          sum(mul(a, b), { dim: -1 }),
          sqrt(mul(sum(mul(a, a), { dim: -1 }), sum(mul(b, b), { dim: -1 }))),
        ),
      );
    const [ac, ag] = await leaf(values(n, 7), shape);
    const [pc, pg] = await leaf(values(n, 8), shape);
    const [nc, ng] = await leaf(values(n, 9), shape);
    const opts = { distanceFunction: cosine, reduction: "sum" as const };
    const cpu = tripletMarginWithDistanceLoss(ac, pc, nc, opts);
    const web = tripletMarginWithDistanceLoss(ag, pg, ng, opts);
    await close(web, cpu, 2e-6, "cosine loss");
    cpu.backward();
    web.backward();
    await close(ag.grad, ac.grad, 2e-6, "cosine anchor.grad");
    await close(ng.grad, nc.grad, 2e-6, "cosine negative.grad");
  },
});

Deno.test({
  name: "webgpu ops: the same input gives the same bits every run",
  ignore,
  async fn(): Promise<void> {
    const x = await gpu(tensor(values(100_000, 10), { shape: [100, 1000] }));
    const runs = [];
    for (let k = 0; k < 3; k++) {
      runs.push([
        await numbers(sum(x)),
        await numbers(mean(x, { dim: 0 })),
        await numbers(pairwiseDistance(x, mul(x, 0.5), { p: 3 })),
      ]);
    }
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[2], runs[0]);
  },
});

Deno.test({
  name: "webgpu pairwiseDistance: a tensor larger than one binding runs in blocks of rows",
  ignore,
  async fn(): Promise<void> {
    await tensor([0]).to("webgpu");
    const w = windowElements();
    if (w > 2 ** 25) return; // this adapter binds such a tensor whole: nothing to split
    const size = 512;
    const rows = w / size + 67; // two blocks of rows, the second one short
    const data = values(rows * size, 11);
    const x1 = await tensor(data, { shape: [rows, size], requiresGrad: true }).to("webgpu");
    const x2 = await tensor(new Float32Array(rows * size), { shape: [rows, size] }).to("webgpu");
    const d = pairwiseDistance(x1, x2, { p: 1 });
    const out = await d.data() as Float32Array;
    sum(d).backward();
    assert.ok(x1.grad !== null);
    const grad = await x1.grad.data() as Float32Array;
    for (const r of [0, w / size - 1, w / size, rows - 1]) {
      const row = tensor(data.subarray(r * size, (r + 1) * size), { requiresGrad: true });
      const expected = pairwiseDistance(row, tensor(new Float32Array(size)), { p: 1 });
      assert.ok(Math.abs(out[r] - expected.item()) <= 1e-6 * expected.item(), `row ${r}`);
      expected.backward();
      assert.deepEqual(grad.subarray(r * size, (r + 1) * size), await row.grad?.data());
    }
  },
});

Deno.test({
  name: "webgpu sum and mean over the last dimension of a tensor larger than one binding",
  ignore,
  async fn(): Promise<void> {
    await tensor([0]).to("webgpu");
    const w = windowElements();
    if (w > 2 ** 25) return; // this adapter binds such a tensor whole: nothing to split
    const size = 256;
    const rows = w / size + 131;
    const data = values(rows * size, 12);
    const x = await tensor(data, { shape: [rows, size], requiresGrad: true }).to("webgpu");
    const s = sum(abs(x), { dim: -1 });
    const m = mean(mul(x, x), { dim: [-1], keepdim: true });
    const sums = await s.data() as Float32Array;
    const means = await m.data() as Float32Array;
    add(sum(s), sum(m)).backward();
    assert.ok(x.grad !== null);
    const grad = await x.grad.data() as Float32Array;
    for (const r of [0, w / size - 1, w / size, rows - 1]) {
      const row = tensor(data.subarray(r * size, (r + 1) * size), { requiresGrad: true });
      const es = sum(abs(row), { dim: -1 });
      const em = mean(mul(row, row), { dim: [-1], keepdim: true });
      assert.ok(Math.abs(sums[r] - es.item()) <= 1e-6 * es.item(), `sum of row ${r}`);
      assert.ok(Math.abs(means[r] - em.item()) <= 1e-6 * em.item(), `mean of row ${r}`);
      add(es, sum(em)).backward();
      assert.deepEqual(grad.subarray(r * size, (r + 1) * size), await row.grad?.data());
    }
  },
});
