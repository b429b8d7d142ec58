import assert from "node:assert/strict";
import { parityAdapter } from "./adapters/parity.ts";
import { loadFixtureFile } from "./fixture.ts";
import {
  type Adapter,
  type AdapterOp,
  type OpResult,
  runCase,
  runConformance,
  Unsupported,
} from "./runner.ts";

const MSE = await loadFixtureFile(new URL("./fixtures/mse_loss.json", import.meta.url));
const byId = (id: string) => {
  const c = MSE.cases.find((c) => c.id === id);
  assert.ok(c !== undefined, `no case ${id}`);
  return c;
};
const VALUE = byId("mse_loss/mean/float32/3x4");
const ERROR = byId("mse_loss/mean/float32/error=shape/3-4");
const CORRECT = parityAdapter("cpu");

/** An adapter whose mse_loss is the correct one, then changed by `wrong`. */
function wrongMse(wrong: (right: OpResult) => OpResult): Adapter {
  const op: AdapterOp = async (call) => wrong(await CORRECT.ops.mse_loss(call));
  return { name: "wrong", ops: { mse_loss: op } };
}

Deno.test("runCase() passes the correct implementation on values and errors", async () => {
  for (const c of [VALUE, ERROR]) {
    const r = await runCase(CORRECT, "mse_loss", c);
    assert.equal(r.status, "pass", r.message);
    assert.ok(r.worst <= 1);
  }
});

Deno.test("runCase() reports a wrong value with the element furthest off", async () => {
  const adapter = wrongMse((r) => {
    const data = Float32Array.from(r.output.data as Float32Array, (v) => v * 1.01);
    return { ...r, output: { ...r.output, data } };
  });
  const r = await runCase(adapter, "mse_loss", VALUE);
  assert.equal(r.status, "fail");
  assert.equal(r.worstElement?.tensor, "output");
  assert.equal(r.worstElement?.index, 0);
  assert.ok(r.worst > 1);
  assert.match(
    r.message,
    /mse_loss\/mean\/float32\/3x4: output element \[0\] is .*, expected .*× the tolerance/,
  );
});

Deno.test("runCase() reports a wrong gradient", async () => {
  const adapter = wrongMse((r) => {
    const g = r.grads?.[1];
    assert.ok(g);
    const data = Float32Array.from(g.data as Float32Array, (v) => -v);
    return { ...r, grads: { ...r.grads, 1: { ...g, data } } };
  });
  const r = await runCase(adapter, "mse_loss", VALUE);
  assert.equal(r.status, "fail");
  assert.equal(r.worstElement?.tensor, "grad of args[1]");
});

Deno.test("runCase() reports a missing gradient, a wrong shape and a wrong dtype", async () => {
  const missing = await runCase(wrongMse((r) => ({ output: r.output })), "mse_loss", VALUE);
  assert.equal(missing.status, "fail");
  assert.match(missing.message, /grad of args\[0\] is missing/);
  const shape = await runCase(
    wrongMse((r) => ({ ...r, output: { ...r.output, shape: [1] } })),
    "mse_loss",
    VALUE,
  );
  assert.match(shape.message, /output has shape \[1\], expected \[\]/);
  const dtype = await runCase(
    wrongMse((r) => ({ ...r, output: { ...r.output, dtype: "float64" } })),
    "mse_loss",
    VALUE,
  );
  assert.match(dtype.message, /output has dtype float64, expected float32/);
});

Deno.test("runCase() reports an error PyTorch raised that was not thrown", async () => {
  const lenient: Adapter = {
    name: "lenient",
    ops: {
      mse_loss: () => ({ output: { dtype: "float32", shape: [], data: new Float32Array(1) } }),
    },
  };
  const r = await runCase(lenient, "mse_loss", ERROR);
  assert.equal(r.status, "error-not-thrown");
  assert.match(r.message, /PyTorch raised ".*", lenient returned a value/);
});

Deno.test("runCase() reports an unexpected throw, and skips with a reason", async () => {
  const throwing: Adapter = {
    name: "t",
    ops: {
      mse_loss: () => {
        throw new Error("boom");
      },
    },
  };
  const thrown = await runCase(throwing, "mse_loss", VALUE);
  assert.equal(thrown.status, "fail");
  assert.match(thrown.message, /threw Error: boom/);
  const unsupported: Adapter = {
    name: "u",
    ops: {
      mse_loss: () => {
        throw new Unsupported("no float32 here");
      },
    },
  };
  const skipped = await runCase(unsupported, "mse_loss", VALUE);
  assert.equal(skipped.status, "skip");
  assert.match(skipped.message, /no float32 here/);
  const absent = await runCase({ name: "empty", ops: {} }, "mse_loss", VALUE);
  assert.equal(absent.status, "skip");
  assert.match(absent.message, /empty has no mse_loss/);
});

Deno.test("runConformance() summarises each op", async () => {
  const report = await runConformance(wrongMse((r) => ({ output: r.output })), {
    ops: ["mse_loss", "l1_loss"],
    fixtures: [MSE],
  });
  assert.equal(report.adapter, "wrong");
  assert.equal(report.summary.length, 1);
  const s = report.summary[0];
  assert.equal(s.op, "mse_loss");
  assert.equal(s.cases, MSE.cases.length);
  assert.equal(s.passed + s.failed + s.skipped, s.cases);
  // Without gradients, only the cases that check no gradient and the error cases pass.
  const noGrad = MSE.cases.filter((c) => c.error !== null || c.requires_grad.length === 0);
  assert.equal(s.passed, noGrad.length);
});
