/**
 * The tutorial's five examples (L1, MSE, NLL, cross-entropy, hinge embedding) with the inputs
 * it printed (four decimals) and the outputs it printed. The printed inputs are rounded, so a
 * faithful implementation lands within the error that this rounding can cause, which
 * {@linkcode runTutorial} computes from the gradients.
 *
 * @module
 */

import {
  CrossEntropyLoss,
  HingeEmbeddingLoss,
  L1Loss,
  LogSoftmax,
  MSELoss,
  NLLLoss,
  type Tensor,
  tensor,
} from "../mod.ts";

/** One example: the inputs the tutorial printed, its loss, and the value it printed. */
export interface TutorialExample {
  /** The tutorial's module, e.g. `nn.L1Loss()`. */
  name: string;
  /** The value the tutorial printed. */
  printed: number;
  /** The input it printed (float32). */
  input: number[][];
  /** The target it printed: floats, or class indices for NLL and cross-entropy. */
  target: number[][] | number[];
  /** Whether `target` holds int64 class indices. */
  classes: boolean;
  /**
   * Whether rounding the printed target moves the value (L1, MSE); hinge embedding's target
   * only selects branches, and none of its printed values is near ±1.
   */
  targetMoves: boolean;
  /** The tutorial's code from the tensors on, with the module forms it uses. */
  loss: (input: Tensor, target: Tensor) => Tensor;
}

/** The five examples, in the tutorial's order. */
export const TUTORIAL: readonly TutorialExample[] = [
  {
    name: "nn.L1Loss()",
    printed: 1.372,
    input: [
      [-1.1755, 1.5283, -0.7174, -1.3634, -0.3620, -1.2202],
      [-0.1568, 0.2724, 0.8901, -0.8379, -0.3100, -0.4176],
      [0.4500, 0.8241, 0.5357, 0.4286, 1.9292, -2.2875],
      [1.4657, -0.6260, 1.0961, 1.7617, -0.7118, 1.3014],
    ],
    target: [
      [1.4000, -0.6161, 0.4187, -0.8206, 0.9031, 0.2457],
      [2.3506, -0.0032, 2.6048, 0.1283, -1.4994, 1.9908],
      [2.1236, 1.4097, -0.1516, 0.8269, 1.5431, 0.2846],
      [0.0561, 0.0031, 1.0905, -0.8874, 2.4385, 0.7125],
    ],
    classes: false,
    targetMoves: true,
    loss: (input, target) => new L1Loss().forward(input, target),
  },
  {
    name: "nn.MSELoss()",
    printed: 1.5305,
    input: [
      [-1.0470, -1.5886, 1.1301, -0.5288, -0.3676],
      [-0.2339, 0.6762, 0.5807, 0.2500, -0.7708],
    ],
    target: [
      [-0.5139, 0.0780, -0.2450, 0.7559, 1.2605],
      [-0.4927, -0.5196, 1.9237, 1.5240, 0.2913],
    ],
    classes: false,
    targetMoves: true,
    loss: (input, target) => new MSELoss().forward(input, target),
  },
  {
    name: "nn.NLLLoss()",
    printed: 1.3336,
    input: [
      [0.2630, 1.6641, 0.4839, -0.1320, 1.2639],
      [0.5138, -0.5355, 0.7273, 0.7598, 1.5475],
      [1.0940, 0.1302, 0.0469, 0.7980, 1.1153],
    ],
    target: [1, 0, 4],
    classes: true,
    targetMoves: false,
    loss: (input, target) =>
      new NLLLoss().forward(new LogSoftmax({ dim: 1 }).forward(input), target),
  },
  {
    name: "nn.CrossEntropyLoss()",
    printed: 2.1839,
    input: [
      [0.1988, -1.1513, -0.6530, -0.5703, 1.2801],
      [0.6243, -0.2132, -0.4043, -1.3649, 0.9426],
      [0.9512, -0.6280, 0.6304, 0.4150, -1.1580],
    ],
    target: [3, 3, 0],
    classes: true,
    targetMoves: false,
    loss: (input, target) => new CrossEntropyLoss().forward(input, target),
  },
  {
    name: "nn.HingeEmbeddingLoss()",
    printed: 1.085,
    input: [
      [-0.4524, 1.8945, 1.3809, -0.3340, -0.7647],
      [-0.4622, 0.2943, -0.8341, -0.3378, 0.4770],
      [-1.1703, -0.2997, 0.6076, -0.4941, 0.9926],
    ],
    target: [
      [-0.2517, -0.2383, 0.2874, 1.7514, -1.2939],
      [-0.5958, 0.1940, 0.5979, -0.9577, 0.2096],
      [-1.0131, 0.4979, 0.3774, -1.3164, 1.8593],
    ],
    classes: false,
    targetMoves: false,
    loss: (input, target) => new HingeEmbeddingLoss().forward(input, target),
  },
];

/**
 * The example's tensors as the tutorial printed them: the input requires grad, and the
 * target too when `targetRequiresGrad` is set and rounding it moves the value.
 */
export function tutorialTensors(
  example: TutorialExample,
  targetRequiresGrad = false,
): { input: Tensor; target: Tensor } {
  const input = tensor(example.input, { requiresGrad: true });
  const target = example.classes
    ? tensor(example.target, { dtype: "int64" })
    : tensor(example.target, { requiresGrad: targetRequiresGrad && example.targetMoves });
  return { input, target };
}

/** What one example gives here. */
export interface TutorialResult {
  /** The example's name. */
  name: string;
  /** The tutorial's printed value. */
  printed: number;
  /** This library's value from the printed inputs. */
  value: number;
  /**
   * How far the true value can be from `value` because the inputs were printed to four
   * decimals (each off by up to 5e-5): sum of |d output / d input| × 5e-5, plus 5e-5 for
   * the rounding of the printed output itself.
   */
  bound: number;
}

/** Runs the five examples, with `output.backward()` as the tutorial does. */
export async function runTutorial(): Promise<TutorialResult[]> {
  const results: TutorialResult[] = [];
  for (const example of TUTORIAL) {
    const { input, target } = tutorialTensors(example, true);
    const output = example.loss(input, target);
    output.backward();
    let slope = 0;
    for (const t of [input, target]) {
      const g = t.grad === null ? new Float32Array() : await t.grad.data();
      for (const v of g) slope += Math.abs(Number(v));
    }
    results.push({
      name: example.name,
      printed: example.printed,
      value: output.item(),
      bound: slope * 5e-5 + 5e-5,
    });
  }
  return results;
}
