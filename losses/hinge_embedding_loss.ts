import { simdLoss } from "./_cpu/simd.ts";
import { broadcastShape } from "./_core/broadcast.ts";
import { checkFloat, checkNumber, checkSameDevice, checkTensor } from "./_core/checks.ts";
import { labelsAsFloat, runElementwise } from "./_engines/elementwise.ts";
import { gpuIntLabels } from "./_webgpu/elementwise.ts";
import {
  floatStorage,
  gradAt,
  parseReduction,
  REDUCTION,
  type Reduction,
} from "./_core/reduction.ts";
import { shapeNumel, type Tensor } from "./_core/tensor.ts";
import { NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode hingeEmbeddingLoss} and {@linkcode HingeEmbeddingLoss}. */
export interface HingeEmbeddingLossOptions {
  /** A number; default 1. */
  margin?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const HINGE_EMBEDDING_OPTIONS: OptionSpec<HingeEmbeddingLossOptions> = {
  margin: NUMBER,
  reduction: REDUCTION,
};

// torch 1.13 (Loss.cpp, hinge_embedding_loss), a composite of elementwise ops:
//   margin_clamp  = (margin - x).clamp_min(0)
//   output_margin = where(y != 1, margin_clamp, 0)
//   output_self   = where(y != -1, x, 0)
//   l = output_margin + output_self
// so a target that is neither 1 nor -1 takes both branches. Gradients follow the ops:
// clamp_min passes where margin - x >= 0 (the kink x == margin included), sub negates.
const GRAD_FN = { none: "AddBackward0", mean: "MeanBackward0", sum: "SumBackward0" } as const;

/**
 * Hinge embedding loss, as `torch.nn.functional.hinge_embedding_loss`.
 *
 * ```text
 * l_n = (y_n != 1 ? max(0, margin - x_n) : 0) + (y_n != -1 ? x_n : 0)
 * ```
 *
 * This is PyTorch's literal formula: for `y_n` of 1 or -1 it is the textbook loss, and a
 * target that is neither (the tutorial feeds `randn` targets) takes both terms. The target
 * takes no gradient. Shapes that broadcast compute over the broadcast shape.
 *
 * @example Usage
 * ```ts
 * import { hingeEmbeddingLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = hingeEmbeddingLoss(tensor([0.25, 3]), tensor([-1, 1]), { reduction: "none" });
 * assert.deepEqual(loss.toArray(), [0.75, 3]);
 * ```
 *
 * @param input Distances or scores, any shape, float32 or float64.
 * @param target Labels (1 or -1 in the usual use): the input's dtype or int64, a shape that
 *   broadcasts with `input`.
 * @param options `margin`, `reduction`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes do not fit or the shapes do not broadcast.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function hingeEmbeddingLoss(
  input: Tensor,
  target: Tensor,
  options: HingeEmbeddingLossOptions = {},
): Tensor {
  const fn = "hingeEmbeddingLoss";
  options = parseOptions(fn, options, HINGE_EMBEDDING_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const margin = checkNumber(fn, "margin", options.margin ?? 1);
  checkFloat(fn, { input });
  checkTensor(fn, "target", target);
  checkSameDevice(fn, { input, target });
  // 1 and -1 stay exact
  const labels = gpuIntLabels(target, input) ? target : labelsAsFloat(fn, "target", target, input);
  const shape = broadcastShape(fn, { input, target });
  return runElementwise({
    fn,
    gradFn: GRAD_FN[reduction],
    wgsl: {
      vars: ["x", "y"],
      params: { margin, count: reduction === "mean" ? shapeNumel(shape) : 1 },
      // y != 1 and y != -1 hold for a nan label; clamp_min keeps a nan.
      functions: `
fn not_label(y: f32, label: f32) -> bool { return is_nan(y) || y != label; }`,
      forward: `  let c = params.margin - x;
  var from_margin = 0.0;
  if (not_label(y, 1.0)) { from_margin = select(max(c, 0.0), c, is_nan(c)); }
  let from_self = select(0.0, x, not_label(y, -1.0));
  return from_margin + from_self;`,
      backward: [
        `  let gs = g / params.count;
  let c = params.margin - x;
  let from_margin = select(0.0, -gs, not_label(y, 1.0) && !is_nan(c) && c >= 0.0);
  let from_self = select(0.0, gs, not_label(y, -1.0));
  return from_margin + from_self;`,
        null,
      ],
    },
    shape,
    reduction,
    operands: [input, labels],
    differentiable: [0],
    forward: ([x, y], out, r) => {
      const m = r(margin);
      for (let i = 0; i < out.length; i++) {
        const fromMargin = y[i] !== 1 ? Math.max(r(m - x[i]), 0) : 0;
        const fromSelf = y[i] !== -1 ? x[i] : 0;
        out[i] = fromMargin + fromSelf;
      }
    },
    sum: (v, r) => simdLoss("hinge", v, null, r(margin)),
    sumWithGrad: (v, gx, g, r) =>
      simdLoss("hinge", v, gx, r(margin), r(g / (reduction === "mean" ? gx.length : 1))),
    backward: (c) => {
      const [x, y] = c.v;
      const r = c.r;
      const m = r(margin);
      const n = reduction === "mean" ? x.length : 1;
      const gx = floatStorage(input.dtype, x.length);
      for (let i = 0; i < gx.length; i++) {
        const gs = r(gradAt(c.gradOutput, reduction, i) / n);
        const fromMargin = y[i] !== 1 && r(m - x[i]) >= 0 ? -gs : 0;
        const fromSelf = y[i] !== -1 ? gs : 0;
        gx[i] = fromMargin + fromSelf;
      }
      return [c.sumTo(0, gx)];
    },
  });
}

/**
 * Module form of {@linkcode hingeEmbeddingLoss}, as `torch.nn.HingeEmbeddingLoss`.
 *
 * @example Usage
 * ```ts
 * import { HingeEmbeddingLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new HingeEmbeddingLoss({ margin: 2 }).forward(tensor([0.5]), tensor([-1]));
 * assert.equal(loss.item(), 1.5);
 * ```
 */
export class HingeEmbeddingLoss {
  readonly #options: HingeEmbeddingLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode hingeEmbeddingLoss} call.
   */
  constructor(options: HingeEmbeddingLossOptions = {}) {
    this.#options = parseOptions("HingeEmbeddingLoss", options, HINGE_EMBEDDING_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input Distances or scores.
   * @param target Labels.
   * @returns The loss, as {@linkcode hingeEmbeddingLoss}.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return hingeEmbeddingLoss(input, target, this.#options);
  }
}
