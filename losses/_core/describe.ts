/**
 * The value printer of error messages: a short, exact description of any value a caller can
 * pass, which never throws. A message about a bad argument must not fail while it describes
 * the argument, whatever the argument is: a BigInt, a Symbol, an object without a prototype,
 * a Proxy (revoked, or with traps that throw), a cyclic array, an empty string. Imports nothing.
 *
 * @module
 */

/**
 * `Array.isArray(value)`, but `false` for a revoked Proxy, where `Array.isArray` throws: for
 * checks of a caller's value that must not fail while they look at it.
 */
export function isArrayValue(value: unknown): value is readonly unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** Longest string shown in full; longer ones are cut, with their length given. */
const MAX_STRING = 40;

/**
 * Describes `value` for a message: `5`, `-0`, `NaN`, `5n`, `"avg"`, `""`, `null`,
 * `undefined`, `Symbol(x)`, `a function (distance)`, `an array of 3 items`,
 * `an object (Map)`, `an object with a null prototype`, `a Float64Array of 4 elements`,
 * `a DataView of 8 bytes`, `a revoked Proxy`. Never throws.
 *
 * @param value Anything.
 * @returns Text to follow "current value is" or "got".
 */
export function describeValue(value: unknown): string {
  try {
    return describeUnchecked(value);
  } catch {
    // a Proxy trap or a getter threw while the value was looked at
    return "an object that cannot be inspected (a Proxy or a getter threw when read)";
  }
}

function describeUnchecked(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${String(value)}n (a bigint)`;
    case "string":
      return quote(value);
    case "symbol":
      return String(value); // "Symbol(description)", with no lookup on the symbol
    case "function":
      return describeFunction(value);
  }
  if (value === null) return "null";
  const object = value as object;
  let isArray: boolean;
  try {
    isArray = Array.isArray(object);
  } catch {
    return "a revoked Proxy"; // Array.isArray throws only for a revoked Proxy
  }
  if (isArray) {
    const length = (object as unknown[]).length;
    return length === 1 ? "an array of 1 item" : `an array of ${length} items`;
  }
  if (ArrayBuffer.isView(object)) {
    const name = typedArrayName(object);
    if (name === "DataView") return `a DataView of ${(object as DataView).byteLength} bytes`;
    const length = (object as unknown as { length: number }).length;
    return `a${name.startsWith("Int") ? "n" : ""} ${name} of ${length} element${
      length === 1 ? "" : "s"
    }`;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto === null) return "an object with a null prototype";
  if (proto === Object.prototype) return "an object (Object)";
  const name = constructorName(proto);
  return name === null ? "an object" : `an object (${name})`;
}

function quote(text: string): string {
  if (text.length <= MAX_STRING) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, MAX_STRING))}... (${text.length} characters)`;
}

function describeFunction(f: object): string {
  let name = "";
  try {
    const own = Object.getOwnPropertyDescriptor(f, "name");
    if (own !== undefined && typeof own.value === "string") name = own.value;
  } catch {
    // a Proxy around a function
  }
  return name === "" ? "a function" : `a function (${quote(name).slice(1, -1)})`;
}

/** The typed array's or DataView's own class name, read from the intrinsic, not the object. */
function typedArrayName(view: ArrayBufferView): string {
  if (view instanceof DataView) return "DataView";
  const tag = Object.getOwnPropertyDescriptor(
    Object.getPrototypeOf(Int8Array.prototype),
    Symbol.toStringTag,
  )?.get?.call(view);
  return typeof tag === "string" ? tag : "typed array";
}

/** `proto.constructor.name` when it is a plain own data property holding a string. */
function constructorName(proto: object): string | null {
  const ctor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  if (typeof ctor !== "function") return null;
  const name = Object.getOwnPropertyDescriptor(ctor, "name")?.value;
  return typeof name === "string" && name !== "" ? name : null;
}
