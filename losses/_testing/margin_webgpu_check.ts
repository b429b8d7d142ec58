/**
 * Test helpers for the WebGPU twins of the row losses: whether an adapter exists, seeded
 * inputs, and a check that one call gives the CPU's values within the fixtures' float32
 * tolerance and the same bits on a second run.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Device, type Tensor, tensor } from "../tensor.ts";
import { setRowWindowForTests } from "../_webgpu/rows.ts";

/** Whether this runtime has a WebGPU adapter (tests that need one are ignored otherwise). */
export const NO_GPU: boolean = await (async () => {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  return gpu === undefined || (await gpu.requestAdapter()) === null;
})();

/** `n` seeded numbers in [lo, hi), as float32 values. */
export function seeded(n: number, seed: number, lo = -2, hi = 2): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround(lo + (hi - lo) * (s / 2 ** 32)));
  }
  return out;
}

/** An operand of a check: values, shape, dtype, and whether it takes a gradient. */
export interface Operand {
  data: number[];
  shape: number[];
  dtype?: "float32" | "int64" | "bool";
  grad?: boolean;
}

async function runOn(
  device: Device,
  operands: readonly Operand[],
  loss: (ts: Tensor[]) => Tensor,
): Promise<Float32Array[]> {
  const ts: Tensor[] = [];
  for (const o of operands) {
    const t = tensor(o.data, { shape: o.shape, dtype: o.dtype ?? "float32", requiresGrad: o.grad });
    ts.push(await t.to(device));
  }
  const out = loss(ts);
  const seed = tensor(seeded(out.numel, 99, 0.5, 1.5), { shape: [...out.shape] });
  out.backward(await seed.to(device));
  const results = [new Float32Array(await out.data() as Float32Array)];
  for (const [k, o] of operands.entries()) {
    if (!o.grad) continue;
    const grad = ts[k].grad;
    assert.ok(grad !== null, `operand ${k} got no gradient`);
    results.push(new Float32Array(await grad.data() as Float32Array));
  }
  return results;
}

/**
 * Runs `loss` on the cpu and twice on webgpu: the webgpu values must match the cpu's within
 * rtol 1.3e-6, atol 1e-5 (nan where the cpu has nan) and be bit-identical across the runs.
 */
export async function checkAgainstCpu(
  operands: readonly Operand[],
  loss: (ts: Tensor[]) => Tensor,
): Promise<void> {
  const cpu = await runOn("cpu", operands, loss);
  const gpu = await runOn("webgpu", operands, loss);
  const again = await runOn("webgpu", operands, loss);
  for (const [j, want] of cpu.entries()) {
    assert.equal(gpu[j].length, want.length);
    for (let i = 0; i < want.length; i++) {
      const e = want[i];
      const a = gpu[j][i];
      if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `result ${j}[${i}]: ${a}, want nan`);
      else {
        assert.ok(
          Math.abs(a - e) <= 1e-5 + 1.3e-6 * Math.abs(e),
          `result ${j}[${i}]: ${a}, want ${e}`,
        );
      }
    }
    assert.deepEqual(
      new Uint32Array(again[j].buffer),
      new Uint32Array(gpu[j].buffer),
      `result ${j} changed on a rerun`,
    );
  }
}

/**
 * Runs `fn` with the row kernels' windows cut to 512 elements, so that inputs of a few
 * hundred rows take the windowed path (blocks of 64 rows, offsets 256 bytes apart).
 */
export async function inSmallWindows(fn: () => Promise<void>): Promise<void> {
  setRowWindowForTests(512);
  try {
    await fn();
  } finally {
    setRowWindowForTests(null);
  }
}
