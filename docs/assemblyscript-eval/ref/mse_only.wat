(module
  (memory (export "memory") 1)
(func (export "mse_sum")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f32) (param $p1 f32) (param $p2 f32) (param $p3 f32) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128)
    (local $lo v128) (local $hi v128) (local $lo1 v128) (local $hi1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    ;; the scalars and constants as vectors, once
    (local.set $s0 (f32x4.splat (local.get $p0)))
    (local.set $s1 (f32x4.splat (local.get $p1)))
    (local.set $s2 (f32x4.splat (local.get $p2)))
    (local.set $s3 (f32x4.splat (local.get $p3)))
    (local.set $half (v128.const f32x4 0.5 0.5 0.5 0.5))
    (local.set $one (v128.const f32x4 1 1 1 1))
    (local.set $minus_one (v128.const f32x4 -1 -1 -1 -1))
    ;; 8 elements a round, 2 vectors, each into its own accumulator pair
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 2)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.mul (local.get $d) (local.get $d)))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.mul (local.get $d) (local.get $d)))
        (local.set $lo1 (f64x2.add (local.get $lo1) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi1 (f64x2.add (local.get $hi1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    ;; the last vectors, one at a time: lanes i + k >= n are computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 2)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.mul (local.get $d) (local.get $d)))
        (local.set $l (v128.and (local.get $l) (i32x4.lt_s (v128.const i32x4 0 1 2 3)
          (i32x4.splat (i32.sub (local.get $n) (local.get $i))))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))

    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (local.set $hi (f64x2.add (local.get $hi) (local.get $hi1)))
    (f64.add
      (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo)))
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi))))))
