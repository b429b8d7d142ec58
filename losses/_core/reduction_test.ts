// float32 sums at 1e7 elements: at least as accurate as PyTorch's cascade sum on the same data,
// PyTorch run by a Python with torch (skipped, with the reason printed, where there is none).
import assert from "node:assert/strict";
import {
  huberLoss,
  l1Loss,
  marginRankingLoss,
  mseLoss,
  smoothL1Loss,
  sum,
  type Tensor,
  tensor,
} from "../../mod.ts";

const N = 10_000_000;

// The same numbers in JavaScript and in NumPy: float64 steps, then rounded to float32.
const PYTHON = `
import json, sys
import numpy as np
import torch
import torch.nn.functional as F
torch.set_num_threads(1)
n = ${N}
i = np.arange(n, dtype=np.float64)
x = torch.from_numpy((((i * 0.6180339887498949) % 1.0) * 4 - 2).astype(np.float32))
y = torch.from_numpy((((i * 0.7548776662466927) % 1.0) * 3 - 1).astype(np.float32))
print(json.dumps({
  "sum": float(torch.sum(x)),
  "mse_sum": float(F.mse_loss(x, y, reduction="sum")),
  "l1_mean": float(F.l1_loss(x, y)),
  "huber_sum": float(F.huber_loss(x, y, reduction="sum", delta=1.0)),
  "smooth_l1_sum": float(F.smooth_l1_loss(x, y, reduction="sum", beta=0.5)),
  "margin_ranking_sum": float(F.margin_ranking_loss(x, y, torch.where(x * y > 0, 1.0, -1.0), margin=0.5, reduction="sum")),
}))
`;

function sequence(step: number, scale: number, offset: number): Float32Array {
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) out[i] = ((i * step) % 1) * scale + offset;
  return out;
}

async function pytorch(): Promise<Record<string, number> | string> {
  for (const python of ["/usr/bin/python3", "python3"]) {
    try {
      const out = await new Deno.Command(python, {
        args: ["-c", PYTHON],
        env: { OMP_NUM_THREADS: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (out.success) return JSON.parse(new TextDecoder().decode(out.stdout));
    } catch { /* not there: try the next */ }
  }
  return "no Python with torch and numpy found (/usr/bin/python3, python3)";
}

/** The exact sum (float64, pairwise over float64 values) of float64 terms. */
function exactSum(terms: Float64Array): number {
  const pairwise = (lo: number, hi: number): number => {
    if (hi - lo <= 64) {
      let s = 0;
      for (let i = lo; i < hi; i++) s += terms[i];
      return s;
    }
    const mid = (lo + hi) >>> 1;
    return pairwise(lo, mid) + pairwise(mid, hi);
  };
  return pairwise(0, terms.length);
}

Deno.test("float32 sums of 1e7 elements are at least as accurate as PyTorch's on the same data", async () => {
  const torch = await pytorch();
  if (typeof torch === "string") {
    console.log(`sum accuracy test skipped: ${torch}`);
    return;
  }
  const xs = sequence(0.6180339887498949, 4, -2);
  const ys = sequence(0.7548776662466927, 3, -1);
  const x = tensor(xs);
  const y = tensor(ys);
  const signs = Float32Array.from({ length: N }, (_, i) => (xs[i] * ys[i] > 0 ? 1 : -1));
  // Each loss's per-element terms, float32 operations both sides compute alike, summed exactly.
  const terms = (f: (i: number) => number): Float64Array =>
    Float64Array.from({ length: N }, (_, i) => f(i));
  const fr = Math.fround;
  const cases: [string, Tensor, number][] = [
    ["sum", sum(x), exactSum(terms((i) => xs[i]))],
    [
      "mse_sum",
      mseLoss(x, y, { reduction: "sum" }),
      exactSum(terms((i) => fr(fr(xs[i] - ys[i]) ** 2))),
    ],
    ["l1_mean", l1Loss(x, y), exactSum(terms((i) => fr(Math.abs(fr(xs[i] - ys[i]))))) / N],
    [
      "huber_sum",
      huberLoss(x, y, { reduction: "sum", delta: 1 }),
      exactSum(terms((i) => {
        const z = Math.abs(fr(xs[i] - ys[i]));
        return z < 1 ? fr(fr(0.5 * z) * z) : fr(z - 0.5);
      })),
    ],
    [
      "smooth_l1_sum",
      smoothL1Loss(x, y, { reduction: "sum", beta: 0.5 }),
      exactSum(terms((i) => {
        const z = Math.abs(fr(xs[i] - ys[i]));
        return z < 0.5 ? fr(fr(fr(0.5 * z) * z) / 0.5) : fr(z - 0.25);
      })),
    ],
    [
      "margin_ranking_sum",
      marginRankingLoss(x, y, tensor(signs), { reduction: "sum", margin: 0.5 }),
      exactSum(terms((i) => {
        const v = fr(fr(-signs[i] * fr(xs[i] - ys[i])) + 0.5);
        return v < 0 ? 0 : v;
      })),
    ],
  ];
  for (const [name, ours, exact] of cases) {
    const theirs = torch[name];
    const ourError = Math.abs(ours.item() - exact);
    const theirError = Math.abs(theirs - exact);
    console.log(`${name}: our error ${ourError}, PyTorch's ${theirError}`);
    assert.ok(
      ourError <= theirError,
      `${name}: ours ${ours.item()} is ${ourError} from ${exact}, PyTorch's ${theirs} is ${theirError}`,
    );
  }
});
