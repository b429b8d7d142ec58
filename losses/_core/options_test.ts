import assert from "node:assert/strict";
import {
  BOOLEAN,
  NUMBER,
  NUMBER_OR_NULL,
  oneOf,
  type OptionSpec,
  parseOptions,
} from "./options.ts";

interface Demo {
  reduction?: string;
  labelSmoothing?: number;
  bound?: number | null;
  swap?: boolean;
}

const SPEC: OptionSpec<Demo> = {
  reduction: oneOf(["none", "mean", "sum"]),
  labelSmoothing: NUMBER,
  bound: NUMBER_OR_NULL,
  swap: BOOLEAN,
};

Deno.test("parseOptions() returns a copy of the options given, each read once", () => {
  assert.deepEqual(parseOptions("demo", undefined, SPEC), {});
  assert.deepEqual(parseOptions("demo", { reduction: "sum", bound: null }, SPEC), {
    reduction: "sum",
    bound: null,
  });
  assert.deepEqual(parseOptions("demo", { swap: undefined }, SPEC), {});
  let reads = 0;
  const tricky = {
    get labelSmoothing(): number {
      reads++;
      return reads === 1 ? 0.1 : 5;
    },
  };
  const out = parseOptions("demo", tricky, SPEC);
  assert.equal(out.labelSmoothing, 0.1);
  assert.equal(out.labelSmoothing, 0.1);
  assert.equal(reads, 1);
});

Deno.test("parseOptions() rejects unknown keys with the keys allowed and a hint", () => {
  const cases: [string, string][] = [
    ["label_smoothing", "; did you mean labelSmoothing?"],
    ["LABEL_SMOOTHING", "; did you mean labelSmoothing?"],
    ["labelsmoothing", "; did you mean labelSmoothing?"],
    [
      "reduce",
      "; did you mean reduction? (size_average and reduce are PyTorch's deprecated forms of it)",
    ],
    ["weight", ""],
    ["", ""],
  ];
  for (const [key, hint] of cases) {
    assert.throws(() => parseOptions("demo", { [key]: 1 }, SPEC), {
      name: "TypeError",
      message:
        `Cannot compute demo as options must have only the keys reduction, labelSmoothing, bound, swap: ${
          JSON.stringify(key)
        } is not one of them${hint}`,
    });
  }
  assert.throws(() => parseOptions("Demo", { x: 1 } as Demo, SPEC, "create"), {
    message: /^Cannot create Demo as/,
  });
  assert.throws(() => parseOptions<object>("none", { x: 1 }, {}), {
    message:
      'Cannot compute none as options must have only the keys it takes none: "x" is not one of them',
  });
});

Deno.test("parseOptions() rejects options that are not a plain object", () => {
  const junk: [unknown, string][] = [
    [null, "null"],
    ["sum", '"sum"; did you mean { reduction: "sum" }?'],
    ["avg", '"avg"'],
    [[], "an array of 0 items"],
    [new Float32Array(1), "a Float32Array of 1 element"],
    [new Date(0), "an object (Date)"],
    [3n, "3n (a bigint)"],
  ];
  for (const [value, text] of junk) {
    assert.throws(() => parseOptions("demo", value as Demo, SPEC), {
      name: "TypeError",
      message:
        `Cannot compute demo as options must be a plain object (reduction, labelSmoothing, bound, swap) or undefined: current value is ${text}`,
    });
  }
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.throws(() => parseOptions("demo", proxy, SPEC), {
    message: /current value is a revoked Proxy/,
  });
  const hostile = new Proxy({}, {
    ownKeys(): never {
      throw new Error("no keys");
    },
  });
  assert.throws(() => parseOptions("demo", hostile, SPEC), {
    message: "Cannot compute demo as options could not be read: Error: no keys",
  });
});

Deno.test("parseOptions() checks each value's type; null only where the check allows it", () => {
  assert.throws(() => parseOptions("demo", { labelSmoothing: null } as never, SPEC), {
    name: "TypeError",
    message: "Cannot compute demo as labelSmoothing must be a number: current value is null",
  });
  assert.throws(() => parseOptions("demo", { swap: "yes" } as never, SPEC), {
    message: 'Cannot compute demo as swap must be a boolean: current value is "yes"',
  });
  assert.throws(() => parseOptions("demo", { reduction: "avg" }, SPEC), {
    name: "RangeError",
    message:
      'Cannot compute demo as reduction must be "none", "mean" or "sum": current value is "avg"',
  });
  assert.throws(() => parseOptions("demo", { bound: "1" } as never, SPEC), {
    message: 'Cannot compute demo as bound must be a number or null: current value is "1"',
  });
});
