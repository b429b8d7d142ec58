import assert from "node:assert/strict";
import { runConformance } from "../../conformance/runner.ts";
import adapter from "./tfjs.ts";
import {
  assertReadmesShow,
  assertReadmesState,
  byOpTable,
  byTagTable,
  caseOf,
  unexplained,
} from "./tables.ts";
import { TFJS_NOTES } from "./tfjs_notes.ts";

// Every fixture runs (about two seconds on the cpu backend): the README's tables are all of them.
const report = await runConformance(adapter);
const status = (id: string) => caseOf(report, id);

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

Deno.test("every disagreement's tag has a note", () => {
  assert.deepEqual(unexplained(report, TFJS_NOTES), []);
});

Deno.test("the documented disagreements are the ones found", () => {
  const kind = (id: string) => status(id).kind;
  assert.equal(kind("l1_loss/none/float32/ties/8"), "wrong-gradient");
  assert.equal(kind("maximum/default/float32/3x1-4"), "threw");
  assert.equal(kind("cross_entropy/sum/float32/target=prob/3x4"), "wrong-gradient");
  assert.equal(kind("cross_entropy/none/float32/logits=1e4/3x4"), "wrong-value");
  assert.equal(kind("mse_loss/mean/float32/0x3"), "wrong-value");
  assert.equal(kind("nll_loss/mean/float32/error=target_out_of_range/C/3x4"), "did-not-throw");
  assert.equal(kind("gaussian_nll_loss/sum/float32/clamp/8"), "wrong-gradient");
  assert.equal(
    status("cross_entropy/mean/float32/ignore_index=2/label_smoothing=0.1/5x4").status,
    "pass",
  );
});

Deno.test("README.md and conformance/README.md show the tables this adapter gives", async () => {
  const command =
    "deno run --config dev/deno.json --allow-read --allow-env dev/adapters/tfjs_notes.ts";
  await assertReadmesShow(
    { "TensorFlow.js by tag": byTagTable(report, TFJS_NOTES) },
    ["README.md", "conformance/README.md"],
    command,
  );
  await assertReadmesShow(
    { "TensorFlow.js by op": byOpTable(report, TFJS_NOTES) },
    ["conformance/README.md"],
    command,
  );
  await assertReadmesState(report, ["README.md", "conformance/README.md"]);
});
