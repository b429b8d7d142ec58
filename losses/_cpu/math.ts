/**
 * exp, log and log1p by dtype, for the loss files' scalar loops: float32 computes in float32
 * (`exp32`, `log32`, `log1p32` of `generated/math32.ts`, bit for bit the float32 lanes of
 * `wasm/explog.wat`, so a loss's scalar and vector paths agree), float64 in float64 (`Math`).
 *
 * @module
 */

import { exp32, log1p32, log32 } from "./generated/math32.ts";

export { exp32, log1p32, log32 };

/** The three functions for one dtype; float32 results are float32 values. */
export interface DtypeMath {
  /** e^x. */
  readonly exp: (x: number) => number;
  /** The natural logarithm. */
  readonly log: (x: number) => number;
  /** log(1 + x). */
  readonly log1p: (x: number) => number;
}

const FLOAT32: DtypeMath = { exp: exp32, log: log32, log1p: log1p32 };
const FLOAT64: DtypeMath = { exp: Math.exp, log: Math.log, log1p: Math.log1p };

/**
 * The functions for a dtype (`"float32"` or `"float64"`), or for its rounding step
 * (`Math.fround` is float32's).
 */
export function mathOf(dtype: string | ((x: number) => number)): DtypeMath {
  return dtype === "float32" || dtype === Math.fround ? FLOAT32 : FLOAT64;
}
