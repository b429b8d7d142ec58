import assert from "node:assert/strict";
import { type ConformanceReport, runConformance } from "../../conformance/runner.ts";
import { tfStatus, useBackend } from "../peers/tfjs.ts";
import plain from "./tfjs.ts";
import { bridgeAdapter, BRIDGED } from "./tfjs_bridge.ts";
import { bridgeTable } from "./tfjs_bridge_table.ts";

// Every fixture of the bridged ops on each backend: about 1.5 s on cpu, 2 s on wasm and 20 to
// 25 s on webgpu with the software adapter (the readbacks of the results dominate).
const ops = [...BRIDGED];
// one backend probe at a time: the plain adapter's (cpu) started when it was loaded
await tfStatus("cpu");
const webgpu = await tfStatus("webgpu");
if (!webgpu.ok) {
  console.log(`the bridge's webgpu conformance is skipped: ${webgpu.reason}`);
}
// the plain port first, on its backend (cpu): it makes the backend active only when loaded
await useBackend("cpu");
const plainReport = await runConformance(plain, { ops });
const reports: Record<string, ConformanceReport> = {
  cpu: await runConformance(bridgeAdapter("cpu"), { ops }),
  wasm: await runConformance(bridgeAdapter("wasm"), { ops }),
};
if (webgpu.ok) {
  reports.webgpu = await runConformance(bridgeAdapter("webgpu"), { ops });
}

/** What the bridge may skip: what TensorFlow.js tensors cannot hold or say. */
const CANNOT_EXPRESS = [
  /TensorFlow.js has no float64$/,
  /TensorFlow.js has no int64: a value is outside int32$/,
  /PyTorch gives no gradient \(None\) for p = 0/,
];

for (const [backend, report] of Object.entries(reports)) {
  Deno.test(`the bridge agrees with PyTorch on every expressible case on tfjs ${backend}`, () => {
    const wrong = report.cases
      .filter((c) => c.status === "fail" || c.status === "error-not-thrown")
      .map((c) => c.message);
    assert.deepEqual(wrong, []);
    const agree = report.cases.filter((c) => c.status === "pass");
    assert.ok(agree.length > 1400, `${agree.length} agreements`);
    for (const c of report.cases.filter((c) => c.status === "skip")) {
      assert.ok(
        CANNOT_EXPRESS.some((re) => re.test(c.message)),
        c.message,
      );
    }
  });
}

Deno.test("the bridge gives the same verdicts on cpu, wasm and webgpu", () => {
  const verdicts = (r: ConformanceReport) => r.cases.map((c) => `${c.id} ${c.status}`);
  assert.deepEqual(verdicts(reports.wasm), verdicts(reports.cpu));
  if (reports.webgpu) {
    assert.deepEqual(verdicts(reports.webgpu), verdicts(reports.cpu));
  }
});

/** A Markdown table's lines as trimmed cells, so that `deno fmt`'s padding does not matter. */
function cells(markdown: string): string {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/^(:?)-+(:?)$/, "$1---$2"))
        .join("|")
    )
    .join("\n");
}

Deno.test("README.md shows tf.losses against the bridge as the adapters give it", async () => {
  assert.equal(plainReport.adapter, "tfjs-4.22 cpu");
  const table = bridgeTable(plainReport, reports.cpu);
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  assert.ok(
    cells(readme).includes(cells(table)),
    "README.md is out of date: paste the output of\n" +
      "deno run --config dev/deno.json --allow-read --allow-env dev/adapters/tfjs_bridge_table.ts\n\n" +
      table,
  );
});
