/**
 * Runs golden fixture cases (format: `parity-losses/fixtures@1`) against the library on one
 * device: forward output, every gradient, and errors that must be thrown, compared with
 * `torch.testing.assert_close`'s default tolerances.
 *
 * @module
 */

import { type Device, type DType, type Tensor, tensor } from "../mod.ts";
import { type ArgValue, type OpSpec, opSpec } from "./ops.ts";

/** A tensor as fixtures write it; non-finite floats are `"nan"`, `"inf"`, `"-inf"`. */
export interface FixtureTensor {
  dtype: DType;
  shape: number[];
  data: (number | boolean | string)[];
}

/** A JSON value in `args` or `kwargs` (a plain list of numbers stays a number array). */
export type FixtureValue = FixtureTensor | number | boolean | string | null | number[];

/** One case of a fixture file. */
export interface FixtureCase {
  id: string;
  args: FixtureValue[];
  kwargs: Record<string, FixtureValue>;
  requires_grad: number[];
  output: FixtureTensor | null;
  grad_output: FixtureTensor | null;
  grads: Record<string, FixtureTensor | null> | null;
  error: string | null;
}

/** A whole fixture file. */
export interface FixtureFile {
  format: string;
  op: string;
  torch: string;
  cases: FixtureCase[];
}

/** What became of one case. */
export interface CaseResult {
  id: string;
  device: Device;
  status: "pass" | "fail" | "skip";
  /** The largest error in units of the tolerance (0 for errors thrown as expected). */
  worst: number;
  /** Why it failed or was skipped: the case, the element, expected and actual. */
  message: string;
}

/** The devices this build can run fixtures on. */
export const DEVICES: readonly Device[] = ["cpu"];

/** torch.testing.assert_close defaults. */
export const TOLERANCE: Readonly<Record<"float32" | "float64", { rtol: number; atol: number }>> = {
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  float64: { rtol: 1e-7, atol: 1e-7 },
};

const FORMAT = "parity-losses/fixtures@1";
const FIXTURES = new URL("./fixtures/", import.meta.url);

/** Reads and checks `conformance/fixtures/<op>.json` (or any file in the format). */
export async function loadFixtures(opOrPath: string | URL): Promise<FixtureFile> {
  const url = typeof opOrPath === "string" && !opOrPath.endsWith(".json")
    ? new URL(`${opOrPath}.json`, FIXTURES)
    : opOrPath;
  const text = await Deno.readTextFile(url);
  return checkFixtureFile(JSON.parse(text), String(url));
}

/** The op names that have a fixture file in `conformance/fixtures/`. */
export async function fixtureOps(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(FIXTURES)) {
    if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name.slice(0, -5));
  }
  return names.sort();
}

function checkFixtureFile(json: unknown, file: string): FixtureFile {
  const bad = (where: string, problem: string): never => {
    throw new TypeError(`Cannot read fixtures from ${file} as ${where} ${problem}`);
  };
  if (typeof json !== "object" || json === null) bad("the file", "is not a JSON object");
  const f = json as Partial<FixtureFile>;
  if (f.format !== FORMAT) bad("format", `must be "${FORMAT}": found ${JSON.stringify(f.format)}`);
  if (typeof f.op !== "string") bad("op", "must be a string");
  if (!Array.isArray(f.cases)) bad("cases", "must be an array");
  for (const [i, c] of (f.cases as FixtureCase[]).entries()) {
    const where = `case ${i} (${c?.id ?? "no id"})`;
    if (typeof c?.id !== "string") bad(where, "has no string id");
    if (!Array.isArray(c.args)) bad(where, "field args must be an array");
    if (typeof c.kwargs !== "object" || c.kwargs === null) bad(where, "field kwargs is missing");
    if (!Array.isArray(c.requires_grad)) bad(where, "field requires_grad must be an array");
    if (c.error === null && (c.output === null || typeof c.output !== "object")) {
      bad(where, "field output is missing while error is null");
    }
  }
  return f as FixtureFile;
}

/** Decodes a fixture tensor. */
export function decodeTensor(t: FixtureTensor, requiresGrad = false): Tensor {
  const values = t.data.map((v) =>
    v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v
  );
  if (t.dtype === "bool") {
    return tensor(values.map(Boolean), { shape: t.shape, dtype: "bool" });
  }
  return tensor(values.map(Number), { shape: t.shape, dtype: t.dtype, requiresGrad });
}

function decodeValue(v: FixtureValue, requiresGrad = false): ArgValue {
  if (Array.isArray(v)) return v.map(Number);
  return isFixtureTensor(v) ? decodeTensor(v, requiresGrad) : v;
}

function isFixtureTensor(v: FixtureValue): v is FixtureTensor {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Runs one case on one device. */
export async function runCase(spec: OpSpec, c: FixtureCase, device: Device): Promise<CaseResult> {
  const result = (status: CaseResult["status"], worst: number, message = ""): CaseResult => ({
    id: c.id,
    device,
    status,
    worst,
    message,
  });
  const usesFloat64 = [...c.args, ...Object.values(c.kwargs)].some((v) =>
    isFixtureTensor(v) && v.dtype === "float64"
  );
  if (device === "webgpu" && usesFloat64) return result("skip", 0, "WebGPU has no float64");
  let args: ArgValue[];
  let options: Record<string, ArgValue>;
  try {
    args = await Promise.all(c.args.map(async (v, i) => {
      const value = decodeValue(v, c.requires_grad.includes(i));
      return await toDevice(value, device);
    }));
    options = {};
    for (const [key, v] of Object.entries(c.kwargs)) {
      const name = spec.options[key];
      if (name === undefined) return result("fail", Infinity, `${c.id}: unknown kwarg ${key}`);
      const value = decodeValue(v);
      options[name] = await toDevice(value, device);
    }
  } catch (e) {
    if (c.error !== null) return result("pass", 0);
    return result("fail", Infinity, `${c.id}: could not build inputs: ${String(e)}`);
  }
  let output: Tensor;
  try {
    output = spec.call(args, options);
    // PyTorch raises some errors only in backward, so an error case runs that too.
    if (c.error !== null && output.requiresGrad) {
      const ones = new Array<number>(output.numel).fill(1);
      await output.backward(tensor(ones, { shape: output.shape, dtype: output.dtype }));
    }
  } catch (e) {
    if (c.error !== null) return result("pass", 0);
    return result("fail", Infinity, `${c.id}: threw ${String(e)}`);
  }
  if (c.error !== null) {
    return result("fail", Infinity, `${c.id}: expected an error like "${c.error}", none thrown`);
  }
  let worst = 0;
  const failures: string[] = [];
  const check = async (label: string, expected: FixtureTensor, actual: Tensor | null) => {
    const r = await compare(expected, actual);
    worst = Math.max(worst, r.worst);
    if (r.message !== "") failures.push(`${c.id}: ${label}${r.message}`);
  };
  await check("output", c.output as FixtureTensor, output);
  if (c.requires_grad.length > 0 && c.grad_output !== null) {
    try {
      await output.backward(decodeTensor(c.grad_output));
    } catch (e) {
      return result("fail", Infinity, `${c.id}: backward threw ${String(e)}`);
    }
    for (const i of c.requires_grad) {
      const expected = c.grads?.[String(i)] ?? null;
      const actual = (args[i] as Tensor).grad;
      if (expected === null) {
        if (actual !== null) failures.push(`${c.id}: grad of args[${i}] should be none`);
        continue;
      }
      await check(`grad of args[${i}]`, expected, actual);
    }
  }
  return failures.length > 0 ? result("fail", worst, failures.join("\n")) : result("pass", worst);
}

/**
 * Compares a result with a fixture tensor. `worst` is the largest `|a - e| / (atol + rtol|e|)`;
 * `message` is empty when every element is within tolerance.
 */
export async function compare(
  expected: FixtureTensor,
  actual: Tensor | null,
): Promise<{ worst: number; message: string }> {
  if (actual === null) return { worst: Infinity, message: " is missing" };
  if (actual.dtype !== expected.dtype) {
    return {
      worst: Infinity,
      message: ` has dtype ${actual.dtype}, expected ${expected.dtype}`,
    };
  }
  if (actual.shape.join(",") !== expected.shape.join(",")) {
    return {
      worst: Infinity,
      message: ` has shape [${actual.shape.join(", ")}], expected [${expected.shape.join(", ")}]`,
    };
  }
  const data = await actual.data();
  const tol = TOLERANCE[expected.dtype as "float32" | "float64"] ?? { rtol: 0, atol: 0 };
  let worst = 0;
  let message = "";
  for (let k = 0; k < expected.data.length; k++) {
    const raw = expected.data[k];
    const e = raw === "nan"
      ? NaN
      : raw === "inf"
      ? Infinity
      : raw === "-inf"
      ? -Infinity
      : Number(raw);
    const a = Number(data[k]);
    let ratio: number;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      ratio = Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
    } else if (!Number.isFinite(e) || !Number.isFinite(a)) ratio = e === a ? 0 : Infinity;
    else ratio = Math.abs(a - e) / (tol.atol + tol.rtol * Math.abs(e));
    if (ratio > worst) {
      worst = ratio;
      if (ratio > 1) {
        message = `[${k}] is ${a}, expected ${e} (${ratio.toFixed(2)}× the tolerance)`;
      }
    }
  }
  return { worst, message: message === "" ? "" : ` element ${message}` };
}

/** Runs every case of one op's fixture file on one device. */
export async function runOp(torch: string, device: Device): Promise<CaseResult[]> {
  const spec = opSpec(torch);
  if (spec === undefined) throw new Error(`No op named ${torch} in conformance/ops.ts`);
  const file = await loadFixtures(torch);
  const results: CaseResult[] = [];
  for (const c of file.cases) results.push(await runCase(spec, c, device));
  return results;
}

/** A decoded tensor moved to `device`; plain values (numbers, number arrays) as they are. */
async function toDevice(value: ArgValue, device: Device): Promise<ArgValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? await (value as Tensor).to(device)
    : value;
}
