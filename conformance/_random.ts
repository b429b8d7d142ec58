/**
 * Calls for the random-number fixtures (`randn`, `rand`, `randint`): each case seeds a fresh
 * generator with `kwargs.seed`, replays the draws listed in `kwargs.before`, then makes the
 * case's own draw. The format is described in `scripts/export_random_fixtures.py`.
 *
 * @module
 */

import { type DType, Generator, rand, randint, randn, type Tensor } from "../mod.ts";
import type { ParamDoc } from "./param_doc.ts";

/** A decoded fixture argument, as the op table passes it (the table's `ArgValue`). */
type Arg = unknown;

/** A generator seeded as the fixture says: a number, or a decimal string for big seeds. */
export function seededGenerator(seed: Arg): Generator {
  if (typeof seed === "string") return new Generator(BigInt(seed));
  if (typeof seed !== "number") throw new TypeError("kwargs.seed must be a number or a string");
  return new Generator(seed);
}

function parseShape(text: string): number[] {
  return text === "scalar" ? [] : text.split("x").map(Number);
}

/** Replays `before` (`randn 3 float32;randint 0 5 3 int64`) on `g`. */
export function replayDraws(before: Arg, g: Generator): void {
  if (typeof before !== "string" || before === "") return;
  for (const spec of before.split(";")) {
    const parts = spec.trim().split(/\s+/);
    const dtype = parts[parts.length - 1] as DType;
    const shape = parseShape(parts[parts.length - 2]);
    if (parts[0] === "randn") randn(shape, { dtype, generator: g });
    else if (parts[0] === "rand") rand(shape, { dtype, generator: g });
    else if (parts[0] === "randint") {
      randint(BigInt(parts[1]), BigInt(parts[2]), shape, { dtype, generator: g });
    } else throw new TypeError(`Unknown draw in kwargs.before: ${spec}`);
  }
}

function dims(args: readonly Arg[]): number[] {
  return args.map((a) => a as number);
}

/** Makes the case's draw for `op` from decoded args and options. */
export function randomCall(
  op: "randn" | "rand" | "randint",
): (args: readonly Arg[], options: Readonly<Record<string, Arg>>) => Tensor {
  return (args, options) => {
    const generator = seededGenerator(options.seed);
    replayDraws(options.before, generator);
    const dtype = options.dtype as DType;
    if (op === "randint") {
      return randint(args[0] as number | bigint, args[1] as number | bigint, dims(args.slice(2)), {
        dtype,
        generator,
      });
    }
    if (op === "rand") return rand(dims(args), { dtype, generator });
    const cpuCapability = (options.cpuCapability ?? "default") as "default" | "avx2";
    return randn(dims(args), { dtype, generator, cpuCapability });
  };
}

/** kwargs of the random fixtures → option names (`cpu_capability` → `cpuCapability`). */
export const RANDOM_OPTIONS: Readonly<Record<string, string>> = {
  seed: "seed",
  dtype: "dtype",
  before: "before",
  cpu_capability: "cpuCapability",
};

const SIZE: ParamDoc = { name: "*size", type: "int", note: "the dimensions, each >= 0" };
const SEED: ParamDoc = {
  name: "seed",
  type: "int or string",
  note: "torch.manual_seed's seed; a decimal string above 2^53 - 1",
};
const BEFORE: ParamDoc = {
  name: "before",
  type: "string",
  default: '""',
  note: 'draws made first from the same seed, ";"-separated: "randn 3 float32", ' +
    '"rand 4x6 float64", "randint 0 5 3 int64" ("scalar" for no dimensions)',
};

/** The random ops' parameters, for the reference. */
export const RANDOM_DOCS: Readonly<
  Record<"randn" | "rand" | "randint", { args: readonly ParamDoc[]; kwargs: readonly ParamDoc[] }>
> = {
  randn: {
    args: [SIZE],
    kwargs: [
      SEED,
      { name: "dtype", type: "string", values: '"float32", "float64"' },
      BEFORE,
      {
        name: "cpu_capability",
        type: "string",
        default: '"default"',
        values: '"default", "avx2"',
        note: "float32 only: which of PyTorch's kernels made the numbers",
      },
    ],
  },
  rand: {
    args: [SIZE],
    kwargs: [SEED, { name: "dtype", type: "string", values: '"float32", "float64"' }, BEFORE],
  },
  randint: {
    args: [
      { name: "low", type: "int" },
      { name: "high", type: "int", note: "exclusive" },
      SIZE,
    ],
    kwargs: [
      SEED,
      { name: "dtype", type: "string", values: '"int64", "float32", "float64"' },
      BEFORE,
    ],
  },
};
