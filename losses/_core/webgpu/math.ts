/**
 * exp, log and log1p for WGSL, in every shader through the prelude: WGSL leaves the builtins'
 * accuracy loose (exp may be 3 + 2|x| ulps off, log 2^-21 absolute near 1; the software
 * adapter's exp is up to 4 ulps off on [-1, 0] and its log loses relative accuracy near 1),
 * its special values undefined, and its compilers may fold `(1 + a) - 1` to `a`. These give
 * PyTorch's special values by bits (log(±0) = -inf, log of a negative = nan, exp overflow =
 * inf, nan kept), build subnormal results by hand (adapters may flush them), and are tested
 * against float64 in math_test.ts: exp and log within one ulp (fdlibm's logf as in musl, a
 * Cody-Waite reduced expf), log1p within three (Cephes' logf polynomial near 0).
 *
 * @module
 */

/** The WGSL source: `exp_f32`, `log_f32`, `log1p_f32`, `neg_inf`, `is_neg_inf`, `is_pos_inf`. */
export const WGSL_MATH: string = /* wgsl */ `
fn neg_inf() -> f32 { var bits = 0xff800000u; return bitcast<f32>(bits); }
fn is_neg_inf(x: f32) -> bool { return bitcast<u32>(x) == 0xff800000u; }
fn is_pos_inf(x: f32) -> bool { return bitcast<u32>(x) == 0x7f800000u; }
// exp(x) = 2^k exp(r), r = x - k ln2 (ln2 in two parts, k ln2_hi exact), |r| <= ln2 / 2.
fn exp_f32(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72284) { return inf_f32(); }
  if (x < -103.97208) { return 0.0; }
  let k = round(x * 1.442695);
  let r = (x - k * 0.693145751953125) - k * 1.428606765330187e-6;
  var u = 1.9852762e-4;
  u = u * r + 1.3930436e-3;
  u = u * r + 8.333361e-3;
  u = u * r + 4.1666485e-2;
  u = u * r + 0.16666667;
  u = u * r + 0.5;
  let e = 1.0 + (r + (r * r) * u);
  let ki = i32(k);
  if (ki <= -126) {
    // A subnormal (or the smallest normals): its bits are the integer e 2^(k + 149), made
    // by hand as adapters may flush subnormal results to zero.
    return bitcast<f32>(u32(round(ldexp(e, ki + 149))));
  }
  return ldexp(ldexp(e, ki / 2), ki - ki / 2);
}
// log(x) = k ln2 + log(m), m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f).
fn log_f32(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x == 0.0) { return neg_inf(); }
  if (x < 0.0) { return nan_f32(); }
  if (is_inf(x)) { return x; }
  var ix = bitcast<u32>(x);
  var k = 0;
  if (ix < 0x00800000u) {
    k = -25;
    ix = bitcast<u32>(x * 33554432.0);
  }
  ix += 0x3f800000u - 0x3f3504f3u;
  k += i32(ix >> 23u) - 0x7f;
  ix = (ix & 0x007fffffu) + 0x3f3504f3u;
  let f = bitcast<f32>(ix) - 1.0;
  let s = f / (2.0 + f);
  let z = s * s;
  let w = z * z;
  let t1 = w * (0.40000972 + w * 0.24279079);
  let t2 = z * (0.66666663 + w * 0.28498787);
  let hfsq = 0.5 * f * f;
  let dk = f32(k);
  return s * (hfsq + (t2 + t1)) + dk * 9.0580006e-6 - hfsq + f + dk * 0.69313812;
}
fn pow2_i(k: i32) -> f32 { return bitcast<f32>(u32(k + 127) << 23u); }
// log(1 + f) + e ln2 for f in [sqrt(1/2) - 1, sqrt(2) - 1] (Cephes logf's core).
fn log_core(f: f32, e: i32) -> f32 {
  let z = f * f;
  var y = ((((((((7.0376836292e-2 * f - 1.1514610310e-1) * f + 1.1676998740e-1) * f
    - 1.2420140846e-1) * f + 1.4249322787e-1) * f - 1.6668057665e-1) * f
    + 2.0000714765e-1) * f - 2.4999993993e-1) * f + 3.3333331174e-1) * f * z;
  if (e == 0) { return f + (y - 0.5 * z); }
  let fe = f32(e);
  y = y + fe * -2.12194440e-4;
  y = y - 0.5 * z;
  return (f + y) + fe * 0.693359375;
}
// log1p: the core directly near 0 (no 1 + a, whose rounding a compiler may also fold away).
fn log1p_f32(a: f32) -> f32 {
  if (is_nan(a) || a < -1.0) { return nan_f32(); }
  if (a >= -0.29289321 && a <= 0.41421356) { return log_core(a, 0); }
  return log_f32(1.0 + a);
}
`;
