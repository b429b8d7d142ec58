/**
 * The fixture format `parity-losses/fixtures@1`: types, a reader that checks every field and
 * names the file, the case and the field when one is wrong, and decoding to plain typed
 * arrays. See `conformance/README.md`.
 *
 * @module
 */

import { FIXTURE_MODULES } from "./_fixture_index.ts";

/** Element types a fixture tensor can have. */
export type FixtureDType = "float32" | "float64" | "int64" | "bool";

/** A tensor as fixtures write it; non-finite floats are `"nan"`, `"inf"`, `"-inf"`. */
export interface FixtureTensor {
  /** Element type. */
  dtype: FixtureDType;
  /** Dimensions; `[]` for a 0-d tensor. */
  shape: number[];
  /** Elements, flat and row-major. */
  data: (number | boolean | string)[];
}

/** A value in `args` or `kwargs`: a tensor, or a plain JSON value (a list of numbers too). */
export type FixtureValue = FixtureTensor | number | boolean | string | null | number[];

/** One case of a fixture file. */
export interface FixtureCase {
  /** Unique within its file, e.g. `"mse_loss/mean/float32/3x4"`. */
  id: string;
  /** The positional arguments of the `torch.nn.functional` call. */
  args: FixtureValue[];
  /** torch's keyword arguments, by torch's names. */
  kwargs: Record<string, FixtureValue>;
  /** Indices into `args` of the tensors that get gradients. */
  requires_grad: number[];
  /** PyTorch's output, or null for an error case. */
  output: FixtureTensor | null;
  /** The gradient of the output that backward starts from, or null. */
  grad_output: FixtureTensor | null;
  /** Gradient per index of `requires_grad` (null where PyTorch gives none). */
  grads: Record<string, FixtureTensor | null> | null;
  /** The first line of PyTorch's error, or null. */
  error: string | null;
  /**
   * What the case exercises (`ties`, `non-finite`, `empty`, `error:index`, ...), as the
   * exporter wrote them; absent in files from exporters that write none.
   */
  tags?: string[];
}

/** A whole fixture file. */
export interface FixtureFile {
  /** Always `"parity-losses/fixtures@1"`. */
  format: string;
  /** The torch op name, e.g. `"cross_entropy"`. */
  op: string;
  /** The torch version that wrote it. */
  torch: string;
  /** The cases, in a fixed order. */
  cases: FixtureCase[];
  /** Where it was read from, for messages. */
  source?: string;
}

/** A tensor as plain typed arrays: what adapters take and return. */
export interface ArrayTensor {
  /** Element type. */
  dtype: FixtureDType;
  /** Dimensions; `[]` for a 0-d tensor. */
  shape: number[];
  /** Elements, row-major: Float32Array, Float64Array, BigInt64Array or Uint8Array. */
  data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
}

/** The format name this reader accepts. */
export const FORMAT = "parity-losses/fixtures@1";

const DTYPES: readonly string[] = ["float32", "float64", "int64", "bool"];

/** What the loaders need of `node:fs/promises` (Deno, Node and Bun all have it). */
interface FileSystem {
  readFile(path: string | URL, encoding: "utf8"): Promise<string>;
  readdir(path: string | URL): Promise<string[]>;
  stat(path: string | URL): Promise<{ isDirectory(): boolean }>;
}

let fileSystem: Promise<FileSystem> | undefined;

/**
 * `node:fs/promises`, imported on first use under a name bundlers do not follow, so that this
 * module also loads in browsers, where only the package's own fixtures (and parsed files) can
 * be used.
 */
function files(): Promise<FileSystem> {
  const specifier = "node:fs/promises";
  fileSystem ??= (import(specifier) as Promise<FileSystem>).catch((e) => {
    fileSystem = undefined;
    throw new Error(
      `Cannot read fixture files from a path as this runtime has no node:fs/promises (${
        String(e)
      }): leave the fixtures out to use the package's own, or pass parsed files`,
    );
  });
  return fileSystem;
}

/**
 * Reads fixture files and checks each field. With a path (a file, or a folder whose `*.json`
 * files are read in name order) it reads the file system (Deno, Node, Bun); without one it
 * loads this package's own fixtures, which works in every runtime, browsers included.
 *
 * @param path A fixture file or a folder of them; default: the package's own fixtures.
 * @returns The files, checked.
 */
export async function loadFixtureFiles(path?: string | URL): Promise<FixtureFile[]> {
  if (path === undefined) return await loadPackageFixtures();
  const fs = await files();
  if (!(await fs.stat(path)).isDirectory()) return [await loadFixtureFile(path)];
  const base = typeof path === "string" ? path.replace(/\/?$/, "/") : new URL(
    path.href.replace(/\/?$/, "/"),
  );
  const names = (await fs.readdir(path)).filter((name) => name.endsWith(".json")).sort();
  return await Promise.all(
    names.map((name) =>
      loadFixtureFile(typeof base === "string" ? base + name : new URL(name, base))
    ),
  );
}

/**
 * Reads and checks one fixture file from the file system (Deno, Node, Bun).
 *
 * @param path The file.
 * @returns The file, checked.
 */
export async function loadFixtureFile(path: string | URL): Promise<FixtureFile> {
  const text = await (await files()).readFile(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Cannot read fixtures from ${path} as it is not JSON: ${String(e)}`);
  }
  return parseFixtureFile(json, String(path));
}

/** The ops this package has fixtures for, by torch name, in file order. */
export const PACKAGE_OPS: readonly string[] = Object.keys(FIXTURE_MODULES);

/**
 * This package's own fixture files, loaded as JSON modules (no file system needed), and
 * checked.
 *
 * @param ops Only these ops (torch names); default: all of them. An op without fixtures
 * throws a RangeError that lists the known ones.
 * @returns The files, in op-name order.
 */
export async function loadPackageFixtures(ops?: readonly string[]): Promise<FixtureFile[]> {
  const wanted = ops ?? PACKAGE_OPS;
  const unknown = wanted.filter((op) => !Object.hasOwn(FIXTURE_MODULES, op));
  if (unknown.length > 0) {
    throw new RangeError(
      `Cannot load fixtures for ${unknown.join(", ")} as the package has none: its ops are ${
        PACKAGE_OPS.join(", ")
      }`,
    );
  }
  const chosen = PACKAGE_OPS.filter((op) => wanted.includes(op));
  return await Promise.all(
    chosen.map(async (op) =>
      parseFixtureFile((await FIXTURE_MODULES[op]()).default, `@parity/losses/fixtures/${op}.json`)
    ),
  );
}

/**
 * Checks a parsed fixture file field by field. An error names the file, the case and the
 * field, e.g. `Cannot read fixtures from a.json as case 3 (mse_loss/...) field args[0].shape
 * must be an array of non-negative integers`.
 */
export function parseFixtureFile(json: unknown, source: string): FixtureFile {
  const bad = (where: string, problem: string): never => {
    throw new TypeError(`Cannot read fixtures from ${source} as ${where} ${problem}`);
  };
  if (!isObject(json)) return bad("the file", "is not a JSON object");
  if (json.format !== FORMAT) {
    bad("field format", `must be "${FORMAT}": found ${JSON.stringify(json.format)}`);
  }
  if (typeof json.op !== "string") bad("field op", "must be a string");
  if (typeof json.torch !== "string") bad("field torch", "must be a string");
  if (!Array.isArray(json.cases)) bad("field cases", "must be an array");
  const ids = new Set<string>();
  (json.cases as unknown[]).forEach((c, i) => {
    const where = (field: string) =>
      `case ${i}${isObject(c) && typeof c.id === "string" ? ` (${c.id})` : ""} field ${field}`;
    if (!isObject(c)) return bad(`case ${i}`, "is not an object");
    if (typeof c.id !== "string") bad(where("id"), "must be a string");
    if (ids.has(c.id as string)) bad(where("id"), "repeats an earlier case's id");
    ids.add(c.id as string);
    const args = c.args;
    if (!Array.isArray(args)) return bad(where("args"), "must be an array");
    args.forEach((v, k) => checkValue(v, where(`args[${k}]`), bad));
    if (!isObject(c.kwargs)) return bad(where("kwargs"), "must be an object");
    for (const [key, v] of Object.entries(c.kwargs)) checkValue(v, where(`kwargs.${key}`), bad);
    const rg = c.requires_grad;
    if (!Array.isArray(rg) || rg.some((k) => !Number.isInteger(k) || !isTensor(args[k]))) {
      bad(where("requires_grad"), "must list indices of tensor args");
    }
    if (
      c.tags !== undefined &&
      (!Array.isArray(c.tags) || c.tags.some((t) => typeof t !== "string"))
    ) {
      bad(where("tags"), "must be an array of strings when present");
    }
    if (c.error !== null && typeof c.error !== "string") {
      bad(where("error"), "must be null or a string");
    }
    if (c.error !== null) return;
    checkTensor(c.output, where("output"), bad);
    if ((rg as number[]).length === 0) return;
    checkTensor(c.grad_output, where("grad_output"), bad);
    if (!isObject(c.grads)) return bad(where("grads"), "must be an object");
    for (const k of rg as number[]) {
      const g = c.grads[String(k)];
      if (g !== null) checkTensor(g, where(`grads.${k}`), bad);
    }
  });
  return { ...(json as unknown as FixtureFile), source };
}

type Bad = (where: string, problem: string) => never;

function checkValue(v: unknown, where: string, bad: Bad): void {
  if (isObject(v)) return checkTensor(v, where, bad);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "number")) return;
    return bad(where, "must be a tensor object or a list of numbers");
  }
  if (v !== null && !["number", "boolean", "string"].includes(typeof v)) {
    bad(where, "must be a tensor object, a number, a boolean, a string or null");
  }
}

function checkTensor(v: unknown, where: string, bad: Bad): void {
  if (!isObject(v)) return bad(where, "must be a tensor object");
  if (typeof v.dtype !== "string" || !DTYPES.includes(v.dtype)) {
    bad(`${where}.dtype`, `must be one of ${DTYPES.join(", ")}: found ${JSON.stringify(v.dtype)}`);
  }
  const shape = v.shape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    return bad(`${where}.shape`, "must be an array of non-negative integers");
  }
  const n = shape.reduce((a: number, b: number) => a * b, 1);
  if (!Array.isArray(v.data) || v.data.length !== n) {
    bad(`${where}.data`, `must be an array of ${n} elements for shape [${shape.join(", ")}]`);
  }
  for (const [k, x] of (v.data as unknown[]).entries()) {
    const ok = typeof x === "number" || typeof x === "boolean" ||
      x === "nan" || x === "inf" || x === "-inf";
    if (!ok) bad(`${where}.data[${k}]`, `must be a number: found ${JSON.stringify(x)}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isTensor(v: unknown): v is FixtureTensor {
  return isObject(v);
}

/** A fixture element as a number (`"nan"`, `"inf"`, `"-inf"` decoded). */
export function fixtureNumber(v: number | boolean | string): number {
  return v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
}

/** Decodes a fixture tensor into typed arrays. */
export function decodeFixtureTensor(t: FixtureTensor): ArrayTensor {
  const n = t.data.length;
  switch (t.dtype) {
    case "float32":
      return {
        dtype: t.dtype,
        shape: [...t.shape],
        data: Float32Array.from(t.data, fixtureNumber),
      };
    case "float64":
      return {
        dtype: t.dtype,
        shape: [...t.shape],
        data: Float64Array.from(t.data, fixtureNumber),
      };
    case "int64": {
      const data = new BigInt64Array(n);
      t.data.forEach((v, i) => data[i] = BigInt(v as number));
      return { dtype: t.dtype, shape: [...t.shape], data };
    }
    case "bool":
      return {
        dtype: t.dtype,
        shape: [...t.shape],
        data: Uint8Array.from(t.data, (v) => v ? 1 : 0),
      };
  }
}

/**
 * Decodes an argument: tensor objects become {@linkcode ArrayTensor}s, the strings `"nan"`,
 * `"inf"` and `"-inf"` become numbers (no option takes them as text), the rest stays.
 */
export function decodeFixtureValue(
  v: FixtureValue,
): ArrayTensor | number | boolean | string | null | number[] {
  if (isObject(v)) return decodeFixtureTensor(v as FixtureTensor);
  if (v === "nan" || v === "inf" || v === "-inf") return fixtureNumber(v);
  return v as number | boolean | string | null | number[];
}
