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

import { type GradFn, isNode, record, runBackward, setKeeping } from "./autograd.ts";
import { describeValue, isArrayValue } from "./describe.ts";
import {
  BOOLEAN_OR_NULL,
  type OptionCheck,
  type OptionProblem,
  parseOptions,
  typeProblem,
} from "./options.ts";
import { givePooled, hold, isHeld, letGo, neverPool } from "./pool.ts";
import { formatTensor } from "./print.ts";
import {
  allocStorage,
  type Device,
  type DType,
  formatShape,
  type NestedArray,
  shapeNumel,
  type TypedArray,
} from "./storage.ts";
import { copyGpu, GpuStorage, readGpu, uploadGpu } from "./webgpu/buffers.ts";
import { acquireGpu, throwGpuErrors } from "./webgpu/device.ts";
import { addGpu, filledGpu } from "./webgpu/kernels.ts";

export {
  allocStorage,
  type Device,
  type DType,
  formatShape,
  type NestedArray,
  shapeNumel,
  takeStorage,
  type TypedArray,
} from "./storage.ts";

/** Options for {@linkcode Tensor.backward}. */
export interface BackwardOptions {
  /**
   * `boolean | null`: keep the graph so that `backward()` can run through it again. Default
   * `false`; `null` means the default, as PyTorch's `retain_graph=None`.
   */
  retainGraph?: boolean | null;
}

/** Private handle that lets the library's own modules reach a tensor's storage. */
let storageOf: (t: Tensor) => TypedArray | GpuStorage;
/** Private handle: whether `dispose()` was called on a tensor. */
let disposedOf: (t: Tensor) => boolean;
/** Whether a value is a Tensor this library made (a Proxy around one is not). */
let hasTensorBrand: (value: unknown) => value is Tensor;

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
  readonly #shape: readonly number[];
  readonly #dtype: DType;
  readonly #device: Device;
  readonly #numel: number;
  #grad: Tensor | null = null;
  readonly #storage: TypedArray | GpuStorage;
  readonly #requiresGrad: boolean;
  readonly #gradFn: GradFn | null;
  #disposed = false;

  static {
    storageOf = (t) => t.#storage;
    disposedOf = (t) => t.#disposed;
    // A node holds the storage of the tensors it keeps, and its scratch, until it is freed.
    setKeeping(
      (kept) => hold(kept instanceof Tensor ? kept.#storage : kept),
      (kept) => release(kept instanceof Tensor ? kept.#storage : kept),
    );
    hasTensorBrand = (value): value is Tensor =>
      typeof value === "object" && value !== null && #storage in value;
  }

  /**
   * Wraps storage without copying. Use {@linkcode tensor} instead; this is the library's own
   * constructor, and it checks what it is given as strictly as `tensor()` does.
   *
   * @param storage Elements in row-major order: the dtype's typed array (`Float32Array`,
   *   `Float64Array`, `BigInt64Array`, `Uint8Array`) on a buffer of fixed length, or GPU storage.
   * @param shape Dimensions, each a non-negative integer; their product must equal the
   *   number of elements.
   * @param dtype Element type matching `storage`.
   * @param gradFn The operation that made this tensor, or `null` for a leaf.
   * @param requiresGrad For a leaf: whether `backward()` fills its `.grad` (float dtypes only).
   * @throws {TypeError} If the storage is not the dtype's typed array, or an argument has the
   *   wrong type.
   * @throws {RangeError} If the shape has an entry that is not a non-negative integer, or does
   *   not match the number of elements.
   */
  constructor(
    storage: TypedArray | GpuStorage,
    shape: readonly number[],
    dtype: DType,
    gradFn: GradFn | null = null,
    requiresGrad = false,
  ) {
    if (!DTYPES.includes(dtype)) {
      throw new RangeError(
        `Cannot create tensor as dtype must be one of ${DTYPES.map((d) => `"${d}"`).join(", ")}: ` +
          `current value is ${describeValue(dtype)}`,
      );
    }
    const dims = checkShape("create tensor", shape);
    const numel = shapeNumel(dims);
    if (!Number.isSafeInteger(numel)) {
      throw new RangeError(
        `Cannot create tensor as shape ${formatShape(dims)} must have at most 2^53 - 1 elements: ` +
          `it has ${numel}`,
      );
    }
    const onGpu = storage instanceof GpuStorage;
    if (onGpu) {
      if (dtype === "float64") checkGpuDtype("tensor", dtype);
    } else {
      checkCpuStorage(storage, dtype);
    }
    const length = onGpu ? storage.bytes / 4 : storage.length;
    if (numel !== length) {
      throw new RangeError(
        `Cannot create tensor as shape ${
          formatShape(dims)
        } needs ${numel} elements: data has ${length}`,
      );
    }
    if (gradFn !== null && !isNode(gradFn)) {
      throw new TypeError("Cannot create tensor as gradFn must come from the library's own ops");
    }
    if (typeof requiresGrad !== "boolean") {
      throw new TypeError(
        `Cannot create tensor as requiresGrad must be a boolean: current value is ${
          describeValue(requiresGrad)
        }`,
      );
    }
    if (requiresGrad && gradFn === null && dtype !== "float32" && dtype !== "float64") {
      throw new TypeError(
        `Cannot create tensor with requiresGrad as only float32 and float64 tensors can require gradients: dtype is "${dtype}"`,
      );
    }
    this.#storage = storage;
    hold(storage);
    this.#shape = dims;
    this.#dtype = dtype;
    this.#device = onGpu ? "webgpu" : "cpu";
    this.#numel = numel;
    this.#gradFn = gradFn;
    this.#requiresGrad = gradFn !== null || requiresGrad;
    Object.freeze(this); // no field can be added, or shadow a getter below
  }

  /** The size of each dimension; `[]` for a 0-d tensor (read-only, frozen). */
  get shape(): readonly number[] {
    try {
      return this.#shape;
    } catch {
      return notATensor(this, "shape"); // a Proxy or a look-alike: V8's brand check threw
    }
  }

  /** Element type (read-only). */
  get dtype(): DType {
    try {
      return this.#dtype;
    } catch {
      return notATensor(this, "dtype"); // a Proxy or a look-alike: V8's brand check threw
    }
  }

  /** Where the storage lives (read-only). */
  get device(): Device {
    try {
      return this.#device;
    } catch {
      return notATensor(this, "device"); // a Proxy or a look-alike: V8's brand check threw
    }
  }

  /** The number of elements: the product of `shape` (read-only). */
  get numel(): number {
    try {
      return this.#numel;
    } catch {
      return notATensor(this, "numel"); // a Proxy or a look-alike: V8's brand check threw
    }
  }

  /**
   * Accumulated gradient of this leaf, filled by `backward()`. Set it to `null` to clear it,
   * as `x.grad = None` in PyTorch; a tensor assigned here must have this tensor's shape, dtype
   * and device, as PyTorch checks ("assigned grad has data of a different size").
   */
  get grad(): Tensor | null {
    try {
      return this.#grad;
    } catch {
      return notATensor(this, "grad");
    }
  }

  set grad(value: Tensor | null) {
    const t = receiver(this, "grad");
    if (value !== null) checkAssignedGrad(t, value);
    t.#grad = value;
  }

  /** Whether `backward()` reaches this tensor: a leaf that asked for it, or an op's result. */
  get requiresGrad(): boolean {
    try {
      return this.#requiresGrad;
    } catch {
      return notATensor(this, "requiresGrad"); // a Proxy or a look-alike: V8's brand check threw
    }
  }

  /** The operation that made this tensor (`grad_fn` in PyTorch), or `null` for a leaf. */
  get gradFn(): GradFn | null {
    try {
      return this.#gradFn;
    } catch {
      return notATensor(this, "gradFn"); // a Proxy or a look-alike: V8's brand check threw
    }
  }

  /** `true` for tensors made by the user rather than by an operation that records a node. */
  get isLeaf(): boolean {
    try {
      return this.#gradFn === null;
    } catch {
      return notATensor(this, "isLeaf");
    }
  }

  /**
   * The elements in row-major order, on every device. On the CPU this is the tensor's own
   * storage, as PyTorch's `.numpy()` shares memory: writing to it changes the tensor, and after
   * `dispose()` the array belongs to the pool and will be overwritten. Copy what you keep
   * (`.slice()`), or use {@linkcode Tensor.toArray} or {@linkcode Tensor.clone}. A large float
   * tensor's storage (64 KiB and more) may be a view into the kernel arena, a shared WebAssembly
   * memory, and a small one's (128 bytes or less) a view into a `SharedArrayBuffer` that other
   * small tensors share: read it through the array, at its `byteOffset`, since `data.buffer` is
   * the whole arena or slab; and keep the array itself, not only a `subarray()`, for as long as
   * you read it. On
   * WebGPU it is a new array read back from the GPU.
   *
   * @example Usage
   * ```ts
   * import { tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * const t = tensor([[1, 2], [3, 4]], { dtype: "float64" });
   * const data = await t.data();
   * assert.deepEqual(data, new Float64Array([1, 2, 3, 4]));
   * data[0] = 5; // the tensor's own storage
   * assert.deepEqual(t.toArray(), [[5, 2], [3, 4]]);
   * ```
   *
   * @returns The storage (CPU), or a new typed array (WebGPU), of the dtype's kind; rejects
   *   with an Error if the tensor was disposed.
   */
  data(): Promise<TypedArray> {
    const t = receiver(this, "data");
    if (t.#disposed) return Promise.reject(disposedError("Tensor.data"));
    const storage = t.#storage;
    if (!(storage instanceof GpuStorage)) return Promise.resolve(storage);
    return readBack(storage, this.dtype);
  }

  /**
   * A new tensor with a copy of the elements, on the same device, as PyTorch's `clone()`:
   * gradients flow back through it to this tensor (`CloneBackward0`).
   *
   * @example Usage
   * ```ts
   * import { tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * const x = tensor([1, 2]);
   * const y = x.clone();
   * (await y.data())[0] = 7;
   * assert.deepEqual(x.toArray(), [1, 2]);
   * ```
   *
   * @returns A tensor with its own storage.
   * @throws {Error} If the tensor was disposed.
   */
  clone(): Tensor {
    const storage = receiver(this, "clone").#live("clone");
    const copy = storage instanceof GpuStorage ? copyGpu(storage) : storage.slice();
    const node = record("CloneBackward0", [this as Tensor], (gradOutput) => [
      new Tensor(
        gradOutput.device === "webgpu"
          ? copyGpu(gpuStorage(gradOutput))
          : cpuStorage(gradOutput).slice(),
        gradOutput.shape,
        gradOutput.dtype,
      ),
    ], { holds: [] });
    return new Tensor(copy, this.shape, this.dtype, node);
  }

  /**
   * Gives the tensor's memory back at once, as TensorFlow.js's `dispose()`: CPU storage goes to
   * the library's pool, where the next tensor of the same dtype and length takes it without the
   * cost of fresh memory, and WebGPU storage to the buffer pool. Using the tensor afterwards
   * throws; arrays from `data()` must not be used either. A node of the graph that still
   * needs the tensor for `backward()` keeps its memory until that backward has run. Calling it
   * twice does nothing. `using loss = mseLoss(x, y);` calls it at the end of the block.
   *
   * @example Usage
   * ```ts
   * import { mseLoss, tensor } from "@parity/losses";
   * import assert from "node:assert/strict";
   *
   * const x = tensor([1, 2, 3], { requiresGrad: true });
   * const y = tensor([1, 0, 0]);
   * {
   *   using loss = mseLoss(x, y);
   *   loss.backward();
   * } // loss.dispose() here
   * const grad = x.grad;
   * assert.deepEqual(grad?.toArray(), [0, 4 / 3, 2].map(Math.fround));
   * grad?.dispose();
   * x.grad = null;
   * assert.throws(() => grad?.toArray(), /disposed/);
   * ```
   */
  dispose(): void {
    const t = receiver(this, "dispose");
    if (t.#disposed) return;
    t.#disposed = true;
    release(t.#storage);
  }

  /** {@linkcode Tensor.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Whether {@linkcode Tensor.dispose} was called. */
  get isDisposed(): boolean {
    try {
      return this.#disposed;
    } catch {
      return notATensor(this, "isDisposed"); // a Proxy or a look-alike: V8's brand check threw
    }
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
    const flat = receiver(this, "toArray").#elements("toArray");
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
    if (receiver(this, "item").#numel !== 1) {
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
    receiver(this, "to");
    checkDevice("Tensor.to", device);
    const storage = this.#live("to");
    if (device === this.device) return this;
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
    return new Tensor(receiver(this, "detach").#live("detach"), this.shape, this.dtype);
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
  backward(gradOutput?: Tensor | null, options: BackwardOptions = {}): void {
    const root = receiver(this, "backward");
    const retainGraph = backwardOptions(options);
    root.#live("backward");
    const given = gradOutput ?? undefined;
    if (given !== undefined && hasTensorBrand(given)) given.#live("backward");
    const seed = backwardSeed(root, given); // checks that gradOutput is a Tensor
    const kept = runBackward(root, seed, retainGraph, addTensors);
    // the ones made for a one-element output are the library's own: back to the pool
    if (seed !== given && !kept) seed.dispose();
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
    const t = receiver(this, "toString");
    if (t.#disposed) return "tensor(<disposed>)";
    let storage = t.#storage;
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

  /** Node's and Bun's `util.inspect` and `console.log` show the same text. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** The storage, or a clear error for a disposed tensor. */
  #live(fn: string): TypedArray | GpuStorage {
    if (this.#disposed) throw disposedError(`Tensor.${fn}`);
    return this.#storage;
  }

  #cpu(fn: string): TypedArray {
    const storage = this.#live(fn);
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

/**
 * The error for a disposed tensor. A node that keeps the tensor for its backward still reads
 * its storage; any other use throws this.
 */
function disposedError(what: string): Error {
  return new Error(
    `Cannot run ${what} as the tensor was disposed: its memory went back to the pool (dispose() it only once you are done with it)`,
  );
}

/** Whether `t` was disposed (for the ops' checks). */
export function isDisposed(t: Tensor): boolean {
  return disposedOf(t);
}

/**
 * Lets go of one hold on a storage (a tensor's, a node's); the last one returns CPU storage to
 * the pool and WebGPU storage to the buffer pool.
 */
function release(storage: object): void {
  if (!letGo(storage)) return;
  if (storage instanceof GpuStorage) storage.release();
  else if (ArrayBuffer.isView(storage)) givePooled(storage as TypedArray);
}

/** The storage of `t`, unless it was disposed and nothing holds it any more. */
function heldStorage(t: Tensor): TypedArray | GpuStorage {
  const storage = storageOf(t);
  if (disposedOf(t) && !isHeld(storage)) throw disposedError("an op on it");
  return storage;
}

/**
 * Whether `value` is a Tensor made by this library. A Proxy around one, or an object made
 * with `Object.create(Tensor.prototype)`, passes `instanceof Tensor` but not this check.
 */
export function isTensor(value: unknown): value is Tensor {
  return hasTensorBrand(value);
}

/**
 * The words for a value where a Tensor belongs: a Tensor's dtype, shape and device; for a
 * Proxy or a look-alike, what it is and what to pass instead; else the value printed.
 */
export function describeTensorArg(value: unknown): string {
  if (hasTensorBrand(value)) {
    return `a Tensor (${value.dtype}, ${formatShape(value.shape)}, on ${value.device})`;
  }
  let lookAlike = false;
  try {
    lookAlike = typeof value === "object" && value !== null && value instanceof Tensor;
  } catch {
    // a revoked Proxy: described below
  }
  if (lookAlike) {
    return "a Proxy or a look-alike of a Tensor, where a Tensor from @parity/losses is expected " +
      "(pass the tensor itself: unwrap reactive state first, e.g. with Vue's toRaw)";
  }
  return describeValue(value);
}

/**
 * `t` itself when it is a Tensor; a TypeError naming the member when it is a Proxy or a
 * look-alike. (The getters do without it on their hot path: they read the private field in a
 * `try`, whose brand check V8 makes anyway, and call {@linkcode notATensor} when it throws.)
 */
function receiver(t: Tensor, member: string): Tensor {
  return hasTensorBrand(t) ? t : notATensor(t, member);
}

function notATensor(t: unknown, member: string): never {
  throw new TypeError(
    `Cannot use Tensor.${member} as its receiver is not a Tensor: got ${describeTensorArg(t)}`,
  );
}

/**
 * What is wrong with a shape, or `null`: it must be an array whose entries are non-negative
 * integers. The problem names the entry that is wrong.
 */
export function shapeProblem(shape: unknown): OptionProblem | null {
  if (!isArrayValue(shape)) {
    return typeProblem("shape", "an array of non-negative integers", shape);
  }
  const list = shape as readonly unknown[];
  for (let i = 0; i < list.length; i++) {
    const d = list[i];
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      const what = !(i in list) ? "empty (a hole in the array)" : describeValue(d);
      return {
        text: `shape[${i}] must be a non-negative integer: shape[${i}] is ${what}`,
        kind: typeof d === "number" ? "range" : "type",
      };
    }
  }
  return null;
}

/** The `shape` option's check (`tensor()`, `randn`, ...). */
export const SHAPE: OptionCheck = (value: unknown): OptionProblem | null => shapeProblem(value);

/**
 * A shape checked by {@linkcode shapeProblem} and copied, frozen; a TypeError or RangeError
 * that starts `Cannot <action> as` otherwise.
 */
export function checkShape(action: string, shape: unknown): readonly number[] {
  const problem = shapeProblem(shape);
  if (problem !== null) {
    throw new (problem.kind === "type" ? TypeError : RangeError)(
      `Cannot ${action} as ${problem.text}`,
    );
  }
  const list = shape as readonly number[];
  const dims = new Array<number>(list.length); // a loop: Array.from with a map costs 5x here
  for (let i = 0; i < list.length; i++) dims[i] = list[i] + 0; // -0 as 0
  return Object.freeze(dims);
}

const STORAGE_TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const;

/** Checks CPU storage against the dtype: its own typed array, on a buffer of fixed length. */
function checkCpuStorage(storage: unknown, dtype: DType): void {
  const want = STORAGE_TYPES[dtype];
  if (!ArrayBuffer.isView(storage) || Object.getPrototypeOf(storage) !== want.prototype) {
    throw new TypeError(
      `Cannot create tensor as storage must be a ${want.name} for dtype "${dtype}": storage is ${
        describeValue(storage)
      }`,
    );
  }
  const buffer = storage.buffer as { resizable?: boolean; growable?: boolean };
  if (buffer.resizable === true || buffer.growable === true) {
    throw new TypeError(
      "Cannot create tensor as storage must have a fixed length: its buffer is resizable",
    );
  }
}

/** PyTorch's checks of `x.grad = g`: a Tensor of x's dtype, shape and device, not x itself. */
function checkAssignedGrad(t: Tensor, grad: unknown): void {
  const fail = (problem: string, Ctor: ErrorConstructor = TypeError): never => {
    throw new Ctor(`Cannot set Tensor.grad as ${problem}`);
  };
  if (!hasTensorBrand(grad)) {
    fail(`the assigned grad must be a Tensor or null: got ${describeTensorArg(grad)}`);
  }
  const g = grad as Tensor;
  if (g === t) fail("a tensor cannot be its own grad, as in PyTorch", Error);
  if (g.dtype !== t.dtype) {
    fail(
      `the assigned grad has data of a different type: grad is "${g.dtype}", tensor is "${t.dtype}"`,
    );
  }
  if (g.shape.length !== t.shape.length || g.shape.some((d, i) => d !== t.shape[i])) {
    fail(
      `the assigned grad has data of a different size: grad is ${formatShape(g.shape)}, tensor is ${
        formatShape(t.shape)
      }`,
      RangeError,
    );
  }
  if (g.device !== t.device) {
    fail(
      `the assigned grad has data located on a different device: grad is on "${g.device}", tensor is on "${t.device}"`,
    );
  }
}

/** `retainGraph`, from `backward()`'s options. */
function backwardOptions(options: BackwardOptions | undefined): boolean {
  const o = parseOptions("backward", options, { retainGraph: BOOLEAN_OR_NULL }, "run");
  return o.retainGraph ?? false;
}

/** The library's own access to a tensor's storage (CPU). */
export function cpuStorage(t: Tensor): TypedArray {
  const storage = heldStorage(t);
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
 * never writes to it or pools it afterwards, whoever lets go of it.
 */
export function handOverCpu(t: Tensor): TypedArray {
  const storage = cpuStorage(t);
  neverPool(storage);
  return storage;
}

/**
 * Marks an array the library wraps without copying but does not own (a TensorFlow.js
 * tensor's values, read with `dataSync()`): tensors over it, and GPU storage uploaded from it,
 * never give it to the pool.
 */
export function borrowCpu<A extends ArrayLike<number | bigint>>(array: A): A {
  neverPool(array);
  return array;
}

/** The library's own access to a tensor's storage on WebGPU. */
export function gpuStorage(t: Tensor): GpuStorage {
  const storage = heldStorage(t);
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
  const storage = heldStorage(t);
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
    if (!hasTensorBrand(gradOutput)) {
      throw new TypeError(
        `Cannot run backward as gradOutput must be a Tensor or undefined: got ${
          describeTensorArg(gradOutput)
        }`,
      );
    }
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
      describeValue(device)
    }`,
  );
}
