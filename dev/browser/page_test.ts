/**
 * The conformance page in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * every CPU case passes, every float32 WebGPU case passes on the adapter Chromium finds
 * (SwiftShader, a software adapter, on machines without a GPU), every shader the library
 * created compiles on Chromium's compiler, and the tutorial prints what Deno prints, byte
 * for byte. On failure the page's screenshot and console go to `results/browser/`, and the
 * failure message names both files.
 *
 * Chromium is looked for at `$CHROMIUM` or `/usr/bin/chromium`; without it the test is
 * skipped with a printed reason, except under CI (`CI=true`), where it fails.
 */
import assert from "node:assert/strict";
import { chromium, type ConsoleMessage, type Page } from "playwright-core";
import { tutorialText } from "../../scripts/tutorial_text.ts";
import type { PageResults } from "./page.ts";
import { startPageServer } from "./serve.ts";
import { largeLosses } from "../runtimes/large.ts";

const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";
const IN_CI = Deno.env.get("CI") === "true";
/** The float32 fixture cases (all of them run on WebGPU). */
const FLOAT32_CASES = 1777;
const RESULTS = new URL("../../results/browser/", import.meta.url);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

const missing = (await exists(CHROMIUM)) ? null : `no Chromium at ${CHROMIUM}`;
if (missing !== null && !IN_CI) {
  console.log(`browser page test skipped: ${missing} (apt-get install -y chromium)`);
}

/** Chromium's flags: headless, WebGPU on, nothing reaching the network. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Saves the page's screenshot and console; returns the two paths. */
async function saveEvidence(page: Page, console: readonly string[]): Promise<string> {
  await Deno.mkdir(RESULTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const png = new URL(`page-${stamp}.png`, RESULTS).pathname;
  const log = new URL(`page-${stamp}.console.txt`, RESULTS).pathname;
  await Deno.writeTextFile(log, console.join("\n") + "\n");
  try {
    await page.screenshot({ path: png, fullPage: true, timeout: 30_000 });
  } catch (e) {
    return `console ${log} (no screenshot: ${e instanceof Error ? e.message : e})`;
  }
  return `screenshot ${png}, console ${log}`;
}

Deno.test({
  name: "the page in headless Chromium: PyTorch's fixtures on the cpu and on WebGPU",
  ignore: missing !== null && !IN_CI,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    assert.equal(missing, null, `Chromium is needed here (CI=true): ${missing}`);
    const server = await startPageServer();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    const lines: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      page.on("console", (m: ConsoleMessage) => lines.push(`[${m.type()}] ${m.text()}`));
      page.on("pageerror", (e: Error) => lines.push(`[pageerror] ${e.message}`));
      let results: PageResults | null = null;
      const check = async (what: string, fn: (r: PageResults) => void): Promise<void> => {
        await t.step(what, async () => {
          try {
            if (results === null) throw new Error("the page gave no results");
            fn(results);
          } catch (e) {
            const evidence = await saveEvidence(page, lines);
            throw new Error(`${e instanceof Error ? e.message : e}\nSaved: ${evidence}`);
          }
        });
      };
      await t.step("the page runs to the end", async () => {
        try {
          await page.goto(`${server.url}?quick`);
          await page.waitForFunction(
            () => document.documentElement.dataset.state !== "running",
            undefined,
            { timeout: 300_000, polling: 500 },
          );
          results = await page.evaluate(() =>
            (globalThis as unknown as { parityPage: PageResults }).parityPage
          );
          assert.equal(results?.state, "done", results?.error ?? "");
        } catch (e) {
          const evidence = await saveEvidence(page, lines);
          throw new Error(`${e instanceof Error ? e.message : e}\nSaved: ${evidence}`);
        }
      });
      await check("every cpu case passes", (r) => {
        const cpu = r.runs.find((x) => x.device === "cpu");
        assert.ok(cpu !== undefined, "no cpu run");
        assert.deepEqual(cpu.failures, []);
        assert.equal(cpu.failed, 0);
        assert.equal(cpu.skipped, 0, JSON.stringify(cpu.skipReasons));
        assert.ok(cpu.passed > 5000, `${cpu.passed} cpu passes`);
      });
      await check("WebGPU finds an adapter", (r) => {
        assert.equal(r.webgpuMissing, null, `no WebGPU in Chromium: ${r.webgpuMissing}`);
      });
      await check("every float32 webgpu case passes", (r) => {
        const gpu = r.runs.find((x) => x.device === "webgpu");
        assert.ok(gpu !== undefined, "no webgpu run");
        assert.deepEqual(gpu.failures.slice(0, 20), []);
        assert.equal(gpu.failed, 0);
        assert.ok(
          gpu.passed >= FLOAT32_CASES,
          `${gpu.passed} webgpu passes, at least ${FLOAT32_CASES} expected`,
        );
        console.log(
          `webgpu on ${r.adapter?.architecture || r.adapter?.description}: ${gpu.passed} passed, ` +
            `${gpu.failed} failed, ${gpu.skipped} skipped in ${gpu.seconds.toFixed(1)} s`,
        );
      });
      await check("every shader the library created compiles on Chromium's compiler", (r) => {
        assert.deepEqual(r.shaders.rejected, []);
        assert.ok(r.shaders.created > 0, "no shader was created");
      });
      const deno = await largeLosses();
      await check("losses over tensors in the kernel arena give Deno's bits", (r) => {
        assert.ok(r.large !== null, "no run of the large losses");
        assert.equal(r.large.shared, true, "Chromium keeps large tensors in the arena");
        assert.deepEqual(r.large.losses, deno.losses);
      });
      await check("the tutorial prints what Deno prints, byte for byte", (r) => {
        assert.ok(r.tutorial !== null && r.tutorial.seeds === 10, "no tutorial run");
        r.tutorial.texts.forEach((text, seed) => assert.equal(text, tutorialText(seed)));
        assert.deepEqual(r.tutorial.mismatched, []);
      });
      await check("the benchmark times the five losses on both devices", (r) => {
        const ops = new Set(r.bench.map((b) => b.op));
        assert.deepEqual([...ops].sort(), [
          "cross_entropy",
          "hinge_embedding_loss",
          "l1_loss",
          "mse_loss",
          "nll_loss",
        ]);
        assert.deepEqual([...new Set(r.bench.map((b) => b.device))], ["cpu", "webgpu"]);
        for (const b of r.bench) assert.ok(b.ms > 0 && Number.isFinite(b.ms), JSON.stringify(b));
      });
      const screenshot = Deno.env.get("PAGE_SCREENSHOT");
      if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
