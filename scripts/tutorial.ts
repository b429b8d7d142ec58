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
import {
  CrossEntropyLoss,
  HingeEmbeddingLoss,
  L1Loss,
  LogSoftmax,
  manualSeed,
  MSELoss,
  NLLLoss,
  randint,
  randn,
  type Tensor,
  tensor,
} from "../mod.ts";

const USAGE = `Usage: deno task tutorial [--seed N]

Runs the tutorial's five loss examples with @parity/losses and prints what PyTorch prints.
  --seed N  seed the generator as torch.manual_seed(N) (any integer in [-2^63, 2^64))
  --help    this text`;

/** Python's `print(label, value)`: the two joined by one space. */
function line(label: string, value: Tensor): string {
  return `${label} ${String(value)}\n`;
}

function report(input: Tensor, target: Tensor, output: Tensor): string {
  return line("input: ", input) + line("target: ", target) + line("output: ", output);
}

/**
 * What the tutorial's code prints under PyTorch after `torch.manual_seed(seed)`.
 *
 * @param seed The seed, as `torch.manual_seed`.
 * @returns The printed text, newline-terminated lines.
 */
export function tutorialText(seed: number | bigint): string {
  manualSeed(seed);
  let text = "";
  {
    const input = randn([4, 6], { requiresGrad: true });
    const target = randn([4, 6]);
    const output = new L1Loss().forward(input, target);
    output.backward();
    text += report(input, target, output);
  }
  {
    const input = randn([2, 5], { requiresGrad: true });
    const target = randn([2, 5]);
    const output = new MSELoss().forward(input, target);
    output.backward();
    text += report(input, target, output);
  }
  {
    const input = randn([3, 5], { requiresGrad: true });
    // every element in target should have 0 <= value < C
    const target = tensor([1, 0, 4], { dtype: "int64" });
    const m = new LogSoftmax({ dim: 1 });
    const output = new NLLLoss().forward(m.forward(input), target);
    output.backward();
    text += report(input, target, output);
  }
  {
    const input = randn([3, 5], { requiresGrad: true });
    const target = randint(0, 5, [3]); // torch.empty(3, dtype=torch.long).random_(5)
    const output = new CrossEntropyLoss().forward(input, target);
    output.backward();
    text += report(input, target, output);
  }
  {
    const input = randn([3, 5], { requiresGrad: true });
    const target = randn([3, 5]);
    const output = new HingeEmbeddingLoss().forward(input, target);
    output.backward();
    text += report(input, target, output);
  }
  return text;
}

/** The tutorial's own printed inputs and outputs (its text has PyTorch 1.x grad_fn names). */
const PRINTED: readonly {
  name: string;
  printed: string;
  run: () => { input: Tensor; target: Tensor; output: Tensor };
}[] = [
  {
    name: "nn.L1Loss()",
    printed: "1.3720",
    run: () => {
      const input = tensor([
        [-1.1755, 1.5283, -0.7174, -1.3634, -0.3620, -1.2202],
        [-0.1568, 0.2724, 0.8901, -0.8379, -0.3100, -0.4176],
        [0.4500, 0.8241, 0.5357, 0.4286, 1.9292, -2.2875],
        [1.4657, -0.6260, 1.0961, 1.7617, -0.7118, 1.3014],
      ], { requiresGrad: true });
      const target = tensor([
        [1.4000, -0.6161, 0.4187, -0.8206, 0.9031, 0.2457],
        [2.3506, -0.0032, 2.6048, 0.1283, -1.4994, 1.9908],
        [2.1236, 1.4097, -0.1516, 0.8269, 1.5431, 0.2846],
        [0.0561, 0.0031, 1.0905, -0.8874, 2.4385, 0.7125],
      ]);
      return { input, target, output: new L1Loss().forward(input, target) };
    },
  },
  {
    name: "nn.MSELoss()",
    printed: "1.5305",
    run: () => {
      const input = tensor([
        [-1.0470, -1.5886, 1.1301, -0.5288, -0.3676],
        [-0.2339, 0.6762, 0.5807, 0.2500, -0.7708],
      ], { requiresGrad: true });
      const target = tensor([
        [-0.5139, 0.0780, -0.2450, 0.7559, 1.2605],
        [-0.4927, -0.5196, 1.9237, 1.5240, 0.2913],
      ]);
      return { input, target, output: new MSELoss().forward(input, target) };
    },
  },
  {
    name: "nn.NLLLoss()",
    printed: "1.3336",
    run: () => {
      const input = tensor([
        [0.2630, 1.6641, 0.4839, -0.1320, 1.2639],
        [0.5138, -0.5355, 0.7273, 0.7598, 1.5475],
        [1.0940, 0.1302, 0.0469, 0.7980, 1.1153],
      ], { requiresGrad: true });
      const target = tensor([1, 0, 4], { dtype: "int64" });
      const output = new NLLLoss().forward(new LogSoftmax({ dim: 1 }).forward(input), target);
      return { input, target, output };
    },
  },
  {
    name: "nn.CrossEntropyLoss()",
    printed: "2.1839",
    run: () => {
      const input = tensor([
        [0.1988, -1.1513, -0.6530, -0.5703, 1.2801],
        [0.6243, -0.2132, -0.4043, -1.3649, 0.9426],
        [0.9512, -0.6280, 0.6304, 0.4150, -1.1580],
      ], { requiresGrad: true });
      const target = tensor([3, 3, 0], { dtype: "int64" });
      return { input, target, output: new CrossEntropyLoss().forward(input, target) };
    },
  },
  {
    name: "nn.HingeEmbeddingLoss()",
    printed: "1.0850",
    run: () => {
      const input = tensor([
        [-0.4524, 1.8945, 1.3809, -0.3340, -0.7647],
        [-0.4622, 0.2943, -0.8341, -0.3378, 0.4770],
        [-1.1703, -0.2997, 0.6076, -0.4941, 0.9926],
      ], { requiresGrad: true });
      const target = tensor([
        [-0.2517, -0.2383, 0.2874, 1.7514, -1.2939],
        [-0.5958, 0.1940, 0.5979, -0.9577, 0.2096],
        [-1.0131, 0.4979, 0.3774, -1.3164, 1.8593],
      ]);
      return { input, target, output: new HingeEmbeddingLoss().forward(input, target) };
    },
  },
];

/**
 * The tutorial's printed inputs run through this library, next to the outputs it printed. The
 * inputs were printed to four decimals, so an output can differ in its fourth decimal (MSE
 * gives 1.530551 from the rounded inputs, as PyTorch does, where the tutorial printed 1.5305).
 */
export function printedInputsText(): string {
  let text = "";
  for (const example of PRINTED) {
    const { input, target, output } = example.run();
    output.backward();
    text += `# ${example.name} on the inputs the tutorial printed\n`;
    text += report(input, target, output);
    text += `tutorial printed output: ${example.printed}, ours from these inputs: ` +
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
