// AssemblyScript port of exp_rows_f32 (and its helper $max_f32) from
// wasm/softmax.wat. Per row: m = max (or 0 when withMax = 0), out = exp(x - m)
// in float32 (Cephes expf: range reduction with ln2 in two parts, degree-5 polynomial, scale
// by 2^k in two halves), stats[2r] = m, stats[2r+1] = sum(out) in float64 (two f64x2
// accumulators). A row's last partial vector is computed whole with missing lanes -inf:
// it reads up to 12 bytes past the row and writes zeros up to 12 bytes past it.

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
  const lo = f32x4.splat(-104), hi = f32x4.splat(89);
  const log2e = f32x4.splat(1.44269504088896341);
  const magic = f32x4.splat(12582912); // 1.5 * 2^23
  const magicBits = i32x4.splat(0x4b400000);
  const ln2a = f32x4.splat(0.693359375), ln2b = f32x4.splat(-2.12194440e-4);
  const c0 = f32x4.splat(1.9875691500e-4), c1 = f32x4.splat(1.3981999507e-3);
  const c2 = f32x4.splat(8.3334519073e-3), c3 = f32x4.splat(4.1665795894e-2);
  const c4 = f32x4.splat(1.6666665459e-1), c5 = f32x4.splat(5.0000001201e-1);
  const one = f32x4.splat(1), bias = i32x4.splat(127);
  const iota = i32x4(0, 1, 2, 3), ninf = f32x4.splat(-Infinity);
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
