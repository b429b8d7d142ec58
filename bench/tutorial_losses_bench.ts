/**
 * CPU timings of the tutorial's five losses: forward, and value plus gradient, at 1e6
 * elements (1024 × 1000 for the class losses). Inputs are made outside the timed part from a
 * fixed-seed generator. `deno task bench`.
 *
 * @module
 */

import {
  crossEntropy,
  hingeEmbeddingLoss,
  l1Loss,
  logSoftmax,
  mseLoss,
  nllLoss,
  type Tensor,
  tensor,
} from "../mod.ts";

/** A small fixed-seed generator (mulberry32) for reproducible inputs. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function floats(n: number, seed: number, requiresGrad = false): Tensor {
  const next = uniform(seed);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = next() * 4 - 2;
  return tensor(data, { requiresGrad });
}

function classes(n: number, c: number, seed: number): Tensor {
  const next = uniform(seed);
  const data = new BigInt64Array(n);
  for (let i = 0; i < n; i++) data[i] = BigInt(Math.floor(next() * c));
  return tensor(data);
}

function clearGrad(t: Tensor): void {
  t.grad = null;
}

const N = 1e6;
const x = floats(N, 1);
const xg = floats(N, 1, true);
const y = floats(N, 2);
const logits = tensor(floats(1024 * 1000, 3).toArray() as number[], { shape: [1024, 1000] });
const logitsGrad = tensor(logits.toArray() as number[][], { requiresGrad: true });
const labels = classes(1024, 1000, 4);

const CASES: [string, (input: Tensor) => Tensor, Tensor, Tensor][] = [
  ["l1Loss 1e6", (input) => l1Loss(input, y), x, xg],
  ["mseLoss 1e6", (input) => mseLoss(input, y), x, xg],
  ["hingeEmbeddingLoss 1e6", (input) => hingeEmbeddingLoss(input, y), x, xg],
  [
    "nllLoss(logSoftmax) 1024x1000",
    (input) => nllLoss(logSoftmax(input, 1), labels),
    logits,
    logitsGrad,
  ],
  ["crossEntropy 1024x1000", (input) => crossEntropy(input, labels), logits, logitsGrad],
];

for (const [group, loss, input, inputGrad] of CASES) {
  Deno.bench({ group, name: "cpu forward", baseline: true, fn: () => void loss(input).item() });
  Deno.bench({
    group,
    name: "cpu value+grad",
    fn: async () => {
      clearGrad(inputGrad);
      loss(inputGrad).backward();
      await inputGrad.grad?.data();
    },
  });
}
