import assert from "node:assert/strict";
import {
  ARENA_MADE_LIMIT,
  ARENA_MIN_BYTES,
  arenaMemory,
  arenaStats,
  arenaTake,
  inArena,
  ownsBlock,
} from "./arena.ts";
import { givePooled } from "./pool.ts";
import { takeStorage } from "./storage.ts";
import { WasmKernel } from "../_cpu/wasm.ts";
import { sharedMemoryAt, unshareMemoryImport } from "../_cpu/wasm.ts";
import { type SimdLoss, simdLoss } from "../_cpu/simd.ts";
import { rowLogSoftmax, rowSoftmaxGrad, rowSoftmaxScaled } from "../_cpu/row_kernels.ts";
import {
  multilabelMarginGrad32,
  multilabelMarginRows32,
  multiMarginGrad32,
  multiMarginRows32,
} from "../_cpu/margin_rows.ts";
import { cosineGrad, rowDots } from "../_cpu/cosine_rows.ts";
import { normGrad2, rowNorms2, rowNorms2WithGrads } from "../_cpu/norm_rows.ts";
import { WASM_BASE64 } from "../_cpu/generated/wasm_elementwise.ts";
import { mseLoss } from "../mse_loss.ts";
import { type Tensor, tensor } from "../tensor.ts";

/** The arena's bytes handed out and not back. */
function live(): number {
  const stats = arenaStats();
  assert.ok(stats !== null, "no arena");
  return stats.live;
}

/** The size of the arena's memory. */
function memoryBytes(): number {
  const memory = arenaMemory();
  assert.ok(memory !== null, "no arena");
  return memory.buffer.byteLength;
}

// Deno makes shared WebAssembly memories, so the arena exists here.
Deno.test("the arena exists in Deno, and large tensors' float storage is cut from it", async () => {
  assert.notEqual(arenaMemory(), null);
  const big = tensor(new Float32Array(ARENA_MIN_BYTES / 4));
  const small = tensor(new Float32Array(ARENA_MIN_BYTES / 4 - 1));
  const ints = tensor(new Array(ARENA_MIN_BYTES / 8).fill(1), { dtype: "int64" });
  const bigData = await big.data();
  assert.ok(inArena(bigData) && ownsBlock(bigData));
  assert.ok(bigData.buffer instanceof SharedArrayBuffer);
  assert.equal(inArena(await small.data()), false);
  assert.equal(inArena(await ints.data()), false);
  big.dispose();
  small.dispose();
  ints.dispose();
});

Deno.test("arena storage keeps its values while the memory grows under it", async () => {
  const n = 1 << 16;
  const a = tensor(Float32Array.from({ length: n }, (_, i) => i * 0.5));
  const before = memoryBytes();
  // more than the arena has: it grows
  const more = Array.from({ length: 4 }, () => tensor(new Float64Array(before / 8)));
  assert.ok(memoryBytes() > before);
  const data = await a.data();
  assert.equal(data.length, n);
  for (let i = 0; i < n; i += 997) assert.equal(data[i], i * 0.5);
  assert.equal(data[n - 1], (n - 1) * 0.5);
  for (const t of [a, ...more]) t.dispose();
});

Deno.test("a disposed tensor's block is cut again for the next storage of its size", async () => {
  const n = 40000;
  const a = tensor(new Float32Array(n));
  const at = (await a.data()).byteOffset;
  const liveBefore = live();
  a.dispose();
  assert.equal(live(), liveBefore - Math.ceil((4 * n) / 64) * 64);
  const b = tensor(new Float32Array(n).fill(2));
  const data = await b.data();
  assert.equal(data.byteOffset, at);
  assert.ok(data.every((v) => v === 2), "a reused block holds the new tensor's values");
  b.dispose();
});

Deno.test("a block whose array the collector took goes back to the arena", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "run with --v8-flags=--expose-gc");
  const before = live();
  (() => {
    for (let k = 0; k < 8; k++) tensor(new Float64Array(50000));
  })();
  assert.ok(live() >= before + 8 * 400000);
  // finalization callbacks run in a task after a collection
  for (let tries = 0; tries < 50 && live() > before; tries++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(
    live() <= before,
    `${live()} bytes still live, ${before} before`,
  );
});

/** An arena block of `n` elements of `dtype`. */
function take(dtype: "float32" | "float64", n: number): Float32Array | Float64Array {
  const block = dtype === "float32" ? arenaTake(Float32Array, n) : arenaTake(Float64Array, n);
  assert.ok(block !== null);
  return block;
}

Deno.test("tensors dropped with no block given back stop cutting fresh arena memory, until one is", async () => {
  const n = 1 << 22; // 16 MiB of float32
  const kept = tensor(new Float32Array(n));
  assert.ok(inArena(await kept.data()));
  kept.dispose(); // a block came back: fresh cuts start from 0
  let inside = 0;
  let plain = 0;
  // dropped without dispose(), and no task turn for the collector's callbacks
  for (let k = 0; k < 2 * ARENA_MADE_LIMIT / (4 * n); k++) {
    const t = tensor(new Float32Array(n));
    if (inArena(await t.data())) inside++;
    else plain++;
  }
  // the first takes the block kept gave back; then ARENA_MADE_LIMIT of new blocks at most
  assert.ok(inside <= 1 + ARENA_MADE_LIMIT / (4 * n), `${inside} in the arena`);
  assert.ok(plain >= ARENA_MADE_LIMIT / (4 * n) - 1, `${plain} plain`);
  // a size no free block has: it would need a new one
  const odd = ARENA_MIN_BYTES / 4 + 4321;
  const back = tensor(new Float32Array(odd));
  assert.ok(!inArena(await back.data()), "still past the limit");
  // one block back, and the arena cuts again
  const small = arenaTake(Float32Array, ARENA_MIN_BYTES / 4);
  if (small !== null) givePooled(small);
  const again = tensor(new Float32Array(odd));
  assert.ok(inArena(await again.data()), "a block came back: the arena cuts again");
  again.dispose();
});

Deno.test("tensors a caller makes and storage the ops compute have fresh-block limits of their own", async () => {
  const n = 1 << 22; // 16 MiB of float32
  let plain = false;
  for (let k = 0; k < 64 && !plain; k++) plain = !inArena(await tensor(new Float32Array(n)).data());
  assert.ok(plain, "the limit for made tensors was reached");
  // an op's result still gets a new block (a size no free block has)
  const computed = takeStorage("float32", ARENA_MIN_BYTES / 4 + 1234, true) as Float32Array;
  assert.ok(inArena(computed) && ownsBlock(computed), "computed storage has its own limit");
  givePooled(computed);
});

Deno.test("blocks the collector returns are cut again, but do not restart the count of fresh ones", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "run with --v8-flags=--expose-gc");
  const n = 1 << 22; // 16 MiB of float32
  // dropping every tensor, until one is a plain array (free blocks go first, then the limit)
  let plain = false;
  for (let k = 0; k < 64 && !plain; k++) plain = !inArena(await tensor(new Float32Array(n)).data());
  assert.ok(plain, "the fresh limit was reached");
  const liveBefore = live();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(live() < liveBefore, "the collector gave blocks back");
  // a block of the size that came back is taken again; a size no free block has is not cut
  const same = tensor(new Float32Array(n));
  assert.ok(inArena(await same.data()), "a returned block is cut again");
  const odd = tensor(new Float32Array(ARENA_MIN_BYTES / 4 + 8765));
  assert.ok(!inArena(await odd.data()), "no new block after the collector's returns");
  same.dispose(); // given back: the arena cuts again
  const after = tensor(new Float32Array(ARENA_MIN_BYTES / 4 + 8765));
  assert.ok(inArena(await after.data()), "a block given back restarts the count");
  after.dispose();
  odd.dispose();
});

/** The operands of `loss` in the arena (the tensors' storage) and the same values copied out. */
function operands(
  loss: SimdLoss,
  n: number,
  dtype: "float32" | "float64",
): { inside: Tensor[]; plain: (Float32Array | Float64Array)[] } {
  const make = (seed: number) =>
    Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * (i % 7 === 0 ? 3 : 1.5));
  const count = loss === "margin_ranking" ? 3 : 2;
  const target = (i: number) => (Math.sin(i * 7.1) > 0 ? 1 : -1);
  const values = [make(1), loss === "hinge" ? make(2).map((_, i) => target(i)) : make(2)];
  if (count === 3) values.push(make(3).map((_, i) => target(i)));
  const inside = values.map((v) => tensor(v, { dtype }));
  return {
    inside,
    plain: values.map((v) => (dtype === "float32" ? Float32Array : Float64Array).from(v)),
  };
}

Deno.test("the kernels give the same bits on arena operands as on copied ones, and stay in their blocks", async () => {
  const losses: SimdLoss[] = ["mse", "l1", "hinge", "smooth_l1", "huber", "margin_ranking"];
  for (const dtype of ["float32", "float64"] as const) {
    const Ctor = dtype === "float32" ? Float32Array : Float64Array;
    // past one chunk, and not whole vectors, so the last vector's stores pass the end
    for (const n of [20001, 32771]) {
      for (const loss of losses) {
        const { inside, plain } = operands(loss, n, dtype);
        const arrays = await Promise.all(
          inside.map((t) => t.data()),
        ) as (Float32Array | Float64Array)[];
        assert.ok(arrays.every((a) => inArena(a)));
        const gradIn = take(dtype, n);
        // the block cut next: a kernel storing past the gradient's block would change it
        const next = take(dtype, n).fill(7);
        const gradOut = new Ctor(n);
        const sumIn = simdLoss(loss, arrays, gradIn, 0.5, 0.25, 0.125, 1);
        const sumOut = simdLoss(loss, plain, gradOut, 0.5, 0.25, 0.125, 1);
        assert.ok(
          Object.is(sumIn, sumOut),
          `${loss} ${dtype} ${n}: sum ${sumIn} against ${sumOut}`,
        );
        for (let i = 0; i < n; i++) {
          if (!Object.is(gradIn[i], gradOut[i])) {
            assert.fail(`${loss} ${dtype} ${n}: gradient[${i}] ${gradIn[i]} against ${gradOut[i]}`);
          }
        }
        assert.ok(next.every((v) => v === 7), `${loss} ${dtype} ${n}: the next block was written`);
        givePooled(gradIn);
        givePooled(next);
        for (const t of inside) t.dispose();
      }
    }
  }
});

/** Fails at the first element whose bits differ (`Object.is`: -0 is not 0, a nan is a nan). */
function sameBits(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: [${i}] ${got[i]} against ${want[i]}`);
  }
}

/** `n` float32 of the arena (a block of their own), `amplitude · sin(12.9898 i + seed)`. */
function arenaSines(n: number, seed: number, amplitude = 3): Float32Array {
  const a = take("float32", n) as Float32Array;
  for (let i = 0; i < n; i++) a[i] = Math.fround(Math.sin(i * 12.9898 + seed) * amplitude);
  return a;
}

Deno.test("the row kernels give the same bits on arena rows as on copied ones, and stay in their blocks", () => {
  // several chunks of rows; widths whose last step is whole (1000) and partial (37, 13, 17:
  // 1024 x 17 float32 fill their block to its last byte, and the last step writes 28 past)
  for (const [rows, cols] of [[40, 1000], [1500, 37], [3000, 13], [1024, 17]]) {
    const n = rows * cols;
    const [x, g, y] = [1, 2, 3].map((seed) => arenaSines(n, seed, 9));
    const [px, pg, py] = [x, g, y].map((a) => Float32Array.from(a));
    const outs = [take("float32", n)] as Float32Array[];
    // the block cut next: a kernel storing past the last output's block would change it
    const next = take("float32", n).fill(7);
    const plain = [new Float32Array(n)];
    const check = (what: string) => {
      sameBits(`${what} ${rows}x${cols}`, outs[0], plain[0]);
      assert.ok(next.every((v) => v === 7), `${what} ${rows}x${cols}: the next block was written`);
    };
    const factor = (r: number, _m: number, s: number) => (r % 3) / s;
    rowSoftmaxScaled(x, rows, cols, outs[0], factor);
    rowSoftmaxScaled(px, rows, cols, plain[0], factor);
    check("softmax");
    rowLogSoftmax(x, rows, cols, outs[0]);
    rowLogSoftmax(px, rows, cols, plain[0]);
    check("log-softmax");
    for (const kind of ["softmax", "log_softmax"] as const) {
      rowSoftmaxGrad(kind, g, y, rows, cols, outs[0]);
      rowSoftmaxGrad(kind, pg, py, rows, cols, plain[0]);
      check(`${kind} backward`);
    }
    // in place: the output is the input
    outs[0].set(x);
    rowSoftmaxScaled(outs[0], rows, cols, outs[0], factor);
    rowSoftmaxScaled(px, rows, cols, plain[0], factor);
    check("softmax in place");
    for (const a of [x, g, y, ...outs, next]) givePooled(a);
  }
});

Deno.test("the margin row kernels give the same bits on arena rows as on copied ones, and stay in their rows", () => {
  // several blocks of rows; widths with a whole last step (1000) and a partial one (37, 10)
  for (const [rows, cols] of [[40, 1000], [1500, 37], [4000, 10]]) {
    const n = rows * cols;
    const x = arenaSines(n, 0);
    const px = Float32Array.from(x);
    const idx = Int32Array.from({ length: rows }, (_, r) => (r * 7919) % cols);
    // multilabel targets: two per row, then -1
    const labels = new Int32Array(n).fill(-1);
    for (let r = 0; r < rows; r++) labels.set([(r * 3) % cols, (r * 5 + 1) % cols], r * cols);
    const gx = take("float32", n) as Float32Array;
    // the block cut next: a kernel storing past the gradient's rows would change it
    const next = take("float32", n).fill(7);
    assert.ok(ownsBlock(x) && ownsBlock(gx), "the rows and the gradient own arena blocks");
    const plain = new Float32Array(n);
    const scale = (r: number) => (r % 3) - 0.5;
    const where = `${rows}x${cols}`;
    const same = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
      sameBits(`${what} ${where}`, got, want);
    for (const p of [1, 2]) {
      const [sums, psums] = [new Float32Array(rows), new Float32Array(rows)];
      multiMarginRows32(x, idx, cols, 0.75, p, null, sums);
      multiMarginRows32(px, idx, cols, 0.75, p, null, psums);
      same(`multi-margin p=${p}`, sums, psums);
      multiMarginGrad32(x, idx, cols, 0.75, p, null, 0.125, scale, gx);
      multiMarginGrad32(px, idx, cols, 0.75, p, null, 0.125, scale, plain);
      same(`multi-margin gradient p=${p}`, gx, plain);
    }
    const [sums, psums] = [new Float64Array(rows), new Float64Array(rows)];
    multilabelMarginRows32(x, labels, cols, sums);
    multilabelMarginRows32(px, labels, cols, psums);
    same("multilabel margin", sums, psums);
    multilabelMarginGrad32(x, labels, cols, 0.125, scale, gx);
    multilabelMarginGrad32(px, labels, cols, 0.125, scale, plain);
    same("multilabel margin gradient", gx, plain);
    assert.ok(next.every((v) => v === 7), `${where}: the next block was written`);
    for (const a of [x, gx, next]) givePooled(a);
  }
});

Deno.test("the cosine row kernels give the same bits on arena rows as on copied ones, and stay in their rows", () => {
  // several blocks of rows; widths with and without a scalar tail
  for (const [rows, cols] of [[300, 1000], [9000, 10], [7000, 37]]) {
    const n = rows * cols;
    const [x1, x2] = [1, 2].map((seed) => arenaSines(n, seed));
    const [p1, p2] = [x1, x2].map((a) => Float32Array.from(a));
    const gx = take("float32", n) as Float32Array;
    // the block cut next: a kernel storing past the gradient's rows would change it
    const next = take("float32", n).fill(7);
    assert.ok(
      ownsBlock(x1) && ownsBlock(x2) && ownsBlock(gx),
      "the rows and the gradient own blocks",
    );
    const where = `${rows}x${cols}`;
    const same = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
      sameBits(`${what} ${where}`, got, want);
    const [sums, psums] = [new Float64Array(3 * rows), new Float64Array(3 * rows)];
    rowDots(x1, x2, rows, cols, sums);
    rowDots(p1, p2, rows, cols, psums);
    same("dots", sums, psums);
    const c = Float32Array.from({ length: 2 * rows }, (_, i) => Math.fround(Math.cos(i) / 7));
    const plain = new Float32Array(n);
    cosineGrad(x1, x2, rows, cols, c, gx);
    cosineGrad(p1, p2, rows, cols, c, plain);
    same("gradient", gx, plain);
    assert.ok(next.every((v) => v === 7), `${where}: the next block was written`);
    for (const a of [x1, x2, gx, next]) givePooled(a);
  }
});

Deno.test("the norm row kernels give the same bits on arena rows as on copied ones, and stay in their rows", () => {
  // several blocks of rows; widths with and without a scalar tail
  for (const [rows, cols] of [[300, 1000], [9000, 10], [7000, 37]]) {
    const n = rows * cols;
    const inputs = [1, 2, 3].map((seed) => arenaSines(n, seed));
    const copies = inputs.map((a) => Float32Array.from(a));
    const grads = [0, 1].map(() => take("float32", n) as Float32Array);
    // the block cut next: a kernel storing past a gradient's rows would change it
    const next = take("float32", n).fill(7);
    assert.ok(
      [...inputs, ...grads].every((a) => ownsBlock(a)),
      "the rows and gradients own blocks",
    );
    const where = `${rows}x${cols}`;
    const same = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
      sameBits(`${what} ${where}`, got, want);
    const eps = Math.fround(1e-6);
    // anchor-positive and anchor-negative: the pair kernel that reads the anchor once
    const norms = (xs: Float32Array[]) => {
      const out = [new Float32Array(rows), new Float32Array(rows)];
      rowNorms2(xs, [[0, 1, out[0]], [0, 2, out[1]]], rows, cols, eps);
      return out;
    };
    const [na, pa] = [norms(inputs), norms(copies)];
    same("norms", na[0], pa[0]);
    same("norms, second pair", na[1], pa[1]);
    const g = Float32Array.from({ length: rows }, (_, j) => Math.fround(Math.cos(j)));
    // the anchor's gradient: two terms, the second added into the first
    const terms = (ns: Float32Array[]) =>
      [[0, 1, ns[0], g, 1], [0, 2, ns[1], g, -1]] as [
        number,
        number,
        Float32Array,
        Float32Array,
        1 | -1,
      ][];
    const plain = new Float32Array(n);
    normGrad2(inputs, terms(na), rows, cols, eps, grads[0]);
    normGrad2(copies, terms(pa), rows, cols, eps, plain);
    same("gradient", grads[0], plain);
    // norms and gradients in one pass
    const fused = [new Float32Array(rows), new Float32Array(rows)];
    const pfused = [new Float32Array(rows), new Float32Array(rows)];
    rowNorms2WithGrads(inputs, [[0, 1, fused[0]], [0, 2, fused[1]]], rows, cols, eps, () => {}, [[
      terms(fused),
      grads[1],
    ]]);
    rowNorms2WithGrads(copies, [[0, 1, pfused[0]], [0, 2, pfused[1]]], rows, cols, eps, () => {}, [[
      terms(pfused),
      plain,
    ]]);
    same("fused gradient", grads[1], plain);
    assert.ok(next.every((v) => v === 7), `${where}: the next block was written`);
    for (const a of [...inputs, ...grads, next]) givePooled(a);
  }
});

Deno.test("mseLoss on arena tensors gives the bits it gives on copies", async () => {
  const n = 50001;
  const x = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
  const y = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 3));
  const inArenaX = tensor(x, { requiresGrad: true });
  const inArenaY = tensor(y);
  assert.ok(inArena(await inArenaX.data()));
  const loss = mseLoss(inArenaX, inArenaY);
  loss.backward();
  const gradTensor = inArenaX.grad;
  assert.ok(gradTensor !== null);
  const grad = await gradTensor.data() as Float32Array;
  assert.ok(ownsBlock(grad), "the fused gradient is written into an arena block");
  const sum = simdLoss("mse", [x, y], null);
  assert.equal(loss.item(), Math.fround(sum / n));
  const plainGrad = new Float32Array(n);
  simdLoss("mse", [x, y], plainGrad, Math.fround(2 / n), 1);
  assert.deepEqual(Array.from(grad), Array.from(plainGrad));
});

Deno.test("a kernel module over the arena runs the same over an unshared memory of its own", () => {
  const binary = atob(WASM_BASE64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const at = sharedMemoryAt(bytes);
  assert.ok(at > 0);
  const unshared = unshareMemoryImport(bytes);
  assert.equal(sharedMemoryAt(unshared), -1);
  assert.equal(unshared[at], 1);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16385 });
  assert.throws(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }));
  const own = new WebAssembly.Instance(new WebAssembly.Module(unshared), { env: { memory } });
  const n = 1000;
  const view = new Float32Array(memory.buffer, 0, 2 * n);
  for (let i = 0; i < 2 * n; i++) view[i] = Math.sin(i);
  const sum = (own.exports.mse_sum as (...a: number[]) => number)(
    0,
    4 * n,
    0,
    8 * n,
    n,
    0,
    0,
    0,
    0,
  );
  assert.ok(Object.is(sum, simdLoss("mse", [view.slice(0, n), view.slice(n)], null)));
  assert.ok(new WasmKernel(WASM_BASE64).inArena);
});

Deno.test("a plain array that stood in for a block restarts the count when it is disposed", async () => {
  const n = 1 << 22; // 16 MiB of float32
  // dropping every tensor, until one is a plain array (free blocks go first, then the limit)
  let stand: Tensor | null = null;
  for (let k = 0; k < 64 && stand === null; k++) {
    const t = tensor(new Float32Array(n));
    if (!inArena(await t.data())) stand = t;
  }
  assert.ok(stand !== null, "the fresh limit was reached");
  // an array too small for a block says nothing about blocks
  tensor(new Float32Array(ARENA_MIN_BYTES / 4 - 1)).dispose();
  const before = tensor(new Float32Array(n));
  assert.ok(!inArena(await before.data()), "still past the limit");
  // a loop that disposes what it is done with: the first dispose of a stand-in restarts the
  // count, and from then on its storage is one block, cut once and taken again
  stand.dispose();
  const offsets = new Set<number>();
  for (let k = 0; k < 4; k++) {
    const t = tensor(new Float32Array(n));
    const data = await t.data();
    assert.ok(inArena(data), `call ${k}: a block`);
    offsets.add(data.byteOffset);
    t.dispose();
  }
  assert.equal(offsets.size, 1, "the same block each time");
  before.dispose();
});

Deno.test("the operands of one call at 1e7 float32 elements fit in the arena together", async () => {
  // a block given back: the counts start from 0
  const first = tensor(new Float32Array(ARENA_MIN_BYTES / 4));
  first.dispose();
  const n = 1e7; // 40 MB each: three of them pass ARENA_FRESH_LIMIT, not ARENA_MADE_LIMIT
  const operands = [0, 1, 2].map(() => tensor(new Float32Array(n)));
  for (const [k, t] of operands.entries()) {
    assert.ok(inArena(await t.data()), `operand ${k} in the arena`);
  }
  for (const t of operands) t.dispose();
});

Deno.test("a kernel over the arena writes a block in place only when nothing it reads overlaps it", () => {
  const k = new WasmKernel(WASM_BASE64);
  const n = ARENA_MIN_BYTES / 4;
  const out = take("float32", n);
  const other = take("float32", n);
  const memory = arenaMemory();
  assert.ok(memory !== null);
  // growth makes a new buffer over the same bytes: a view made after it is still out's bytes
  const before = memory.buffer;
  memory.grow(1);
  assert.notEqual(memory.buffer, before, "the arena grew");
  const after = take("float32", n); // made over the new buffer
  assert.notEqual(after.buffer, out.buffer);
  const alias = new Float32Array(after.buffer, out.byteOffset + 4, 8);
  assert.equal(k.writable(out, [other], false, false), true, "a block of its own");
  assert.equal(k.writable(out, [new Float32Array(n)], false, false), true, "a plain array");
  assert.equal(k.writable(out, [alias], false, false), false, "a view of its bytes");
  assert.equal(k.writable(out, [out], false, false), false, "itself");
  assert.equal(k.writable(out, [other], true, true), false, "a spill past its end");
  for (const block of [out, other, after]) givePooled(block);
});
