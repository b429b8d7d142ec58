// AssemblyScript port of mse_sum from wasm/elementwise.wat (float32 operands).
// sum over i of (a[i] - b[i])^2: each square in float32, the sum in float64, in the same
// lane order as the .wat: two vectors a round into two accumulator pairs (lanes 0,1 in lo*,
// lanes 2,3 in hi*), then a masked one-vector tail, then ((lo+lo1)[0] + (lo+lo1)[1]) +
// ((hi+hi1)[0] + (hi+hi1)[1]). Same signature as the .wat (c, out, p0..p3 unused by mse).

// (a - b)^2 of the four float32 at byte offset `at` of a and b
@inline function sq(a: i32, b: i32, at: i32): v128 {
  const d = f32x4.sub(v128.load(<usize>(a + at)), v128.load(<usize>(b + at)));
  return f32x4.mul(d, d);
}

// lanes 2 and 3 moved to 0 and 1
@inline function high(l: v128): v128 {
  return i8x16.shuffle(l, l, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
}

export function mse_sum(
  a: i32, b: i32, c: i32, out: i32, n: i32, p0: f32, p1: f32, p2: f32, p3: f32,
): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0), lo1 = f64x2.splat(0), hi1 = f64x2.splat(0);
  let i = 0;
  // 8 elements a round, 2 vectors, each into its own accumulator pair
  for (; i + 8 <= n; i += 8) {
    const at = i << 2;
    let l = sq(a, b, at);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(l));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(high(l)));
    l = sq(a, b, at + 16);
    lo1 = f64x2.add(lo1, f64x2.promote_low_f32x4(l));
    hi1 = f64x2.add(hi1, f64x2.promote_low_f32x4(high(l)));
  }
  // the last vectors, one at a time: lanes i + k >= n are computed, then +0 in the sum
  for (; i < n; i += 4) {
    let l = sq(a, b, i << 2);
    l = v128.and(l, i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n - i)));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(l));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(high(l)));
  }
  lo = f64x2.add(lo, lo1);
  hi = f64x2.add(hi, hi1);
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) +
    (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
}
