import assert from "node:assert/strict";
import { printedInputsText } from "./tutorial.ts";
import { tutorialText } from "./tutorial_text.ts";

interface TutorialCase {
  id: string;
  seed: number;
  text: string;
}

Deno.test("deno task tutorial --seed N prints what PyTorch prints, seeds 0 to 9", async () => {
  const file = JSON.parse(
    await Deno.readTextFile(new URL("../conformance/printed/tutorial.json", import.meta.url)),
  ) as { cases: TutorialCase[] };
  assert.equal(file.cases.length, 10);
  for (const c of file.cases) assert.equal(tutorialText(c.seed), c.text, c.id);
});

Deno.test("the tutorial's printed inputs give the outputs it printed, up to their rounding", () => {
  const text = printedInputsText();
  const found = [...text.matchAll(/printed output: ([\d.]+), ours from these inputs: ([\d.]+)/g)];
  assert.deepEqual(found.map((m) => m[1]), ["1.3720", "1.5305", "1.3336", "2.1839", "1.0850"]);
  for (const m of found) assert.ok(Math.abs(Number(m[1]) - Number(m[2])) < 2e-4, m[0]);
});
