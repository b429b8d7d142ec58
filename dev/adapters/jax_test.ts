import assert from "node:assert/strict";
import { runConformance } from "../../conformance/runner.ts";
import { jaxAdapter } from "./jax.ts";
import { JAX_NOTES } from "./jax_notes.ts";
import {
  assertReadmesShow,
  assertReadmesState,
  byOpTable,
  byTagTable,
  caseOf,
  unexplained,
} from "./tables.ts";

// Every fixture on jax-js's wasm device (about 25 seconds): the README's tables are all of them.
const report = await runConformance(jaxAdapter("wasm"));
const status = (id: string) => caseOf(report, id);

Deno.test("jax-js agrees with PyTorch on most cases it can express", () => {
  const agree = report.cases.filter((c) => c.status === "pass").length;
  const disagree = report.cases.filter((c) =>
    c.status === "fail" || c.status === "error-not-thrown"
  );
  assert.ok(agree > 2000, `${agree} agreements`);
  assert.ok(disagree.length < agree / 2, `${disagree.length} disagreements`);
  for (const op of ["add", "mul", "div", "sum", "sqrt"]) {
    assert.equal(report.summary.find((s) => s.op === op)?.failed, 0, `${op} disagrees`);
  }
});

Deno.test("every disagreement's tag has a note", () => {
  assert.deepEqual(unexplained(report, JAX_NOTES), []);
});

Deno.test("the documented disagreements are the ones found", () => {
  const c = (id: string) => status(id);
  // exp and log at about 1e-5: float64 misses its tolerance
  assert.equal(c("binary_cross_entropy/mean/float64/3x4").kind, "wrong-value");
  assert.equal(c("binary_cross_entropy/mean/float32/3x4").status, "pass");
  // class indices out of range are clamped, not rejected
  assert.equal(c("nll_loss/mean/float32/error=target_out_of_range/C/3x4").kind, "did-not-throw");
  // a mean over zero elements throws
  assert.match(c("mse_loss/mean/float32/0x3").message, /cannot compute mean over zero-length axis/);
  // |x|' at 0 is 1
  assert.equal(c("l1_loss/none/float32/ties/8").kind, "wrong-gradient");
  // nan through the chain rule
  assert.equal(c("margin_ranking_loss/none/float32/margin=0.5/nan/6").kind, "wrong-gradient");
  assert.equal(c("ctc_loss/mean/float32/padded/4x2x4").status, "skip");
});

Deno.test("README.md and conformance/README.md show the tables this adapter gives", async () => {
  const command =
    "deno run --config dev/deno.json --allow-read --allow-env dev/adapters/jax_notes.ts";
  await assertReadmesShow(
    { "jax-js by tag": byTagTable(report, JAX_NOTES) },
    ["README.md", "conformance/README.md"],
    command,
  );
  await assertReadmesShow(
    { "jax-js by op": byOpTable(report, JAX_NOTES) },
    ["conformance/README.md"],
    command,
  );
  await assertReadmesState(report, ["README.md", "conformance/README.md"]);
});
