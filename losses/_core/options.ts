/**
 * The one options parser of every public function and class constructor. PyTorch raises a
 * TypeError for a keyword it does not know; this parser does the same for an options key, so
 * that `crossEntropy(x, t, { label_smoothing: 0.1 })` (PyTorch's spelling) is an error that
 * says `labelSmoothing`, never a loss computed without the smoothing.
 *
 * - `undefined` means the defaults; anything but a plain object (`null`, a string, an array,
 *   a Tensor, a class instance) is a TypeError.
 * - Each key must be one of the function's options; an unknown key is a TypeError naming the
 *   function, the key and the options there are, with a hint for PyTorch's snake_case names
 *   and for other spellings that differ only in case or underscores.
 * - Each value is checked for its type by the option's {@linkcode OptionCheck}; `null` is an
 *   error unless PyTorch gives `None` a meaning there (a weight of `None` is no weight).
 *   A key whose value is `undefined` is absent, as a missing keyword argument is.
 * - Each value is read once: the parser returns a new object with the values it checked, so a
 *   getter cannot hand the function a different value later.
 *
 * Imports nothing but the value printer: the tensor checks are given to it by `checks.ts`.
 *
 * @module
 */

import { describeValue } from "./describe.ts";

/** What is wrong with a value: the problem's text and the Error class that reports it. */
export interface OptionProblem {
  /** The problem, such as `margin must be a number: current value is "1"`. */
  readonly text: string;
  /** `TypeError` for a value of the wrong type, `RangeError` for a value out of range. */
  readonly kind: "type" | "range";
}

/**
 * Checks one option's value (never `undefined`; that is "absent" and not checked): returns
 * `null` when it is acceptable, else the problem.
 */
export type OptionCheck = (value: unknown, name: string) => OptionProblem | null;

/** The options a function takes, each with its check. */
export type OptionSpec<T> = { readonly [K in keyof Required<T>]: OptionCheck };

/** A problem of the wrong type: `<name> must be <what>: current value is <value>`. */
export function typeProblem(name: string, what: string, value: unknown): OptionProblem {
  return {
    text: `${name} must be ${what}: current value is ${describeValue(value)}`,
    kind: "type",
  };
}

function simple(what: string, test: (value: unknown) => boolean, nullable: boolean): OptionCheck {
  return (value, name) =>
    test(value) || (nullable && value === null) ? null : typeProblem(name, what, value);
}

const isNumber = (v: unknown): boolean => typeof v === "number";
const isBoolean = (v: unknown): boolean => typeof v === "boolean";

/** A number (nan and infinities pass, as in PyTorch); `null` is an error. */
export const NUMBER: OptionCheck = simple("a number", isNumber, false);
/** A number, or `null` for PyTorch's `None` (no bound). */
export const NUMBER_OR_NULL: OptionCheck = simple("a number or null", isNumber, true);
/** An integer: its type is checked here, its value by the function (a RangeError there). */
export const INTEGER: OptionCheck = simple("an integer", isNumber, false);
/** A boolean; `null` is an error (PyTorch's `bool` arguments reject `None`). */
export const BOOLEAN: OptionCheck = simple("a boolean", isBoolean, false);
/** A boolean, or `null` for PyTorch's `None` (the default). */
export const BOOLEAN_OR_NULL: OptionCheck = simple("a boolean or null", isBoolean, true);

/**
 * One of a few strings, as PyTorch's `reduction`; out-of-set values and values of another
 * type are RangeErrors (`reduction must be "none", "mean" or "sum": current value is "avg"`).
 * With `nullable`, `null` means the default, as PyTorch's `None` does for `dtype`.
 */
export function oneOf(values: readonly string[], nullable = false): OptionCheck {
  const list = values.map((v) => JSON.stringify(v));
  const text = list.length === 1
    ? list[0]
    : `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
  return (value, name) =>
    (typeof value === "string" && values.includes(value)) || (nullable && value === null) ? null : {
      text: `${name} must be ${text}: current value is ${describeValue(value)}`,
      kind: "range",
    };
}

/**
 * Checks `options` against `spec` and returns a new object holding the options given (absent
 * and `undefined` ones left out), each value read once and checked.
 *
 * @param fn The function or class, as messages name it: `"crossEntropy"`, `"CrossEntropyLoss"`.
 * @param options What the caller passed; `undefined` means the defaults.
 * @param spec Every option's check.
 * @param action The message's verb: `Cannot <action> <fn> as ...` (`"compute"` by default,
 *   `"create"` for `tensor()` and the classes' constructors, `"run"` for `backward`).
 * @returns The options, checked.
 * @throws {TypeError} If `options` is not a plain object, has a key not in `spec`, or a value
 *   of the wrong type.
 * @throws {RangeError} If a value is outside the set its check allows.
 */
export function parseOptions<T extends object>(
  fn: string,
  options: T | undefined,
  spec: OptionSpec<T>,
  action = "compute",
): T {
  const out: Record<string, unknown> = {};
  if (options === undefined) return out as T;
  const fail = (problem: string, kind: "type" | "range" = "type"): never => {
    const Ctor = kind === "type" ? TypeError : RangeError;
    throw new Ctor(`Cannot ${action} ${fn} as ${problem}`);
  };
  const allowed = Object.keys(spec);
  const known = allowed.length === 0 ? "it takes none" : allowed.join(", ");
  if (!isPlainObject(options)) {
    const hint = typeof options === "string" ? stringHint(options, spec) : "";
    fail(
      `options must be a plain object (${known}) or undefined: current value is ${
        describeValue(options)
      }${hint}`,
    );
  }
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch (e) {
    return fail(`options could not be read: ${errorText(e)}`);
  }
  for (const key of keys) {
    if (!Object.hasOwn(spec, key)) {
      fail(
        `options must have only the keys ${known}: ${describeValue(key)} is not one of them${
          keyHint(key, allowed)
        }`,
      );
    }
    let value: unknown;
    try {
      value = (options as Record<string, unknown>)[key];
    } catch (e) {
      return fail(`options.${key} could not be read: ${errorText(e)}`);
    }
    if (value === undefined) continue;
    const problem = (spec as Record<string, OptionCheck>)[key](value, key);
    if (problem !== null) fail(problem.text, problem.kind);
    out[key] = value;
  }
  return out as T;
}

/** An object whose prototype is `Object.prototype` (of any realm) or `null`. */
function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  try {
    if (Array.isArray(value) || ArrayBuffer.isView(value)) return false;
    const proto = Object.getPrototypeOf(value);
    if (proto === null || proto === Object.prototype) return true;
    // Object.prototype of another realm (a worker's, an iframe's)
    return Object.getPrototypeOf(proto) === null &&
      Object.prototype.toString.call(value) === "[object Object]" &&
      Object.getOwnPropertyDescriptor(proto, "constructor")?.value?.name === "Object";
  } catch {
    return false; // a revoked Proxy, or traps that throw
  }
}

/** `labelSmoothing` for `label_smoothing`, `ignoreIndex` for `ignoreindex`, ... or "". */
function keyHint(key: string, allowed: readonly string[]): string {
  const camel = key.replace(/_+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
  const loose = (k: string): string => k.replace(/_/g, "").toLowerCase();
  const match = allowed.find((k) => k === camel) ??
    allowed.find((k) => loose(k) === loose(key));
  if (match !== undefined) return `; did you mean ${match}?`;
  if ((key === "size_average" || key === "reduce") && allowed.includes("reduction")) {
    return "; did you mean reduction? (size_average and reduce are PyTorch's deprecated forms of it)";
  }
  return "";
}

/** For options given as a bare string (`"none"`), the object meant: `{ reduction: "none" }`. */
function stringHint<T>(text: string, spec: OptionSpec<T>): string {
  for (const [key, check] of Object.entries(spec) as [string, OptionCheck][]) {
    if (check(text, key) === null) return `; did you mean { ${key}: ${JSON.stringify(text)} }?`;
  }
  return "";
}

function errorText(e: unknown): string {
  try {
    if (e instanceof Error) return `${String(e.name)}: ${String(e.message)}`;
  } catch {
    // an error object that cannot be read
  }
  return describeValue(e);
}
