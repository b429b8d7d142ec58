import { broadcastShape, broadcastShapes } from "./_core/broadcast.ts";
import { checkBoolean, checkNumber, fail } from "./_core/checks.ts";
import { parseReduction, REDUCTION, type Reduction } from "./_core/reduction.ts";
import { orDefault } from "./_engines/op_helpers.ts";
import { add, clampMin, mean, minimum, sub, sum } from "./ops.ts";
import { recordAsOne } from "./_webgpu/ops.ts";
import { checkDistanceInputs, distance } from "./pairwise_distance.ts";
import { canFuseTriplet, fusedTriplet } from "./_engines/triplet.ts";
import type { Tensor } from "./_core/tensor.ts";
import { BOOLEAN, NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode tripletMarginLoss} and {@linkcode TripletMarginLoss}. */
export interface TripletMarginLossOptions {
  /** A number; default 1 (0 and negative margins included, as PyTorch). */
  margin?: number;
  /** A number, the norm's order for the distances (`±Infinity` too). Default 2. */
  p?: number;
  /** A number added to each difference before the norm. Default 1e-6. */
  eps?: number;
  /** A boolean: use `min(d(a, n), d(p, n))` as the negative distance. Default `false`. */
  swap?: boolean;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const TRIPLET_MARGIN_OPTIONS: OptionSpec<TripletMarginLossOptions> = {
  margin: NUMBER,
  p: NUMBER,
  eps: NUMBER,
  swap: BOOLEAN,
  reduction: REDUCTION,
};

// torch 1.13 (Loss.cpp, triplet_margin_loss), a composite of differentiable ops:
//   dist_pos = pairwise_distance(anchor, positive, p, eps)       // ||a - p + eps||_p
//   dist_neg = pairwise_distance(anchor, negative, p, eps)
//   if swap: dist_neg = at::min(dist_neg, pairwise_distance(positive, negative, p, eps))
//   output = clamp_min(margin + dist_pos - dist_neg, 0)
//   mean / sum / none
// Built here from the same ops, in the same order, so every rounding step and every
// gradient (norm_backward, minimum's half-split at ties, clamp_min passing at 0) is PyTorch's.

/**
 * Triplet margin loss, as `torch.nn.functional.triplet_margin_loss`.
 *
 * ```text
 * d(x, y) = || x - y + eps ||_p                 (pairwiseDistance over the last dim)
 * l_n = max(0, margin + d(a_n, p_n) - d(a_n, n_n))
 * swap: d(a_n, n_n) becomes min(d(a_n, n_n), d(p_n, n_n))
 * reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * As PyTorch: `eps` is added to the difference inside the norm (so equal vectors are
 * `eps * D^(1/p)` apart, not 0); the three inputs need the same number of dimensions and
 * broadcast against each other; 0-d, 1-d (unbatched) and N-d inputs all work, the distance
 * running over the last dimension; every `p` works (`p = 0` gives no gradient at all). The
 * hinge passes the gradient when `margin + d_pos - d_neg` is exactly 0, and a tie under
 * `swap` gives half the gradient to each distance. float32 distances follow PyTorch's float32
 * arithmetic (squares below float32's range count as 0, a sum past it is inf). int64 inputs
 * give a float32 loss. A float32/float64 mix throws (PyTorch would promote). Gradients flow
 * to all three inputs.
 *
 * @example Usage
 * ```ts
 * import { tensor, tripletMarginLoss } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const anchor = tensor([[0, 0]], { dtype: "float64", requiresGrad: true });
 * const positive = tensor([[3, 4]], { dtype: "float64" });
 * const negative = tensor([[6, 8]], { dtype: "float64" });
 * const loss = tripletMarginLoss(anchor, positive, negative, { margin: 6, eps: 0 });
 * assert.equal(loss.item(), 1); // max(0, 6 + 5 - 10)
 * loss.backward();
 * assert.deepEqual(anchor.grad?.toArray(), [[0, 0]]); // (a - p)/5 - (a - n)/10
 * ```
 *
 * @param anchor float32, float64 or int64, shape (N, D), (D) or any shape.
 * @param positive The same dtype and number of dimensions as `anchor`, broadcasting with it.
 * @param negative The same dtype and number of dimensions as `anchor`, broadcasting with it.
 * @param options `margin`, `p`, `eps`, `swap`, `reduction`.
 * @returns A 0-d tensor, or the per-triplet losses (the broadcast shape without its last
 *   dimension) for `"none"`.
 * @throws {TypeError} If an argument has the wrong type, the dtypes differ, the numbers of
 *   dimensions differ or the shapes do not broadcast.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function tripletMarginLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  options: TripletMarginLossOptions = {},
): Tensor {
  const fn = "tripletMarginLoss";
  options = parseOptions(fn, options, TRIPLET_MARGIN_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const margin = checkNumber(fn, "margin", orDefault(options.margin, 1));
  const p = checkNumber(fn, "p", orDefault(options.p, 2));
  const eps = checkNumber(fn, "eps", orDefault(options.eps, 1e-6));
  const swap = checkBoolean(fn, "swap", options.swap, false);
  checkDistanceInputs(fn, { anchor, positive, negative });
  const dims = [anchor, positive, negative].map((t) => t.shape.length);
  if (dims[0] !== dims[1] || dims[1] !== dims[2]) {
    fail(
      fn,
      `anchor, positive and negative must have the same number of dimensions: anchor is ${
        dims[0]
      }-d, positive is ${dims[1]}-d, negative is ${dims[2]}-d`,
    );
  }
  if (p === 2 && canFuseTriplet(anchor, positive, negative)) {
    // one shape: nothing to broadcast
    return fusedTriplet(anchor, positive, negative, "margin", margin, eps, swap, reduction);
  }
  const rows = (shape: readonly number[]) => shape.slice(0, -1);
  const toPositive = rows(broadcastShape(fn, { anchor, positive }));
  const toNegative = rows(broadcastShape(fn, { anchor, negative }));
  const distances: Record<string, readonly number[]> = {
    "d(anchor, positive)": toPositive,
    "d(anchor, negative)": toNegative,
  };
  if (swap) distances["d(positive, negative)"] = rows(broadcastShape(fn, { positive, negative }));
  broadcastShapes(fn, distances);

  return recordAsOne(`${fn} forward`, [anchor, positive, negative], () => {
    const dPos = distance(anchor, positive, p, eps, false);
    let dNeg = distance(anchor, negative, p, eps, false);
    if (swap) dNeg = minimum(dNeg, distance(positive, negative, p, eps, false));
    const losses = clampMin(sub(add(dPos, margin), dNeg), 0);
    return reduction === "none" ? losses : reduction === "mean" ? mean(losses) : sum(losses);
  });
}

/**
 * Module form of {@linkcode tripletMarginLoss}, as `torch.nn.TripletMarginLoss`.
 *
 * @example Usage
 * ```ts
 * import { tensor, TripletMarginLoss } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new TripletMarginLoss({ p: 1, eps: 0, reduction: "none" })
 *   .forward(tensor([[0, 0]]), tensor([[1, 1]]), tensor([[1, 0]]));
 * assert.deepEqual(loss.toArray(), [2]);
 * ```
 */
export class TripletMarginLoss {
  readonly #options: TripletMarginLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode tripletMarginLoss} call.
   */
  constructor(options: TripletMarginLossOptions = {}) {
    this.#options = parseOptions("TripletMarginLoss", options, TRIPLET_MARGIN_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param anchor Anchors.
   * @param positive Positives.
   * @param negative Negatives.
   * @returns The loss, as {@linkcode tripletMarginLoss}.
   */
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return tripletMarginLoss(anchor, positive, negative, this.#options);
  }
}
