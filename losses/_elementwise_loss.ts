/**
 * Losses computed element by element over several operands broadcast to one shape (BCE,
 * BCE with logits, KL divergence, Poisson and Gaussian NLL). A loss file gives two loops, the
 * forward and the gradients, over the operands' expanded storage; this module expands,
 * reduces, records the node and sums each gradient back to its operand's shape.
 *
 * @module
 */

import { record } from "./_autograd.ts";
import { broadcastShape, expand, sameShape, sumTo } from "./_broadcast.ts";
import { checkTensor, fail } from "./_checks.ts";
import {
  type FloatArray,
  floatStorage,
  reduceLosses,
  type Reduction,
  type Rounder,
  rounder,
} from "./_reduction.ts";
import { cpuStorage, formatShape, shapeNumel, Tensor } from "./tensor.ts";

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
   * Fills `grads[k][i]` for each operand `k` whose entry is not null, where `g(i)` is
   * gradOutput's element for element `i` (the one scalar for `"mean"`/`"sum"`, already over
   * `divisor`); the formula applies the mean's `1 / n` itself, in PyTorch's order.
   */
  backward: (
    v: readonly FloatArray[],
    g: (i: number) => number,
    grads: readonly (FloatArray | null)[],
    r: Rounder,
  ) => void;
}

/** Runs one elementwise loss: forward, reduction and (when asked for) its node. */
export function runElementwise(spec: ElementwiseLoss): Tensor {
  const { shape, reduction, operands } = spec;
  const dtype = operands[0].dtype;
  const r = rounder(dtype);
  const layout = (k: number): readonly number[] => spec.layouts?.[k] ?? operands[k].shape;
  const v = operands.map((t, k) => expand(cpuStorage(t) as FloatArray, layout(k), shape));
  const losses = floatStorage(dtype, shapeNumel(shape));
  spec.forward(v, losses, r);
  const out = reduceLosses(losses, shape, dtype, reduction);
  const divisor = spec.divisor ?? 1;
  if (divisor !== 1) out.storage[0] = r(out.storage[0] / divisor);
  const inputs = spec.differentiable.map((k) => operands[k]);
  const node = record(spec.gradFn, inputs, (gradOutput) => {
    const go = cpuStorage(gradOutput) as FloatArray;
    const scalar = r(go[0] / divisor);
    const g = reduction === "none" ? (i: number) => go[i] : () => scalar;
    const grads = operands.map((t, k) =>
      spec.differentiable.includes(k) && t.requiresGrad ? floatStorage(dtype, losses.length) : null
    );
    spec.backward(v, g, grads, r);
    return spec.differentiable.map((k) => {
      const gk = grads[k];
      const t = operands[k];
      return gk === null ? null : new Tensor(sumTo(gk, shape, layout(k), dtype), t.shape, dtype);
    });
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

/** Checks that `value` is a boolean (or absent, giving `fallback`). */
export function checkBoolean(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    fail(
      fn,
      `${name} must be a boolean: current value is ${
        typeof value === "string" ? JSON.stringify(value) : String(value)
      }`,
    );
  }
  return value;
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
