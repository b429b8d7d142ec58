import { runLaneOp, softmaxBackward, softmaxForward } from "./_engines/softmax.ts";
import { laneOpWebgpu } from "./_webgpu/softmax.ts";
import { failAs } from "./_core/checks.ts";
import { INTEGER, type OptionSpec, parseOptions } from "./_core/options.ts";
import { isTensor, type Tensor } from "./_core/tensor.ts";

/**
 * Softmax along `dim`, as `torch.nn.functional.softmax`.
 *
 * ```text
 * out_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))
 * ```
 *
 * Stable for logits of ±1e4; a lane holding nan or +inf, or only -inf, gives nan, as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { softmax, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(softmax(tensor([[1e4, 1e4]]), -1).toArray(), [[0.5, 0.5]]);
 * ```
 *
 * @param input float32 or float64, any shape.
 * @param dim The dimension to normalise; negative counts from the end.
 * @returns The input's shape and dtype.
 * @throws {TypeError} If `input` is not a float tensor.
 * @throws {RangeError} If `dim` is out of range.
 */
export function softmax(input: Tensor, dim: number): Tensor {
  if (isTensor(input) && input.device === "webgpu") {
    return laneOpWebgpu("softmax", input, dim, false);
  }
  return runLaneOp("softmax", input, dim, {
    gradFn: "SoftmaxBackward0",
    forward: softmaxForward,
    backward: softmaxBackward,
  });
}

/** Options for {@linkcode Softmax}. */
export interface SoftmaxOptions {
  /** An integer, the dimension to normalise (negative counts from the end); required. */
  dim: number;
}

const SOFTMAX_OPTIONS: OptionSpec<SoftmaxOptions> = { dim: INTEGER };

/**
 * Module form of {@linkcode softmax}, as `torch.nn.Softmax`.
 *
 * @example Usage
 * ```ts
 * import { Softmax, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(new Softmax({ dim: 0 }).forward(tensor([0, 0])).toArray(), [0.5, 0.5]);
 * ```
 */
export class Softmax {
  readonly #dim: number;
  /**
   * Keeps the options for every call.
   *
   * @param options `dim`, kept for every call.
   */
  constructor(options: SoftmaxOptions) {
    const { dim } = parseOptions("Softmax", options, SOFTMAX_OPTIONS, "create");
    if (dim === undefined) {
      failAs(
        "create",
        "Softmax",
        "dim must be given: PyTorch's implicit choice of dim is deprecated, and not offered here",
      );
    }
    this.#dim = dim;
  }
  /**
   * Computes the softmax.
   *
   * @param input A float tensor.
   * @returns As {@linkcode softmax}.
   */
  forward(input: Tensor): Tensor {
    return softmax(input, this.#dim);
  }
}
