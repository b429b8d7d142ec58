/**
 * PyTorch's loss functions, exact to PyTorch, for Deno and browsers: the same values and the
 * same gradients as `torch.nn`, option for option, with a small autograd tape so that
 * `loss.backward()` fills `input.grad` as in PyTorch.
 *
 * Beside the losses, a few tensor ops with gradients, enough to write a custom distance for
 * `tripletMarginWithDistanceLoss`: `add`, `sub`, `mul`, `div`, `minimum`, `maximum`, `neg`,
 * `abs`, `sqrt`, `pow`, `clampMin`, `clamp`, `sum`, `mean` and `pairwiseDistance`.
 *
 * @example Usage
 * ```ts
 * import { crossEntropy, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const input = tensor([[0.1988, -1.1513, -0.653, -0.5703, 1.2801]], { requiresGrad: true });
 * const target = tensor([3], { dtype: "int64" });
 * const output = crossEntropy(input, target);
 * output.backward();
 * assert.equal(input.grad?.shape.join("x"), "1x5");
 * ```
 *
 * @module
 */

export {
  type BackwardOptions,
  type Device,
  type DType,
  type NestedArray,
  Tensor,
  tensor,
  type TensorData,
  type TensorOptions,
  type TypedArray,
  useWebGpuDevice,
} from "./losses/tensor.ts";
export type { GradFn } from "./losses/_core/autograd.ts";
export type { Reduction } from "./losses/_core/reduction.ts";
export { L1Loss, l1Loss, type L1LossOptions } from "./losses/l1_loss.ts";
export { MSELoss, mseLoss, type MSELossOptions } from "./losses/mse_loss.ts";
export { NLLLoss, nllLoss, type NLLLossOptions } from "./losses/nll_loss.ts";
export {
  crossEntropy,
  CrossEntropyLoss,
  type CrossEntropyLossOptions,
} from "./losses/cross_entropy.ts";
export {
  HingeEmbeddingLoss,
  hingeEmbeddingLoss,
  type HingeEmbeddingLossOptions,
} from "./losses/hinge_embedding_loss.ts";
export { LogSoftmax, logSoftmax, type LogSoftmaxOptions } from "./losses/log_softmax.ts";
export { Softmax, softmax, type SoftmaxOptions } from "./losses/softmax.ts";
export { SmoothL1Loss, smoothL1Loss, type SmoothL1LossOptions } from "./losses/smooth_l1_loss.ts";
export { HuberLoss, huberLoss, type HuberLossOptions } from "./losses/huber_loss.ts";
export {
  SoftMarginLoss,
  softMarginLoss,
  type SoftMarginLossOptions,
} from "./losses/soft_margin_loss.ts";
export {
  MarginRankingLoss,
  marginRankingLoss,
  type MarginRankingLossOptions,
} from "./losses/margin_ranking_loss.ts";
export {
  MultiMarginLoss,
  multiMarginLoss,
  type MultiMarginLossOptions,
} from "./losses/multi_margin_loss.ts";
export {
  MultiLabelMarginLoss,
  multilabelMarginLoss,
  type MultiLabelMarginLossOptions,
} from "./losses/multilabel_margin_loss.ts";
export {
  MultiLabelSoftMarginLoss,
  multilabelSoftMarginLoss,
  type MultiLabelSoftMarginLossOptions,
} from "./losses/multilabel_soft_margin_loss.ts";
export {
  CosineEmbeddingLoss,
  cosineEmbeddingLoss,
  type CosineEmbeddingLossOptions,
} from "./losses/cosine_embedding_loss.ts";
export { type CTCLengths, CTCLoss, ctcLoss, type CTCLossOptions } from "./losses/ctc_loss.ts";
export {
  abs,
  add,
  clamp,
  clampMin,
  type ClampOptions,
  div,
  maximum,
  mean,
  minimum,
  mul,
  neg,
  type Operand,
  pow,
  type ReduceOptions,
  sqrt,
  sub,
  sum,
} from "./losses/ops.ts";
export { pairwiseDistance, type PairwiseDistanceOptions } from "./losses/pairwise_distance.ts";
export {
  TripletMarginLoss,
  tripletMarginLoss,
  type TripletMarginLossOptions,
} from "./losses/triplet_margin_loss.ts";
export {
  type DistanceFunction,
  TripletMarginWithDistanceLoss,
  tripletMarginWithDistanceLoss,
  type TripletMarginWithDistanceLossOptions,
} from "./losses/triplet_margin_with_distance_loss.ts";
export { BCELoss, type BCELossOptions, binaryCrossEntropy } from "./losses/binary_cross_entropy.ts";
export {
  BCEWithLogitsLoss,
  type BCEWithLogitsLossOptions,
  binaryCrossEntropyWithLogits,
} from "./losses/binary_cross_entropy_with_logits.ts";
export { klDiv, KLDivLoss, type KLDivLossOptions, type KLDivReduction } from "./losses/kl_div.ts";
export {
  PoissonNLLLoss,
  poissonNllLoss,
  type PoissonNLLLossOptions,
} from "./losses/poisson_nll_loss.ts";
export {
  GaussianNLLLoss,
  gaussianNllLoss,
  type GaussianNLLLossOptions,
} from "./losses/gaussian_nll_loss.ts";
export {
  type CpuCapability,
  defaultGenerator,
  Generator,
  manualSeed,
  rand,
  randint,
  type RandintOptions,
  randn,
  type RandomOptions,
} from "./losses/random.ts";
