import assert from "node:assert/strict";
import { LogSoftmax, logSoftmax, Softmax, softmax, tensor } from "../mod.ts";

Deno.test("logSoftmax() and softmax() take negative dims", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(logSoftmax(x, -1).toArray(), logSoftmax(x, 1).toArray());
  assert.deepEqual(softmax(x, -2).toArray(), softmax(x, 0).toArray());
  assert.deepEqual(new LogSoftmax({ dim: 0 }).forward(x).shape, [2, 2]);
  assert.deepEqual(new Softmax({ dim: 1 }).forward(x).shape, [2, 2]);
});

Deno.test("logSoftmax() gives nan for a row of -inf or one holding +inf, as PyTorch", () => {
  const out = logSoftmax(tensor([[-Infinity, -Infinity], [Infinity, 0], [-Infinity, 0]]), 1);
  const rows = out.toArray() as number[][];
  assert.ok(rows[0].every(Number.isNaN));
  assert.ok(rows[1].every(Number.isNaN));
  assert.deepEqual(rows[2], [-Infinity, 0]);
});

Deno.test("logSoftmax() and softmax() throw for each kind of bad input", () => {
  for (const [fn, f] of [["logSoftmax", logSoftmax], ["softmax", softmax]] as const) {
    assert.throws(() => f(tensor([[1, 2]]), 2), {
      name: "RangeError",
      message: new RegExp(`Cannot compute ${fn} as dim must be in \\[-2, 1\\]: current value is 2`),
    });
    assert.throws(() => f(tensor([1, 2]), 0.5), {
      name: "RangeError",
      message: /dim must be an integer: current value is 0.5/,
    });
    assert.throws(() => f(tensor([1, 2], { dtype: "int64" }), 0), {
      name: "TypeError",
      message: /input must be float32 or float64: input dtype is "int64"/,
    });
    assert.throws(() => f(tensor(1), 1), {
      name: "RangeError",
      message: /dim must be in \[-1, 0\]: current value is 1/,
    });
  }
});
