;; Row kernels of the float32 2-norm distance ||x1 - x2 + eps||_2 over rows of `size`
;; elements, and of its gradient (losses/_cpu/norm_rows.ts drives them block by block).
;; Every elementwise step is float32 (f32x4), as PyTorch's float32 ops round them; the sum
;; of squares is float64 (two f64x2 accumulators), rounded once to float32.
;; Pointers are byte offsets into the kernel arena's memory (rows are read, and gradients
;; written, where they are); no kernel reads or writes past the rows it is given.
(module
  ;; the kernel arena's memory (losses/_core/arena.ts), as wasm/softmax.wat's
  (import "env" "memory" (memory 1 16385 shared))

  ;; out[j] = ||x1[j] - x2[j] + eps||_2 for `rows` rows: the float64 sum of the float32
  ;; squares of (x1 - x2 + eps), two f64x2 accumulators, then a float32 square root.
  (func (export "norms2")
    (param $x1 i32) (param $x2 i32) (param $rows i32) (param $size i32) (param $eps f32)
    (param $out i32)
    (local $j i32) (local $stride i32) (local $k i32) (local $e v128) (local $v v128)
    (local $acc0 v128) (local $acc1 v128) (local $s f64) (local $w f32)
    (local.set $stride (i32.shl (local.get $size) (i32.const 2)))
    (local.set $e (f32x4.splat (local.get $eps)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $j) (local.get $rows)))
        (local.set $k (i32.const 0))
        (local.set $acc0 (v128.const f64x2 0 0))
        (local.set $acc1 (v128.const f64x2 0 0))
        (local.set $s (f64.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $size)))
            (local.set $v
              (f32x4.add
                (f32x4.sub
                  (v128.load (i32.add (local.get $x1) (i32.shl (local.get $k) (i32.const 2))))
                  (v128.load (i32.add (local.get $x2) (i32.shl (local.get $k) (i32.const 2)))))
                (local.get $e)))
            (local.set $v (f32x4.mul (local.get $v) (local.get $v)))
            (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $acc1
              (f64x2.add (local.get $acc1)
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $v) (local.get $v)))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_s (local.get $k) (local.get $size)))
            (local.set $w
              (f32.add
                (f32.sub
                  (f32.load (i32.add (local.get $x1) (i32.shl (local.get $k) (i32.const 2))))
                  (f32.load (i32.add (local.get $x2) (i32.shl (local.get $k) (i32.const 2)))))
                (local.get $eps)))
            (local.set $s
              (f64.add (local.get $s) (f64.promote_f32 (f32.mul (local.get $w) (local.get $w)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $tail)))
        (local.set $acc0 (f64x2.add (local.get $acc0) (local.get $acc1)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
          (f32.sqrt (f32.demote_f64
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0)))
              (local.get $s)))))
        (local.set $x1 (i32.add (local.get $x1) (local.get $stride)))
        (local.set $x2 (i32.add (local.get $x2) (local.get $stride)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $row))))

  ;; The norms of two distances from one anchor, reading it once: pos[j] = ||a[j] - p[j] +
  ;; eps||_2 and neg[j] = ||a[j] - n[j] + eps||_2, as norms2 computes each.
  (func (export "norms2_pair")
    (param $a i32) (param $p i32) (param $n i32) (param $rows i32) (param $size i32)
    (param $eps f32) (param $pos i32) (param $neg i32)
    (local $j i32) (local $stride i32) (local $k i32) (local $off i32) (local $e v128)
    (local $x v128) (local $v v128) (local $w v128) (local $p0 v128) (local $p1 v128)
    (local $n0 v128) (local $n1 v128) (local $sp f64) (local $sn f64) (local $xa f32)
    (local $fv f32) (local $fw f32)
    (local.set $stride (i32.shl (local.get $size) (i32.const 2)))
    (local.set $e (f32x4.splat (local.get $eps)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $j) (local.get $rows)))
        (local.set $k (i32.const 0))
        (local.set $p0 (v128.const f64x2 0 0))
        (local.set $p1 (v128.const f64x2 0 0))
        (local.set $n0 (v128.const f64x2 0 0))
        (local.set $n1 (v128.const f64x2 0 0))
        (local.set $sp (f64.const 0))
        (local.set $sn (f64.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $size)))
            (local.set $off (i32.shl (local.get $k) (i32.const 2)))
            (local.set $x (v128.load (i32.add (local.get $a) (local.get $off))))
            (local.set $v
              (f32x4.add
                (f32x4.sub (local.get $x) (v128.load (i32.add (local.get $p) (local.get $off))))
                (local.get $e)))
            (local.set $w
              (f32x4.add
                (f32x4.sub (local.get $x) (v128.load (i32.add (local.get $n) (local.get $off))))
                (local.get $e)))
            (local.set $v (f32x4.mul (local.get $v) (local.get $v)))
            (local.set $w (f32x4.mul (local.get $w) (local.get $w)))
            (local.set $p0 (f64x2.add (local.get $p0) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $p1
              (f64x2.add (local.get $p1)
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $v) (local.get $v)))))
            (local.set $n0 (f64x2.add (local.get $n0) (f64x2.promote_low_f32x4 (local.get $w))))
            (local.set $n1
              (f64x2.add (local.get $n1)
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $w) (local.get $w)))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_s (local.get $k) (local.get $size)))
            (local.set $off (i32.shl (local.get $k) (i32.const 2)))
            (local.set $xa (f32.load (i32.add (local.get $a) (local.get $off))))
            (local.set $fv
              (f32.add (f32.sub (local.get $xa) (f32.load (i32.add (local.get $p) (local.get $off))))
                (local.get $eps)))
            (local.set $fw
              (f32.add (f32.sub (local.get $xa) (f32.load (i32.add (local.get $n) (local.get $off))))
                (local.get $eps)))
            (local.set $sp
              (f64.add (local.get $sp) (f64.promote_f32 (f32.mul (local.get $fv) (local.get $fv)))))
            (local.set $sn
              (f64.add (local.get $sn) (f64.promote_f32 (f32.mul (local.get $fw) (local.get $fw)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $tail)))
        (local.set $p0 (f64x2.add (local.get $p0) (local.get $p1)))
        (local.set $n0 (f64x2.add (local.get $n0) (local.get $n1)))
        (f32.store (i32.add (local.get $pos) (i32.shl (local.get $j) (i32.const 2)))
          (f32.sqrt (f32.demote_f64
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $p0)) (f64x2.extract_lane 1 (local.get $p0)))
              (local.get $sp)))))
        (f32.store (i32.add (local.get $neg) (i32.shl (local.get $j) (i32.const 2)))
          (f32.sqrt (f32.demote_f64
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $n0)) (f64x2.extract_lane 1 (local.get $n0)))
              (local.get $sn)))))
        (local.set $a (i32.add (local.get $a) (local.get $stride)))
        (local.set $p (i32.add (local.get $p) (local.get $stride)))
        (local.set $n (i32.add (local.get $n) (local.get $stride)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $row))))

  ;; out[k] = sign * (g[j] * ((x1[k] - x2[k] + eps) / norms[j])), 0 * g[j] where norms[j] is
  ;; 0; added to out[k] instead when `accumulate` is not 0.
  (func (export "grad2")
    (param $x1 i32) (param $x2 i32) (param $rows i32) (param $size i32) (param $eps f32)
    (param $norms i32) (param $g i32) (param $sign f32) (param $out i32) (param $accumulate i32)
    (local $j i32) (local $k i32) (local $off i32) (local $n f32) (local $gj f32)
    (local $e v128) (local $vn v128) (local $vg v128) (local $mask v128) (local $t v128)
    (local $w f32) (local $tw f32)
    (local.set $e (f32x4.splat (local.get $eps)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $j) (local.get $rows)))
        (local.set $n (f32.load (i32.add (local.get $norms) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $gj
          (f32.mul (local.get $sign)
            (f32.load (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $vn (f32x4.splat (local.get $n)))
        (local.set $vg (f32x4.splat (local.get $gj)))
        ;; all ones where the norm is not 0 (nan included), so that v / 0 becomes 0
        (local.set $mask (v128.not (f32x4.eq (local.get $vn) (v128.const f32x4 0 0 0 0))))
        (local.set $k (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $size)))
            (local.set $off (i32.shl (local.get $k) (i32.const 2)))
            (local.set $t
              (f32x4.mul (local.get $vg)
                (v128.and (local.get $mask)
                  (f32x4.div
                    (f32x4.add
                      (f32x4.sub
                        (v128.load (i32.add (local.get $x1) (local.get $off)))
                        (v128.load (i32.add (local.get $x2) (local.get $off))))
                      (local.get $e))
                    (local.get $vn)))))
            (if (local.get $accumulate)
              (then
                (local.set $t
                  (f32x4.add (v128.load (i32.add (local.get $out) (local.get $off))) (local.get $t)))))
            (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $t))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_s (local.get $k) (local.get $size)))
            (local.set $off (i32.shl (local.get $k) (i32.const 2)))
            (local.set $w
              (f32.add
                (f32.sub
                  (f32.load (i32.add (local.get $x1) (local.get $off)))
                  (f32.load (i32.add (local.get $x2) (local.get $off))))
                (local.get $eps)))
            (local.set $tw
              (f32.mul (local.get $gj)
                (select (f32.const 0) (f32.div (local.get $w) (local.get $n))
                  (f32.eq (local.get $n) (f32.const 0)))))
            (if (local.get $accumulate)
              (then
                (local.set $tw
                  (f32.add (f32.load (i32.add (local.get $out) (local.get $off))) (local.get $tw)))))
            (f32.store (i32.add (local.get $out) (local.get $off)) (local.get $tw))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $tail)))
        (local.set $x1 (i32.add (local.get $x1) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $x2 (i32.add (local.get $x2) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $row))))
)
