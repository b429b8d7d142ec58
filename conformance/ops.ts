/**
 * The one table from PyTorch's op names to this library's functions. The fixture runner,
 * `deno task conformance` and the benchmarks read it: adding a loss is one new row.
 *
 * @module
 */

import {
  abs,
  add,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  clamp,
  clampMin,
  cosineEmbeddingLoss,
  crossEntropy,
  type CTCLengths,
  ctcLoss,
  div,
  gaussianNllLoss,
  hingeEmbeddingLoss,
  huberLoss,
  klDiv,
  l1Loss,
  logSoftmax,
  marginRankingLoss,
  maximum,
  mean,
  minimum,
  mseLoss,
  mul,
  multilabelMarginLoss,
  multilabelSoftMarginLoss,
  multiMarginLoss,
  neg,
  nllLoss,
  pairwiseDistance,
  poissonNllLoss,
  pow,
  smoothL1Loss,
  softMarginLoss,
  softmax,
  sqrt,
  sub,
  sum,
  type Tensor,
  tripletMarginLoss,
  tripletMarginWithDistanceLoss,
} from "../mod.ts";
import { RANDOM_DOCS, RANDOM_OPTIONS, randomCall } from "./_random.ts";
import type { FixtureDType } from "./fixture.ts";
import type { ParamDoc } from "./param_doc.ts";

export type { ParamDoc } from "./param_doc.ts";

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
  /** The positional arguments, in torch's order. */
  args: readonly ParamDoc[];
  /** The keyword arguments the fixtures use (`options`' keys), with torch's defaults. */
  kwargs: readonly ParamDoc[];
  /** Calls the function with decoded positional arguments and mapped options. */
  call: (args: readonly ArgValue[], options: Record<string, ArgValue>) => Tensor;
}

const FLOAT: readonly FixtureDType[] = ["float32", "float64"];

/** A tensor parameter. */
function tensorDoc(name: string, note?: string, dtypes: readonly FixtureDType[] = FLOAT): ParamDoc {
  return { name, type: "tensor", dtypes, ...(note === undefined ? {} : { note }) };
}

/** A keyword parameter. */
function kwDoc(
  name: string,
  type: string,
  defaultValue: string,
  extra: Partial<ParamDoc> = {},
): ParamDoc {
  return { name, type, default: defaultValue, ...extra };
}

const REDUCTION: ParamDoc = kwDoc("reduction", "string", '"mean"', {
  values: '"none", "mean", "sum"',
});
const INPUT_TARGET: readonly ParamDoc[] = [
  tensorDoc("input", "any shape"),
  tensorDoc("target", "broadcasts with input"),
];
const CLASS_WEIGHT: ParamDoc = kwDoc("weight", "tensor or None", "None", {
  dtypes: FLOAT,
  note: "one weight per class, (C)",
});

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

/** A number option as fixtures write it: `"inf"`, `"-inf"` and `"nan"` are strings there. */
function asNumberOption(v: ArgValue | undefined): ArgValue | undefined {
  return v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : v;
}

/** Options with the named number options decoded by {@linkcode asNumberOption}. */
function numberOptions(
  options: Record<string, ArgValue>,
  names: readonly string[],
): Record<string, ArgValue> {
  const out = { ...options };
  for (const name of names) {
    if (name in out) out[name] = asNumberOption(out[name]) as ArgValue;
  }
  return out;
}

/** A tensor or a number (binary ops take a number on either side). */
function asOperand(v: ArgValue, what: string): Tensor | number {
  return typeof v === "number" ? v : asTensor(v, what);
}

/**
 * The distances the triplet_margin_with_distance_loss fixtures name in `distance_function`
 * (a fixture cannot hold a function). scripts/fixture_cases/triplet_margin_with_distance_loss.py
 * defines the same names with torch's ops, step for step.
 */
export const NAMED_DISTANCES: Readonly<Record<string, (a: Tensor, b: Tensor) => Tensor>> = {
  // F.pairwise_distance(a, b)
  pairwise: (a, b) => pairwiseDistance(a, b),
  // F.pairwise_distance(a, b, p=1.0, eps=0.0)
  pairwise_p1: (a, b) => pairwiseDistance(a, b, { p: 1, eps: 0 }),
  // (a - b).abs().sum(-1)
  l1: (a, b) => sum(abs(sub(a, b)), { dim: -1 }),
  // (a - b).pow(2).sum(-1)
  squared: (a, b) => sum(pow(sub(a, b), 2), { dim: -1 }),
  // (a - b).pow(2).sum(-1).sqrt(): no eps, so a zero distance has a nan gradient
  euclidean: (a, b) => sqrt(sum(pow(sub(a, b), 2), { dim: -1 })),
  // (a - b).abs().pow(3).mean(-1)
  mean_cubed: (a, b) => mean(pow(abs(sub(a, b)), 3), { dim: -1 }),
  // 1 - (a * b).sum(-1) / ((a * a).sum(-1) * (b * b).sum(-1)).sqrt()
  cosine: (a, b) =>
    sub(
      1,
      div(
        sum(mul(a, b), { dim: -1 }),
        sqrt(mul(sum(mul(a, a), { dim: -1 }), sum(mul(b, b), { dim: -1 }))),
      ),
    ),
  // lambda a, b: 1.0 (not a tensor: an error case)
  not_a_tensor: () => 1 as unknown as Tensor,
};

/** What each of {@linkcode NAMED_DISTANCES} computes, in torch's terms, for the reference. */
export const NAMED_DISTANCE_FORMULAS: Readonly<Record<string, string>> = {
  pairwise: "F.pairwise_distance(a, b)",
  pairwise_p1: "F.pairwise_distance(a, b, p=1.0, eps=0.0)",
  l1: "(a - b).abs().sum(-1)",
  squared: "(a - b).pow(2).sum(-1)",
  euclidean: "(a - b).pow(2).sum(-1).sqrt()",
  mean_cubed: "(a - b).abs().pow(3).mean(-1)",
  cosine: "1 - (a * b).sum(-1) / ((a * a).sum(-1) * (b * b).sum(-1)).sqrt()",
  not_a_tensor: "lambda a, b: 1.0",
};

function tripletWithDistance(args: readonly ArgValue[], options: Record<string, ArgValue>): Tensor {
  const { distanceFunction, ...rest } = numberOptions(options, ["margin"]);
  const named = typeof distanceFunction === "string"
    ? NAMED_DISTANCES[distanceFunction]
    : undefined;
  if (distanceFunction !== undefined && named === undefined) {
    throw new TypeError(`unknown distance_function ${String(distanceFunction)}`);
  }
  return tripletMarginWithDistanceLoss(
    asTensor(args[0], "args[0]"),
    asTensor(args[1], "args[1]"),
    asTensor(args[2], "args[2]"),
    { ...rest, ...(named === undefined ? {} : { distanceFunction: named }) },
  );
}

function binaryRow(
  torch: string,
  name: string,
  f: (a: Tensor | number, b: Tensor | number) => Tensor,
  numbers = true,
): OpSpec {
  const operand = (n: string, note: string): ParamDoc => ({
    name: n,
    type: numbers ? "tensor or number" : "tensor",
    dtypes: FLOAT,
    note: numbers ? `${note}; one side may be a number` : note,
  });
  return {
    torch,
    name,
    options: {},
    differentiable: [0, 1],
    args: [operand("input", "any shape"), operand("other", "broadcasts with input")],
    kwargs: [],
    call: (args) => f(asOperand(args[0], "args[0]"), asOperand(args[1], "args[1]")),
  };
}

function unaryRow(torch: string, name: string, f: (input: Tensor) => Tensor): OpSpec {
  return {
    torch,
    name,
    options: {},
    differentiable: [0],
    args: [tensorDoc("input", "any shape")],
    kwargs: [],
    call: (args) => f(asTensor(args[0], "args[0]")),
  };
}

function reduceRow(torch: string, name: string, f: typeof sum): OpSpec {
  return {
    torch,
    name,
    options: { dim: "dim", keepdim: "keepdim" },
    differentiable: [0],
    args: [tensorDoc("input", "any shape")],
    kwargs: [
      kwDoc("dim", "int or None", "None", { note: "None reduces every dimension" }),
      kwDoc("keepdim", "bool", "False"),
    ],
    call: (args, options) => f(asTensor(args[0], "args[0]"), options),
  };
}

/** The triplet losses and the tensor ops a custom distance is built from. */
const TRIPLET_OPS: readonly OpSpec[] = [
  {
    torch: "triplet_margin_loss",
    name: "tripletMarginLoss",
    options: { margin: "margin", p: "p", eps: "eps", swap: "swap", reduction: "reduction" },
    differentiable: [0, 1, 2],
    args: [
      tensorDoc("anchor", "(N, D) or (D)", ["float32", "float64", "int64"]),
      tensorDoc("positive", "broadcasts with anchor", ["float32", "float64", "int64"]),
      tensorDoc("negative", "broadcasts with anchor", ["float32", "float64", "int64"]),
    ],
    kwargs: [
      kwDoc("margin", "number", "1.0"),
      kwDoc("p", "number", "2.0", { note: '"inf" and "-inf" arrive as Infinity and -Infinity' }),
      kwDoc("eps", "number", "1e-06"),
      kwDoc("swap", "bool", "False"),
      REDUCTION,
    ],
    call: (args, options) =>
      tripletMarginLoss(
        asTensor(args[0], "args[0]"),
        asTensor(args[1], "args[1]"),
        asTensor(args[2], "args[2]"),
        numberOptions(options, ["margin", "p", "eps"]),
      ),
  },
  {
    torch: "triplet_margin_with_distance_loss",
    name: "tripletMarginWithDistanceLoss",
    options: {
      distance_function: "distanceFunction",
      margin: "margin",
      swap: "swap",
      reduction: "reduction",
    },
    differentiable: [0, 1, 2],
    args: [
      tensorDoc("anchor", "(N, D) or (D)", ["float32", "float64", "int64"]),
      tensorDoc("positive", "broadcasts with anchor", ["float32", "float64", "int64"]),
      tensorDoc("negative", "broadcasts with anchor", ["float32", "float64", "int64"]),
    ],
    kwargs: [
      kwDoc("distance_function", "string", "None", {
        values: "a named distance (below); None is pairwise_distance",
      }),
      kwDoc("margin", "number", "1.0"),
      kwDoc("swap", "bool", "False"),
      REDUCTION,
    ],
    call: tripletWithDistance,
  },
  {
    torch: "pairwise_distance",
    name: "pairwiseDistance",
    options: { p: "p", eps: "eps", keepdim: "keepdim" },
    differentiable: [0, 1],
    args: [
      tensorDoc("x1", "(N, D) or (D)", ["float32", "float64", "int64"]),
      tensorDoc("x2", "broadcasts with x1", ["float32", "float64", "int64"]),
    ],
    kwargs: [
      kwDoc("p", "number", "2.0", { note: '"inf" and "-inf" arrive as Infinity and -Infinity' }),
      kwDoc("eps", "number", "1e-06"),
      kwDoc("keepdim", "bool", "False"),
    ],
    call: (args, options) =>
      pairwiseDistance(
        asTensor(args[0], "args[0]"),
        asTensor(args[1], "args[1]"),
        numberOptions(options, ["p", "eps"]),
      ),
  },
  binaryRow("add", "add", add),
  binaryRow("sub", "sub", sub),
  binaryRow("mul", "mul", mul),
  binaryRow("div", "div", div),
  binaryRow("minimum", "minimum", (a, b) => minimum(a as Tensor, b as Tensor), false),
  binaryRow("maximum", "maximum", (a, b) => maximum(a as Tensor, b as Tensor), false),
  unaryRow("neg", "neg", neg),
  unaryRow("abs", "abs", abs),
  unaryRow("sqrt", "sqrt", sqrt),
  {
    torch: "pow",
    name: "pow",
    options: {},
    differentiable: [0],
    args: [tensorDoc("input", "any shape"), { name: "exponent", type: "number" }],
    kwargs: [],
    call: (args) => pow(asTensor(args[0], "args[0]"), asNumberOption(args[1]) as number),
  },
  {
    torch: "clamp_min",
    name: "clampMin",
    options: {},
    differentiable: [0],
    args: [tensorDoc("input", "any shape"), { name: "min", type: "number" }],
    kwargs: [],
    call: (args) => clampMin(asTensor(args[0], "args[0]"), asNumberOption(args[1]) as number),
  },
  {
    torch: "clamp",
    name: "clamp",
    options: { min: "min", max: "max" },
    differentiable: [0],
    args: [tensorDoc("input", "any shape")],
    kwargs: [
      kwDoc("min", "number or None", "None"),
      kwDoc("max", "number or None", "None", { note: "at least one of min and max" }),
    ],
    call: (args, options) =>
      clamp(asTensor(args[0], "args[0]"), numberOptions(options, ["min", "max"])),
  },
  reduceRow("sum", "sum", sum),
  reduceRow("mean", "mean", mean),
];

/** Every op the fixtures cover, by torch name. */
export const OPS: readonly OpSpec[] = [
  {
    torch: "l1_loss",
    name: "l1Loss",
    options: { reduction: "reduction" },
    differentiable: [0, 1],
    args: INPUT_TARGET,
    kwargs: [REDUCTION],
    call: twoTensors(l1Loss),
  },
  {
    torch: "mse_loss",
    name: "mseLoss",
    options: { reduction: "reduction" },
    differentiable: [0, 1],
    args: INPUT_TARGET,
    kwargs: [REDUCTION],
    call: twoTensors(mseLoss),
  },
  {
    torch: "nll_loss",
    name: "nllLoss",
    options: { weight: "weight", ignore_index: "ignoreIndex", reduction: "reduction" },
    differentiable: [0],
    args: [
      tensorDoc("input", "log-probabilities (C), (N, C) or (N, C, d1, ...)"),
      tensorDoc("target", "class indices in [0, C), (), (N) or (N, d1, ...)", ["int64"]),
    ],
    kwargs: [
      CLASS_WEIGHT,
      kwDoc("ignore_index", "int", "-100", { note: "targets equal to it count nothing" }),
      REDUCTION,
    ],
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
    args: [
      tensorDoc("input", "class scores (C), (N, C) or (N, C, d1, ...)"),
      tensorDoc(
        "target",
        "class indices in [0, C) shaped as nll_loss's, or class probabilities shaped like input",
        ["int64", "float32", "float64"],
      ),
    ],
    kwargs: [
      CLASS_WEIGHT,
      kwDoc("ignore_index", "int", "-100", {
        note: "class-index targets only: targets equal to it count nothing",
      }),
      REDUCTION,
      kwDoc("label_smoothing", "number", "0.0", { values: "0.0 to 1.0" }),
    ],
    call: twoTensors(crossEntropy),
  },
  {
    torch: "hinge_embedding_loss",
    name: "hingeEmbeddingLoss",
    options: { margin: "margin", reduction: "reduction" },
    differentiable: [0],
    args: [
      tensorDoc("input", "any shape"),
      tensorDoc("target", "1 or -1 (other values select neither branch), broadcasts with input"),
    ],
    kwargs: [kwDoc("margin", "number", "1.0"), REDUCTION],
    call: twoTensors(hingeEmbeddingLoss),
  },
  {
    torch: "log_softmax",
    name: "logSoftmax",
    options: {},
    differentiable: [0],
    args: [
      tensorDoc("input", "any shape"),
      { name: "dim", type: "int", values: "-max(rank, 1) to max(rank, 1) - 1" },
    ],
    kwargs: [],
    call: alongDim(logSoftmax),
  },
  {
    torch: "softmax",
    name: "softmax",
    options: {},
    differentiable: [0],
    args: [
      tensorDoc("input", "any shape"),
      { name: "dim", type: "int", values: "-max(rank, 1) to max(rank, 1) - 1" },
    ],
    kwargs: [],
    call: alongDim(softmax),
  },
  {
    torch: "smooth_l1_loss",
    name: "smoothL1Loss",
    options: { reduction: "reduction", beta: "beta" },
    differentiable: [0, 1],
    args: INPUT_TARGET,
    kwargs: [REDUCTION, kwDoc("beta", "number", "1.0", { values: ">= 0" })],
    call: twoTensors(smoothL1Loss),
  },
  {
    torch: "huber_loss",
    name: "huberLoss",
    options: { reduction: "reduction", delta: "delta" },
    differentiable: [0, 1],
    args: INPUT_TARGET,
    kwargs: [REDUCTION, kwDoc("delta", "number", "1.0", { values: "> 0" })],
    call: twoTensors(huberLoss),
  },
  {
    torch: "soft_margin_loss",
    name: "softMarginLoss",
    options: { reduction: "reduction" },
    differentiable: [0],
    args: [
      tensorDoc("input", "any shape"),
      tensorDoc("target", "1 or -1, broadcasts with input", ["float32", "float64", "int64"]),
    ],
    kwargs: [REDUCTION],
    call: twoTensors(softMarginLoss),
  },
  {
    torch: "margin_ranking_loss",
    name: "marginRankingLoss",
    options: { margin: "margin", reduction: "reduction" },
    differentiable: [0, 1, 2],
    args: [
      tensorDoc("input1", "(N) or ()"),
      tensorDoc("input2", "(N) or ()"),
      tensorDoc("target", "1 or -1, (N) or ()", ["float32", "float64", "int64"]),
    ],
    kwargs: [kwDoc("margin", "number", "0.0"), REDUCTION],
    call: threeTensors(marginRankingLoss),
  },
  {
    torch: "multi_margin_loss",
    name: "multiMarginLoss",
    options: { p: "p", margin: "margin", weight: "weight", reduction: "reduction" },
    differentiable: [0],
    args: [
      tensorDoc("input", "class scores (C) or (N, C)"),
      tensorDoc("target", "class indices in [0, C), () or (N)", ["int64"]),
    ],
    kwargs: [
      kwDoc("p", "int", "1", { values: "1, 2" }),
      kwDoc("margin", "number", "1.0"),
      CLASS_WEIGHT,
      REDUCTION,
    ],
    call: twoTensors(multiMarginLoss),
  },
  {
    torch: "multilabel_margin_loss",
    name: "multilabelMarginLoss",
    options: { reduction: "reduction" },
    differentiable: [0],
    args: [
      tensorDoc("input", "class scores (C) or (N, C)"),
      tensorDoc(
        "target",
        "class indices in [0, C) shaped like input, the first -1 ends each row's list",
        ["int64"],
      ),
    ],
    kwargs: [REDUCTION],
    call: twoTensors(multilabelMarginLoss),
  },
  {
    torch: "multilabel_soft_margin_loss",
    name: "multilabelSoftMarginLoss",
    options: { weight: "weight", reduction: "reduction" },
    differentiable: [0, 1],
    args: [
      tensorDoc("input", "class scores (C) or (N, C)"),
      tensorDoc("target", "0 or 1 per class, broadcasts with input", [
        "float32",
        "float64",
        "int64",
      ]),
    ],
    kwargs: [
      kwDoc("weight", "tensor or None", "None", {
        dtypes: FLOAT,
        note: "broadcasts with input",
      }),
      REDUCTION,
    ],
    call: twoTensors(multilabelSoftMarginLoss),
  },
  {
    torch: "cosine_embedding_loss",
    name: "cosineEmbeddingLoss",
    options: { margin: "margin", reduction: "reduction" },
    differentiable: [0, 1],
    args: [
      tensorDoc("input1", "(N, D) or (D)"),
      tensorDoc("input2", "(N, D) or (D), broadcasts with input1"),
      tensorDoc("target", "1 or -1, (N) or ()", ["int64", "float32", "float64", "bool"]),
    ],
    kwargs: [kwDoc("margin", "number", "0.0", { values: "-1 to 1" }), REDUCTION],
    call: threeTensors(cosineEmbeddingLoss),
  },
  {
    torch: "ctc_loss",
    name: "ctcLoss",
    options: { blank: "blank", reduction: "reduction", zero_infinity: "zeroInfinity" },
    differentiable: [0],
    args: [
      tensorDoc("log_probs", "(T, N, C) or (T, C), log-probabilities over C classes"),
      tensorDoc(
        "targets",
        "class indices in [0, C) other than blank, (N, S) padded or all targets concatenated",
        ["int64", "float32", "float64", "bool"],
      ),
      {
        name: "input_lengths",
        type: "int64 tensor or list of ints",
        dtypes: ["int64"],
        note: "(N) or (), each at most T",
      },
      {
        name: "target_lengths",
        type: "int64 tensor or list of ints",
        dtypes: ["int64"],
        note: "(N) or ()",
      },
    ],
    kwargs: [
      kwDoc("blank", "int", "0", { values: "0 to C - 1" }),
      REDUCTION,
      kwDoc("zero_infinity", "bool", "False"),
    ],
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
  ...TRIPLET_OPS,
  {
    torch: "binary_cross_entropy",
    name: "binaryCrossEntropy",
    options: { weight: "weight", reduction: "reduction" },
    differentiable: [0, 1],
    args: [
      tensorDoc("input", "probabilities in [0, 1], any shape"),
      tensorDoc("target", "the shape of input"),
    ],
    kwargs: [
      kwDoc("weight", "tensor or None", "None", { dtypes: FLOAT, note: "broadcasts with input" }),
      REDUCTION,
    ],
    call: twoTensors(binaryCrossEntropy),
  },
  {
    torch: "binary_cross_entropy_with_logits",
    name: "binaryCrossEntropyWithLogits",
    options: { weight: "weight", reduction: "reduction", pos_weight: "posWeight" },
    differentiable: [0, 1],
    args: [
      tensorDoc("input", "logits, any shape"),
      tensorDoc("target", "the shape of input"),
    ],
    kwargs: [
      kwDoc("weight", "tensor or None", "None", { dtypes: FLOAT, note: "broadcasts with input" }),
      REDUCTION,
      kwDoc("pos_weight", "tensor or None", "None", {
        dtypes: FLOAT,
        note: "a weight per class, broadcasts with input's last dimension",
      }),
    ],
    call: twoTensors(binaryCrossEntropyWithLogits),
  },
  {
    torch: "kl_div",
    name: "klDiv",
    options: { reduction: "reduction", log_target: "logTarget" },
    differentiable: [0, 1],
    args: [
      tensorDoc("input", "log-probabilities, any shape"),
      tensorDoc("target", "probabilities (log-probabilities with log_target), broadcasts"),
    ],
    kwargs: [
      kwDoc("reduction", "string", '"mean"', { values: '"none", "batchmean", "mean", "sum"' }),
      kwDoc("log_target", "bool", "False"),
    ],
    call: twoTensors(klDiv),
  },
  {
    torch: "poisson_nll_loss",
    name: "poissonNllLoss",
    options: { log_input: "logInput", full: "full", eps: "eps", reduction: "reduction" },
    differentiable: [0, 1],
    args: INPUT_TARGET,
    kwargs: [
      kwDoc("log_input", "bool", "True"),
      kwDoc("full", "bool", "False", { note: "adds Stirling's term for targets above 1" }),
      kwDoc("eps", "number", "1e-08"),
      REDUCTION,
    ],
    call: twoTensors(poissonNllLoss),
  },
  {
    torch: "gaussian_nll_loss",
    name: "gaussianNllLoss",
    options: { full: "full", eps: "eps", reduction: "reduction" },
    differentiable: [0, 1, 2],
    args: [
      tensorDoc("input", "(N, ...) or (...)"),
      tensorDoc("target", "broadcasts with input"),
      tensorDoc("var", "input's shape, or with the last dimension 1 or left out; >= 0"),
    ],
    kwargs: [
      kwDoc("full", "bool", "False"),
      kwDoc("eps", "number", "1e-06", { note: "var is clamped to at least eps" }),
      REDUCTION,
    ],
    call: (args, options) =>
      gaussianNllLoss(
        asTensor(args[0], "args[0]"),
        asTensor(args[1], "args[1]"),
        asTensor(args[2], "args[2]"),
        options,
      ),
  },
  {
    torch: "randn",
    name: "randn",
    options: RANDOM_OPTIONS,
    differentiable: [],
    args: RANDOM_DOCS.randn.args,
    kwargs: RANDOM_DOCS.randn.kwargs,
    call: randomCall("randn"),
  },
  {
    torch: "rand",
    name: "rand",
    options: RANDOM_OPTIONS,
    differentiable: [],
    args: RANDOM_DOCS.rand.args,
    kwargs: RANDOM_DOCS.rand.kwargs,
    call: randomCall("rand"),
  },
  {
    torch: "randint",
    name: "randint",
    options: RANDOM_OPTIONS,
    differentiable: [],
    args: RANDOM_DOCS.randint.args,
    kwargs: RANDOM_DOCS.randint.kwargs,
    call: randomCall("randint"),
  },
];

/** The spec for a torch op name, or `undefined`. */
export function opSpec(torch: string): OpSpec | undefined {
  return OPS.find((op) => op.torch === torch);
}
