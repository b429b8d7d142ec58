import assert from "node:assert/strict";
import { CTCLoss, ctcLoss, logSoftmax, type Tensor, tensor } from "../mod.ts";

/** A tensor's elements, flat, as numbers. */
const flat = (t: Tensor | null | undefined): number[] =>
  ([t?.toArray()] as unknown[]).flat(Infinity) as number[];

const i64 = (data: number[] | number[][] | number): Tensor =>
  tensor(data as number[], { dtype: "int64" });

/** (T, N, C) log-probabilities from fixed logits, float64. */
function logProbs(t: number, n: number, c: number, requiresGrad = false): Tensor {
  const data = new Float64Array(t * n * c).map((_v, i) => Math.sin(1.7 * i + 0.3) * 2);
  const logits = tensor(data, { shape: [t, n, c] });
  const out = logSoftmax(logits, 2);
  return tensor(new Float64Array(flat(out)), {
    shape: [t, n, c],
    requiresGrad,
  });
}

Deno.test("ctcLoss() of one step and one label is -logProbs at that label", () => {
  const lp = tensor([[[-0.25, -1.5, -3]]], { dtype: "float64" });
  const loss = ctcLoss(lp, i64([[2]]), [1], [1], { reduction: "sum" });
  assert.equal(loss.item(), 3);
  // An empty target over two steps is the all-blank path.
  const empty = ctcLoss(tensor([[-0.5, -1], [-2, -0.1]], { dtype: "float64" }), i64([]), [2], [0]);
  assert.equal(empty.item(), 2.5);
});

Deno.test("ctcLoss() gradient through logSoftmax is the true gradient of the logits", () => {
  const shape = [4, 2, 3];
  const base = new Float64Array(24).map((_v, i) => Math.cos(0.9 * i) * 1.5);
  const f = (data: Float64Array): number =>
    ctcLoss(
      logSoftmax(tensor(data, { shape }), 2),
      i64([[1, 2], [2, 2]]),
      [4, 4],
      [2, 2],
      { reduction: "sum" },
    ).item();
  const logits = tensor(base, { shape, requiresGrad: true });
  ctcLoss(logSoftmax(logits, 2), i64([[1, 2], [2, 2]]), [4, 4], [2, 2], { reduction: "sum" })
    .backward();
  const grad = flat(logits.grad);
  for (let k = 0; k < base.length; k++) {
    const up = base.slice();
    const down = base.slice();
    up[k] += 1e-6;
    down[k] -= 1e-6;
    assert.ok(Math.abs((f(up) - f(down)) / 2e-6 - grad[k]) < 1e-6, `element ${k}`);
  }
});

Deno.test("ctcLoss() gradient is PyTorch's exp(logProbs) - posterior, 0 past the input length", () => {
  const lp = logProbs(3, 1, 2, true);
  const loss = ctcLoss(lp, i64([[1]]), [2], [1], { reduction: "none" });
  assert.equal(loss.gradFn?.name, "CtcLossBackward0");
  loss.backward(tensor(new Float64Array([1])));
  const g = lp.grad?.toArray() as number[][][];
  const p = (lp.toArray() as number[][][]).map((row) => row[0].map(Math.exp));
  // Two steps, target "1": paths (1, blank), (blank, 1), (1, 1).
  const paths = [[1, 0], [0, 1], [1, 1]];
  const total = paths.reduce((s, [a, b]) => s + p[0][a] * p[1][b], 0);
  for (let t = 0; t < 2; t++) {
    for (let c = 0; c < 2; c++) {
      const post = paths.filter((path) => path[t] === c).reduce(
        (s, [a, b]) => s + p[0][a] * p[1][b],
        0,
      ) / total;
      assert.ok(Math.abs(g[t][0][c] - (p[t][c] - post)) < 1e-12);
    }
  }
  assert.deepEqual(g[2], [[0, 0]]);
});

Deno.test("ctcLoss() gives inf and nan gradients for impossible alignments, 0 with zeroInfinity", () => {
  const targets = i64([[1, 1], [1, 2]]);
  const lp = logProbs(2, 2, 3, true);
  const loss = ctcLoss(lp, targets, [2, 2], [2, 2], { reduction: "none" });
  assert.deepEqual(flat(loss).map((v) => v === Infinity), [true, false]);
  loss.backward(tensor(new Float64Array([1, 1])));
  assert.ok((lp.grad?.toArray() as number[][][])[0][0].every(Number.isNaN));
  const lp2 = logProbs(2, 2, 3, true);
  const zeroed = ctcLoss(lp2, targets, [2, 2], [2, 2], { reduction: "none", zeroInfinity: true });
  assert.equal(zeroed.gradFn?.name, "WhereBackward0");
  assert.equal(flat(zeroed)[0], 0);
  zeroed.backward(tensor(new Float64Array([1, 1])));
  assert.deepEqual((lp2.grad?.toArray() as number[][][]).map((step) => step[0]), [
    [0, 0, 0],
    [0, 0, 0],
  ]);
});

Deno.test("ctcLoss() 'mean' divides by target lengths clamped to 1, then averages", () => {
  const lp = logProbs(4, 3, 3);
  const none = flat(ctcLoss(lp, i64([[1, 2], [2, 2], [1, 1]]), [4, 3, 4], [2, 0, 1], {
    reduction: "none",
  }));
  const mean = ctcLoss(lp, i64([[1, 2], [2, 2], [1, 1]]), [4, 3, 4], [2, 0, 1]);
  assert.equal(mean.gradFn, null);
  assert.ok(Math.abs(mean.item() - (none[0] / 2 + none[1] + none[2]) / 3) < 1e-12);
});

Deno.test("ctcLoss() takes lengths as int64 tensors or arrays, batched or not", () => {
  const lp = logProbs(4, 2, 3);
  const padded = ctcLoss(lp, i64([[1, 2], [2, 0]]), [4, 3], [2, 1], { reduction: "none" });
  const concat = ctcLoss(lp, i64([1, 2, 2]), i64([4, 3]), i64([2, 1]), { reduction: "none" });
  assert.deepEqual(padded.toArray(), concat.toArray());
  const single = tensor(new Float64Array((lp.toArray() as number[][][]).map((s) => s[0]).flat()), {
    shape: [4, 3],
  });
  const unbatched = ctcLoss(single, i64([1, 2]), i64(4), i64(2), { reduction: "none" });
  assert.deepEqual(unbatched.shape, []);
  assert.equal(unbatched.item(), flat(padded)[0]);
  assert.equal(ctcLoss(single, i64([[1, 2, 7]]), [4], [2]).item(), unbatched.item() / 2);
});

Deno.test("ctcLoss() ignores padding past each target length and accepts the blank as a label", () => {
  const lp = logProbs(4, 2, 3);
  const a = ctcLoss(lp, i64([[1, -1, 99], [2, 1, -5]]), [4, 4], [1, 2], { reduction: "sum" });
  const b = ctcLoss(lp, i64([[1, 0, 0], [2, 1, 0]]), [4, 4], [1, 2], { reduction: "sum" });
  assert.equal(a.item(), b.item());
  assert.ok(Number.isFinite(ctcLoss(lp, i64([[0, 1], [1, 0]]), [4, 4], [2, 2]).item()));
});

Deno.test("ctcLoss() truncates float targets as PyTorch's .to(long)", () => {
  const lp = logProbs(3, 1, 3);
  const f = ctcLoss(lp, tensor([[1.9, 2.2]], { dtype: "float64" }), [3], [2]);
  assert.equal(f.item(), ctcLoss(lp, i64([[1, 2]]), [3], [2]).item());
});

Deno.test("ctcLoss() gives 0 or inf for an input length of 0, with a zero gradient", () => {
  const lp = logProbs(3, 2, 3, true);
  const loss = ctcLoss(lp, i64([[1], [1]]), [0, 0], [0, 1], { reduction: "none" });
  assert.deepEqual(loss.toArray(), [0, Infinity]);
  loss.backward(tensor(new Float64Array([1, 1])));
  assert.ok(flat(lp.grad).every((v) => v === 0));
});

Deno.test("ctcLoss() names PyTorch's grad_fn for each form", () => {
  const lp = logProbs(2, 1, 3, true);
  const unbatched = tensor(new Float64Array(6), { shape: [2, 3], requiresGrad: true });
  const name = (t: Tensor): string | undefined => t.gradFn?.name;
  assert.equal(name(ctcLoss(lp, i64([[1]]), [2], [1])), "MeanBackward0");
  assert.equal(name(ctcLoss(lp, i64([[1]]), [2], [1], { reduction: "sum" })), "SumBackward0");
  assert.equal(
    name(ctcLoss(unbatched, i64([1]), [2], [1], { reduction: "none" })),
    "SqueezeBackward1",
  );
});

Deno.test("CTCLoss keeps its options", () => {
  const lp = tensor([[[-0.5, -1, -2]]], { dtype: "float64" });
  const loss = new CTCLoss({ blank: 2, reduction: "sum" }).forward(lp, i64([[0]]), [1], [1]);
  assert.equal(loss.item(), 0.5);
});

Deno.test("ctcLoss() throws for each kind of bad input", () => {
  const lp = logProbs(3, 2, 4);
  const t = i64([[1, 2], [3, 1]]);
  const throws = (f: () => unknown, name: string, message: RegExp): void => {
    assert.throws(f, { name, message });
  };
  throws(
    () => ctcLoss(lp, t, [3, 3], [2, 2], { reduction: "avg" as "mean" }),
    "RangeError",
    /Cannot compute ctcLoss as reduction must be "none", "mean" or "sum": current value is "avg"/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 3], [2, 2], { blank: 4 }),
    "RangeError",
    /blank must be in \[0, 4\): current value is 4/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 3], [2, 2], { blank: 1.5 }),
    "RangeError",
    /blank must be an integer: current value is 1.5/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 3], [2, 2], { blank: true as unknown as number }),
    "TypeError",
    /blank must be an integer: current value is true/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 3], [2, 2], { zeroInfinity: 1 as unknown as boolean }),
    "TypeError",
    /zeroInfinity must be a boolean: current value is 1/,
  );
  throws(
    () => ctcLoss(tensor([[[0]]], { dtype: "int64" }), t, [1], [1]),
    "TypeError",
    /logProbs must be float32 or float64: logProbs dtype is "int64"/,
  );
  throws(
    () => ctcLoss(tensor([0, 0]), t, [1], [1]),
    "TypeError",
    /logProbs must be \(T, N, C\) or unbatched \(T, C\): logProbs is \[2\]/,
  );
  throws(
    () => ctcLoss(tensor([], { shape: [0, 2, 4] }), t, [0, 0], [0, 0]),
    "TypeError",
    /logProbs must have at least one time step: logProbs is \[0, 2, 4\]/,
  );
  throws(
    () => ctcLoss(lp, [[1, 2]] as never, [3, 3], [2, 2]),
    "TypeError",
    /targets must be a Tensor: got an array/,
  );
  throws(
    () => ctcLoss(lp, i64(1), [3, 3], [1, 1]),
    "TypeError",
    /targets must be \(N, S\) or concatenated \(sum of targetLengths\): targets is \[\]/,
  );
  throws(
    () => ctcLoss(lp, i64([[1, 2]]), [3, 3], [2, 2]),
    "TypeError",
    /targets must have 2 rows, one per batch item: targets is \[1, 2\]/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 3], [3, 2]),
    "TypeError",
    /targets must have at least 3 columns, the longest target length: targets is \[2, 2\]/,
  );
  throws(
    () => ctcLoss(lp, i64([1, 2, 3, 1]), [3, 3], [2, 1]),
    "TypeError",
    /concatenated targets must have sum\(targetLengths\) = 3 elements: targets is \[4\]/,
  );
  throws(
    () => ctcLoss(lp, t, tensor([3, 3]), tensor([2, 2])),
    "TypeError",
    /inputLengths must be an int64 tensor: inputLengths dtype is "float32"/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 3], i64([2, 2])),
    "TypeError",
    /inputLengths and targetLengths must be both tensors or both arrays, as in PyTorch/,
  );
  throws(
    () => ctcLoss(lp, t, 3 as never, 2 as never),
    "TypeError",
    /inputLengths must be an int64 tensor or an array of integers: current value is 3/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 3, 3], [2, 2, 2]),
    "TypeError",
    /inputLengths must have one element per batch item \(2\): inputLengths has 3/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 2.5], [2, 2]),
    "TypeError",
    /inputLengths must hold integers: inputLengths\[1\] is 2.5/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 4], [2, 2]),
    "RangeError",
    /inputLengths must be in \[0, 3\]: inputLengths\[1\] is 4/,
  );
  throws(
    () => ctcLoss(lp, t, [-1, 3], [2, 2]),
    "RangeError",
    /inputLengths must be in \[0, 3\]: inputLengths\[0\] is -1/,
  );
  throws(
    () => ctcLoss(lp, t, [3, 3], [2, -1]),
    "RangeError",
    /targetLengths must be 0 or more: targetLengths\[1\] is -1/,
  );
  throws(
    () => ctcLoss(lp, i64([[1, 4], [3, 1]]), [3, 3], [2, 2]),
    "RangeError",
    /target values must be in \[0, 4\): targets\[0, 1\] is 4/,
  );
  throws(
    () => ctcLoss(lp, i64([1, 2, -3]), [3, 3], [2, 1]),
    "RangeError",
    /target values must be in \[0, 4\): targets\[2\] is -3/,
  );
  throws(
    () => ctcLoss(lp, tensor([[1, NaN], [1, 2]], { dtype: "float64" }), [3, 3], [2, 2]),
    "RangeError",
    /target values must be in \[0, 4\): targets\[0, 1\] is NaN/,
  );
});

Deno.test("ctcLoss() names the index of a hole or a non-integer in a lengths array", () => {
  const logProbs = logSoftmax(tensor([[[0, 1, 2]], [[1, 0, 2]], [[2, 1, 0]]]), 2); // T 3, N 1, C 3
  const targets = tensor([[1, 2]], { dtype: "int64" });
  // map() skips holes: [, 3] used to give NaN, even with zeroInfinity
  assert.throws(() => ctcLoss(logProbs, targets, [, 3] as never, [2], { zeroInfinity: true }), {
    name: "TypeError",
    message:
      "Cannot compute ctcLoss as inputLengths must hold integers: inputLengths[0] is empty (a hole in the array)",
  });
  assert.throws(() => ctcLoss(logProbs, targets, [3], [1.5]), {
    name: "TypeError",
    message: "Cannot compute ctcLoss as targetLengths must hold integers: targetLengths[0] is 1.5",
  });
  assert.throws(() => ctcLoss(logProbs, targets, [3], [2n] as never), {
    message: /targetLengths\[0\] is 2n \(a bigint\)$/,
  });
  assert.throws(() => ctcLoss(logProbs, targets, new Int32Array([3]) as never, [2]), {
    message:
      "Cannot compute ctcLoss as inputLengths must be an int64 tensor or an array of integers: current value is an Int32Array of 1 element",
  });
  assert.throws(() => ctcLoss(logProbs, targets, [3], [2], { zero_infinity: true } as never), {
    message: /"zero_infinity" is not one of them; did you mean zeroInfinity\?$/,
  });
  assert.throws(() => ctcLoss(logProbs, targets, [3], [2], { blank: null } as never), {
    message: "Cannot compute ctcLoss as blank must be an integer: current value is null",
  });
});
