/**
 * A sequence recogniser trained in TensorFlow.js with PyTorch's CTC loss, through
 * `@parity/losses/tfjs`. TensorFlow.js has no CTC loss of its own.
 *
 * The data are synthetic: each sample is 16 frames of 6 features in which a sequence of 1 to
 * 3 symbols (from 4; class 0 is CTC's blank) is written, each symbol over 2 or 3 frames with
 * noise, separated by noise frames. No frame is labelled: the model sees the frames and the
 * symbol sequence, and CTC finds the alignment. The model reads each frame with its two
 * neighbours (18 numbers), one hidden layer of 24 units, and gives log-probabilities of the 5
 * classes per frame; Adam trains it on batches of 32. Greedy decoding (the most likely class
 * per frame, repeats merged, blanks dropped) then reads held-out samples.
 *
 * ```sh
 * deno run --config dev/deno.json --allow-read --allow-env dev/examples/ctc_recogniser.ts [--backend cpu|wasm|webgpu]
 * ```
 *
 * `ctc_recogniser_test.ts` runs it on the cpu backend, checks that the loss falls and that
 * README.md shows this output.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { tf, type TfBackend, tfStatus, useBackend } from "../peers/tfjs.ts";
import { withTfjs } from "../../tfjs/mod.ts";

const L = withTfjs(tf);

const FRAMES = 16;
const FEATURES = 6;
const SYMBOLS = 4; // classes 1..4; 0 is the blank
const CLASSES = SYMBOLS + 1;
const HIDDEN = 24;
const BATCH = 32;
const MAX_LABELS = 3;

/** mulberry32: a seeded stream in [0, 1). */
function stream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A batch: frames (N, T, F), padded targets (N, S), target lengths. */
interface Batch {
  frames: Float32Array;
  targets: Int32Array;
  lengths: number[];
  labels: number[][];
}

/** Each symbol's pattern over the 6 features: symbol k lights features k and k + 1. */
function pattern(symbol: number, f: number): number {
  return f === symbol - 1 || f === symbol ? 1 : 0;
}

function makeBatch(random: () => number, n: number): Batch {
  const frames = new Float32Array(n * FRAMES * FEATURES);
  const targets = new Int32Array(n * MAX_LABELS);
  const lengths: number[] = [];
  const labels: number[][] = [];
  for (let i = 0; i < n; i++) {
    const count = 1 + Math.floor(random() * MAX_LABELS);
    const seq = Array.from({ length: count }, () => 1 + Math.floor(random() * SYMBOLS));
    // frames per symbol (2 or 3) and gaps (1 or more) that fit in FRAMES
    let t = Math.floor(random() * 2);
    for (const symbol of seq) {
      const span = 2 + Math.floor(random() * 2);
      for (let s = 0; s < span && t < FRAMES; s++, t++) {
        for (let f = 0; f < FEATURES; f++) {
          frames[(i * FRAMES + t) * FEATURES + f] = pattern(symbol, f);
        }
      }
      t += 1 + Math.floor(random() * 2);
    }
    for (let k = 0; k < FRAMES * FEATURES; k++) {
      frames[i * FRAMES * FEATURES + k] += (random() - 0.5) * 0.6;
    }
    seq.forEach((symbol, k) => targets[i * MAX_LABELS + k] = symbol);
    lengths.push(count);
    labels.push(seq);
  }
  return { frames, targets, lengths, labels };
}

/** Each frame with its two neighbours (zeros past the ends): (N, T, 3F). */
function withContext(x: tf.Tensor3D): tf.Tensor3D {
  const padded = tf.pad(x, [[0, 0], [1, 1], [0, 0]]);
  return tf.concat([
    tf.slice(padded, [0, 0, 0], [-1, FRAMES, -1]),
    x,
    tf.slice(padded, [0, 2, 0], [-1, FRAMES, -1]),
  ], 2);
}

/** Greedy CTC decoding of (T, N, C) log-probabilities. */
function decode(logProbs: Float32Array, n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const seq: number[] = [];
    let last = 0;
    for (let t = 0; t < FRAMES; t++) {
      let best = 0;
      for (let c = 1; c < CLASSES; c++) {
        const at = (t * n + i) * CLASSES;
        if (logProbs[at + c] > logProbs[at + best]) best = c;
      }
      if (best !== 0 && best !== last) seq.push(best);
      last = best;
    }
    out.push(seq);
  }
  return out;
}

/** What a run reports: the loss every 25 steps and the held-out decoding. */
export interface RunResult {
  losses: [number, number][];
  exact: number;
  heldOut: number;
  lines: string[];
}

/** Trains for `steps` on `backend` and returns what it prints. */
export async function run(backend: TfBackend, steps = 300): Promise<RunResult> {
  const status = await tfStatus(backend);
  if (!status.ok) throw new Error(`TensorFlow.js ${backend}: ${status.reason}`);
  await useBackend(backend);
  const random = stream(7);
  const init = (shape: [number, number], scale: number) =>
    tf.variable(tf.tensor2d(
      Array.from({ length: shape[0] * shape[1] }, () => (random() - 0.5) * 2 * scale),
      shape,
    ));
  const w1 = init([3 * FEATURES, HIDDEN], 0.4);
  const b1 = tf.variable(tf.zeros([HIDDEN]));
  const w2 = init([HIDDEN, CLASSES], 0.4);
  const b2 = tf.variable(tf.zeros([CLASSES]));
  const model = (frames: tf.Tensor3D, n: number): tf.Tensor3D =>
    tf.tidy(() => {
      const x = tf.reshape(withContext(frames), [n * FRAMES, 3 * FEATURES]);
      const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
      const logits = tf.reshape(tf.add(tf.matMul(h, w2), b2), [n, FRAMES, CLASSES]);
      // (N, T, C) -> (T, N, C), log-softmax over the classes: PyTorch's layout for CTC
      return L.logSoftmax(tf.transpose(logits, [1, 0, 2]), 2) as tf.Tensor3D;
    });
  const optimizer = tf.train.adam(0.02);
  const lines: string[] = [`backend ${backend}: ${steps} steps of Adam, batches of ${BATCH}`];
  const losses: [number, number][] = [];
  const inputLengths = Array(BATCH).fill(FRAMES);
  for (let step = 1; step <= steps; step++) {
    const batch = makeBatch(random, BATCH);
    const frames = tf.tensor3d(batch.frames, [BATCH, FRAMES, FEATURES]);
    const targets = tf.tensor2d(batch.targets, [BATCH, MAX_LABELS], "int32");
    const cost = optimizer.minimize(
      () =>
        L.ctcLoss(model(frames, BATCH), targets, inputLengths, batch.lengths, {
          zeroInfinity: true,
        }) as tf.Scalar,
      step === 1 || step % 25 === 0,
    );
    if (cost !== null) {
      const value = (await cost.data())[0];
      losses.push([step, value]);
      lines.push(`step ${String(step).padStart(3)}  ctc loss ${value.toFixed(4)}`);
      cost.dispose();
    }
    tf.dispose([frames, targets]);
  }
  const test = makeBatch(stream(99), 64);
  const frames = tf.tensor3d(test.frames, [64, FRAMES, FEATURES]);
  const logProbs = model(frames, 64);
  const decoded = decode(await logProbs.data() as Float32Array, 64);
  const exact = decoded.filter((seq, i) => seq.join() === test.labels[i].join()).length;
  lines.push(`held-out: ${exact} of 64 sequences decoded exactly`);
  for (let i = 0; i < 3; i++) {
    lines.push(`  target ${test.labels[i].join(" ")}  decoded ${decoded[i].join(" ")}`);
  }
  tf.dispose([frames, logProbs, w1, b1, w2, b2]);
  optimizer.dispose();
  return { losses, exact, heldOut: 64, lines };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { backend: { type: "string", default: "cpu" }, steps: { type: "string" } },
  });
  const backend = values.backend as TfBackend;
  const result = await run(backend, values.steps === undefined ? undefined : Number(values.steps));
  console.log(result.lines.join("\n"));
}
