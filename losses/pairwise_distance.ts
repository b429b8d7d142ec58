import { record } from "./_core/autograd.ts";
import { broadcastShape, expand, sameShape, sumTo } from "./_core/broadcast.ts";
import {
  checkBoolean,
  checkNumber,
  checkSameDevice,
  checkSameDtype,
  checkTensor,
  fail,
} from "./_core/checks.ts";
import {
  type FloatArray,
  floatStorage,
  type Rounder,
  rounder,
  takeFloat,
} from "./_core/reduction.ts";
import { cPow, orDefault, sgn, torchPow } from "./_engines/op_helpers.ts";
import { normGrad2, rowNorms2 } from "./_cpu/norm_rows.ts";
import { add, sub } from "./ops.ts";
import { intDifferenceWebgpu, vectorNormWebgpu } from "./_webgpu/pairwise_distance.ts";
import { recordAsOne } from "./_webgpu/ops.ts";
import { cpuStorage, shapeNumel, Tensor } from "./_core/tensor.ts";
import { BOOLEAN, NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode pairwiseDistance}. */
export interface PairwiseDistanceOptions {
  /** A number, the norm's order: any number, `Infinity` and `-Infinity` included. Default 2. */
  p?: number;
  /** A number added to every difference before the norm. Default 1e-6. */
  eps?: number;
  /** A boolean: keep the last dimension with size 1. Default `false`. */
  keepdim?: boolean;
}

const PAIRWISE_DISTANCE_OPTIONS: OptionSpec<PairwiseDistanceOptions> = {
  p: NUMBER,
  eps: NUMBER,
  keepdim: BOOLEAN,
};

/**
 * Distance between the rows of two tensors, as `torch.nn.functional.pairwise_distance`.
 *
 * ```text
 * out = || x1 - x2 + eps ||_p   over the last dimension of the broadcast shape
 *
 * ||v||_p = (sum_i |v_i|^p)^(1/p);  p = 0: count of v_i != 0;
 *           p = inf: max_i |v_i|;   p = -inf: min_i |v_i|;  an empty v has norm 0
 * ```
 *
 * `eps` is added to the difference, not to the norm (PyTorch's `x1 - x2 + eps`), so two
 * equal rows of size D are `eps * D^(1/p)` apart. float32 follows PyTorch's float32 sum of
 * powers: squares that underflow count as 0 and a sum past float32's range is inf. int64
 * inputs give a float32 result, as PyTorch. Gradients are PyTorch's `norm_backward`: 0 where
 * the norm is 0, `sgn(v)` for p = 1 (0 at 0 and nan), an equal share among the elements that
 * reach the max (p = inf) or min (p = -inf), and none at all for p = 0 (the inputs'
 * `.grad` stays `null`).
 *
 * @example Usage
 * ```ts
 * import { pairwiseDistance, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x1 = tensor([[0, 0], [1, 1]], { dtype: "float64" });
 * const x2 = tensor([[3, 4], [1, 1]], { dtype: "float64" });
 * const d = pairwiseDistance(x1, x2, { eps: 0 });
 * assert.deepEqual(d.toArray(), [5, 0]);
 * assert.deepEqual(pairwiseDistance(x1, x2, { p: 1, eps: 0, keepdim: true }).toArray(), [[7], [0]]);
 * ```
 *
 * @param x1 float32, float64 or int64, any shape.
 * @param x2 The same dtype; a shape that broadcasts with `x1`.
 * @param options `p`, `eps`, `keepdim`.
 * @returns The broadcast shape without its last dimension (kept with size 1 for `keepdim`).
 * @throws {TypeError} If an argument has the wrong type, the dtypes differ or the shapes do
 *   not broadcast.
 */
export function pairwiseDistance(
  x1: Tensor,
  x2: Tensor,
  options: PairwiseDistanceOptions = {},
): Tensor {
  const fn = "pairwiseDistance";
  options = parseOptions(fn, options, PAIRWISE_DISTANCE_OPTIONS);
  const p = checkNumber(fn, "p", orDefault(options.p, 2));
  const eps = checkNumber(fn, "eps", orDefault(options.eps, 1e-6));
  const keepdim = checkBoolean(fn, "keepdim", options.keepdim, false);
  checkDistanceInputs(fn, { x1, x2 });
  broadcastShape(fn, { x1, x2 });
  return recordAsOne(`${fn} forward`, [x1, x2], () => distance(x1, x2, p, eps, keepdim));
}

/**
 * Checks tensors a distance reads: each float32, float64 or int64, all of one dtype.
 */
export function checkDistanceInputs(fn: string, tensors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    checkTensor(fn, name, t);
    if (t.dtype !== "float32" && t.dtype !== "float64" && t.dtype !== "int64") {
      fail(fn, `${name} must be float32, float64 or int64: ${name} dtype is "${t.dtype}"`);
    }
  }
  checkSameDtype(fn, tensors);
  checkSameDevice(fn, tensors);
}

/** `||x1 - x2 + eps||_p` over the last dimension, for inputs already checked. */
export function distance(x1: Tensor, x2: Tensor, p: number, eps: number, keepdim: boolean): Tensor {
  if (x1.device === "webgpu") {
    const diff = x1.dtype === "int64" ? intDifferenceWebgpu(x1, x2) : sub(x1, x2);
    return vectorNorm(add(diff, eps), p, keepdim);
  }
  if (x1.dtype === "int64") return vectorNorm(add(intDifference(x1, x2), eps), p, keepdim);
  if (p === 2 && x1.shape.length > 0 && sameShape(x1.shape, x2.shape)) {
    return distance2(x1, x2, eps, keepdim);
  }
  return floatDistance(x1, x2, p, eps, keepdim);
}

/** The shape of a norm over the last dimension of `shape`. */
function normShape(shape: readonly number[], keepdim: boolean): number[] {
  return shape.length === 0 ? [] : [...shape.slice(0, -1), ...(keepdim ? [1] : [])];
}

/**
 * The 2-norm distance of two float tensors of one shape (at least 1-d), as one node: the
 * difference is never stored, the backward recomputes it row by row.
 */
function distance2(x1: Tensor, x2: Tensor, eps: number, keepdim: boolean): Tensor {
  const dtype = x1.dtype;
  const size = x1.shape[x1.shape.length - 1];
  const rows = size === 0 ? shapeNumel(x1.shape.slice(0, -1)) : x1.numel / size;
  const a = cpuStorage(x1) as FloatArray;
  const b = cpuStorage(x2) as FloatArray;
  const out = floatStorage(dtype, rows);
  rowNorms2([a, b], [[0, 1, out]], rows, size, eps);
  const node = record("NormBackward1", [x1, x2], (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const grad = (t: Tensor, sign: 1 | -1): Tensor | null => {
      if (!t.requiresGrad) return null;
      const gx = takeFloat(dtype, a.length, true); // every element is written
      normGrad2([a, b], [[0, 1, out, g, sign]], rows, size, eps, gx);
      return new Tensor(gx, t.shape, dtype);
    };
    return [grad(x1, 1), grad(x2, -1)];
  }, { holds: [x1, x2, out] });
  return new Tensor(out, normShape(x1.shape, keepdim), dtype, node);
}

/**
 * Any p, any broadcast: `v = x1 - x2 + eps` made once (each step rounded to the dtype), its
 * norms, and one node that sums `norm_backward`'s gradient back to each input's shape.
 */
function floatDistance(x1: Tensor, x2: Tensor, p: number, eps: number, keepdim: boolean): Tensor {
  const dtype = x1.dtype;
  const r = rounder(dtype);
  const shape = broadcastShape("pairwiseDistance", { x1, x2 });
  const a = expand(cpuStorage(x1) as FloatArray, x1.shape, shape);
  const b = expand(cpuStorage(x2) as FloatArray, x2.shape, shape);
  const v = floatStorage(dtype, a.length);
  const e = r(eps);
  for (let i = 0; i < v.length; i++) v[i] = r(a[i] - b[i]) + e;
  const diff = new Tensor(v, shape, dtype);
  const { out, lanes, size } = laneNorms(diff, p);
  const node = record("NormBackward1", [x1, x2], (gradOutput) => {
    if (p === 0) return [null, null];
    const g = cpuStorage(gradOutput) as FloatArray;
    const gi = floatStorage(dtype, v.length);
    for (let j = 0; j < lanes; j++) laneNormBackward(v, j * size, size, p, out[j], g[j], r, gi);
    const grad = (t: Tensor, sign: number): Tensor | null => {
      if (!t.requiresGrad) return null;
      let gs = gi;
      if (sign < 0) {
        gs = floatStorage(dtype, gi.length);
        for (let i = 0; i < gi.length; i++) gs[i] = -gi[i];
      }
      return new Tensor(sumTo(gs, shape, t.shape, dtype), t.shape, dtype);
    };
    return [grad(x1, 1), grad(x2, -1)];
  }, { holds: [x1, x2, out], scratch: [v] });
  diff.dispose(); // v stays while the node holds it
  return new Tensor(out, normShape(shape, keepdim), dtype, node);
}

/** int64 `x1 - x2` (wrapping, as int64 arithmetic) converted to float32, as PyTorch promotes. */
function intDifference(x1: Tensor, x2: Tensor): Tensor {
  const shape = broadcastShape("pairwiseDistance", { x1, x2 });
  const a = expand(cpuStorage(x1) as BigInt64Array, x1.shape, shape);
  const b = expand(cpuStorage(x2) as BigInt64Array, x2.shape, shape);
  const out = floatStorage("float32", a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(BigInt.asIntN(64, a[i] - b[i]));
  return new Tensor(out, shape, "float32");
}

/** The p-norm of one lane of `size` contiguous elements from `base`. */
function laneNorm(x: FloatArray, base: number, size: number, p: number, r: Rounder): number {
  if (size === 0) return 0;
  let acc = 0;
  if (p === 0) {
    for (let k = 0; k < size; k++) acc += x[base + k] !== 0 ? 1 : 0;
    return acc;
  }
  if (p === Infinity || p === -Infinity) {
    acc = Math.abs(x[base]);
    for (let k = 1; k < size && acc === acc; k++) {
      const v = Math.abs(x[base + k]);
      if (v !== v || (p > 0 ? v > acc : v < acc)) acc = v;
    }
    return acc;
  }
  if (p === 1) {
    for (let k = 0; k < size; k++) acc += Math.abs(x[base + k]);
    return r(acc);
  }
  if (p === 2) {
    for (let k = 0; k < size; k++) {
      const v = x[base + k];
      acc += r(v * v);
    }
    return Math.sqrt(r(acc));
  }
  for (let k = 0; k < size; k++) acc += r(cPow(Math.abs(x[base + k]), p));
  return cPow(r(acc), 1 / p);
}

/**
 * PyTorch 1.13's `norm_backward` for one lane: `g` is the gradient of the lane's norm `n`.
 * Writes the gradient of each element into `out`.
 */
function laneNormBackward(
  x: FloatArray,
  base: number,
  size: number,
  p: number,
  n: number,
  g: number,
  r: Rounder,
  out: FloatArray,
): void {
  if (p === 1) {
    for (let k = 0; k < size; k++) out[base + k] = sgn(x[base + k]) * g;
  } else if (p === 2) {
    // grad * (self / norm).masked_fill_(norm == 0, 0)
    for (let k = 0; k < size; k++) out[base + k] = g * (n === 0 ? 0 : r(x[base + k] / n));
  } else if (p === Infinity || p === -Infinity) {
    // self.sgn() * ((grad / mask.sum(dim, true)) * mask), mask = |self| == norm or nan
    let count = 0;
    for (let k = 0; k < size; k++) {
      const v = Math.abs(x[base + k]);
      if (v === n || v !== v) count++;
    }
    const share = r(g / count);
    for (let k = 0; k < size; k++) {
      const v = Math.abs(x[base + k]);
      const hit = v === n || v !== v ? 1 : 0;
      out[base + k] = sgn(x[base + k]) * r(share * hit);
    }
  } else if (p < 1) {
    // self.sgn() * self.abs().pow(p - 1).masked_fill(self == 0, 0) * grad * norm.pow(1 - p)
    const scale = r(torchPow(n, 1 - p, r));
    for (let k = 0; k < size; k++) {
      const v = x[base + k];
      const scaled = v === 0 ? 0 : sgn(v) * r(torchPow(Math.abs(v), p - 1, r));
      out[base + k] = r(r(scaled * g) * scale);
    }
  } else {
    // p in (1, 2): self.sgn() * self.abs().pow(p - 1); p > 2: self * self.abs().pow(p - 2);
    // times grad / norm.pow(p - 1), masked to 0 where norm == 0
    const scale = n === 0 ? 0 : r(g / r(torchPow(n, p - 1, r)));
    for (let k = 0; k < size; k++) {
      const v = x[base + k];
      const scaled = p < 2
        ? sgn(v) * r(torchPow(Math.abs(v), p - 1, r))
        : r(v * r(torchPow(Math.abs(v), p - 2, r)));
      out[base + k] = r(scaled * scale);
    }
  }
}

/** The p-norm of each lane (last dimension) of a float tensor. */
function laneNorms(input: Tensor, p: number): { out: FloatArray; lanes: number; size: number } {
  const dtype = input.dtype;
  const r = rounder(dtype);
  const ndim = input.shape.length;
  const size = ndim === 0 ? 1 : input.shape[ndim - 1];
  const lanes = ndim === 0 ? 1 : shapeNumel(input.shape.slice(0, -1));
  const x = cpuStorage(input) as FloatArray;
  const out = floatStorage(dtype, lanes);
  for (let j = 0; j < lanes; j++) out[j] = laneNorm(x, j * size, size, p, r);
  return { out, lanes, size };
}

/** The p-norm over the last dimension (PyTorch's `norm(x, p, -1, keepdim)`), with its node. */
function vectorNorm(input: Tensor, p: number, keepdim: boolean): Tensor {
  if (input.device === "webgpu") return vectorNormWebgpu(input, p, keepdim);
  const dtype = input.dtype;
  const r = rounder(dtype);
  const x = cpuStorage(input) as FloatArray;
  const { out, lanes, size } = laneNorms(input, p);
  const node = record("NormBackward1", [input], (gradOutput) => {
    if (p === 0) return [null];
    const g = cpuStorage(gradOutput) as FloatArray;
    const gi = floatStorage(dtype, x.length);
    for (let j = 0; j < lanes; j++) {
      laneNormBackward(x, j * size, size, p, out[j], g[j], r, gi);
    }
    return [new Tensor(gi, input.shape, dtype)];
  }, { holds: [input, out] });
  return new Tensor(out, normShape(input.shape, keepdim), dtype, node);
}
