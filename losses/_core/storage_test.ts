import assert from "node:assert/strict";
import { allocStorage, type DType, SLAB_MAX_BYTES, takeStorage } from "./storage.ts";
import { mseLoss, tensor } from "../../mod.ts";

const KINDS: [DType, number][] = [["float32", 4], ["float64", 8], ["int64", 8], ["bool", 1]];

Deno.test("small storage is cut from shared slabs: zeroed, aligned, each array its own bytes", () => {
  const arrays = [];
  // enough to fill several slabs, of every kind and of sizes up to the largest cut one
  for (let k = 0; k < 400; k++) {
    const [dtype, bytes] = KINDS[k % 4];
    const n = 1 + (k * 7) % (SLAB_MAX_BYTES / bytes);
    const a = k % 3 === 0 ? takeStorage(dtype, n) : allocStorage(dtype, n);
    assert.equal(a.length, n);
    assert.ok(a.buffer instanceof SharedArrayBuffer, `${dtype} × ${n}`);
    assert.equal(a.byteOffset % 8, 0);
    assert.ok(
      a.every((v: number | bigint) => v === 0 || v === 0n),
      `${dtype} × ${n} starts zeroed`,
    );
    arrays.push(a);
  }
  // writing every array leaves every other one as it was
  arrays.forEach((a, k) => {
    if (a instanceof BigInt64Array) a.fill(BigInt(k));
    else a.fill((k % 200) + 1);
  });
  arrays.forEach((a, k) => {
    const want = a instanceof BigInt64Array ? BigInt(k) : (k % 200) + 1;
    assert.ok(a.every((v: number | bigint) => v === want), `array ${k} kept its values`);
  });
  // larger arrays have a buffer of their own
  const big = allocStorage("float32", SLAB_MAX_BYTES / 4 + 1);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, big.byteLength);
});

Deno.test("a loss's storage cut from a slab cannot be transferred away from its neighbours", async () => {
  const x = tensor([1, 2, 3]);
  const y = tensor([1, 1, 1]);
  const a = mseLoss(x, y);
  const b = mseLoss(y, x);
  const data = await a.data();
  assert.throws(() => structuredClone(data.buffer, { transfer: [data.buffer as ArrayBuffer] }));
  assert.equal(a.item(), Math.fround(5 / 3));
  assert.equal(b.item(), Math.fround(5 / 3));
});
