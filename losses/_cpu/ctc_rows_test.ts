import assert from "node:assert/strict";
import { ctcLanes } from "./ctc_rows.ts";
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

/** torch's two-term log-sum-exp as losses/ctc_loss.ts writes it, with exp32 and log32. */
function logSum2(a: number, b: number): number {
  const m = a < b ? b : a;
  if (m === -Infinity) return a + b;
  if (!(m < Infinity)) return f(f(log32(f(exp32(f(a - m)) + exp32(f(b - m))))) + m);
  const sum = f(exp32(f(a - m)) + exp32(f(b - m)));
  return f(f(log32(sum)) + m);
}

/**
 * The loss file's collected alpha·beta for steps `t < end` into `collected` (steps × classes):
 * per step, each class's positions from the last to the first, logSum2 with exp32 and log32.
 */
function collectRows(
  alpha: Float32Array,
  beta: Float32Array,
  prime: Int32Array,
  end: number,
  classes: number,
  collected: Float32Array,
): void {
  const width = prime.length;
  for (let t = end - 1; t >= 0; t--) {
    for (const c of new Set(prime)) collected[t * classes + c] = -Infinity;
    for (let s = width - 1; s >= 0; s--) {
      const ab = f(alpha[t * width + s] + beta[t * width + s]);
      const k = t * classes + prime[s];
      collected[k] = collected[k] === -Infinity ? ab : logSum2(collected[k], ab);
    }
  }
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

/** The beta rows of one sample, the loss file's backward loop with exp32 and log32. */
function betaRows(
  lp: Float32Array,
  batch: number,
  classes: number,
  b: number,
  prime: Int32Array,
  steps: number,
): Float32Array {
  const width = prime.length;
  const top = width - 1;
  const beta = new Float32Array(steps * width).fill(-Infinity);
  const end = (steps - 1) * width;
  beta[end + top] = lp[((steps - 1) * batch + b) * classes + prime[top]];
  if (width > 1) beta[end + top - 1] = lp[((steps - 1) * batch + b) * classes + prime[top - 1]];
  for (let t = steps - 2; t >= 0; t--) {
    const row = (t * batch + b) * classes;
    const n = (t + 1) * width;
    for (let s = top; s >= 0; s--) {
      const b1 = s < top ? beta[n + s + 1] : -Infinity;
      const c1 = s < top - 1 && prime[s + 2] !== prime[s] ? beta[n + s + 2] : -Infinity;
      beta[t * width + s] = f(logSum3(beta[n + s], b1, c1) + lp[row + prime[s]]);
    }
  }
  return beta;
}

/** Extended labels: blank at even positions, and where the recursion may skip. */
function extended(labels: number[], blank: number): { prime: Int32Array; skip: Uint8Array } {
  const prime = new Int32Array(2 * labels.length + 1).fill(blank);
  labels.forEach((l, i) => prime[2 * i + 1] = l);
  const skip = new Uint8Array(prime.length);
  for (let s = 2; s < prime.length; s++) skip[s] = prime[s] !== prime[s - 2] ? 1 : 0;
  return { prime, skip };
}

/** Fails at the first element whose bits differ (every nan counts as the same). */
function sameBits(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      assert.fail(`${what}[${i}]: ${got[i]} against ${want[i]}`);
    }
  }
}

Deno.test("CTC's float32 alpha and beta in lanes are the loop's recursions with exp32 and log32, bit for bit", () => {
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
    const run = ctcLanes(lp, steps, batch, classes, widest).rows;
    for (let b = 0; b < targets.length; b++) {
      for (const length of [steps, 1, 20]) {
        const { prime, skip } = extended(targets[b], 0);
        const want = alphaRows(lp, batch, classes, b, prime, skip, length);
        const got = new Float32Array(length * prime.length);
        run(b, prime, skip, length, [want[0], prime.length > 1 ? want[1] : -Infinity], got);
        sameBits(got, want, `${size} sample ${b}, length ${length}, alpha`);
        // beta: the same kernel over the steps from the last, the extended labels reversed;
        // its rows come out with time and positions reversed
        const width = prime.length;
        const wantBeta = betaRows(lp, batch, classes, b, prime, length);
        const reversed = extended(targets[b].toReversed(), 0);
        const last = (length - 1) * width;
        run(
          b,
          reversed.prime,
          reversed.skip,
          length,
          [
            wantBeta[last + width - 1],
            width > 1 ? wantBeta[last + width - 2] : -Infinity,
          ],
          got,
          true,
        );
        sameBits(got.reverse(), wantBeta, `${size} sample ${b}, length ${length}, beta`);
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

Deno.test("ctcLoss() float32 gradient is the reference backward with exp32 and log32, bit for bit", async () => {
  // the loss file's backward written out: beta, the collected alpha·beta per class (logSum2,
  // from the last position to the first), then (exp(x) - exp(collected + nll - x)) · g; with
  // repeats, the blank inside a target, an empty target, a shorter input, more classes than a
  // block of the exp, and -inf, +inf and nan among the log-probabilities
  const fr = Math.fround;
  for (
    const [steps, classes, labels, lengths] of [
      [30, 5, [[1, 2, 2, 4], [3], [4, 3, 2, 1, 4, 3], []], [30, 30, 17, 9]],
      [9, 2500, [[7, 2400, 7], [0, 5]], [9, 6]],
    ] as [number, number, number[][], number[]][]
  ) {
    const batch = labels.length;
    const lp = new Float32Array(steps * batch * classes).map((_, i) =>
      fr(-0.1 - 2.5 * Math.abs(Math.cos(i * 1.3)))
    );
    if (classes === 5) {
      for (const [t, b, c, v] of [[4, 0, 2, -Infinity], [7, 1, 3, Infinity], [11, 2, 4, NaN]]) {
        lp[(t * batch + b) * classes + c] = v;
      }
    }
    const widest = Math.max(...labels.map((l) => l.length));
    const targets = new BigInt64Array(batch * widest);
    labels.forEach((l, b) => l.forEach((v, i) => targets[b * widest + i] = BigInt(v)));
    const x = tensor(lp, { shape: [steps, batch, classes], requiresGrad: true });
    const loss = ctcLoss(
      x,
      tensor(targets, { shape: [batch, widest] }),
      lengths,
      labels.map((l) => l.length),
      { reduction: "sum", blank: 0 },
    );
    loss.backward();
    assert.ok(x.grad !== null, "the input has a gradient");
    const got = await x.grad.data() as Float32Array;
    const want = new Float32Array(lp.length);
    for (let b = 0; b < batch; b++) {
      const { prime, skip } = extended(labels[b], 0);
      const width = prime.length;
      const top = width - 1;
      const length = lengths[b];
      const alpha = alphaRows(lp, batch, classes, b, prime, skip, length);
      const beta = betaRows(lp, batch, classes, b, prime, length);
      const end = (length - 1) * width;
      const nll = width === 1
        ? -alpha[end]
        : -logSum2(alpha[end + width - 1], alpha[end + width - 2]);
      const collected = new Float32Array(length * classes).fill(-Infinity);
      const endRow = (length - 1) * classes;
      collected[endRow] = fr(alpha[end + top] + beta[end + top]);
      if (width > 1) {
        collected[endRow + prime[top - 1]] = fr(alpha[end + top - 1] + beta[end + top - 1]);
      }
      collectRows(alpha, beta, prime, length - 1, classes, collected);
      for (let t = 0; t < length; t++) {
        for (let c = 0; c < classes; c++) {
          const v = lp[(t * batch + b) * classes + c];
          const z = fr(fr(collected[t * classes + c] + nll) - v);
          want[(t * batch + b) * classes + c] = fr(exp32(v) - exp32(z));
        }
      }
    }
    sameBits(got, want, `${steps}x${batch}x${classes} gradient`);
  }
});

Deno.test("CTC's collect in lanes is the loop's logSum2 chain with exp32 and log32 on every pair of specials", () => {
  // alpha takes values from a list of specials and ordinary numbers, beta is 0, so that the
  // chains of each class meet every pair: -inf, +inf, nan, signed zeros, ties, far apart
  const values = [-Infinity, Infinity, NaN, 0, -0, -1.5, -1.5, -3, -100, -200, 2, 80, -0.25];
  const [steps, classes] = [61, 4];
  const labels = [1, 3, 1, 1, 2, 1, 3, 3];
  const { prime } = extended(labels, 0);
  const width = prime.length;
  const alpha = new Float32Array(steps * width).map((_, i) => values[(i * 7 + (i >> 3)) % 13]);
  const beta = new Float32Array(steps * width);
  const lanes = ctcLanes(new Float32Array(steps * classes), steps, 1, classes, width);
  const end = steps - 1;
  const got = new Float32Array(steps * classes).fill(1234);
  lanes.collect(alpha, beta, prime, end, got);
  const want = new Float32Array(steps * classes).fill(1234);
  collectRows(alpha, beta, prime, end, classes, want);
  sameBits(got, want, "collected");
});

Deno.test("ctcLoss() float32: another call between a loss and its backward leaves the gradient as it was", async () => {
  // both small (their log-probabilities are copied into the kernels' scratch, which the two
  // calls share); the second one's forward runs before the first one's backward
  const [steps, batch, classes] = [12, 2, 4];
  const make = (phase: number) =>
    tensor(
      new Float32Array(steps * batch * classes).map((_, i) =>
        f(-0.2 - 2 * Math.abs(Math.sin(i * 0.9 + phase)))
      ),
      { shape: [steps, batch, classes], requiresGrad: true },
    );
  const targets = tensor(new BigInt64Array([1n, 2n, 3n, 1n, 1n, 0n]), { shape: [batch, 3] });
  const loss = (x: ReturnType<typeof make>) => ctcLoss(x, targets, [steps, steps], [3, 2]);
  const alone = make(0);
  loss(alone).backward();
  const first = make(0);
  const pending = loss(first);
  const other = make(1.7);
  loss(other).backward();
  pending.backward();
  assert.ok(alone.grad !== null && first.grad !== null);
  sameBits(
    await first.grad.data() as Float32Array,
    await alone.grad.data() as Float32Array,
    "gradient",
  );
});
