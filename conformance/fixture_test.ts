import assert from "node:assert/strict";
import { FORMAT, parseFixtureFile } from "./fixture.ts";

const tensor = { dtype: "float32", shape: [2], data: [1, "nan"] };
const good = {
  format: FORMAT,
  op: "mse_loss",
  torch: "1.13.1",
  cases: [{
    id: "mse_loss/a",
    args: [tensor, tensor],
    kwargs: { reduction: "sum" },
    requires_grad: [0],
    output: { dtype: "float32", shape: [], data: [0] },
    grad_output: { dtype: "float32", shape: [], data: [1] },
    grads: { "0": tensor },
    error: null,
  }],
};

function broken(edit: (file: typeof good) => void): unknown {
  const copy = structuredClone(good);
  edit(copy);
  return copy;
}

Deno.test("parseFixtureFile() accepts a file in the format", () => {
  assert.equal(parseFixtureFile(good, "a.json").cases.length, 1);
});

Deno.test("parseFixtureFile() names the file, the case and the field that is wrong", () => {
  const cases: [unknown, RegExp][] = [
    [
      broken((f) => f.format = "other@1"),
      /a\.json as field format must be "parity-losses\/fixtures@1"/,
    ],
    [
      broken((f) => (f as { cases: unknown }).cases = {}),
      /a\.json as field cases must be an array/,
    ],
    [
      broken((f) => f.cases[0].args[0] = { ...tensor, shape: [3] }),
      /a\.json as case 0 \(mse_loss\/a\) field args\[0\]\.data must be an array of 3 elements/,
    ],
    [
      broken((f) => f.cases[0].args[1] = { ...tensor, dtype: "int32" }),
      /case 0 \(mse_loss\/a\) field args\[1\]\.dtype must be one of float32, float64, int64, bool/,
    ],
    [
      broken((f) => f.cases[0].args[0] = { ...tensor, data: [1, "x"] }),
      /field args\[0\]\.data\[1\] must be a number: found "x"/,
    ],
    [
      broken((f) => f.cases[0].requires_grad = [5]),
      /field requires_grad must list indices of tensor args/,
    ],
    [
      broken((f) => (f.cases[0] as { output: unknown }).output = null),
      /field output must be a tensor object/,
    ],
    [
      broken((f) => f.cases.push(structuredClone(f.cases[0]))),
      /case 1 \(mse_loss\/a\) field id repeats/,
    ],
    [
      broken((f) => (f.cases[0] as { grads: unknown }).grads = { "0": 3 }),
      /field grads\.0 must be a tensor object/,
    ],
  ];
  for (const [file, message] of cases) {
    assert.throws(() => parseFixtureFile(file, "a.json"), { name: "TypeError", message });
  }
});

Deno.test("every fixture file is a JSON module export of the package", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  for await (const entry of Deno.readDir(new URL("./fixtures/", import.meta.url))) {
    assert.equal(
      config.exports[`./fixtures/${entry.name}`],
      `./conformance/fixtures/${entry.name}`,
      `deno.json exports lacks ./fixtures/${entry.name}`,
    );
  }
});
