/**
 * `deno task conformance`: the conformance runner of `cli.ts` (`@parity/losses/cli`), which
 * without `--impl` runs this library on every available device; then, in that case, the
 * tutorial's five examples from the inputs it printed.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { main } from "./cli.ts";
import { markdownTable } from "./report.ts";
import { runTutorial } from "./tutorial.ts";

/** Whether the arguments ask for this library's own run (no `--impl`, no `--help`). */
function ownRun(args: readonly string[]): boolean {
  const { values } = parseArgs({ args: [...args], strict: false });
  return values.impl === undefined && !values.help && !values.reference;
}

if (import.meta.main) {
  const status = await main(Deno.args);
  if (status !== 2 && ownRun(Deno.args)) {
    console.log("\nThe tutorial's five examples, from the inputs it printed (four decimals):\n");
    const tutorial = await runTutorial();
    console.log(markdownTable([
      ["example", "tutorial printed", "this library", "input rounding allows"],
      ...tutorial.map((r) => [
        r.name,
        r.printed.toFixed(4),
        r.value.toFixed(6),
        `±${r.bound.toFixed(6)}`,
      ]),
    ]));
  }
  Deno.exit(status);
}
