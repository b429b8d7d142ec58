;; Row kernels for softmax, log-softmax and cross-entropy, in float32 (f32x4) and float64
;; (f64x2). A block of `rows` rows of `cols` elements sits row-major at byte offset `x`;
;; per-row numbers (`stats`, `coef`) are float64. The vector exp is a range reduction to
;; r = x - k·ln2 in [-ln2/2, ln2/2], a polynomial for exp(r), and a scale by 2^k applied in
;; two halves so that subnormal results round once and 2^128 / 2^1024 overflow to inf:
;;   float32: exp32's steps, which scripts/gen_explog_wat.py writes into exp_rows_f32 below
;;            (the same bits as explog.wat's exp_f32 and math32.ts's exp32: one definition);
;;   float64: Taylor to r^13 (truncation < 2^-57), ln2 split in two (fdlibm's).
;; nan gives nan, -inf gives 0, +inf gives inf. Accuracy is tested in losses/_cpu/row_kernels_test.ts.
(module
  (memory (export "memory") 1)

  ;; ---- row maximum ---------------------------------------------------------------------
  ;; the maximum of n float32 at p, -inf for n = 0; a nan may be skipped (exp(nan - m) is nan
  ;; whatever m is, so such a row still sums to nan)
  (func $max_f32 (param $p i32) (param $n i32) (result f32)
    (local $end i32) (local $v v128) (local $m f32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $v (v128.const f32x4 -inf -inf -inf -inf))
    (block $done (loop $vec
      (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
      (local.set $v (f32x4.pmax (local.get $v) (v128.load align=4 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $vec)))
    (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
                           (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $m (f32.max (local.get $m) (f32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $tail)))
    (local.get $m))

  (func $max_f64 (param $p i32) (param $n i32) (result f64)
    (local $end i32) (local $v v128) (local $m f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $v (v128.const f64x2 -inf -inf))
    (block $done (loop $vec
      (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
      (local.set $v (f64x2.pmax (local.get $v) (v128.load align=8 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $vec)))
    (local.set $m (f64.max (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then (local.set $m (f64.max (local.get $m) (f64.load (local.get $p))))))
    (local.get $m))

  ;; ---- begin: written by scripts/gen_explog_wat.py (exp_rows_f32), edit it there ----
  (func (export "exp_rows_f32") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $stats i32) (param $withMax i32)
    (local $i i32) (local $m f32) (local $mv v128) (local $a0 v128) (local $a1 v128)
    (local $iota v128) (local $iota4 v128) (local $ninf v128) (local $colsv v128)
    (local $a_x v128) (local $a_xh v128) (local $a_xc v128) (local $a_t v128) (local $a_k v128) (local $a_rhi v128) (local $a_rlo v128) (local $a_r v128) (local $a_p0 v128) (local $a_p1 v128) (local $a_p2 v128) (local $a_p3 v128) (local $a_p4 v128) (local $a_q v128) (local $a_tb v128) (local $a_k1 v128) (local $a_s1 v128) (local $a_s2 v128) (local $a_result v128) (local $b_x v128) (local $b_xh v128) (local $b_xc v128) (local $b_t v128) (local $b_k v128) (local $b_rhi v128) (local $b_rlo v128) (local $b_r v128) (local $b_p0 v128) (local $b_p1 v128) (local $b_p2 v128) (local $b_p3 v128) (local $b_p4 v128) (local $b_q v128) (local $b_tb v128) (local $b_k1 v128) (local $b_s1 v128) (local $b_s2 v128) (local $b_result v128)
    (local $k0 v128) (local $k1 v128) (local $k2 v128) (local $k3 v128) (local $k4 v128) (local $k5 v128) (local $k6 v128) (local $k7 v128) (local $k8 v128) (local $k9 v128) (local $k10 v128) (local $k11 v128) (local $k12 v128) (local $k13 v128)
    (local.set $k0 (f32x4.splat (f32.const 89.0)))
    (local.set $k1 (f32x4.splat (f32.const -104.0)))
    (local.set $k2 (f32x4.splat (f32.const 1.4426950216293335)))
    (local.set $k3 (f32x4.splat (f32.const 12582912.0)))
    (local.set $k4 (f32x4.splat (f32.const 0.693359375)))
    (local.set $k5 (f32x4.splat (f32.const 0.00021219444170128554)))
    (local.set $k6 (f32x4.splat (f32.const 0.00019875691214110702)))
    (local.set $k7 (f32x4.splat (f32.const 0.001398199936375022)))
    (local.set $k8 (f32x4.splat (f32.const 0.008333452045917511)))
    (local.set $k9 (f32x4.splat (f32.const 0.04166579619050026)))
    (local.set $k10 (f32x4.splat (f32.const 0.1666666567325592)))
    (local.set $k11 (f32x4.splat (f32.const 0.5)))
    (local.set $k12 (f32x4.splat (f32.const 1.0)))
    (local.set $k13 (i32x4.splat (i32.const 1065353216)))
    (local.set $iota (v128.const i32x4 0 1 2 3))
    (local.set $iota4 (v128.const i32x4 4 5 6 7))
    (local.set $ninf (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $colsv (i32x4.splat (local.get $cols)))
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (local.set $m (f32.const 0))
      (if (local.get $withMax) (then (local.set $m (call $max_f32 (local.get $x) (local.get $cols)))))
      (local.set $mv (f32x4.splat (local.get $m)))
      (local.set $a0 (v128.const f64x2 0 0))
      (local.set $a1 (v128.const f64x2 0 0))
      (local.set $i (i32.const 0))
      (block $done (loop $vec
        (br_if $done (i32.ge_s (local.get $i) (local.get $cols)))
        ;; two vectors of x - m, lanes at or past the row's end set to -inf
        (local.set $a_x (v128.bitselect
          (f32x4.sub (v128.load align=4 (local.get $x)) (local.get $mv))
          (local.get $ninf)
          (i32x4.lt_s (i32x4.add (local.get $iota) (i32x4.splat (local.get $i))) (local.get $colsv))))
        (local.set $b_x (v128.bitselect
          (f32x4.sub (v128.load offset=16 align=4 (local.get $x)) (local.get $mv))
          (local.get $ninf)
          (i32x4.lt_s (i32x4.add (local.get $iota4) (i32x4.splat (local.get $i))) (local.get $colsv))))
        ;; exp32's steps, for each (the two chains interleave)
        (local.set $a_xh (f32x4.pmin (local.get $a_x) (local.get $k0)))
        (local.set $a_xc (f32x4.pmax (local.get $a_xh) (local.get $k1)))
        (local.set $a_t (f32x4.add (f32x4.mul (local.get $a_xc) (local.get $k2)) (local.get $k3)))
        (local.set $a_k (f32x4.sub (local.get $a_t) (local.get $k3)))
        (local.set $a_rhi (f32x4.sub (local.get $a_xc) (f32x4.mul (local.get $a_k) (local.get $k4))))
        (local.set $a_rlo (f32x4.mul (local.get $a_k) (local.get $k5)))
        (local.set $a_r (f32x4.add (local.get $a_rhi) (local.get $a_rlo)))
        (local.set $a_p0 (f32x4.add (f32x4.mul (local.get $k6) (local.get $a_r)) (local.get $k7)))
        (local.set $a_p1 (f32x4.add (f32x4.mul (local.get $a_p0) (local.get $a_r)) (local.get $k8)))
        (local.set $a_p2 (f32x4.add (f32x4.mul (local.get $a_p1) (local.get $a_r)) (local.get $k9)))
        (local.set $a_p3 (f32x4.add (f32x4.mul (local.get $a_p2) (local.get $a_r)) (local.get $k10)))
        (local.set $a_p4 (f32x4.add (f32x4.mul (local.get $a_p3) (local.get $a_r)) (local.get $k11)))
        (local.set $a_q (f32x4.add (local.get $k12) (f32x4.add (f32x4.add (local.get $a_rlo) (f32x4.mul (f32x4.mul (local.get $a_r) (local.get $a_r)) (local.get $a_p4))) (local.get $a_rhi))))
        (local.set $a_tb (local.get $a_t))
        (local.set $a_k1 (i32x4.shr_s (local.get $a_tb) (i32.const 1)))
        (local.set $a_s1 (i32x4.add (i32x4.shl (local.get $a_k1) (i32.const 23)) (local.get $k13)))
        (local.set $a_s2 (i32x4.add (i32x4.shl (i32x4.sub (local.get $a_tb) (local.get $a_k1)) (i32.const 23)) (local.get $k13)))
        (local.set $a_result (f32x4.mul (f32x4.mul (local.get $a_q) (local.get $a_s1)) (local.get $a_s2)))
        (local.set $b_xh (f32x4.pmin (local.get $b_x) (local.get $k0)))
        (local.set $b_xc (f32x4.pmax (local.get $b_xh) (local.get $k1)))
        (local.set $b_t (f32x4.add (f32x4.mul (local.get $b_xc) (local.get $k2)) (local.get $k3)))
        (local.set $b_k (f32x4.sub (local.get $b_t) (local.get $k3)))
        (local.set $b_rhi (f32x4.sub (local.get $b_xc) (f32x4.mul (local.get $b_k) (local.get $k4))))
        (local.set $b_rlo (f32x4.mul (local.get $b_k) (local.get $k5)))
        (local.set $b_r (f32x4.add (local.get $b_rhi) (local.get $b_rlo)))
        (local.set $b_p0 (f32x4.add (f32x4.mul (local.get $k6) (local.get $b_r)) (local.get $k7)))
        (local.set $b_p1 (f32x4.add (f32x4.mul (local.get $b_p0) (local.get $b_r)) (local.get $k8)))
        (local.set $b_p2 (f32x4.add (f32x4.mul (local.get $b_p1) (local.get $b_r)) (local.get $k9)))
        (local.set $b_p3 (f32x4.add (f32x4.mul (local.get $b_p2) (local.get $b_r)) (local.get $k10)))
        (local.set $b_p4 (f32x4.add (f32x4.mul (local.get $b_p3) (local.get $b_r)) (local.get $k11)))
        (local.set $b_q (f32x4.add (local.get $k12) (f32x4.add (f32x4.add (local.get $b_rlo) (f32x4.mul (f32x4.mul (local.get $b_r) (local.get $b_r)) (local.get $b_p4))) (local.get $b_rhi))))
        (local.set $b_tb (local.get $b_t))
        (local.set $b_k1 (i32x4.shr_s (local.get $b_tb) (i32.const 1)))
        (local.set $b_s1 (i32x4.add (i32x4.shl (local.get $b_k1) (i32.const 23)) (local.get $k13)))
        (local.set $b_s2 (i32x4.add (i32x4.shl (i32x4.sub (local.get $b_tb) (local.get $b_k1)) (i32.const 23)) (local.get $k13)))
        (local.set $b_result (f32x4.mul (f32x4.mul (local.get $b_q) (local.get $b_s1)) (local.get $b_s2)))
        (v128.store align=4 (local.get $out) (local.get $a_result))
        (v128.store offset=16 align=4 (local.get $out) (local.get $b_result))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $a_result))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a_result) (local.get $a_result)))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $b_result))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b_result) (local.get $b_result)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br $vec)))
      ;; step back over the lanes past the row's end
      (local.set $x (i32.sub (local.get $x) (i32.shl (i32.sub (local.get $i) (local.get $cols)) (i32.const 2))))
      (local.set $out (i32.sub (local.get $out) (i32.shl (i32.sub (local.get $i) (local.get $cols)) (i32.const 2))))
      (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
      (f64.store (local.get $stats) (f64.promote_f32 (local.get $m)))
      (f64.store offset=8 (local.get $stats)
        (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
      (local.set $stats (i32.add (local.get $stats) (i32.const 16)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))
  ;; ---- end of what scripts/gen_explog_wat.py writes ----

  (func (export "exp_rows_f64") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $stats i32) (param $withMax i32)
    (local $i i32) (local $m f64) (local $mv v128) (local $a0 v128)
    (local $v v128) (local $k v128) (local $ki v128) (local $k1 v128) (local $r v128) (local $p v128)
    (local $colsv v128) (local $lo v128) (local $hi v128) (local $log2e v128) (local $magic v128)
    (local $ln2a v128) (local $ln2b v128) (local $c13 v128) (local $c12 v128) (local $c11 v128)
    (local $c10 v128) (local $c9 v128) (local $c8 v128) (local $c7 v128) (local $c6 v128)
    (local $c5 v128) (local $c4 v128) (local $c3 v128) (local $c2 v128) (local $one v128)
    (local $bias v128) (local $iota v128) (local $ninf v128)
    (local.set $lo (v128.const f64x2 -746 -746))
    (local.set $hi (v128.const f64x2 710 710))
    (local.set $log2e (v128.const f64x2 1.44269504088896338700 1.44269504088896338700))
    (local.set $magic (v128.const f64x2 6755399441055744 6755399441055744)) ;; 1.5 * 2^52
    (local.set $ln2a (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))
    (local.set $ln2b (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))
    (local.set $c13 (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10)) ;; 1/13!
    (local.set $c12 (v128.const f64x2 2.08767569878681e-9 2.08767569878681e-9))
    (local.set $c11 (v128.const f64x2 2.505210838544172e-8 2.505210838544172e-8))
    (local.set $c10 (v128.const f64x2 2.755731922398589e-7 2.755731922398589e-7))
    (local.set $c9 (v128.const f64x2 2.7557319223985893e-6 2.7557319223985893e-6))
    (local.set $c8 (v128.const f64x2 2.48015873015873e-5 2.48015873015873e-5))
    (local.set $c7 (v128.const f64x2 1.984126984126984e-4 1.984126984126984e-4))
    (local.set $c6 (v128.const f64x2 1.388888888888889e-3 1.388888888888889e-3))
    (local.set $c5 (v128.const f64x2 8.333333333333333e-3 8.333333333333333e-3))
    (local.set $c4 (v128.const f64x2 4.1666666666666664e-2 4.1666666666666664e-2))
    (local.set $c3 (v128.const f64x2 0.16666666666666666 0.16666666666666666))
    (local.set $c2 (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $bias (v128.const i64x2 1023 1023))
    (local.set $iota (v128.const i64x2 0 1))
    (local.set $ninf (v128.const f64x2 -inf -inf))
    (local.set $colsv (i64x2.splat (i64.extend_i32_s (local.get $cols))))
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (local.set $m (f64.const 0))
      (if (local.get $withMax) (then (local.set $m (call $max_f64 (local.get $x) (local.get $cols)))))
      (local.set $mv (f64x2.splat (local.get $m)))
      (local.set $a0 (v128.const f64x2 0 0))
      (local.set $i (i32.const 0))
      (block $done (loop $vec
        (br_if $done (i32.ge_s (local.get $i) (local.get $cols)))
        (local.set $v (v128.bitselect
          (f64x2.sub (v128.load align=8 (local.get $x)) (local.get $mv))
          (local.get $ninf)
          (i64x2.lt_s (i64x2.add (local.get $iota) (i64x2.splat (i64.extend_i32_s (local.get $i))))
                      (local.get $colsv))))
        (local.set $v (f64x2.pmin (f64x2.pmax (local.get $v) (local.get $lo)) (local.get $hi)))
        ;; k = round(v / ln2) by adding 1.5 * 2^52, whose low bits then hold k
        (local.set $ki (f64x2.add (f64x2.mul (local.get $v) (local.get $log2e)) (local.get $magic)))
        (local.set $k (f64x2.sub (local.get $ki) (local.get $magic)))
        (local.set $ki (i64x2.sub (local.get $ki) (local.get $magic)))
        (local.set $r (f64x2.sub (f64x2.sub (local.get $v) (f64x2.mul (local.get $k) (local.get $ln2a)))
                                 (f64x2.mul (local.get $k) (local.get $ln2b))))
        ;; Taylor series to r^13, Horner
        (local.set $p (f64x2.add (f64x2.mul (local.get $c13) (local.get $r)) (local.get $c12)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c11)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c10)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c9)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c8)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c7)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c6)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c5)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c4)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c3)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $c2)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $one)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get $one)))
        (local.set $k1 (i64x2.shr_s (local.get $ki) (i32.const 1)))
        (local.set $p (f64x2.mul
          (f64x2.mul (local.get $p)
            (i64x2.shl (i64x2.add (local.get $k1) (local.get $bias)) (i32.const 52)))
          (i64x2.shl (i64x2.add (i64x2.sub (local.get $ki) (local.get $k1)) (local.get $bias))
                     (i32.const 52))))
        (v128.store align=8 (local.get $out) (local.get $p))
        (local.set $a0 (f64x2.add (local.get $a0) (local.get $p)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $vec)))
      (local.set $x (i32.sub (local.get $x) (i32.shl (i32.sub (local.get $i) (local.get $cols)) (i32.const 3))))
      (local.set $out (i32.sub (local.get $out) (i32.shl (i32.sub (local.get $i) (local.get $cols)) (i32.const 3))))
      (f64.store (local.get $stats) (local.get $m))
      (f64.store offset=8 (local.get $stats)
        (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
      (local.set $stats (i32.add (local.get $stats) (i32.const 16)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  ;; ---- log1p for arguments in [0, 1] (softplus's log1p(exp(-|v|))) ------------------------
  ;; log1p(e) = 2 atanh(s), s = e / (2 + e) in [0, 1/3]: 2s (1 + s^2/3 + s^4/5 + ...), to
  ;; s^18/19 (truncation below 2^-30) in float64, for float32 results; exact at 0 and for tiny
  ;; e (2s rounds to e). Constants in locals, as in exp_rows. (Float64 callers use Math.log1p:
  ;; this series would need 17 terms and still miss by up to 3 ulps after s's two roundings.)
  ;; dst[i] = log1p(src[i]) for n float32 (in float64, rounded once), src in [0, 1]; two at a time (a last odd one
  ;; reads and writes one element past the end: the caller's slack)
  (func (export "log1p_f32") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $e v128) (local $s v128) (local $q v128) (local $p v128) (local $two v128)
    (local $one v128) (local $c9 v128) (local $c8 v128) (local $c7 v128) (local $c6 v128) (local $c5 v128) (local $c4 v128) (local $c3 v128) (local $c2 v128) (local $c1 v128)
    (local.set $two (v128.const f64x2 2 2))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $c9 (v128.const f64x2 0.05263157894736842 0.05263157894736842)) ;; 1/19
    (local.set $c8 (v128.const f64x2 0.058823529411764705 0.058823529411764705)) ;; 1/17
    (local.set $c7 (v128.const f64x2 0.06666666666666667 0.06666666666666667)) ;; 1/15
    (local.set $c6 (v128.const f64x2 0.07692307692307693 0.07692307692307693)) ;; 1/13
    (local.set $c5 (v128.const f64x2 0.09090909090909091 0.09090909090909091)) ;; 1/11
    (local.set $c4 (v128.const f64x2 0.1111111111111111 0.1111111111111111)) ;; 1/9
    (local.set $c3 (v128.const f64x2 0.14285714285714285 0.14285714285714285)) ;; 1/7
    (local.set $c2 (v128.const f64x2 0.2 0.2)) ;; 1/5
    (local.set $c1 (v128.const f64x2 0.3333333333333333 0.3333333333333333)) ;; 1/3
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $e (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $src))))
      (local.set $s (f64x2.div (local.get $e) (f64x2.add (local.get $e) (local.get $two))))
      (local.set $q (f64x2.mul (local.get $s) (local.get $s)))
        (local.set $p (local.get $c9))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $c8)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $c7)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $c6)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $c5)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $c4)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $c3)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $c2)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $c1)))
        (local.set $p (f64x2.mul (f64x2.add (local.get $s) (local.get $s))
          (f64x2.add (f64x2.mul (local.get $p) (local.get $q)) (local.get $one))))
      (v128.store64_lane align=4 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get $p)))
      (local.set $src (i32.add (local.get $src) (i32.const 8)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
      (br $vec))))

  ;; ---- per row: buf = buf · coef[r] (float64 product, rounded once) ---------------------
  (func (export "scale_rows_f32") (param $buf i32) (param $rows i32) (param $cols i32) (param $coef i32)
    (local $end i32) (local $c v128) (local $v v128)
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (local.set $c (v128.load64_splat (local.get $coef)))
      (local.set $end (i32.add (local.get $buf) (i32.shl (local.get $cols) (i32.const 2))))
      (block $done (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $buf) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load align=4 (local.get $buf)))
        (v128.store align=4 (local.get $buf) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (local.get $c)))
          (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
            (local.get $c)))))
        (local.set $buf (i32.add (local.get $buf) (i32.const 16)))
        (br $vec)))
      (block $tdone (loop $tail
        (br_if $tdone (i32.ge_u (local.get $buf) (local.get $end)))
        (f32.store (local.get $buf) (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (local.get $buf)))
          (f64x2.extract_lane 0 (local.get $c)))))
        (local.set $buf (i32.add (local.get $buf) (i32.const 4)))
        (br $tail)))
      (local.set $coef (i32.add (local.get $coef) (i32.const 8)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  (func (export "scale_rows_f64") (param $buf i32) (param $rows i32) (param $cols i32) (param $coef i32)
    (local $end i32) (local $c v128)
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (local.set $c (v128.load64_splat (local.get $coef)))
      (local.set $end (i32.add (local.get $buf) (i32.shl (local.get $cols) (i32.const 3))))
      (block $done (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $buf) (i32.const 16)) (local.get $end)))
        (v128.store align=8 (local.get $buf)
          (f64x2.mul (v128.load align=8 (local.get $buf)) (local.get $c)))
        (local.set $buf (i32.add (local.get $buf) (i32.const 16)))
        (br $vec)))
      (if (i32.lt_u (local.get $buf) (local.get $end))
        (then
          (f64.store (local.get $buf) (f64.mul (f64.load (local.get $buf))
            (f64x2.extract_lane 0 (local.get $c))))
          (local.set $buf (i32.add (local.get $buf) (i32.const 8)))))
      (local.set $coef (i32.add (local.get $coef) (i32.const 8)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  ;; ---- per row: out = x - sub[r] (float64 difference, rounded once) ---------------------
  (func (export "sub_rows_f32") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $sub i32)
    (local $end i32) (local $c v128) (local $v v128)
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (local.set $c (v128.load64_splat (local.get $sub)))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (block $done (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $x) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load align=4 (local.get $x)))
        (v128.store align=4 (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $c)))
          (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
            (local.get $c)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $vec)))
      (block $tdone (loop $tail
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $out) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $x)))
          (f64x2.extract_lane 0 (local.get $c)))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $tail)))
      (local.set $sub (i32.add (local.get $sub) (i32.const 8)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  (func (export "sub_rows_f64") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $sub i32)
    (local $end i32) (local $c v128)
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (local.set $c (v128.load64_splat (local.get $sub)))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 3))))
      (block $done (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $x) (i32.const 16)) (local.get $end)))
        (v128.store align=8 (local.get $out)
          (f64x2.sub (v128.load align=8 (local.get $x)) (local.get $c)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $vec)))
      (if (i32.lt_u (local.get $x) (local.get $end))
        (then
          (f64.store (local.get $out) (f64.sub (f64.load (local.get $x))
            (f64x2.extract_lane 0 (local.get $c))))
          (local.set $x (i32.add (local.get $x) (i32.const 8)))
          (local.set $out (i32.add (local.get $out) (i32.const 8)))))
      (local.set $sub (i32.add (local.get $sub) (i32.const 8)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  ;; ---- per-row sums for the backward passes (float32 rows; float64 rows use JavaScript) --
  ;; dst[r] = sum(x_r) or sum(x_r · y_r) in float64 (a product of two float32 is exact in
  ;; float64), the halves of each vector in two accumulators. $y = -1: the plain sum.
  (func (export "sum_rows_f32") (param $x i32) (param $y i32) (param $rows i32) (param $cols i32)
    (param $dst i32)
    (local $end i32) (local $v v128) (local $w v128) (local $a0 v128) (local $a1 v128) (local $s f64)
    (local $dot i32)
    (local.set $dot (i32.ne (local.get $y) (i32.const -1)))
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (local.set $a0 (v128.const f64x2 0 0))
      (local.set $a1 (v128.const f64x2 0 0))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (block $done (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $x) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load align=4 (local.get $x)))
        (local.set $w (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
        (local.set $v (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $w (f64x2.promote_low_f32x4 (local.get $w)))
        (if (local.get $dot) (then
          (local.set $v (f64x2.mul (local.get $v) (f64x2.promote_low_f32x4
            (v128.load align=4 (local.get $y)))))
          (local.set $w (f64x2.mul (local.get $w) (f64x2.promote_low_f32x4
            (v128.load64_zero offset=8 align=4 (local.get $y)))))
          (local.set $y (i32.add (local.get $y) (i32.const 16)))))
        (local.set $a0 (f64x2.add (local.get $a0) (local.get $v)))
        (local.set $a1 (f64x2.add (local.get $a1) (local.get $w)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $vec)))
      (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
      (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
      (block $tdone (loop $tail
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $end)))
        (if (local.get $dot)
          (then
            (local.set $s (f64.add (local.get $s) (f64.mul (f64.promote_f32 (f32.load (local.get $x)))
              (f64.promote_f32 (f32.load (local.get $y))))))
            (local.set $y (i32.add (local.get $y) (i32.const 4))))
          (else (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.load (local.get $x)))))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $tail)))
      (f64.store (local.get $dst) (local.get $s))
      (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  ;; ---- per row, float32: out = g - e · c[r] (log-softmax's gradient, e = exp(output)) or
  ;; out = e · (g - c[r]) (softmax's, e = output), each in float64 and rounded once ----------
  (func (export "grad_rows_f32") (param $g i32) (param $e i32) (param $out i32) (param $rows i32)
    (param $cols i32) (param $coef i32) (param $softmax i32)
    (local $end i32) (local $c v128) (local $gv v128) (local $ev v128) (local $lo v128) (local $hi v128)
    (local $gs f64) (local $es f64)
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (local.set $c (v128.load64_splat (local.get $coef)))
      (local.set $end (i32.add (local.get $g) (i32.shl (local.get $cols) (i32.const 2))))
      (block $done (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $g) (i32.const 16)) (local.get $end)))
        (local.set $gv (v128.load align=4 (local.get $g)))
        (local.set $ev (v128.load align=4 (local.get $e)))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $ev)))
        (local.set $hi (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $ev) (local.get $ev))))
        (local.set $ev (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv))))
        (local.set $gv (f64x2.promote_low_f32x4 (local.get $gv)))
        (if (local.get $softmax)
          (then
            (local.set $lo (f64x2.mul (local.get $lo) (f64x2.sub (local.get $gv) (local.get $c))))
            (local.set $hi (f64x2.mul (local.get $hi) (f64x2.sub (local.get $ev) (local.get $c)))))
          (else
            (local.set $lo (f64x2.sub (local.get $gv) (f64x2.mul (local.get $lo) (local.get $c))))
            (local.set $hi (f64x2.sub (local.get $ev) (f64x2.mul (local.get $hi) (local.get $c))))))
        (v128.store align=4 (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $e (i32.add (local.get $e) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $vec)))
      (block $tdone (loop $tail
        (br_if $tdone (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $gs (f64.promote_f32 (f32.load (local.get $g))))
        (local.set $es (f64.promote_f32 (f32.load (local.get $e))))
        (f32.store (local.get $out) (f32.demote_f64 (select
          (f64.mul (local.get $es) (f64.sub (local.get $gs) (f64x2.extract_lane 0 (local.get $c))))
          (f64.sub (local.get $gs) (f64.mul (local.get $es) (f64x2.extract_lane 0 (local.get $c))))
          (local.get $softmax))))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $e (i32.add (local.get $e) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $tail)))
      (local.set $coef (i32.add (local.get $coef) (i32.const 8)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))
)
