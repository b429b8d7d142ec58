/**
 * `exp` and `log` for float32 results, in plain arithmetic that V8 inlines (a call to
 * `Math.exp` or `Math.log` costs 10–15 ns, most of `ctcLoss`'s time). Each returns a float64
 * within about 2^-51 (relative) of the exact value, so `Math.fround` of it is the correctly
 * rounded float32, the same as `Math.fround(Math.exp(x))`, except where the exact value lies
 * within that distance of a float32 rounding midpoint (about one input in 2^25; then the
 * two differ by one float32 ulp). Inputs outside the fast range go to `Math.exp`/`Math.log`.
 * `_f32_math_test.ts` measures both against `Math.exp`/`Math.log` over a wide range and the
 * special values.
 *
 * @module
 */

/** 2^(j/32) for j in [0, 32). */
const EXP2_J32 = new Float64Array(32).map((_v, j) => Math.pow(2, j / 32));
/** 2^i for i in [-160, 130], at index i + 160. */
const POW2 = new Float64Array(291).map((_v, i) => Math.pow(2, i - 160));
const INV_L = 32 / Math.LN2;
// ln 2 / 32 in two parts: the high part has 32 significant bits, so k * L_HI is exact for
// |k| < 2^20
const L_HI = splitHigh(Math.LN2 / 32);
const L_LO = Math.LN2 / 32 - L_HI;

/** `x` with its low 21 significand bits cleared. */
function splitHigh(x: number): number {
  const f = new Float64Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] &= 0xffe00000;
  return f[0];
}

/**
 * `exp(x)` as a float64 close enough for a float32 result (see the module doc). Fast for
 * x in [-104, 88]; below -104 the float32 result is 0, and it is computed by `Math.exp`
 * outside that range, for nan and for infinities.
 */
export function expForF32(x: number): number {
  if (!(x >= -104 && x <= 88)) return Math.exp(x);
  const k = Math.round(x * INV_L) | 0;
  const r = (x - k * L_HI) - k * L_LO; // |r| <= ln 2 / 64
  // exp(r) to degree 6: the remainder is below 2^-58 of the result
  // (Estrin's scheme: shorter dependency chains than Horner's)
  const r2 = r * r;
  const p = (1 + r) + r2 * ((0.5 + r * (1 / 6)) + r2 * ((1 / 24 + r * (1 / 120)) + r2 * (1 / 720)));
  return EXP2_J32[k & 31] * POW2[(k >> 5) + 160] * p;
}

/** ln(1 + i / 8) for i in [0, 16]. */
const LOG_C = new Float64Array(17).map((_v, i) => Math.log(1 + i / 8));

/**
 * `log(x)` as a float64 close enough for a float32 result (see the module doc). Fast for x
 * in [1, 3] (a log-sum-exp's sum, where one term is exp(0) = 1); `Math.log` elsewhere.
 */
export function logForF32(x: number): number {
  if (!(x >= 1 && x <= 3)) return Math.log(x);
  // x = c (1 + t) with c = 1 + i / 8 near x; log(x / c) = 2 atanh(u), u = (x - c) / (x + c)
  const i = Math.round((x - 1) * 8);
  const c = 1 + i * 0.125;
  const u = (x - c) / (x + c); // |u| <= 1 / 33
  const u2 = u * u;
  const u4 = u2 * u2;
  const q = (1 + u2 * (1 / 3)) + u4 * ((1 / 5 + u2 * (1 / 7)) + u4 * (1 / 9 + u2 * (1 / 11)));
  return LOG_C[i] + 2 * u * q;
}
