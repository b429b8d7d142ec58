/**
 * The one engine of the losses computed element by element over operands broadcast to one
 * shape (L1, MSE, Huber, smooth L1, hinge embedding, soft margin, margin ranking, BCE, BCE
 * with logits, KL divergence, Poisson and Gaussian NLL). A loss file gives two loops, the
 * forward and the gradients, over the operands' expanded storage; this module expands,
 * reduces, records the node and sums each gradient back to its operand's shape. The loops
 * live in the loss files so that each loss's hot loop calls only its own formula (V8 keeps
 * such a loop monomorphic; one loop serving many formulas de-optimises).
 *
 * A loss may add two fused loops for `"mean"` and `"sum"`, as DESIGN.md's "Fused where it
 * pays": `sum` sums the losses as it computes them (no per-element array), and
 * `sumWithGrad` also writes the input's gradient for the gradOutput that `backward()` gives,
 * which the node keeps and hands back as it is; any other gradOutput, and every gradient
 * of another operand, takes the full backward. Both must give what the per-element forward
 * and the backward give, bit for bit (`elementwise_test.ts` checks).
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { recycle } from "../_core/pool.ts";
import { broadcastShape, expand, sameShape, sumTo } from "../_core/broadcast.ts";
import { checkFloat, checkSameDtype, checkTensor, fail } from "../_core/checks.ts";
import {
  type FloatArray,
  floatStorage,
  reduceLosses,
  type Reduction,
  type Rounder,
  rounder,
  takeFloat,
} from "../_core/reduction.ts";
import {
  cpuStorage,
  formatShape,
  gpuStorage,
  isDisposed,
  isTensor,
  shapeNumel,
  Tensor,
} from "../_core/tensor.ts";
import { type ElementwiseWgsl, runElementwiseGpu } from "../_webgpu/elementwise.ts";
import { runMap } from "../_core/webgpu/kernels.ts";

/**
 * What a loss's backward reads: the expanded operands, gradOutput, and the means to sum a
 * gradient back to an operand's shape. PyTorch computes a term that reads one operand only
 * (`exp(x)`, `log(var)`, `xlogy(y, y)`) at that operand's own shape, so its gradient is summed
 * over the broadcast first and multiplied by the term's derivative afterwards; a loss that
 * follows that order matches PyTorch even where a sum over no elements meets an infinite
 * derivative (nan).
 */
export interface GradContext {
  /** The operands expanded to the broadcast shape. */
  readonly v: readonly FloatArray[];
  /**
   * gradOutput's element for element `i` (the one scalar for `"mean"`/`"sum"`, already over
   * `divisor`); the formula applies the mean's `1 / n` itself, in PyTorch's order.
   */
  readonly g: (i: number) => number;
  /**
   * The same numbers as an array for a loss's own loop: gradOutput's storage for `"none"`,
   * else one element (already over `divisor`); read it with `gradAt(gradOutput, reduction, i)`.
   */
  readonly gradOutput: FloatArray;
  /** The dtype's rounding step. */
  readonly r: Rounder;
  /** Whether operand `k` takes a gradient in this backward. */
  wants(k: number): boolean;
  /** A new broadcast-shape array with `f(i)` at element `i`. */
  map(f: (i: number) => number): FloatArray;
  /** Sums a broadcast-shape array to operand `k`'s shape (a new array unless the same). */
  sumTo(k: number, full: FloatArray): FloatArray;
  /** Operand `k`'s own elements, at its own shape. */
  own(k: number): FloatArray;
}

/** One elementwise loss call, its operands already validated (one float dtype). */
export interface ElementwiseLoss {
  /** PyTorch 1.13's name for the output's node. */
  gradFn: string;
  /** The shape every operand is expanded to. */
  shape: readonly number[];
  /** How the per-element losses fold. */
  reduction: Reduction;
  /**
   * Divides the reduced output (and, first thing in backward, gradOutput), as `batchmean`'s
   * `sum / batch` does; default 1 (no division, no extra step).
   */
  divisor?: number;
  /** The tensors the formula reads, weights included. */
  operands: readonly Tensor[];
  /**
   * For an operand that broadcasts as another shape with the same elements (gaussianNllLoss's
   * `var` of `[N]` read as `[N, 1]`), that shape; its gradient still gets the tensor's shape.
   */
  layouts?: readonly (readonly number[] | undefined)[];
  /** Indices into `operands` of those that can take a gradient. */
  differentiable: readonly number[];
  /** Fills `out[i]`, the loss of element `i`, from the expanded operands `v`. */
  forward: (v: readonly FloatArray[], out: FloatArray, r: Rounder) => void;
  /**
   * The fused forward of `"mean"` and `"sum"`: the float64 sum of the per-element losses,
   * each rounded as `forward` stores it, with no per-element array. Optional.
   */
  sum?: (v: readonly FloatArray[], r: Rounder) => number;
  /**
   * The fused value and gradient: returns what `sum` returns and fills `grad` with operand
   * 0's gradient at the broadcast shape for a `"mean"`/`"sum"` gradOutput of `g` (already
   * over `divisor`), element for element what `backward` gives for that gradOutput. Used
   * when operand 0 requires grad and has the broadcast shape; `backward` then returns `grad`
   * as it is when gradOutput is that `g` (as `loss.backward()` gives) and runs in full for
   * any other gradOutput. Optional.
   */
  sumWithGrad?: (v: readonly FloatArray[], grad: FloatArray, g: number, r: Rounder) => number;
  /**
   * The gradient of each operand `k` for which `c.wants(k)`, at the operand's own shape, by
   * operand index; entries for the others are ignored.
   */
  backward: (c: GradContext) => readonly (FloatArray | null)[];
  /** The public function's name, for messages (`"mseLoss"`). */
  fn?: string;
  /** The same formula in WGSL, for operands on WebGPU. */
  wgsl?: ElementwiseWgsl;
}

/**
 * Whether {@linkcode runElementwise} may take a spec's fused kernels (`sum`, `sumWithGrad`).
 * Tests turn it off to compare the fused results with the per-element forward and the full
 * backward.
 */
export const fusedKernels: { enabled: boolean } = { enabled: true };

/**
 * Runs one elementwise loss: forward, reduction and (when asked for) its node. A `"mean"` or
 * `"sum"` call takes the spec's fused kernels when it has them: `sumWithGrad` when operand 0
 * requires grad, else `sum`.
 */
export function runElementwise(spec: ElementwiseLoss): Tensor {
  const { shape, reduction, operands } = spec;
  if (operands.some((t) => t.device === "webgpu")) {
    const fn = spec.fn ?? spec.gradFn;
    if (spec.wgsl === undefined) fail(fn, "its operands are on webgpu, which it has no kernel for");
    return runElementwiseGpu({ ...spec, fn }, spec.wgsl);
  }
  const dtype = operands[0].dtype;
  const r = rounder(dtype);
  const layout = (k: number): readonly number[] => spec.layouts?.[k] ?? operands[k].shape;
  const v = operands.map((t, k) => expand(cpuStorage(t) as FloatArray, layout(k), shape));
  const n = shapeNumel(shape);
  const divisor = spec.divisor ?? 1;
  // The gradOutput scalar that `loss.backward()` gives, over the divisor.
  const unitGrad = r(1 / divisor);
  const sum = fusedKernels.enabled ? spec.sum : undefined;
  const sumWithGrad = fusedKernels.enabled ? spec.sumWithGrad : undefined;
  // Only operand 0 takes a gradient: the case the fused gradient serves.
  const onlyFirst = spec.differentiable.every((k) => k === 0 || !operands[k].requiresGrad);
  const fuseGrad = sumWithGrad !== undefined && reduction !== "none" && onlyFirst &&
    operands[0].requiresGrad && spec.differentiable.includes(0) && sameShape(layout(0), shape);
  // operand 0's gradient for unitGrad, when computed with the value
  const saved = fuseGrad ? takeFloat(dtype, n, true) : null;
  let out: { storage: FloatArray; shape: readonly number[] };
  if (reduction !== "none" && (saved !== null || sum !== undefined)) {
    const total = saved !== null && sumWithGrad !== undefined
      ? sumWithGrad(v, saved, unitGrad, r)
      : sum !== undefined
      ? sum(v, r)
      : NaN;
    const storage = floatStorage(dtype, 1);
    storage[0] = reduction === "sum" ? total : total / n;
    out = { storage, shape: [] };
  } else {
    const losses = takeFloat(dtype, n);
    spec.forward(v, losses, r);
    out = reduceLosses(losses, shape, dtype, reduction);
    if (out.storage !== losses) recycle(losses);
  }
  if (divisor !== 1) out.storage[0] = r(out.storage[0] / divisor);
  const inputs = spec.differentiable.map((k) => operands[k]);
  const wants = (k: number): boolean => spec.differentiable.includes(k) && operands[k].requiresGrad;
  const node = record(spec.gradFn, inputs, (gradOutput) => {
    const go = cpuStorage(gradOutput) as FloatArray;
    const scalar = r(go[0] / divisor);
    if (saved !== null && scalar === unitGrad) {
      return spec.differentiable.map((k) =>
        k === 0 ? new Tensor(saved, operands[0].shape, dtype) : null
      );
    }
    const context: GradContext = {
      v,
      g: reduction === "none" ? (i) => go[i] : () => scalar,
      gradOutput: reduction === "none" || divisor === 1 ? go : floatStorage(dtype, 1).fill(scalar),
      r,
      wants,
      map: (f) => {
        const a = floatStorage(dtype, n);
        for (let i = 0; i < n; i++) a[i] = f(i);
        return a;
      },
      sumTo: (k, full) => sumTo(full, shape, layout(k), dtype),
      own: (k) => cpuStorage(operands[k]) as FloatArray,
    };
    const grads = spec.backward(context);
    return spec.differentiable.map((k) => {
      const gk = grads[k];
      const t = operands[k];
      return gk === null || gk === undefined || !context.wants(k)
        ? null
        : new Tensor(gk, t.shape, dtype);
    });
  }, {
    holds: operands,
    // the expanded copies (not an operand's own storage) and the fused gradient
    scratch: [...v.filter((a, k) => a !== cpuStorage(operands[k])), ...(saved ? [saved] : [])],
  });
  return new Tensor(out.storage, out.shape, dtype, node);
}

/** Checks that `input` and `target` have one shape (no broadcasting), as BCE demands. */
export function checkSameShape(fn: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    fail(
      fn,
      `input and target must have the same shape: input is ${formatShape(input.shape)}, target is ${
        formatShape(target.shape)
      }`,
    );
  }
}

/**
 * Checks an optional per-element weight (`weight`, `posWeight`): a tensor of the input's dtype
 * that broadcasts to the input's shape without growing it, and that takes no gradient (PyTorch
 * rejects one that requires grad). Returns it, or `null` when absent.
 */
export function checkElementWeight(
  fn: string,
  name: string,
  weight: unknown,
  input: Tensor,
): Tensor | null {
  if (weight === undefined || weight === null) return null;
  checkTensor(fn, name, weight);
  if (weight.dtype !== input.dtype) {
    fail(
      fn,
      `input and ${name} must have the same dtype: input is "${input.dtype}", ${name} is "${weight.dtype}"`,
    );
  }
  const shape = broadcastShape(fn, { input, [name]: weight });
  if (!sameShape(shape, input.shape)) {
    fail(
      fn,
      `${name} must broadcast to the input's shape: input is ${
        formatShape(input.shape)
      }, ${name} is ${formatShape(weight.shape)}`,
    );
  }
  if (weight.requiresGrad) {
    fail(fn, `${name} cannot take a gradient, as in PyTorch: ${name} has requiresGrad set`);
  }
  return weight;
}

/** A new array with each element of `a` negated (a target's gradient that mirrors input's). */
export function negated(a: FloatArray): FloatArray {
  const out = a.slice();
  for (let i = 0; i < out.length; i++) out[i] = -out[i];
  return out;
}

/**
 * The checks of an (input, target) loss such as L1 and MSE: float tensors of one dtype whose
 * shapes broadcast. Returns the broadcast shape.
 */
export function checkFloatPair(fn: string, input: Tensor, target: Tensor): number[] {
  // the common call (two live float tensors of one dtype and shape) without the general
  // checks' per-name loops, which cost about a third of a call at 1e3 elements
  if (
    isTensor(input) && isTensor(target) && input.dtype === target.dtype &&
    (input.dtype === "float32" || input.dtype === "float64") && !isDisposed(input) &&
    !isDisposed(target) && sameShape(input.shape, target.shape)
  ) return [...input.shape];
  checkFloat(fn, { input, target });
  checkSameDtype(fn, { input, target });
  return broadcastShape(fn, { input, target });
}

/**
 * Checks an int64-or-float label tensor against the input's float dtype and returns it as
 * that dtype (an int64 tensor becomes a new float tensor that takes no gradient, as in
 * PyTorch, where integer tensors cannot require grad).
 */
export function labelsAsFloat(fn: string, name: string, labels: Tensor, like: Tensor): Tensor {
  if (labels.dtype === like.dtype) return labels;
  if (labels.device === "webgpu" && labels.dtype === "int64" && like.dtype === "float32") {
    const [out] = runMap(`${fn} ${name} as float`, {
      label: "int64 as float32",
      inputs: [{ name: "y", storage: gpuStorage(labels) }],
      outputs: ["out"],
      types: { y: "i32" },
      body: "  out[i] = f32(y);",
    }, labels.numel);
    return new Tensor(out, labels.shape, like.dtype);
  }
  if (labels.dtype !== "int64") {
    fail(
      fn,
      `${name} must have the input's dtype or be int64: input is "${like.dtype}", ${name} is "${labels.dtype}"`,
    );
  }
  const src = cpuStorage(labels) as BigInt64Array;
  const out = floatStorage(like.dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  return new Tensor(out, labels.shape, like.dtype);
}
