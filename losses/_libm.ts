/**
 * glibc's single-precision `logf`, `sinf` and `cosf`, operation for operation, so that
 * `randn`'s float32 fill gives PyTorch's bits on Linux x86-64.
 *
 * glibc 2.28 and later compute these in double precision with short polynomials (code from
 * Arm's optimized-routines: `e_logf.c`, `s_sinf.c`, `s_cosf.c`, `sincosf_poly.h`) and round
 * once to float. On x86-64 machines with FMA and AVX2 glibc picks a build of the same C code
 * compiled with `-mfma`, where GCC fuses each `a * b + c` into one fused multiply-add; that
 * build is the one PyTorch calls on such machines, so these functions fuse the same
 * operations. JavaScript has no fused multiply-add: {@linkcode fma} emulates it with
 * error-free transformations (exact except in double-rounding ties, which the final rounding
 * to float makes vanishingly rare).
 *
 * Only the arguments `randn` produces are needed: `logf` of (0, 1] and `sinf`/`cosf` of
 * [0, 2π), so the large-argument reduction of `sinf`/`cosf` (|x| ≥ 120) is left out and
 * such arguments fall back to `Math.sin`/`Math.cos`.
 *
 * @module
 */

/** Parses a C hexadecimal floating-point literal such as `0x1.8p-1` exactly. */
function hexFloat(text: string): number {
  const m = /^(-?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?p([+-]?\d+)$/i.exec(text);
  if (m === null) throw new Error(`Cannot parse hex float ${text}`);
  const frac = m[3] ?? "";
  const mantissa = BigInt(`0x${m[2]}${frac}`);
  const value = Number(mantissa) * 2 ** (Number(m[4]) - 4 * frac.length);
  return m[1] === "-" ? -value : value;
}

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter for doubles

/**
 * `a * b + c` with one rounding, as a fused multiply-add (emulated: the product's error
 * from Dekker's two-product and the sum's error from Knuth's two-sum).
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  const s = p + c;
  const v = s - p;
  const se = (p - (s - v)) + (c - v);
  return s + (se + pe);
}

const scratch = new DataView(new ArrayBuffer(8));

function floatBits(x: number): number {
  scratch.setFloat32(0, x);
  return scratch.getUint32(0);
}

function bitsFloat(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}

// __logf_data: 16 (1/c, log c) pairs, ln 2, and log1p's polynomial.
const LOGF_TAB = [
  ["0x1.661ec79f8f3bep+0", "-0x1.57bf7808caadep-2"],
  ["0x1.571ed4aaf883dp+0", "-0x1.2bef0a7c06ddbp-2"],
  ["0x1.49539f0f010bp+0", "-0x1.01eae7f513a67p-2"],
  ["0x1.3c995b0b80385p+0", "-0x1.b31d8a68224e9p-3"],
  ["0x1.30d190c8864a5p+0", "-0x1.6574f0ac07758p-3"],
  ["0x1.25e227b0b8eap+0", "-0x1.1aa2bc79c81p-3"],
  ["0x1.1bb4a4a1a343fp+0", "-0x1.a4e76ce8c0e5ep-4"],
  ["0x1.12358f08ae5bap+0", "-0x1.1973c5a611cccp-4"],
  ["0x1.0953f419900a7p+0", "-0x1.252f438e10c1ep-5"],
  ["0x1p+0", "0x0p+0"],
  ["0x1.e608cfd9a47acp-1", "0x1.aa5aa5df25984p-5"],
  ["0x1.ca4b31f026aap-1", "0x1.c5e53aa362eb4p-4"],
  ["0x1.b2036576afce6p-1", "0x1.526e57720db08p-3"],
  ["0x1.9c2d163a1aa2dp-1", "0x1.bc2860d22477p-3"],
  ["0x1.886e6037841edp-1", "0x1.1058bc8a07ee1p-2"],
  ["0x1.767dcf5534862p-1", "0x1.4043057b6ee09p-2"],
].map(([invc, logc]) => [hexFloat(invc), hexFloat(logc)]);
const LOGF_INVC = new Float64Array(LOGF_TAB.map((e) => e[0]));
const LOGF_LOGC = new Float64Array(LOGF_TAB.map((e) => e[1]));
const LN2 = hexFloat("0x1.62e42fefa39efp-1");
const LA0 = hexFloat("-0x1.00ea348b88334p-2");
const LA1 = hexFloat("0x1.5575b0be00b6ap-2");
const LA2 = hexFloat("-0x1.ffffef20a4123p-2");
const LOGF_OFF = 0x3f330000;

/** glibc's `logf` (FMA build), rounded to float32. */
export function logf(x: number): number {
  let ix = floatBits(x);
  if (ix === 0x3f800000) return 0;
  if (((ix - 0x00800000) >>> 0) >= 0x7f800000 - 0x00800000) {
    if (((ix << 1) >>> 0) === 0) return -Infinity;
    if (ix === 0x7f800000) return x;
    if ((ix & 0x80000000) !== 0 || ((ix << 1) >>> 0) >= 0xff000000) return NaN;
    ix = floatBits(Math.fround(x * 8388608)); // subnormal: normalise
    ix = (ix - (23 << 23)) >>> 0;
  }
  const tmp = (ix - LOGF_OFF) >>> 0;
  const i = (tmp >>> 19) & 15;
  const k = tmp >> 23; // arithmetic shift of the int32 view
  const iz = (ix - (tmp & 0xff800000)) >>> 0;
  const z = bitsFloat(iz);
  const r = fma(z, LOGF_INVC[i], -1);
  const y0 = fma(k, LN2, LOGF_LOGC[i]);
  const r2 = r * r;
  let y = fma(LA1, r, LA2);
  y = fma(LA0, r2, y);
  y = fma(y, r2, y0 + r);
  return Math.fround(y);
}

// __sincosf_table (x86-64 has no TOINT_INTRINSICS: 2/π is prescaled by 2^24).
const HPI_INV = hexFloat("0x1.45F306DC9C883p+23");
const HPI = hexFloat("0x1.921FB54442D18p0");
const PC = [
  "0x1p0",
  "-0x1.ffffffd0c621cp-2",
  "0x1.55553e1068f19p-5",
  "-0x1.6c087e89a359dp-10",
  "0x1.99343027bf8c3p-16",
].map(hexFloat);
const S1 = hexFloat("-0x1.555545995a603p-3");
const S2 = hexFloat("0x1.1107605230bc4p-7");
const S3 = hexFloat("-0x1.994eb3774cf24p-13");
const SIGN = [1, -1, -1, 1];

function abstop12(x: number): number {
  return (floatBits(x) >>> 20) & 0x7ff;
}
const TOP_PIO4 = abstop12(Math.fround(0.7853981633974483));
const TOP_TINY = abstop12(2 ** -12);
const TOP_120 = abstop12(120);

/**
 * sinf_poly: the sine polynomial for even `n`, the cosine one for odd `n`; `neg` selects the
 * table's second entry, whose cosine coefficients are negated.
 */
function sinfPoly(x: number, x2: number, n: number, neg: boolean): number {
  if ((n & 1) === 0) {
    const x3 = x * x2;
    const s1 = fma(x2, S3, S2);
    const x7 = x3 * x2;
    const s = fma(x3, S1, x);
    return Math.fround(fma(x7, s1, s));
  }
  const m = neg ? -1 : 1;
  const x4 = x2 * x2;
  const c2 = fma(x2, m * PC[4], m * PC[3]);
  const c1 = fma(x2, m * PC[1], m * PC[0]);
  const x6 = x4 * x2;
  const c = fma(x4, m * PC[2], c1);
  return Math.fround(fma(x6, c2, c));
}

function sinCosF(y: number, wantCos: boolean): number {
  const top = abstop12(y);
  if (top < TOP_PIO4) {
    if (top < TOP_TINY) return wantCos ? 1 : y;
    return sinfPoly(y, y * y, wantCos ? 1 : 0, false);
  }
  if (top < TOP_120) {
    const r = y * HPI_INV;
    const n = ((Math.trunc(r) | 0) + 0x800000) >> 24;
    const x = fma(-n, HPI, y);
    const s = SIGN[n & 3];
    return sinfPoly(x * s, x * x, wantCos ? n ^ 1 : n, (n & 2) !== 0);
  }
  return Math.fround(wantCos ? Math.cos(y) : Math.sin(y));
}

/** glibc's `sinf` (FMA build) for |x| < 120, rounded to float32. */
export function sinf(x: number): number {
  return sinCosF(x, false);
}

/** glibc's `cosf` (FMA build) for |x| < 120, rounded to float32. */
export function cosf(x: number): number {
  return sinCosF(x, true);
}
