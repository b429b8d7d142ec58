/**
 * This library's losses inside a TensorFlow.js training loop: `@parity/losses/tfjs`.
 *
 * {@linkcode withTfjs} takes the caller's `tf` namespace (the library has no dependency on
 * TensorFlow.js) and returns every loss, `logSoftmax` and `softmax` under the library's names
 * and options, taking and returning TensorFlow.js tensors. Gradients flow through
 * TensorFlow.js's own autodiff (`tf.customGrad`), so `tf.grad`, `tf.valueAndGrads`,
 * `optimizer.minimize` and `model.compile({ loss })` with `model.fit` work. Values and
 * gradients are PyTorch's, as the library's are.
 *
 * On the cpu and wasm backends the losses run on the library's CPU kernels, each input read
 * once; on the webgpu backend the library adopts TensorFlow.js's GPU device and the losses run
 * on its WebGPU kernels, reading TensorFlow.js's buffers on the GPU and handing back buffers
 * that TensorFlow.js wraps as tensors, without a readback.
 *
 * @example A classifier's loss, minimised by a TensorFlow.js optimizer
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * import { withTfjs } from "@parity/losses/tfjs";
 *
 * const L = withTfjs(tf);
 * const logits = tf.variable(tf.randomNormal([4, 5]));
 * const labels = tf.tensor1d([0, 3, 1, 4], "int32"); // class indices are int32
 * tf.train.adam(0.01).minimize(() => L.crossEntropy(logits, labels, { labelSmoothing: 0.1 }));
 * ```
 *
 * @module
 */

export {
  type Tfjs,
  TFJS_FUNCTIONS,
  type TfjsBCEWithLogitsLossOptions,
  type TfjsCrossEntropyLossOptions,
  type TfjsCTCLengths,
  type TfjsLosses,
  type TfjsMultiMarginLossOptions,
  type TfjsNLLLossOptions,
  type TfjsWeightedOptions,
  type TfTensor,
  withTfjs,
} from "./bridge.ts";
