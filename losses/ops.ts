/**
 * Tensor ops with gradients, as `torch`'s: enough to write a distance function (for
 * `tripletMarginWithDistanceLoss`) or any small computation whose gradients flow
 * back through `backward()`. Each op records a node named as in PyTorch 1.13.
 *
 * | op | torch | gradFn |
 * | --- | --- | --- |
 * | `add(input, other)` | `torch.add`, `+` | `AddBackward0` |
 * | `sub(input, other)` | `torch.sub`, `-` | `SubBackward0` (`RsubBackward1` for `number - tensor`) |
 * | `mul(input, other)` | `torch.mul`, `*` | `MulBackward0` |
 * | `div(input, other)` | `torch.div`, `/` | `DivBackward0` (`MulBackward0` for `number / tensor`) |
 * | `minimum(input, other)` | `torch.minimum` | `MinimumBackward0` |
 * | `maximum(input, other)` | `torch.maximum` | `MaximumBackward0` |
 * | `neg(input)` | `torch.neg`, unary `-` | `NegBackward0` |
 * | `abs(input)` | `torch.abs` | `AbsBackward0` |
 * | `sqrt(input)` | `torch.sqrt` | `SqrtBackward0` |
 * | `pow(input, exponent)` | `torch.pow` with a number exponent | `PowBackward0` |
 * | `clampMin(input, min)` | `torch.clamp_min` | `ClampMinBackward0` |
 * | `clamp(input, { min, max })` | `torch.clamp` with numbers | `ClampBackward1` |
 * | `sum(input, { dim, keepdim })` | `torch.sum` | `SumBackward0` (all), `SumBackward1` (dims) |
 * | `mean(input, { dim, keepdim })` | `torch.mean` | `MeanBackward0` (all), `MeanBackward1` (dims) |
 * | `pairwiseDistance(x1, x2, { p, eps, keepdim })` | `F.pairwise_distance` | `NormBackward1` |
 *
 * The binary ops broadcast as PyTorch and take a number on either side (the number gets the
 * tensor's dtype, as a Python scalar does). Tensors are float32 or float64, and both operands
 * of a binary op have the same dtype (PyTorch would promote a float32/float64 mix; this
 * library throws instead). Gradients follow PyTorch's formulas at kinks, ties and nan:
 * `abs` has gradient 0 at 0, `minimum`/`maximum` split the gradient in half at a tie,
 * `clamp` passes the gradient at the bound itself and none at nan.
 *
 * @module
 */

import { record } from "./_core/autograd.ts";
import { broadcastShape, expand, stridedIndex, sumTo } from "./_core/broadcast.ts";
import {
  checkAllocation,
  checkBoolean,
  checkFloat,
  checkNumber,
  checkSameDtype,
  describe,
  fail,
} from "./_core/checks.ts";
import { isArrayValue } from "./_core/describe.ts";
import {
  BOOLEAN,
  NUMBER_OR_NULL,
  type OptionCheck,
  type OptionSpec,
  parseOptions,
  typeProblem,
} from "./_core/options.ts";
import { sgn, torchPow } from "./_engines/op_helpers.ts";
import { binaryWebgpu, onWebgpu, reduceWebgpu, unaryWebgpu } from "./_webgpu/ops.ts";
import { type FloatArray, floatStorage, type Rounder, rounder } from "./_core/reduction.ts";
import { cpuStorage, type DType, shapeNumel, Tensor } from "./_core/tensor.ts";

/** A tensor, or a number that takes the other operand's dtype. */
export type Operand = Tensor | number;

/** Options for {@linkcode sum} and {@linkcode mean}. */
export interface ReduceOptions {
  /**
   * An integer or an array of integers: the dimension or dimensions to reduce (negative
   * counts from the end). Default: all; `null` (PyTorch's `dim=None`) and `[]` also mean all.
   */
  dim?: number | readonly number[] | null;
  /** A boolean: keep each reduced dimension with size 1. Default `false`. */
  keepdim?: boolean;
}

const DIM: OptionCheck = (value, name) =>
  value === null || typeof value === "number" || isArrayValue(value)
    ? null
    : typeProblem(name, "an integer, an array of integers or null", value);

const REDUCE_OPTIONS: OptionSpec<ReduceOptions> = { dim: DIM, keepdim: BOOLEAN };

/** Options for {@linkcode clamp}: at least one bound. */
export interface ClampOptions {
  /** A number, the lower bound; absent or `null` (PyTorch's `None`) for none. */
  min?: number | null;
  /** A number, the upper bound; absent or `null` (PyTorch's `None`) for none. */
  max?: number | null;
}

const CLAMP_OPTIONS: OptionSpec<ClampOptions> = { min: NUMBER_OR_NULL, max: NUMBER_OR_NULL };

// ---------------------------------------------------------------------------
// Machinery

/**
 * A loop over `n` output elements: `x[i & xm]` and `y[i & ym]` read an operand in full
 * (mask -1) or its one element (mask 0), so that a number operand is never expanded. The
 * masks cost about a third of a plain loop's speed, so the common ops also have the plain
 * loop for two full operands.
 */
type BinaryLoop = (
  x: FloatArray,
  xm: number,
  y: FloatArray,
  ym: number,
  out: FloatArray,
  n: number,
  r: Rounder,
) => void;

/** A loop writing one operand's gradient (at the broadcast shape) from `g`. */
type BinaryGradLoop = (
  x: FloatArray,
  xm: number,
  y: FloatArray,
  ym: number,
  g: FloatArray,
  out: FloatArray,
  n: number,
  r: Rounder,
) => void;

/**
 * One elementwise binary op as three loops (one function each, so that V8 keeps each loop's
 * calls monomorphic and inlines them; a per-element callback shared by every op would not).
 */
interface BinaryDef {
  name: string;
  gradFn: string;
  forward: BinaryLoop;
  /** d(out)/d(x) times g. */
  gradInput: BinaryGradLoop;
  /** d(out)/d(y) times g. */
  gradOther: BinaryGradLoop;
}

/** A one-element tensor holding a Python-style scalar in `dtype`. */
function scalarTensor(value: number, dtype: DType): Tensor {
  const s = floatStorage(dtype, 1);
  s[0] = value;
  return new Tensor(s, [], dtype);
}

/** Checks a binary op's operands and returns them as tensors of one dtype. */
function operands(fn: string, input: unknown, other: unknown): [Tensor, Tensor] {
  const isNum = (v: unknown): v is number => typeof v === "number";
  if (isNum(input) && isNum(other)) {
    fail(fn, `input or other must be a Tensor: both are numbers (${input}, ${other})`);
  }
  if (!isNum(input)) checkFloat(fn, { input: input as Tensor });
  if (!isNum(other)) checkFloat(fn, { other: other as Tensor });
  if (!isNum(input) && !isNum(other)) {
    checkSameDtype(fn, { input: input as Tensor, other: other as Tensor });
  }
  const dtype = isNum(input) ? (other as Tensor).dtype : (input as Tensor).dtype;
  return [
    isNum(input) ? scalarTensor(input, dtype) : input as Tensor,
    isNum(other) ? scalarTensor(other, dtype) : other as Tensor,
  ];
}

/** An operand's storage for a loop over `n` elements, and its mask (see `BinaryLoop`). */
function operandView(t: Tensor, shape: readonly number[], n: number): [FloatArray, number] {
  const s = cpuStorage(t) as FloatArray;
  if (s.length === n) return [s, -1];
  if (s.length === 1) return [s, 0];
  return [expand(s, t.shape, shape), -1];
}

function runBinary(def: BinaryDef, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShape(def.name, { input: a, other: b });
  const dtype = a.dtype;
  const r = rounder(dtype);
  const n = shapeNumel(shape);
  const [x, xm] = operandView(a, shape, n);
  const [y, ym] = operandView(b, shape, n);
  const out = floatStorage(dtype, n);
  def.forward(x, xm, y, ym, out, n, r);
  const node = record(def.gradFn, [a, b], (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const grad = (t: Tensor, loop: BinaryGradLoop): Tensor | null => {
      if (!t.requiresGrad) return null;
      const gi = floatStorage(dtype, n);
      loop(x, xm, y, ym, g, gi, n, r);
      return new Tensor(sumTo(gi, shape, t.shape, dtype), t.shape, dtype);
    };
    return [grad(a, def.gradInput), grad(b, def.gradOther)];
  });
  return new Tensor(out, shape, dtype, node);
}

/** The gradient `g` itself, copied (add's and sub's `input`). */
const passGrad: BinaryGradLoop = (_x, _xm, _y, _ym, g, out) => out.set(g);

/** `-g` (sub's `other`). */
const negGrad: BinaryGradLoop = (_x, _xm, _y, _ym, g, out, n) => {
  for (let i = 0; i < n; i++) out[i] = -g[i];
};

/** One elementwise unary op as two loops; the backward also sees the output. */
interface UnaryDef {
  gradFn: string;
  forward: (x: FloatArray, out: FloatArray, r: Rounder) => void;
  backward: (x: FloatArray, out: FloatArray, g: FloatArray, gi: FloatArray, r: Rounder) => void;
}

function runUnary(
  fn: string,
  def: UnaryDef,
  input: Tensor,
  gpuParams: Record<string, number> = {},
): Tensor {
  checkFloat(fn, { input });
  if (input.device === "webgpu") return unaryWebgpu(fn, input, gpuParams);
  const dtype = input.dtype;
  const r = rounder(dtype);
  const x = cpuStorage(input) as FloatArray;
  const out = floatStorage(dtype, x.length);
  def.forward(x, out, r);
  const node = record(def.gradFn, [input], (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const gi = floatStorage(dtype, x.length);
    def.backward(x, out, g, gi, r);
    return [new Tensor(gi, input.shape, dtype)];
  }, { holds: [input, out] });
  return new Tensor(out, input.shape, dtype, node);
}

// ---------------------------------------------------------------------------
// Binary ops

const ADD: BinaryDef = {
  name: "add",
  gradFn: "AddBackward0",
  forward: (x, xm, y, ym, out, n) => {
    if ((xm & ym) === -1) {
      for (let i = 0; i < n; i++) out[i] = x[i] + y[i];
    } else {
      for (let i = 0; i < n; i++) out[i] = x[i & xm] + y[i & ym];
    }
  },
  gradInput: passGrad,
  gradOther: passGrad,
};

/**
 * Elementwise `input + other` with broadcasting, as `torch.add`.
 *
 * @example Usage
 * ```ts
 * import { add, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(add(tensor([[1], [2]]), tensor([10, 20])).toArray(), [[11, 21], [12, 22]]);
 * assert.deepEqual(add(tensor([1, 2]), 0.5).toArray(), [1.5, 2.5]);
 * ```
 *
 * @param input A float tensor, or a number.
 * @param other A float tensor of the same dtype, or a number.
 * @returns The broadcast shape.
 * @throws {TypeError} If an operand is not a float tensor or a number, the dtypes differ or
 *   the shapes do not broadcast.
 */
export function add(input: Operand, other: Operand): Tensor {
  const [a, b] = operands("add", input, other);
  if (onWebgpu(a, b)) return binaryWebgpu("add", input, other);
  return runBinary(ADD, a, b);
}

const SUB: BinaryDef = {
  name: "sub",
  gradFn: "SubBackward0",
  forward: (x, xm, y, ym, out, n) => {
    if ((xm & ym) === -1) {
      for (let i = 0; i < n; i++) out[i] = x[i] - y[i];
    } else {
      for (let i = 0; i < n; i++) out[i] = x[i & xm] - y[i & ym];
    }
  },
  gradInput: passGrad,
  gradOther: negGrad,
};

/**
 * Elementwise `input - other` with broadcasting, as `torch.sub`.
 *
 * @example Usage
 * ```ts
 * import { sub, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const b = tensor([1, 1], { requiresGrad: true });
 * const d = sub(a, b);
 * assert.deepEqual(d.toArray(), [[0, 1], [2, 3]]);
 * d.backward(tensor([[1, 1], [1, 1]]));
 * assert.deepEqual(b.grad?.toArray(), [-2, -2]);
 * ```
 *
 * @param input A float tensor, or a number (`number - tensor` records `RsubBackward1`).
 * @param other A float tensor of the same dtype, or a number.
 * @returns The broadcast shape.
 * @throws {TypeError} If an operand is not a float tensor or a number, the dtypes differ or
 *   the shapes do not broadcast.
 */
export function sub(input: Operand, other: Operand): Tensor {
  const [a, b] = operands("sub", input, other);
  if (onWebgpu(a, b)) return binaryWebgpu("sub", input, other);
  return runBinary(typeof input === "number" ? { ...SUB, gradFn: "RsubBackward1" } : SUB, a, b);
}

const MUL: BinaryDef = {
  name: "mul",
  gradFn: "MulBackward0",
  forward: (x, xm, y, ym, out, n) => {
    if ((xm & ym) === -1) {
      for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
    } else {
      for (let i = 0; i < n; i++) out[i] = x[i & xm] * y[i & ym];
    }
  },
  gradInput: (_x, _xm, y, ym, g, out, n) => {
    for (let i = 0; i < n; i++) out[i] = g[i] * y[i & ym];
  },
  gradOther: (x, xm, _y, _ym, g, out, n) => {
    for (let i = 0; i < n; i++) out[i] = g[i] * x[i & xm];
  },
};

/**
 * Elementwise `input * other` with broadcasting, as `torch.mul`.
 *
 * @example Usage
 * ```ts
 * import { mul, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(mul(tensor([1, 2]), tensor([3, 4])).toArray(), [3, 8]);
 * ```
 *
 * @param input A float tensor, or a number.
 * @param other A float tensor of the same dtype, or a number.
 * @returns The broadcast shape.
 * @throws {TypeError} If an operand is not a float tensor or a number, the dtypes differ or
 *   the shapes do not broadcast.
 */
export function mul(input: Operand, other: Operand): Tensor {
  const [a, b] = operands("mul", input, other);
  if (onWebgpu(a, b)) return binaryWebgpu("mul", input, other);
  return runBinary(MUL, a, b);
}

// torch: grad_self = grad / other; grad_other = -grad * self / (other * other)
const DIV: BinaryDef = {
  name: "div",
  gradFn: "DivBackward0",
  forward: (x, xm, y, ym, out, n) => {
    for (let i = 0; i < n; i++) out[i] = x[i & xm] / y[i & ym];
  },
  gradInput: (_x, _xm, y, ym, g, out, n) => {
    for (let i = 0; i < n; i++) out[i] = g[i] / y[i & ym];
  },
  gradOther: (x, xm, y, ym, g, out, n, r) => {
    for (let i = 0; i < n; i++) {
      const v = y[i & ym];
      out[i] = r(-g[i] * x[i & xm]) / r(v * v);
    }
  },
};

// Python's `number / tensor` is `tensor.reciprocal() * number`: out = (1 / y) * x, and the
// gradient runs back through both: grad_y = -(grad * x) * (1 / y)^2.
const RDIV: BinaryDef = {
  name: "div",
  gradFn: "MulBackward0",
  forward: (x, xm, y, ym, out, n, r) => {
    for (let i = 0; i < n; i++) out[i] = r(1 / y[i & ym]) * x[i & xm];
  },
  gradInput: (_x, _xm, y, ym, g, out, n, r) => {
    for (let i = 0; i < n; i++) out[i] = g[i] * r(1 / y[i & ym]);
  },
  gradOther: (x, xm, y, ym, g, out, n, r) => {
    for (let i = 0; i < n; i++) {
      const inv = r(1 / y[i & ym]);
      out[i] = -r(g[i] * x[i & xm]) * r(inv * inv);
    }
  },
};

/**
 * Elementwise `input / other` with broadcasting, as `torch.div` (true division).
 *
 * @example Usage
 * ```ts
 * import { div, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(div(tensor([1, 3]), 2).toArray(), [0.5, 1.5]);
 * assert.deepEqual(div(tensor([1, 0]), 0).toArray(), [Infinity, NaN]);
 * ```
 *
 * @param input A float tensor, or a number (`number / tensor` is computed as PyTorch does,
 *   `reciprocal(tensor) * number`, and records `MulBackward0`).
 * @param other A float tensor of the same dtype, or a number.
 * @returns The broadcast shape.
 * @throws {TypeError} If an operand is not a float tensor or a number, the dtypes differ or
 *   the shapes do not broadcast.
 */
export function div(input: Operand, other: Operand): Tensor {
  const [a, b] = operands("div", input, other);
  if (onWebgpu(a, b)) return binaryWebgpu("div", input, other);
  return runBinary(typeof input === "number" ? RDIV : DIV, a, b);
}

// torch: grad_self = where(self == other, grad / 2, grad).masked_fill_(self > other, 0)
const MINIMUM: BinaryDef = {
  name: "minimum",
  gradFn: "MinimumBackward0",
  forward: (x, xm, y, ym, out, n) => {
    for (let i = 0; i < n; i++) {
      const a = x[i & xm];
      const b = y[i & ym];
      out[i] = (a !== a || b !== b) ? NaN : b < a ? b : a;
    }
  },
  gradInput: (x, xm, y, ym, g, out, n) => {
    for (let i = 0; i < n; i++) {
      const a = x[i & xm];
      const b = y[i & ym];
      out[i] = a === b ? g[i] / 2 : a > b ? 0 : g[i];
    }
  },
  gradOther: (x, xm, y, ym, g, out, n) => {
    for (let i = 0; i < n; i++) {
      const a = x[i & xm];
      const b = y[i & ym];
      out[i] = a === b ? g[i] / 2 : a < b ? 0 : g[i];
    }
  },
};

/**
 * Elementwise minimum with broadcasting, as `torch.minimum`: nan if either is nan.
 *
 * At a tie each operand gets half the gradient; where an operand is nan both get all of it,
 * as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { minimum, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const a = tensor([1, 5, 2], { requiresGrad: true });
 * const m = minimum(a, tensor([3, 4, 2]));
 * assert.deepEqual(m.toArray(), [1, 4, 2]);
 * m.backward(tensor([1, 1, 1]));
 * assert.deepEqual(a.grad?.toArray(), [1, 0, 0.5]);
 * ```
 *
 * @param input A float tensor.
 * @param other A float tensor of the same dtype.
 * @returns The broadcast shape.
 * @throws {TypeError} If an operand is not a float tensor, the dtypes differ or the shapes do
 *   not broadcast.
 */
export function minimum(input: Tensor, other: Tensor): Tensor {
  checkFloat("minimum", { input, other });
  checkSameDtype("minimum", { input, other });
  if (onWebgpu(input, other)) return binaryWebgpu("minimum", input, other);
  return runBinary(MINIMUM, input, other);
}

const MAXIMUM: BinaryDef = {
  name: "maximum",
  gradFn: "MaximumBackward0",
  forward: (x, xm, y, ym, out, n) => {
    for (let i = 0; i < n; i++) {
      const a = x[i & xm];
      const b = y[i & ym];
      out[i] = (a !== a || b !== b) ? NaN : b > a ? b : a;
    }
  },
  gradInput: (x, xm, y, ym, g, out, n) => {
    for (let i = 0; i < n; i++) {
      const a = x[i & xm];
      const b = y[i & ym];
      out[i] = a === b ? g[i] / 2 : a < b ? 0 : g[i];
    }
  },
  gradOther: (x, xm, y, ym, g, out, n) => {
    for (let i = 0; i < n; i++) {
      const a = x[i & xm];
      const b = y[i & ym];
      out[i] = a === b ? g[i] / 2 : a > b ? 0 : g[i];
    }
  },
};

/**
 * Elementwise maximum with broadcasting, as `torch.maximum`: nan if either is nan; a tie
 * splits the gradient in half.
 *
 * @example Usage
 * ```ts
 * import { maximum, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(maximum(tensor([1, 5]), tensor([3, 4])).toArray(), [3, 5]);
 * ```
 *
 * @param input A float tensor.
 * @param other A float tensor of the same dtype.
 * @returns The broadcast shape.
 * @throws {TypeError} If an operand is not a float tensor, the dtypes differ or the shapes do
 *   not broadcast.
 */
export function maximum(input: Tensor, other: Tensor): Tensor {
  checkFloat("maximum", { input, other });
  checkSameDtype("maximum", { input, other });
  if (onWebgpu(input, other)) return binaryWebgpu("maximum", input, other);
  return runBinary(MAXIMUM, input, other);
}

// ---------------------------------------------------------------------------
// Unary ops

const NEG: UnaryDef = {
  gradFn: "NegBackward0",
  forward: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = -x[i];
  },
  backward: (_x, _out, g, gi) => {
    for (let i = 0; i < g.length; i++) gi[i] = -g[i];
  },
};

const ABS: UnaryDef = {
  gradFn: "AbsBackward0",
  forward: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]);
  },
  backward: (x, _out, g, gi) => {
    for (let i = 0; i < x.length; i++) gi[i] = sgn(x[i]) * g[i];
  },
};

// pow(x, 2), the common case, without the exponent's dispatch per element: x * x, and the
// gradient grad * (2 * x) (the doubling rounded, as PyTorch's 2 * x.pow(1))
const SQUARE: UnaryDef = {
  gradFn: "PowBackward0",
  forward: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i];
  },
  backward: (x, _out, g, gi, r) => {
    for (let i = 0; i < x.length; i++) gi[i] = g[i] * r(2 * x[i]);
  },
};

const SQRT: UnaryDef = {
  gradFn: "SqrtBackward0",
  forward: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = Math.sqrt(x[i]);
  },
  // grad / (2 * result), the doubling rounded (it can overflow float32)
  backward: (_x, out, g, gi, r) => {
    for (let i = 0; i < out.length; i++) gi[i] = g[i] / r(2 * out[i]);
  },
};

/**
 * Elementwise `-input`, as `torch.neg`.
 *
 * @example Usage
 * ```ts
 * import { neg, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(neg(tensor([1, -2])).toArray(), [-1, 2]);
 * ```
 *
 * @param input A float tensor.
 * @returns The input's shape.
 * @throws {TypeError} If `input` is not a float tensor.
 */
export function neg(input: Tensor): Tensor {
  return runUnary("neg", NEG, input);
}

/**
 * Elementwise `|input|`, as `torch.abs`. The gradient is `sgn(x) * grad`: 0 at 0 and at nan,
 * as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { abs, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([-2, 0, 3], { requiresGrad: true });
 * const y = abs(x);
 * y.backward(tensor([1, 1, 1]));
 * assert.deepEqual(y.toArray(), [2, 0, 3]);
 * assert.deepEqual(x.grad?.toArray(), [-1, 0, 1]);
 * ```
 *
 * @param input A float tensor.
 * @returns The input's shape.
 * @throws {TypeError} If `input` is not a float tensor.
 */
export function abs(input: Tensor): Tensor {
  return runUnary("abs", ABS, input);
}

/**
 * Elementwise square root, as `torch.sqrt`: nan below 0. The gradient is
 * `grad / (2 * sqrt(x))`, so inf at 0, as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { sqrt, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sqrt(tensor([4, 0, -1])).toArray(), [2, 0, NaN]);
 * ```
 *
 * @param input A float tensor.
 * @returns The input's shape.
 * @throws {TypeError} If `input` is not a float tensor.
 */
export function sqrt(input: Tensor): Tensor {
  return runUnary("sqrt", SQRT, input);
}

/**
 * Elementwise `input ** exponent` for a number exponent, as `torch.pow`.
 *
 * The gradient is `grad * exponent * x^(exponent - 1)`, and 0 everywhere for exponent 0, as
 * PyTorch (so `pow(x, 0.5)` has an infinite gradient at 0, `pow(x, 2)` a zero one).
 *
 * @example Usage
 * ```ts
 * import { pow, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([3, -2], { requiresGrad: true });
 * const y = pow(x, 2);
 * y.backward(tensor([1, 1]));
 * assert.deepEqual(y.toArray(), [9, 4]);
 * assert.deepEqual(x.grad?.toArray(), [6, -4]);
 * ```
 *
 * @param input A float tensor.
 * @param exponent Any number.
 * @returns The input's shape.
 * @throws {TypeError} If `input` is not a float tensor or `exponent` is not a number.
 */
export function pow(input: Tensor, exponent: number): Tensor {
  checkFloat("pow", { input });
  const e = checkNumber("pow", "exponent", exponent);
  if (e === 2) return runUnary("pow", SQUARE, input, { e });
  return runUnary(
    "pow",
    {
      gradFn: "PowBackward0",
      forward: (x, out, r) => {
        for (let i = 0; i < x.length; i++) out[i] = torchPow(x[i], e, r);
      },
      backward: (x, _out, g, gi, r) => {
        if (e === 0) return; // zeros
        for (let i = 0; i < x.length; i++) gi[i] = g[i] * r(e * r(torchPow(x[i], e - 1, r)));
      },
    },
    input,
    { e },
  );
}

/**
 * Elementwise `max(input, min)`, as `torch.clamp_min`: nan stays nan. The gradient passes
 * where `x >= min` (the bound itself included) and is 0 elsewhere and at nan, as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { clampMin, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([-1, 0, 2], { requiresGrad: true });
 * const y = clampMin(x, 0);
 * y.backward(tensor([1, 1, 1]));
 * assert.deepEqual(y.toArray(), [0, 0, 2]);
 * assert.deepEqual(x.grad?.toArray(), [0, 1, 1]);
 * ```
 *
 * @param input A float tensor.
 * @param min The lower bound.
 * @returns The input's shape.
 * @throws {TypeError} If `input` is not a float tensor or `min` is not a number.
 */
export function clampMin(input: Tensor, min: number): Tensor {
  checkFloat("clampMin", { input });
  const lo = checkNumber("clampMin", "min", min);
  return runUnary(
    "clampMin",
    {
      gradFn: "ClampMinBackward0",
      forward: (x, out, r) => {
        const b = r(lo);
        for (let i = 0; i < x.length; i++) {
          const v = x[i];
          out[i] = (v !== v || lo !== lo) ? NaN : v < b ? b : v;
        }
      },
      backward: (x, _out, g, gi, r) => {
        const b = r(lo);
        for (let i = 0; i < x.length; i++) gi[i] = x[i] >= b ? g[i] : 0;
      },
    },
    input,
    { lo },
  );
}

/**
 * Elementwise clamp into `[min, max]` with number bounds, as `torch.clamp`: nan stays nan.
 * The gradient passes where `min <= x <= max` (bounds included) and is 0 elsewhere and at
 * nan, as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { clamp, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(clamp(tensor([-1, 0.5, 2]), { min: 0, max: 1 }).toArray(), [0, 0.5, 1]);
 * ```
 *
 * @param input A float tensor.
 * @param options `min`, `max`: at least one.
 * @returns The input's shape.
 * @throws {TypeError} If `input` is not a float tensor or a bound is not a number.
 * @throws {RangeError} If neither bound is given.
 */
export function clamp(input: Tensor, options: ClampOptions): Tensor {
  const fn = "clamp";
  options = parseOptions(fn, options, CLAMP_OPTIONS);
  checkFloat(fn, { input });
  if (options.min == null && options.max == null) {
    fail(fn, "min or max must be given: both are absent", RangeError);
  }
  const lo = options.min == null ? -Infinity : checkNumber(fn, "min", options.min);
  const hi = options.max == null ? Infinity : checkNumber(fn, "max", options.max);
  return runUnary(
    fn,
    {
      gradFn: "ClampBackward1",
      forward: (x, out, r) => {
        const a = r(lo);
        const b = r(hi);
        const nanBound = lo !== lo || hi !== hi;
        for (let i = 0; i < x.length; i++) {
          const v = x[i];
          if (v !== v || nanBound) {
            out[i] = NaN;
          } else {
            const y = v < a ? a : v;
            out[i] = y > b ? b : y;
          }
        }
      },
      backward: (x, _out, g, gi, r) => {
        const a = r(lo);
        const b = r(hi);
        for (let i = 0; i < x.length; i++) gi[i] = x[i] >= a && x[i] <= b ? g[i] : 0;
      },
    },
    input,
    { lo, hi },
  );
}

// ---------------------------------------------------------------------------
// Reductions

/** The reduced dims of `shape`, checked; `undefined` or `[]` means all of them. */
function reducedDims(fn: string, shape: readonly number[], dim: unknown): boolean[] {
  const ndim = shape.length;
  const reduced = new Array<boolean>(ndim).fill(false);
  if (dim == null || (Array.isArray(dim) && dim.length === 0)) return reduced.fill(true);
  const dims = Array.isArray(dim) ? dim : [dim];
  const size = Math.max(ndim, 1);
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (typeof d !== "number" || !Number.isSafeInteger(d)) {
      const at = Array.isArray(dim) ? `dim[${i}]` : "dim";
      const what = !(i in dims) ? "empty (a hole in the array)" : describe(d);
      fail(fn, `dim must be an integer or an array of integers: ${at} is ${what}`);
    }
    if (d < -size || d >= size) {
      fail(fn, `dim must be in [${-size}, ${size - 1}]: current value is ${d}`, RangeError);
    }
    const k = d < 0 ? d + size : d;
    if (ndim === 0) continue;
    if (reduced[k]) fail(fn, `dim must not repeat a dimension: ${k} appears twice`, RangeError);
    reduced[k] = true;
  }
  return reduced;
}

/** For each input element, the flat index of the output element it folds into. */
function foldIndex(shape: readonly number[], reduced: readonly boolean[]): Int32Array {
  const ndim = shape.length;
  const outStrides = new Array<number>(ndim).fill(0);
  let stride = 1;
  for (let k = ndim - 1; k >= 0; k--) {
    if (!reduced[k]) {
      outStrides[k] = stride;
      stride *= shape[k];
    }
  }
  return stridedIndex(shape, outStrides);
}

function runReduce(fn: "sum" | "mean", input: Tensor, options: ReduceOptions): Tensor {
  options = parseOptions(fn, options, REDUCE_OPTIONS);
  checkFloat(fn, { input });
  const keepdim = checkBoolean(fn, "keepdim", options.keepdim, false);
  const reduced = reducedDims(fn, input.shape, options.dim);
  const dtype = input.dtype;
  const outShape = input.shape.flatMap((d, k) => reduced[k] ? (keepdim ? [1] : []) : [d]);
  // an empty input can have a large output: the mean over dim 0 of [0, n] has n elements
  if (input.numel === 0 && input.device === "cpu") {
    checkAllocation(fn, "its output", outShape, input.dtype);
  }
  if (input.device === "webgpu") {
    return reduceWebgpu(fn, input, reduced, outShape, options.dim === undefined);
  }
  const x = cpuStorage(input) as FloatArray;
  const nOut = shapeNumel(outShape);
  const count = nOut === 0 ? 0 : x.length / nOut;
  // Reducing trailing dimensions only (all of them, or the last few) folds contiguous runs of
  // `count` elements; anything else goes through an index per element.
  const ndim = input.shape.length;
  let first = ndim;
  while (first > 0 && reduced[first - 1]) first--;
  const runs = reduced.every((d, k) => d === k >= first);
  const index = runs ? null : foldIndex(input.shape, reduced);
  const acc = new Float64Array(nOut);
  if (index === null) {
    for (let j = 0, i = 0; j < nOut; j++) {
      let s = 0;
      for (const end = i + count; i < end; i++) s += x[i];
      acc[j] = s;
    }
  } else {
    for (let i = 0; i < x.length; i++) acc[index[i]] += x[i];
  }
  const out = floatStorage(dtype, nOut);
  for (let j = 0; j < nOut; j++) out[j] = fn === "mean" ? acc[j] / count : acc[j];
  const gradFn = fn === "sum"
    ? (options.dim === undefined ? "SumBackward0" : "SumBackward1")
    : (options.dim === undefined ? "MeanBackward0" : "MeanBackward1");
  const r = rounder(dtype);
  const node = record(gradFn, [input], (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const gi = floatStorage(dtype, x.length);
    // each input element gets its output's gradient (divided by the count for a mean)
    const share = floatStorage(dtype, nOut);
    for (let j = 0; j < nOut; j++) share[j] = fn === "mean" ? r(g[j] / count) : g[j];
    if (index === null) {
      for (let j = 0; j < nOut; j++) gi.fill(share[j], j * count, (j + 1) * count);
    } else {
      for (let i = 0; i < x.length; i++) gi[i] = share[index[i]];
    }
    return [new Tensor(gi, input.shape, dtype)];
  });
  return new Tensor(out, outShape, dtype, node);
}

/**
 * Sum over all elements or over `dim`, as `torch.sum`. Accumulates in float64 and rounds once
 * to the dtype; a sum over no elements is 0.
 *
 * @example Usage
 * ```ts
 * import { sum, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * assert.equal(sum(x).item(), 21);
 * assert.deepEqual(sum(x, { dim: -1 }).toArray(), [6, 15]);
 * assert.deepEqual(sum(x, { dim: 0, keepdim: true }).toArray(), [[5, 7, 9]]);
 * ```
 *
 * @param input A float tensor.
 * @param options `dim` (one or several; default all) and `keepdim`.
 * @returns The reduced tensor.
 * @throws {TypeError} If `input` is not a float tensor or an option has the wrong type.
 * @throws {RangeError} If a dim is out of range or repeated.
 */
export function sum(input: Tensor, options: ReduceOptions = {}): Tensor {
  return runReduce("sum", input, options);
}

/**
 * Mean over all elements or over `dim`, as `torch.mean`. Accumulates in float64; a mean over
 * no elements is nan, as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { mean, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2], [3, 6]]);
 * assert.equal(mean(x).item(), 3);
 * assert.deepEqual(mean(x, { dim: 1 }).toArray(), [1.5, 4.5]);
 * ```
 *
 * @param input A float tensor.
 * @param options `dim` (one or several; default all) and `keepdim`.
 * @returns The reduced tensor.
 * @throws {TypeError} If `input` is not a float tensor or an option has the wrong type.
 * @throws {RangeError} If a dim is out of range or repeated.
 */
export function mean(input: Tensor, options: ReduceOptions = {}): Tensor {
  return runReduce("mean", input, options);
}
