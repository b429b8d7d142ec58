/**
 * The triplet losses with the 2-norm distance as one node, for float anchors, positives and
 * negatives of one shape: the distances, the hinge and the reduction in one pass per row, and
 * a backward that recomputes each difference from the inputs instead of keeping them. The
 * arithmetic is that of the composite (`pairwiseDistance`, `add`, `sub`, `minimum`,
 * `clampMin`/`clamp`, `mean`/`sum`) step by step, so results and gradients are the same; see
 * `triplet_margin_loss.ts` and `triplet_margin_with_distance_loss.ts` for the formulas.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { sameShape } from "../_core/broadcast.ts";
import {
  type GradTerm,
  type LeafGrad,
  normGrad2,
  type NormPair,
  rowNorms2,
  rowNorms2WithGrads,
} from "../_cpu/norm_rows.ts";
import {
  type FloatArray,
  floatStorage,
  type Reduction,
  rounder,
  takeFloat,
} from "../_core/reduction.ts";
import { cpuStorage, Tensor } from "../_core/tensor.ts";

/** Which loss: `"margin"` is `clamp_min(margin + d_pos - d_neg, 0)`, `"distance"` is
 * `clamp(d_pos - d_neg + margin, min=0)` (the two round differently in float32). */
export type TripletForm = "margin" | "distance";

/**
 * Whether {@linkcode fusedTriplet} can run: float inputs on the cpu of one shape, at least 1-d,
 * distinct (webgpu inputs go through the ops, recorded as one submit).
 */
export function canFuseTriplet(anchor: Tensor, positive: Tensor, negative: Tensor): boolean {
  const dtype = anchor.dtype;
  return anchor.device === "cpu" && positive.device === "cpu" && negative.device === "cpu" &&
    (dtype === "float32" || dtype === "float64") && positive.dtype === dtype &&
    negative.dtype === dtype && anchor.shape.length > 0 &&
    sameShape(anchor.shape, positive.shape) && sameShape(anchor.shape, negative.shape) &&
    anchor !== positive && anchor !== negative && positive !== negative;
}

/**
 * The hinge `max(0, h)` of rows [j0, j1), `h = (d_pos + margin) - d_neg` (`marginFirst`) or
 * `(d_pos - d_neg) + margin`, each step rounded to float32 when `f32`, `d_neg` the minimum
 * with `dPn` when given (nan if either is nan). Writes `h` into `pre` and the losses into
 * `losses` (when given); returns their sum (float64).
 */
function hingeRows(
  marginFirst: boolean,
  f32: boolean,
  m: number,
  dPos: FloatArray,
  dAn: FloatArray,
  dPn: FloatArray | null,
  pre: FloatArray,
  losses: FloatArray | null,
  j0: number,
  j1: number,
): number {
  let total = 0;
  for (let j = j0; j < j1; j++) {
    let dNeg = dAn[j];
    if (dPn !== null) {
      const y = dPn[j];
      dNeg = dNeg !== dNeg || y !== y ? NaN : y < dNeg ? y : dNeg;
    }
    let h: number;
    if (marginFirst) {
      h = f32 ? Math.fround(Math.fround(dPos[j] + m) - dNeg) : (dPos[j] + m) - dNeg;
    } else {
      h = f32 ? Math.fround(Math.fround(dPos[j] - dNeg) + m) : (dPos[j] - dNeg) + m;
    }
    pre[j] = h;
    const l = h !== h ? NaN : h < 0 ? 0 : h;
    if (losses !== null) losses[j] = l;
    total += l;
  }
  return total;
}

/** The triplet loss with distance `||x - y + eps||_2`, as one node (see the module doc). */
export function fusedTriplet(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  form: TripletForm,
  margin: number,
  eps: number,
  swap: boolean,
  reduction: Reduction,
): Tensor {
  const dtype = anchor.dtype;
  const r = rounder(dtype);
  const shape = anchor.shape;
  const size = shape[shape.length - 1];
  const rowShape = shape.slice(0, -1);
  let rows = 1;
  for (const d of rowShape) rows *= d;
  const a = cpuStorage(anchor) as FloatArray;
  const p = cpuStorage(positive) as FloatArray;
  const n = cpuStorage(negative) as FloatArray;
  // the row distances and the hinge's argument (the gradient passes where it is >= 0), in
  // one allocation
  const perRow = floatStorage(dtype, (swap ? 4 : 3) * rows);
  const dPos = perRow.subarray(0, rows);
  const dAn = perRow.subarray(rows, 2 * rows);
  const pre = perRow.subarray(2 * rows, 3 * rows);
  const dPn = swap ? perRow.subarray(3 * rows, 4 * rows) : null;
  const inputs = [a, p, n];
  const pairs: NormPair[] = [[0, 1, dPos], [0, 2, dAn]];
  if (dPn !== null) pairs.push([1, 2, dPn]);
  const m = r(margin);
  const losses = reduction === "none" ? floatStorage(dtype, rows) : pre;
  let total = 0;
  /** The hinge of rows [j0, j1), once their distances are known. */
  const hinge = (j0: number, j1: number): void => {
    total += hingeRows(
      form === "margin",
      dtype === "float32",
      m,
      dPos,
      dAn,
      dPn,
      pre,
      reduction === "none" ? losses : null,
      j0,
      j1,
    );
  };
  // per row: the gradient of d_pos, of d(a, n) and of d(p, n)
  const perRowGrad = floatStorage(dtype, (swap ? 3 : 2) * rows);
  const gPos = perRowGrad.subarray(0, rows);
  const gAn = perRowGrad.subarray(rows, 2 * rows);
  const gPn = perRowGrad.subarray(2 * rows);
  /** The row gradients of rows [j0, j1) for a gradient `g` of the output. */
  const rowGrads = (j0: number, j1: number, g: FloatArray): void => {
    const g0 = reduction === "mean" ? r(g[0] / rows) : g[0];
    for (let j = j0; j < j1; j++) {
      const gj = reduction === "none" ? g[j] : g0;
      const h = pre[j];
      const gh = h >= 0 ? gj : 0; // nan: no gradient
      gPos[j] = gh;
      const gNeg = -gh;
      if (dPn === null) {
        gAn[j] = gNeg;
      } else {
        // minimum's backward: a tie halves the gradient, nan passes it to both
        const x = dAn[j];
        const y = dPn[j];
        gAn[j] = x === y ? gNeg / 2 : x > y ? 0 : gNeg;
        gPn[j] = x === y ? gNeg / 2 : x < y ? 0 : gNeg;
      }
    }
  };
  const pn = dPn as FloatArray;
  const terms: GradTerm[][] = [
    [[0, 1, dPos, gPos, 1], [0, 2, dAn, gAn, 1]],
    swap ? [[0, 1, dPos, gPos, -1], [1, 2, pn, gPn, 1]] : [[0, 1, dPos, gPos, -1]],
    swap ? [[0, 2, dAn, gAn, -1], [1, 2, pn, gPn, -1]] : [[0, 2, dAn, gAn, -1]],
  ];
  const leaves = [anchor, positive, negative];
  // Fused where it pays: when an input takes a gradient, the gradients for a gradient of 1
  // (backward()'s default) are made in the same pass over the rows as the loss, and the
  // backward hands them over when that is the gradient it gets (once; otherwise it
  // recomputes from the inputs).
  let saved: (FloatArray | null)[] | null = null;
  if (leaves.some((t) => t.requiresGrad)) {
    const ones = floatStorage(dtype, reduction === "none" ? rows : 1).fill(1);
    // the gradients' every element is written: storage as it comes, from the kernel arena
    saved = leaves.map((t) => t.requiresGrad ? takeFloat(dtype, a.length, true) : null);
    const outs: LeafGrad[] = [];
    saved.forEach((gx, i) => {
      if (gx !== null) outs.push([terms[i], gx]);
    });
    rowNorms2WithGrads(inputs, pairs, rows, size, eps, (j0, j1) => {
      hinge(j0, j1);
      rowGrads(j0, j1, ones);
    }, outs);
  } else {
    rowNorms2(inputs, pairs, rows, size, eps);
    hinge(0, rows);
  }
  let out: { storage: FloatArray; shape: readonly number[] };
  if (reduction === "none") {
    out = { storage: losses, shape: rowShape };
  } else {
    const storage = floatStorage(dtype, 1);
    storage[0] = reduction === "sum" ? total : total / rows;
    out = { storage, shape: [] };
  }
  const gradFn = reduction === "mean"
    ? "MeanBackward0"
    : reduction === "sum"
    ? "SumBackward0"
    : form === "margin"
    ? "ClampMinBackward0"
    : "ClampBackward1";
  const node = record(gradFn, leaves, (gradOutput) => {
    const g = cpuStorage(gradOutput) as FloatArray;
    const ready = saved;
    if (
      ready !== null && g.every((v) => v === 1) &&
      leaves.every((t, i) => !t.requiresGrad || ready[i] !== null)
    ) {
      saved = null;
      return leaves.map((t, i) => {
        const gx = ready[i];
        return t.requiresGrad && gx !== null ? new Tensor(gx, shape, dtype) : null;
      });
    }
    rowGrads(0, rows, g);
    return leaves.map((t, i) => {
      if (!t.requiresGrad) return null;
      const gx = takeFloat(dtype, a.length, true); // every element is written
      normGrad2(inputs, terms[i], rows, size, eps, gx);
      return new Tensor(gx, shape, dtype);
    });
  });
  return new Tensor(out.storage, out.shape, dtype, node);
}
