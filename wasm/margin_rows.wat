;; Row kernels of the float32 multi-margin loss (losses/multi_margin_loss.ts drives them block
;; by block). A row's sum is a float32 chain in PyTorch's order (d = 0, 1, ...), so the loop is
;; scalar: float32 operations here round as the loss file's `Math.fround` steps do, without
;; JavaScript's conversion to float64 and back at every step. Pointers are byte offsets into
;; this module's memory; a row is `dim` float32 at x + 4 * dim * r, its target class t[r]
;; (int32) and weight wt[r] (the target class's weight, 1 without weights).
(module
  (memory (export "memory") 1)

  ;; out[r] = sum over d != t[r] of (z > 0 ? h : 0), z = (m - x[t]) + x[d], h = z (p = 1) or
  ;; z * z (p = 2), times wt[r].
  (func (export "multi_margin_rows")
    (param $x i32) (param $t i32) (param $wt i32) (param $out i32) (param $rows i32)
    (param $dim i32) (param $m f32) (param $p2 i32)
    (local $r i32) (local $d i32) (local $y i32) (local $c f32) (local $w f32) (local $z f32)
    (local $h f32) (local $sum f32) (local $row i32)
    (block $done (loop $rowloop
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $y (i32.load (i32.add (local.get $t) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $w (f32.load (i32.add (local.get $wt) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $c (f32.sub (local.get $m)
        (f32.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 2))))))
      (local.set $sum (f32.const 0))
      (local.set $d (i32.const 0))
      (block $rdone (loop $elem
        (br_if $rdone (i32.ge_s (local.get $d) (local.get $dim)))
        (if (i32.ne (local.get $d) (local.get $y)) (then
          (local.set $z (f32.add (local.get $c)
            (f32.load (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2))))))
          (local.set $h (select (f32.mul (local.get $z) (local.get $z)) (local.get $z) (local.get $p2)))
          (local.set $h (f32.mul (local.get $h) (local.get $w)))
          (local.set $sum (f32.add (local.get $sum)
            (select (local.get $h) (f32.const 0) (f32.gt (local.get $z) (f32.const 0)))))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $elem)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $sum))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowloop))))

  ;; The input's gradient of those rows into gx (the same layout as x), for the factor g (1 / C,
  ;; over N too for the mean) and the row's gradOutput s[r]: with h = g (p = 1) or (2 g) z
  ;; (p = 2), times wt[r], gx[d] = z > 0 ? h * s : 0 * s for d != t, and gx[t] = the float32
  ;; chain of -h over those d, times s.
  (func (export "multi_margin_grad")
    (param $x i32) (param $t i32) (param $wt i32) (param $s i32) (param $gx i32) (param $rows i32)
    (param $dim i32) (param $m f32) (param $p2 i32) (param $g f32)
    (local $r i32) (local $d i32) (local $y i32) (local $c f32) (local $w f32) (local $z f32)
    (local $h f32) (local $gy f32) (local $sr f32) (local $zero f32) (local $g2 f32)
    (local $row i32) (local $grow i32) (local $on i32)
    (local.set $g2 (f32.mul (f32.const 2) (local.get $g)))
    (block $done (loop $rowloop
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $grow (i32.add (local.get $gx) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $y (i32.load (i32.add (local.get $t) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $w (f32.load (i32.add (local.get $wt) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $sr (f32.load (i32.add (local.get $s) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $zero (f32.mul (f32.const 0) (local.get $sr)))
      (local.set $c (f32.sub (local.get $m)
        (f32.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 2))))))
      (local.set $gy (f32.const 0))
      (local.set $d (i32.const 0))
      (block $rdone (loop $elem
        (br_if $rdone (i32.ge_s (local.get $d) (local.get $dim)))
        (if (i32.ne (local.get $d) (local.get $y)) (then
          (local.set $z (f32.add (local.get $c)
            (f32.load (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2))))))
          (local.set $h (select (f32.mul (local.get $g2) (local.get $z)) (local.get $g) (local.get $p2)))
          (local.set $h (f32.mul (local.get $h) (local.get $w)))
          (local.set $on (f32.gt (local.get $z) (f32.const 0)))
          (local.set $gy (f32.sub (local.get $gy) (select (local.get $h) (f32.const 0) (local.get $on))))
          (f32.store (i32.add (local.get $grow) (i32.shl (local.get $d) (i32.const 2)))
            (select (f32.mul (local.get $h) (local.get $sr)) (local.get $zero) (local.get $on)))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $elem)))
      (f32.store (i32.add (local.get $grow) (i32.shl (local.get $y) (i32.const 2)))
        (f32.mul (local.get $gy) (local.get $sr)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowloop))))
)
