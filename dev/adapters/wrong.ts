/**
 * Deliberately wrong adapters for the runner's own tests (`dev/cli_test.ts`): each wraps this
 * library's cpu adapter and gets one thing wrong, so that each kind of failure shows in its
 * own column. One module, several adapters told apart by `device`, as `--devices` selects.
 *
 * @module
 */

import {
  type Adapter,
  type AdapterOp,
  type ArrayTensor,
  type OpResult,
  parityAdapter,
} from "../../conformance/mod.ts";

const CPU = parityAdapter("cpu");

function scaled(t: ArrayTensor, factor: number): ArrayTensor {
  if (t.dtype !== "float32" && t.dtype !== "float64") return t;
  const data = t.data.slice() as Float32Array | Float64Array;
  for (let i = 0; i < data.length; i++) data[i] *= factor;
  return { ...t, data };
}

/** The cpu adapter with every op's result passed through `change`. */
function wrong(device: string, change: AdapterOp): Adapter {
  const ops = Object.fromEntries(
    Object.keys(CPU.ops).map((op) => [op, change]),
  );
  return { name: `wrong ${device}`, device, ops };
}

function correct(op: string): AdapterOp {
  return (call) => CPU.ops[op](call);
}

/** Each op of `CPU` wrapped so that `change(op, call, right)` decides the result. */
function wrapping(
  device: string,
  change: (
    right: () => Promise<OpResult>,
    call: Parameters<AdapterOp>[0],
  ) => Promise<OpResult>,
): Adapter {
  const ops: Record<string, AdapterOp> = {};
  for (const op of Object.keys(CPU.ops)) {
    ops[op] = (call) => change(async () => await correct(op)(call), call);
  }
  return { name: `wrong ${device}`, device, ops };
}

const isNonFinite = (v: unknown): boolean =>
  typeof v === "object" && v !== null && "data" in v &&
  Array.from((v as ArrayTensor).data as Float64Array, Number).some((x) => !Number.isFinite(x));

/** The adapters, one per kind of mistake. */
const adapters: Adapter[] = [
  // Outputs 1% high: wrong values (and gradients left right).
  wrapping("wrong-value", async (right) => {
    const r = await right();
    return { ...r, output: scaled(r.output, 1.01) };
  }),
  // Gradients with the wrong sign.
  wrapping("wrong-gradient", async (right) => {
    const r = await right();
    const grads = Object.fromEntries(
      Object.entries(r.grads ?? {}).map((
        [i, g],
      ) => [i, g === null ? null : scaled(g, -1)]),
    );
    return { ...r, grads };
  }),
  // Refuses nan and infinities, which PyTorch computes with.
  wrapping("threw", async (right, call) => {
    if (call.args.some(isNonFinite)) throw new RangeError("non-finite input");
    return await right();
  }),
  // Checks nothing: where PyTorch raises, it returns a zero.
  wrapping("did-not-throw", async (right) => {
    try {
      return await right();
    } catch {
      return {
        output: { dtype: "float32", shape: [], data: new Float32Array(1) },
      };
    }
  }),
  // Skips float64 with a skip signal made without this package's Unsupported class.
  wrapping("skip", async (right, call) => {
    if (
      call.args.some((a) =>
        typeof a === "object" && a !== null && "dtype" in a &&
        a.dtype === "float64"
      )
    ) {
      throw Object.assign(new Error("no float64 here"), {
        [Symbol.for("@parity/losses/conformance.unsupported")]: true,
      });
    }
    return await right();
  }),
  wrong("everything-throws", () => {
    throw new Error("not implemented");
  }),
];

export default adapters;
