/**
 * Tensors: shape, dtype, device, storage and the autograd links.
 *
 * Storage per dtype on the CPU: `float32` → `Float32Array`, `float64` → `Float64Array`,
 * `int64` → `BigInt64Array` (every 64-bit value is exact), `bool` → `Uint8Array` (0 or 1).
 * On WebGPU: a GPU buffer of 4-byte elements; float32 as is, int64 as 32-bit integers (values
 * outside the int32 range cannot move there), bool as u32; float64 cannot move there (WebGPU
 * has no float64). Tensors are contiguous and row-major; losses need no views.
 *
 * @module
 */

import { type GradFn, isNode, runBackward } from "./autograd.ts";
import { formatTensor } from "./print.ts";
import {
  allocStorage,
  type Device,
  type DType,
  type NestedArray,
  shapeNumel,
  type TypedArray,
} from "./storage.ts";
import { GpuStorage, readGpu, uploadGpu } from "./webgpu/buffers.ts";
import { acquireGpu, throwGpuErrors } from "./webgpu/device.ts";
import { addGpu, filledGpu } from "./webgpu/kernels.ts";

export {
  allocStorage,
  type Device,
  type DType,
  formatShape,
  type NestedArray,
  shapeNumel,
  type TypedArray,
} from "./storage.ts";

/** Options for {@linkcode Tensor.backward}. */
export interface BackwardOptions {
  /** Keep the graph so that `backward()` can run through it again. Default `false`. */
  retainGraph?: boolean;
}

/** Private handle that lets the library's own modules reach a tensor's storage. */
let storageOf: (t: Tensor) => TypedArray | GpuStorage;

/**
 * An n-dimensional array with PyTorch's autograd semantics.
 *
 * Make one with {@linkcode tensor}; losses return new ones.
 *
 * @example Usage
 * ```ts
 * import { mseLoss, tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const loss = mseLoss(x, tensor([1, 0, 0]));
 * loss.backward();
 * assert.deepEqual(x.grad?.toArray(), [0, 4 / 3, 2].map(Math.fround));
 * ```
 */
export class Tensor {
  /** The size of each dimension; `[]` for a 0-d tensor. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Where the storage lives. */
  readonly device: Device;
  /** The number of elements: the product of `shape`. */
  readonly numel: number;
  /**
   * Accumulated gradient of this leaf, filled by `backward()`. Set it to `null` to clear it,
   * as `x.grad = None` in PyTorch.
   */
  grad: Tensor | null = null;
  readonly #storage: TypedArray | GpuStorage;
  readonly #requiresGrad: boolean;
  readonly #gradFn: GradFn | null;

  static {
    storageOf = (t) => t.#storage;
  }

  /**
   * Wraps storage without copying. Use {@linkcode tensor} instead; this is the library's own
   * constructor.
   *
   * @param storage Elements in row-major order, of the dtype's typed array, or GPU storage.
   * @param shape Dimensions; their product must equal `storage.length`.
   * @param dtype Element type matching `storage`.
   * @param gradFn The operation that made this tensor, or `null` for a leaf.
   * @param requiresGrad For a leaf: whether `backward()` fills its `.grad`.
   */
  constructor(
    storage: TypedArray | GpuStorage,
    shape: readonly number[],
    dtype: DType,
    gradFn: GradFn | null = null,
    requiresGrad = false,
  ) {
    const numel = shapeNumel(shape);
    const length = storage instanceof GpuStorage ? storage.bytes / 4 : storage.length;
    if (numel !== length) {
      throw new RangeError(
        `Cannot create tensor as shape [${
          shape.join(", ")
        }] needs ${numel} elements: data has ${length}`,
      );
    }
    if (gradFn !== null && !isNode(gradFn)) {
      throw new TypeError("Cannot create tensor as gradFn must come from the library's own ops");
    }
    this.#storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.device = storage instanceof GpuStorage ? "webgpu" : "cpu";
    this.numel = numel;
    this.#gradFn = gradFn;
    this.#requiresGrad = gradFn !== null || requiresGrad;
  }

  /** Whether `backward()` reaches this tensor: a leaf that asked for it, or an op's result. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }

  /** The operation that made this tensor (`grad_fn` in PyTorch), or `null` for a leaf. */
  get gradFn(): GradFn | null {
    return this.#gradFn;
  }

  /** `true` for tensors made by the user rather than by an operation that records a node. */
  get isLeaf(): boolean {
    return this.#gradFn === null;
  }

  /**
   * A copy of the elements in row-major order, on every device.
   *
   * @example Usage
   * ```ts
   * import { tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * const data = await tensor([[1, 2], [3, 4]], { dtype: "float64" }).data();
   * assert.deepEqual(data, new Float64Array([1, 2, 3, 4]));
   * ```
   *
   * @returns A new typed array of the dtype's kind.
   */
  data(): Promise<TypedArray> {
    const storage = this.#storage;
    if (!(storage instanceof GpuStorage)) return Promise.resolve(storage.slice());
    return readBack(storage, this.dtype);
  }

  /**
   * The elements as nested arrays: numbers, or booleans for `bool` (CPU only, synchronous).
   * int64 elements come back as numbers, exact up to 2^53.
   *
   * @example Usage
   * ```ts
   * import { tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(tensor([[1, 0], [4, 2]], { dtype: "int64" }).toArray(), [[1, 0], [4, 2]]);
   * ```
   *
   * @returns A number for a 0-d tensor, otherwise nested arrays shaped like the tensor.
   */
  toArray(): NestedArray {
    const flat = this.#elements("toArray");
    if (this.shape.length === 0) return flat[0];
    let pos = 0;
    const build = (dim: number): NestedArray[] => {
      const out: NestedArray[] = [];
      const size = this.shape[dim];
      for (let i = 0; i < size; i++) {
        out.push(dim === this.shape.length - 1 ? flat[pos++] : build(dim + 1));
      }
      return out;
    };
    return build(0);
  }

  /**
   * The value of a one-element tensor as a number (CPU only, synchronous).
   *
   * @example Usage
   * ```ts
   * import { tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * assert.equal(tensor([[2.5]]).item(), 2.5);
   * ```
   *
   * @returns The element; `1`/`0` for a bool tensor.
   * @throws {RangeError} If the tensor does not hold exactly one element.
   */
  item(): number {
    if (this.numel !== 1) {
      throw new RangeError(
        `Cannot convert tensor to a number as it must have one element: it has ${this.numel}`,
      );
    }
    return Number(this.#cpu("item")[0]);
  }

  /**
   * Copies the tensor to a device; the same tensor when it is there already. The first move to
   * `"webgpu"` creates the WebGPU device. The copy is a new leaf with this tensor's
   * `requiresGrad` (in PyTorch `x.to("cuda")` of a leaf that requires grad is a non-leaf whose
   * gradient flows back to `x`; here gradients do not cross devices, so make the leaf on the
   * device you compute on, as `torch.randn(..., device="cuda", requires_grad=True)` does).
   *
   * @example Usage
   * ```ts
   * import { tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * const x = tensor([1, 2]);
   * assert.equal(await x.to("cpu"), x);
   * ```
   *
   * @param device `"cpu"` or `"webgpu"`.
   * @returns A tensor on `device`.
   * @throws {Error} If there is no WebGPU adapter.
   * @throws {TypeError} If a float64 tensor is moved to WebGPU, which has no float64.
   * @throws {RangeError} If an int64 value does not fit in 32 bits on WebGPU.
   */
  async to(device: Device): Promise<Tensor> {
    checkDevice("Tensor.to", device);
    if (device === this.device) return this;
    const storage = this.#storage;
    if (storage instanceof GpuStorage) {
      return new Tensor(
        await readBack(storage, this.dtype),
        this.shape,
        this.dtype,
        null,
        this.#requiresGrad,
      );
    }
    checkGpuDtype("Tensor.to", this.dtype);
    await acquireGpu();
    return new Tensor(toGpu(storage, this.dtype), this.shape, this.dtype, null, this.#requiresGrad);
  }

  /**
   * A new leaf that shares this tensor's storage and records nothing.
   *
   * @example Usage
   * ```ts
   * import { tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * const x = tensor([1, 2], { requiresGrad: true });
   * assert.equal(x.detach().requiresGrad, false);
   * ```
   *
   * @returns A tensor without `requiresGrad`.
   */
  detach(): Tensor {
    return new Tensor(this.#storage, this.shape, this.dtype);
  }

  /**
   * Runs reverse-mode differentiation from this tensor through the ops that made it and adds
   * the result into `.grad` of every leaf that has `requiresGrad`, as PyTorch's
   * `Tensor.backward`. The graph is freed afterwards unless `retainGraph` is set.
   *
   * @example Usage
   * ```ts
   * import { l1Loss, tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * const x = tensor([3, -1], { requiresGrad: true });
   * l1Loss(x, tensor([0, 0])).backward();
   * assert.deepEqual(x.grad?.toArray(), [0.5, -0.5]);
   * ```
   *
   * @param gradOutput The gradient of the final value with respect to this tensor: same shape
   *   and dtype. Defaults to 1 for a one-element tensor and is required otherwise.
   * @param options `retainGraph`.
   * @throws {Error} If this tensor does not require grad, or the graph was already freed.
   * @throws {TypeError} If `gradOutput` does not match this tensor's shape or dtype.
   */
  backward(gradOutput?: Tensor, options: BackwardOptions = {}): void {
    runBackward(this, backwardSeed(this, gradOutput), options.retainGraph ?? false, addTensors);
  }

  /**
   * PyTorch's text for this tensor, as `str(t)`: `tensor([[-1.1258, -1.1524]], requires_grad=True)`.
   *
   * @example Usage
   * ```ts
   * import { tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(tensor([4, 4, 3], { dtype: "int64" })), "tensor([4, 4, 3])");
   * assert.equal(String(tensor([0.5, -2])), "tensor([ 0.5000, -2.0000])");
   * ```
   *
   * @returns The text `print(t)` shows in PyTorch 1.13.
   */
  toString(): string {
    let storage = this.#storage;
    if (storage instanceof GpuStorage) {
      if (storage.host === null) {
        return `tensor(<${this.numel} elements on webgpu: read them with await t.data()>)`;
      }
      storage = storage.host as TypedArray;
    }
    return formatTensor({
      shape: this.shape,
      dtype: this.dtype,
      storage,
      gradFnName: this.#gradFn?.name ?? null,
      requiresGrad: this.#requiresGrad,
    });
  }

  /** `Deno.inspect` and `console.log` show PyTorch's text; see {@linkcode Tensor.toString}. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  #cpu(fn: string): TypedArray {
    const storage = this.#storage;
    if (storage instanceof GpuStorage) {
      throw new Error(
        `Cannot run Tensor.${fn} on webgpu as it reads the elements synchronously: use \`await t.data()\` or \`await t.to("cpu")\``,
      );
    }
    return storage;
  }

  #elements(fn: string): (number | boolean)[] {
    const s = this.#cpu(fn);
    const out = new Array<number | boolean>(s.length);
    for (let i = 0; i < s.length; i++) {
      out[i] = this.dtype === "bool" ? s[i] !== 0 : Number(s[i]);
    }
    return out;
  }
}

/** The library's own access to a tensor's storage (CPU). */
export function cpuStorage(t: Tensor): TypedArray {
  const storage = storageOf(t);
  if (storage instanceof GpuStorage) {
    throw new Error(
      "Cannot read a webgpu tensor's elements on the CPU: this op has no WebGPU kernel for it",
    );
  }
  return storage;
}

/**
 * A cpu tensor's storage, given to another owner for good: TensorFlow.js's cpu backend keeps
 * the array as its tensor's values without copying it (`@parity/losses/tfjs`). The library
 * must not write to it, reuse it or pool it afterwards; today no storage is reused, and a
 * pool of CPU storage must leave these arrays out.
 */
export function handOverCpu(t: Tensor): TypedArray {
  return cpuStorage(t);
}

/** The library's own access to a tensor's storage on WebGPU. */
export function gpuStorage(t: Tensor): GpuStorage {
  const storage = storageOf(t);
  if (!(storage instanceof GpuStorage)) {
    throw new Error("Cannot read a cpu tensor's elements as GPU storage");
  }
  return storage;
}

/**
 * The CPU elements of a webgpu tensor that was uploaded from the CPU (targets, class
 * indices), else `null`; the CPU's elements for a cpu tensor.
 */
export function hostElements(t: Tensor): ArrayLike<number | bigint> | null {
  const storage = storageOf(t);
  return storage instanceof GpuStorage ? storage.host : storage;
}

/** The gradient `backward()` starts from: `gradOutput` once checked, or ones for one element. */
function backwardSeed(root: Tensor, gradOutput: Tensor | undefined): Tensor {
  if (!root.requiresGrad) {
    throw new Error(
      "Cannot run backward as the tensor does not require grad and has no gradFn: create the leaves with { requiresGrad: true }",
    );
  }
  let seed: Tensor;
  if (gradOutput === undefined) {
    if (root.numel !== 1) {
      throw new TypeError(
        `Cannot run backward without gradOutput as it can be implied only for one-element outputs: output shape is [${
          root.shape.join(", ")
        }]`,
      );
    }
    seed = onesLike(root);
  } else {
    if (
      gradOutput.shape.length !== root.shape.length ||
      gradOutput.shape.some((d, i) => d !== root.shape[i])
    ) {
      throw new TypeError(
        `Cannot run backward as gradOutput must have the output's shape: gradOutput is [${
          gradOutput.shape.join(", ")
        }], output is [${root.shape.join(", ")}]`,
      );
    }
    if (gradOutput.device !== root.device) {
      throw new TypeError(
        `Cannot run backward as gradOutput must be on the output's device: gradOutput is on "${gradOutput.device}", output is on "${root.device}"`,
      );
    }
    if (gradOutput.dtype !== root.dtype) {
      throw new TypeError(
        `Cannot run backward as gradOutput must have the output's dtype: gradOutput is "${gradOutput.dtype}", output is "${root.dtype}"`,
      );
    }
    seed = gradOutput;
  }
  return seed;
}

/** `a + b` for gradient accumulation, on the tensors' device. */
function addTensors(a: Tensor, b: Tensor): Tensor {
  if (a.device === "webgpu") {
    return new Tensor(addGpu(gpuStorage(a), gpuStorage(b), a.numel), a.shape, a.dtype);
  }
  const x = cpuStorage(a) as Float32Array | Float64Array;
  const y = cpuStorage(b) as Float32Array | Float64Array;
  const out = allocStorage(a.dtype, a.numel) as Float32Array | Float64Array;
  for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i];
  return new Tensor(out, a.shape, a.dtype);
}

function onesLike(t: Tensor): Tensor {
  if (t.device === "webgpu") return new Tensor(filledGpu(t.numel, 1), t.shape, t.dtype);
  const out = allocStorage(t.dtype, t.numel) as Float32Array | Float64Array;
  out.fill(1);
  return new Tensor(out, t.shape, t.dtype);
}

/** Throws for a dtype WebGPU cannot hold (float64). */
export function checkGpuDtype(fn: string, dtype: DType): void {
  if (dtype === "float64") {
    throw new TypeError(
      `Cannot run ${fn} on webgpu as WebGPU has no float64: dtype is "float64"`,
    );
  }
}

/** Uploads CPU storage as 4-byte elements (int64 as int32, bool as u32). */
export function toGpu(storage: TypedArray, dtype: DType): GpuStorage {
  if (dtype === "float32") return uploadGpu(storage as Float32Array, storage);
  if (dtype === "int64") {
    const src = storage as BigInt64Array;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v > 2147483647n || v < -2147483648n) {
        throw new RangeError(
          `Cannot move an int64 tensor to webgpu as its values must fit in 32 bits there: element ${i} is ${v}`,
        );
      }
      out[i] = Number(v);
    }
    return uploadGpu(out, src);
  }
  return uploadGpu(Uint32Array.from(storage as Uint8Array), storage);
}

async function readBack(storage: GpuStorage, dtype: DType): Promise<TypedArray> {
  const reading = readGpu(storage); // joins other reads asked for in this task
  reading.catch(() => {}); // observed below; an earlier GPU error is thrown first
  await throwGpuErrors();
  const bytes = await reading;
  if (dtype === "float32") return new Float32Array(bytes);
  if (dtype === "int64") {
    const src = new Int32Array(bytes);
    const out = new BigInt64Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = BigInt(src[i]);
    return out;
  }
  return Uint8Array.from(new Uint32Array(bytes));
}

/** Every dtype, in the order messages list them. */
export const DTYPES: readonly DType[] = ["float32", "float64", "int64", "bool"];

/** Throws unless `device` is `"cpu"` or `"webgpu"`. */
export function checkDevice(fn: string, device: unknown): void {
  if (device === "cpu" || device === "webgpu") return;
  throw new RangeError(
    `Cannot run ${fn} as device must be "cpu" or "webgpu": current value is ${
      JSON.stringify(device)
    }`,
  );
}
