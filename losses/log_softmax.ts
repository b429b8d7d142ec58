import { logSoftmaxBackward, logSoftmaxForward, runLaneOp } from "./_engines/softmax.ts";
import { laneOpWebgpu } from "./_webgpu/softmax.ts";
import { failAs } from "./_core/checks.ts";
import { INTEGER, type OptionSpec, parseOptions } from "./_core/options.ts";
import { isTensor, type Tensor } from "./_core/tensor.ts";

/**
 * Log of the softmax along `dim`, as `torch.nn.functional.log_softmax`.
 *
 * ```text
 * out_i = x_i - max(x) - log(sum_j exp(x_j - max(x)))
 * ```
 *
 * Stable for logits of ±1e4; a lane holding nan or +inf, or only -inf, gives nan, as PyTorch.
 *
 * @example Usage
 * ```ts
 * import { logSoftmax, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const out = logSoftmax(tensor([[1e4, 1e4]]), 1);
 * assert.deepEqual(out.toArray(), [[-Math.LN2, -Math.LN2].map(Math.fround)]);
 * ```
 *
 * @param input float32 or float64, any shape.
 * @param dim The dimension to normalise; negative counts from the end.
 * @returns The input's shape and dtype.
 * @throws {TypeError} If `input` is not a float tensor.
 * @throws {RangeError} If `dim` is out of range.
 */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  if (isTensor(input) && input.device === "webgpu") {
    return laneOpWebgpu("logSoftmax", input, dim, true);
  }
  return runLaneOp("logSoftmax", input, dim, {
    gradFn: "LogSoftmaxBackward0",
    forward: logSoftmaxForward,
    backward: logSoftmaxBackward,
  });
}

/** Options for {@linkcode LogSoftmax}. */
export interface LogSoftmaxOptions {
  /** An integer, the dimension to normalise (negative counts from the end); required. */
  dim: number;
}

const LOGSOFTMAX_OPTIONS: OptionSpec<LogSoftmaxOptions> = { dim: INTEGER };

/**
 * Module form of {@linkcode logSoftmax}, as `torch.nn.LogSoftmax`.
 *
 * @example Usage
 * ```ts
 * import { LogSoftmax, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const out = new LogSoftmax({ dim: 0 }).forward(tensor([0, 0]));
 * assert.deepEqual(out.toArray(), [-Math.LN2, -Math.LN2].map(Math.fround));
 * ```
 */
export class LogSoftmax {
  readonly #dim: number;
  /**
   * Keeps the options for every call.
   *
   * @param options `dim`, kept for every call.
   */
  constructor(options: LogSoftmaxOptions) {
    const { dim } = parseOptions("LogSoftmax", options, LOGSOFTMAX_OPTIONS, "create");
    if (dim === undefined) {
      failAs(
        "create",
        "LogSoftmax",
        "dim must be given: PyTorch's implicit choice of dim is deprecated, and not offered here",
      );
    }
    this.#dim = dim;
  }
  /**
   * Computes the log-softmax.
   *
   * @param input A float tensor.
   * @returns As {@linkcode logSoftmax}.
   */
  forward(input: Tensor): Tensor {
    return logSoftmax(input, this.#dim);
  }
}
