/**
 * Every public function, class and Tensor method, each with a valid call and its options: the
 * table the strict-input tests (`losses/strict_inputs_test.ts`) and the property test of the
 * contract (`dev/strict_property_test.ts`) go through. A test varies one argument or one option
 * of a valid call at a time.
 *
 * @module
 */

import * as L from "../../mod.ts";

const { tensor } = L;
const GRAD = Object.getOwnPropertyDescriptor(L.Tensor.prototype, "grad") as PropertyDescriptor;

/** A value a caller may give an option: a valid one, and whether `null` means the default. */
export interface OptionSample {
  /** A value the function accepts. */
  valid: unknown;
  /** Whether PyTorch gives `None` a meaning here (so `null` is accepted). */
  nullable: boolean;
  /** The option's type: which junk values are certainly wrong for it. */
  type: "number" | "integer" | "boolean" | "string" | "tensor" | "function" | "other";
}

/** One public entry point. */
export interface PublicCall {
  /** As messages name it: `"crossEntropy"`, `"CrossEntropyLoss"`, `"backward"`. */
  name: string;
  /** The names an error message may use for it (a class's forward reports its function). */
  names: readonly string[];
  /** Fresh valid positional arguments on the CPU. */
  args: () => unknown[];
  /**
   * What each positional argument must be: `"tensor"` (only a Tensor is valid), `"operand"`
   * (a Tensor or a number), `"lengths"`, `"number"`, `"shape"` or `"any"` (not varied as
   * certainly wrong).
   */
  argKinds: readonly ("tensor" | "operand" | "lengths" | "number" | "shape" | "any")[];
  /** Calls it with those arguments and `options` (`undefined` for the defaults). */
  run: (args: unknown[], options?: unknown) => unknown;
  /** Its options, by key; `{}` when it takes none. */
  options: Readonly<Record<string, OptionSample>>;
  /** Whether it takes an options object at all. */
  takesOptions: boolean;
}

const REDUCTION: OptionSample = { valid: "sum", nullable: false, type: "string" };
const num = (valid: number): OptionSample => ({ valid, nullable: false, type: "number" });
const int = (valid: number): OptionSample => ({ valid, nullable: false, type: "integer" });
const bool = (valid: boolean): OptionSample => ({ valid, nullable: false, type: "boolean" });
const weight = (shape: number[]): OptionSample => ({
  valid: tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), { shape }),
  nullable: true,
  type: "tensor",
});

function seeded(shape: number[], seed: number, lo = -2, hi = 2): L.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return tensor(data, { shape, requiresGrad: true });
}

const signs = (n: number): L.Tensor => tensor(Array.from({ length: n }, (_, i) => i % 2 ? 1 : -1));
const labels = (n: number, c: number): L.Tensor =>
  tensor(Array.from({ length: n }, (_, i) => i % c), { dtype: "int64" });
const x34 = (): L.Tensor => seeded([3, 4], 1);

/** A loss of (tensor, tensor[, tensor]) with options, and its module form. */
function loss(
  name: string,
  cls: string,
  f: (...a: never[]) => L.Tensor,
  Cls: new (options?: never) => { forward: (...a: never[]) => L.Tensor },
  args: () => unknown[],
  options: Record<string, OptionSample>,
  argKinds?: PublicCall["argKinds"],
): PublicCall[] {
  const kinds = argKinds ?? args().map(() => "tensor" as const);
  const call = f as unknown as (...a: unknown[]) => L.Tensor;
  const Ctor = Cls as unknown as new (o?: unknown) => { forward: (...a: unknown[]) => L.Tensor };
  return [
    {
      name,
      names: [name],
      args,
      argKinds: kinds,
      run: (a, o) => call(...a, o),
      options,
      takesOptions: true,
    },
    {
      name: cls,
      names: [cls, name],
      args,
      argKinds: kinds,
      run: (a, o) => new Ctor(o).forward(...a),
      options,
      takesOptions: true,
    },
  ];
}

const probs = (): L.Tensor => seeded([3, 4], 2, 0.05, 0.95);
const targets01 = (): L.Tensor => seeded([3, 4], 3, 0, 1).detach();

/** The table. */
export const PUBLIC_CALLS: readonly PublicCall[] = [
  ...loss("l1Loss", "L1Loss", L.l1Loss, L.L1Loss, () => [x34(), seeded([3, 4], 5)], {
    reduction: REDUCTION,
  }),
  ...loss("mseLoss", "MSELoss", L.mseLoss, L.MSELoss, () => [x34(), seeded([3, 4], 5)], {
    reduction: REDUCTION,
  }),
  ...loss("nllLoss", "NLLLoss", L.nllLoss, L.NLLLoss, () => [x34(), labels(3, 4)], {
    weight: weight([4]),
    ignoreIndex: int(1),
    reduction: REDUCTION,
  }),
  ...loss(
    "crossEntropy",
    "CrossEntropyLoss",
    L.crossEntropy,
    L.CrossEntropyLoss,
    () => [x34(), labels(3, 4)],
    {
      weight: weight([4]),
      ignoreIndex: int(1),
      reduction: REDUCTION,
      labelSmoothing: num(0.1),
    },
  ),
  ...loss(
    "hingeEmbeddingLoss",
    "HingeEmbeddingLoss",
    L.hingeEmbeddingLoss,
    L.HingeEmbeddingLoss,
    () => [seeded([4], 6), signs(4)],
    { margin: num(0.5), reduction: REDUCTION },
  ),
  ...loss(
    "smoothL1Loss",
    "SmoothL1Loss",
    L.smoothL1Loss,
    L.SmoothL1Loss,
    () => [x34(), seeded([3, 4], 7)],
    { reduction: REDUCTION, beta: num(0.5) },
  ),
  ...loss("huberLoss", "HuberLoss", L.huberLoss, L.HuberLoss, () => [x34(), seeded([3, 4], 8)], {
    reduction: REDUCTION,
    delta: num(0.5),
  }),
  ...loss(
    "binaryCrossEntropy",
    "BCELoss",
    L.binaryCrossEntropy,
    L.BCELoss,
    () => [probs(), targets01()],
    { weight: weight([4]), reduction: REDUCTION },
  ),
  ...loss(
    "binaryCrossEntropyWithLogits",
    "BCEWithLogitsLoss",
    L.binaryCrossEntropyWithLogits,
    L.BCEWithLogitsLoss,
    () => [x34(), targets01()],
    { weight: weight([4]), reduction: REDUCTION, posWeight: weight([4]) },
  ),
  ...loss("klDiv", "KLDivLoss", L.klDiv, L.KLDivLoss, () => [x34(), targets01()], {
    reduction: { valid: "batchmean", nullable: false, type: "string" },
    logTarget: bool(true),
  }),
  ...loss(
    "poissonNllLoss",
    "PoissonNLLLoss",
    L.poissonNllLoss,
    L.PoissonNLLLoss,
    () => [x34(), targets01()],
    { logInput: bool(false), full: bool(true), eps: num(1e-6), reduction: REDUCTION },
  ),
  ...loss(
    "gaussianNllLoss",
    "GaussianNLLLoss",
    L.gaussianNllLoss,
    L.GaussianNLLLoss,
    () => [x34(), seeded([3, 4], 9), seeded([3, 4], 10, 0.5, 2)],
    { full: bool(true), eps: num(1e-3), reduction: REDUCTION },
  ),
  ...loss(
    "softMarginLoss",
    "SoftMarginLoss",
    L.softMarginLoss,
    L.SoftMarginLoss,
    () => [seeded([4], 11), signs(4)],
    { reduction: REDUCTION },
  ),
  ...loss(
    "marginRankingLoss",
    "MarginRankingLoss",
    L.marginRankingLoss,
    L.MarginRankingLoss,
    () => [seeded([4], 12), seeded([4], 13), signs(4)],
    { margin: num(0.2), reduction: REDUCTION },
  ),
  ...loss(
    "multiMarginLoss",
    "MultiMarginLoss",
    L.multiMarginLoss,
    L.MultiMarginLoss,
    () => [x34(), labels(3, 4)],
    { p: num(2), margin: num(0.5), weight: weight([4]), reduction: REDUCTION },
  ),
  ...loss(
    "multilabelMarginLoss",
    "MultiLabelMarginLoss",
    L.multilabelMarginLoss,
    L.MultiLabelMarginLoss,
    () => [x34(), tensor([[1, 2, -1, 0], [0, -1, 0, 0], [3, 1, 0, -1]], { dtype: "int64" })],
    { reduction: REDUCTION },
  ),
  ...loss(
    "multilabelSoftMarginLoss",
    "MultiLabelSoftMarginLoss",
    L.multilabelSoftMarginLoss,
    L.MultiLabelSoftMarginLoss,
    () => [x34(), tensor([[1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 1, 1]])],
    { weight: weight([4]), reduction: REDUCTION },
  ),
  ...loss(
    "cosineEmbeddingLoss",
    "CosineEmbeddingLoss",
    L.cosineEmbeddingLoss,
    L.CosineEmbeddingLoss,
    () => [x34(), seeded([3, 4], 14), signs(3)],
    { margin: num(0.1), reduction: REDUCTION },
  ),
  ...loss(
    "tripletMarginLoss",
    "TripletMarginLoss",
    L.tripletMarginLoss,
    L.TripletMarginLoss,
    () => [x34(), seeded([3, 4], 15), seeded([3, 4], 16)],
    { margin: num(0.5), p: num(1), eps: num(1e-3), swap: bool(true), reduction: REDUCTION },
  ),
  ...loss(
    "tripletMarginWithDistanceLoss",
    "TripletMarginWithDistanceLoss",
    L.tripletMarginWithDistanceLoss,
    L.TripletMarginWithDistanceLoss,
    () => [x34(), seeded([3, 4], 17), seeded([3, 4], 18)],
    {
      distanceFunction: {
        valid: (a: L.Tensor, b: L.Tensor) => L.sum(L.abs(L.sub(a, b)), { dim: -1 }),
        nullable: true,
        type: "function",
      },
      margin: num(0.5),
      swap: bool(true),
      reduction: REDUCTION,
    },
  ),
  ...loss(
    "ctcLoss",
    "CTCLoss",
    L.ctcLoss,
    L.CTCLoss,
    () => [
      L.logSoftmax(seeded([5, 2, 4], 19), 2),
      tensor([[1, 2], [3, 3]], { dtype: "int64" }),
      [5, 4],
      [2, 2],
    ],
    { blank: int(0), reduction: REDUCTION, zeroInfinity: bool(true) },
    ["tensor", "tensor", "lengths", "lengths"],
  ),
  {
    name: "logSoftmax",
    names: ["logSoftmax"],
    args: () => [x34(), 1],
    argKinds: ["tensor", "number"],
    run: (a) => L.logSoftmax(a[0] as L.Tensor, a[1] as number),
    options: {},
    takesOptions: false,
  },
  {
    name: "LogSoftmax",
    names: ["LogSoftmax", "logSoftmax"],
    args: () => [x34()],
    argKinds: ["tensor"],
    run: (a, o) =>
      new L.LogSoftmax((o === undefined ? { dim: 1 } : o) as L.LogSoftmaxOptions).forward(
        a[0] as L.Tensor,
      ),
    options: { dim: { valid: -1, nullable: false, type: "integer" } },
    takesOptions: true,
  },
  {
    name: "softmax",
    names: ["softmax"],
    args: () => [x34(), 1],
    argKinds: ["tensor", "number"],
    run: (a) => L.softmax(a[0] as L.Tensor, a[1] as number),
    options: {},
    takesOptions: false,
  },
  {
    name: "Softmax",
    names: ["Softmax", "softmax"],
    args: () => [x34()],
    argKinds: ["tensor"],
    run: (a, o) =>
      new L.Softmax((o === undefined ? { dim: 1 } : o) as L.SoftmaxOptions).forward(
        a[0] as L.Tensor,
      ),
    options: { dim: { valid: 0, nullable: false, type: "integer" } },
    takesOptions: true,
  },
  ...(["add", "sub", "mul", "div"] as const).map((op): PublicCall => ({
    name: op,
    names: [op],
    args: () => [x34(), seeded([4], 20)],
    argKinds: ["operand", "operand"],
    run: (a) => L[op](a[0] as L.Operand, a[1] as L.Operand),
    options: {},
    takesOptions: false,
  })),
  ...(["minimum", "maximum"] as const).map((op): PublicCall => ({
    name: op,
    names: [op],
    args: () => [x34(), seeded([4], 21)],
    argKinds: ["tensor", "tensor"],
    run: (a) => L[op](a[0] as L.Tensor, a[1] as L.Tensor),
    options: {},
    takesOptions: false,
  })),
  ...(["neg", "abs", "sqrt"] as const).map((op): PublicCall => ({
    name: op,
    names: [op],
    args: () => [x34()],
    argKinds: ["tensor"],
    run: (a) => L[op](a[0] as L.Tensor),
    options: {},
    takesOptions: false,
  })),
  {
    name: "pow",
    names: ["pow"],
    args: () => [x34(), 3],
    argKinds: ["tensor", "number"],
    run: (a) => L.pow(a[0] as L.Tensor, a[1] as number),
    options: {},
    takesOptions: false,
  },
  {
    name: "clampMin",
    names: ["clampMin"],
    args: () => [x34(), 0],
    argKinds: ["tensor", "number"],
    run: (a) => L.clampMin(a[0] as L.Tensor, a[1] as number),
    options: {},
    takesOptions: false,
  },
  {
    name: "clamp",
    names: ["clamp"],
    args: () => [x34()],
    argKinds: ["tensor"],
    run: (a, o) => L.clamp(a[0] as L.Tensor, (o === undefined ? { min: 0 } : o) as L.ClampOptions),
    options: {
      min: { valid: -1, nullable: true, type: "number" },
      max: { valid: 1, nullable: true, type: "number" },
    },
    takesOptions: true,
  },
  ...(["sum", "mean"] as const).map((op): PublicCall => ({
    name: op,
    names: [op],
    args: () => [x34()],
    argKinds: ["tensor"],
    run: (a, o) => L[op](a[0] as L.Tensor, o as L.ReduceOptions),
    options: {
      dim: { valid: [0, -1], nullable: true, type: "other" },
      keepdim: bool(true),
    },
    takesOptions: true,
  })),
  {
    name: "pairwiseDistance",
    names: ["pairwiseDistance"],
    args: () => [x34(), seeded([3, 4], 22)],
    argKinds: ["tensor", "tensor"],
    run: (a, o) => L.pairwiseDistance(a[0] as L.Tensor, a[1] as L.Tensor, o as never),
    options: { p: num(1.5), eps: num(0), keepdim: bool(true) },
    takesOptions: true,
  },
  {
    name: "tensor",
    names: ["tensor"],
    args: () => [[[1, 2], [3, 4]]],
    argKinds: ["any"],
    run: (a, o) => tensor(a[0] as L.TensorData, o as L.TensorOptions),
    options: {
      shape: { valid: [4], nullable: false, type: "other" },
      dtype: { valid: "float64", nullable: true, type: "string" },
      requiresGrad: bool(true),
      device: { valid: "cpu", nullable: true, type: "string" },
    },
    takesOptions: true,
  },
  ...(["randn", "rand"] as const).map((op): PublicCall => ({
    name: op,
    names: [op],
    args: () => [[2, 3]],
    argKinds: ["shape"],
    run: (a, o) => L[op](a[0] as number[], o as L.RandomOptions),
    options: {
      dtype: { valid: "float64", nullable: true, type: "string" },
      generator: { valid: new L.Generator(1), nullable: true, type: "other" },
      requiresGrad: bool(true),
      ...(op === "randn"
        ? { cpuCapability: { valid: "avx2", nullable: false, type: "string" } as OptionSample }
        : {}),
    },
    takesOptions: true,
  })),
  {
    name: "randint",
    names: ["randint"],
    args: () => [0, 5, [2, 3]],
    argKinds: ["number", "number", "shape"],
    run: (a, o) =>
      L.randint(a[0] as number, a[1] as number, a[2] as number[], o as L.RandintOptions),
    options: {
      dtype: { valid: "float32", nullable: true, type: "string" },
      generator: { valid: new L.Generator(2), nullable: true, type: "other" },
      requiresGrad: bool(false),
    },
    takesOptions: true,
  },
  {
    name: "manualSeed",
    names: ["manualSeed"],
    args: () => [7],
    argKinds: ["number"],
    run: (a) => new L.Generator().manualSeed(a[0] as number),
    options: {},
    takesOptions: false,
  },
  {
    name: "backward",
    names: ["backward"],
    args: () => [
      L.mseLoss(x34(), seeded([3, 4], 23), { reduction: "none" }),
      tensor([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]),
    ],
    argKinds: ["tensor", "any"],
    // called on the receiver as given, so that a look-alike receiver reaches the method
    run: (a, o) => {
      L.Tensor.prototype.backward.call(a[0], a[1] as L.Tensor, o as L.BackwardOptions);
      return a[0];
    },
    options: { retainGraph: { valid: true, nullable: true, type: "boolean" } },
    takesOptions: true,
  },
  {
    name: "Tensor.grad",
    names: ["Tensor.grad"],
    args: () => [x34(), seeded([3, 4], 24).detach()],
    argKinds: ["tensor", "any"],
    run: (a) => {
      GRAD.set?.call(a[0], a[1]);
      return a[0];
    },
    options: {},
    takesOptions: false,
  },
];

/** Whether `value` certainly has the wrong type for an option of `sample`'s type. */
export function wrongType(sample: OptionSample, value: unknown): boolean {
  if (value === undefined) return false;
  if (value === null) return !sample.nullable;
  switch (sample.type) {
    case "number":
    case "integer":
      return typeof value !== "number";
    case "boolean":
      return typeof value !== "boolean";
    case "string":
      return typeof value !== "string";
    case "tensor":
      return !isRealTensor(value);
    case "function":
      return typeof value !== "function";
    default:
      return false;
  }
}

/** Whether a value that passes `instanceof Tensor` is a real tensor (a Proxy's getters throw). */
export function isRealTensor(value: unknown): boolean {
  try {
    return value instanceof L.Tensor && typeof value.numel === "number";
  } catch {
    return false; // a revoked Proxy, or a Proxy or look-alike whose getters throw
  }
}
