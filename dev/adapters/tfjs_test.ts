import assert from "node:assert/strict";
import { runConformance } from "../../conformance/runner.ts";
import adapter from "./tfjs.ts";
import { causeOf, causesTable } from "./tfjs_causes.ts";

// Every fixture runs (about two seconds on the cpu backend): the README's table is all of them.
const report = await runConformance(adapter);
const status = (id: string) => {
  const c = report.cases.find((c) => c.id === id);
  assert.ok(c !== undefined, `no case ${id}`);
  return c;
};

Deno.test("TensorFlow.js agrees with PyTorch on most float32 cases", () => {
  const agree = report.cases.filter((c) => c.status === "pass").length;
  const disagree = report.cases.filter((c) =>
    c.status === "fail" || c.status === "error-not-thrown"
  );
  assert.ok(agree > 1000, `${agree} agreements`);
  assert.ok(disagree.length < agree / 3, `${disagree.length} disagreements`);
  for (const op of ["softmax", "log_softmax", "add", "mul", "sum"]) {
    const row = report.summary.find((s) => s.op === op);
    assert.equal(row?.failed, 0, `${op} disagrees`);
  }
});

Deno.test("every float64 case is skipped as inexpressible", () => {
  const float64 = report.cases.filter((c) => /\/float64\//.test(c.id));
  assert.ok(float64.length > 1000);
  for (const c of float64) {
    assert.equal(c.status, "skip", c.id);
    assert.match(c.message, /TensorFlow.js has no float64|random streams|CTC|multilabel margin/);
  }
  assert.equal(status("mse_loss/mean/float64/3x4").status, "skip");
});

Deno.test("every disagreement has a documented cause", () => {
  const unexplained = report.cases
    .filter((c) => (c.status === "fail" || c.status === "error-not-thrown") && !causeOf(c))
    .map((c) => c.message);
  assert.deepEqual(unexplained, []);
});

Deno.test("the documented disagreements are the ones found", () => {
  const cause = (id: string) => causeOf(status(id))?.key;
  assert.equal(cause("l1_loss/none/float32/ties/8"), "ties");
  assert.equal(cause("maximum/default/float32/3x1-4"), "broadcast grad");
  assert.equal(cause("cross_entropy/sum/float32/target=prob/3x4"), "softmaxCE grad");
  assert.equal(cause("cross_entropy/none/float32/logits=1e4/3x4"), "float32");
  assert.equal(cause("mse_loss/mean/float32/0x3"), "empty mean");
  assert.equal(cause("nll_loss/mean/float32/error=target_out_of_range/C/3x4"), "checks");
  assert.equal(cause("gaussian_nll_loss/sum/float32/clamp/8"), "var clamp");
  assert.equal(
    status("cross_entropy/mean/float32/ignore_index=2/label_smoothing=0.1/5x4").status,
    "pass",
  );
});

/** A Markdown table's lines as trimmed cells, so that `deno fmt`'s padding does not matter. */
function cells(markdown: string): string {
  return markdown.split("\n").filter((line) => line.startsWith("|")).map((line) =>
    line.split("|").slice(1, -1).map((cell) => cell.trim().replace(/^(:?)-+(:?)$/, "$1---$2")).join(
      "|",
    )
  ).join("\n");
}

Deno.test("conformance/README.md and README.md show the table this adapter gives", async () => {
  const table = causesTable(report);
  const files = {
    "conformance/README.md": "../../conformance/README.md",
    "README.md": "../../README.md",
  };
  for (const [name, path] of Object.entries(files)) {
    const readme = await Deno.readTextFile(new URL(path, import.meta.url));
    assert.ok(
      cells(readme).includes(cells(table)),
      `${name} is out of date: paste the output of\n` +
        "deno run --config dev/deno.json --allow-read --allow-env dev/adapters/tfjs_causes.ts\n\n" +
        table,
    );
  }
});
