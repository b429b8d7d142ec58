import { record } from "./_core/autograd.ts";
import { broadcastShape, expand, sameShape, sumTo } from "./_core/broadcast.ts";
import { cosineGrad, rowDots } from "./_cpu/cosine_rows.ts";
import {
  checkFloat,
  checkNumber,
  checkSameDevice,
  checkSameDtype,
  checkTensor,
  fail,
} from "./_core/checks.ts";
import { cosineEmbeddingLossWebgpu } from "./_webgpu/cosine_embedding_loss.ts";
import {
  type FloatArray,
  floatStorage,
  parseReduction,
  reduceLosses,
  REDUCTION,
  type Reduction,
  rounder,
  takeFloat,
} from "./_core/reduction.ts";
import { cpuStorage, formatShape, Tensor, type TypedArray } from "./_core/tensor.ts";
import { NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode cosineEmbeddingLoss} and {@linkcode CosineEmbeddingLoss}. */
export interface CosineEmbeddingLossOptions {
  /** A number; default 0. PyTorch suggests values in [-1, 1]. */
  margin?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const COSINE_EMBEDDING_OPTIONS: OptionSpec<CosineEmbeddingLossOptions> = {
  margin: NUMBER,
  reduction: REDUCTION,
};

/** PyTorch's `EPSILON` in `cosine_embedding_loss` (Loss.cpp). */
const EPSILON = 1e-12;

// torch 1.13 (Loss.cpp, cosine_embedding_loss), a composite of tensor ops over the last dim:
//   prod_sum = (x1 * x2).sum(-1)
//   mag_square1 = (x1 * x1).sum(-1) + EPSILON;  mag_square2 = (x2 * x2).sum(-1) + EPSILON
//   cos = prod_sum / sqrt(mag_square1 * mag_square2)
//   l = where(y == 1, 1 - cos, 0) + where(y == -1, clamp_min(cos - margin, 0), 0)
// Gradients follow the ops: div (grad / den, -grad * ((num / den) / den)), sqrt
// (grad / (2 * result)), mul, and clamp_min, which passes the gradient where
// cos - margin >= 0 (the kink included).

/**
 * Cosine embedding loss, as `torch.nn.functional.cosine_embedding_loss`.
 *
 * ```text
 * cos_n = sum_d x1[n, d] x2[n, d] / sqrt((sum_d x1[n, d]^2 + 1e-12) (sum_d x2[n, d]^2 + 1e-12))
 * l_n = 1 - cos_n                  if y_n == 1
 *       max(0, cos_n - margin)     if y_n == -1
 *       0                          otherwise          reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * This is PyTorch's literal composite: the 1e-12 inside each squared norm makes a zero
 * vector's cosine 0 (loss 1 for `y = 1`) with a large but finite gradient; a target other
 * than 1 or -1 is not an error and gives a loss of 0; squares that overflow the dtype give
 * inf and then nan, as in PyTorch. At the kink `cos - margin == 0` the gradient passes.
 * Inputs (N, D) with target (N), or (D) with a 0-d target; the inputs broadcast with each
 * other and the target with the N cosines. `input1` and `input2` get gradients; the target
 * takes none.
 *
 * @example Usage
 * ```ts
 * import { cosineEmbeddingLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const a = tensor([[1, 0], [0, 2]]);
 * const b = tensor([[1, 0], [0, -1]]);
 * // float32: 1 + 1e-12 rounds to 1, so cos is 1 for the same direction and -1 for opposite
 * const loss = cosineEmbeddingLoss(a, b, tensor([1, -1]), { reduction: "none", margin: -0.5 });
 * assert.deepEqual(loss.toArray(), [0, 0]); // 1 - 1, and max(0, -1 - (-0.5))
 * ```
 *
 * @param input1 (N, D) or (D), float32 or float64.
 * @param input2 The same dtype, a shape that broadcasts with `input1`.
 * @param target 1 or -1 per pair, any numeric dtype: (N) for 2-D inputs, 0-d for 1-D inputs.
 * @param options `margin`, `reduction`.
 * @returns A 0-d tensor, or the per-pair losses when `reduction` is `"none"`.
 * @throws {TypeError} If dtypes or shapes do not fit.
 * @throws {RangeError} If `reduction` is unknown.
 */
export function cosineEmbeddingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  options: CosineEmbeddingLossOptions = {},
): Tensor {
  const fn = "cosineEmbeddingLoss";
  options = parseOptions(fn, options, COSINE_EMBEDDING_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const margin = checkNumber(fn, "margin", options.margin ?? 0);
  checkFloat(fn, { input1, input2 });
  checkSameDtype(fn, { input1, input2 });
  checkTensor(fn, "target", target);
  checkSameDevice(fn, { input1, input2, target });
  const targetDims = target.shape.length;
  if (targetDims > 1) {
    fail(fn, `target must be 0-d or 1-d: target is ${formatShape(target.shape)}`);
  }
  const want = targetDims + 1;
  if (input1.shape.length !== want || input2.shape.length !== want) {
    fail(
      fn,
      `inputs must be ${want === 2 ? "2-d for a 1-d target" : "1-d for a 0-d target"}: input1 is ${
        formatShape(input1.shape)
      }, input2 is ${formatShape(input2.shape)}`,
    );
  }
  const shape = broadcastShape(fn, { input1, input2 });
  const cosN = want === 2 ? shape[0] : 1;
  const tN = want === 2 ? target.shape[0] : 1;
  if (tN !== cosN && tN !== 1 && cosN !== 1) {
    fail(
      fn,
      `target must have one value per pair (${cosN}) or broadcast to it: target is ${
        formatShape(target.shape)
      }`,
    );
  }
  const outN = cosN === 1 ? tN : cosN;
  if (input1.device === "webgpu") {
    const call = { input1, input2, target, margin, reduction, shape, cosN, tN, outN };
    return cosineEmbeddingLossWebgpu(call);
  }
  const dtype = input1.dtype;
  const r = rounder(dtype);
  const x1 = cpuStorage(input1) as FloatArray;
  const x2 = cpuStorage(input2) as FloatArray;
  const D = shape[shape.length - 1];
  const eps = r(EPSILON);
  const same = sameShape(input1.shape, input2.shape);
  const x1e = same ? x1 : expand(x1, input1.shape, shape);
  const x2e = same ? x2 : expand(x2, input2.shape, shape);
  // the per-row values in one allocation (and the squared norms too for one shape)
  const perRow = floatStorage(dtype, (same ? 5 : 3) * cosN);
  const prod = perRow.subarray(0, cosN);
  const den = perRow.subarray(cosN, 2 * cosN);
  const cos = perRow.subarray(2 * cosN, 3 * cosN);
  let ms1: FloatArray;
  let ms2: FloatArray;
  if (same) {
    // one pass over both inputs: the three row sums, in float64
    const sums = new Float64Array(3 * cosN);
    rowDots(x1, x2, cosN, D, sums);
    ms1 = perRow.subarray(3 * cosN, 4 * cosN);
    ms2 = perRow.subarray(4 * cosN);
    cosineRows(dtype === "float32", sums, eps, prod, ms1, ms2, den, cos);
  } else {
    const magSquare = (x: FloatArray, xShape: readonly number[]): FloatArray => {
      const d = xShape[xShape.length - 1];
      const rows = xShape.length === 2 ? xShape[0] : 1;
      const out = floatStorage(dtype, rows);
      for (let n = 0; n < rows; n++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += r(x[n * d + k] * x[n * d + k]);
        out[n] = r(r(s) + eps);
      }
      return out;
    };
    ms1 = magSquare(x1, input1.shape);
    ms2 = magSquare(x2, input2.shape);
    for (let n = 0; n < cosN; n++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += r(x1e[n * D + k] * x2e[n * D + k]);
      prod[n] = s;
    }
  }
  const at = (a: FloatArray, n: number): number => a[a.length === 1 ? 0 : n];
  if (!same) {
    for (let n = 0; n < cosN; n++) {
      den[n] = r(Math.sqrt(r(at(ms1, n) * at(ms2, n))));
      cos[n] = r(prod[n] / den[n]);
    }
  }
  const y = targetValues(target);
  const m = r(margin);
  const losses = floatStorage(dtype, outN);
  cosineLosses(dtype === "float32", cos, y, m, losses);
  const out = reduceLosses(losses, want === 2 ? [outN] : [], dtype, reduction);
  const gradFn = { none: "AddBackward0", mean: "MeanBackward0", sum: "SumBackward0" }[reduction];
  const node = record(gradFn, [input1, input2], (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const gMean = reduction === "mean" ? r(g[0] / outN) : g[0];
    const gcos = new Float64Array(cosN);
    for (let o = 0; o < outN; o++) {
      const n = cosN === 1 ? 0 : o;
      const t = y[tN === 1 ? 0 : o];
      const go = reduction === "none" ? g[o] : gMean;
      if (t === 1) gcos[n] += -go;
      else if (t === -1 && r(cos[n] - m) >= 0) gcos[n] += go;
    }
    if (same) {
      // per row: the gradient of the dot product, and of each squared norm
      const c1 = floatStorage(dtype, 2 * cosN);
      const c2 = floatStorage(dtype, 2 * cosN);
      cosineRowGrads(dtype === "float32", gcos, prod, den, ms1, ms2, c1, c2);
      const rowGrad = (
        t: Tensor,
        self: FloatArray,
        other: FloatArray,
        c: FloatArray,
      ): Tensor | null => {
        if (!t.requiresGrad) return null;
        // every element is written: storage as it comes, from the kernel arena
        const gx = takeFloat(dtype, self.length, true);
        cosineGrad(self, other, cosN, D, c, gx);
        return new Tensor(gx, t.shape, dtype);
      };
      return [rowGrad(input1, x1, x2, c1), rowGrad(input2, x2, x1, c2)];
    }
    const gms1 = new Float64Array(ms1.length);
    const gms2 = new Float64Array(ms2.length);
    const gx1e = floatStorage(dtype, x1e.length);
    const gx2e = floatStorage(dtype, x2e.length);
    for (let n = 0; n < cosN; n++) {
      const gc = r(gcos[n]);
      const gProd = r(gc / den[n]);
      const gDen = r(-gc * r(r(prod[n] / den[n]) / den[n]));
      const gM = r(gDen / r(2 * den[n]));
      gms1[ms1.length === 1 ? 0 : n] += r(gM * at(ms2, n));
      gms2[ms2.length === 1 ? 0 : n] += r(gM * at(ms1, n));
      for (let k = 0; k < D; k++) {
        gx1e[n * D + k] = r(gProd * x2e[n * D + k]);
        gx2e[n * D + k] = r(gProd * x1e[n * D + k]);
      }
    }
    const grad = (x: FloatArray, t: Tensor, gxe: FloatArray, gms: Float64Array): Tensor | null => {
      if (!t.requiresGrad) return null;
      const fromProd = sumTo(gxe, shape, t.shape, dtype);
      const d = t.shape[t.shape.length - 1];
      const gx = floatStorage(dtype, x.length);
      for (let i = 0; i < x.length; i++) {
        const gm = r(gms[Math.floor(i / d)]);
        gx[i] = r(fromProd[i] + r(2 * r(gm * x[i])));
      }
      return new Tensor(gx, t.shape, dtype);
    };
    return [grad(x1, input1, gx1e, gms1), grad(x2, input2, gx2e, gms2)];
  });
  return new Tensor(out.storage, out.shape, dtype, node);
}

/**
 * The per-row values of same-shape inputs from their three row sums (`sums[3n..3n+2]`:
 * x1·x2, x1·x1, x2·x2), every step rounded to float32 when `f32`.
 */
function cosineRows(
  f32: boolean,
  sums: Float64Array,
  eps: number,
  prod: FloatArray,
  ms1: FloatArray,
  ms2: FloatArray,
  den: FloatArray,
  cos: FloatArray,
): void {
  const fr = Math.fround;
  for (let n = 0; n < prod.length; n++) {
    // the stores round to the dtype
    prod[n] = sums[3 * n];
    ms1[n] = f32 ? fr(sums[3 * n + 1]) + eps : sums[3 * n + 1] + eps;
    ms2[n] = f32 ? fr(sums[3 * n + 2]) + eps : sums[3 * n + 2] + eps;
    den[n] = f32 ? Math.sqrt(fr(ms1[n] * ms2[n])) : Math.sqrt(ms1[n] * ms2[n]);
    cos[n] = prod[n] / den[n];
  }
}

/**
 * The backward of same-shape rows from the gradient of each cosine: through
 * `cos = prod / den`, `den = sqrt(ms1 * ms2)`, as PyTorch's ops (div, sqrt, mul), every step
 * rounded to float32 when `f32`. Writes per row the gradient of the dot product and of the
 * squared norm of input 1 into `c1` (pairs) and of input 2 into `c2`.
 */
function cosineRowGrads(
  f32: boolean,
  gcos: Float64Array,
  prod: FloatArray,
  den: FloatArray,
  ms1: FloatArray,
  ms2: FloatArray,
  c1: FloatArray,
  c2: FloatArray,
): void {
  const fr = Math.fround;
  for (let n = 0; n < prod.length; n++) {
    const d = den[n];
    let gc: number, gProd: number, gM: number;
    if (f32) {
      gc = fr(gcos[n]);
      gProd = fr(gc / d);
      gM = fr(fr(-gc * fr(fr(prod[n] / d) / d)) / fr(2 * d));
    } else {
      gc = gcos[n];
      gProd = gc / d;
      gM = (-gc * ((prod[n] / d) / d)) / (2 * d);
    }
    // the stores round to the dtype
    c1[2 * n] = gProd;
    c1[2 * n + 1] = gM * ms2[n];
    c2[2 * n] = gProd;
    c2[2 * n + 1] = gM * ms1[n];
  }
}

/**
 * Each loss from its cosine and target (either may hold one value for all):
 * `1 - cos` for 1, `max(0, cos - m)` for -1, 0 otherwise; rounded to float32 when `f32`.
 */
function cosineLosses(
  f32: boolean,
  cos: FloatArray,
  y: Float64Array,
  m: number,
  losses: FloatArray,
): void {
  const cm = cos.length === 1 ? 0 : -1;
  const ym = y.length === 1 ? 0 : -1;
  for (let o = 0; o < losses.length; o++) {
    const c = cos[o & cm];
    const t = y[o & ym];
    const d = f32 ? Math.fround(c - m) : c - m;
    losses[o] = t === 1 ? 1 - c : t === -1 ? (d > 0 || d !== d ? d : 0) : 0; // max(d, 0), nan kept
  }
}

/** The target's values as numbers (bool as 0/1). */
function targetValues(target: Tensor): Float64Array {
  const src: TypedArray = cpuStorage(target);
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  return out;
}

/**
 * Module form of {@linkcode cosineEmbeddingLoss}, as `torch.nn.CosineEmbeddingLoss`.
 *
 * @example Usage
 * ```ts
 * import { CosineEmbeddingLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const zero = tensor([0, 0]);
 * const loss = new CosineEmbeddingLoss().forward(zero, tensor([1, 2]), tensor(1));
 * assert.equal(loss.item(), 1); // a zero vector's cosine is 0
 * ```
 */
export class CosineEmbeddingLoss {
  readonly #options: CosineEmbeddingLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode cosineEmbeddingLoss} call.
   */
  constructor(options: CosineEmbeddingLossOptions = {}) {
    this.#options = parseOptions(
      "CosineEmbeddingLoss",
      options,
      COSINE_EMBEDDING_OPTIONS,
      "create",
    );
  }
  /**
   * Computes the loss.
   *
   * @param input1 First embeddings.
   * @param input2 Second embeddings.
   * @param target 1 (similar) or -1 (dissimilar) per pair.
   * @returns The loss, as {@linkcode cosineEmbeddingLoss}.
   */
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return cosineEmbeddingLoss(input1, input2, target, this.#options);
  }
}
