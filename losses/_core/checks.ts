/**
 * Validation shared by every op. Each helper throws an Error whose message names the
 * function, the argument and the problem, in one form:
 * `Cannot compute <fn> as <argument> <problem>: <what was found>`.
 *
 * @module
 */

import { type DType, formatShape, isDisposed, Tensor } from "./tensor.ts";

/** Throws `new Ctor("Cannot compute <fn> as <problem>")`. */
export function fail(
  fn: string,
  problem: string,
  Ctor: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor = TypeError,
): never {
  throw new Ctor(`Cannot compute ${fn} as ${problem}`);
}

/** Checks that `value` is a Tensor, for callers without types. */
export function checkTensor(fn: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    fail(fn, `${name} must be a Tensor: got ${describe(value)}`);
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

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  return String(value);
}

/**
 * Checks that `value` is a boolean, or absent (`undefined`, giving `fallback`; a `null` is
 * rejected).
 */
export function checkBoolean(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    fail(
      fn,
      `${name} must be a boolean: current value is ${
        typeof value === "string" ? JSON.stringify(value) : String(value)
      }`,
    );
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
  const entries = Object.entries(tensors).filter((e): e is [string, Tensor] =>
    e[1] instanceof Tensor
  );
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
