import assert from "node:assert/strict";
import { run } from "./ctc_recogniser.ts";

// 300 steps on the cpu backend, then on wasm: a few seconds each.
const result = await run("cpu");
const wasm = await run("wasm");

Deno.test("the CTC recogniser trains: its loss falls and it reads held-out sequences", () => {
  const [first, ...rest] = result.losses.map(([, loss]) => loss);
  assert.equal(result.losses.length, 13);
  assert.ok(rest.every((loss) => loss < first), JSON.stringify(result.losses));
  assert.ok(rest[rest.length - 1] < first / 100, JSON.stringify(result.losses));
  assert.ok(result.exact >= 60, `${result.exact} of ${result.heldOut} decoded exactly`);
});

Deno.test("the wasm backend trains the same numbers", () => {
  assert.deepEqual(wasm.lines.slice(1), result.lines.slice(1));
});

Deno.test("README.md shows the recogniser's output", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const text = result.lines.join("\n");
  assert.ok(
    readme.includes(text),
    "README.md is out of date: paste the output of\n" +
      "deno run --config dev/deno.json --allow-read --allow-env dev/examples/ctc_recogniser.ts\n\n" +
      text,
  );
});
