/**
 * The one table from PyTorch's op names to this library's functions. The fixture runner,
 * `deno task conformance` and the benchmarks read it: adding a loss is one new row.
 *
 * @module
 */

import {
  crossEntropy,
  hingeEmbeddingLoss,
  l1Loss,
  logSoftmax,
  mseLoss,
  nllLoss,
  softmax,
  type Tensor,
} from "../mod.ts";
import { huberLoss, marginRankingLoss, smoothL1Loss, softMarginLoss } from "../mod.ts";
import { type CTCLengths, ctcLoss } from "../mod.ts";
import {
  cosineEmbeddingLoss,
  multilabelMarginLoss,
  multilabelSoftMarginLoss,
  multiMarginLoss,
} from "../mod.ts";
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  gaussianNllLoss,
  klDiv,
  poissonNllLoss,
} from "../mod.ts";

/** A fixture argument after decoding: a tensor, or a plain JSON value. */
export type ArgValue = Tensor | number | boolean | string | null | number[];

/** How to call one op from a fixture case. */
export interface OpSpec {
  /** PyTorch's `torch.nn.functional` name, e.g. `"cross_entropy"`; the fixture file's name. */
  torch: string;
  /** This library's function name, e.g. `"crossEntropy"`. */
  name: string;
  /** torch keyword → option name (`ignore_index` → `ignoreIndex`). */
  options: Readonly<Record<string, string>>;
  /** Indices of the positional arguments that can take a gradient. */
  differentiable: readonly number[];
  /** Calls the function with decoded positional arguments and mapped options. */
  call: (args: readonly ArgValue[], options: Record<string, ArgValue>) => Tensor;
}

function asTensor(v: ArgValue, what: string): Tensor {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TypeError(`${what} must be a tensor`);
  }
  return v;
}

function twoTensors(
  f: (a: Tensor, b: Tensor, options: Record<string, unknown>) => Tensor,
): OpSpec["call"] {
  return (args, options) => f(asTensor(args[0], "args[0]"), asTensor(args[1], "args[1]"), options);
}

function threeTensors(
  f: (a: Tensor, b: Tensor, c: Tensor, options: Record<string, unknown>) => Tensor,
): OpSpec["call"] {
  return (args, options) =>
    f(
      asTensor(args[0], "args[0]"),
      asTensor(args[1], "args[1]"),
      asTensor(args[2], "args[2]"),
      options,
    );
}

function alongDim(f: (input: Tensor, dim: number) => Tensor): OpSpec["call"] {
  return (args) => f(asTensor(args[0], "args[0]"), args[1] as number);
}

/** Every op the fixtures cover, by torch name. */
export const OPS: readonly OpSpec[] = [
  {
    torch: "l1_loss",
    name: "l1Loss",
    options: { reduction: "reduction" },
    differentiable: [0, 1],
    call: twoTensors(l1Loss),
  },
  {
    torch: "mse_loss",
    name: "mseLoss",
    options: { reduction: "reduction" },
    differentiable: [0, 1],
    call: twoTensors(mseLoss),
  },
  {
    torch: "nll_loss",
    name: "nllLoss",
    options: { weight: "weight", ignore_index: "ignoreIndex", reduction: "reduction" },
    differentiable: [0],
    call: twoTensors(nllLoss),
  },
  {
    torch: "cross_entropy",
    name: "crossEntropy",
    options: {
      weight: "weight",
      ignore_index: "ignoreIndex",
      reduction: "reduction",
      label_smoothing: "labelSmoothing",
    },
    differentiable: [0, 1],
    call: twoTensors(crossEntropy),
  },
  {
    torch: "hinge_embedding_loss",
    name: "hingeEmbeddingLoss",
    options: { margin: "margin", reduction: "reduction" },
    differentiable: [0],
    call: twoTensors(hingeEmbeddingLoss),
  },
  {
    torch: "log_softmax",
    name: "logSoftmax",
    options: {},
    differentiable: [0],
    call: alongDim(logSoftmax),
  },
  {
    torch: "softmax",
    name: "softmax",
    options: {},
    differentiable: [0],
    call: alongDim(softmax),
  },
  {
    torch: "smooth_l1_loss",
    name: "smoothL1Loss",
    options: { reduction: "reduction", beta: "beta" },
    differentiable: [0, 1],
    call: twoTensors(smoothL1Loss),
  },
  {
    torch: "huber_loss",
    name: "huberLoss",
    options: { reduction: "reduction", delta: "delta" },
    differentiable: [0, 1],
    call: twoTensors(huberLoss),
  },
  {
    torch: "soft_margin_loss",
    name: "softMarginLoss",
    options: { reduction: "reduction" },
    differentiable: [0],
    call: twoTensors(softMarginLoss),
  },
  {
    torch: "margin_ranking_loss",
    name: "marginRankingLoss",
    options: { margin: "margin", reduction: "reduction" },
    differentiable: [0, 1, 2],
    call: threeTensors(marginRankingLoss),
  },
  {
    torch: "multi_margin_loss",
    name: "multiMarginLoss",
    options: { p: "p", margin: "margin", weight: "weight", reduction: "reduction" },
    differentiable: [0],
    call: twoTensors(multiMarginLoss),
  },
  {
    torch: "multilabel_margin_loss",
    name: "multilabelMarginLoss",
    options: { reduction: "reduction" },
    differentiable: [0],
    call: twoTensors(multilabelMarginLoss),
  },
  {
    torch: "multilabel_soft_margin_loss",
    name: "multilabelSoftMarginLoss",
    options: { weight: "weight", reduction: "reduction" },
    differentiable: [0, 1],
    call: twoTensors(multilabelSoftMarginLoss),
  },
  {
    torch: "cosine_embedding_loss",
    name: "cosineEmbeddingLoss",
    options: { margin: "margin", reduction: "reduction" },
    differentiable: [0, 1],
    call: threeTensors(cosineEmbeddingLoss),
  },
  {
    torch: "ctc_loss",
    name: "ctcLoss",
    options: { blank: "blank", reduction: "reduction", zero_infinity: "zeroInfinity" },
    differentiable: [0],
    // Lengths arrive as int64 tensors or number arrays; anything else is passed on so that
    // ctcLoss itself rejects it, as torch does.
    call: (args, options) =>
      ctcLoss(
        asTensor(args[0], "args[0]"),
        asTensor(args[1], "args[1]"),
        args[2] as CTCLengths,
        args[3] as CTCLengths,
        options,
      ),
  },
  {
    torch: "binary_cross_entropy",
    name: "binaryCrossEntropy",
    options: { weight: "weight", reduction: "reduction" },
    differentiable: [0, 1],
    call: twoTensors(binaryCrossEntropy),
  },
  {
    torch: "binary_cross_entropy_with_logits",
    name: "binaryCrossEntropyWithLogits",
    options: { weight: "weight", reduction: "reduction", pos_weight: "posWeight" },
    differentiable: [0, 1],
    call: twoTensors(binaryCrossEntropyWithLogits),
  },
  {
    torch: "kl_div",
    name: "klDiv",
    options: { reduction: "reduction", log_target: "logTarget" },
    differentiable: [0, 1],
    call: twoTensors(klDiv),
  },
  {
    torch: "poisson_nll_loss",
    name: "poissonNllLoss",
    options: { log_input: "logInput", full: "full", eps: "eps", reduction: "reduction" },
    differentiable: [0, 1],
    call: twoTensors(poissonNllLoss),
  },
  {
    torch: "gaussian_nll_loss",
    name: "gaussianNllLoss",
    options: { full: "full", eps: "eps", reduction: "reduction" },
    differentiable: [0, 1, 2],
    call: (args, options) =>
      gaussianNllLoss(
        asTensor(args[0], "args[0]"),
        asTensor(args[1], "args[1]"),
        asTensor(args[2], "args[2]"),
        options,
      ),
  },
];

/** The spec for a torch op name, or `undefined`. */
export function opSpec(torch: string): OpSpec | undefined {
  return OPS.find((op) => op.torch === torch);
}
