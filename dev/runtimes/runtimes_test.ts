/**
 * The package under Node and Bun, as their users would import it, through `check.ts`: every
 * CPU fixture case passes, the tutorial prints what Deno prints byte for byte, and
 * `console.log` of a tensor prints PyTorch's text. The README's example runs under Deno, Node
 * and Bun and prints the output the README shows under it.
 *
 * - Node (`node` on the PATH, 20 or later): the `deno bundle` of the package's two entries
 *   (`mod.ts`, `conformance/mod.ts`, one shared chunk), installed as
 *   `node_modules/@parity/losses` with a package.json whose exports name them, as JSR's npm
 *   compatibility layer would (JSR itself cannot be reached from where this runs).
 * - Bun (1.4.4, from npm through this folder's deno.json): the package's TypeScript source,
 *   installed the same way.
 *
 * Skipped with a printed reason where a runtime is missing, except under CI (`CI=true`).
 */
import assert from "node:assert/strict";
import { largeLosses } from "./large.ts";
import { FIXTURES_DIR, loadFixtureFiles } from "@parity/losses/conformance";
import { tutorialText } from "../../scripts/tutorial_text.ts";
import type { CheckResult } from "./check.ts";

const ROOT = new URL("../../", import.meta.url);
const IN_CI = Deno.env.get("CI") === "true";
const decoder = new TextDecoder();

async function run(
  command: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function version(command: string): Promise<string | null> {
  try {
    const { code, stdout } = await run(command, ["--version"]);
    return code === 0 ? stdout.trim() : null;
  } catch {
    return null;
  }
}

/** Bun's binary from the npm package pinned in dev/deno.json, or why there is none. */
async function bunBinary(): Promise<{ path: string | null; missing: string | null }> {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return { path: null, missing: `Bun is pinned for linux x86_64 only, not ${Deno.build.target}` };
  }
  await import("@oven/bun-linux-x64/package.json", { with: { type: "json" } });
  const dir = new URL(".", import.meta.resolve("@oven/bun-linux-x64/package.json"));
  return { path: new URL("bin/bun", dir).pathname, missing: null };
}

const nodeVersion = await version("node");
const nodeMissing = nodeVersion === null
  ? "no node on the PATH"
  : Number(/^v(\d+)/.exec(nodeVersion)?.[1]) < 20
  ? `node ${nodeVersion} is older than 20`
  : null;
const bun = await bunBinary();
for (const [name, missing] of [["Node", nodeMissing], ["Bun", bun.missing]]) {
  if (missing !== null && !IN_CI) console.log(`${name} check skipped: ${missing}`);
}

/** The README's example (the first `ts` block under "## Example") and the output shown after it. */
export async function readmeExample(): Promise<{ code: string; output: string }> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const section = readme.slice(readme.indexOf("\n## Example\n"));
  const code = /```ts\n([^]*?)```\n/.exec(section)?.[1];
  const output = /```text\n([^]*?)```\n/.exec(section)?.[1];
  assert.ok(code !== undefined && output !== undefined, "README.md: no example with its output");
  return { code, output };
}

/**
 * A temporary folder with `node_modules/@parity/losses`, the bundled check (`check.mjs`) and the
 * README's example (`example.ts`, and for the bundle `example.mjs`).
 */
async function install(kind: "bundle" | "source"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `parity-losses-${kind}-` });
  const pkg = `${dir}/node_modules/@parity/losses`;
  await Deno.mkdir(pkg, { recursive: true });
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const deno = Deno.execPath();
  const root = ROOT.pathname;
  if (kind === "bundle") {
    const bundled = await run(deno, [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--code-splitting",
      "--outdir",
      pkg,
      "mod.ts",
      "conformance/mod.ts",
    ], root);
    assert.equal(bundled.code, 0, `deno bundle of the package failed:\n${bundled.stderr}`);
    await Deno.symlink(`${root}conformance/fixtures`, `${pkg}/fixtures`);
  } else {
    for (const path of ["mod.ts", "losses", "conformance"]) {
      await Deno.symlink(`${root}${path}`, `${pkg}/${path}`);
    }
    await Deno.symlink(`${root}conformance/fixtures`, `${pkg}/fixtures`);
  }
  const ext = kind === "bundle" ? "js" : "ts";
  await Deno.writeTextFile(
    `${pkg}/package.json`,
    JSON.stringify(
      {
        name: config.name,
        version: config.version,
        type: "module",
        exports: {
          ".": `./mod.${ext}`,
          "./conformance": `./conformance/mod.${ext}`,
          "./fixtures/*": "./fixtures/*",
        },
      },
      null,
      2,
    ),
  );
  const check = await run(deno, [
    "bundle",
    "--quiet",
    "--config",
    `${root}dev/deno.json`,
    "--platform",
    "deno",
    "--external",
    "@parity/losses",
    "--external",
    "@parity/losses/conformance",
    "--output",
    `${dir}/check.mjs`,
    `${root}dev/runtimes/check.ts`,
  ], root);
  assert.equal(check.code, 0, `deno bundle of check.ts failed:\n${check.stderr}`);
  await Deno.writeTextFile(`${dir}/example.ts`, (await readmeExample()).code);
  if (kind === "bundle") {
    const example = await run(deno, [
      "bundle",
      "--quiet",
      "--no-config",
      "--platform",
      "deno",
      "--external",
      "@parity/losses",
      "--output",
      `${dir}/example.mjs`,
      `${dir}/example.ts`,
    ], dir);
    assert.equal(example.code, 0, `deno bundle of the README's example failed:\n${example.stderr}`);
  }
  return dir;
}

/** Runs the README's example with `command` and compares what it prints with the README. */
async function assertExample(
  t: Deno.TestContext,
  command: string,
  args: string[],
  cwd: string,
): Promise<void> {
  await t.step("the README's example prints the output the README shows", async () => {
    const out = await run(command, args, cwd);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, (await readmeExample()).output);
  });
}

let expectedCases: Promise<number> | null = null;

/** The steps every runtime must pass, from check.ts's output. */
async function assertCheck(
  t: Deno.TestContext,
  out: { code: number; stdout: string; stderr: string },
): Promise<void> {
  assert.equal(out.code, 0, `the check exited with ${out.code}:\n${out.stderr}`);
  const cut = out.stdout.lastIndexOf("---\n");
  const logged = out.stdout.slice(0, cut);
  const result = JSON.parse(out.stdout.slice(cut + 4)) as CheckResult;
  console.log(
    `${result.runtime}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} ` +
      `skipped of ${result.cases} cpu cases in ${result.seconds.toFixed(1)} s`,
  );
  await t.step("every cpu fixture case passes", async () => {
    expectedCases ??= loadFixtureFiles(FIXTURES_DIR).then((files) =>
      files.reduce((n, f) => n + f.cases.length, 0)
    );
    assert.deepEqual(result.failures, []);
    assert.equal(result.failed, 0);
    assert.equal(result.skipped, 0);
    assert.equal(result.cases, await expectedCases);
    assert.equal(result.passed, result.cases);
  });
  await t.step("the tutorial prints what Deno prints, byte for byte", () => {
    assert.equal(result.tutorial.length, 10);
    result.tutorial.forEach((text, seed) => assert.equal(text, tutorialText(seed), `seed ${seed}`));
  });
  await t.step("console.log of a tensor prints PyTorch's text", () => {
    assert.equal(
      result.text,
      "tensor([[ 1.5410, -0.2934, -2.1788],\n        [ 0.5684, -1.0845, -1.3986]], requires_grad=True)",
    );
    assert.equal(logged, `${result.text}\n`);
    assert.equal(result.inspected, result.text);
  });
  await t.step("losses over tensors in the kernel arena give Deno's bits", async () => {
    const deno = await largeLosses();
    assert.equal(deno.shared, true, "Deno keeps large tensors in the arena");
    assert.equal(result.large.shared, true, `${result.runtime} keeps large tensors in the arena`);
    assert.deepEqual(result.large.losses, deno.losses);
  });
}

Deno.test({
  name: "Node runs the bundled package: the cpu fixtures, the tutorial, console.log",
  ignore: nodeMissing !== null && !IN_CI,
  fn: async (t) => {
    assert.equal(nodeMissing, null, `Node is needed here (CI=true): ${nodeMissing}`);
    const dir = await install("bundle");
    try {
      await assertCheck(t, await run("node", [`${dir}/check.mjs`], dir));
      await assertExample(t, "node", [`${dir}/example.mjs`], dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Bun runs the package's TypeScript source: the cpu fixtures, the tutorial, console.log",
  ignore: bun.missing !== null && !IN_CI,
  fn: async (t) => {
    assert.equal(bun.missing, null, `Bun is needed here (CI=true): ${bun.missing}`);
    const dir = await install("source");
    try {
      const path = bun.path as string;
      console.log(`bun ${await version(path)}`);
      await assertCheck(t, await run(path, [`${dir}/check.mjs`], dir));
      await assertExample(t, path, [`${dir}/example.ts`], dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("Deno runs the README's example and prints the output the README shows", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "parity-losses-deno-" });
  try {
    // As `deno add jsr:@parity/losses` maps the package's name, here to this checkout.
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: { "@parity/losses": new URL("mod.ts", ROOT).href } }),
    );
    await Deno.writeTextFile(`${dir}/example.ts`, (await readmeExample()).code);
    await assertExample(t, Deno.execPath(), ["run", "--quiet", `${dir}/example.ts`], dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
