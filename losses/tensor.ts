/**
 * `tensor()`, the way in: makes a tensor from nested arrays, a flat array or a typed array, as
 * `torch.tensor` does. The `Tensor` class itself, with its storage on each device and the
 * autograd links, is in `_core/tensor.ts`; this module re-exports it.
 *
 * @module
 */

import {
  allocStorage,
  type Device,
  type DType,
  formatShape,
  type NestedArray,
  shapeNumel,
  type TypedArray,
} from "./_core/storage.ts";
import { checkDevice, checkGpuDtype, DTYPES, Tensor, toGpu } from "./_core/tensor.ts";
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
 * @throws {Error} If the library already uses, or is creating, another device.
 */
export function useWebGpuDevice(device: GPUDevice): void {
  adoptGpuDevice(device);
}

/** What `tensor()` accepts as data. */
export type TensorData = NestedArray | TypedArray | Int32Array;

/** Options for {@linkcode tensor}. */
export interface TensorOptions {
  /** Reshape flat data to this shape; the element count must match. */
  shape?: readonly number[];
  /** Element type. Default: from a typed array, `"bool"` for booleans, else `"float32"`. */
  dtype?: DType;
  /** Record operations on this tensor so that `backward()` can fill `.grad`. */
  requiresGrad?: boolean;
  /**
   * `"cpu"` (default) or `"webgpu"`; the latter works synchronously once the WebGPU device
   * exists, which the first `await t.to("webgpu")` creates.
   */
  device?: Device;
}

/**
 * Makes a tensor from nested arrays, a flat array or a typed array, as `torch.tensor`.
 *
 * Numbers become float32 unless `dtype` says otherwise; a `Float64Array` gives float64, a
 * `BigInt64Array` or `Int32Array` gives int64, and booleans give bool. The data is copied.
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
 * ```
 *
 * @param data The elements.
 * @param options `shape`, `dtype`, `requiresGrad`, `device`.
 * @returns A new leaf tensor.
 * @throws {TypeError} If the data is ragged, holds non-numbers, or `requiresGrad` is asked of
 *   an integer or bool tensor.
 * @throws {RangeError} If `shape` does not match the element count, or an int64 value is not
 *   an integer.
 */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  const device = options.device ?? "cpu";
  checkDevice("tensor", device);
  if (options.dtype !== undefined && !DTYPES.includes(options.dtype)) {
    throw new RangeError(
      `Cannot create tensor as dtype must be one of ${DTYPES.map((d) => `"${d}"`).join(", ")}: ` +
        `current value is ${JSON.stringify(options.dtype)}`,
    );
  }
  let flat: ArrayLike<number | boolean | bigint>;
  let shape: number[];
  let inferred: DType;
  if (ArrayBuffer.isView(data)) {
    flat = data;
    shape = [data.length];
    inferred = data instanceof Float64Array
      ? "float64"
      : data instanceof Float32Array
      ? "float32"
      : data instanceof Uint8Array
      ? "bool"
      : "int64";
  } else {
    const nested = flatten(data);
    flat = nested.values;
    shape = nested.shape;
    inferred = nested.values.length > 0 && typeof nested.values[0] === "boolean"
      ? "bool"
      : "float32";
  }
  if (options.shape !== undefined) {
    const want = shapeNumel(options.shape);
    if (options.shape.some((d) => !Number.isInteger(d) || d < 0) || want !== flat.length) {
      throw new RangeError(
        `Cannot create tensor as shape ${formatShape(options.shape)} needs ${want} elements: ` +
          `data has ${flat.length}`,
      );
    }
    shape = [...options.shape];
  }
  const dtype = options.dtype ?? inferred;
  const requiresGrad = options.requiresGrad ?? false;
  if (requiresGrad && dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(
      `Cannot create tensor with requiresGrad as only float32 and float64 tensors can require gradients: dtype is "${dtype}"`,
    );
  }
  const storage = allocStorage(dtype, flat.length);
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

function flatten(data: NestedArray): { values: (number | boolean)[]; shape: number[] } {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const values: (number | boolean)[] = [];
  const walk = (node: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof node !== "number" && typeof node !== "boolean") {
        throw new TypeError(
          `Cannot create tensor as data must hold numbers or booleans: data${path} is ${
            Array.isArray(node) ? "an array" : typeof node
          }`,
        );
      }
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[dim]) {
      throw new TypeError(
        `Cannot create tensor as data is ragged: data${path} should be an array of ${
          shape[dim]
        } items`,
      );
    }
    for (let i = 0; i < node.length; i++) walk(node[i], dim + 1, `${path}[${i}]`);
  };
  walk(data, 0, "");
  return { values, shape };
}
