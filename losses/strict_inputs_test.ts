/**
 * Strict inputs, across every public function, class and Tensor method (the table in
 * `_testing/public_calls.ts`): options are parsed by one parser (unknown keys, options that are
 * not an object, `null` where PyTorch has no `None`, values of the wrong type), a Proxy or a
 * look-alike of a Tensor is named as such, and the two devices give the same messages.
 */

import assert from "node:assert/strict";
import * as L from "../mod.ts";
import { PUBLIC_CALLS, type PublicCall } from "./_testing/public_calls.ts";
import { webgpuAdapter } from "./_testing/helpers.ts";

const { tensor } = L;

/** Runs `call` and returns the error it throws (failing if it returns). */
function thrown(call: PublicCall, args: unknown[], options: unknown, what: string): Error {
  try {
    call.run(args, options);
  } catch (e) {
    assert.ok(e instanceof Error, `${call.name} ${what}: threw a non-Error ${String(e)}`);
    assert.ok(
      call.names.some((n) => e.message.includes(n)),
      `${call.name} ${what}: the message does not name the function: ${e.message}`,
    );
    return e;
  }
  assert.fail(`${call.name} ${what}: returned where an error was expected`);
}

function validOptions(call: PublicCall): Record<string, unknown> {
  return Object.fromEntries(Object.entries(call.options).map(([k, s]) => [k, s.valid]));
}

const WITH_OPTIONS = PUBLIC_CALLS.filter((c) => c.takesOptions);

Deno.test("every function and class takes its valid options, all at once", () => {
  for (const call of WITH_OPTIONS) {
    const out = call.run(call.args(), validOptions(call));
    assert.ok(out instanceof L.Tensor || out instanceof L.Generator, call.name);
  }
});

Deno.test("an unknown option key is a TypeError naming the function, the key and the keys allowed", () => {
  for (const call of WITH_OPTIONS) {
    const e = thrown(call, call.args(), { bogusKey: 1 }, "{ bogusKey: 1 }");
    assert.equal(e.name, "TypeError", `${call.name}: ${e.message}`);
    assert.match(e.message, /"bogusKey" is not one of them/, call.name);
    for (const key of Object.keys(call.options)) {
      assert.ok(e.message.includes(key), `${call.name}: ${key} missing from ${e.message}`);
    }
  }
  // the one PyTorch users write first, on the function and on the class
  assert.throws(
    () =>
      L.crossEntropy(
        tensor([[1, 2]]),
        tensor([0], { dtype: "int64" }),
        { label_smoothing: 0.5 } as never,
      ),
    {
      name: "TypeError",
      message:
        'Cannot compute crossEntropy as options must have only the keys weight, ignoreIndex, reduction, labelSmoothing: "label_smoothing" is not one of them; did you mean labelSmoothing?',
    },
  );
  assert.throws(() => new L.CrossEntropyLoss({ label_smoothing: 0.1 } as never), {
    name: "TypeError",
    message:
      /^Cannot create CrossEntropyLoss as .*"label_smoothing" is not one of them; did you mean labelSmoothing\?$/,
  });
});

Deno.test("a snake_case or miscased key gets the camelCase option as a hint", () => {
  for (const call of WITH_OPTIONS) {
    for (const key of Object.keys(call.options)) {
      const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const variants = snake === key ? [key.toUpperCase()] : [snake, key.toLowerCase()];
      for (const variant of variants) {
        const e = thrown(call, call.args(), { [variant]: call.options[key].valid }, variant);
        assert.ok(e.message.endsWith(`did you mean ${key}?`), `${call.name}: ${e.message}`);
      }
    }
  }
  assert.throws(() => L.mseLoss(tensor([1]), tensor([1]), { size_average: false } as never), {
    message: /did you mean reduction\? \(size_average and reduce are PyTorch's deprecated forms/,
  });
});

Deno.test("options that are not a plain object are a TypeError; undefined means the defaults", () => {
  const junk: [string, unknown][] = [
    ["null", null],
    ["a string", "sum"],
    ["a number", 5],
    ["an array", []],
    ["a Tensor", tensor([1])],
    ["a Map", new Map()],
    ["a function", () => {}],
  ];
  for (const call of WITH_OPTIONS) {
    for (const [what, value] of junk) {
      const e = thrown(call, call.args(), value, what);
      assert.equal(e.name, "TypeError", `${call.name} ${what}: ${e.message}`);
      assert.match(e.message, /options must be a plain object/, `${call.name} ${what}`);
    }
  }
  assert.throws(() => L.l1Loss(tensor([1, 2]), tensor([0, 0]), "none" as never), {
    name: "TypeError",
    message:
      'Cannot compute l1Loss as options must be a plain object (reduction) or undefined: current value is "none"; did you mean { reduction: "none" }?',
  });
  assert.throws(() => L.randn([2], "float64" as never), {
    message: /current value is "float64"; did you mean \{ dtype: "float64" \}\?/,
  });
  assert.throws(() => tensor([1, 2], "float64" as never), {
    message: /^Cannot create tensor as options must be a plain object/,
  });
  assert.throws(() => L.mseLoss(tensor([1]), tensor([1]), null as never), {
    message: /options must be a plain object \(reduction\) or undefined: current value is null/,
  });
  // a null prototype and a Proxy around a plain object are plain objects
  const bare = Object.assign(Object.create(null), { reduction: "sum" });
  assert.equal(L.l1Loss(tensor([1, 2]), tensor([0, 0]), bare).item(), 3);
  assert.equal(
    L.l1Loss(tensor([1, 2]), tensor([0, 0]), new Proxy<L.L1LossOptions>({ reduction: "sum" }, {}))
      .item(),
    3,
  );
  assert.equal(L.l1Loss(tensor([1, 2]), tensor([0, 0]), { reduction: undefined }).item(), 1.5);
});

Deno.test("null is an error unless PyTorch gives None a meaning there", () => {
  for (const call of WITH_OPTIONS) {
    for (const [key, sample] of Object.entries(call.options)) {
      const options = { ...validOptions(call), [key]: null };
      if (sample.nullable) {
        call.run(call.args(), options); // no throw: the default, as PyTorch's None
      } else {
        const e = thrown(call, call.args(), options, `{ ${key}: null }`);
        assert.match(e.message, new RegExp(`${key} must be .*: current value is null`), e.message);
      }
    }
  }
  const x = tensor([[1, 2, 3]]);
  assert.throws(() => L.hingeEmbeddingLoss(x, tensor([[1, -1, 1]]), { margin: null } as never), {
    name: "TypeError",
    message: "Cannot compute hingeEmbeddingLoss as margin must be a number: current value is null",
  });
  assert.throws(
    () => L.crossEntropy(x, tensor([0], { dtype: "int64" }), { ignoreIndex: null } as never),
    {
      message: /ignoreIndex must be an integer: current value is null/,
    },
  );
  assert.throws(() => L.randn([2], { cpuCapability: null } as never), {
    message: /cpuCapability must be "default" or "avx2": current value is null/,
  });
  // PyTorch's None: no weight, the default dtype and device, every dim, no bound
  assert.equal(
    L.crossEntropy(x, tensor([0], { dtype: "int64" }), { weight: null }).item(),
    L.crossEntropy(x, tensor([0], { dtype: "int64" })).item(),
  );
  assert.equal(tensor([1, 2], { dtype: null, device: null }).dtype, "float32");
  assert.deepEqual(L.sum(x, { dim: null }).shape, []);
  assert.equal(L.sum(x, { dim: null }).gradFn, null);
  assert.deepEqual(L.clamp(x, { min: null, max: 2 }).toArray(), [[1, 2, 2]]);
});

Deno.test("a value of the wrong type names the option, whatever the value is", () => {
  const strange: unknown[] = [
    Symbol("s"),
    10n,
    Object.create(null),
    "",
    new Proxy({}, {}),
    (() => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    })(),
  ];
  for (const call of WITH_OPTIONS) {
    for (const [key, sample] of Object.entries(call.options)) {
      if (sample.type === "other") continue;
      for (const value of strange) {
        const options = { ...validOptions(call), [key]: value };
        const e = thrown(call, call.args(), options, `${key}: ${typeof value}`);
        assert.ok(e.message.includes(key), `${call.name}: ${e.message}`);
      }
    }
  }
  const x = tensor([1, 2]);
  assert.throws(() => L.mseLoss(x, x, { reduction: Object.create(null) }), {
    name: "RangeError",
    message:
      'Cannot compute mseLoss as reduction must be "none", "mean" or "sum": current value is an object with a null prototype',
  });
  assert.throws(() => L.klDiv(x, x, { logTarget: "" as never }), {
    message: /logTarget must be a boolean: current value is ""$/,
  });
  assert.throws(() => L.huberLoss(x, x, { delta: 2n as never }), {
    message: /delta must be a number: current value is 2n \(a bigint\)$/,
  });
});

Deno.test("a Proxy or a look-alike of a Tensor is named as such, in every tensor argument", () => {
  for (const call of PUBLIC_CALLS) {
    call.argKinds.forEach((kind, i) => {
      if (kind !== "tensor" && kind !== "operand") return;
      for (
        const fake of [(t: L.Tensor) => new Proxy(t, {}), () => Object.create(L.Tensor.prototype)]
      ) {
        const args = call.args();
        args[i] = fake(args[i] as L.Tensor);
        let e: Error;
        try {
          call.run(args, undefined);
          assert.fail(`${call.name}: a look-alike argument ${i} was accepted`);
        } catch (err) {
          e = err as Error;
        }
        assert.match(
          e.message,
          /a Proxy or a look-alike of a Tensor, where a Tensor from @parity\/losses is expected/,
          `${call.name} argument ${i}: ${e.message}`,
        );
        assert.ok(call.names.some((n) => e.message.includes(n)), `${call.name}: ${e.message}`);
      }
    });
  }
  const x = tensor([1, 2]);
  assert.throws(() => L.mseLoss(new Proxy(x, {}), x), {
    name: "TypeError",
    message:
      "Cannot compute mseLoss as input must be a Tensor: got a Proxy or a look-alike of a Tensor, where a Tensor from @parity/losses is expected (pass the tensor itself: unwrap reactive state first, e.g. with Vue's toRaw)",
  });
  assert.throws(() => L.mseLoss({ shape: [2], dtype: "float32" } as never, x), {
    message: "Cannot compute mseLoss as input must be a Tensor: got an object (Object)",
  });
  assert.throws(
    () =>
      L.crossEntropy(tensor([[1, 2]]), tensor([0], { dtype: "int64" }), {
        weight: new Proxy(x, {}),
      }),
    {
      message: /weight must be a Tensor or null: got a Proxy or a look-alike of a Tensor/,
    },
  );
});

Deno.test("both devices give the same message for the same bad call", async (t) => {
  const { missing } = await webgpuAdapter("both devices give the same message");
  if (missing !== null) return;
  const cases: [string, (d: L.Device) => Promise<unknown>][] = [
    ["add shapes", async (d) => L.add(await tensor([1, 2, 3]).to(d), await tensor([1, 2]).to(d))],
    [
      "mul shapes",
      async (d) =>
        L.mul(await tensor([[1, 2, 3], [4, 5, 6]]).to(d), await tensor([[1], [2], [3], [4]]).to(d)),
    ],
    [
      "minimum shapes",
      async (d) => L.minimum(await tensor([1, 2, 3]).to(d), await tensor([1, 2]).to(d)),
    ],
    [
      "mse shapes",
      async (d) => L.mseLoss(await tensor([1, 2, 3]).to(d), await tensor([1, 2]).to(d)),
    ],
    [
      "unknown key",
      async (d) =>
        L.mseLoss(await tensor([1]).to(d), await tensor([1]).to(d), { reduce: true } as never),
    ],
    [
      "class index",
      async (d) =>
        L.crossEntropy(await tensor([[1, 2]]).to(d), await tensor([5], { dtype: "int64" }).to(d)),
    ],
    [
      "ctc holes",
      async (d) =>
        L.ctcLoss(
          await tensor([[[0, 0]]]).to(d),
          await tensor([[1]], { dtype: "int64" }).to(d),
          [, 1] as never,
          [1],
        ),
    ],
    ["grad size", async (d) => {
      const x = await tensor([1, 2, 3], { requiresGrad: true }).to(d);
      x.grad = await tensor([1, 2, 3, 4]).to(d);
    }],
    ["grad dtype", async (d) => {
      const x = await tensor([1, 2, 3], { requiresGrad: true }).to(d);
      x.grad = await tensor([1, 2, 3], { dtype: "int64" }).to(d);
    }],
    ["gradOutput shape", async (d) => {
      const x = await tensor([1, 2, 3], { requiresGrad: true }).to(d);
      L.mseLoss(x, x, { reduction: "none" }).backward(await tensor([1, 2]).to(d));
    }],
  ];
  for (const [what, f] of cases) {
    await t.step(what, async () => {
      const message = async (d: L.Device): Promise<string> => {
        try {
          await f(d);
        } catch (e) {
          return (e as Error).message;
        }
        return "(no error)";
      };
      const cpu = await message("cpu");
      assert.notEqual(cpu, "(no error)");
      assert.equal(await message("webgpu"), cpu);
    });
  }
  // a grad of the other device is caught when assigned, before any shader could run
  const x = await tensor([1, 2, 3], { requiresGrad: true }).to("webgpu");
  assert.throws(() => {
    x.grad = tensor([1, 2, 3]);
  }, {
    message:
      'Cannot set Tensor.grad as the assigned grad has data located on a different device: grad is on "cpu", tensor is on "webgpu"',
  });
});

Deno.test("an empty batch of wide rows needs no buffers: [0, 2^40] gives PyTorch's empty results", () => {
  const wide = 2 ** 40;
  const empty = (): L.Tensor =>
    tensor(new Float32Array(0), { shape: [0, wide], requiresGrad: true });
  const none = tensor([], { dtype: "int64" });
  const calls: [string, (x: L.Tensor) => L.Tensor][] = [
    ["crossEntropy", (x) => L.crossEntropy(x, none)],
    ["nllLoss", (x) => L.nllLoss(x, none)],
    ["multiMarginLoss", (x) => L.multiMarginLoss(x, none)],
    [
      "multilabelMarginLoss",
      (x) => L.multilabelMarginLoss(x, tensor([], { shape: [0, wide], dtype: "int64" })),
    ],
    [
      "multilabelSoftMarginLoss",
      (x) => L.multilabelSoftMarginLoss(x, tensor([], { shape: [0, wide] })),
    ],
    ["cosineEmbeddingLoss", (x) => L.cosineEmbeddingLoss(x, empty(), tensor([]))],
    ["tripletMarginLoss", (x) => L.tripletMarginLoss(x, empty(), empty())],
    ["tripletMarginWithDistanceLoss", (x) => L.tripletMarginWithDistanceLoss(x, empty(), empty())],
    ["mseLoss", (x) => L.mseLoss(x, empty())],
    ["logSoftmax", (x) => L.sum(L.logSoftmax(x, 1))],
    ["softmax", (x) => L.sum(L.softmax(x, 1))],
    ["pairwiseDistance", (x) => L.sum(L.pairwiseDistance(x, empty()))],
  ];
  for (const [name, f] of calls) {
    const x = empty();
    const loss = f(x);
    assert.deepEqual(loss.shape, [], name);
    const value = loss.item();
    assert.ok(Number.isNaN(value) || value === 0, `${name}: ${value}`);
    loss.backward();
    assert.deepEqual(x.grad?.shape, [0, wide], name);
  }
  // an empty input can still have a large output: that one is checked before it is allocated
  assert.throws(() => L.mean(empty(), { dim: 0 }), {
    name: "RangeError",
    message:
      /^Cannot compute mean as its output of shape \[1099511627776\] \(float32\) needs 4398046511104 bytes \(4 TiB\): /,
  });
});
