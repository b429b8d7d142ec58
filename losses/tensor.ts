/**
 * `tensor()`, the way in: makes a tensor from nested arrays, a flat array or a typed array, as
 * `torch.tensor` does. The `Tensor` class itself, with its storage on each device and the
 * autograd links, is in `_core/tensor.ts`; this module re-exports it.
 *
 * @module
 */

import { allocateChecked } from "./_core/checks.ts";
import { describeValue, isArrayValue } from "./_core/describe.ts";
import { BOOLEAN, oneOf, parseOptions } from "./_core/options.ts";
import {
  checkDevice,
  checkGpuDtype,
  checkShape,
  type Device,
  type DType,
  DTYPES,
  formatShape,
  type NestedArray,
  SHAPE,
  shapeNumel,
  Tensor,
  toGpu,
  type TypedArray,
} from "./_core/tensor.ts";
import { adoptGpuDevice, gpuReady } from "./_core/webgpu/device.ts";

export { type BackwardOptions, Tensor } from "./_core/tensor.ts";
export type { Device, DType, NestedArray, TypedArray } from "./_core/storage.ts";

/**
 * Hands the library a WebGPU device to use for `"webgpu"` instead of creating its own: for
 * example TensorFlow.js's (`tf.backend().device` on its webgpu backend), so that buffers pass
 * between the two libraries without a copy through the CPU. `@parity/losses/tfjs` calls it
 * with TensorFlow.js's device. Call it before the first webgpu tensor is made; afterwards
 * `tensor(data, { device: "webgpu" })` works at once. The device keeps the limits it was
 * created with (WebGPU's defaults suffice). Handing over the device already in use does
 * nothing.
 *
 * @example Usage
 * ```ts
 * import { tensor, useWebGpuDevice } from "@parity/losses";
 *
 * const adapter = await navigator.gpu?.requestAdapter();
 * if (adapter) {
 *   useWebGpuDevice(await adapter.requestDevice()); // a device made elsewhere
 *   const x = tensor([1, 2, 3], { device: "webgpu" });
 * }
 * ```
 *
 * @param device A `GPUDevice`.
 * @throws {TypeError} If `device` is not a GPUDevice.
 * @throws {Error} If the library already uses, or is creating, another device.
 */
export function useWebGpuDevice(device: GPUDevice): void {
  let isDevice = false;
  try {
    const d = device as unknown as { createBuffer?: unknown; queue?: unknown } | null;
    isDevice = typeof d === "object" && d !== null && typeof d.createBuffer === "function" &&
      typeof d.queue === "object" && d.queue !== null;
  } catch {
    // a revoked Proxy: not a device
  }
  if (!isDevice) {
    throw new TypeError(
      `Cannot run useWebGpuDevice as device must be a GPUDevice: got ${describeValue(device)}`,
    );
  }
  adoptGpuDevice(device);
}

/**
 * What `tensor()` accepts as data: a number or boolean (a 0-d tensor), nested arrays of them,
 * or a typed array. Typed arrays give their own dtype: `Float64Array` float64, `Float32Array`
 * and `Float16Array` float32 (this library has no float16), `BigInt64Array`, `BigUint64Array`
 * (values up to 2^63 - 1) and the other integer arrays int64, `Uint8Array` bool.
 */
export type TensorData =
  | NestedArray
  | TypedArray
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float16Array;

/** Options for {@linkcode tensor}. */
export interface TensorOptions {
  /**
   * `readonly number[]`: reshape flat data to this shape; each entry a non-negative integer,
   * and the element count must match.
   */
  shape?: readonly number[];
  /**
   * `"float32" | "float64" | "int64" | "bool"`. Default (or `null`, as PyTorch's
   * `dtype=None`): from a typed array, `"bool"` for booleans only, else `"float32"`.
   */
  dtype?: DType | null;
  /** `boolean`: record operations on this tensor so that `backward()` can fill `.grad`. */
  requiresGrad?: boolean;
  /**
   * `"cpu"` (default, also for `null`) or `"webgpu"`; the latter works synchronously once the
   * WebGPU device exists, which the first `await t.to("webgpu")` creates.
   */
  device?: Device | null;
}

const TENSOR_OPTIONS = {
  shape: SHAPE,
  dtype: oneOf(DTYPES, true),
  requiresGrad: BOOLEAN,
  device: oneOf(["cpu", "webgpu"], true),
} as const;

/** Nesting deeper than this is an error, as in PyTorch (its limit for `torch.tensor`). */
const MAX_DEPTH = 128;

/**
 * Makes a tensor from nested arrays, a flat array or a typed array, as `torch.tensor`.
 *
 * Numbers become float32 unless `dtype` says otherwise, booleans bool, and a list that mixes
 * the two float32 (`true` is 1), as PyTorch promotes them; a typed array gives its own dtype
 * (see {@linkcode TensorData}). The data is copied.
 *
 * @example Usage
 * ```ts
 * import { tensor } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[0.5, -1.25], [2, 3]], { requiresGrad: true });
 * assert.deepEqual(x.shape, [2, 2]);
 * assert.equal(x.dtype, "float32");
 * const y = tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
 * assert.equal(y.dtype, "float64");
 * const t = tensor([1, 0, 4], { dtype: "int64" });
 * assert.equal(t.numel, 3);
 * assert.equal(tensor([true, 5, 0.5]).dtype, "float32");
 * ```
 *
 * @param data The elements.
 * @param options `shape`, `dtype`, `requiresGrad`, `device`.
 * @returns A new leaf tensor.
 * @throws {TypeError} If the data is ragged, holds non-numbers, is a DataView or nested
 *   deeper than 128 (or contains itself), an option is unknown or of the wrong type, or
 *   `requiresGrad` is asked of an integer or bool tensor.
 * @throws {RangeError} If `shape` has an entry that is not a non-negative integer or does not
 *   match the element count, an int64 value is not an integer or does not fit in int64, or the
 *   storage cannot be allocated.
 */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  options = parseOptions("tensor", options, TENSOR_OPTIONS, "create");
  const device = options.device ?? "cpu";
  checkDevice("tensor", device);
  let flat: ArrayLike<number | boolean | bigint>;
  let shape: readonly number[];
  let inferred: DType;
  if (ArrayBuffer.isView(data)) {
    ({ flat, inferred } = readView(data));
    shape = [flat.length];
  } else {
    const nested = flatten(data);
    flat = nested.values;
    shape = nested.shape;
    inferred = nested.numbers || nested.values.length === 0 ? "float32" : "bool";
  }
  if (options.shape !== undefined) {
    const dims = checkShape("create tensor", options.shape);
    const want = shapeNumel(dims);
    if (want !== flat.length) {
      throw new RangeError(
        `Cannot create tensor as shape ${formatShape(dims)} needs ${want} elements: ` +
          `data has ${flat.length}`,
      );
    }
    shape = dims;
  }
  const dtype = options.dtype ?? inferred;
  const requiresGrad = options.requiresGrad ?? false;
  if (requiresGrad && dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(
      `Cannot create tensor with requiresGrad as only float32 and float64 tensors can require gradients: dtype is "${dtype}"`,
    );
  }
  const storage = allocateChecked("tensor", "its storage", shape, dtype, "create");
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (dtype === "int64") {
      (storage as BigInt64Array)[i] = toBigInt(v, i);
    } else if (dtype === "bool") {
      (storage as Uint8Array)[i] = v ? 1 : 0;
    } else {
      (storage as Float32Array | Float64Array)[i] = Number(v);
    }
  }
  if (device === "webgpu") {
    checkGpuDtype("tensor", dtype);
    if (!gpuReady()) {
      throw new Error(
        'Cannot create a tensor on webgpu before the device is ready: create it on the cpu and move it with `await t.to("webgpu")`',
      );
    }
    return new Tensor(toGpu(storage, dtype), shape, dtype, null, requiresGrad);
  }
  return new Tensor(storage, shape, dtype, null, requiresGrad);
}

const INT64_MAX = (1n << 63n) - 1n;

/** A typed array's elements and dtype, as PyTorch reads a NumPy array of the same type. */
function readView(data: ArrayBufferView): { flat: ArrayLike<number | bigint>; inferred: DType } {
  if (data instanceof Float64Array) return { flat: data, inferred: "float64" };
  if (data instanceof Float32Array) return { flat: data, inferred: "float32" };
  if (typeof Float16Array === "function" && data instanceof Float16Array) {
    return { flat: data, inferred: "float32" }; // every float16 value is a float32 exactly
  }
  if (data instanceof Uint8Array) return { flat: data, inferred: "bool" };
  if (data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) {
      if (data[i] > INT64_MAX) {
        throw new RangeError(
          `Cannot create tensor as int64 holds at most 2^63 - 1: data[${i}] is ${
            data[i]
          } (a BigUint64Array value)`,
        );
      }
    }
    return { flat: data, inferred: "int64" };
  }
  if (
    data instanceof BigInt64Array || data instanceof Int32Array || data instanceof Int16Array ||
    data instanceof Int8Array || data instanceof Uint32Array || data instanceof Uint16Array ||
    data instanceof Uint8ClampedArray
  ) {
    return { flat: data, inferred: "int64" };
  }
  throw new TypeError(
    `Cannot create tensor as data must be nested arrays or a typed array: got ${
      describeValue(data)
    }`,
  );
}

function toBigInt(v: number | boolean | bigint, i: number): bigint {
  if (typeof v === "bigint") return v;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(
      `Cannot create tensor as int64 data must be safe integers: data[${i}] is ${n}`,
    );
  }
  return BigInt(n);
}

/**
 * The elements of nested arrays in row-major order, their shape, and whether any is a number
 * (a mix of booleans and numbers is promoted to float32, as PyTorch does).
 */
function flatten(
  data: unknown,
): { values: (number | boolean)[]; shape: number[]; numbers: boolean } {
  const shape: number[] = [];
  const seen = new Map<unknown, string>();
  let probe: unknown = data;
  let path = "data";
  while (isArray(probe)) {
    const before = seen.get(probe);
    if (before !== undefined) {
      throw new TypeError(
        `Cannot create tensor as data must not contain itself: ${path} is ${before} again, ` +
          `at depth ${shape.length}`,
      );
    }
    if (shape.length === MAX_DEPTH) {
      throw new TypeError(
        `Cannot create tensor as data must be nested at most ${MAX_DEPTH} deep, as in PyTorch: ` +
          `it goes on past depth ${MAX_DEPTH}`,
      );
    }
    seen.set(probe, path);
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
    path += "[0]";
  }
  if (shape.length === 0 && typeof data !== "number" && typeof data !== "boolean") {
    throw new TypeError(
      `Cannot create tensor as data must be a number, a boolean, nested arrays of them or a typed array: got ${
        describeValue(data)
      }`,
    );
  }
  const values: (number | boolean)[] = [];
  let numbers = false;
  const walk = (node: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof node === "number") numbers = true;
      else if (typeof node !== "boolean") {
        throw new TypeError(
          `Cannot create tensor as data must hold numbers or booleans: data${path} is ${
            describeValue(node)
          }`,
        );
      }
      values.push(node);
      return;
    }
    if (!isArray(node) || node.length !== shape[dim]) {
      throw new TypeError(
        `Cannot create tensor as data is ragged: data${path} should be an array of ${
          shape[dim]
        } items`,
      );
    }
    for (let i = 0; i < node.length; i++) {
      if (!(i in node)) {
        throw new TypeError(
          `Cannot create tensor as data must hold numbers or booleans: data${path}[${i}] is empty (a hole in the array)`,
        );
      }
      walk(node[i], dim + 1, `${path}[${i}]`);
    }
  };
  walk(data, 0, "");
  return { values, shape, numbers };
}

function isArray(value: unknown): value is unknown[] {
  return isArrayValue(value);
}
