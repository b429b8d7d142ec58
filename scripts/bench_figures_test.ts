/**
 * The README's benchmark figures against the two runs they come from
 * (`docs/bench-cpu-full/run1-cells.csv` and `cells.csv`): the counts of cells no slower than
 * PyTorch, the share of cells that repeat within ±15%, and the cells at least five times faster
 * than TensorFlow.js's wasm backend. A new run that replaces the files must come with new figures.
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
  assert.equal(perRun[0], perRun[1], "the README says one count for each run alone");
  says(`No slower than PyTorch in both runs** in ${both()} of the ${all.length} cells`);
  says(`${perRun[0]} in each run alone`);
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
