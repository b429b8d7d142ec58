# Writes wasm/elementwise.wat: the SIMD kernels of the elementwise losses without exp or log
# (each formula written out in every place WebAssembly text needs it). `--check` compares instead.
# Run: /usr/bin/python3 scripts/gen_elementwise_wat.py [--check]; then `deno task wasm`.
HEAD = ''';; SIMD kernels of the elementwise losses without exp or log, driven chunk by chunk by
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
'''
LOSSES = {
 # name: (locals, per-vector loss expr statements producing $l, grad statements producing $g)
 "mse": ('''
        ;; d = x - y ; l = d * d
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.mul (local.get $d) (local.get $d)))''', '''
        ;; g = (norm * d) * gradOutput ; p0 = norm, p1 = gradOutput
        (local.set $g (f32x4.mul (f32x4.mul (f32x4.splat (local.get $p0)) (local.get $d))
          (f32x4.splat (local.get $p1))))'''),
 "l1": ('''
        ;; d = x - y ; l = |d|
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $l (f32x4.abs (local.get $d)))''', '''
        ;; g = gs * sgn(d), sgn = 1, -1 or 0 (0 for nan) ; p0 = gs
        (local.set $g (f32x4.mul (f32x4.splat (local.get $p0))
          (v128.or
            (v128.and (f32x4.gt (local.get $d) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))
            (v128.and (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))
              (v128.const f32x4 -1 -1 -1 -1)))))'''),
 "hinge": ('''
        ;; gap = margin - x ; l = (y != 1 ? max(gap, 0) : 0) + (y != -1 ? x : 0) ; p0 = margin
        (local.set $d (f32x4.sub (f32x4.splat (local.get $p0)) (local.get $x)))
        (local.set $m1 (f32x4.ne (local.get $y) (v128.const f32x4 1 1 1 1)))
        (local.set $m2 (f32x4.ne (local.get $y) (v128.const f32x4 -1 -1 -1 -1)))
        (local.set $l (f32x4.add
          (v128.and (f32x4.max (local.get $d) (v128.const f32x4 0 0 0 0)) (local.get $m1))
          (v128.and (local.get $x) (local.get $m2))))''', '''
        ;; g = (y != 1 && gap >= 0 ? -gs : 0) + (y != -1 ? gs : 0) ; p1 = gs
        (local.set $g (f32x4.add
          (v128.and (f32x4.neg (f32x4.splat (local.get $p1)))
            (v128.and (local.get $m1) (f32x4.ge (local.get $d) (v128.const f32x4 0 0 0 0))))
          (v128.and (f32x4.splat (local.get $p1)) (local.get $m2))))'''),
 "smooth_l1": ('''
        ;; d = x - y ; z = |d| ; l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        ;; p0 = beta, p1 = 0.5 * beta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.div (f32x4.mul (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $z))
            (local.get $z)) (f32x4.splat (local.get $p0)))
          (f32x4.sub (local.get $z) (f32x4.splat (local.get $p1)))
          (f32x4.lt (local.get $z) (f32x4.splat (local.get $p0)))))''', '''
        ;; g = d <= -beta ? -outer : d >= beta ? outer : norm * d * gradOutput / beta
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput
        (local.set $g (v128.bitselect
          (f32x4.neg (f32x4.mul (f32x4.splat (local.get $p2)) (f32x4.splat (local.get $p3))))
          (v128.bitselect
            (f32x4.mul (f32x4.splat (local.get $p2)) (f32x4.splat (local.get $p3)))
            (f32x4.div (f32x4.mul (f32x4.mul (f32x4.splat (local.get $p2)) (local.get $d))
              (f32x4.splat (local.get $p3))) (f32x4.splat (local.get $p0)))
            (f32x4.ge (local.get $d) (f32x4.splat (local.get $p0))))
          (f32x4.le (local.get $d) (f32x4.neg (f32x4.splat (local.get $p0))))))'''),
 "huber": ('''
        ;; d = x - y ; z = |d| ; l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        ;; p0 = delta, p1 = 0.5 * delta
        (local.set $d (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $z (f32x4.abs (local.get $d)))
        (local.set $l (v128.bitselect
          (f32x4.mul (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $z)) (local.get $z))
          (f32x4.mul (f32x4.splat (local.get $p0))
            (f32x4.sub (local.get $z) (f32x4.splat (local.get $p1))))
          (f32x4.lt (local.get $z) (f32x4.splat (local.get $p0)))))''', '''
        ;; g = d <= -delta ? -outer : d >= delta ? outer : norm * d * gradOutput
        ;; p2 = norm, p3 = gradOutput, outer = norm * gradOutput * delta
        (local.set $z (f32x4.mul (f32x4.mul (f32x4.splat (local.get $p2))
          (f32x4.splat (local.get $p3))) (f32x4.splat (local.get $p0))))
        (local.set $g (v128.bitselect
          (f32x4.neg (local.get $z))
          (v128.bitselect
            (local.get $z)
            (f32x4.mul (f32x4.mul (f32x4.splat (local.get $p2)) (local.get $d))
              (f32x4.splat (local.get $p3)))
            (f32x4.ge (local.get $d) (f32x4.splat (local.get $p0))))
          (f32x4.le (local.get $d) (f32x4.neg (f32x4.splat (local.get $p0))))))'''),
 "margin_ranking": ('''
        ;; v = -y * (x1 - x2) + margin ; l = v < 0 ? 0 : v ; operands x1 = a, x2 = b, y = c
        ;; p0 = margin
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $at))))
        (local.set $d (f32x4.add (f32x4.mul (f32x4.neg (local.get $z))
          (f32x4.sub (local.get $x) (local.get $y))) (f32x4.splat (local.get $p0))))
        (local.set $l (v128.andnot (local.get $d)
          (f32x4.lt (local.get $d) (v128.const f32x4 0 0 0 0))))''', '''
        ;; g = (v >= 0 ? gs : 0) * -y ; p1 = gs
        (local.set $g (f32x4.mul
          (v128.and (f32x4.splat (local.get $p1))
            (f32x4.ge (local.get $d) (v128.const f32x4 0 0 0 0)))
          (f32x4.neg (local.get $z))))'''),
}
K = 2  # vectors per round of the float32 main loop, each with its own accumulators
def func(name, loss, grad, with_grad):
    kind = "grad" if with_grad else "sum"
    store = '''
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))''' if with_grad else ""
    body = '''
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))''' + loss + (grad if with_grad else "") + store
    def acc(lo, hi):
        return f'''
        (local.set ${lo} (f64x2.add (local.get ${lo}) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set ${hi} (f64x2.add (local.get ${hi}) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))'''
    def hoist(text):
        for k in range(4):
            text = text.replace(f"(f32x4.splat (local.get $p{k}))", f"(local.get $s{k})")
        for name, const in [("half", "0.5 0.5 0.5 0.5"), ("one", "1 1 1 1"), ("minus_one", "-1 -1 -1 -1")]:
            text = text.replace(f"(v128.const f32x4 {const})", f"(local.get ${name})")
        return text
    body = hoist(body)
    rounds = "".join(
        ('''
        (local.set $at (i32.add (local.get $at) (i32.const 16)))''' if k else "") + body +
        acc(f"lo{k}" if k else "lo", f"hi{k}" if k else "hi") for k in range(K))
    extra = " ".join(f"(local $lo{k} v128) (local $hi{k} v128)" for k in range(1, K))
    folds = "".join(f'''
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo{k})))
    (local.set $hi (f64x2.add (local.get $hi) (local.get $hi{k})))''' for k in range(1, K))
    return f'''
  (func (export "{name}_{kind}")
    (param $a i32) (param $b i32) (param $c i32) (param $out i32) (param $n i32)
    (param $p0 f32) (param $p1 f32) (param $p2 f32) (param $p3 f32) (result f64)
    (local $i i32) (local $at i32) (local $x v128) (local $y v128) (local $d v128) (local $z v128)
    (local $m1 v128) (local $m2 v128) (local $l v128) (local $g v128)
    (local $lo v128) (local $hi v128) {extra}
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
    ;; {4*K} elements a round, {K} vectors, each into its own accumulator pair
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const {4*K})) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 2))){rounds}
        (local.set $i (i32.add (local.get $i) (i32.const {4*K})))
        (br $next)))
    ;; the last vectors, one at a time: lanes i + k >= n are computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 2))){body}
        (local.set $l (v128.and (local.get $l) (i32x4.lt_s (v128.const i32x4 0 1 2 3)
          (i32x4.splat (i32.sub (local.get $n) (local.get $i)))))){acc("lo", "hi")}
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
{folds}
    (f64.add
      (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo)))
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))
'''
def func64(name, loss, grad, with_grad):
    """The float64 twin: f64x2 lanes, summed as they are."""
    conv = lambda t: (t.replace("f32x4.", "f64x2.").replace("v128.const f32x4 0 0 0 0", "v128.const f64x2 0 0")
        .replace("v128.const f32x4 0.5 0.5 0.5 0.5", "v128.const f64x2 0.5 0.5")
        .replace("v128.const f32x4 1 1 1 1", "v128.const f64x2 1 1")
        .replace("v128.const f32x4 -1 -1 -1 -1", "v128.const f64x2 -1 -1"))
    loss, grad = conv(loss), conv(grad)
    kind = "grad64" if with_grad else "sum64"
    store = '''
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $g))''' if with_grad else ""
    body = '''
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $at))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $at))))''' + loss + (grad if with_grad else "") + store
    for k in range(4):
        body = body.replace(f"(f64x2.splat (local.get $p{k}))", f"(local.get $s{k})")
    for nm, const in [("half", "0.5 0.5"), ("one", "1 1"), ("minus_one", "-1 -1")]:
        body = body.replace(f"(v128.const f64x2 {const})", f"(local.get ${nm})")
    return f'''
  (func (export "{name}_{kind}")
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
        (local.set $at (i32.shl (local.get $i) (i32.const 3))){body}
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $at (i32.add (local.get $at) (i32.const 16))){body}
        (local.set $lo1 (f64x2.add (local.get $lo1) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    ;; the last vectors, one at a time: a lane i + k >= n is computed, then +0 in the sum
    (block $tail
      (loop $next
        (br_if $tail (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3))){body}
        (local.set $l (v128.and (local.get $l) (i64x2.lt_s (v128.const i64x2 0 1)
          (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $n) (local.get $i)))))))
        (local.set $lo (f64x2.add (local.get $lo) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $lo1)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))
'''

out = HEAD
for name, (loss, grad) in LOSSES.items():
    out += f"\n  ;; ---- {name}\n"
    out += func(name, loss, grad, False)
    out += func(name, loss, grad, True)
    out += func64(name, loss, grad, False)
    out += func64(name, loss, grad, True)
out += ")\n"
import pathlib
import sys

target = pathlib.Path(__file__).resolve().parent.parent / "wasm" / "elementwise.wat"
if sys.argv[1:] == ["--check"]:
    if target.read_text() != out:
        sys.exit("wasm/elementwise.wat differs from scripts/gen_elementwise_wat.py: run it")
else:
    target.write_text(out)
