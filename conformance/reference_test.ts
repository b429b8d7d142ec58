import assert from "node:assert/strict";
import { loadPackageFixtures } from "./fixture.ts";
import { NAMED_DISTANCE_FORMULAS, NAMED_DISTANCES, OPS, opSpec } from "./ops.ts";
import {
  adapterReference,
  holdsGenerated,
  REFERENCE_MARKERS,
  TAG_MARKERS,
  tagReference,
} from "./reference.ts";
import { RANDOM_OPS } from "./runner.ts";
import { TAGS } from "./tags.ts";

const FILES = await loadPackageFixtures();

Deno.test("conformance/README.md holds the current reference and list of tags", async () => {
  const readme = await Deno.readTextFile(new URL("./README.md", import.meta.url));
  const fix =
    "run `deno task conformance --reference` and paste its output into conformance/README.md";
  assert.ok(holdsGenerated(readme, tagReference(), TAG_MARKERS), `the tags are stale: ${fix}`);
  assert.ok(
    holdsGenerated(readme, adapterReference(), REFERENCE_MARKERS),
    `the reference is stale: ${fix}`,
  );
});

Deno.test("the fixtures use exactly the tags conformance/tags.ts lists", () => {
  const used = new Set(FILES.flatMap((f) => f.cases.flatMap((c) => c.tags ?? [])));
  assert.deepEqual([...used].sort(), Object.keys(TAGS).sort());
  for (const f of FILES) for (const c of f.cases) assert.ok(Array.isArray(c.tags), c.id);
});

Deno.test("the reference's parameters agree with what the fixtures pass", () => {
  for (const file of FILES) {
    const spec = opSpec(file.op);
    assert.ok(spec !== undefined, file.op);
    for (const k of spec.kwargs) {
      assert.ok(k.name in spec.options, `${file.op}: documents ${k.name}, which it does not take`);
    }
    const variadic = spec.args.at(-1)?.name.startsWith("*") ?? false;
    for (const i of spec.differentiable) {
      assert.equal(spec.args[i]?.dtypes !== undefined, true, `${file.op}: args[${i}] is no tensor`);
    }
    for (const c of file.cases) {
      for (const k of Object.keys(c.kwargs)) {
        assert.ok(spec.kwargs.some((p) => p.name === k), `${c.id}: kwarg ${k} is not documented`);
      }
      assert.ok(
        variadic || c.args.length <= spec.args.length,
        `${c.id}: ${c.args.length} args, ${spec.args.length} documented`,
      );
      if (c.error !== null) continue;
      for (const i of c.requires_grad) {
        assert.ok(spec.differentiable.includes(i), `${c.id}: args[${i}] requires grad`);
      }
      const check = (v: unknown, dtypes: readonly string[] | undefined, where: string) => {
        if (typeof v !== "object" || v === null || Array.isArray(v)) return;
        const dtype = (v as { dtype: string }).dtype;
        assert.ok(dtypes?.includes(dtype), `${c.id}: ${where} is ${dtype}, documented ${dtypes}`);
      };
      c.args.forEach((v, i) =>
        check(v, spec.args[Math.min(i, spec.args.length - 1)].dtypes, `args[${i}]`)
      );
      for (const [k, v] of Object.entries(c.kwargs)) {
        check(v, spec.kwargs.find((p) => p.name === k)?.dtypes, k);
      }
    }
  }
  assert.deepEqual(
    OPS.filter((s) => !FILES.some((f) => f.op === s.torch)).map((s) => s.torch),
    [],
    "every op in the table has fixtures",
  );
  assert.deepEqual(Object.keys(NAMED_DISTANCE_FORMULAS), Object.keys(NAMED_DISTANCES));
  assert.deepEqual(OPS.filter((s) => RANDOM_OPS.includes(s.torch)).length, RANDOM_OPS.length);
});

Deno.test("the conformance entry uses no Deno API outside the command line", async () => {
  const dir = new URL("./", import.meta.url);
  const files = ["adapters/parity.ts"];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ts")) files.push(entry.name);
  }
  const commandLine = ["cli.ts", "main.ts", "_harness.ts"];
  for (const name of files) {
    if (name.endsWith("_test.ts") || commandLine.includes(name)) continue;
    const code = (await Deno.readTextFile(new URL(name, dir)))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    assert.ok(!/\bDeno\./.test(code), `conformance/${name} uses Deno.*`);
  }
});
