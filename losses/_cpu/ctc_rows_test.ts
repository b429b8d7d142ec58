import assert from "node:assert/strict";
import { ctcAlphaLanes } from "./ctc_rows.ts";
import { exp32, log32 } from "./generated/math32.ts";
import { takeStorage } from "../_core/storage.ts";
import { inArena } from "../_core/arena.ts";
import { ctcLoss, tensor } from "../../mod.ts";

const f = Math.fround;

/** torch's three-term log-sum-exp as losses/ctc_loss.ts writes it, with exp32 and log32. */
function logSum3(a: number, b: number, c: number): number {
  let m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (m === -Infinity) return a + b + c;
  if (!(m < Infinity)) {
    return f(f(log32(f(f(exp32(f(a - m)) + exp32(f(b - m))) + exp32(f(c - m))))) + m);
  }
  const sum = f(f(exp32(f(a - m)) + exp32(f(b - m))) + exp32(f(c - m)));
  return f(f(log32(sum)) + m);
}

/** The alpha rows of one sample, the loss file's loop with exp32 and log32 (the reference). */
function alphaRows(
  lp: Float32Array,
  batch: number,
  classes: number,
  b: number,
  prime: Int32Array,
  skip: Uint8Array,
  steps: number,
): Float32Array {
  const width = prime.length;
  const alpha = new Float32Array(steps * width).fill(-Infinity);
  alpha[0] = lp[b * classes + prime[0]];
  if (width > 1) alpha[1] = lp[b * classes + prime[1]];
  for (let t = 1; t < steps; t++) {
    const row = (t * batch + b) * classes;
    for (let s = 0; s < width; s++) {
      const p = (t - 1) * width;
      const b1 = s >= 1 ? alpha[p + s - 1] : -Infinity;
      const c1 = skip[s] === 1 ? alpha[p + s - 2] : -Infinity;
      alpha[t * width + s] = f(logSum3(alpha[p + s], b1, c1) + lp[row + prime[s]]);
    }
  }
  return alpha;
}

/** Extended labels: blank at even positions, and where the recursion may skip. */
function extended(labels: number[], blank: number): { prime: Int32Array; skip: Uint8Array } {
  const prime = new Int32Array(2 * labels.length + 1).fill(blank);
  labels.forEach((l, i) => prime[2 * i + 1] = l);
  const skip = new Uint8Array(prime.length);
  for (let s = 2; s < prime.length; s++) skip[s] = prime[s] !== prime[s - 2] ? 1 : 0;
  return { prime, skip };
}

Deno.test("CTC's float32 alpha in lanes is the loop's recursion with exp32 and log32, bit for bit", () => {
  // widths below one vector, between, and past four vectors; a target with repeats and with
  // the blank; -inf, +inf and nan among the log-probabilities; shorter inputs; in the arena
  // (a large input) and out of it
  const [steps, classes] = [37, 7];
  const targets = [
    [],
    [3],
    [1, 1, 2],
    [2, 0, 2, 5, 5, 6, 1, 3, 4, 2],
    [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1],
  ];
  for (const size of ["small", "arena"] as const) {
    const batch = size === "small" ? targets.length : 400;
    const n = steps * batch * classes;
    const lp = size === "small"
      ? new Float32Array(n)
      : takeStorage("float32", n, true) as Float32Array;
    if (size === "arena") assert.ok(inArena(lp), "the large input lives in the kernel arena");
    for (let i = 0; i < n; i++) lp[i] = f(-0.2 - 3 * Math.abs(Math.sin(i * 0.7)));
    // specials in the first samples' rows, where the targets read them
    for (const [t, b, c, v] of [[5, 1, 3, -Infinity], [9, 2, 1, NaN], [12, 3, 0, Infinity]]) {
      lp[(t * batch + b) * classes + c] = v;
    }
    const widest = Math.max(...targets.map((l) => 2 * l.length + 1));
    const run = ctcAlphaLanes(lp, steps, batch, classes, widest);
    for (let b = 0; b < targets.length; b++) {
      for (const length of [steps, 1, 20]) {
        const { prime, skip } = extended(targets[b], 0);
        const want = alphaRows(lp, batch, classes, b, prime, skip, length);
        const got = new Float32Array(length * prime.length);
        run(b, prime, skip, length, [want[0], prime.length > 1 ? want[1] : -Infinity], got);
        for (let i = 0; i < want.length; i++) {
          if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
            assert.fail(
              `${size} sample ${b}, length ${length}, alpha[${i}]: ${got[i]} against ${want[i]}`,
            );
          }
        }
      }
    }
  }
});

Deno.test("ctcLoss() float32 takes the lanes' alpha: its loss is the reference recursion's", () => {
  const [steps, batch, classes] = [30, 3, 5];
  const lp = new Float32Array(steps * batch * classes).map((_, i) =>
    f(-0.1 - 2.5 * Math.abs(Math.cos(i * 1.3)))
  );
  const labels = [[1, 2, 2, 4], [3], [4, 3, 2, 1, 4, 3]];
  const targets = new BigInt64Array(batch * 6);
  labels.forEach((l, b) => l.forEach((v, i) => targets[b * 6 + i] = BigInt(v)));
  const nll = ctcLoss(
    tensor(lp, { shape: [steps, batch, classes] }),
    tensor(targets, { shape: [batch, 6] }),
    [steps, steps, 17],
    labels.map((l) => l.length),
    { reduction: "none" },
  ).toArray() as number[];
  for (let b = 0; b < batch; b++) {
    const { prime, skip } = extended(labels[b], 0);
    const length = b === 2 ? 17 : steps;
    const alpha = alphaRows(lp, batch, classes, b, prime, skip, length);
    const last = (length - 1) * prime.length;
    const [x, y] = [alpha[last + prime.length - 1], alpha[last + prime.length - 2]];
    // the loss file's logSum2 of the last two positions (Math.exp and Math.log, as its backward)
    const m = x < y ? y : x;
    const want = -f(f(Math.log(f(f(Math.exp(f(x - m))) + f(Math.exp(f(y - m)))))) + m);
    assert.equal(nll[b], want, `sample ${b}`);
  }
});
