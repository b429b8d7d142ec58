/**
 * Validation shared by every op. Each helper throws an Error whose message names the
 * function, the argument and the problem, in one form:
 * `Cannot compute <fn> as <argument> <problem>: <what was found>`.
 *
 * @module
 */

import { describeValue } from "./describe.ts";
import type { OptionCheck, OptionProblem } from "./options.ts";
import {
  allocStorage,
  describeTensorArg,
  type DType,
  formatShape,
  isDisposed,
  isTensor,
  shapeNumel,
  type Tensor,
  type TypedArray,
} from "./tensor.ts";

/** Throws `new Ctor("Cannot compute <fn> as <problem>")`. */
export function fail(
  fn: string,
  problem: string,
  Ctor: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor = TypeError,
): never {
  throw new Ctor(`Cannot compute ${fn} as ${problem}`);
}

/** Throws `new Ctor("Cannot <action> <fn> as <problem>")`: "create" for constructors. */
export function failAs(
  action: string,
  fn: string,
  problem: string,
  Ctor: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor = TypeError,
): never {
  throw new Ctor(`Cannot ${action} ${fn} as ${problem}`);
}

/** Bytes per element of each dtype in CPU storage. */
const ELEMENT_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  int64: 8,
  bool: 1,
};

/** The most bytes one ArrayBuffer may have in any JavaScript engine: 2^53 - 1. */
const MAX_BUFFER_BYTES = Number.MAX_SAFE_INTEGER;

/**
 * Above this many bytes, whether the runtime can allocate a call's buffers is asked of the
 * runtime itself (an ArrayBuffer of that size made and dropped before the call allocates
 * anything): no API says how much memory there is, and below this size it is there.
 */
const PROBE_BYTES = 2 ** 31;

/**
 * Checks, before anything is allocated, that `buffers` buffers of `shape` and `dtype` can be:
 * at most 2^53 - 1 bytes in all, and memory the runtime will give. An empty shape needs no
 * memory and always passes. Throws a RangeError naming the function, the shape and the
 * bytes.
 *
 * @param fn The function, as messages name it.
 * @param what What the buffer holds, as in "its output" or "the broadcast shape".
 * @param shape Its shape.
 * @param dtype Its dtype.
 * @param buffers How many such buffers the call holds at once.
 * @param action The message's verb (`"compute"`, or `"create"` for `tensor()`).
 */
export function checkAllocation(
  fn: string,
  what: string,
  shape: readonly number[],
  dtype: DType,
  buffers = 1,
  action = "compute",
): void {
  const numel = shapeNumel(shape);
  if (numel === 0) return;
  const bytes = numel * ELEMENT_BYTES[dtype] * buffers;
  const needs = `${what} of shape ${formatShape(shape)} (${dtype}${
    buffers > 1 ? `, ${buffers} buffers` : ""
  }) needs ${bytesText(bytes)}`;
  if (!Number.isSafeInteger(numel) || !(bytes <= MAX_BUFFER_BYTES)) {
    throw new RangeError(
      `Cannot ${action} ${fn} as ${needs}: more than an ArrayBuffer can hold (2^53 - 1 bytes)`,
    );
  }
  if (bytes > PROBE_BYTES) {
    try {
      new ArrayBuffer(bytes);
    } catch (e) {
      throw new RangeError(
        `Cannot ${action} ${fn} as ${needs}: this runtime cannot allocate that much (${
          e instanceof Error ? e.message : describeValue(e)
        })`,
      );
    }
  }
}

/**
 * Zeroed storage for `shape`, checked first by {@linkcode checkAllocation}; an allocation
 * the runtime refuses anyway is the same RangeError. For a new tensor (`tensor()`, the random
 * tensors), so large float storage comes from the kernel arena when it can.
 */
export function allocateChecked(
  fn: string,
  what: string,
  shape: readonly number[],
  dtype: DType,
  action = "compute",
): TypedArray {
  checkAllocation(fn, what, shape, dtype, 1, action);
  try {
    return allocStorage(dtype, shapeNumel(shape), true);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RangeError(
      `Cannot ${action} ${fn} as ${what} of shape ${formatShape(shape)} (${dtype}) needs ${
        bytesText(shapeNumel(shape) * ELEMENT_BYTES[dtype])
      }: this runtime cannot allocate that much (${e.message})`,
    );
  }
}

/** `4398046511104 bytes (4 TiB)`. */
function bytesText(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
  let v = bytes;
  let unit = "";
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  const exact = Number.isSafeInteger(bytes) ? String(bytes) : bytes.toExponential(3);
  return unit === "" ? `${exact} bytes` : `${exact} bytes (${Number(v.toPrecision(3))} ${unit})`;
}

/**
 * Checks that `value` is a Tensor made by this library, for callers without types. A Proxy
 * around a tensor (what reactive state hands over) or a look-alike is named as such.
 */
export function checkTensor(fn: string, name: string, value: unknown): asserts value is Tensor {
  if (!isTensor(value)) {
    fail(fn, `${name} must be a Tensor: got ${describeTensorArg(value)}`);
  }
  if (isDisposed(value)) fail(fn, `${name} must not be disposed: ${name} was disposed`, Error);
}

/** Checks that each named tensor is float32 or float64. */
export function checkFloat(fn: string, tensors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    checkTensor(fn, name, t);
    if (t.dtype !== "float32" && t.dtype !== "float64") {
      fail(fn, `${name} must be float32 or float64: ${name} dtype is "${t.dtype}"`);
    }
  }
}

/** Checks that all named tensors share the first one's dtype, and returns it. */
export function checkSameDtype(fn: string, tensors: Record<string, Tensor>): DType {
  const entries = Object.entries(tensors);
  const [firstName, first] = entries[0];
  for (const [name, t] of entries.slice(1)) {
    if (t.dtype !== first.dtype) {
      fail(
        fn,
        `${firstName} and ${name} must have the same dtype: ${firstName} is "${first.dtype}", ${name} is "${t.dtype}"`,
      );
    }
  }
  return first.dtype;
}

/** Checks that a class-index tensor is int64, with a hint for float targets. */
export function checkInt64(fn: string, name: string, t: Tensor): void {
  checkTensor(fn, name, t);
  if (t.dtype === "int64") return;
  const hint = t.dtype === "float32" || t.dtype === "float64"
    ? `; make class indices with tensor(data, { dtype: "int64" })`
    : "";
  fail(fn, `${name} must hold int64 class indices: ${name} dtype is "${t.dtype}"${hint}`);
}

/** Checks that `value` is a number (nan and infinities pass, as in PyTorch). */
export function checkNumber(fn: string, name: string, value: unknown): number {
  if (typeof value !== "number") {
    fail(fn, `${name} must be a number: current value is ${describe(value)}`);
  }
  return value;
}

/** Checks that `value` is an integer (a safe one). */
export function checkInteger(fn: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    fail(fn, `${name} must be an integer: current value is ${describe(value)}`, RangeError);
  }
  return value;
}

/**
 * Resolves `dim` (negative counts from the end) against a tensor of `ndim` dimensions; a 0-d
 * tensor accepts 0 and -1, as PyTorch.
 */
export function normalizeDim(fn: string, dim: unknown, ndim: number): number {
  const d = checkInteger(fn, "dim", dim);
  const size = Math.max(ndim, 1);
  if (d < -size || d >= size) {
    fail(fn, `dim must be in [${-size}, ${size - 1}]: current value is ${d}`, RangeError);
  }
  return d < 0 ? d + size : d;
}

/** `[2, 3]` beside `[2, 4]` for shape messages. */
export function shapesText(tensors: Record<string, Tensor>): string {
  return Object.entries(tensors).map(([name, t]) => `${name} is ${formatShape(t.shape)}`).join(
    ", ",
  );
}

/**
 * A value described for a message, never throwing: Tensors by dtype, shape and device,
 * Proxies and look-alikes of Tensors as such, anything else by {@linkcode describeValue}.
 */
export function describe(value: unknown): string {
  return describeTensorArg(value);
}

/**
 * Checks that `value` is a boolean, or absent (`undefined`, giving `fallback`; a `null` is
 * rejected).
 */
export function checkBoolean(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    fail(fn, `${name} must be a boolean: current value is ${describe(value)}`);
  }
  return value;
}

/**
 * Checks that every named tensor (absent ones skipped) is on the first one's device, and
 * returns that device.
 */
export function checkSameDevice(
  fn: string,
  tensors: Record<string, Tensor | null | undefined>,
): Tensor["device"] {
  const entries = Object.entries(tensors).filter((e): e is [string, Tensor] => isTensor(e[1]));
  if (entries.length === 0) return "cpu"; // nothing to compare: the tensor checks say the rest
  const [firstName, first] = entries[0];
  for (const [name, t] of entries.slice(1)) {
    if (t.device !== first.device) {
      fail(
        fn,
        `${firstName} and ${name} must be on the same device: ${firstName} is on "${first.device}", ${name} is on "${t.device}"`,
      );
    }
  }
  return first.device;
}

/** An option that holds a Tensor, or `null` for PyTorch's `None` (a weight of `None`). */
export const TENSOR_OR_NULL: OptionCheck = (value: unknown, name: string): OptionProblem | null =>
  value === null || isTensor(value) ? null : tensorProblem(name, value, true);

function tensorProblem(name: string, value: unknown, nullable: boolean): OptionProblem {
  return {
    text: `${name} must be a Tensor${nullable ? " or null" : ""}: got ${describe(value)}`,
    kind: "type",
  };
}
