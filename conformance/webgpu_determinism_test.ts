/**
 * The same input gives the same bits on WebGPU: for every op, a few float32 fixture cases run
 * three times on the webgpu device, and the output and gradients must match bit for bit.
 * Skipped, with the reason printed, where there is no WebGPU adapter.
 */
import assert from "node:assert/strict";
import { parityAdapter, webgpuUnavailable } from "./adapters/parity.ts";
import {
  decodeFixtureTensor,
  decodeFixtureValue,
  type FixtureValue,
  loadFixtureFiles,
} from "./fixture.ts";
import { FIXTURES_DIR, isUnsupported, type OpCall, type OpResult } from "./runner.ts";

const missing = await webgpuUnavailable();
if (missing !== null) console.log(`webgpu determinism test skipped: ${missing}`);

/** The bits of every number a call returned, in order. */
function bits(result: OpResult): number[] {
  const out: number[] = [];
  const push = (data: unknown): void => {
    const f = data instanceof Float32Array ? data : new Float32Array(0);
    out.push(...new Uint32Array(f.buffer, f.byteOffset, f.length));
  };
  push(result.output.data);
  for (const g of Object.values(result.grads ?? {})) if (g !== null) push(g.data);
  return out;
}

/** The number of elements of a case's tensor arguments. */
function inputSize(args: readonly FixtureValue[]): number {
  let n = 0;
  for (const a of args) {
    if (typeof a === "object" && a !== null && !Array.isArray(a)) n += a.data.length;
  }
  return n;
}

Deno.test({
  name: "every op gives the same bits on three webgpu runs",
  ignore: missing !== null,
  fn: async (t) => {
    const adapter = parityAdapter("webgpu");
    const files = await loadFixtureFiles(FIXTURES_DIR);
    for (const file of files) {
      const cases = file.cases
        .filter((c) =>
          c.error === null && c.output?.dtype === "float32" &&
          c.args.every((a) =>
            typeof a !== "object" || a === null || Array.isArray(a) || a.dtype !== "float64"
          )
        )
        .sort((a, b) => inputSize(b.args) - inputSize(a.args))
        .slice(0, 3);
      for (const c of cases) {
        await t.step(`${file.op} ${c.id}`, async () => {
          const call = (): OpCall => ({
            args: c.args.map(decodeFixtureValue),
            kwargs: Object.fromEntries(
              Object.entries(c.kwargs).map(([k, v]) => [k, decodeFixtureValue(v)]),
            ),
            requiresGrad: [...c.requires_grad],
            gradOutput: c.grad_output === null ? null : decodeFixtureTensor(c.grad_output),
          });
          const runs: number[][] = [];
          for (let run = 0; run < 3; run++) {
            try {
              runs.push(bits(await adapter.ops[file.op](call())));
            } catch (e) {
              if (isUnsupported(e)) return; // cpu-only ops, float64
              throw e;
            }
          }
          assert.deepEqual(runs[1], runs[0], "second run differs from the first");
          assert.deepEqual(runs[2], runs[0], "third run differs from the first");
        });
      }
    }
  },
});
