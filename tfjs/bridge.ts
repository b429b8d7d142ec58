/**
 * `withTfjs(tf)`: this library's losses on TensorFlow.js tensors, with gradients through
 * TensorFlow.js's own autodiff (`tf.customGrad`). The caller passes its `tf` namespace; the
 * library imports nothing from TensorFlow.js and types the few parts it uses below.
 *
 * How a call runs, by the active TensorFlow.js backend:
 *
 * - **cpu, wasm (any backend but webgpu)**: each input is read once with `dataSync()` and
 *   wrapped as this library's cpu tensor without another copy (int32 class indices and
 *   lengths become the library's int64); the loss runs on the library's CPU kernels, and its
 *   value and gradients go back with `tf.tensor(values)`, which the cpu backend keeps without
 *   copying (the wasm backend copies them into its memory).
 * - **webgpu**: the library adopts TensorFlow.js's `GPUDevice`; a tensor TensorFlow.js holds on
 *   the GPU is read with `dataToGPU()` (a copy on the GPU, borrowed for the call), one it keeps
 *   on the CPU (small tensors, `WEBGPU_CPU_FORWARD`) is uploaded from its values; the loss runs
 *   on the library's WebGPU kernels, and the value and gradients are handed to TensorFlow.js as
 *   `tf.tensor({ buffer, zeroCopy: true })`. Nothing is read back to the CPU.
 *
 * Ownership on the GPU: a buffer borrowed from TensorFlow.js is never pooled by the library;
 * a buffer handed to TensorFlow.js never returns to the library's pool. TensorFlow.js does not
 * free the buffers of zero-copy tensors, so each bridge call on webgpu first looks up the
 * tensors it handed out earlier (`backend.refCount(dataId)`): once TensorFlow.js has disposed
 * one, and its command queue has been submitted (so no pending command reads the buffer), the
 * buffer is destroyed.
 *
 * @module
 */

import {
  borrowCpu,
  gpuStorage,
  handOverCpu,
  Tensor,
  type TypedArray,
} from "../losses/_core/tensor.ts";
import {
  acquireStorage,
  destroyHandedOver,
  GpuStorage,
  handOverGpu,
  releaseGpu,
  trackGpu,
  uploadGpu,
} from "../losses/_core/webgpu/buffers.ts";
import { adoptGpuDevice, takeGpuError } from "../losses/_core/webgpu/device.ts";
import { fail } from "../losses/_core/checks.ts";
import type { Reduction } from "../losses/_core/reduction.ts";
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  cosineEmbeddingLoss,
  type CosineEmbeddingLossOptions,
  crossEntropy,
  ctcLoss,
  type CTCLossOptions,
  gaussianNllLoss,
  type GaussianNLLLossOptions,
  hingeEmbeddingLoss,
  type HingeEmbeddingLossOptions,
  huberLoss,
  type HuberLossOptions,
  klDiv,
  type KLDivLossOptions,
  l1Loss,
  type L1LossOptions,
  logSoftmax,
  marginRankingLoss,
  type MarginRankingLossOptions,
  mseLoss,
  type MSELossOptions,
  multilabelMarginLoss,
  type MultiLabelMarginLossOptions,
  multilabelSoftMarginLoss,
  multiMarginLoss,
  nllLoss,
  poissonNllLoss,
  type PoissonNLLLossOptions,
  smoothL1Loss,
  type SmoothL1LossOptions,
  softMarginLoss,
  type SoftMarginLossOptions,
  softmax,
  tripletMarginLoss,
  type TripletMarginLossOptions,
  tripletMarginWithDistanceLoss,
  type TripletMarginWithDistanceLossOptions,
} from "../mod.ts";

/** A TensorFlow.js tensor, as far as the bridge reads it. */
export interface TfTensor {
  /** Dimensions. */
  readonly shape: number[];
  /** `"float32"`, `"int32"`, `"bool"`, ... */
  readonly dtype: string;
  /** Identifies the data; tensors made by `tf.reshape` or `tf.clone` share it. */
  readonly dataId: object;
  /** The values on the CPU, reading them from where they are. */
  dataSync(): unknown;
  /** A copy of the values in a new GPU buffer (webgpu backend), with a tensor that owns it. */
  dataToGPU(): { buffer?: unknown; tensorRef: unknown };
  /** Frees the tensor. */
  dispose(): void;
}

/**
 * The parts of the TensorFlow.js namespace the bridge uses: pass the whole `tf` (from
 * `@tensorflow/tfjs`, or `@tensorflow/tfjs-core` with a backend and the gradients registered).
 */
export interface Tfjs<T extends TfTensor> {
  /** The tensor class, for `instanceof`. */
  readonly Tensor: abstract new (...args: never[]) => T;
  /** `tf.tensor(values, shape, dtype)`, also with `{ buffer, zeroCopy }` on webgpu. */
  readonly tensor: (...args: never[]) => unknown;
  /** `tf.customGrad(f)`. */
  readonly customGrad: (...args: never[]) => unknown;
  /** `tf.zerosLike(x)`. */
  readonly zerosLike: (...args: never[]) => unknown;
  /** `tf.getBackend()`: the active backend's name. */
  readonly getBackend: () => string;
  /** `tf.backend()`: the active backend (its `device` on webgpu). */
  readonly backend: () => unknown;
  /** `tf.engine()`: whether a gradient tape is recording is read from its state. */
  readonly engine: () => unknown;
}

/** Lengths for {@linkcode TfjsLosses.ctcLoss}: an int32 tensor or numbers. */
export type TfjsCTCLengths<T> = T | readonly number[];

/** Options of `nllLoss`, with `weight` a TensorFlow.js tensor. */
export interface TfjsNLLLossOptions<T> {
  /** A rescaling weight per class, shape (C). */
  weight?: T;
  /** A target value that is ignored and adds no gradient. Default -100. */
  ignoreIndex?: number;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

/** Options of `crossEntropy`, with `weight` a TensorFlow.js tensor. */
export interface TfjsCrossEntropyLossOptions<T> extends TfjsNLLLossOptions<T> {
  /** Label smoothing in [0, 1]. Default 0. */
  labelSmoothing?: number;
}

/** Options of `binaryCrossEntropy` and `multilabelSoftMarginLoss`. */
export interface TfjsWeightedOptions<T> {
  /** A rescaling weight, broadcast against the input. */
  weight?: T;
  /** `"none"`, `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface TfjsBCEWithLogitsLossOptions<T> extends TfjsWeightedOptions<T> {
  /** A weight of positive examples per class, broadcast against the input. */
  posWeight?: T;
}

/** Options of `multiMarginLoss`. */
export interface TfjsMultiMarginLossOptions<T> extends TfjsWeightedOptions<T> {
  /** 1 (default) or 2. */
  p?: number;
  /** Default 1. */
  margin?: number;
}

/**
 * Every loss of this library, `logSoftmax` and `softmax`, on TensorFlow.js tensors: the same
 * names, arguments and options as the library's functions (see their documentation), with
 * TensorFlow.js tensors in place of the library's. Class indices are int32 tensors; lengths
 * are int32 tensors or number arrays; `weight`, `posWeight` and `var` are float32 tensors. Each
 * returns a float32 tensor on the active backend; inside `tf.grad`, `tf.valueAndGrads`,
 * `optimizer.minimize` or `model.fit` its gradients flow through `tf.customGrad`.
 */
export interface TfjsLosses<T> {
  /** `l1Loss(input, target, { reduction })`, as `torch.nn.functional.l1_loss`. */
  l1Loss(input: T, target: T, options?: L1LossOptions): T;
  /** `mseLoss(input, target, { reduction })`, as `torch.nn.functional.mse_loss`. */
  mseLoss(input: T, target: T, options?: MSELossOptions): T;
  /**
   * `nllLoss(input, target, { weight, ignoreIndex, reduction })`, as
   * `torch.nn.functional.nll_loss`; `target` holds int32 class indices.
   */
  nllLoss(input: T, target: T, options?: TfjsNLLLossOptions<T>): T;
  /**
   * `crossEntropy(input, target, { weight, ignoreIndex, reduction, labelSmoothing })`, as
   * `torch.nn.functional.cross_entropy`; `target` holds int32 class indices, or float32 class
   * probabilities of the input's shape (then it gets a gradient too).
   */
  crossEntropy(input: T, target: T, options?: TfjsCrossEntropyLossOptions<T>): T;
  /** `hingeEmbeddingLoss(input, target, { margin, reduction })`. */
  hingeEmbeddingLoss(input: T, target: T, options?: HingeEmbeddingLossOptions): T;
  /** `smoothL1Loss(input, target, { reduction, beta })`. */
  smoothL1Loss(input: T, target: T, options?: SmoothL1LossOptions): T;
  /** `huberLoss(input, target, { reduction, delta })`. */
  huberLoss(input: T, target: T, options?: HuberLossOptions): T;
  /** `binaryCrossEntropy(input, target, { weight, reduction })`. */
  binaryCrossEntropy(input: T, target: T, options?: TfjsWeightedOptions<T>): T;
  /** `binaryCrossEntropyWithLogits(input, target, { weight, reduction, posWeight })`. */
  binaryCrossEntropyWithLogits(input: T, target: T, options?: TfjsBCEWithLogitsLossOptions<T>): T;
  /** `klDiv(input, target, { reduction, logTarget })`. */
  klDiv(input: T, target: T, options?: KLDivLossOptions): T;
  /** `poissonNllLoss(input, target, { logInput, full, eps, reduction })`. */
  poissonNllLoss(input: T, target: T, options?: PoissonNLLLossOptions): T;
  /** `gaussianNllLoss(input, target, var, { full, eps, reduction })`. */
  gaussianNllLoss(input: T, target: T, variance: T, options?: GaussianNLLLossOptions): T;
  /** `softMarginLoss(input, target, { reduction })`. */
  softMarginLoss(input: T, target: T, options?: SoftMarginLossOptions): T;
  /** `marginRankingLoss(input1, input2, target, { margin, reduction })`. */
  marginRankingLoss(input1: T, input2: T, target: T, options?: MarginRankingLossOptions): T;
  /** `multiMarginLoss(input, target, { p, margin, weight, reduction })`; int32 `target`. */
  multiMarginLoss(input: T, target: T, options?: TfjsMultiMarginLossOptions<T>): T;
  /** `multilabelMarginLoss(input, target, { reduction })`; int32 `target`, rows end at -1. */
  multilabelMarginLoss(input: T, target: T, options?: MultiLabelMarginLossOptions): T;
  /** `multilabelSoftMarginLoss(input, target, { weight, reduction })`. */
  multilabelSoftMarginLoss(input: T, target: T, options?: TfjsWeightedOptions<T>): T;
  /** `cosineEmbeddingLoss(input1, input2, target, { margin, reduction })`. */
  cosineEmbeddingLoss(input1: T, input2: T, target: T, options?: CosineEmbeddingLossOptions): T;
  /** `tripletMarginLoss(anchor, positive, negative, { margin, p, eps, swap, reduction })`. */
  tripletMarginLoss(anchor: T, positive: T, negative: T, options?: TripletMarginLossOptions): T;
  /**
   * `tripletMarginWithDistanceLoss(anchor, positive, negative, { distanceFunction, margin,
   * swap, reduction })`: the distance function is built from this library's ops
   * (`import { sub, abs, sum } from "@parity/losses"`) and receives the library's tensors.
   */
  tripletMarginWithDistanceLoss(
    anchor: T,
    positive: T,
    negative: T,
    options?: TripletMarginWithDistanceLossOptions,
  ): T;
  /**
   * `ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank, reduction,
   * zeroInfinity })`: `logProbs` (T, N, C) or (T, C), int32 `targets`, lengths as int32 tensors
   * or number arrays (both of one kind).
   */
  ctcLoss(
    logProbs: T,
    targets: T,
    inputLengths: TfjsCTCLengths<T>,
    targetLengths: TfjsCTCLengths<T>,
    options?: CTCLossOptions,
  ): T;
  /** `logSoftmax(input, dim)`. */
  logSoftmax(input: T, dim: number): T;
  /** `softmax(input, dim)`. */
  softmax(input: T, dim: number): T;
}

// ---- the ops ---------------------------------------------------------------------------------

/** How to call one library function from TensorFlow.js arguments. */
interface BridgeOp {
  /** The library function. */
  readonly fn: (...args: never[]) => Tensor;
  /** Names of the positional tensor arguments, for messages. */
  readonly tensors: readonly string[];
  /** Positional tensors that take a gradient when they are float32. */
  readonly differentiable: readonly number[];
  /** Positional arguments that may also be number arrays (CTC's lengths). */
  readonly arrays?: readonly number[];
  /** Positional arguments that are plain numbers (softmax's `dim`). */
  readonly numbers?: readonly number[];
  /** Tensor options that take a gradient. */
  readonly differentiableOptions?: readonly string[];
}

const INPUT_TARGET = ["input", "target"] as const;

/** Every bridged function, by the library's name. */
const OPS: Readonly<Record<keyof TfjsLosses<unknown>, BridgeOp>> = {
  l1Loss: { fn: l1Loss, tensors: INPUT_TARGET, differentiable: [0, 1] },
  mseLoss: { fn: mseLoss, tensors: INPUT_TARGET, differentiable: [0, 1] },
  nllLoss: { fn: nllLoss, tensors: INPUT_TARGET, differentiable: [0] },
  crossEntropy: { fn: crossEntropy, tensors: INPUT_TARGET, differentiable: [0, 1] },
  hingeEmbeddingLoss: { fn: hingeEmbeddingLoss, tensors: INPUT_TARGET, differentiable: [0] },
  smoothL1Loss: { fn: smoothL1Loss, tensors: INPUT_TARGET, differentiable: [0, 1] },
  huberLoss: { fn: huberLoss, tensors: INPUT_TARGET, differentiable: [0, 1] },
  binaryCrossEntropy: { fn: binaryCrossEntropy, tensors: INPUT_TARGET, differentiable: [0, 1] },
  binaryCrossEntropyWithLogits: {
    fn: binaryCrossEntropyWithLogits,
    tensors: INPUT_TARGET,
    differentiable: [0, 1],
  },
  klDiv: { fn: klDiv, tensors: INPUT_TARGET, differentiable: [0, 1] },
  poissonNllLoss: { fn: poissonNllLoss, tensors: INPUT_TARGET, differentiable: [0, 1] },
  gaussianNllLoss: {
    fn: gaussianNllLoss,
    tensors: ["input", "target", "var"],
    differentiable: [0, 1, 2],
  },
  softMarginLoss: { fn: softMarginLoss, tensors: INPUT_TARGET, differentiable: [0] },
  marginRankingLoss: {
    fn: marginRankingLoss,
    tensors: ["input1", "input2", "target"],
    differentiable: [0, 1, 2],
  },
  multiMarginLoss: { fn: multiMarginLoss, tensors: INPUT_TARGET, differentiable: [0] },
  multilabelMarginLoss: { fn: multilabelMarginLoss, tensors: INPUT_TARGET, differentiable: [0] },
  multilabelSoftMarginLoss: {
    fn: multilabelSoftMarginLoss,
    tensors: INPUT_TARGET,
    differentiable: [0, 1],
    differentiableOptions: ["weight"],
  },
  cosineEmbeddingLoss: {
    fn: cosineEmbeddingLoss,
    tensors: ["input1", "input2", "target"],
    differentiable: [0, 1],
  },
  tripletMarginLoss: {
    fn: tripletMarginLoss,
    tensors: ["anchor", "positive", "negative"],
    differentiable: [0, 1, 2],
  },
  tripletMarginWithDistanceLoss: {
    fn: tripletMarginWithDistanceLoss,
    tensors: ["anchor", "positive", "negative"],
    differentiable: [0, 1, 2],
  },
  ctcLoss: {
    fn: ctcLoss,
    tensors: ["logProbs", "targets", "inputLengths", "targetLengths"],
    differentiable: [0],
    arrays: [2, 3],
  },
  logSoftmax: { fn: logSoftmax, tensors: ["input"], differentiable: [0], numbers: [1] },
  softmax: { fn: softmax, tensors: ["input"], differentiable: [0], numbers: [1] },
};

/** The names of the bridged functions, in the order of {@linkcode TfjsLosses}. */
export const TFJS_FUNCTIONS: readonly (keyof TfjsLosses<unknown>)[] = Object.keys(
  OPS,
) as (keyof TfjsLosses<unknown>)[];

// ---- TensorFlow.js internals read through small interfaces -----------------------------------

type TensorFn = (values: unknown, shape?: readonly number[], dtype?: string) => TfTensor;
type SaveFn = (tensors: TfTensor[]) => void;
type GradFunc = (dy: TfTensor, saved: TfTensor[]) => TfTensor[];
type CustomGrad = (
  f: (...args: (TfTensor | SaveFn)[]) => { value: TfTensor; gradFunc: GradFunc },
) => (...inputs: TfTensor[]) => TfTensor;

/** What the bridge reads of a backend: its device (webgpu), its references and its records. */
interface TfBackend {
  readonly device?: GPUDevice;
  refCount?(dataId: object): number;
  /** The webgpu backend's record per tensor: CPU values, GPU resource, or both. */
  readonly tensorMap?: { has(dataId: object): boolean; get(dataId: object): TfRecord };
}

interface TfRecord {
  values?: unknown;
  resource?: unknown;
}

/** Whether TensorFlow.js is recording a gradient tape now, as its `Engine.isTapeOn()`. */
function tapeIsOn(tf: Tfjs<TfTensor>): boolean {
  const state = (tf.engine() as { state?: { gradientDepth?: unknown; kernelDepth?: unknown } })
    .state;
  if (typeof state?.gradientDepth !== "number" || typeof state.kernelDepth !== "number") {
    return true; // unknown engine: record, which is right either way (only slower)
  }
  return state.gradientDepth > 0 && state.kernelDepth === 0;
}

/** Where the webgpu backend holds a tensor: values on the CPU, a buffer on the GPU, or both. */
function placeOf(backend: TfBackend, t: TfTensor): { cpu: boolean; gpu: boolean } | null {
  const map = backend.tensorMap;
  if (map === undefined || typeof map.has !== "function" || !map.has(t.dataId)) return null;
  const record = map.get(t.dataId);
  return { cpu: record.values != null, gpu: record.resource != null };
}

// ---- one call ----------------------------------------------------------------------------------

/** The state of one conversion: where it runs and what it borrowed. */
interface Call {
  readonly fn: string;
  readonly webgpu: boolean;
  readonly backend: TfBackend;
  /** The tensors `dataToGPU()` made, which own the borrowed buffers. */
  readonly refs: TfTensor[];
  /** Storage of the library tensors made from TensorFlow.js's (never handed back as is). */
  readonly inputs: Set<TypedArray | GpuStorage>;
  /** Whether TensorFlow.js's command queue was submitted during this call. */
  flushed: boolean;
}

/** A buffer handed to TensorFlow.js as a zero-copy tensor, and the backend that holds it. */
interface Handed {
  readonly backend: TfBackend;
  readonly dataId: object;
  readonly buffer: GPUBuffer;
}

let handed: Handed[] = [];
/** A small buffer of the library's, kept for flushing TensorFlow.js's command queue. */
let flushSource: GPUBuffer | null = null;

/**
 * Destroys the handed buffers whose tensors TensorFlow.js has disposed. TensorFlow.js defers
 * freeing a tensor that a command not yet submitted uses, and such a command must not meet a
 * destroyed buffer, so its queue is submitted first: `dataToGPU()` does that (this call may
 * have used it already), and so does making a tensor from a GPU buffer without `zeroCopy`,
 * which copies the buffer at once.
 */
function sweep(tf: Tfjs<TfTensor>, call: Call): void {
  const dead: Handed[] = [];
  const alive: Handed[] = [];
  for (const h of handed) {
    (typeof h.backend.refCount === "function" && h.backend.refCount(h.dataId) === 0 ? dead : alive)
      .push(h);
  }
  if (dead.length === 0) return;
  if (!call.flushed) {
    flushSource ??= acquireStorage(16);
    (tf.tensor as TensorFn)({ buffer: flushSource }, [1], "float32").dispose();
    call.flushed = true;
  }
  for (const h of dead) destroyHandedOver(h.buffer);
  handed = alive;
}

function isTfTensor(tf: Tfjs<TfTensor>, value: unknown): value is TfTensor {
  return value instanceof tf.Tensor;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    return `an object (${value.constructor?.name ?? "Object"})`;
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The library's dtype for a TensorFlow.js dtype. */
function libraryDtype(call: Call, name: string, t: TfTensor): "float32" | "int64" | "bool" {
  if (t.dtype === "float32") return "float32";
  if (t.dtype === "int32") return "int64";
  if (t.dtype === "bool") return "bool";
  return fail(
    call.fn,
    `${name} must be a float32, int32 or bool tensor: ${name} dtype is "${t.dtype}"`,
  );
}

function int64From(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return out;
}

/** A TensorFlow.js tensor as a library tensor on the call's device, read once. */
function toLibrary(call: Call, name: string, t: TfTensor, requiresGrad: boolean): Tensor {
  const dtype = libraryDtype(call, name, t);
  const shape = t.shape;
  if (!call.webgpu) {
    const values = borrowCpu(t.dataSync() as Float32Array | Int32Array | Uint8Array);
    const storage = (dtype === "int64" ? int64From(values as Int32Array) : values) as TypedArray;
    call.inputs.add(storage);
    return new Tensor(storage, shape, dtype, null, requiresGrad);
  }
  let numel = 1;
  for (const d of shape) numel *= d;
  // Where the values are: read the webgpu backend's record; a tensor of another backend (or a
  // TensorFlow.js without the record) is tried on the GPU first.
  const place = placeOf(call.backend, t);
  const probed = place === null && numel > 0 ? readToGpu(call, t) : null;
  let storage: GpuStorage;
  if (numel === 0) {
    storage = dtype === "int64" ? uploadGpu(new Int32Array(0), new BigInt64Array(0)) : uploadGpu(
      new Float32Array(0),
      dtype === "bool" ? new Uint8Array(0) : new Float32Array(0),
    );
  } else if (
    place?.cpu === true ||
    (place === null && probed === null) ||
    (dtype !== "float32" && seen.has(t.dataId))
  ) {
    const values = (dtype === "float32" ? undefined : seen.get(t.dataId)) ??
      borrowCpu(t.dataSync() as Float32Array | Int32Array | Uint8Array);
    if (dtype === "float32") {
      storage = uploadGpu(values as Float32Array, values);
    } else {
      seen.set(t.dataId, values as Int32Array | Uint8Array);
      storage = dtype === "int64"
        ? uploadGpu(values as Int32Array, int64From(values as Int32Array))
        : uploadGpu(Uint32Array.from(values as Uint8Array), values);
    }
  } else {
    if (dtype !== "float32") {
      // Class indices, labels and lengths are checked on the CPU before any shader runs.
      fail(
        call.fn,
        `${name} must have its values on the CPU, where they are checked: this ${t.dtype} tensor is on the GPU only (TensorFlow.js drops a tensor's CPU values once one of its GPU kernels has used it: make it with tf.tensor(), or await ${name}.data() once)`,
      );
    }
    const buffer = probed ?? readToGpu(call, t);
    if (buffer === null) fail(call.fn, `${name} must be readable: dataToGPU() failed`, Error);
    storage = new GpuStorage(buffer, numel * 4, null, true);
  }
  call.inputs.add(storage);
  return new Tensor(storage, shape, dtype, null, requiresGrad);
}

/**
 * The values of int32 and bool tensors read on the CPU, by their data: TensorFlow.js drops a
 * tensor's CPU values once a GPU kernel has used it, and its data never changes, so the
 * values read earlier still hold (class indices used by a tfjs metric between two steps).
 */
const seen = new WeakMap<object, Int32Array | Uint8Array>();

/**
 * A copy of the tensor's buffer on the GPU (`dataToGPU()`, which also submits TensorFlow.js's
 * command queue), owned by a tensor that the call disposes when it ends; `null` where the
 * tensor is not on the GPU (for a tensor without a webgpu record, the way to find out).
 */
function readToGpu(call: Call, t: TfTensor): GPUBuffer | null {
  let data: { buffer?: unknown; tensorRef: unknown };
  try {
    data = t.dataToGPU();
  } catch {
    return null;
  }
  call.refs.push(data.tensorRef as TfTensor);
  call.flushed = true;
  return data.buffer as GPUBuffer;
}

/** A library float32 tensor as a TensorFlow.js tensor: zero-copy where the backend allows. */
function toTfjs(tf: Tfjs<TfTensor>, call: Call, t: Tensor): TfTensor {
  const make = tf.tensor as TensorFn;
  if (!call.webgpu) {
    let values = handOverCpu(t);
    if (call.inputs.has(values)) values = values.slice(); // never TensorFlow.js's own array
    call.inputs.add(values);
    return make(values, t.shape, "float32");
  }
  if (t.numel === 0) return make(new Float32Array(0), t.shape, "float32");
  // handOverGpu copies a borrowed buffer (or one already handed) instead of handing it on
  const buffer = handOverGpu(gpuStorage(t));
  const out = make({ buffer, zeroCopy: true }, t.shape, "float32");
  handed.push({ backend: call.backend, dataId: out.dataId, buffer });
  return out;
}

function startCall(tf: Tfjs<TfTensor>, fn: string): Call {
  const backend = tf.backend() as TfBackend;
  const webgpu = tf.getBackend() === "webgpu";
  if (webgpu) {
    const device = backend.device;
    if (device === undefined) {
      fail(fn, "the webgpu backend must have a device: tf.backend().device is undefined", Error);
    }
    adoptGpuDevice(device);
    const error = takeGpuError();
    if (error !== null) throw error;
  }
  return { fn, webgpu, backend, refs: [], inputs: new Set(), flushed: false };
}

function endCall(call: Call): void {
  for (const ref of call.refs) ref.dispose();
  call.refs.length = 0;
}

/** One bridged call: checks, conversion, the library's function, and the gradient. */
function run(tf: Tfjs<TfTensor>, name: keyof TfjsLosses<unknown>, args: unknown[]): TfTensor {
  const op = OPS[name];
  // (input, dim) has no options: the dim goes through as is, and the library checks it
  const arity = op.tensors.length + (op.numbers?.length ?? 0);
  const positional = args.slice(0, arity);
  const rawOptions = op.numbers === undefined ? args[arity] : undefined;
  // The tensors to differentiate: float32 positional tensors and tensor options that take one.
  const wrt: { at: number | string; t: TfTensor }[] = [];
  positional.forEach((v, k) => {
    if (op.numbers?.includes(k)) return;
    if (op.arrays?.includes(k) && Array.isArray(v)) return;
    if (!isTfTensor(tf, v)) {
      fail(name, `${op.tensors[k]} must be a tf.Tensor: got ${describe(v)}`);
    }
    if (op.differentiable.includes(k) && v.dtype === "float32") {
      wrt.push({ at: k, t: v });
    }
  });
  const options: Record<string, unknown> = {};
  if (rawOptions !== undefined) {
    if (typeof rawOptions !== "object" || rawOptions === null || Array.isArray(rawOptions)) {
      fail(name, `options must be an object: got ${describe(rawOptions)}`);
    }
    for (const [key, v] of Object.entries(rawOptions)) {
      options[key] = v;
      if (isTfTensor(tf, v) && op.differentiableOptions?.includes(key) && v.dtype === "float32") {
        wrt.push({ at: key, t: v });
      }
    }
  }

  /** The library's arguments, with `xs` (the tensors in `wrt`, maybe tfjs's copies) as leaves. */
  const compute = (call: Call, xs: TfTensor[] | null): { out: Tensor; leaves: Tensor[] } => {
    const leaves: Tensor[] = [];
    const convert = (at: number | string, label: string, v: unknown): unknown => {
      const k = wrt.findIndex((w) => w.at === at);
      if (k >= 0) {
        const leaf = toLibrary(call, label, xs?.[k] ?? wrt[k].t, xs !== null);
        leaves[k] = leaf;
        return leaf;
      }
      return isTfTensor(tf, v) ? toLibrary(call, label, v, false) : v;
    };
    const libArgs = positional.map((v, k) =>
      op.numbers?.includes(k) ? v : convert(k, op.tensors[k], v)
    );
    const libOptions: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(options)) {
      libOptions[key] = convert(key, key, v);
    }
    if (call.webgpu) sweep(tf, call);
    const fn = op.fn as (...a: unknown[]) => Tensor;
    const out = fn(...libArgs, ...(rawOptions === undefined ? [] : [libOptions]));
    return { out, leaves };
  };

  // The library's pooled GPU storage made for a call (its tensors, what its nodes keep) goes
  // back to the pool as soon as the call is over: after the forward pass outside a tape, or
  // after tfjs's backward pass through it.
  if (wrt.length === 0 || !tapeIsOn(tf)) {
    const call = startCall(tf, name);
    const made: GpuStorage[] = [];
    try {
      return trackGpu(made, () => toTfjs(tf, call, compute(call, null).out));
    } finally {
      endCall(call);
      releaseGpu(made);
    }
  }

  const customGrad = tf.customGrad as unknown as CustomGrad;
  const f = customGrad((...inputs: (TfTensor | SaveFn)[]) => {
    const save = inputs.pop() as SaveFn;
    const xs = inputs as TfTensor[];
    const call = startCall(tf, name);
    const made: GpuStorage[] = [];
    let forward: { out: Tensor; leaves: Tensor[]; value: TfTensor };
    try {
      forward = trackGpu(made, () => {
        const { out, leaves } = compute(call, xs);
        return { out, leaves, value: toTfjs(tf, call, out) };
      });
      // Kept by TensorFlow.js until its backward pass ends: the borrowed buffers the library's
      // graph still reads, and the value's buffer (softmax's backward reads its result).
      if (call.webgpu) save([forward.value, ...call.refs]);
    } catch (error) {
      releaseGpu(made);
      throw error;
    } finally {
      endCall(call);
    }
    const { out, leaves, value } = forward;
    const gradFunc: GradFunc = (dy) => {
      const back = startCall(tf, name);
      try {
        return trackGpu(made, () => {
          const g = toLibrary(back, "gradOutput", dy, false);
          if (back.webgpu) sweep(tf, back);
          if (out.requiresGrad) out.backward(g);
          return xs.map((x, k) => {
            const grad = leaves[k]?.grad ?? null;
            return grad === null
              ? (tf.zerosLike as (x: TfTensor) => TfTensor)(x)
              : toTfjs(tf, back, grad);
          });
        });
      } finally {
        endCall(back);
        releaseGpu(made);
      }
    };
    return { value, gradFunc };
  });
  return f(...wrt.map((w) => w.t));
}

/**
 * This library's losses, `logSoftmax` and `softmax` on TensorFlow.js tensors, differentiable
 * through TensorFlow.js's autodiff.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * import { withTfjs } from "@parity/losses/tfjs";
 *
 * const L = withTfjs(tf);
 * const logits = tf.variable(tf.randomNormal([4, 5]));
 * const labels = tf.tensor1d([0, 3, 1, 4], "int32");
 * const optimizer = tf.train.sgd(0.1);
 * optimizer.minimize(() => L.crossEntropy(logits, labels, { labelSmoothing: 0.1 }));
 * ```
 *
 * @param tf The TensorFlow.js namespace (`import * as tf from "@tensorflow/tfjs"`).
 * @returns The functions of {@linkcode TfjsLosses}, on `tf`'s tensors.
 */
export function withTfjs<T extends TfTensor>(tf: Tfjs<T>): TfjsLosses<T> {
  const out: Record<string, (...args: unknown[]) => TfTensor> = {};
  for (const name of TFJS_FUNCTIONS) {
    out[name] = (...args: unknown[]) => run(tf as unknown as Tfjs<TfTensor>, name, args);
  }
  return out as unknown as TfjsLosses<T>;
}

/** For tests: the buffers handed to TensorFlow.js and not yet destroyed. */
export function handedCount(): number {
  return handed.length;
}
