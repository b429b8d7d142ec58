/**
 * The AVX2 build of PyTorch's float32 normal fill (`normal_fill_16_AVX2`): `log256_ps` and
 * `sincos256_ps` from `avx_mathfun.h` (Cephes polynomials in float), one lane at a time.
 *
 * The compiler fused many of the kernel's multiply-then-add pairs into fused multiply-adds;
 * which ones is not in the source. The choice here (every pair fused, with `y * z + e * q1`
 * in the log and `y * z - z * 0.5` in the cosine polynomial fused on their first product)
 * reproduces torch 1.13's AVX2 output on Linux x86-64 bit for bit on 2^20 elements and on
 * every fixture; with no fusion about 1% of elements differ.
 *
 * @module
 */

const f = Math.fround;
const view = new DataView(new ArrayBuffer(4));

function floatBits(x: number): number {
  view.setFloat32(0, x);
  return view.getUint32(0);
}

function bitsFloat(b: number): number {
  view.setUint32(0, b >>> 0);
  return view.getFloat32(0);
}

/**
 * `fmaf(a, b, c)` for floats: `a * b` is exact in double, the sum is rounded once to float
 * (a double-rounding tie is resolved with the sum's exact error).
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const v = s - p;
  const err = (p - (s - v)) + (c - v);
  const r = f(s);
  if (err !== 0 && r !== s) {
    const other = r + 2 * (s - r);
    if (f(other) === other && 2 * s === r + other) {
      return err > 0 ? Math.max(r, other) : Math.min(r, other);
    }
  }
  return r;
}

const MIN_NORM_POS = bitsFloat(0x00800000);
const HALF_BITS = floatBits(0.5);
const SQRTHF = f(0.707106781186547524);
const LOG_P = [
  7.0376836292e-2,
  -1.1514610310e-1,
  1.1676998740e-1,
  -1.2420140846e-1,
  1.4249322787e-1,
  -1.6668057665e-1,
  2.0000714765e-1,
  -2.4999993993e-1,
  3.3333331174e-1,
].map(f);
const LOG_Q1 = f(-2.12194440e-4);
const LOG_Q2 = f(0.693359375);

/** `log256_ps` for one lane, x > 0. */
export function log256(input: number): number {
  let x = Math.max(input, MIN_NORM_POS);
  const bits = floatBits(x);
  x = bitsFloat((bits & ~0x7f800000) | HALF_BITS);
  let e = f(((bits >>> 23) - 0x7f) + 1);
  const small = x < SQRTHF;
  const tmp = small ? x : 0;
  x = f(x - 1);
  e = f(e - (small ? 1 : 0));
  x = f(x + tmp);
  const z = f(x * x);
  let y = LOG_P[0];
  for (let k = 1; k < LOG_P.length; k++) y = fmaf(y, x, LOG_P[k]);
  y = f(y * x);
  y = fmaf(y, z, f(e * LOG_Q1));
  y = fmaf(-z, 0.5, y);
  return fmaf(e, LOG_Q2, f(x + y));
}

const FOPI = f(1.27323954473516);
const MINUS_DP = [-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8].map(f);
const SINCOF = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
const COSCOF = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);

/** `sincos256_ps` for one lane: `[sin, cos]`. */
export function sincos256(input: number): [number, number] {
  let x = Math.abs(input);
  let j = Math.trunc(f(x * FOPI)) | 0;
  j = (j + 1) & ~1;
  const y = j;
  const sinNegative = ((j & 4) !== 0) !== input < 0;
  const cosNegative = (~(j - 2) & 4) !== 0;
  const cosPoly = (j & 2) === 0; // for the sine; the cosine takes the other one
  for (const d of MINUS_DP) x = fmaf(y, d, x);
  const z = f(x * x);
  let c = fmaf(COSCOF[0], z, COSCOF[1]);
  c = fmaf(c, z, COSCOF[2]);
  c = f(c * z);
  c = fmaf(c, z, f(-z * 0.5));
  c = f(c + 1);
  let s = fmaf(SINCOF[0], z, SINCOF[1]);
  s = fmaf(s, z, SINCOF[2]);
  s = f(s * z);
  s = fmaf(s, x, x);
  const ysin2 = cosPoly ? s : 0;
  const ysin1 = cosPoly ? 0 : c;
  const sin = f(ysin1 + ysin2);
  const cos = f(f(c - ysin1) + f(s - ysin2));
  return [sinNegative ? -sin : sin, cosNegative ? -cos : cos];
}
