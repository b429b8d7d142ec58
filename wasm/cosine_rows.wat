;; Row kernels of the float32 cosine embedding loss (losses/cosine_embedding_loss.ts drives
;; them block by block): the three dot products of each row pair, and the gradient of one
;; input. Products are float32 (f32x4), as PyTorch's float32 ops round them; the sums are
;; float64. Pointers are byte offsets into the kernel arena's memory (rows are read, and
;; gradients written, where they are); neither kernel reads or writes past the rows it is given.
(module
  ;; the kernel arena's memory (losses/_core/arena.ts), as wasm/softmax.wat's
  (import "env" "memory" (memory 1 16385 shared))

  ;; For each row j: out[3j] = sum x1*x2, out[3j+1] = sum x1*x1, out[3j+2] = sum x2*x2
  ;; (float64), each product rounded to float32.
  (func (export "dots")
    (param $x1 i32) (param $x2 i32) (param $rows i32) (param $size i32) (param $out i32)
    (local $j i32) (local $k i32) (local $off i32) (local $a v128) (local $b v128) (local $t v128)
    (local $s12 v128) (local $s11 v128) (local $s22 v128) (local $fa f32) (local $fb f32)
    (local $r12 f64) (local $r11 f64) (local $r22 f64)
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $j) (local.get $rows)))
        (local.set $s12 (v128.const f64x2 0 0))
        (local.set $s11 (v128.const f64x2 0 0))
        (local.set $s22 (v128.const f64x2 0 0))
        (local.set $r12 (f64.const 0))
        (local.set $r11 (f64.const 0))
        (local.set $r22 (f64.const 0))
        (local.set $k (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $size)))
            (local.set $off (i32.shl (local.get $k) (i32.const 2)))
            (local.set $a (v128.load (i32.add (local.get $x1) (local.get $off))))
            (local.set $b (v128.load (i32.add (local.get $x2) (local.get $off))))
            (local.set $t (f32x4.mul (local.get $a) (local.get $b)))
            (local.set $s12 (f64x2.add (local.get $s12) (f64x2.add
              (f64x2.promote_low_f32x4 (local.get $t))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                (local.get $t) (local.get $t))))))
            (local.set $t (f32x4.mul (local.get $a) (local.get $a)))
            (local.set $s11 (f64x2.add (local.get $s11) (f64x2.add
              (f64x2.promote_low_f32x4 (local.get $t))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                (local.get $t) (local.get $t))))))
            (local.set $t (f32x4.mul (local.get $b) (local.get $b)))
            (local.set $s22 (f64x2.add (local.get $s22) (f64x2.add
              (f64x2.promote_low_f32x4 (local.get $t))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                (local.get $t) (local.get $t))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_s (local.get $k) (local.get $size)))
            (local.set $off (i32.shl (local.get $k) (i32.const 2)))
            (local.set $fa (f32.load (i32.add (local.get $x1) (local.get $off))))
            (local.set $fb (f32.load (i32.add (local.get $x2) (local.get $off))))
            (local.set $r12 (f64.add (local.get $r12) (f64.promote_f32 (f32.mul (local.get $fa) (local.get $fb)))))
            (local.set $r11 (f64.add (local.get $r11) (f64.promote_f32 (f32.mul (local.get $fa) (local.get $fa)))))
            (local.set $r22 (f64.add (local.get $r22) (f64.promote_f32 (f32.mul (local.get $fb) (local.get $fb)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $tail)))
        (f64.store (local.get $out) (f64.add (local.get $r12)
          (f64.add (f64x2.extract_lane 0 (local.get $s12)) (f64x2.extract_lane 1 (local.get $s12)))))
        (f64.store offset=8 (local.get $out) (f64.add (local.get $r11)
          (f64.add (f64x2.extract_lane 0 (local.get $s11)) (f64x2.extract_lane 1 (local.get $s11)))))
        (f64.store offset=16 (local.get $out) (f64.add (local.get $r22)
          (f64.add (f64x2.extract_lane 0 (local.get $s22)) (f64x2.extract_lane 1 (local.get $s22)))))
        (local.set $x1 (i32.add (local.get $x1) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $x2 (i32.add (local.get $x2) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.const 24)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $row))))

  ;; out[k] = c[2j] * other[k] + 2 * (c[2j+1] * self[k]) for row j, every step float32.
  (func (export "grad")
    (param $self i32) (param $other i32) (param $rows i32) (param $size i32) (param $c i32)
    (param $out i32)
    (local $j i32) (local $k i32) (local $off i32) (local $gp f32) (local $gm f32)
    (local $vp v128) (local $vm v128) (local $t v128) (local $w f32)
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $j) (local.get $rows)))
        (local.set $gp (f32.load (local.get $c)))
        (local.set $gm (f32.load offset=4 (local.get $c)))
        (local.set $vp (f32x4.splat (local.get $gp)))
        (local.set $vm (f32x4.splat (local.get $gm)))
        (local.set $k (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $size)))
            (local.set $off (i32.shl (local.get $k) (i32.const 2)))
            (local.set $t (f32x4.mul (local.get $vm) (v128.load (i32.add (local.get $self) (local.get $off)))))
            (v128.store (i32.add (local.get $out) (local.get $off))
              (f32x4.add
                (f32x4.mul (local.get $vp) (v128.load (i32.add (local.get $other) (local.get $off))))
                (f32x4.add (local.get $t) (local.get $t))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_s (local.get $k) (local.get $size)))
            (local.set $off (i32.shl (local.get $k) (i32.const 2)))
            (local.set $w (f32.mul (local.get $gm) (f32.load (i32.add (local.get $self) (local.get $off)))))
            (f32.store (i32.add (local.get $out) (local.get $off))
              (f32.add
                (f32.mul (local.get $gp) (f32.load (i32.add (local.get $other) (local.get $off))))
                (f32.add (local.get $w) (local.get $w))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $tail)))
        (local.set $self (i32.add (local.get $self) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $other (i32.add (local.get $other) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $row))))
)
