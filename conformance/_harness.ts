/**
 * Turns one op's fixture file into a Deno test with one step per case and device.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DEVICES, parityAdapter } from "./adapters/parity.ts";
import { loadFixtureFile } from "./fixture.ts";
import { opSpec } from "./ops.ts";
import { FIXTURES_DIR, runCase } from "./runner.ts";

/** Registers `<torch> matches PyTorch`: every case of `fixtures/<torch>.json`. */
export function fixtureTest(torch: string): void {
  Deno.test(`${torch} matches PyTorch`, async (t) => {
    assert.ok(opSpec(torch) !== undefined, `conformance/ops.ts has no row for ${torch}`);
    const file = await loadFixtureFile(new URL(`${torch}.json`, FIXTURES_DIR));
    assert.equal(file.op, torch);
    assert.ok(file.cases.length > 0, `fixtures/${torch}.json has no cases`);
    for (const device of DEVICES) {
      const adapter = parityAdapter(device);
      for (const c of file.cases) {
        await t.step(`${device} ${c.id}`, async () => {
          const result = await runCase(adapter, torch, c);
          assert.ok(result.status === "pass" || result.status === "skip", result.message);
        });
      }
    }
  });
}
