import { broadcastShape, broadcastShapes } from "./_core/broadcast.ts";
import {
  checkBoolean,
  checkFloat,
  checkNumber,
  checkSameDevice,
  checkSameDtype,
  describe,
  fail,
} from "./_core/checks.ts";
import { parseReduction, REDUCTION, type Reduction } from "./_core/reduction.ts";
import { checkTensors, orDefault } from "./_engines/op_helpers.ts";
import { add, clamp, mean, minimum, sub, sum } from "./ops.ts";
import { recordAsOne } from "./_webgpu/ops.ts";
import { checkDistanceInputs, distance } from "./pairwise_distance.ts";
import { canFuseTriplet, fusedTriplet } from "./_engines/triplet.ts";
import { isTensor, type Tensor } from "./_core/tensor.ts";
import {
  BOOLEAN,
  NUMBER,
  type OptionCheck,
  type OptionSpec,
  parseOptions,
  typeProblem,
} from "./_core/options.ts";

/**
 * A distance between two batches of vectors, built from this library's ops (`sub`, `abs`,
 * `pow`, `sum`, `mean`, `sqrt`, `pairwiseDistance`, ...) so that gradients flow through it.
 */
export type DistanceFunction = (x1: Tensor, x2: Tensor) => Tensor;

/**
 * Options for {@linkcode tripletMarginWithDistanceLoss} and
 * {@linkcode TripletMarginWithDistanceLoss}.
 */
export interface TripletMarginWithDistanceLossOptions {
  /**
   * A function of two tensors that returns a float tensor, or `null`. Default (also for
   * `null`, as PyTorch's `None`): `pairwiseDistance` with p = 2 and eps = 1e-6.
   */
  distanceFunction?: DistanceFunction | null;
  /** A number; default 1 (0 and negative margins included, as PyTorch 1.13). */
  margin?: number;
  /** A boolean: use `min(d(a, n), d(p, n))` as the negative distance. Default `false`. */
  swap?: boolean;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const DISTANCE_FUNCTION: OptionCheck = (value, name) =>
  value === null || typeof value === "function"
    ? null
    : typeProblem(name, "a function of two tensors or null", value);

const TRIPLET_DISTANCE_OPTIONS: OptionSpec<TripletMarginWithDistanceLossOptions> = {
  distanceFunction: DISTANCE_FUNCTION,
  margin: NUMBER,
  swap: BOOLEAN,
  reduction: REDUCTION,
};

// torch 1.13 (torch/nn/functional.py, triplet_margin_with_distance_loss), in Python ops:
//   positive_dist = distance_function(anchor, positive)
//   negative_dist = distance_function(anchor, negative)
//   if swap: negative_dist = torch.min(negative_dist, distance_function(positive, negative))
//   output = torch.clamp(positive_dist - negative_dist + margin, min=0.0)
//   mean / sum / none
// Note the order differs from triplet_margin_loss's `margin + d_pos - d_neg`, which can round
// differently in float32; both are followed as written.

/**
 * Triplet margin loss with any distance, as
 * `torch.nn.functional.triplet_margin_with_distance_loss`.
 *
 * ```text
 * l_n = max(0, d(a_n, p_n) - d(a_n, n_n) + margin)
 * swap: d(a_n, n_n) becomes min(d(a_n, n_n), d(p_n, n_n))
 * d defaults to pairwiseDistance(x1, x2) = || x1 - x2 + 1e-6 ||_2 over the last dim
 * reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * `distanceFunction` is any function of two tensors built from this library's ops (see
 * `ops.ts`): the loss calls it on the tensors given and runs the gradient back through
 * whatever ops it used, to every input that requires grad. As PyTorch 1.13, the inputs'
 * shapes are the distance's business (no check of their dimensions), only the two
 * distances must broadcast; a tie under `swap` gives half the gradient to each distance and
 * the hinge passes the gradient where it is exactly 0.
 *
 * @example Usage
 * ```ts
 * import { abs, sub, sum, tensor, tripletMarginWithDistanceLoss } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const l1 = (a: typeof anchor, b: typeof anchor) => sum(abs(sub(a, b)), { dim: -1 });
 * const anchor = tensor([[0, 0], [1, 1]], { requiresGrad: true });
 * const positive = tensor([[1, 0], [1, 1]]);
 * const negative = tensor([[1, 1], [3, 1]]);
 * const loss = tripletMarginWithDistanceLoss(anchor, positive, negative, {
 *   distanceFunction: l1,
 *   reduction: "none",
 * });
 * assert.deepEqual(loss.toArray(), [0, 0]); // max(0, 1 - 2 + 1), max(0, 0 - 2 + 1)
 * loss.backward(tensor([1, 1]));
 * assert.deepEqual(anchor.grad?.toArray(), [[0, 1], [0, 0]]); // the hinge passes at 0
 * ```
 *
 * @param anchor Anchors: any tensor the distance accepts (float32, float64, or int64 for the
 *   default distance, as PyTorch).
 * @param positive Positives.
 * @param negative Negatives.
 * @param options `distanceFunction`, `margin`, `swap`, `reduction`.
 * @returns A 0-d tensor, or the per-triplet losses (the distances' broadcast shape) for
 *   `"none"`.
 * @throws {TypeError} If an argument has the wrong type, `distanceFunction` is not a function
 *   or returns no float tensor, or the distances' shapes or dtypes do not match.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function tripletMarginWithDistanceLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  options: TripletMarginWithDistanceLossOptions = {},
): Tensor {
  const fn = "tripletMarginWithDistanceLoss";
  options = parseOptions(fn, options, TRIPLET_DISTANCE_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const margin = checkNumber(fn, "margin", orDefault(options.margin, 1));
  const swap = checkBoolean(fn, "swap", options.swap, false);
  const custom = options.distanceFunction ?? undefined;
  if (custom !== undefined && typeof custom !== "function") {
    fail(
      fn,
      `distanceFunction must be a function of two tensors: current value is ${describe(custom)}`,
    );
  }
  checkTensors(fn, { anchor, positive, negative });
  checkSameDevice(fn, { anchor, positive, negative });
  let dist: DistanceFunction;
  if (custom === undefined) {
    checkDistanceInputs(fn, { anchor, positive, negative });
    if (canFuseTriplet(anchor, positive, negative)) {
      // one shape: nothing to broadcast
      return fusedTriplet(anchor, positive, negative, "distance", margin, 1e-6, swap, reduction);
    }
    broadcastShape(fn, { anchor, positive });
    broadcastShape(fn, { anchor, negative });
    if (swap) broadcastShape(fn, { positive, negative });
    dist = (x1, x2) => distance(x1, x2, 2, 1e-6, false);
  } else {
    dist = (x1, x2) => {
      const d = custom(x1, x2);
      if (!isTensor(d)) {
        fail(fn, `distanceFunction must return a Tensor: got ${describe(d)}`);
      }
      return d;
    };
  }
  return recordAsOne(`${fn} forward`, [anchor, positive, negative], () => {
    const dPos = dist(anchor, positive);
    let dNeg = dist(anchor, negative);
    const named: Record<string, Tensor> = {
      "d(anchor, positive)": dPos,
      "d(anchor, negative)": dNeg,
    };
    if (swap) named["d(positive, negative)"] = dist(positive, negative);
    checkFloat(fn, named);
    checkSameDtype(fn, named);
    checkSameDevice(fn, named);
    broadcastShapes(fn, Object.fromEntries(Object.entries(named).map(([k, t]) => [k, t.shape])));
    if (swap) dNeg = minimum(dNeg, named["d(positive, negative)"]);
    const losses = clamp(add(sub(dPos, dNeg), margin), { min: 0 });
    return reduction === "none" ? losses : reduction === "mean" ? mean(losses) : sum(losses);
  });
}

/**
 * Module form of {@linkcode tripletMarginWithDistanceLoss}, as
 * `torch.nn.TripletMarginWithDistanceLoss`.
 *
 * @example Usage
 * ```ts
 * import { tensor, TripletMarginWithDistanceLoss } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new TripletMarginWithDistanceLoss({ margin: 0.5 })
 *   .forward(tensor([[0, 0]]), tensor([[0, 0]]), tensor([[0, 3]]));
 * assert.equal(loss.item(), 0);
 * ```
 */
export class TripletMarginWithDistanceLoss {
  readonly #options: TripletMarginWithDistanceLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode tripletMarginWithDistanceLoss} call.
   */
  constructor(options: TripletMarginWithDistanceLossOptions = {}) {
    this.#options = parseOptions(
      "TripletMarginWithDistanceLoss",
      options,
      TRIPLET_DISTANCE_OPTIONS,
      "create",
    );
  }
  /**
   * Computes the loss.
   *
   * @param anchor Anchors.
   * @param positive Positives.
   * @param negative Negatives.
   * @returns The loss, as {@linkcode tripletMarginWithDistanceLoss}.
   */
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return tripletMarginWithDistanceLoss(anchor, positive, negative, this.#options);
  }
}
