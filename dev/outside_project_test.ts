/**
 * The runner as an outside project uses it: a folder outside the repository with its own
 * deno.json, an adapter that imports an npm package (jax-js), and `deno run -A
 * jsr:@parity/losses/cli`. JSR is not reachable from the test machines, so the folder's
 * deno.json links `@parity/losses` to this checkout (`"links"`), which is how Deno resolves a
 * JSR package to a local copy; the command is the one a user types.
 *
 * The adapter first gets mse_loss's "sum" wrong; `--write-expectations` records the failures,
 * `--expectations` then exits 0, and once the adapter is fixed the run names the cases that
 * now pass.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** An adapter of mse_loss in jax-js; `sum` picks how it reduces for "sum". */
function adapterSource(sum: "np.sum" | "np.mean"): string {
  return `import { init, numpy as np, vjp } from "@jax-js/jax";
import type { Adapter, ArrayTensor } from "@parity/losses/conformance";

await init("wasm");

const skip = (reason: string): never => {
  throw Object.assign(new Error(reason), {
    [Symbol.for("@parity/losses/conformance.unsupported")]: true,
  });
};

const adapter: Adapter = {
  name: "jax-js mse",
  ops: {
    mse_loss: ({ args, kwargs, requiresGrad, gradOutput }) => {
      const [x, y] = args as ArrayTensor[];
      if (x.dtype !== "float32" || y.dtype !== "float32") skip("float32 only here");
      const reduction = (kwargs.reduction as string | undefined) ?? "mean";
      if (!["none", "mean", "sum"].includes(reduction)) throw new Error("bad reduction");
      const f = (a: np.Array, b: np.Array) => {
        const d = np.square(np.subtract(a, b));
        return reduction === "none" ? d : reduction === "sum" ? ${sum}(d) : np.mean(d);
      };
      const array = (t: ArrayTensor) => np.array(Float32Array.from(t.data as Float32Array), { shape: t.shape });
      const [out, back] = vjp(f, [array(x), array(y)]);
      const plain = (t: np.Array): ArrayTensor => ({ dtype: "float32", shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) });
      const output = plain(out.ref);
      if (gradOutput === null || requiresGrad.length === 0) return { output };
      const [gx, gy] = back(array(gradOutput)) as np.Array[];
      return { output, grads: { 0: plain(gx), 1: plain(gy) } };
    },
  },
};
export default adapter;
`;
}

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "jsr:@parity/losses/cli", "--impl", "./adapter.ts", ...args],
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, out: decode(stdout) + decode(stderr) };
}

Deno.test("an outside project runs its npm-based adapter through the ./cli export", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parity-outside-" });
  try {
    assert.ok(!dir.startsWith(ROOT));
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: { "@jax-js/jax": "npm:@jax-js/jax@0.1.25" }, links: [ROOT] }),
    );
    await Deno.writeTextFile(`${dir}/adapter.ts`, adapterSource("np.mean"));
    const select = ["--ops", "mse_loss", "--dtypes", "float32"];

    const baseline = await cli(dir, ...select, "--write-expectations", "base.json");
    assert.equal(baseline.code, 1, baseline.out);
    assert.match(baseline.out, /\| mse_loss +\| +\d+ \|/);
    const written = JSON.parse(await Deno.readTextFile(`${dir}/base.json`));
    const listed: string[] = written.failures.map((f: { case: string }) => f.case);
    // mse_loss of empty input fails too (np.array of no elements throws in jax-js 0.1.25).
    const sumCases = listed.filter((id) => id.startsWith("mse_loss/sum/") && !/\/0(x3)?$/.test(id));
    assert.ok(sumCases.length > 5, listed.join());
    const judged = await cli(dir, ...select, "--expectations", "base.json", "--junit", "out.xml");
    assert.equal(judged.code, 0, judged.out);
    assert.match(
      judged.out,
      new RegExp(`${listed.length} failures? listed in base\\.json, 0 failures not listed`),
    );
    assert.match(await Deno.readTextFile(`${dir}/out.xml`), /<skipped message="expected failure/);

    await Deno.writeTextFile(`${dir}/adapter.ts`, adapterSource("np.sum"));
    const fixed = await cli(dir, ...select, "--expectations", "base.json");
    assert.equal(fixed.code, 0, fixed.out);
    assert.match(fixed.out, /listed cases? now pass; remove them from base\.json/);
    const now = [...fixed.out.matchAll(/now passes: (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(now.sort(), sumCases.sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
