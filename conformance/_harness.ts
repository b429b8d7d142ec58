/**
 * Turns one op's fixture file into a Deno test with one step per case and device.
 *
 * @module
 */

import assert from "node:assert/strict";
import { opSpec } from "./ops.ts";
import { DEVICES, loadFixtures, runCase } from "./runner.ts";

/** Registers `<torch> matches PyTorch`: every case of `fixtures/<torch>.json`. */
export function fixtureTest(torch: string): void {
  Deno.test(`${torch} matches PyTorch`, async (t) => {
    const spec = opSpec(torch);
    assert.ok(spec !== undefined, `conformance/ops.ts has no row for ${torch}`);
    const file = await loadFixtures(torch);
    assert.equal(file.op, torch);
    assert.ok(file.cases.length > 0, `fixtures/${torch}.json has no cases`);
    for (const device of DEVICES) {
      for (const c of file.cases) {
        await t.step(`${device} ${c.id}`, async () => {
          const result = await runCase(spec, c, device);
          assert.notEqual(result.status, "fail", result.message);
        });
      }
    }
  });
}
