/**
 * `deno task tutorial [--seed N]`: the PyTorch loss-function tutorial's five examples (L1,
 * MSE, NLL, cross-entropy, hinge embedding), run with this library exactly as the tutorial's
 * code runs them in PyTorch: the same draws from the same generator, `output.backward()`,
 * and the same printed text. With `--seed N` the output is what PyTorch 1.13 prints for the
 * tutorial's code after `torch.manual_seed(N)`, byte for byte (checked for seeds 0 to 9).
 *
 * Without `--seed` it prints the seed-0 run and then the tutorial's own printed inputs, with
 * the outputs the tutorial printed next to what this library computes from those inputs.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { TUTORIAL, tutorialTensors } from "../conformance/tutorial.ts";
import { report, tutorialText } from "./tutorial_text.ts";

const USAGE = `Usage: deno task tutorial [--seed N]

Runs the tutorial's five loss examples with @parity/losses and prints what PyTorch prints.
  --seed N  seed the generator as torch.manual_seed(N) (any integer in [-2^63, 2^64))
  --help    this text`;

/**
 * The tutorial's printed inputs run through this library, next to the outputs it printed. The
 * inputs were printed to four decimals, so an output can differ in its fourth decimal (MSE
 * gives 1.530551 from the rounded inputs, as PyTorch does, where the tutorial printed 1.5305).
 */
export function printedInputsText(): string {
  let text = "";
  for (const example of TUTORIAL) {
    const { input, target } = tutorialTensors(example);
    const output = example.loss(input, target);
    output.backward();
    text += `# ${example.name} on the inputs the tutorial printed\n`;
    text += report(input, target, output);
    text += `tutorial printed output: ${example.printed.toFixed(4)}, ours from these inputs: ` +
      `${output.item().toFixed(6)}\n\n`;
  }
  return text;
}

function writeAll(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let done = 0;
  while (done < bytes.length) done += Deno.stdout.writeSync(bytes.subarray(done));
}

/** Runs the command line; returns the exit code. */
export function main(args: string[]): number {
  let values: { seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { seed: { type: "string" }, help: { type: "boolean" } },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.seed !== undefined) {
    if (!/^-?\d+$/.test(values.seed)) {
      console.error(`--seed must be an integer: got ${values.seed}\n\n${USAGE}`);
      return 2;
    }
    try {
      writeAll(tutorialText(BigInt(values.seed)));
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      return 2;
    }
    return 0;
  }
  console.log("# torch.manual_seed(0), then the tutorial's code (deno task tutorial --seed 0)");
  writeAll(tutorialText(0));
  console.log();
  console.log(printedInputsText().trimEnd());
  return 0;
}

if (import.meta.main) {
  Deno.exit(main(Deno.args));
}
