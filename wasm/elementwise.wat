;; SIMD kernels of the elementwise losses without exp or log, driven chunk by chunk by
;; losses/_simd.ts. Each loss has four functions with one shape of signature:
;;   <loss>_sum,   <loss>_sum64   (a, b, c, out, n, p0, p1, p2, p3) -> f64  the sum of n losses
;;   <loss>_grad,  <loss>_grad64  the same sum, and out[i] = the gradient of operand a at i
;; the first of each pair over float32 (f32x4 lanes, float32 scalars p0..p3, each loss promoted
;; to float64 for the sum), the second over float64 (f64x2 lanes, float64 scalars). a, b, c:
;; byte offsets of the operands (c unused by two-operand losses); out: byte offset of the
;; gradient. Every step is one operation of the dtype in the order of the loss file's formula,
;; so each lane is bit for bit the scalar formula; only the sum adds in another order. The
;; main loop takes two vectors a round, each into its own float64 accumulators (for float32,
;; lanes 0 and 1 in $lo, lanes 2 and 3 in $hi), so that the additions of one do not wait on
;; the other's; the scalars and constants are made vectors once ($s0..$s3, $half, ...). The
;; last vectors go through a masked loop: lanes past n are computed and then added as +0, and
;; their gradients land in scratch that the caller never reads. WebAssembly text has no
;; macros, so each loss's formula is written out three times per function (two vectors of the
;; main loop, and the tail): change all of them alike.
(module
  (memory (export "memory") 1)

  ;; ---- mse

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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "mse_grad")
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
        ;; g = (norm * d) * gradOutput ; p0 = norm, p1 = gradOutput
        (local.set $g (f32x4.mul (f32x4.mul (local.get $s0) (local.get $d))
          (local.get $s1)))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.mul (local.get $d) (local.get $d)))
        ;; g = (norm * d) * gradOutput ; p0 = norm, p1 = gradOutput
        (local.set $g (f32x4.mul (f32x4.mul (local.get $s0) (local.get $d))
          (local.get $s1)))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
        ;; g = (norm * d) * gradOutput ; p0 = norm, p1 = gradOutput
        (local.set $g (f32x4.mul (f32x4.mul (local.get $s0) (local.get $d))
          (local.get $s1)))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "mse_sum64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.mul (local.get $d) (local.get $d)))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.mul (local.get $d) (local.get $d)))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.mul (local.get $d) (local.get $d)))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  (func (export "mse_grad64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.mul (local.get $d) (local.get $d)))
        ;; g = (norm * d) * gradOutput ; p0 = norm, p1 = gradOutput
        (local.set $g (f64x2.mul (f64x2.mul (local.get $s0) (local.get $d))
          (local.get $s1)))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.mul (local.get $d) (local.get $d)))
        ;; g = (norm * d) * gradOutput ; p0 = norm, p1 = gradOutput
        (local.set $g (f64x2.mul (f64x2.mul (local.get $s0) (local.get $d))
          (local.get $s1)))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = d * d
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.mul (local.get $d) (local.get $d)))
        ;; g = (norm * d) * gradOutput ; p0 = norm, p1 = gradOutput
        (local.set $g (f64x2.mul (f64x2.mul (local.get $s0) (local.get $d))
          (local.get $s1)))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  ;; ---- l1

  (func (export "l1_sum")
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
        ;; d = x - y ; l = |d|
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.abs (local.get $d)))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = |d|
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.abs (local.get $d)))
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
        ;; d = x - y ; l = |d|
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.abs (local.get $d)))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "l1_grad")
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
        ;; d = x - y ; l = |d|
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.abs (local.get $d)))
        ;; g = gs * sgn(d), sgn = 1, -1 or 0 (0 for nan) ; p0 = gs
        (local.set $g (f32x4.mul (local.get $s0)
          (v128.or
            (v128.and (f32x4.gt (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $one))
            (v128.and (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))
              (local.get $minus_one)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = |d|
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.abs (local.get $d)))
        ;; g = gs * sgn(d), sgn = 1, -1 or 0 (0 for nan) ; p0 = gs
        (local.set $g (f32x4.mul (local.get $s0)
          (v128.or
            (v128.and (f32x4.gt (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $one))
            (v128.and (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))
              (local.get $minus_one)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
        ;; d = x - y ; l = |d|
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.abs (local.get $d)))
        ;; g = gs * sgn(d), sgn = 1, -1 or 0 (0 for nan) ; p0 = gs
        (local.set $g (f32x4.mul (local.get $s0)
          (v128.or
            (v128.and (f32x4.gt (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $one))
            (v128.and (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))
              (local.get $minus_one)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "l1_sum64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = |d|
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.abs (local.get $d)))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = |d|
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.abs (local.get $d)))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = |d|
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.abs (local.get $d)))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  (func (export "l1_grad64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = |d|
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.abs (local.get $d)))
        ;; g = gs * sgn(d), sgn = 1, -1 or 0 (0 for nan) ; p0 = gs
        (local.set $g (f64x2.mul (local.get $s0)
          (v128.or
            (v128.and (f64x2.gt (local.get $d) (v128.const f64x2 0 0)) (local.get $one))
            (v128.and (f64x2.lt (local.get $d) (v128.const f64x2 0 0))
              (local.get $minus_one)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = |d|
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.abs (local.get $d)))
        ;; g = gs * sgn(d), sgn = 1, -1 or 0 (0 for nan) ; p0 = gs
        (local.set $g (f64x2.mul (local.get $s0)
          (v128.or
            (v128.and (f64x2.gt (local.get $d) (v128.const f64x2 0 0)) (local.get $one))
            (v128.and (f64x2.lt (local.get $d) (v128.const f64x2 0 0))
              (local.get $minus_one)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; l = |d|
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $l (f64x2.abs (local.get $d)))
        ;; g = gs * sgn(d), sgn = 1, -1 or 0 (0 for nan) ; p0 = gs
        (local.set $g (f64x2.mul (local.get $s0)
          (v128.or
            (v128.and (f64x2.gt (local.get $d) (v128.const f64x2 0 0)) (local.get $one))
            (v128.and (f64x2.lt (local.get $d) (v128.const f64x2 0 0))
              (local.get $minus_one)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  ;; ---- hinge

  (func (export "hinge_sum")
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
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f32x4.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f32x4.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f32x4.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f32x4.add
          (v128.and (f32x4.max (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f32x4.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f32x4.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f32x4.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f32x4.add
          (v128.and (f32x4.max (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
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
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f32x4.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f32x4.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f32x4.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f32x4.add
          (v128.and (f32x4.max (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "hinge_grad")
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
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f32x4.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f32x4.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f32x4.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f32x4.add
          (v128.and (f32x4.max (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        ;; g = (y != 1 && gap >= 0 ? -gs : 0) + (y != -1 ? gs : 0) ; p1 = gs
        (local.set $g (f32x4.add
          (v128.and (f32x4.neg (local.get $s1))
            (v128.and (local.get $m1) (f32x4.ge (local.get $d) (v128.const f32x4 0 0 0 0))))
          (v128.and (local.get $s1) (local.get $m2))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f32x4.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f32x4.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f32x4.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f32x4.add
          (v128.and (f32x4.max (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        ;; g = (y != 1 && gap >= 0 ? -gs : 0) + (y != -1 ? gs : 0) ; p1 = gs
        (local.set $g (f32x4.add
          (v128.and (f32x4.neg (local.get $s1))
            (v128.and (local.get $m1) (f32x4.ge (local.get $d) (v128.const f32x4 0 0 0 0))))
          (v128.and (local.get $s1) (local.get $m2))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f32x4.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f32x4.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f32x4.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f32x4.add
          (v128.and (f32x4.max (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        ;; g = (y != 1 && gap >= 0 ? -gs : 0) + (y != -1 ? gs : 0) ; p1 = gs
        (local.set $g (f32x4.add
          (v128.and (f32x4.neg (local.get $s1))
            (v128.and (local.get $m1) (f32x4.ge (local.get $d) (v128.const f32x4 0 0 0 0))))
          (v128.and (local.get $s1) (local.get $m2))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "hinge_sum64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f64x2.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f64x2.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f64x2.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f64x2.add
          (v128.and (f64x2.max (local.get $d) (v128.const f64x2 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f64x2.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f64x2.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f64x2.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f64x2.add
          (v128.and (f64x2.max (local.get $d) (v128.const f64x2 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f64x2.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f64x2.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f64x2.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f64x2.add
          (v128.and (f64x2.max (local.get $d) (v128.const f64x2 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  (func (export "hinge_grad64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f64x2.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f64x2.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f64x2.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f64x2.add
          (v128.and (f64x2.max (local.get $d) (v128.const f64x2 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        ;; g = (y != 1 && gap >= 0 ? -gs : 0) + (y != -1 ? gs : 0) ; p1 = gs
        (local.set $g (f64x2.add
          (v128.and (f64x2.neg (local.get $s1))
            (v128.and (local.get $m1) (f64x2.ge (local.get $d) (v128.const f64x2 0 0))))
          (v128.and (local.get $s1) (local.get $m2))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f64x2.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f64x2.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f64x2.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f64x2.add
          (v128.and (f64x2.max (local.get $d) (v128.const f64x2 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        ;; g = (y != 1 && gap >= 0 ? -gs : 0) + (y != -1 ? gs : 0) ; p1 = gs
        (local.set $g (f64x2.add
          (v128.and (f64x2.neg (local.get $s1))
            (v128.and (local.get $m1) (f64x2.ge (local.get $d) (v128.const f64x2 0 0))))
          (v128.and (local.get $s1) (local.get $m2))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f64x2.sub (local.get $s0) (local.get $x)))
        (local.set $m1 (f64x2.ne (local.get $y) (local.get $one)))
        (local.set $m2 (f64x2.ne (local.get $y) (local.get $minus_one)))
        (local.set $l (f64x2.add
          (v128.and (f64x2.max (local.get $d) (v128.const f64x2 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))
        ;; g = (y != 1 && gap >= 0 ? -gs : 0) + (y != -1 ? gs : 0) ; p1 = gs
        (local.set $g (f64x2.add
          (v128.and (f64x2.neg (local.get $s1))
            (v128.and (local.get $m1) (f64x2.ge (local.get $d) (v128.const f64x2 0 0))))
          (v128.and (local.get $s1) (local.get $m2))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  ;; ---- smooth_l1

  (func (export "smooth_l1_sum")
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
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.div (f32x4.mul (f32x4.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f32x4.sub (local.get $z) (local.get $s1))
          (f32x4.lt (local.get $z) (local.get $s0))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.div (f32x4.mul (f32x4.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f32x4.sub (local.get $z) (local.get $s1))
          (f32x4.lt (local.get $z) (local.get $s0))))
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
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.div (f32x4.mul (f32x4.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f32x4.sub (local.get $z) (local.get $s1))
          (f32x4.lt (local.get $z) (local.get $s0))))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "smooth_l1_grad")
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
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.div (f32x4.mul (f32x4.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f32x4.sub (local.get $z) (local.get $s1))
          (f32x4.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -beta ? -outer : d >= beta ? outer : norm * d * gradOutput / beta
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput
        (local.set $g (v128.bitselect
          (f32x4.neg (f32x4.mul (local.get $s2) (local.get $s3)))
          (v128.bitselect
            (f32x4.mul (local.get $s2) (local.get $s3))
            (f32x4.div (f32x4.mul (f32x4.mul (local.get $s2) (local.get $d))
              (local.get $s3)) (local.get $s0))
            (f32x4.ge (local.get $d) (local.get $s0)))
          (f32x4.le (local.get $d) (f32x4.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.div (f32x4.mul (f32x4.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f32x4.sub (local.get $z) (local.get $s1))
          (f32x4.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -beta ? -outer : d >= beta ? outer : norm * d * gradOutput / beta
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput
        (local.set $g (v128.bitselect
          (f32x4.neg (f32x4.mul (local.get $s2) (local.get $s3)))
          (v128.bitselect
            (f32x4.mul (local.get $s2) (local.get $s3))
            (f32x4.div (f32x4.mul (f32x4.mul (local.get $s2) (local.get $d))
              (local.get $s3)) (local.get $s0))
            (f32x4.ge (local.get $d) (local.get $s0)))
          (f32x4.le (local.get $d) (f32x4.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.div (f32x4.mul (f32x4.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f32x4.sub (local.get $z) (local.get $s1))
          (f32x4.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -beta ? -outer : d >= beta ? outer : norm * d * gradOutput / beta
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput
        (local.set $g (v128.bitselect
          (f32x4.neg (f32x4.mul (local.get $s2) (local.get $s3)))
          (v128.bitselect
            (f32x4.mul (local.get $s2) (local.get $s3))
            (f32x4.div (f32x4.mul (f32x4.mul (local.get $s2) (local.get $d))
              (local.get $s3)) (local.get $s0))
            (f32x4.ge (local.get $d) (local.get $s0)))
          (f32x4.le (local.get $d) (f32x4.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "smooth_l1_sum64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.div (f64x2.mul (f64x2.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f64x2.sub (local.get $z) (local.get $s1))
          (f64x2.lt (local.get $z) (local.get $s0))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.div (f64x2.mul (f64x2.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f64x2.sub (local.get $z) (local.get $s1))
          (f64x2.lt (local.get $z) (local.get $s0))))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.div (f64x2.mul (f64x2.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f64x2.sub (local.get $z) (local.get $s1))
          (f64x2.lt (local.get $z) (local.get $s0))))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  (func (export "smooth_l1_grad64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.div (f64x2.mul (f64x2.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f64x2.sub (local.get $z) (local.get $s1))
          (f64x2.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -beta ? -outer : d >= beta ? outer : norm * d * gradOutput / beta
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput
        (local.set $g (v128.bitselect
          (f64x2.neg (f64x2.mul (local.get $s2) (local.get $s3)))
          (v128.bitselect
            (f64x2.mul (local.get $s2) (local.get $s3))
            (f64x2.div (f64x2.mul (f64x2.mul (local.get $s2) (local.get $d))
              (local.get $s3)) (local.get $s0))
            (f64x2.ge (local.get $d) (local.get $s0)))
          (f64x2.le (local.get $d) (f64x2.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.div (f64x2.mul (f64x2.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f64x2.sub (local.get $z) (local.get $s1))
          (f64x2.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -beta ? -outer : d >= beta ? outer : norm * d * gradOutput / beta
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput
        (local.set $g (v128.bitselect
          (f64x2.neg (f64x2.mul (local.get $s2) (local.get $s3)))
          (v128.bitselect
            (f64x2.mul (local.get $s2) (local.get $s3))
            (f64x2.div (f64x2.mul (f64x2.mul (local.get $s2) (local.get $d))
              (local.get $s3)) (local.get $s0))
            (f64x2.ge (local.get $d) (local.get $s0)))
          (f64x2.le (local.get $d) (f64x2.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.div (f64x2.mul (f64x2.mul (local.get $half) (local.get $z))
            (local.get $z)) (local.get $s0))
          (f64x2.sub (local.get $z) (local.get $s1))
          (f64x2.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -beta ? -outer : d >= beta ? outer : norm * d * gradOutput / beta
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput
        (local.set $g (v128.bitselect
          (f64x2.neg (f64x2.mul (local.get $s2) (local.get $s3)))
          (v128.bitselect
            (f64x2.mul (local.get $s2) (local.get $s3))
            (f64x2.div (f64x2.mul (f64x2.mul (local.get $s2) (local.get $d))
              (local.get $s3)) (local.get $s0))
            (f64x2.ge (local.get $d) (local.get $s0)))
          (f64x2.le (local.get $d) (f64x2.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  ;; ---- huber

  (func (export "huber_sum")
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
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.mul (f32x4.mul (local.get $half) (local.get $z)) (local.get $z))
          (f32x4.mul (local.get $s0)
            (f32x4.sub (local.get $z) (local.get $s1)))
          (f32x4.lt (local.get $z) (local.get $s0))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.mul (f32x4.mul (local.get $half) (local.get $z)) (local.get $z))
          (f32x4.mul (local.get $s0)
            (f32x4.sub (local.get $z) (local.get $s1)))
          (f32x4.lt (local.get $z) (local.get $s0))))
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
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.mul (f32x4.mul (local.get $half) (local.get $z)) (local.get $z))
          (f32x4.mul (local.get $s0)
            (f32x4.sub (local.get $z) (local.get $s1)))
          (f32x4.lt (local.get $z) (local.get $s0))))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "huber_grad")
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
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.mul (f32x4.mul (local.get $half) (local.get $z)) (local.get $z))
          (f32x4.mul (local.get $s0)
            (f32x4.sub (local.get $z) (local.get $s1)))
          (f32x4.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -delta ? -outer : d >= delta ? outer : norm * d * gradOutput
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput * delta
        (local.set $z (f32x4.mul (f32x4.mul (local.get $s2)
          (local.get $s3)) (local.get $s0)))
        (local.set $g (v128.bitselect
          (f32x4.neg (local.get $z))
          (v128.bitselect
            (local.get $z)
            (f32x4.mul (f32x4.mul (local.get $s2) (local.get $d))
              (local.get $s3))
            (f32x4.ge (local.get $d) (local.get $s0)))
          (f32x4.le (local.get $d) (f32x4.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.mul (f32x4.mul (local.get $half) (local.get $z)) (local.get $z))
          (f32x4.mul (local.get $s0)
            (f32x4.sub (local.get $z) (local.get $s1)))
          (f32x4.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -delta ? -outer : d >= delta ? outer : norm * d * gradOutput
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput * delta
        (local.set $z (f32x4.mul (f32x4.mul (local.get $s2)
          (local.get $s3)) (local.get $s0)))
        (local.set $g (v128.bitselect
          (f32x4.neg (local.get $z))
          (v128.bitselect
            (local.get $z)
            (f32x4.mul (f32x4.mul (local.get $s2) (local.get $d))
              (local.get $s3))
            (f32x4.ge (local.get $d) (local.get $s0)))
          (f32x4.le (local.get $d) (f32x4.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.mul (f32x4.mul (local.get $half) (local.get $z)) (local.get $z))
          (f32x4.mul (local.get $s0)
            (f32x4.sub (local.get $z) (local.get $s1)))
          (f32x4.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -delta ? -outer : d >= delta ? outer : norm * d * gradOutput
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput * delta
        (local.set $z (f32x4.mul (f32x4.mul (local.get $s2)
          (local.get $s3)) (local.get $s0)))
        (local.set $g (v128.bitselect
          (f32x4.neg (local.get $z))
          (v128.bitselect
            (local.get $z)
            (f32x4.mul (f32x4.mul (local.get $s2) (local.get $d))
              (local.get $s3))
            (f32x4.ge (local.get $d) (local.get $s0)))
          (f32x4.le (local.get $d) (f32x4.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "huber_sum64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.mul (f64x2.mul (local.get $half) (local.get $z)) (local.get $z))
          (f64x2.mul (local.get $s0)
            (f64x2.sub (local.get $z) (local.get $s1)))
          (f64x2.lt (local.get $z) (local.get $s0))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.mul (f64x2.mul (local.get $half) (local.get $z)) (local.get $z))
          (f64x2.mul (local.get $s0)
            (f64x2.sub (local.get $z) (local.get $s1)))
          (f64x2.lt (local.get $z) (local.get $s0))))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.mul (f64x2.mul (local.get $half) (local.get $z)) (local.get $z))
          (f64x2.mul (local.get $s0)
            (f64x2.sub (local.get $z) (local.get $s1)))
          (f64x2.lt (local.get $z) (local.get $s0))))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  (func (export "huber_grad64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.mul (f64x2.mul (local.get $half) (local.get $z)) (local.get $z))
          (f64x2.mul (local.get $s0)
            (f64x2.sub (local.get $z) (local.get $s1)))
          (f64x2.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -delta ? -outer : d >= delta ? outer : norm * d * gradOutput
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput * delta
        (local.set $z (f64x2.mul (f64x2.mul (local.get $s2)
          (local.get $s3)) (local.get $s0)))
        (local.set $g (v128.bitselect
          (f64x2.neg (local.get $z))
          (v128.bitselect
            (local.get $z)
            (f64x2.mul (f64x2.mul (local.get $s2) (local.get $d))
              (local.get $s3))
            (f64x2.ge (local.get $d) (local.get $s0)))
          (f64x2.le (local.get $d) (f64x2.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.mul (f64x2.mul (local.get $half) (local.get $z)) (local.get $z))
          (f64x2.mul (local.get $s0)
            (f64x2.sub (local.get $z) (local.get $s1)))
          (f64x2.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -delta ? -outer : d >= delta ? outer : norm * d * gradOutput
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput * delta
        (local.set $z (f64x2.mul (f64x2.mul (local.get $s2)
          (local.get $s3)) (local.get $s0)))
        (local.set $g (v128.bitselect
          (f64x2.neg (local.get $z))
          (v128.bitselect
            (local.get $z)
            (f64x2.mul (f64x2.mul (local.get $s2) (local.get $d))
              (local.get $s3))
            (f64x2.ge (local.get $d) (local.get $s0)))
          (f64x2.le (local.get $d) (f64x2.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f64x2.sub (local.get $x) (local.get $y)))
        (local.set $z (f64x2.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f64x2.mul (f64x2.mul (local.get $half) (local.get $z)) (local.get $z))
          (f64x2.mul (local.get $s0)
            (f64x2.sub (local.get $z) (local.get $s1)))
          (f64x2.lt (local.get $z) (local.get $s0))))
        ;; g = d <= -delta ? -outer : d >= delta ? outer : norm * d * gradOutput
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput * delta
        (local.set $z (f64x2.mul (f64x2.mul (local.get $s2)
          (local.get $s3)) (local.get $s0)))
        (local.set $g (v128.bitselect
          (f64x2.neg (local.get $z))
          (v128.bitselect
            (local.get $z)
            (f64x2.mul (f64x2.mul (local.get $s2) (local.get $d))
              (local.get $s3))
            (f64x2.ge (local.get $d) (local.get $s0)))
          (f64x2.le (local.get $d) (f64x2.neg (local.get $s0)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  ;; ---- margin_ranking

  (func (export "margin_ranking_sum")
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
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f32x4.add (f32x4.mul (f32x4.neg (local.get $z))
          (f32x4.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f32x4.add (f32x4.mul (f32x4.neg (local.get $z))
          (f32x4.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))))
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
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f32x4.add (f32x4.mul (f32x4.neg (local.get $z))
          (f32x4.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "margin_ranking_grad")
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
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f32x4.add (f32x4.mul (f32x4.neg (local.get $z))
          (f32x4.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))))
        ;; g = (v >= 0 ? gs : 0) * -y ; p1 = gs
        (local.set $g (f32x4.mul
          (v128.and (local.get $s1)
            (f32x4.ge (local.get $d) (v128.const f32x4 0 0 0 0)))
          (f32x4.neg (local.get $z))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f32x4.add (f32x4.mul (f32x4.neg (local.get $z))
          (f32x4.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))))
        ;; g = (v >= 0 ? gs : 0) * -y ; p1 = gs
        (local.set $g (f32x4.mul
          (v128.and (local.get $s1)
            (f32x4.ge (local.get $d) (v128.const f32x4 0 0 0 0)))
          (f32x4.neg (local.get $z))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f32x4.add (f32x4.mul (f32x4.neg (local.get $z))
          (f32x4.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))))
        ;; g = (v >= 0 ? gs : 0) * -y ; p1 = gs
        (local.set $g (f32x4.mul
          (v128.and (local.get $s1)
            (f32x4.ge (local.get $d) (v128.const f32x4 0 0 0 0)))
          (f32x4.neg (local.get $z))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
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
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  (func (export "margin_ranking_sum64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f64x2.add (f64x2.mul (f64x2.neg (local.get $z))
          (f64x2.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f64x2.lt (local.get $d) (v128.const f64x2 0 0))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f64x2.add (f64x2.mul (f64x2.neg (local.get $z))
          (f64x2.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f64x2.lt (local.get $d) (v128.const f64x2 0 0))))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f64x2.add (f64x2.mul (f64x2.neg (local.get $z))
          (f64x2.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f64x2.lt (local.get $d) (v128.const f64x2 0 0))))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  (func (export "margin_ranking_grad64")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f64) (param $p1 f64) (param $p2 f64) (param $p3 f64) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128) (local $lo v128) (local $lo1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half v128) (local $one v128) (local $minus_one v128)
    (local.set $s0 (f64x2.splat (local.get $p0)))
    (local.set $s1 (f64x2.splat (local.get $p1)))
    (local.set $s2 (f64x2.splat (local.get $p2)))
    (local.set $s3 (f64x2.splat (local.get $p3)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $minus_one (v128.const f64x2 -1 -1))
    ;; 4 elements a round, 2 vectors, each into its own accumulator
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f64x2.add (f64x2.mul (f64x2.neg (local.get $z))
          (f64x2.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f64x2.lt (local.get $d) (v128.const f64x2 0 0))))
        ;; g = (v >= 0 ? gs : 0) * -y ; p1 = gs
        (local.set $g (f64x2.mul
          (v128.and (local.get $s1)
            (f64x2.ge (local.get $d) (v128.const f64x2 0 0)))
          (f64x2.neg (local.get $z))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f64x2.add (f64x2.mul (f64x2.neg (local.get $z))
          (f64x2.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f64x2.lt (local.get $d) (v128.const f64x2 0 0))))
        ;; g = (v >= 0 ? gs : 0) * -y ; p1 = gs
        (local.set $g (f64x2.mul
          (v128.and (local.get $s1)
            (f64x2.ge (local.get $d) (v128.const f64x2 0 0)))
          (f64x2.neg (local.get $z))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f64x2.add (f64x2.mul (f64x2.neg (local.get $z))
          (f64x2.sub (local.get $x) (local.get $y))) (local.get $s0)))
        (local.set $l (v128.andnot (local.get $d)
          (f64x2.lt (local.get $d) (v128.const f64x2 0 0))))
        ;; g = (v >= 0 ? gs : 0) * -y ; p1 = gs
        (local.set $g (f64x2.mul
          (v128.and (local.get $s1)
            (f64x2.ge (local.get $d) (v128.const f64x2 0 0)))
          (f64x2.neg (local.get $z))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))
)
