/**
 * The runner (`conformance/cli.ts`) on deliberately wrong adapters (`adapters/wrong.ts`):
 * each kind of failure in its own column, expectations (a baseline written, then judged
 * against, a case fixed since), tolerance overrides, JUnit and JSON output, selection, and
 * the errors for a module that exports no adapter.
 */

import assert from "node:assert/strict";
import { main } from "../conformance/cli.ts";

const WRONG = new URL("./adapters/wrong.ts", import.meta.url).href;

/** Runs the command line in this process; files live in `files`. */
async function cli(
  args: string[],
  files: Map<string, string> = new Map(),
): Promise<{ status: number; out: string; files: Map<string, string> }> {
  const lines: string[] = [];
  const status = await main(args, {
    log: (line) => lines.push(line),
    readTextFile: (path) => {
      const text = files.get(path);
      return text === undefined
        ? Promise.reject(new Deno.errors.NotFound(path))
        : Promise.resolve(text);
    },
    writeTextFile: (path, text) => {
      files.set(path, text);
      return Promise.resolve();
    },
  });
  return { status, out: lines.join("\n"), files };
}

/** The cells of the table row whose first cell is `first`, after `## heading`. */
function row(out: string, heading: string, first: string): string[] {
  const section = out.slice(out.indexOf(`## ${heading}`));
  const line = section.split("\n").find((l) => l.startsWith(`| ${first} `));
  assert.ok(
    line !== undefined,
    `no row ${first} under ${heading}:\n${section}`,
  );
  return line.split("|").slice(1, -1).map((c) => c.trim());
}

const COLUMNS = [
  "cases",
  "pass",
  "wrong value",
  "wrong grad",
  "threw",
  "no throw",
  "skip",
];

function counts(out: string, heading: string): Record<string, number> {
  const cells = row(out, heading, "mse_loss");
  return Object.fromEntries(COLUMNS.map((c, k) => [c, Number(cells[k + 1])]));
}

Deno.test("each kind of failure has its own column, and the run exits 1", async () => {
  const { status, out } = await cli(["--impl", WRONG, "--ops", "mse_loss"]);
  assert.equal(status, 1);
  const value = counts(out, "wrong wrong-value");
  assert.ok(value["wrong value"] > 0);
  assert.equal(
    value["wrong grad"] + value.threw + value["no throw"] + value.skip,
    0,
  );
  const grad = counts(out, "wrong wrong-gradient");
  assert.ok(grad["wrong grad"] > 0);
  assert.equal(grad["wrong value"] + grad.threw + grad["no throw"], 0);
  const threw = counts(out, "wrong threw");
  assert.equal(threw.threw, 12); // the cases with nan or infinities
  const lenient = counts(out, "wrong did-not-throw");
  assert.equal(lenient["no throw"], 16); // every case where PyTorch raises
  assert.equal(
    lenient["wrong value"] + lenient["wrong grad"] + lenient.threw,
    0,
  );
  const skip = counts(out, "wrong skip");
  assert.equal(skip.pass + skip.skip, skip.cases);
  assert.match(out, /skipped 58 cases: no float64 here/);
  assert.match(
    out,
    /FAIL wrong-value wrong wrong-value: mse_loss\/.* \(\d+\.\d+× the tolerance\)/,
  );
  assert.match(
    out,
    /wrong skip: losses and ops: 57 of 115 pass, 0 fail, 58 skipped/,
  );
});

Deno.test("--devices, --dtypes, --cases and --tags select; --by-tag groups by tag", async () => {
  const { status, out } = await cli([
    "--impl",
    WRONG,
    "--devices",
    "threw",
    "--ops",
    "mse_loss",
    "--dtypes",
    "float32",
    "--tags",
    "non-finite,empty",
    "--by-tag",
  ]);
  assert.equal(status, 1);
  assert.ok(!out.includes("## wrong wrong-value"));
  const c = counts(out, "wrong threw");
  assert.equal(c.cases, 6 + 7); // float32: 6 with non-finite values, 7 empty
  assert.equal(c.threw, 6);
  const tag = row(out, "wrong threw", "non-finite");
  assert.deepEqual(tag.slice(1, 6), ["6", "0", "0", "0", "6"]);
  const one = await cli([
    "--impl",
    WRONG,
    "--devices",
    "wrong-value",
    "--cases",
    "mse_loss/mean/float32/3x4",
    "--verbose",
  ]);
  assert.equal(counts(one.out, "wrong wrong-value").cases, 1);
  const none = await cli(["--impl", WRONG, "--devices", "gpu"]);
  assert.equal(none.status, 2);
});

Deno.test("--write-expectations then --expectations: exit 0, and a case fixed since is named", async () => {
  const files = new Map<string, string>();
  const args = [
    "--impl",
    WRONG,
    "--devices",
    "wrong-value,did-not-throw",
    "--ops",
    "mse_loss",
  ];
  const baseline = await cli(
    [...args, "--write-expectations", "base.json"],
    files,
  );
  assert.equal(baseline.status, 1);
  const written = JSON.parse(files.get("base.json") ?? "");
  assert.equal(written.format, "parity-losses/expectations@1");
  assert.equal(written.failures.length, 71 + 16);
  const first = written.failures[0];
  assert.equal(first.adapter, "wrong wrong-value");
  assert.equal(first.kind, "wrong-value");
  assert.match(first.reason, /output element \[\d+\] is .*, expected/);

  const judged = await cli([...args, "--expectations", "base.json"], files);
  assert.equal(judged.status, 0, judged.out);
  assert.match(
    judged.out,
    /87 failures listed in base\.json, 0 failures not listed/,
  );

  // A case listed in the baseline that passes now (here: one that never failed).
  const fixed = "mse_loss/mean/float32/error=shape/3-4";
  written.failures.push({
    case: fixed,
    adapter: "wrong wrong-value",
    reason: "was wrong",
  });
  // A glob entry with a reason of its own, kept when the baseline is rewritten.
  written.failures.unshift({
    case: "mse_loss/*/float64/*",
    reason: "float64 scaled",
  });
  files.set("base.json", JSON.stringify(written));
  const again = await cli([
    ...args,
    "--expectations",
    "base.json",
    "--write-expectations",
    "next.json",
  ], files);
  assert.equal(again.status, 0, again.out);
  assert.match(
    again.out,
    /1 listed case now pass; remove them from base\.json:/,
  );
  assert.match(
    again.out,
    new RegExp(`now passes: ${fixed} \\[wrong wrong-value\\]`),
  );
  const next = JSON.parse(files.get("next.json") ?? "");
  assert.equal(next.failures[0].case, "mse_loss/*/float64/*");
  assert.ok(
    !next.failures.some((f: { case: string; adapter?: string }) =>
      f.case === fixed && f.adapter === "wrong wrong-value"
    ),
  );

  // A failure the baseline does not list fails the run.
  written.failures = written.failures.filter((f: { kind?: string }) => f.kind !== "did-not-throw");
  files.set("base.json", JSON.stringify(written));
  const regressed = await cli([...args, "--expectations", "base.json"], files);
  assert.equal(regressed.status, 1);
  assert.match(regressed.out, /[1-9]\d* failures? not listed/);
  assert.match(
    regressed.out,
    /FAIL did-not-throw wrong did-not-throw: .*PyTorch raised/,
  );
});

Deno.test("tolerances from the command line and the expectations file, shown in the table", async () => {
  const args = [
    "--impl",
    WRONG,
    "--devices",
    "wrong-value",
    "--ops",
    "mse_loss",
  ];
  const cli1 = await cli([
    ...args,
    "--dtypes",
    "float32",
    "--tolerance",
    "mse_loss:float32=0.02,1e-5",
  ]);
  assert.equal(cli1.status, 0, cli1.out);
  assert.equal(counts(cli1.out, "wrong wrong-value")["wrong value"], 0);
  assert.equal(
    row(cli1.out, "wrong wrong-value", "mse_loss").at(-1),
    "float32 0.02/1e-5",
  );
  assert.match(cli1.out, /\| mse_loss \| float32 \|\s+0\.02 \| 1e-5 \|/);
  const files = new Map([[
    "e.json",
    JSON.stringify({
      format: "parity-losses/expectations@1",
      tolerances: [{
        op: "*",
        rtol: 0.02,
        atol: 1e-5,
        reason: "1% is fine here",
      }],
      failures: [],
    }),
  ]]);
  const fromFile = await cli([...args, "--expectations", "e.json"], files);
  assert.equal(fromFile.status, 0, fromFile.out);
  assert.match(fromFile.out, /1% is fine here/);
  const bad = await cli([...args, "--tolerance", "mse_loss=big"]);
  assert.equal(bad.status, 2);
});

Deno.test("--junit writes each failure with its kind, skips and expected failures as skipped", async () => {
  const files = new Map<string, string>();
  const args = [
    "--impl",
    WRONG,
    "--ops",
    "mse_loss",
    "--junit",
    "out.xml",
    "--json",
    "out.json",
  ];
  const { status } = await cli(args, files);
  assert.equal(status, 1);
  const xml = files.get("out.xml") ?? "";
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
  for (
    const kind of ["wrong-value", "wrong-gradient", "threw", "did-not-throw"]
  ) {
    assert.match(xml, new RegExp(`<failure type="${kind}" message="`), kind);
  }
  assert.match(
    xml,
    /<testsuite name="wrong skip: mse_loss" tests="115" failures="0" errors="0" skipped="58"/,
  );
  assert.match(xml, /<skipped message="no float64 here"\/>/);
  assert.match(
    xml,
    /<testcase classname="wrong threw\.mse_loss" name="mse_loss\/none\/float32\/nan\/8" time="[\d.]+">/,
  );
  assert.ok(!/[<>&]"[^>]*[<&]/.test(xml.replace(/<[^>]*>/g, "")), "escaped");
  const total = /<testsuites [^>]*tests="(\d+)" failures="(\d+)"/.exec(xml);
  assert.equal(Number(total?.[1]), 6 * 115);

  const json = JSON.parse(files.get("out.json") ?? "");
  assert.equal(json.format, "parity-losses/results@1");
  const c = json.reports[1].cases.find((c: { id: string }) =>
    c.id === "mse_loss/none/float32/nan/8"
  );
  assert.equal(c.status, "fail");
  assert.equal(c.kind, "wrong-gradient");
  assert.deepEqual(c.tags, ["non-finite"]);
  assert.equal(typeof c.timeMs, "number");
  assert.equal(c.worstElement.tensor.startsWith("grad of args["), true);

  // With a baseline, expected failures become skipped test cases with their reason.
  const base = new Map<string, string>();
  await cli([
    "--impl",
    WRONG,
    "--devices",
    "threw",
    "--write-expectations",
    "b.json",
  ], base);
  await cli([
    "--impl",
    WRONG,
    "--devices",
    "threw",
    "--ops",
    "mse_loss",
    "--expectations",
    "b.json",
    "--junit",
    "b.xml",
  ], base);
  const judged = base.get("b.xml") ?? "";
  assert.ok(!judged.includes("<failure"));
  assert.match(
    judged,
    /<skipped message="expected failure \(threw\): threw RangeError: non-finite input"\/>/,
  );
});

Deno.test("a module that exports a factory, or nothing usable, gets an error that says so", async () => {
  const factory = "data:text/javascript,export default function makeAdapter(device) {}";
  const r = await cli(["--impl", factory]);
  assert.equal(r.status, 2);
  const plain = "data:text/javascript,export default { name: 'x', ops: { mse_loss: 3 } }";
  assert.equal((await cli(["--impl", plain])).status, 2);
});

Deno.test("--reference prints the tags and every op's parameters", async () => {
  const { status, out } = await cli(["--reference"]);
  assert.equal(status, 0);
  assert.match(out, /^## Tags/);
  assert.match(out, /- `ties`: /);
  assert.match(
    out,
    /#### cross_entropy\n\n`cross_entropy\(input, target, \*, weight=None, ignore_index=-100/,
  );
  assert.match(out, /- `cosine`: `1 - \(a \* b\)\.sum\(-1\)/);
});
