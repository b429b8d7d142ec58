/**
 * 1,000 training steps of a small TensorFlow.js model with a bridged loss, on the cpu backend
 * and on webgpu: `tf.memory().numTensors` and the library's live GPU buffers (pooled, in use,
 * or handed to TensorFlow.js and not yet destroyed) must stay flat.
 */
import assert from "node:assert/strict";
import { tf, type TfBackend, tfStatus, useBackend } from "./peers/tfjs.ts";
import { withTfjs } from "../tfjs/mod.ts";
import { bufferStats } from "../losses/_core/webgpu/buffers.ts";

type T = tf.Tensor;
const L = withTfjs(tf);
const STEPS = 1000;
const EVERY = 100;

const webgpu = await tfStatus("webgpu");
if (!webgpu.ok) {
  console.log(`the webgpu leak test is skipped: ${webgpu.reason}`);
}

interface Checkpoint {
  step: number;
  loss: number;
  tensors: number;
  live: number;
  handedOver: number;
}

/** A training run: the loss before the first step, and the checkpoints. */
interface Run {
  first: number;
  points: Checkpoint[];
}

/**
 * Trains a linear classifier of 4 features into 3 classes on 24 points with crossEntropy (a
 * small model, so that 1,000 steps on the software GPU adapter take seconds), noting the counts
 * every 100 steps. Nothing collects garbage or yields to the event loop between checkpoints:
 * the library's GPU storage must go back to its pool without finalizers.
 */
async function train(backend: TfBackend): Promise<Run> {
  await useBackend(backend);
  const n = 24;
  const features = Array.from({ length: n * 4 }, (_, k) => Math.sin(k * 12.9898 + 1) * 2);
  // three classes by the largest of three fixed linear scores: a linear model can learn them
  const labels = Array.from({ length: n }, (_, i) => {
    const [a, b, c, d] = features.slice(i * 4, i * 4 + 4);
    const scores = [a + b, c - d, -a - c];
    return scores.indexOf(Math.max(...scores));
  });
  const x = tf.tensor2d(features, [n, 4]);
  const y = tf.tensor1d(labels, "int32");
  const w = tf.variable(tf.zeros([4, 3]));
  const b = tf.variable(tf.zeros([3]));
  const optimizer = tf.train.sgd(0.5);
  const loss = () =>
    L.crossEntropy(tf.add(tf.matMul(x, w), b), y, { labelSmoothing: 0.05 }) as tf.Scalar;
  const initial = loss();
  const first = (await initial.data())[0];
  initial.dispose();
  const points: Checkpoint[] = [];
  for (let step = 1; step <= STEPS; step++) {
    const report = step % EVERY === 0;
    const cost = optimizer.minimize(loss, report);
    if (report) {
      const stats = bufferStats();
      const tensors = tf.memory().numTensors;
      const value = (await (cost as T).data())[0];
      (cost as T).dispose();
      points.push({ step, loss: value, tensors, live: stats.live, handedOver: stats.handedOver });
    }
  }
  tf.dispose([x, y, w, b]);
  optimizer.dispose();
  return { first, points };
}

function checkFlat({ first, points }: Run, gpu: boolean): void {
  const text = JSON.stringify({ first, points });
  assert.equal(points.length, STEPS / EVERY);
  // the model learns: its loss falls from log(3)
  assert.ok(Math.abs(first - Math.log(3)) < 1e-6, text);
  assert.ok(points[points.length - 1].loss < 0.5 * first, text);
  // the same number of tensors after step 100 as after step 1,000
  assert.deepEqual(new Set(points.map((p) => p.tensors)), new Set([points[0].tensors]), text);
  if (!gpu) return;
  // GPU buffers: what the first step made is reused from then on, and what was handed to
  // TensorFlow.js is destroyed once it is disposed (one step's value and gradient at most)
  assert.deepEqual(new Set(points.map((p) => p.live)), new Set([points[0].live]), text);
  assert.ok(
    points.every((p) => p.handedOver <= 3),
    text,
  );
}

const cpu = await train("cpu");
console.log("cpu", JSON.stringify(cpu));
const gpu = webgpu.ok ? await train("webgpu") : null;
if (gpu !== null) console.log("webgpu", JSON.stringify(gpu));

Deno.test("1,000 training steps on the cpu backend leave tf.memory() flat", () => {
  checkFlat(cpu, false);
});

Deno.test({
  name: "1,000 training steps on webgpu leave tf.memory() and the library's GPU buffers flat",
  ignore: gpu === null,
  fn: () => checkFlat(gpu as Run, true),
});

Deno.test({
  name: "README.md gives the counts of these runs",
  ignore: gpu === null,
  fn: async () => {
    const [c, g] = [cpu.points[0], (gpu as Run).points[0]];
    const text =
      `\`tf.memory().numTensors\` stays at ${c.tensors} (cpu) and ${g.tensors} (webgpu) ` +
      `from step 100 to step 1,000, the library's live GPU buffers at ${g.live} and those handed ` +
      `to TensorFlow.js and not yet destroyed at ${g.handedOver}`;
    const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
    const flat = (t: string) => t.replace(/\s+/g, " ");
    assert.ok(flat(readme).includes(text), `README.md should say: ${text}`);
  },
});
