#!/usr/bin/env python3
"""Writes wasm/explog.wat: elementwise exp and log over arrays, float64 arithmetic (f64x2).

Four kernels `exp_f32`, `log_f32`, `exp_f64`, `log_f64` (src, dst, n): dst[i] = f(src[i]).
The float32 kernels promote to float64, compute there and round once, so their results are
the float64 function rounded to float32 (what `Math.fround(Math.exp(x))` gives, but for the
rare double rounding). Four elements per step: up to three past
the end are read and written (the caller leaves room). src may be dst. After them, whole-loss
kernels in float32 lanes that work around the float32 log (LOSS_KERNELS). Run: python3 scripts/gen_explog_wat.py
"""

def splat(v):
    return f"(v128.const f64x2 {v} {v})"

# exp: the range reduction and series of wasm/softmax.wat's exp_rows_f64.
EXP_CONSTS = {
    "lo": "-746", "hi": "710", "log2e": "1.44269504088896338700",
    "magic": "6755399441055744",
    "ln2a": "6.93147180369123816490e-01", "ln2b": "1.90821492927058770002e-10",
    "c13": "1.6059043836821613e-10", "c12": "2.08767569878681e-9",
    "c11": "2.505210838544172e-8", "c10": "2.755731922398589e-7",
    "c9": "2.7557319223985893e-6", "c8": "2.48015873015873e-5",
    "c7": "1.984126984126984e-4", "c6": "1.388888888888889e-3",
    "c5": "8.333333333333333e-3", "c4": "4.1666666666666664e-2",
    "c3": "0.16666666666666666", "c2": "0.5", "one": "1",
}
EXP_BODY = """
        (local.set $v (f64x2.pmin (f64x2.pmax (local.get $v) (local.get $lo)) (local.get $hi)))
        (local.set $ki (f64x2.add (f64x2.mul (local.get $v) (local.get $log2e)) (local.get $magic)))
        (local.set $k (f64x2.sub (local.get $ki) (local.get $magic)))
        (local.set $ki (i64x2.sub (local.get $ki) (local.get $magic)))
        (local.set $r (f64x2.sub (f64x2.sub (local.get $v) (f64x2.mul (local.get $k) (local.get $ln2a)))
                                 (f64x2.mul (local.get $k) (local.get $ln2b))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $c13) (local.get $r)) (local.get $c12)))
""" + "".join(
    f"        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (local.get ${c})))\n"
    for c in ["c11", "c10", "c9", "c8", "c7", "c6", "c5", "c4", "c3", "c2", "one", "one"]
)
# float64: 2^k in two halves, so that subnormal results round once and 2^1024 overflows
EXP_SCALE_F64 = """        (local.set $k1 (i64x2.shr_s (local.get $ki) (i32.const 1)))
        (local.set $p (f64x2.mul
          (f64x2.mul (local.get $p)
            (i64x2.shl (i64x2.add (local.get $k1) (i64x2.splat (i64.const 1023))) (i32.const 52)))
          (i64x2.shl (i64x2.add (i64x2.sub (local.get $ki) (local.get $k1)) (i64x2.splat (i64.const 1023)))
                     (i32.const 52))))
"""
# float32 arguments clamped to [-104, 89]: 2^k is a normal float64, one product, and the
# rounding to float32 makes the subnormals, 0 and inf
EXP_SCALE_F32 = """        (local.set $p (f64x2.mul (local.get $p)
          (i64x2.shl (i64x2.add (local.get $ki) (i64x2.splat (i64.const 1023))) (i32.const 52))))
"""
EXP_CONSTS_F32 = {**EXP_CONSTS, "lo": "-104", "hi": "89"}
EXP_LOCALS = ["k", "ki", "k1", "r"]

# log: musl's (fdlibm's) log. x = 2^k (1 + f), sqrt(2)/2 <= 1 + f < sqrt(2), s = f / (2 + f),
# log(1 + f) = f - hfsq + s (hfsq + R(s^2)); subnormals scaled by 2^54 first.
LOG_CONSTS = {
    "tiny": "2.2250738585072014e-308", "two54": "18014398509481984", "m54": "-54",
    "magic": "6755399441055744", "one": "1", "two": "2", "half": "0.5",
    "lg1": "6.666666666666735130e-01", "lg2": "3.999999999940941908e-01",
    "lg3": "2.857142874366239149e-01", "lg4": "2.222219843214978396e-01",
    "lg5": "1.818357216161805012e-01", "lg6": "1.531383769920937332e-01",
    "lg7": "1.479819860511658591e-01",
    "ln2hi": "6.93147180369123816490e-01", "ln2lo": "1.90821492927058770002e-10",
    "inf": "inf", "ninf": "-inf", "nan": "nan", "zero": "0",
}
LOG_BODY = """
        (local.set $t (f64x2.lt (local.get $v) (local.get $tiny)))
        (local.set $x (v128.bitselect (f64x2.mul (local.get $v) (local.get $two54)) (local.get $v) (local.get $t)))
        (local.set $ki (i64x2.shr_s (i64x2.sub (local.get $x) (v128.const i64x2 0x3fe6a09e667f3bcd 0x3fe6a09e667f3bcd))
                                   (i32.const 52)))
        (local.set $f (f64x2.sub (i64x2.sub (local.get $x) (i64x2.shl (local.get $ki) (i32.const 52))) (local.get $one)))
        ;; k as a float64: its integer under the bits of 1.5 * 2^52, then minus 1.5 * 2^52
        (local.set $k (f64x2.add
          (f64x2.sub (i64x2.add (local.get $ki) (local.get $magic)) (local.get $magic))
          (v128.and (local.get $m54) (local.get $t))))
        (local.set $s (f64x2.div (local.get $f) (f64x2.add (local.get $two) (local.get $f))))
        (local.set $z (f64x2.mul (local.get $s) (local.get $s)))
        (local.set $w (f64x2.mul (local.get $z) (local.get $z)))
        (local.set $t1 (f64x2.mul (local.get $w) (f64x2.add (local.get $lg2) (f64x2.mul (local.get $w)
          (f64x2.add (local.get $lg4) (f64x2.mul (local.get $w) (local.get $lg6)))))))
        (local.set $t2 (f64x2.mul (local.get $z) (f64x2.add (local.get $lg1) (f64x2.mul (local.get $w)
          (f64x2.add (local.get $lg3) (f64x2.mul (local.get $w)
            (f64x2.add (local.get $lg5) (f64x2.mul (local.get $w) (local.get $lg7)))))))))
        (local.set $hfsq (f64x2.mul (f64x2.mul (local.get $half) (local.get $f)) (local.get $f)))
        ;; s (hfsq + R) + k ln2lo - hfsq + f + k ln2hi, left to right
        (local.set $p (f64x2.add (f64x2.add (f64x2.sub (f64x2.add
          (f64x2.mul (local.get $s) (f64x2.add (local.get $hfsq) (f64x2.add (local.get $t2) (local.get $t1))))
          (f64x2.mul (local.get $k) (local.get $ln2lo)))
          (local.get $hfsq)) (local.get $f)) (f64x2.mul (local.get $k) (local.get $ln2hi))))
        ;; 0 < v < inf computed; else nan for v < 0 or nan, -inf for +-0, inf for inf
        (local.set $p (v128.bitselect (local.get $p)
          (v128.bitselect (local.get $ninf)
            (v128.bitselect (local.get $inf) (local.get $nan) (f64x2.eq (local.get $v) (local.get $inf)))
            (f64x2.eq (local.get $v) (local.get $zero)))
          (v128.and (f64x2.gt (local.get $v) (local.get $zero)) (f64x2.lt (local.get $v) (local.get $inf)))))
"""
LOG_LOCALS = ["t", "x", "ki", "f", "k", "s", "z", "w", "t1", "t2", "hfsq"]


import re
import struct


def renamed(body, names, suffix):
    """The body with each local of `names` renamed `$name<suffix>` (a second, independent chain)."""
    return re.sub(r"\$(\w+)\b", lambda m: f"${m.group(1)}{suffix}" if m.group(1) in names else m.group(0), body)


def kernel(name, wide, consts, body, extra):
    # Two vectors per step, their dependency chains interleaved by the CPU: the series is a
    # long chain of dependent multiply-adds, so one vector per step waits on its latency.
    size = 8 if wide else 4
    chain = ["v", "p"] + extra
    local_names = chain + [c + "_b" for c in chain] + list(consts)
    locals_ = " ".join(f"(local ${l} v128)" for l in local_names)
    sets = "\n".join(f"    (local.set ${c} {splat(v)})" for c, v in consts.items())

    def load(at):
        return (f"(v128.load offset={at} align=8 (local.get $src))" if wide else
                f"(f64x2.promote_low_f32x4 (v128.load64_zero offset={at} align=4 (local.get $src)))")

    def store(at, p):
        return (f"(v128.store offset={at} align=8 (local.get $dst) (local.get ${p}))" if wide else
                f"(v128.store64_lane offset={at} align=4 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get ${p})))")

    half = 2 * size
    return f"""
  (func (export "{name}") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) {locals_}
{sets}
    (local.set $end (i32.add (local.get $src) (i32.mul (local.get $n) (i32.const {size}))))
    (block $done (loop $vec
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $v {load(0)})
        (local.set $v_b {load(half)}){body}{renamed(body, chain, "_b")}        {store(0, "p")}
        {store(half, "p_b")}
        (local.set $src (i32.add (local.get $src) (i32.const {2 * half})))
        (local.set $dst (i32.add (local.get $dst) (i32.const {2 * half})))
        (br $vec))))
"""


# Whole-loss steps around the float32 exp and log, for losses whose JavaScript loops cost more
# than the exp and log themselves (each float32 step is a float64 one and a Math.fround there).
# Each kernel is written as float32 lane expressions (f32x4), every operation rounded as the
# loss file's scalar loop rounds it (each `Math.fround` step is one float32 operation):
#   a name      an array argument (a byte offset; read at the element), a scalar argument
#               (float32, the same in every lane) or an earlier `let`
#   a number    a constant
#   (op, ...)   add sub mul div min max (NaN-propagating, -0 < +0, as Math.min / Math.max),
#               neg abs, lt gt le ge eq (lane masks), select (mask, then, else)
# A kernel stores whole vectors (up to three elements past n, which the caller leaves room for)
# and returns the float64 sum of `total` over its n elements (0 without one).

BINARY = {"add": "f32x4.add", "sub": "f32x4.sub", "mul": "f32x4.mul", "div": "f32x4.div",
          "min": "f32x4.min", "max": "f32x4.max", "lt": "f32x4.lt", "gt": "f32x4.gt",
          "le": "f32x4.le", "ge": "f32x4.ge", "eq": "f32x4.eq"}
UNARY = {"neg": "f32x4.neg", "abs": "f32x4.abs"}


def f32_kernel(name, arrays, scalars=(), lets=(), stores=(), total=None):
    consts = {}
    bound = [n for n, _ in lets]  # a list: the output must not depend on set order

    def expr(e):
        if isinstance(e, str):
            if e in arrays:
                return f"(v128.load align=4 (i32.add (local.get ${e}) (local.get $off)))"
            assert e in scalars or e in bound, e
            return f"(local.get ${e})"
        if isinstance(e, (int, float)):
            bits = struct.pack("<f", e)  # -0 and 0 are two constants
            key = next((k for k, v in consts.items() if struct.pack("<f", v) == bits),
                       f"c{len(consts)}")
            consts[key] = e
            return f"(local.get ${key})"
        op, *args = e
        if op == "select":
            m, then, other = args
            return f"(v128.bitselect {expr(then)} {expr(other)} {expr(m)})"
        if op in UNARY:
            return f"({UNARY[op]} {expr(args[0])})"
        return f"({BINARY[op]} {expr(args[0])} {expr(args[1])})"

    body = "".join(f"\n        (local.set ${n} {expr(e)})" for n, e in lets)
    body += "".join(
        f"\n        (v128.store align=4 (i32.add (local.get ${a}) (local.get $off)) {expr(e)})"
        for a, e in stores)
    if total is not None:
        body += f"""
        ;; lanes at or past n add 0
        (local.set $l (v128.and {expr(total)}
          (i32x4.lt_s (i32x4.add (local.get $iota) (i32x4.splat (local.get $i))) (local.get $nv))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))"""
    params = " ".join(f"(param ${a} i32)" for a in arrays) + " (param $n i32) " + " ".join(
        f"(param ${c}_ f32)" for c in scalars)
    v128s = list(scalars) + bound + list(consts) + ["l", "a0", "a1", "iota", "nv"]
    locals_ = " ".join(f"(local ${v} v128)" for v in v128s)
    sets = "".join(f"\n    (local.set ${c} (f32x4.splat (local.get ${c}_)))" for c in scalars)
    sets += "".join(
        f"\n    (local.set ${k} (f32x4.splat (f32.const {'nan' if v != v else v})))"
        for k, v in consts.items())
    return f"""
  (func (export "{name}") {params} (result f64)
    (local $i i32) (local $off i32) {locals_}{sets}
    (local.set $iota (v128.const i32x4 0 1 2 3))
    (local.set $nv (i32x4.splat (local.get $n)))
    (block $done (loop $vec
        (br_if $done (i32.ge_s (local.get $i) (local.get $n))){body}
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $vec)))
    (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
    (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
"""


# Gaussian NLL (losses/gaussian_nll_loss.ts): vc = var clamped to eps (a nan stays), lv its log;
# l = 0.5 * (lv + (x - y)^2 / vc) + c (c is 0.5 log(2 pi) or 0); the input's gradient
# (h / vc) * (2 (x - y)), h half the scalar gradOutput.
GAUSSIAN_LETS = [("vc", ("select", ("lt", "v", "eps"), "eps", "v")), ("d", ("sub", "x", "y"))]
GAUSSIAN_LOSS = ("add", ("mul", 0.5, ("add", "lv", ("div", ("mul", "d", "d"), "vc"))), "c")
INF = float("inf")
NAN = float("nan")
# binary cross-entropy with logits, no weights (losses/binary_cross_entropy_with_logits.ts):
# a = exp(-|x|), c = log(1 + a) (nan at x = -inf), l = (1 - y) x + max(-x, 0) + c; the
# gradient from e = exp(-x): (1 / (1 + e) - y) * g / count.
# soft margin (losses/soft_margin_loss.ts): z = exp(-x y), b = log(1 + z); the gradient
# ((y z) * negNorm) / (1 + z) * g.
# KL divergence (losses/kl_div.ts): with a = log(y), xlogy(y, y) - y x (0 where y is 0), the
# gradient -gi y; with a log target, e = exp(y): e (y - x), the gradient -(gi e).
# Poisson NLL, log input (losses/poisson_nll_loss.ts): e = exp(x), l = e - y x, the gradient
# gi e + (-gi) y.
# binary cross-entropy (losses/binary_cross_entropy.ts), no weights: a = log(x), c = log(1 - x)
# (log1m_f32: 1 - x exact in float64), l = (y - 1) max(log1p(-x), -100) - y max(a, -100) with
# log1p(-x) = -x below tiny; the gradient g (x - y) / max((1 - x) x, eps) / count.
BCE_LETS = [("logx", ("max", "a", -100)),
            ("l1m", ("max", ("select", ("lt", "x", "tiny"), ("neg", "x"), "c"), -100))]
# multilabel soft margin (losses/multilabel_soft_margin_loss.ts), per element before the row
# mean, from t = log1p(exp(-|x|)): -(y (min(x, 0) - t) + (1 - y) (min(-x, 0) - t)); the input's
# gradient for the row gradient gl from e = exp(-|x|), q = e / (1 + e): logsigmoid's backward
# at x and at -x, (u < 0 ? 1 - q : q) times -gl y and -gl (1 - y).
MLSM_Q = [("q", ("div", "e", ("add", 1, "e"))), ("ga", ("neg", "gl")),
          ("ca", ("mul", "ga", "y")), ("cb", ("mul", "ga", ("sub", 1, "y")))]
MLSM_GRAD = ("add",
             ("select", ("lt", "x", 0), ("mul", ("sub", 1, "q"), "ca"), ("mul", "q", "ca")),
             ("neg", ("select", ("lt", ("neg", "x"), 0), ("mul", ("sub", 1, "q"), "cb"),
                      ("mul", "q", "cb"))))
LOSS_KERNELS = "".join([
    f32_kernel("multilabel_soft_margin_f32", ["x", "y", "t", "out"], stores=[
        ("out", ("neg", ("add", ("mul", "y", ("sub", ("min", "x", 0), "t")),
                         ("mul", ("sub", 1, "y"), ("sub", ("min", ("neg", "x"), 0), "t")))))]),
    f32_kernel("multilabel_soft_margin_grad_f32", ["x", "y", "e", "g"], ["gl"], MLSM_Q,
               [("g", MLSM_GRAD)]),
    f32_kernel("bce_sum_f32", ["x", "y", "a", "c"], ["tiny"], BCE_LETS,
               total=("sub", ("mul", ("sub", "y", 1), "l1m"), ("mul", "y", "logx"))),
    f32_kernel("bce_grad_f32", ["x", "y", "g"], ["go", "eps", "count"], stores=[
        ("g", ("div", ("div", ("mul", "go", ("sub", "x", "y")),
                       ("max", ("mul", ("sub", 1, "x"), "x"), "eps")), "count"))]),
    f32_kernel("sum_f32", ["a"], total="a"),
    f32_kernel("neg_f32", ["x", "a"], stores=[("a", ("neg", "x"))]),
    f32_kernel("neg_abs_f32", ["x", "a"], stores=[("a", ("neg", ("abs", "x")))]),
    f32_kernel("one_plus_f32", ["a", "b"], stores=[("b", ("add", 1, "a"))]),
    f32_kernel("bce_logits_mid_f32", ["x", "a", "c"],
               stores=[("c", ("select", ("eq", "x", -INF), NAN, ("add", 1, "a")))]),
    f32_kernel("bce_logits_sum_f32", ["x", "y", "c"],
               total=("add", ("add", ("mul", ("sub", 1, "y"), "x"), ("max", ("neg", "x"), 0)), "c")),
    f32_kernel("bce_logits_grad_f32", ["y", "e", "g"], ["go", "count"], stores=[
        ("g", ("div", ("mul", ("sub", ("div", 1, ("add", 1, "e")), "y"), "go"), "count"))]),
    f32_kernel("soft_margin_pre_f32", ["x", "y", "z"], stores=[("z", ("mul", ("neg", "x"), "y"))]),
    f32_kernel("soft_margin_grad_f32", ["y", "z", "b", "g"], ["nn", "go"], stores=[
        ("g", ("mul", ("div", ("mul", ("mul", "y", "z"), "nn"), ("add", 1, "z")), "go"))], total="b"),
    f32_kernel("kl_sum_f32", ["x", "y", "a"],
               total=("sub", ("select", ("eq", "y", 0), 0, ("mul", "y", "a")), ("mul", "y", "x"))),
    f32_kernel("kl_grad_f32", ["y", "g"], ["gi"], stores=[("g", ("mul", ("neg", "gi"), "y"))]),
    f32_kernel("kl_log_target_sum_f32", ["x", "y", "e"], total=("mul", "e", ("sub", "y", "x"))),
    f32_kernel("kl_log_target_grad_f32", ["e", "g"], ["gi"], stores=[("g", ("neg", ("mul", "gi", "e")))]),
    f32_kernel("poisson_log_sum_f32", ["x", "y", "e"], total=("sub", "e", ("mul", "y", "x"))),
    f32_kernel("poisson_log_grad_f32", ["y", "e", "g"], ["gi", "ngi"],
               stores=[("g", ("add", ("mul", "gi", "e"), ("mul", "ngi", "y")))]),
    f32_kernel("clamp_min_f32", ["v", "vc"], ["eps"],
               stores=[("vc", ("select", ("lt", "v", "eps"), "eps", "v"))]),
    f32_kernel("gaussian_nll_sum_f32", ["x", "y", "v", "lv"], ["eps", "c"], GAUSSIAN_LETS,
               total=GAUSSIAN_LOSS),
    f32_kernel("gaussian_nll_grad_f32", ["x", "y", "v", "lv", "g"], ["eps", "c", "h"],
               GAUSSIAN_LETS, [("g", ("mul", ("div", "h", "vc"), ("mul", 2, "d")))],
               GAUSSIAN_LOSS),
])


HEADER = """;; Generated by scripts/gen_explog_wat.py: edit that, not this file.
;; Elementwise exp and log in float64 arithmetic (f64x2), for float64 arrays and for float32
;; arrays (promoted, computed in float64, rounded once). exp is wasm/softmax.wat's float64 exp
;; (range reduction by ln2, Taylor series to r^13, 2^k in two halves); log is musl's (fdlibm's)
;; log, with subnormals scaled by 2^54. dst[i] = f(src[i]) for n elements, four per step (up
;; to three elements past the end are read and written); src may be dst. Constants live in locals
;; (V8 rebuilds a v128.const at every use). Accuracy: losses/_cpu/explog_test.ts. Last, whole-loss
;; kernels in float32 lanes around the log (Gaussian NLL), step for step the loss file's loop.
(module
  (memory (export "memory") 1)
"""

out = HEADER
out += kernel("exp_f32", False, EXP_CONSTS_F32, EXP_BODY + EXP_SCALE_F32, EXP_LOCALS)
out += kernel("exp_f64", True, EXP_CONSTS, EXP_BODY + EXP_SCALE_F64, EXP_LOCALS)
out += kernel("log_f32", False, LOG_CONSTS, LOG_BODY, LOG_LOCALS)
out += kernel("log_f64", True, LOG_CONSTS, LOG_BODY, LOG_LOCALS)
# log(1 - x) of float32 x, 1 - x exact in float64 for x in [2^-29, 1] (binary cross-entropy)
out += kernel("log1m_f32", False, LOG_CONSTS,
              "\n        (local.set $v (f64x2.sub (local.get $one) (local.get $v)))" + LOG_BODY,
              LOG_LOCALS)
out += LOSS_KERNELS
out += ")\n"
import pathlib
import sys

target = pathlib.Path(__file__).resolve().parent.parent.joinpath("wasm/explog.wat")
if sys.argv[1:] == ["--check"]:
    if target.read_text() != out:
        sys.exit("wasm/explog.wat differs from scripts/gen_explog_wat.py: run it")
else:
    target.write_text(out)
