/**
 * `@parity/losses/tfjs` with TensorFlow.js 4.22: the library's values and gradients through
 * tfjs's autodiff (tf.grad, tf.valueAndGrads, optimizer.minimize, model.fit), inputs read once,
 * no readback on webgpu, buffers handed to tfjs freed once tfjs disposes them, and the
 * library's own error messages. The fixtures run through the bridge in
 * `adapters/tfjs_bridge_test.ts`; 1,000 training steps in `tfjs_bridge_leak_test.ts`.
 */
import assert from "node:assert/strict";
import { tf, type TfBackend, tfStatus, useBackend } from "./peers/tfjs.ts";
// tf.layers and tf.sequential, on the same tfjs-core as the peer's tf
import { layers, sequential } from "npm:@tensorflow/tfjs@4.22.0";
import { withTfjs } from "../tfjs/mod.ts";
import { handedCount } from "../tfjs/bridge.ts";
import {
  abs,
  crossEntropy,
  ctcLoss,
  logSoftmax,
  manualSeed,
  multilabelSoftMarginLoss,
  randn,
  sub,
  sum,
  type Tensor,
  tensor,
} from "../mod.ts";
import { bufferStats } from "../losses/_core/webgpu/buffers.ts";

type T = tf.Tensor;
const L = withTfjs(tf);

const webgpu = await tfStatus("webgpu");
if (!webgpu.ok) {
  console.log(`the bridge's webgpu tests are skipped: ${webgpu.reason}`);
}

/** A 4 × 5 classification problem from PyTorch's generator, as numbers. */
function problem(): {
  logits: Float32Array;
  labels: number[];
  weight: number[];
} {
  manualSeed(3);
  const logits = randn([4, 5]).toArray() as number[][];
  return {
    logits: Float32Array.from(logits.flat()),
    labels: [0, 3, 1, 4],
    weight: [1, 2, 0.5, 1, 3],
  };
}

/** Counts calls of `name` on `target` while `body` runs. */
function counting<R>(target: object, name: string, body: () => R): [R, number] {
  const holder = target as Record<string, (...args: unknown[]) => unknown>;
  const original = holder[name];
  let calls = 0;
  holder[name] = function (this: unknown, ...args: unknown[]): unknown {
    calls++;
    return original.apply(this, args);
  };
  try {
    return [body(), calls];
  } finally {
    holder[name] = original;
  }
}

for (const backend of ["cpu", "wasm"] as TfBackend[]) {
  Deno.test(`${backend}: value and gradients are the library's, bit for bit`, async () => {
    await useBackend(backend);
    const { logits, labels, weight } = problem();
    const options = { labelSmoothing: 0.1, ignoreIndex: 1 };
    // the library alone
    const x = tensor(logits, { shape: [4, 5], requiresGrad: true });
    const want = crossEntropy(x, tensor(labels, { dtype: "int64" }), {
      ...options,
      weight: tensor(weight),
    });
    want.backward(tensor(0.75));
    // through TensorFlow.js
    const xt = tf.tensor(logits, [4, 5]);
    const yt = tf.tensor1d(labels, "int32");
    const wt = tf.tensor1d(weight);
    const { value, grads } = tf.valueAndGrads((a: T) =>
      L.crossEntropy(a, yt, { ...options, weight: wt })
    )([xt], tf.scalar(0.75));
    assert.equal(value.dtype, "float32");
    assert.deepEqual([...value.dataSync()], [want.item()]);
    assert.deepEqual([...grads[0].dataSync()], [
      ...await (x.grad as Tensor).data(),
    ]);
    tf.dispose([xt, yt, wt, value, ...grads]);
  });

  Deno.test(`${backend}: each input is read once, and only in the forward pass`, async () => {
    await useBackend(backend);
    const a = tf.tensor2d([[0.5, -1, 2], [3, 0, -0.25]]);
    const b = tf.tensor2d([[1, 1, 1], [0, 0, 0]]);
    const reads = new Map<T, number>();
    for (const t of [a, b]) {
      const original = t.dataSync.bind(t);
      reads.set(t, 0);
      t.dataSync = (() => (reads.set(t, (reads.get(t) ?? 0) + 1), original())) as T[
        "dataSync"
      ];
    }
    const { value, grads } = tf.valueAndGrads((x: T, y: T) => L.mseLoss(x, y))([
      a,
      b,
    ]);
    assert.deepEqual([...reads.values()], [1, 1]);
    assert.equal(
      value.dataSync()[0],
      Math.fround((0.25 + 4 + 1 + 9 + 0 + 0.0625) / 6),
    );
    assert.deepEqual(
      [...grads[1].dataSync()],
      [...grads[0].dataSync()].map((g) => -g),
    );
    tf.dispose([a, b, value, ...grads]);
  });
}

Deno.test("cpu: tf.grad, optimizer.minimize and a forward pass outside any tape", async () => {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  // outside a tape: no customGrad node, one new tensor
  const x = tf.tensor2d([[1, 2, 3], [1, 5, 1]]);
  const probs = L.softmax(x, 1);
  assert.equal(tf.memory().numTensors, before + 2);
  const want = await logSoftmax(tensor([[1, 2, 3], [1, 5, 1]]), 1).data();
  const got = tf.tidy(() => L.logSoftmax(x, -1));
  assert.deepEqual([...got.dataSync()], [...want]);
  // tf.grad of a loss built on the bridge's softmax: the gradients chain through tfjs ops
  const g = tf.grad((z: T) => tf.sum(tf.mul(L.softmax(z, 0), tf.tensor2d([[1, 0, 0], [0, 0, 1]]))))(
    x,
  );
  assert.deepEqual(g.shape, [2, 3]);
  assert.ok(Math.abs(g.dataSync()[0] - 0.5 * 0.5) < 1e-7, `${g.dataSync()[0]}`); // p(1 - p) at a tie
  tf.dispose([probs, got, g]);
  assert.equal(tf.memory().numTensors, before + 1); // x
  // an optimizer lowers a loss of the bridge
  const w = tf.variable(tf.zeros([3, 4]));
  const inputs = tf.tensor2d([[1, 0, 2], [0, 1, -1], [2, 2, 0]]);
  const labels = tf.tensor1d([3, 0, 2], "int32");
  const optimizer = tf.train.sgd(0.5);
  const losses: number[] = [];
  const tensors: number[] = [];
  for (let step = 0; step < 20; step++) {
    const cost = optimizer.minimize(
      () =>
        L.crossEntropy(tf.matMul(inputs, w), labels, {
          labelSmoothing: 0.05,
        }) as tf.Scalar,
      true,
    );
    losses.push((cost as T).dataSync()[0]);
    (cost as T).dispose();
    tensors.push(tf.memory().numTensors);
  }
  assert.deepEqual(
    new Set(tensors.slice(1)),
    new Set([tensors[0]]),
    "tensors left per step",
  );
  assert.equal(losses[0], Math.fround(Math.log(4)));
  assert.ok(losses[19] < losses[0] / 2, `${losses[0]} -> ${losses[19]}`);
  tf.dispose([x, w, inputs, labels]);
  optimizer.dispose();
});

for (const backend of ["cpu", "webgpu"] as TfBackend[]) {
  Deno.test({
    name: `${backend}: model.compile({ loss }) and model.fit train with a bridged loss`,
    ignore: backend === "webgpu" && !webgpu.ok,
    fn: async () => {
      await useBackend(backend);
      const model = sequential({
        layers: [layers.dense({ inputShape: [2], units: 3, kernelInitializer: "zeros" })],
      });
      // yTrue arrives as float32 one-hot rows: class probabilities, which crossEntropy takes
      model.compile({
        optimizer: tf.train.adam(0.1),
        loss: (yTrue: T, yPred: T) => L.crossEntropy(yPred, yTrue),
      });
      const xs = tf.tensor2d([[1, 0], [0, 1], [-1, -1], [1, 1], [-1, 0], [0, -1]]);
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 2, 2], "int32"), 3).toFloat();
      const history = await model.fit(xs, ys, { epochs: 30, batchSize: 6, verbose: 0 });
      const loss = history.history.loss as number[];
      assert.ok(Math.abs(loss[0] - Math.log(3)) < 1e-6, `${loss[0]}`);
      assert.ok(loss[29] < 0.5 * loss[0], `${loss[0]} -> ${loss[29]}`);
      tf.dispose([xs, ys]);
      model.dispose();
    },
  });
}

Deno.test("cpu: ctcLoss takes int32 lengths or arrays; tensor options; custom distances", async () => {
  await useBackend("cpu");
  manualSeed(0);
  const lp = logSoftmax(randn([6, 2, 4]), 2);
  const lpData = await lp.data() as Float32Array;
  const targets = [[1, 2], [3, 3]];
  const want = ctcLoss(lp, tensor(targets, { dtype: "int64" }), [6, 5], [2, 2])
    .item();
  const lpt = tf.tensor3d(lpData, [6, 2, 4]);
  const tt = tf.tensor2d(targets, [2, 2], "int32");
  const arrays = L.ctcLoss(lpt, tt, [6, 5], [2, 2]);
  const tensors = L.ctcLoss(
    lpt,
    tt,
    tf.tensor1d([6, 5], "int32"),
    tf.tensor1d([2, 2], "int32"),
  );
  assert.equal(arrays.dataSync()[0], want);
  assert.equal(tensors.dataSync()[0], want);
  // multilabelSoftMarginLoss's weight takes a gradient, as in PyTorch
  const x = tensor([[0.5, -1, 2]], { requiresGrad: true });
  const weight = tensor([1, 2, 0.5], { requiresGrad: true });
  multilabelSoftMarginLoss(x, tensor([[1, 0, 1]]), { weight }).backward();
  const gw = tf.grad((w: T) =>
    L.multilabelSoftMarginLoss(
      tf.tensor2d([[0.5, -1, 2]]),
      tf.tensor2d([[1, 0, 1]]),
      {
        weight: w,
      },
    )
  )(tf.tensor1d([1, 2, 0.5]));
  assert.deepEqual([...gw.dataSync()], [
    ...await (weight.grad as Tensor).data(),
  ]);
  // a custom distance, built from the library's ops, runs on the library's tensors
  const l1 = (a: Tensor, b: Tensor) => sum(abs(sub(a, b)), { dim: -1 });
  const triplet = L.tripletMarginWithDistanceLoss(
    tf.tensor2d([[0, 0]]),
    tf.tensor2d([[1, 1]]),
    tf.tensor2d([[3, 0]]),
    { distanceFunction: l1 },
  );
  assert.equal(triplet.dataSync()[0], 0); // max(2 - 3 + 1, 0)
  tf.dispose([lpt, tt, arrays, tensors, gw, triplet]);
});

Deno.test("cpu: the value goes back as the array tf.tensor is given, which tfjs keeps", async () => {
  await useBackend("cpu");
  const given: unknown[] = [];
  const spied = withTfjs({
    ...tf,
    tensor: (...args: Parameters<typeof tf.tensor>) => (given.push(args[0]), tf.tensor(...args)),
  });
  const x = tf.tensor1d([1, -2, 3]);
  const out = spied.l1Loss(x, tf.zerosLike(x), { reduction: "none" });
  assert.equal(given.length, 1);
  const kept = (tf.backend() as unknown as { data: { get(id: object): { values: unknown } } })
    .data.get(out.dataId).values;
  assert.equal(kept, given[0], "the cpu backend keeps the array without copying it");
  assert.deepEqual([...out.dataSync()], [1, 2, 3]);
  tf.dispose([x, out]);
});

Deno.test("cpu: where PyTorch gives no gradient (None), the bridge gives zeros", async () => {
  await useBackend("cpu");
  const [a, p, n] = [[[1, 2]], [[1, 3]], [[0, 0]]].map((v) => tf.tensor2d(v));
  // p = 0 counts nonzero differences: piecewise constant, no gradient in PyTorch
  const grads = tf.grads((x: T, y: T, z: T) => L.tripletMarginLoss(x, y, z, { p: 0 }))([a, p, n]);
  for (const g of grads) assert.deepEqual([...g.dataSync()], [0, 0]);
  tf.dispose([a, p, n, ...grads]);
});

Deno.test("cpu: errors are the library's own messages", async () => {
  await useBackend("cpu");
  const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => L.crossEntropy(x, tf.tensor1d([1, 7], "int32")), {
    name: "RangeError",
    message: /Cannot compute crossEntropy as target values must be in \[0, 3\)/,
  });
  assert.throws(() => L.mseLoss(x, tf.tensor1d([1, 2])), {
    message: /Cannot compute mseLoss as/,
  });
  assert.throws(() => L.l1Loss(x, [1, 2, 3] as unknown as T), {
    name: "TypeError",
    message: /Cannot compute l1Loss as target must be a tf.Tensor: got an array/,
  });
  assert.throws(() => L.mseLoss(x, x, { reduction: "avg" as "mean" }), {
    message: /Cannot compute mseLoss as reduction must be "none", "mean" or "sum"/,
  });
  assert.throws(() => L.nllLoss(x, tf.tensor1d([0, 1], "float32")), {
    message: /Cannot compute nllLoss as target must hold int64 class indices/,
  });
  assert.throws(() => L.mseLoss(tf.complex([1], [1]), tf.complex([1], [1])), {
    message:
      /Cannot compute mseLoss as input must be a float32, int32 or bool tensor: input dtype is "complex64"/,
  });
  x.dispose();
});

/**
 * Runs `body` on tfjs's webgpu backend and checks that neither library read the GPU back:
 * tfjs's readback (`getBufferData`), its synchronous read of a tensor without values on the
 * CPU (`readSync` then reads the GPU through a canvas), and the library's mappings.
 */
function withoutReadback<R>(body: () => R): R {
  const backend = tf.backend() as unknown as {
    getBufferData(...args: unknown[]): unknown;
    readSync(dataId: object): unknown;
    tensorMap: { get(dataId: object): { values?: unknown } };
  };
  const { getBufferData, readSync } = backend;
  let reads = 0;
  let gpuSyncReads = 0;
  backend.getBufferData = (...args) => (reads++, getBufferData.apply(backend, args));
  backend.readSync = (dataId) => {
    if (backend.tensorMap.get(dataId).values == null) gpuSyncReads++;
    return readSync.call(backend, dataId);
  };
  const libraryBefore = bufferStats().readbacks;
  try {
    return body();
  } finally {
    backend.getBufferData = getBufferData;
    backend.readSync = readSync;
    assert.equal(reads, 0, "TensorFlow.js read a buffer back");
    assert.equal(gpuSyncReads, 0, "TensorFlow.js read the GPU synchronously");
    assert.equal(
      bufferStats().readbacks,
      libraryBefore,
      "the library read back",
    );
  }
}

Deno.test({
  name: "webgpu: values and gradients stay on the GPU, read from tfjs's buffers",
  ignore: !webgpu.ok,
  fn: async () => {
    await useBackend("webgpu");
    const rows = 64;
    const classes = 100;
    const logits = new Float32Array(rows * classes).map((_, i) => Math.sin(i) * 3);
    const labels = Array.from({ length: rows }, (_, i) => (i * 7) % classes);
    // more elements than WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: the product is on the GPU
    const onGpu = tf.mul(tf.tensor2d(logits, [rows, classes]), 1);
    const y = tf.tensor1d(labels, "int32");
    const [{ value, grads }, copies] = counting(
      onGpu,
      "dataToGPU",
      () => withoutReadback(() => tf.valueAndGrads((a: T) => L.crossEntropy(a, y))([onGpu])),
    );
    assert.equal(copies, 1, "the input is read once, on the GPU");
    // the same numbers as the library on the cpu, to float32's tolerance
    const x = tensor(logits, { shape: [rows, classes], requiresGrad: true });
    const want = crossEntropy(x, tensor(labels, { dtype: "int64" }));
    want.backward();
    const [v, g] = await Promise.all([value.data(), grads[0].data()]);
    assert.ok(
      Math.abs(v[0] - want.item()) <= 1e-5 + 1.3e-6 * want.item(),
      `${v[0]}`,
    );
    const wantGrad = await (x.grad as Tensor).data() as Float32Array;
    g.forEach((gi, i) => assert.ok(Math.abs(gi - wantGrad[i]) <= 1e-5, `grad[${i}] ${gi}`));
    tf.dispose([onGpu, y, value, ...grads]);
  },
});

Deno.test({
  name: "webgpu: small tensors tfjs keeps on the CPU go up from their values",
  ignore: !webgpu.ok,
  fn: async () => {
    await useBackend("webgpu");
    const a = tf.tensor2d([[0.5, -1, 2], [3, 0, -0.25]]);
    const b = tf.tensor2d([[1, 1, 1], [0, 0, 0]]);
    const [{ value, grads }, copies] = counting(
      a,
      "dataToGPU",
      () => withoutReadback(() => tf.valueAndGrads((x: T, y: T) => L.mseLoss(x, y))([a, b])),
    );
    assert.equal(copies, 0);
    assert.equal(
      (await value.data())[0],
      Math.fround((0.25 + 4 + 1 + 9 + 0 + 0.0625) / 6),
    );
    assert.deepEqual(
      [...await grads[0].data()],
      [-0.5, -2, 1, 3, 0, -0.25].map((d) => Math.fround(Math.fround(2 / 6) * d)),
    );
    // the library checks BCE's range from the values tfjs keeps on the CPU
    assert.throws(
      () => L.binaryCrossEntropy(tf.tensor1d([0.5, 2]), tf.tensor1d([1, 0])),
      {
        message: /Cannot compute binaryCrossEntropy as/,
      },
    );
    // a tensor made on another backend (cpu) is read from there
    await useBackend("cpu");
    const made = tf.tensor1d([0.5, 2]);
    await useBackend("webgpu");
    const fromCpu = L.l1Loss(made, tf.tensor1d([0, 0]), { reduction: "sum" });
    assert.equal((await fromCpu.data())[0], 2.5);
    tf.dispose([made, fromCpu]);
    // class indices the bridge has read stay known after a tfjs kernel moves them to the GPU
    const labels = tf.tensor1d([2, 0], "int32");
    const first = L.crossEntropy(a, labels);
    const onehot = tf.oneHot(labels, 3); // uploads labels; tfjs drops their CPU values
    const place = (tf.backend() as unknown as {
      tensorMap: { get(id: object): { values: unknown } };
    })
      .tensorMap.get(labels.dataId);
    assert.equal(place.values, null);
    const second = L.crossEntropy(a, labels);
    assert.deepEqual([...await second.data()], [...await first.data()]);
    tf.dispose([labels, first, onehot, second]);
    // class indices only on the GPU cannot be checked without a readback
    const onGpu = tf.cast(tf.mul(tf.ones([2000], "int32"), 1), "int32");
    assert.throws(() => L.nllLoss(tf.mul(tf.ones([2000, 3]), 1), onGpu), {
      message: /Cannot compute nllLoss as target must have its values on the CPU/,
    });
    tf.dispose([a, b, value, ...grads, onGpu]);
  },
});

Deno.test({
  name: "webgpu: buffers handed to tfjs are destroyed once tfjs disposes their tensors",
  ignore: !webgpu.ok,
  fn: async () => {
    await useBackend("webgpu");
    const x = tf.mul(tf.ones([40, 30]), 0.5);
    const y = tf.mul(tf.ones([40, 30]), 0.25);
    // a first call destroys what earlier tests handed over and disposed
    const warm = L.l1Loss(x, y);
    const start = handedCount();
    const handed = bufferStats().handedOver;
    const { value, grads } = tf.valueAndGrads((a: T, b: T) => L.l1Loss(a, b))([
      x,
      y,
    ]);
    assert.equal(
      handedCount(),
      start + 3,
      "the value and two gradients are handed over",
    );
    assert.equal(bufferStats().handedOver, handed + 3);
    const kept = tf.clone(grads[0]); // shares the gradient's buffer
    tf.dispose([value, ...grads]);
    // the next call finds two of them disposed and destroys their buffers; the clone keeps one
    const again = L.l1Loss(x, y);
    assert.equal(handedCount(), start + 2);
    assert.equal(bufferStats().handedOver, handed + 2);
    assert.deepEqual([...new Set(await kept.data())], [Math.fround(1 / 1200)]);
    kept.dispose();
    const third = L.l1Loss(x, y); // destroys the kept gradient's buffer, hands over its own
    assert.equal(bufferStats().handedOver, handed + 2); // again's and third's
    third.dispose();
    assert.equal((await again.data())[0], 0.25);
    tf.dispose([x, y, again, warm]);
  },
});
