import assert from "node:assert/strict";
import { fixtureIndexSource } from "../scripts/regen_fixtures.ts";
import {
  FORMAT,
  loadFixtureFile,
  loadFixtureFiles,
  loadPackageFixtures,
  PACKAGE_OPS,
  parseFixtureFile,
} from "./fixture.ts";

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

Deno.test("conformance/_fixture_index.ts lists every fixture file", async () => {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL("./fixtures/", import.meta.url))) {
    if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
  }
  const index = await Deno.readTextFile(new URL("./_fixture_index.ts", import.meta.url));
  assert.equal(index, fixtureIndexSource(names), "run deno task fixtures to regenerate it");
});

Deno.test("loadPackageFixtures() reads the package's files as JSON modules, tags included", async () => {
  const [mse] = await loadPackageFixtures(["mse_loss"]);
  const fromDisk = await loadFixtureFile(new URL("./fixtures/mse_loss.json", import.meta.url));
  assert.equal(mse.op, "mse_loss");
  assert.deepEqual(mse.cases, fromDisk.cases);
  assert.deepEqual(mse.cases.find((c) => c.id === "mse_loss/mean/float32/nan/8")?.tags, [
    "non-finite",
  ]);
  await assert.rejects(() => loadPackageFixtures(["mse"]), {
    name: "RangeError",
    message: /Cannot load fixtures for mse as the package has none: its ops are abs, add/,
  });
});

Deno.test("parseFixtureFile() accepts files without tags and rejects tags that are not strings", () => {
  const withTags = broken((f) => (f.cases[0] as { tags?: unknown }).tags = ["ties", "empty"]);
  assert.deepEqual(parseFixtureFile(withTags, "a.json").cases[0].tags, ["ties", "empty"]);
  assert.equal(parseFixtureFile(good, "a.json").cases[0].tags, undefined);
  assert.throws(
    () => parseFixtureFile(broken((f) => (f.cases[0] as { tags?: unknown }).tags = [1]), "a.json"),
    { name: "TypeError", message: /case 0 \(mse_loss\/a\) field tags must be an array of strings/ },
  );
});

Deno.test("loadFixtureFiles() reads a folder in name order and a single file", async () => {
  const folder = await loadFixtureFiles(new URL("./fixtures/", import.meta.url));
  assert.deepEqual(folder.map((f) => f.op), PACKAGE_OPS);
  const one = await loadFixtureFiles("conformance/fixtures/neg.json");
  assert.equal(one.length, 1);
  assert.equal(one[0].op, "neg");
});
