/**
 * Who owns a GPU buffer: a device handed in by the caller, storage over a borrowed buffer
 * (never pooled), and buffers handed over to another owner (never pooled again, destroyed
 * only by destroyHandedOver). Skipped, with the reason printed, where there is no adapter.
 */
import assert from "node:assert/strict";
import { webgpuAdapter } from "../../_testing/helpers.ts";
import {
  acquireStorage,
  allocGpu,
  bufferStats,
  destroyHandedOver,
  GpuStorage,
  handOverGpu,
  readGpu,
  uploadGpu,
} from "./buffers.ts";
import { adoptGpuDevice, gpu, takeGpuError } from "./device.ts";

const { adapter, missing } = await webgpuAdapter("GPU buffer ownership tests");
const device = adapter === null ? null : await adapter.requestDevice();

async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Makes garbage of `make()`'s result, collects it and lets the finalizers run. */
async function collect(make: () => unknown): Promise<void> {
  make();
  for (let k = 0; k < 3; k++) await settle();
}

Deno.test({
  name: "a device handed in becomes the library's, once, and another is refused",
  ignore: missing !== null,
  fn: () => {
    const d = device as GPUDevice;
    assert.equal(adoptGpuDevice(d).device, d);
    assert.equal(adoptGpuDevice(d).device, d, "handing the same device again does nothing");
    assert.equal(gpu().device, d);
    assert.equal(gpu().maxBinding, d.limits.maxStorageBufferBindingSize);
    assert.throws(() => adoptGpuDevice({} as GPUDevice), {
      message: /already uses another one: hand it over before the first webgpu tensor/,
    });
  },
});

Deno.test({
  name: "a borrowed buffer never enters the pool; a handed-over one never returns to it",
  ignore: missing !== null,
  fn: async () => {
    const d = device as GPUDevice;
    adoptGpuDevice(d);
    const pooled = (b: GPUBuffer): boolean => {
      // take everything out of the pool's class of b's size and look for b
      const found: GPUBuffer[] = [];
      let hit = false;
      for (let k = 0; k < bufferStats().pooled + 1; k++) {
        const got = acquireStorage(b.size);
        found.push(got);
        if (got === b) hit = true;
      }
      for (const f of found) new GpuStorage(f, f.size); // back to the pool when collected
      return hit;
    };
    // the control: a pooled storage, once collected, gives its buffer back to the pool
    let control!: GPUBuffer;
    await collect(() => (control = allocGpu(8).buffer, undefined));
    assert.equal(pooled(control), true, "collection ran (deno test --v8-flags=--expose-gc)");

    // borrowed: another owner's buffer, collected with its storage, is never pooled
    const theirs = d.createBuffer({ size: 64, usage: 0x8c });
    await collect(() => new GpuStorage(theirs, 64, null, true));
    assert.equal(pooled(theirs), false);

    // handed over at its exact size: the storage's own buffer, out of the pool for good
    const before = bufferStats();
    let mine!: GPUBuffer;
    let handed!: GPUBuffer;
    await collect(() => {
      const exact = allocGpu(4); // 16 bytes, the size of its pool class
      mine = exact.buffer;
      handed = handOverGpu(exact);
    });
    assert.equal(handed, mine, "an exact-size pooled buffer is handed over as is");
    assert.equal(pooled(mine), false);
    assert.equal(bufferStats().handedOver - before.handedOver, 1);

    // not of its exact size (3 floats in a 16-byte class): a new exact buffer, same elements
    const odd = uploadGpu(new Float32Array([1.5, -2, 3]));
    const copy = handOverGpu(odd);
    assert.notEqual(copy, odd.buffer);
    assert.equal(copy.size, 12);
    const back = new Float32Array(await readGpu(new GpuStorage(copy, 12, null, true)));
    assert.deepEqual([...back], [1.5, -2, 3]);
    // handing the same storage over twice gives a copy the second time
    const twice = allocGpu(4);
    const first = handOverGpu(twice);
    const second = handOverGpu(twice);
    assert.equal(first, twice.buffer);
    assert.notEqual(second, first);
    const stats = bufferStats();
    assert.equal(stats.handedOver - before.handedOver, 4);

    for (const b of [handed, copy, first, second]) destroyHandedOver(b);
    assert.equal(bufferStats().live, stats.live - 4);
    assert.equal(bufferStats().handedOver, before.handedOver);
    assert.equal(takeGpuError(), null);
    theirs.destroy();
  },
});
