;; Row kernels of the float32 multi-margin and multilabel margin losses (losses/_cpu/margin_rows.ts
;; drives them block by block). A row's sum is a float32 chain in PyTorch's order (d = 0, 1, ...):
;; float32 operations here round as the loss file's `Math.fround` steps do, without
;; JavaScript's conversion to float64 and back at every step. Pointers are byte offsets into
;; the kernel arena's memory (rows are read, and gradients written, where they are); a row is
;; `dim` float32 at x + 4 * dim * r, its target class t[r] (int32) and weight wt[r] (the target
;; class's weight, 1 without weights).
(module
  ;; the kernel arena's memory (losses/_core/arena.ts), as wasm/softmax.wat's
  (import "env" "memory" (memory 1 16385 shared))

  ;; out[r] = sum over d != t[r] of (z > 0 ? h : 0), z = (m - x[t]) + x[d], h = z (p = 1) or
  ;; z * z (p = 2), times wt[r]. Four classes a step: their terms in four lanes, those with
  ;; z <= 0 (or nan), the target's and any past the row cleared to +0 with a mask, so no branch
  ;; depends on the data; then the chain adds the lanes in order. A cleared lane adds +0, which
  ;; leaves the sum as it is (it starts at +0 and a float32 sum never becomes -0 after), so the
  ;; bits are the scalar chain's. Reads up to 12 bytes past the last row.
  (func (export "multi_margin_rows")
    (param $x i32) (param $t i32) (param $wt i32) (param $out i32) (param $rows i32)
    (param $dim i32) (param $m f32) (param $p2 i32)
    (local $r i32) (local $d i32) (local $y i32) (local $sum f32) (local $row i32)
    (local $c v128) (local $w v128) (local $z v128) (local $h v128) (local $sq v128)
    (local $at v128) (local $yv v128) (local $dimv v128)
    (local.set $sq (i32x4.splat (i32.sub (i32.const 0) (local.get $p2))))
    (local.set $dimv (i32x4.splat (local.get $dim)))
    (block $done (loop $rowloop
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $y (i32.load (i32.add (local.get $t) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $yv (i32x4.splat (local.get $y)))
      (local.set $w (f32x4.splat (f32.load (i32.add (local.get $wt) (i32.shl (local.get $r) (i32.const 2))))))
      (local.set $c (f32x4.splat (f32.sub (local.get $m)
        (f32.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 2)))))))
      (local.set $at (v128.const i32x4 0 1 2 3))
      (local.set $sum (f32.const 0))
      (local.set $d (i32.const 0))
      (block $rdone (loop $vec
        (br_if $rdone (i32.ge_s (local.get $d) (local.get $dim)))
        (local.set $z (f32x4.add (local.get $c)
          (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2))))))
        (local.set $h (f32x4.mul
          (v128.bitselect (f32x4.mul (local.get $z) (local.get $z)) (local.get $z) (local.get $sq))
          (local.get $w)))
        (local.set $h (v128.and (local.get $h) (v128.and
          (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0))
          (v128.and (i32x4.ne (local.get $at) (local.get $yv))
                    (i32x4.lt_s (local.get $at) (local.get $dimv))))))
        (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 0 (local.get $h))))
        (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 1 (local.get $h))))
        (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 2 (local.get $h))))
        (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 3 (local.get $h))))
        (local.set $at (i32x4.add (local.get $at) (v128.const i32x4 4 4 4 4)))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (br $vec)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $sum))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowloop))))

  ;; The input's gradient of those rows into gx (the same layout as x), for the factor g (1 / C,
  ;; over N too for the mean) and the row's gradOutput s[r]: with h = g (p = 1) or (2 g) z
  ;; (p = 2), times wt[r], gx[d] = z > 0 ? h * s : 0 * s for d != t, and gx[t] = the float32
  ;; chain of -h over those d, times s. Four classes a step as in multi_margin_rows: the chain
  ;; subtracts the lanes in order, a cleared lane +0, which leaves it as it is (it starts at +0
  ;; and never becomes -0). Whole steps store four lanes (the target's is written again after
  ;; the row); the row's last step stores only the lanes inside it.
  (func (export "multi_margin_grad")
    (param $x i32) (param $t i32) (param $wt i32) (param $s i32) (param $gx i32) (param $rows i32)
    (param $dim i32) (param $m f32) (param $p2 i32) (param $g f32)
    (local $r i32) (local $d i32) (local $y i32) (local $gy f32) (local $sr f32)
    (local $row i32) (local $grow i32) (local $to i32)
    (local $c v128) (local $w v128) (local $z v128) (local $h v128) (local $sq v128) (local $on v128)
    (local $gv v128) (local $g2v v128) (local $srv v128) (local $zero v128) (local $val v128)
    (local $at v128) (local $yv v128)
    (local.set $sq (i32x4.splat (i32.sub (i32.const 0) (local.get $p2))))
    (local.set $gv (f32x4.splat (local.get $g)))
    (local.set $g2v (f32x4.splat (f32.mul (f32.const 2) (local.get $g))))
    (block $done (loop $rowloop
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $grow (i32.add (local.get $gx) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $y (i32.load (i32.add (local.get $t) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $yv (i32x4.splat (local.get $y)))
      (local.set $w (f32x4.splat (f32.load (i32.add (local.get $wt) (i32.shl (local.get $r) (i32.const 2))))))
      (local.set $sr (f32.load (i32.add (local.get $s) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $srv (f32x4.splat (local.get $sr)))
      (local.set $zero (f32x4.mul (v128.const f32x4 0 0 0 0) (local.get $srv)))
      (local.set $c (f32x4.splat (f32.sub (local.get $m)
        (f32.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 2)))))))
      (local.set $at (v128.const i32x4 0 1 2 3))
      (local.set $gy (f32.const 0))
      (local.set $d (i32.const 0))
      (block $rdone (loop $vec
        (br_if $rdone (i32.ge_s (local.get $d) (local.get $dim)))
        (local.set $z (f32x4.add (local.get $c)
          (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2))))))
        (local.set $h (f32x4.mul
          (v128.bitselect (f32x4.mul (local.get $g2v) (local.get $z)) (local.get $gv) (local.get $sq))
          (local.get $w)))
        (local.set $on (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0)))
        (local.set $val (v128.bitselect (f32x4.mul (local.get $h) (local.get $srv)) (local.get $zero)
          (local.get $on)))
        (local.set $h (v128.and (local.get $h)
          (v128.and (local.get $on) (i32x4.ne (local.get $at) (local.get $yv)))))
        (local.set $to (i32.add (local.get $grow) (i32.shl (local.get $d) (i32.const 2))))
        (if (i32.le_s (i32.add (local.get $d) (i32.const 4)) (local.get $dim))
          (then
            (v128.store align=4 (local.get $to) (local.get $val))
            (local.set $gy (f32.sub (local.get $gy) (f32x4.extract_lane 0 (local.get $h))))
            (local.set $gy (f32.sub (local.get $gy) (f32x4.extract_lane 1 (local.get $h))))
            (local.set $gy (f32.sub (local.get $gy) (f32x4.extract_lane 2 (local.get $h))))
            (local.set $gy (f32.sub (local.get $gy) (f32x4.extract_lane 3 (local.get $h)))))
          (else
            ;; the row's last 1 to 3 classes
            (f32.store (local.get $to) (f32x4.extract_lane 0 (local.get $val)))
            (local.set $gy (f32.sub (local.get $gy) (f32x4.extract_lane 0 (local.get $h))))
            (if (i32.gt_s (i32.sub (local.get $dim) (local.get $d)) (i32.const 1)) (then
              (f32.store offset=4 (local.get $to) (f32x4.extract_lane 1 (local.get $val)))
              (local.set $gy (f32.sub (local.get $gy) (f32x4.extract_lane 1 (local.get $h))))))
            (if (i32.gt_s (i32.sub (local.get $dim) (local.get $d)) (i32.const 2)) (then
              (f32.store offset=8 (local.get $to) (f32x4.extract_lane 2 (local.get $val)))
              (local.set $gy (f32.sub (local.get $gy) (f32x4.extract_lane 2 (local.get $h))))))))
        (local.set $at (i32x4.add (local.get $at) (v128.const i32x4 4 4 4 4)))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (br $vec)))
      (f32.store (i32.add (local.get $grow) (i32.shl (local.get $y) (i32.const 2)))
        (f32.mul (local.get $gy) (local.get $sr)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowloop))))

  ;; Multilabel margin: marks row r's targets (read from idx up to the first -1) in mark as
  ;; all-ones lanes, its `padded` entries (dim rounded up to 4) cleared first and those past
  ;; dim marked, so that vector reads past the row count nothing. Returns how many were read.
  (func $mark (param $idx i32) (param $mark i32) (param $dim i32) (param $padded i32) (result i32)
    (local $k i32) (local $y i32)
    (memory.fill (local.get $mark) (i32.const 0) (i32.shl (local.get $dim) (i32.const 2)))
    (memory.fill (i32.add (local.get $mark) (i32.shl (local.get $dim) (i32.const 2))) (i32.const 255)
      (i32.shl (i32.sub (local.get $padded) (local.get $dim)) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $k) (local.get $dim)))
      (local.set $y (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))))
      (br_if $done (i32.lt_s (local.get $y) (i32.const 0)))
      (i32.store (i32.add (local.get $mark) (i32.shl (local.get $y) (i32.const 2))) (i32.const -1))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $next)))
    (local.get $k))

  ;; sums[r] (float64) = sum over row r's targets y and non-targets d of max(0, (1 - x[y]) + x[d]),
  ;; each term float32. x holds rows of dim float32 and at least 12 bytes after the last.
  (func (export "multilabel_margin_rows")
    (param $x i32) (param $idx i32) (param $mark i32) (param $sums i32) (param $rows i32)
    (param $dim i32)
    (local $r i32) (local $k i32) (local $count i32) (local $padded i32) (local $row i32)
    (local $d i32) (local $c v128) (local $z v128) (local $a0 v128) (local $a1 v128)
    (local.set $padded (i32.and (i32.add (local.get $dim) (i32.const 3)) (i32.const -4)))
    (block $done (loop $rowloop
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $count (call $mark
        (i32.add (local.get $idx) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2)))
        (local.get $mark) (local.get $dim) (local.get $padded)))
      (local.set $a0 (v128.const f64x2 0 0))
      (local.set $a1 (v128.const f64x2 0 0))
      (local.set $k (i32.const 0))
      (block $kdone (loop $target
        (br_if $kdone (i32.ge_s (local.get $k) (local.get $count)))
        (local.set $c (f32x4.splat (f32.sub (f32.const 1) (f32.load (i32.add (local.get $row)
          (i32.shl (i32.load (i32.add (local.get $idx)
            (i32.shl (i32.add (i32.mul (local.get $r) (local.get $dim)) (local.get $k)) (i32.const 2))))
            (i32.const 2)))))))
        (local.set $d (i32.const 0))
        (block $ddone (loop $vec
          (br_if $ddone (i32.ge_s (local.get $d) (local.get $padded)))
          (local.set $z (f32x4.add (local.get $c)
            (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2))))))
          ;; z where z > 0 and d is no target, else 0
          (local.set $z (v128.and (local.get $z) (v128.andnot
            (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0))
            (v128.load (i32.add (local.get $mark) (i32.shl (local.get $d) (i32.const 2)))))))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $z))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $z) (local.get $z)))))
          (local.set $d (i32.add (local.get $d) (i32.const 4)))
          (br $vec)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $target)))
      (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
      (f64.store (i32.add (local.get $sums) (i32.shl (local.get $r) (i32.const 3)))
        (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowloop))))

  ;; The input's gradient of those rows into gx, for the factor g and row r's gradOutput s[r]:
  ;; per target y, in order, each non-target d with (1 - x[y]) + x[d] > 0 moves g from gx[y] to
  ;; gx[d] (float32 chains, in PyTorch's order); then the row times s[r].
  (func (export "multilabel_margin_grad")
    (param $x i32) (param $idx i32) (param $mark i32) (param $s i32) (param $gx i32)
    (param $rows i32) (param $dim i32) (param $g f32)
    (local $r i32) (local $k i32) (local $count i32) (local $padded i32) (local $row i32)
    (local $grow i32) (local $d i32) (local $y i32) (local $c f32) (local $gy f32) (local $step f32)
    (local $sr f32) (local $at i32)
    (local.set $padded (i32.and (i32.add (local.get $dim) (i32.const 3)) (i32.const -4)))
    (block $done (loop $rowloop
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $grow (i32.add (local.get $gx) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $count (call $mark
        (i32.add (local.get $idx) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2)))
        (local.get $mark) (local.get $dim) (local.get $padded)))
      (memory.fill (local.get $grow) (i32.const 0) (i32.shl (local.get $dim) (i32.const 2)))
      (local.set $k (i32.const 0))
      (block $kdone (loop $target
        (br_if $kdone (i32.ge_s (local.get $k) (local.get $count)))
        (local.set $y (i32.load (i32.add (local.get $idx)
          (i32.shl (i32.add (i32.mul (local.get $r) (local.get $dim)) (local.get $k)) (i32.const 2)))))
        (local.set $c (f32.sub (f32.const 1)
          (f32.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 2))))))
        (local.set $gy (f32.load (i32.add (local.get $grow) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $d (i32.const 0))
        (block $ddone (loop $elem
          (br_if $ddone (i32.ge_s (local.get $d) (local.get $dim)))
          (if (i32.eqz (i32.load (i32.add (local.get $mark) (i32.shl (local.get $d) (i32.const 2))))) (then
            (local.set $step (select (local.get $g) (f32.const 0)
              (f32.gt (f32.add (local.get $c)
                (f32.load (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2)))))
                (f32.const 0))))
            (local.set $gy (f32.sub (local.get $gy) (local.get $step)))
            (local.set $at (i32.add (local.get $grow) (i32.shl (local.get $d) (i32.const 2))))
            (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (local.get $step)))))
          (local.set $d (i32.add (local.get $d) (i32.const 1)))
          (br $elem)))
        (f32.store (i32.add (local.get $grow) (i32.shl (local.get $y) (i32.const 2))) (local.get $gy))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $target)))
      (local.set $sr (f32.load (i32.add (local.get $s) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $d (i32.const 0))
      (block $sdone (loop $scale
        (br_if $sdone (i32.ge_s (local.get $d) (local.get $dim)))
        (local.set $at (i32.add (local.get $grow) (i32.shl (local.get $d) (i32.const 2))))
        (f32.store (local.get $at) (f32.mul (f32.load (local.get $at)) (local.get $sr)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $scale)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowloop))))
)
