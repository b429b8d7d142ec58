import assert from "node:assert/strict";
import { describeValue } from "./describe.ts";

Deno.test("describeValue() prints every kind of value and never throws", () => {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const throwing = new Proxy({}, {
    getPrototypeOf(): never {
      throw new Error("trap");
    },
  });
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  const cases: [unknown, string][] = [
    [undefined, "undefined"],
    [null, "null"],
    [true, "true"],
    [-0, "-0"],
    [NaN, "NaN"],
    [-Infinity, "-Infinity"],
    [1.5, "1.5"],
    [2n ** 64n, "18446744073709551616n (a bigint)"],
    ["", '""'],
    ["avg", '"avg"'],
    ['say "hi"\n', '"say \\"hi\\"\\n"'],
    ["x".repeat(50), `"${"x".repeat(40)}"... (50 characters)`],
    [Symbol("s"), "Symbol(s)"],
    [Symbol(), "Symbol()"],
    [function named(): void {}, "a function (named)"],
    [() => {}, "a function"],
    [[1, 2, 3], "an array of 3 items"],
    [[7], "an array of 1 item"],
    [cyclic, "an array of 1 item"],
    [new Float32Array(4), "a Float32Array of 4 elements"],
    [new Int8Array(1), "an Int8Array of 1 element"],
    [new DataView(new ArrayBuffer(8)), "a DataView of 8 bytes"],
    [{}, "an object (Object)"],
    [Object.create(null), "an object with a null prototype"],
    [new Map(), "an object (Map)"],
    [new Proxy({}, {}), "an object (Object)"],
    [revoked, "a revoked Proxy"],
    [throwing, "an object that cannot be inspected (a Proxy or a getter threw when read)"],
    [Object.create({ constructor: 5 }), "an object"],
  ];
  for (const [value, text] of cases) assert.equal(describeValue(value), text);
});
