/**
 * The text the PyTorch loss-function tutorial's code prints, made with this library: the same
 * draws from the same generator, `output.backward()`, and PyTorch's printed text. Free of
 * Deno's APIs, so that the same code runs in `deno task tutorial`, in the browser page
 * (`deno task browser`) and under Node and Bun. It imports the package by its name, so a
 * bundle for another runtime can leave the package out and take it from where that runtime
 * installed it.
 *
 * @module
 */

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
} from "@parity/losses";

/** Python's `print(label, value)`: the two joined by one space. */
function line(label: string, value: Tensor): string {
  return `${label} ${String(value)}\n`;
}

/** What the tutorial prints for one example: its input, target and output. */
export function report(input: Tensor, target: Tensor, output: Tensor): string {
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
