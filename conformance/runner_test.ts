import assert from "node:assert/strict";
import { parityAdapter } from "./adapters/parity.ts";
import { loadFixtureFile } from "./fixture.ts";
import {
  type Adapter,
  type AdapterOp,
  caseDtypes,
  isUnsupported,
  type OpResult,
  runCase,
  runConformance,
  selectCases,
  toleranceFor,
  UNSUPPORTED,
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
  assert.equal(r.kind, "wrong-value");
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
  assert.equal(r.kind, "wrong-gradient");
  assert.equal(r.worstElement?.tensor, "grad of args[1]");
});

Deno.test("runCase() reports a missing gradient, a wrong shape and a wrong dtype", async () => {
  const missing = await runCase(wrongMse((r) => ({ output: r.output })), "mse_loss", VALUE);
  assert.equal(missing.status, "fail");
  assert.equal(missing.kind, "wrong-gradient");
  assert.match(missing.message, /grad of args\[0\] is missing/);
  const shape = await runCase(
    wrongMse((r) => ({ ...r, output: { ...r.output, shape: [1] } })),
    "mse_loss",
    VALUE,
  );
  assert.match(shape.message, /output has shape \[1\], expected \[\]/);
  assert.equal(shape.kind, "wrong-value");
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
  assert.equal(r.kind, "did-not-throw");
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
  assert.equal(thrown.kind, "threw");
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

Deno.test("runCase() skips on the brand, whichever copy of the module made the signal", async () => {
  const copy = await import(new URL("./runner.ts?second-copy", import.meta.url).href);
  assert.notEqual(copy.Unsupported, Unsupported);
  const brand: unique symbol = Symbol.for("@parity/losses/conformance.unsupported") as never;
  class Standalone extends Error {
    readonly [brand] = true;
  }
  const signals: unknown[] = [
    new copy.Unsupported("from a second copy"),
    Object.assign(new Error("made without the class"), {
      [Symbol.for("@parity/losses/conformance.unsupported")]: true,
    }),
    new Standalone("a class of the adapter's own"),
  ];
  assert.equal(copy.UNSUPPORTED, UNSUPPORTED);
  for (const signal of signals) {
    assert.ok(isUnsupported(signal));
    const adapter: Adapter = {
      name: "copy",
      ops: {
        mse_loss: () => {
          throw signal;
        },
      },
    };
    const r = await runCase(adapter, "mse_loss", VALUE);
    assert.equal(r.status, "skip", r.message);
    assert.equal(r.kind, null);
  }
  assert.ok(!isUnsupported(new Error("Unsupported")));
});

Deno.test("runConformance() says so when given a factory or something else than an adapter", async () => {
  await assert.rejects(
    () => runConformance(parityAdapter as unknown as Adapter),
    {
      name: "TypeError",
      message:
        /the adapter is a function \(parityAdapter\), not an adapter object \{ name, ops \}: call it/,
    },
  );
  await assert.rejects(() => runConformance(undefined as unknown as Adapter), {
    name: "TypeError",
    message: /the adapter must be an object \{ name, ops \}: got undefined/,
  });
  await assert.rejects(() => runConformance({ name: "x" } as unknown as Adapter), {
    message: /adapter\.ops must be an object of functions/,
  });
  await assert.rejects(
    () => runConformance({ name: "x", ops: { mse_loss: 1 } } as unknown as Adapter),
    { message: /adapter\.ops\.mse_loss must be a function: got number 1/ },
  );
});

Deno.test("runConformance() with no options runs the package's own fixtures", async () => {
  const report = await runConformance(parityAdapter("cpu"), { ops: ["neg", "randint"] });
  assert.deepEqual(report.summary.map((s) => [s.op, s.failed, s.random]), [
    ["neg", 0, false],
    ["randint", 0, true],
  ]);
  assert.equal(report.device, "cpu");
  assert.ok(report.cases.every((c) => c.timeMs >= 0 && Array.isArray(c.tags)));
});

Deno.test("selection by dtype, case glob and tag", () => {
  const float32 = selectCases(MSE.cases, { dtypes: ["float32"] });
  assert.ok(float32.length > 0);
  assert.ok(float32.every((c) => caseDtypes(c).every((d) => d === "float32")));
  assert.ok(!float32.some((c) => c.id.includes("float64")));
  const globbed = selectCases(MSE.cases, { cases: ["mse_loss/mean/float32/*x4", "*/avg/*"] })
    .map((c) => c.id);
  assert.ok(globbed.includes("mse_loss/mean/float32/3x4"));
  assert.ok(globbed.includes("mse_loss/avg/float32/error=reduction/3"));
  assert.ok(
    globbed.every((id) => /^mse_loss\/(mean\/float32\/.*x4|avg\/.*)$/.test(id)),
    globbed.join(),
  );
  const tagged = selectCases(MSE.cases, { tags: ["non-finite", "empty"] });
  assert.ok(tagged.length > 0);
  assert.ok(tagged.every((c) => c.tags?.includes("non-finite") || c.tags?.includes("empty")));
  const both = selectCases(MSE.cases, { dtypes: ["float64"], tags: ["ties"] });
  assert.ok(both.every((c) => c.id.includes("/float64/") && c.tags?.includes("ties")));
  // class indices (int64) keep a float32 case in a float32 run
  const nll = { ...VALUE, args: [VALUE.args[0], { dtype: "int64", shape: [3], data: [1, 2, 0] }] };
  assert.deepEqual(caseDtypes(nll as typeof VALUE), ["float32"]);
});

Deno.test("tolerance overrides per op and dtype turn a near miss into a pass", async () => {
  const adapter = wrongMse((r) => {
    const data = Float32Array.from(r.output.data as Float32Array, (v) => v * (1 + 1e-4));
    return { ...r, output: { ...r.output, data } };
  });
  const strict = await runCase(adapter, "mse_loss", VALUE);
  assert.equal(strict.kind, "wrong-value");
  assert.ok(strict.worstFinite > 1);
  const loose = await runCase(adapter, "mse_loss", VALUE, {
    tolerances: [{ op: "mse_loss", dtype: "float32", rtol: 1e-3, atol: 1e-5 }],
  });
  assert.equal(loose.status, "pass", loose.message);
  assert.deepEqual(toleranceFor("mse_loss", "float64", [{ op: "*", rtol: 1, atol: 2 }]), {
    rtol: 1,
    atol: 2,
  });
  assert.deepEqual(toleranceFor("l1_loss", "float32", [{ op: "mse_loss", rtol: 1, atol: 2 }]), {
    rtol: 1.3e-6,
    atol: 1e-5,
  });
});

Deno.test("a non-finite mismatch is counted apart from the finite error", async () => {
  const nan = byId("mse_loss/none/float32/nan/8");
  const adapter = wrongMse((r) => {
    const data = Float32Array.from(r.output.data as Float32Array, (v) => Number.isNaN(v) ? 0 : v);
    return { ...r, output: { ...r.output, data } };
  });
  const r = await runCase(adapter, "mse_loss", nan);
  assert.equal(r.kind, "wrong-value");
  assert.equal(r.worst, Infinity);
  assert.ok(r.nonFinite > 0);
  assert.ok(Number.isFinite(r.worstFinite) && r.worstFinite <= 1);
  assert.match(r.message, /is 0, expected NaN \(beyond the tolerance\)/);
});
