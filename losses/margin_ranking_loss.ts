import { simdLoss } from "./_cpu/simd.ts";
import { broadcastShape } from "./_core/broadcast.ts";
import {
  checkFloat,
  checkNumber,
  checkSameDevice,
  checkSameDtype,
  checkTensor,
  fail,
  shapesText,
} from "./_core/checks.ts";
import { labelsAsFloat, runElementwise } from "./_engines/elementwise.ts";
import { gpuIntLabels } from "./_webgpu/elementwise.ts";
import {
  floatStorage,
  gradAt,
  parseReduction,
  REDUCTION,
  type Reduction,
  type Rounder,
} from "./_core/reduction.ts";
import { shapeNumel, type Tensor } from "./_core/tensor.ts";
import { NUMBER, type OptionSpec, parseOptions } from "./_core/options.ts";

/** Options for {@linkcode marginRankingLoss} and {@linkcode MarginRankingLoss}. */
export interface MarginRankingLossOptions {
  /** A number; default 0. */
  margin?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

const MARGIN_RANKING_OPTIONS: OptionSpec<MarginRankingLossOptions> = {
  margin: NUMBER,
  reduction: REDUCTION,
};

// torch 1.13 (Loss.cpp, margin_ranking_loss) is a composite of elementwise ops:
//   l = (-y * (x1 - x2) + margin).clamp_min_(0)
// so its gradients are autograd's through those ops, in this order: the mean's grad / numel,
// clamp_min passes where the value before the clamp is >= 0 (the kink included; nan blocks),
// then mul: x1 gets gm * (-y), x2 its negation, and the float target y gets -(gm * (x1 - x2)).
function value(x1: number, x2: number, y: number, margin: number, r: Rounder): number {
  return r(r(-y * r(x1 - x2)) + r(margin));
}

const GRAD_FN = { none: "ClampMinBackward0", mean: "MeanBackward0", sum: "SumBackward0" } as const;

/**
 * Margin ranking loss, as `torch.nn.functional.margin_ranking_loss`.
 *
 * ```text
 * l_n = max(0, -y_n * (x1_n - x2_n) + margin)
 * reduction: "none" | "mean" (default) | "sum"
 * ```
 *
 * `y_n = 1` asks for `x1_n` to rank above `x2_n` by `margin`, `y_n = -1` the other way. As in
 * PyTorch, the three tensors must have the same number of dimensions and then broadcast; the
 * gradient at the kink (`-y_n * (x1_n - x2_n) + margin == 0`) is passed (PyTorch's
 * `clamp_min`), nan there gives a zero gradient to `x1` and `x2` unless the nan comes from
 * `y`, and a float target gets a gradient too: `-(x1_n - x2_n)` where the hinge is active.
 * An int64 target is taken as the inputs' dtype; mixed float dtypes, which PyTorch promotes,
 * are an error here.
 *
 * @example Usage
 * ```ts
 * import { marginRankingLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x1 = tensor([1, 0.25], { requiresGrad: true });
 * const x2 = tensor([0, 0.75], { requiresGrad: true });
 * const loss = marginRankingLoss(x1, x2, tensor([1, 1]), { margin: 0.5, reduction: "sum" });
 * assert.equal(loss.item(), 1);
 * loss.backward();
 * assert.deepEqual(x1.grad?.toArray(), [-0, -1]);
 * assert.deepEqual(x2.grad?.toArray(), [0, 1]);
 * ```
 *
 * @param input1 Scores, any shape, float32 or float64.
 * @param input2 Scores, the same dtype and number of dimensions as `input1`.
 * @param target Labels (1 or -1 in the usual use): the inputs' dtype or int64, the same
 *   number of dimensions.
 * @param options `margin`, `reduction`.
 * @returns A 0-d tensor, or the broadcast shape when `reduction` is `"none"`.
 * @throws {TypeError} If the dtypes do not fit, the numbers of dimensions differ, the shapes do
 *   not broadcast or `margin` is not a number.
 * @throws {RangeError} If `reduction` is not `"none"`, `"mean"` or `"sum"`.
 */
export function marginRankingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  options: MarginRankingLossOptions = {},
): Tensor {
  const fn = "marginRankingLoss";
  options = parseOptions(fn, options, MARGIN_RANKING_OPTIONS);
  const reduction = parseReduction(fn, options.reduction);
  const margin = checkNumber(fn, "margin", options.margin ?? 0);
  checkFloat(fn, { input1, input2 });
  checkSameDtype(fn, { input1, input2 });
  checkTensor(fn, "target", target);
  checkSameDevice(fn, { input1, input2, target });
  const labels = gpuIntLabels(target, input1)
    ? target
    : labelsAsFloat(fn, "target", target, input1);
  const tensors = { input1, input2, target };
  if (input1.shape.length !== input2.shape.length || input1.shape.length !== target.shape.length) {
    fail(
      fn,
      `input1, input2 and target must have the same number of dimensions: ${shapesText(tensors)}`,
    );
  }
  const shape = broadcastShape(fn, tensors);
  return runElementwise({
    fn,
    gradFn: GRAD_FN[reduction],
    wgsl: {
      vars: ["x1", "x2", "y"],
      params: { margin, count: reduction === "mean" ? shapeNumel(shape) : 1 },
      // gm: gradOutput (over the mean's n) where clamp_min passed (nan blocks), else 0.
      functions: `
fn value(x1: f32, x2: f32, y: f32) -> f32 { return (-y * (x1 - x2)) + params.margin; }
fn passed(x1: f32, x2: f32, y: f32, g: f32) -> f32 {
  let v = value(x1, x2, y);
  return select(0.0, g / params.count, !is_nan(v) && v >= 0.0);
}`,
      forward: `  let v = value(x1, x2, y);
  return select(v, 0.0, !is_nan(v) && v < 0.0);`,
      backward: [
        "  return passed(x1, x2, y, g) * -y;",
        "  return -(passed(x1, x2, y, g) * -y);",
        "  return -(passed(x1, x2, y, g) * (x1 - x2));",
      ],
    },
    shape,
    reduction,
    operands: [input1, input2, labels],
    differentiable: [0, 1, 2],
    forward: ([x1, x2, y], out, r) => {
      for (let i = 0; i < out.length; i++) {
        const v = value(x1[i], x2[i], y[i], margin, r);
        out[i] = v < 0 ? 0 : v;
      }
    },
    sum: (v, r) => simdLoss("margin_ranking", v, null, r(margin)),
    sumWithGrad: (v, gx, g, r) =>
      simdLoss("margin_ranking", v, gx, r(margin), reduction === "mean" ? r(g / gx.length) : g),
    backward: (c) => {
      const [x1, x2, y] = c.v;
      const r = c.r;
      const n = reduction === "mean" ? x1.length : 1;
      // gm: gradOutput (over the mean's n) where clamp_min passed, else 0.
      const gm = floatStorage(input1.dtype, x1.length);
      for (let i = 0; i < gm.length; i++) {
        const g = gradAt(c.gradOutput, reduction, i);
        gm[i] = value(x1[i], x2[i], y[i], margin, r) >= 0 ? (n === 1 ? g : r(g / n)) : 0;
      }
      // mul: x1 gets gm * (-y), x2 its negation, y gets -(gm * (x1 - x2)).
      const g1 = floatStorage(input1.dtype, gm.length);
      const g2 = floatStorage(input1.dtype, gm.length);
      const gy = floatStorage(input1.dtype, gm.length);
      for (let i = 0; i < gm.length; i++) {
        g1[i] = gm[i] * -y[i];
        g2[i] = -g1[i];
        gy[i] = -r(gm[i] * r(x1[i] - x2[i]));
      }
      return [
        c.wants(0) ? c.sumTo(0, g1) : null,
        c.wants(1) ? c.sumTo(1, g2) : null,
        c.wants(2) ? c.sumTo(2, gy) : null,
      ];
    },
  });
}

/**
 * Module form of {@linkcode marginRankingLoss}, as `torch.nn.MarginRankingLoss`.
 *
 * @example Usage
 * ```ts
 * import { MarginRankingLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const loss = new MarginRankingLoss({ margin: 1 }).forward(
 *   tensor([2, 0]),
 *   tensor([0, 0]),
 *   tensor([-1, 1]),
 * );
 * assert.equal(loss.item(), 2);
 * ```
 */
export class MarginRankingLoss {
  readonly #options: MarginRankingLossOptions;
  /**
   * Keeps the options for every call.
   *
   * @param options Kept and passed to every {@linkcode marginRankingLoss} call.
   */
  constructor(options: MarginRankingLossOptions = {}) {
    this.#options = parseOptions("MarginRankingLoss", options, MARGIN_RANKING_OPTIONS, "create");
  }
  /**
   * Computes the loss.
   *
   * @param input1 First scores.
   * @param input2 Second scores.
   * @param target Labels.
   * @returns The loss, as {@linkcode marginRankingLoss}.
   */
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return marginRankingLoss(input1, input2, target, this.#options);
  }
}
