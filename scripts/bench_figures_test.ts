/**
 * The README's benchmark figures against the two runs they come from
 * (`docs/bench-cpu-full/run1-cells.csv` and `cells.csv`): the table of the tutorial's five
 * losses, the counts of cells no slower than PyTorch, the share of cells that repeat within ±15%,
 * and the cells at least five times faster than TensorFlow.js's wasm backend. A new run that replaces the files must come with new figures.
 *
 * @module
 */

import assert from "node:assert/strict";

const DOCS = new URL("../docs/bench-cpu-full/", import.meta.url);
const README = await Deno.readTextFile(new URL("../README.md", import.meta.url));

/** The sizes the target counts: 1e5 elements and above, and the class losses' large shapes. */
const LARGE = new Set([
  "1e5",
  "1e6",
  "1e7",
  "65536x10",
  "1024x1000",
  "8192x1000",
  "512x50257",
  "200x32x50",
]);
const MODES = ["forward", "value+grad", "value+grad-dispose"];

/** `system/op/mode/size` → median ms, for the cells that were timed. */
async function cells(name: string): Promise<Map<string, number>> {
  const [head, ...lines] = (await Deno.readTextFile(new URL(name, DOCS))).trim().split("\n");
  const column = (c: string) => head.split(",").indexOf(c);
  const [system, op, mode, size, median, status] = [
    "system",
    "op",
    "mode",
    "size",
    "median_ms",
    "status",
  ].map(column);
  const out = new Map<string, number>();
  for (const line of lines) {
    const f = line.split(",");
    if (f[status] !== "ok" || f[median] === "") continue;
    out.set(`${f[system]}/${f[op]}/${f[mode]}/${f[size]}`, Number(f[median]));
  }
  return out;
}

const runs = [await cells("run1-cells.csv"), await cells("cells.csv")];

/** Ours ÷ PyTorch in each run, for every large cell both runs timed on both systems. */
function ratios(): { mode: string; ratios: number[] }[] {
  const out: { mode: string; ratios: number[] }[] = [];
  for (const key of runs[0].keys()) {
    const [system, op, mode, size] = key.split("/");
    if (system !== "parity-losses" || !LARGE.has(size)) continue;
    const r = runs.map((run) => {
      const ours = run.get(key);
      const torch = run.get(`pytorch/${op}/${mode}/${size}`);
      return ours === undefined || torch === undefined ? NaN : ours / torch;
    });
    if (r.every(Number.isFinite)) out.push({ mode, ratios: r });
  }
  return out;
}

function says(text: string): void {
  const flat = README.replace(/\s+/g, " ");
  assert.ok(flat.includes(text), `README.md should say: ${text}`);
}

Deno.test("the README's count of cells no slower than PyTorch is the two runs'", () => {
  const all = ratios();
  const both = (mode?: string) =>
    all.filter((c) => (mode === undefined || c.mode === mode) && c.ratios.every((r) => r <= 1))
      .length;
  const perRun = runs.map((_, i) => all.filter((c) => c.ratios[i] <= 1).length);
  says(`No slower than PyTorch in both runs** in ${both()} of the ${all.length} cells`);
  says(
    perRun[0] === perRun[1]
      ? `${perRun[0]} in each run alone`
      : `${perRun[0]} and ${perRun[1]} in runs 1 and 2 alone`,
  );
  const byMode = MODES.map((m) => `${both(m)} of ${all.filter((c) => c.mode === m).length}`);
  says(
    `${byMode[0]} forward cells, ${byMode[1]} value+grad and ${byMode[2]} value+grad-dispose`,
  );
  const old = all.filter((c) => c.mode !== "value+grad-dispose");
  says(`(forward and value+grad, ${old.length} cells): ${both("forward") + both("value+grad")}`);
});

Deno.test("the README's share of cells that repeat within ±15% is the two runs'", () => {
  const within = (system: string | null) => {
    let n = 0;
    let ok = 0;
    for (const [key, a] of runs[0]) {
      const b = runs[1].get(key);
      if (b === undefined || (system !== null && !key.startsWith(`${system}/`))) continue;
      n++;
      if (Math.abs(b / a - 1) <= 0.15) ok++;
    }
    return Math.round((100 * ok) / n);
  };
  says(`${within(null)}% of all cells have medians within ±15%`);
  says(`${within("parity-losses")}% of this library's, ${within("tfjs")}% of TensorFlow.js wasm's`);
  says(`and ${within("pytorch")}% of PyTorch's`);
});

Deno.test("the README's count of cells five times faster than TensorFlow.js wasm is run 2's", () => {
  let timed = 0;
  let fast = 0;
  for (const [key, tfjs] of runs[1]) {
    if (!key.startsWith("tfjs/")) continue;
    const ours = runs[1].get(key.replace(/^tfjs\//, "parity-losses/"));
    if (ours === undefined) continue;
    timed++;
    if (tfjs / ours >= 5) fast++;
  }
  says(`at least 5 times faster in ${fast} of the ${timed} cells`);
});

Deno.test("the README's table of the tutorial's five losses is the two runs' cells", () => {
  /** Three significant digits, without trailing zeros. */
  const g = (x: number) => String(Number(x.toPrecision(3)));
  const rows = new Set(
    README.split("\n").filter((l) => l.startsWith("|")).map((l) =>
      l.split("|").map((c) => c.trim()).join("|")
    ),
  );
  const tutorial: [string, string][] = [
    ["l1_loss", "1e6"],
    ["mse_loss", "1e6"],
    ["hinge_embedding_loss", "1e6"],
    ["nll_loss", "1024x1000"],
    ["cross_entropy", "1024x1000"],
  ];
  for (const [op, size] of tutorial) {
    for (const mode of MODES) {
      const cell = (system: string, i: number) => {
        const v = runs[i].get(`${system}/${op}/${mode}/${size}`);
        assert.ok(v !== undefined, `run ${i + 1} has ${system} ${op} ${mode} ${size}`);
        return v;
      };
      const ours = [0, 1].map((i) => cell("parity-losses", i));
      const torch = [0, 1].map((i) => cell("pytorch", i));
      const tfjs = runs[1].get(`tfjs/${op}/${mode}/${size}`);
      const row = [
        "",
        op,
        size,
        mode,
        `${g(ours[0])} / ${g(ours[1])}`,
        `${g(torch[0])} / ${g(torch[1])}`,
        `${(ours[0] / torch[0]).toFixed(2)} / ${(ours[1] / torch[1]).toFixed(2)}`,
        tfjs === undefined ? "—" : (tfjs / ours[1]).toFixed(1),
        "",
      ].join("|");
      assert.ok(rows.has(row), `README.md should have the row ${row}`);
    }
  }
});
