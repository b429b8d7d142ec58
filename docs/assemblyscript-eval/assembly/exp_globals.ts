// AssemblyScript port of exp_rows_f32 (and its helper $max_f32) from
// wasm/softmax.wat. Per row: m = max (or 0 when withMax = 0), out = exp(x - m)
// in float32 (Cephes expf: range reduction with ln2 in two parts, degree-5 polynomial, scale
// by 2^k in two halves), stats[2r] = m, stats[2r+1] = sum(out) in float64 (two f64x2
// accumulators). A row's last partial vector is computed whole with missing lanes -inf:
// it reads up to 12 bytes past the row and writes zeros up to 12 bytes past it.

// constants as exported mutable globals: binaryen cannot assume their values, so it keeps
// them in locals (read once per call) instead of rebuilding v128.const inside the loop
export let LO = f32x4.splat(-104), HI = f32x4.splat(89);
export let LOG2E = f32x4.splat(1.44269504088896341);
export let MAGIC = f32x4.splat(12582912), MAGIC_BITS = i32x4.splat(0x4b400000);
export let LN2A = f32x4.splat(0.693359375), LN2B = f32x4.splat(-2.12194440e-4);
export let C0 = f32x4.splat(1.9875691500e-4), C1 = f32x4.splat(1.3981999507e-3);
export let C2 = f32x4.splat(8.3334519073e-3), C3 = f32x4.splat(4.1665795894e-2);
export let C4 = f32x4.splat(1.6666665459e-1), C5 = f32x4.splat(5.0000001201e-1);
export let ONE = f32x4.splat(1), BIAS = i32x4.splat(127);
export let IOTA = i32x4(0, 1, 2, 3), NINF = f32x4.splat(-Infinity);

// the maximum of n float32 at p, -inf for n = 0 (a nan may be skipped)
@inline function maxF32(p: usize, n: i32): f32 {
  const end = p + (<usize>n << 2);
  let v = f32x4.splat(-Infinity);
  for (; p + 16 <= end; p += 16) v = f32x4.pmax(v, v128.load(p, 0, 4));
  let m = max<f32>(
    max<f32>(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max<f32>(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
  for (; p < end; p += 4) m = max<f32>(m, load<f32>(p));
  return m;
}

export function exp_rows_f32(
  x: usize, out: usize, rows: i32, cols: i32, stats: usize, withMax: i32,
): void {
  const lo = LO, hi = HI, log2e = LOG2E, magic = MAGIC, magicBits = MAGIC_BITS;
  const ln2a = LN2A, ln2b = LN2B, c0 = C0, c1 = C1, c2 = C2, c3 = C3, c4 = C4, c5 = C5;
  const one = ONE, bias = BIAS, iota = IOTA, ninf = NINF;
  const colsv = i32x4.splat(cols);
  for (; rows != 0; rows--) {
    let m: f32 = 0;
    if (withMax) m = maxF32(x, cols);
    const mv = f32x4.splat(m);
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
    let i = 0;
    for (; i < cols; i += 4, x += 16, out += 16) {
      // v = x - m, lanes at or past the row's end set to -inf
      let v = f32x4.sub(v128.load(x, 0, 4), mv);
      if (i + 4 > cols) {
        v = v128.bitselect(v, ninf, i32x4.lt_s(i32x4.add(iota, i32x4.splat(i)), colsv));
      }
      // clamp to [-104, 89] (beyond: 0 and inf); pmax / pmin keep a nan
      v = f32x4.pmin(f32x4.pmax(v, lo), hi);
      // k = round(v / ln2) by adding 1.5 * 2^23, whose low bits then hold k as an integer
      let ki = f32x4.add(f32x4.mul(v, log2e), magic);
      const k = f32x4.sub(ki, magic);
      ki = i32x4.sub(ki, magicBits);
      // r = v - k ln2, ln2 in two parts; exp(r) = 1 + r + r^2 P(r)
      const r = f32x4.sub(f32x4.sub(v, f32x4.mul(k, ln2a)), f32x4.mul(k, ln2b));
      const r2 = f32x4.mul(r, r);
      let p = f32x4.add(f32x4.mul(r, c0), c1);
      p = f32x4.add(f32x4.mul(p, r), c2);
      p = f32x4.add(f32x4.mul(p, r), c3);
      p = f32x4.add(f32x4.mul(p, r), c4);
      p = f32x4.add(f32x4.mul(p, r), c5);
      p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), one);
      // times 2^k as 2^k1 * 2^(k - k1), k1 = k >> 1, each a normal float32
      const k1 = i32x4.shr_s(ki, 1);
      p = f32x4.mul(
        f32x4.mul(p, i32x4.shl(i32x4.add(k1, bias), 23)),
        i32x4.shl(i32x4.add(i32x4.sub(ki, k1), bias), 23),
      );
      v128.store(out, p, 0, 4);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(p));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(
        i8x16.shuffle(p, p, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7),
      ));
    }
    // step back over the lanes past the row's end
    const back = <usize>((i - cols) << 2);
    x -= back;
    out -= back;
    a0 = f64x2.add(a0, a1);
    store<f64>(stats, <f64>m);
    store<f64>(stats, f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1), 8);
    stats += 16;
  }
}
