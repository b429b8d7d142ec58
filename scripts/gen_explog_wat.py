#!/usr/bin/env python3
"""Writes wasm/explog.wat, losses/_cpu/generated/math32.ts and wasm/softmax.wat's exp_rows_f32.

wasm/explog.wat: elementwise exp and log over arrays (src, dst, n): dst[i] = f(src[i]).
`exp_f64` and `log_f64` compute in float64 (f64x2); `exp_f32`, `log_f32` and `log1p_f32`
compute in float32 (f32x4), from the steps of MATH32 below, within 1 ulp. After them,
whole-loss kernels in float32 lanes that work around the float32 exp and log (LOSS_KERNELS).
math32.ts: the same float32 steps as scalar TypeScript (exp32, log32, log1p32), the same bits.
wasm/softmax.wat: the row kernels' exp_rows_f32 (between its two markers), whose exp is exp32's
steps, so softmax, log-softmax and cross-entropy share the one float32 exp.
Run: python3 scripts/gen_explog_wat.py [--check]
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


import pathlib
import re
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from wat_constants import globalize, globalize_module  # noqa: E402


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
#               pmin pmax (pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a: one x86
#               instruction each where min and max take V8 several; Math.min(a, c) is pmin(a, c)
#               for any constant c, and Math.max(a, c) is pmax(a, c) for a constant c other
#               than 0), neg abs, lt gt le ge eq (lane masks), select (mask, then, else)
# A kernel stores whole vectors (up to three elements past n, which the caller leaves room for)
# and returns the float64 sum of `total` over its n elements (0 without one).

BINARY = {"add": "f32x4.add", "sub": "f32x4.sub", "mul": "f32x4.mul", "div": "f32x4.div",
          "min": "f32x4.min", "max": "f32x4.max", "pmin": "f32x4.pmin", "pmax": "f32x4.pmax",
          "lt": "f32x4.lt", "gt": "f32x4.gt",
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
# KL divergence (losses/kl_div.ts): with a = log(y), xlogy(y, y) - y x (0 where y is 0), the
# gradient -gi y; with a log target, e = exp(y): e (y - x), the gradient -(gi e).
# binary cross-entropy (losses/binary_cross_entropy.ts), no weights: a = log(x), c = log1p(-x),
# l = (y - 1) max(c, -100) - y max(a, -100); the gradient g (x - y) / max((1 - x) x, eps) / count.
BCE_LETS = [("logx", ("pmax", "a", -100)), ("l1m", ("pmax", "c", -100))]
# multilabel soft margin (losses/multilabel_soft_margin_loss.ts), per element before the row
# mean, from t = log1p(exp(-|x|)): -(y (min(x, 0) - t) + (1 - y) (min(-x, 0) - t)); the input's
# gradient for the row gradient gl from e = exp(-|x|), q = e / (1 + e): logsigmoid's backward
# at x and at -x, (u < 0 ? 1 - q : q) times -gl y and -gl (1 - y).
MLSM_TERM = ("neg", ("add", ("mul", "y", ("sub", ("pmin", "x", 0.0), "t")),
                          ("mul", ("sub", 1.0, "y"), ("sub", ("pmin", ("neg", "x"), 0.0), "t"))))
MLSM_Q = [("q", ("div", "e", ("add", 1.0, "e"))), ("ga", ("neg", "gl")),
          ("ca", ("mul", "ga", "y")), ("cb", ("mul", "ga", ("sub", 1.0, "y")))]
MLSM_GRAD = ("add",
             ("select", ("lt", "x", 0.0), ("mul", ("sub", 1.0, "q"), "ca"), ("mul", "q", "ca")),
             ("neg", ("select", ("lt", ("neg", "x"), 0.0), ("mul", ("sub", 1.0, "q"), "cb"),
                      ("mul", "q", "cb"))))
LOSS_KERNELS = "".join([
    f32_kernel("bce_sum_f32", ["x", "y", "a", "c"], [], BCE_LETS,
               total=("sub", ("mul", ("sub", "y", 1), "l1m"), ("mul", "y", "logx"))),
    f32_kernel("bce_grad_f32", ["x", "y", "g"], ["go", "eps", "count"], stores=[
        ("g", ("div", ("div", ("mul", "go", ("sub", "x", "y")),
                       ("pmax", ("mul", ("sub", 1, "x"), "x"), "eps")), "count"))]),
    f32_kernel("neg_f32", ["x", "a"], stores=[("a", ("neg", "x"))]),
    f32_kernel("kl_sum_f32", ["x", "y", "a"],
               total=("sub", ("select", ("eq", "y", 0), 0, ("mul", "y", "a")), ("mul", "y", "x"))),
    f32_kernel("kl_grad_f32", ["y", "g"], ["gi"], stores=[("g", ("mul", ("neg", "gi"), "y"))]),
    f32_kernel("kl_log_target_sum_f32", ["x", "y", "e"], total=("mul", "e", ("sub", "y", "x"))),
    f32_kernel("kl_log_target_grad_f32", ["e", "g"], ["gi"], stores=[("g", ("neg", ("mul", "gi", "e")))]),
    f32_kernel("clamp_min_f32", ["v", "vc"], ["eps"],
               stores=[("vc", ("select", ("lt", "v", "eps"), "eps", "v"))]),
    f32_kernel("gaussian_nll_sum_f32", ["x", "y", "v", "lv"], ["eps", "c"], GAUSSIAN_LETS,
               total=GAUSSIAN_LOSS),
    f32_kernel("gaussian_nll_grad_f32", ["x", "y", "v", "lv", "g"], ["eps", "c", "h"],
               GAUSSIAN_LETS, [("g", ("mul", ("div", "h", "vc"), ("mul", 2, "d")))],
               GAUSSIAN_LOSS),
])


# ---- float32 exp, log and log1p, computed in float32 ---------------------------------------
# One definition of each, written below as straight-line float32 and int32 steps, becomes two
# implementations that give the same bits: f32x4 lanes in the kernels here (exp_f32, log_f32,
# log1p_f32) and the scalar functions exp32, log32, log1p32 of
# losses/_cpu/generated/math32.ts (each float32 step one Math.fround), for the loss files'
# scalar loops. No step has a machine-dependent result (no fused multiply-add, no relaxed
# SIMD). Accuracy, within 1 ulp of the float64 function over the whole float32 range, and the
# two implementations' agreement: losses/_cpu/math32_test.ts.
#   a name        the argument `x` or an earlier step
#   a float       a float32 constant; ("i", n) an int32 constant
#   (op, ...)     float32: add sub mul div abs, pmin pmax (pmin(a, b) = b < a ? b : a,
#                 pmax(a, b) = a < b ? b : a: a nan in a stays); masks: lt gt le ge eq ne (float32),
#                 ilt igt ige (int32), and or; select (mask, then, else) of any type;
#                 int32: iadd isub iand shl shr (arithmetic, by a constant);
#                 bits (float32 -> its int32 bits), float (int32 bits -> float32),
#                 cvtf (int32 -> float32 value)
# Steps name their type by what they compute; the emitters need no annotations.

MAGIC = 12582912.0  # 1.5 * 2^23: x + MAGIC - MAGIC rounds x to an integer (ties to even)
LN2_HI = 0.693359375  # 9 significant bits: k * LN2_HI is exact for |k| < 2^15
LN2_LO = -2.12194440e-4
LG = [0.66666662693, 0.40000972152, 0.28498786688, 0.24279078841]  # fdlibm's logf
LOG_LN2_HI = 6.9313812256e-01
LOG_LN2_LO = 9.0580006145e-06
# e^r = 1 + r + r^2 p(r) on [-ln 2 / 2, ln 2 / 2]: p of degree 4, fitted to the relative error of
# e^r and rounded to float32 by scripts/fit_exp_poly.py. exp32's worst error with it is 0.895 ulp
# over every float32; Cephes expf's p of degree 5, which it replaced with two operations fewer a
# vector, gave about the same (0.895 against 0.882 over every 7th float32 in [-87, 88]).
EXP_POLY = [0.0013814602280035615, 0.008368715643882751, 0.04166838899254799,
            0.1666652113199234, 0.4999999403953552]


def horner(coefs, var, name):
    steps = [(f"{name}0", ("add", ("mul", coefs[0], var), coefs[1]))]
    for j, c in enumerate(coefs[2:], 1):
        steps.append((f"{name}{j}", ("add", ("mul", f"{name}{j - 1}", var), c)))
    return steps, f"{name}{len(coefs) - 2}"


EXP_POLY_STEPS, EXP_P = horner(EXP_POLY, "r", "p")
# exp: x clamped to [-104, 89] (nan stays), k = round(x / ln 2), r = x - k ln 2 in two parts
# (the high one exact), e^r = 1 + (rhi + (rlo + r^2 p(r))), then 2^k in two halves so that a
# subnormal result rounds once and 2^128 overflows to inf. t = x / ln 2 + 1.5 * 2^23 lies in
# [2^23, 2^24), where float32 steps by 1, so its bits are those of 1.5 * 2^23 plus k: shifted
# left by 23 they are k << 23 (the constant's low 9 bits are 0), and 2^k's halves come from
# them and from 1.0's bits (127 << 23) with no conversion to integers. Each half is 2^(k/2
# rounded down, or up).
EXP32 = [
    ("xh", ("pmin", "x", 89.0)),
    ("xc", ("pmax", "xh", -104.0)),
    ("t", ("add", ("mul", "xc", 1.4426950408889634), MAGIC)),
    ("k", ("sub", "t", MAGIC)),
    ("rhi", ("sub", "xc", ("mul", "k", LN2_HI))),
    ("rlo", ("mul", "k", -LN2_LO)),
    ("r", ("add", "rhi", "rlo")),
    *EXP_POLY_STEPS,
    ("q", ("add", 1.0, ("add", ("add", "rlo", ("mul", ("mul", "r", "r"), EXP_P)), "rhi"))),
    ("tb", ("bits", "t")),
    ("k1", ("shr", "tb", 1)),
    ("s1", ("float", ("iadd", ("shl", "k1", 23), ("i", 127 << 23)))),
    ("s2", ("float", ("iadd", ("shl", ("isub", "tb", "k1"), 23), ("i", 127 << 23)))),
    ("result", ("mul", ("mul", "q", "s1"), "s2")),
]


def log_tail(f, k, c):
    """fdlibm's logf from f = m - 1 (m in [sqrt(2)/2, sqrt(2))), the float32 exponent k and a
    correction c: s = f / (2 + f), log(1 + f) = f - hfsq + s (hfsq + R(s^2))."""
    lo = ("mul", k, LOG_LN2_LO) if c is None else ("add", ("mul", k, LOG_LN2_LO), c)
    return [
        ("s", ("div", f, ("add", 2.0, f))),
        ("z", ("mul", "s", "s")),
        ("w", ("mul", "z", "z")),
        ("t1", ("mul", "w", ("add", LG[1], ("mul", "w", LG[3])))),
        ("t2", ("mul", "z", ("add", LG[0], ("mul", "w", LG[2])))),
        ("hfsq", ("mul", ("mul", 0.5, f), f)),
        ("a", ("add", ("add", ("sub", ("add", ("mul", "s", ("add", "hfsq", ("add", "t2", "t1"))),
                                        lo), "hfsq"), f), ("mul", k, LOG_LN2_HI))),
    ]


INF = float("inf")
NAN = float("nan")
# log: subnormals scaled by 2^25 first; x = 2^k m; 0 gives -inf, inf gives inf, x < 0 and nan
# give nan.
LOG32 = [
    ("ix", ("bits", "x")),
    ("sub", ("and", ("ilt", "ix", ("i", 0x00800000)), ("igt", "ix", ("i", 0)))),
    ("iy", ("iadd", ("bits", ("select", "sub", ("mul", "x", 33554432.0), "x")),
            ("i", 0x3f800000 - 0x3f3504f3))),
    ("k", ("cvtf", ("isub", ("isub", ("shr", "iy", 23), ("i", 0x7f)),
                    ("select", "sub", ("i", 25), ("i", 0))))),
    ("f", ("sub", ("float", ("iadd", ("iand", "iy", ("i", 0x007fffff)), ("i", 0x3f3504f3))), 1.0)),
    *log_tail("f", "k", None),
    ("result", ("select", ("eq", "x", 0.0), -INF, ("select", ("eq", "x", INF), INF,
                ("select", ("or", ("lt", "x", 0.0), ("ne", "x", "x")), NAN, "a")))),
]
# log1p: fdlibm's log1pf. u = 1 + x, its exponent k and a correction c = (the part of x that
# u lost) / u; between sqrt(2)/2 - 1 and sqrt(2) - 1 directly from f = x (k = 0, c = 0); x
# itself below 2^-24; -1 gives -inf, inf gives inf, x < -1 and nan give nan.
LOG1P32 = [
    ("u", ("add", 1.0, "x")),
    ("iu", ("iadd", ("bits", "u"), ("i", 0x3f800000 - 0x3f3504f3))),
    ("ku", ("isub", ("shr", "iu", 23), ("i", 0x7f))),
    ("cu", ("select", ("ige", "ku", ("i", 2)), ("sub", 1.0, ("sub", "u", "x")),
            ("sub", "x", ("sub", "u", 1.0)))),
    ("near", ("and", ("ge", "x", -0.2928932309150696), ("lt", "x", 0.41421353816986084))),
    ("k", ("cvtf", ("select", "near", ("i", 0), "ku"))),
    ("c", ("select", ("or", "near", ("ige", "ku", ("i", 25))), 0.0, ("div", "cu", "u"))),
    ("f", ("select", "near", "x", ("sub", ("float", ("iadd", ("iand", "iu", ("i", 0x007fffff)),
                                                     ("i", 0x3f3504f3))), 1.0))),
    *log_tail("f", "k", "c"),
    ("result", ("select", ("lt", ("abs", "x"), 5.960464477539063e-08), "x",
                ("select", ("eq", "x", -1.0), -INF, ("select", ("eq", "x", INF), INF,
                 ("select", ("or", ("lt", "x", -1.0), ("ne", "x", "x")), NAN, "a"))))),
]
# log1p32's steps for x in (0, 1]: there u = 1 + x lies in (1, 2], so its exponent ku is 0 or 1
# (neither of the cases ku >= 2 and ku >= 25), x is not below sqrt(2)/2 - 1, and of the
# result's selects only the one for x below 2^-24 can pass: these give log1p32's bits with
# about fifteen operations fewer. A fused kernel takes them for the exp of steps no greater
# than 0 that all lie in [-87, 88] (exp_then with log1p). The bits are checked through
# multilabel soft margin's fused kernel, against log1p32 over every 2039th float32
# (losses/multilabel_soft_margin_loss_test.ts).
LOG1P32_UNIT = [
    ("u", ("add", 1.0, "x")),
    ("iu", ("iadd", ("bits", "u"), ("i", 0x3f800000 - 0x3f3504f3))),
    ("ku", ("isub", ("shr", "iu", 23), ("i", 0x7f))),
    ("cu", ("sub", "x", ("sub", "u", 1.0))),
    ("near", ("lt", "x", 0.41421353816986084)),
    ("k", ("cvtf", ("select", "near", ("i", 0), "ku"))),
    ("c", ("select", "near", 0.0, ("div", "cu", "u"))),
    ("f", ("select", "near", "x", ("sub", ("float", ("iadd", ("iand", "iu", ("i", 0x007fffff)),
                                                     ("i", 0x3f3504f3))), 1.0))),
    *log_tail("f", "k", "c"),
    ("result", ("select", ("lt", "x", 5.960464477539063e-08), "x", "a")),
]
MATH32 = {"exp": EXP32, "log": LOG32, "log1p": LOG1P32}

F32_BINARY = {"add": "f32x4.add", "sub": "f32x4.sub", "mul": "f32x4.mul", "div": "f32x4.div",
              "lt": "f32x4.lt", "gt": "f32x4.gt", "le": "f32x4.le", "ge": "f32x4.ge",
              "eq": "f32x4.eq", "ne": "f32x4.ne", "and": "v128.and", "or": "v128.or",
              "pmin": "f32x4.pmin", "pmax": "f32x4.pmax", "iadd": "i32x4.add", "isub": "i32x4.sub", "iand": "v128.and",
              "ilt": "i32x4.lt_s", "igt": "i32x4.gt_s", "ige": "i32x4.ge_s",
              # max, min and neg: for the fused kernels' own steps (math_ts writes none of them)
              "max": "f32x4.max", "min": "f32x4.min"}
F32_UNARY = {"abs": "f32x4.abs", "cvtf": "f32x4.convert_i32x4_s", "bits": None, "float": None,
             "neg": "f32x4.neg"}
TS_BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "lt": "<", "gt": ">", "le": "<=",
             "ge": ">=", "eq": "===", "ne": "!==", "and": "&&", "or": "||", "iand": "&",
             "ilt": "<", "igt": ">", "ige": ">="}


def f32_literal(v):
    """The float32 value of v, as WebAssembly text and as a TypeScript literal."""
    if v != v:
        return "nan", "NaN"
    if v in (INF, -INF):
        return ("inf", "Infinity") if v > 0 else ("-inf", "-Infinity")
    r = struct.unpack("<f", struct.pack("<f", v))[0]
    return repr(r), repr(r)


def math_wat(steps, prefix, consts, shared=()):
    """The steps as `local.set`s of v128 locals named `$<prefix><step>`, reading `$<prefix>x`;
    constants are named in `consts` (value -> local) for the caller to splat once; names in
    `shared` are locals of no chain (a kernel's scalar arguments)."""
    def const(key, make):
        if key not in consts:
            consts[key] = (f"k{len(consts)}", make)
        return f"(local.get ${consts[key][0]})"

    def expr(e):
        if isinstance(e, str):
            return f"(local.get ${e})" if e in shared else f"(local.get ${prefix}{e})"
        if isinstance(e, float):
            bits = struct.pack("<f", e).hex()
            return const(("f", bits), f"(f32x4.splat (f32.const {f32_literal(e)[0]}))")
        op, *args = e
        if op == "i":
            return const(("i", args[0]), f"(i32x4.splat (i32.const {args[0]}))")
        if op == "select":
            m, a, b = args
            return f"(v128.bitselect {expr(a)} {expr(b)} {expr(m)})"
        if op in ("shl", "shr"):
            name = "i32x4.shl" if op == "shl" else "i32x4.shr_s"
            return f"({name} {expr(args[0])} (i32.const {args[1]}))"
        if op in F32_UNARY:
            return expr(args[0]) if F32_UNARY[op] is None else f"({F32_UNARY[op]} {expr(args[0])})"
        return f"({F32_BINARY[op]} {expr(args[0])} {expr(args[1])})"

    return "".join(f"\n        (local.set ${prefix}{n} {expr(e)})" for n, e in steps)


def math_ts(name, steps):
    """The steps as a scalar TypeScript function: float32 steps rounded with Math.fround, int32
    steps with `| 0`, masks as booleans."""
    def expr(e):
        if isinstance(e, str):
            return e
        if isinstance(e, float):
            return f32_literal(e)[1]
        op, *args = e
        if op == "i":
            return str(args[0])
        if op == "select":
            m, a, b = args
            return f"({expr(m)} ? {expr(a)} : {expr(b)})"
        if op == "shl":
            return f"({expr(args[0])} << {args[1]})"
        if op == "shr":
            return f"({expr(args[0])} >> {args[1]})"
        if op in ("iadd", "isub"):
            return f"(({expr(args[0])} {'+' if op == 'iadd' else '-'} {expr(args[1])}) | 0)"
        if op == "bits":
            return f"bits({expr(args[0])})"
        if op == "float":
            return f"float({expr(args[0])})"
        if op == "cvtf":
            return f"fr({expr(args[0])})"
        if op == "abs":
            return f"Math.abs({expr(args[0])})"
        if op in ("pmin", "pmax"):
            a, b = expr(args[0]), expr(args[1])
            return f"({b} < {a} ? {b} : {a})" if op == "pmin" else f"({a} < {b} ? {b} : {a})"
        if op in ("add", "sub", "mul", "div"):
            return f"fr({expr(args[0])} {TS_BINARY[op]} {expr(args[1])})"
        return f"({expr(args[0])} {TS_BINARY[op]} {expr(args[1])})"

    body = "".join(f"\n  const {n} = {expr(e)};" for n, e in steps[:-1])
    return f"""
/** {name}(x) of a float32 `x`, as the kernels' `{name}_f32` computes it (see the module doc). */
export function {name}32(x: number): number {{
  x = fr(x);{body}
  return {expr(steps[-1][1])};
}}
"""


CHAINS = "abcd"  # the prefixes of up to four vectors computed in one step


def chains(steps, n, consts, shared=()):
    """The steps for n vectors at once (locals `$a_<step>`, `$b_<step>`, ...), interleaved step
    by step: V8 emits a kernel's operations in the order of the text, so chains written one
    after the other leave the core waiting on each one's latency (the float32 exp over 16,000
    elements in Deno: 1.5 ns an element with four chains interleaved, 2.2 with two written in
    turn)."""
    bodies = [math_wat(steps, f"{p}_", consts, shared).split("\n")[1:] for p in CHAINS[:n]]
    return "".join("\n" + line for lines in zip(*bodies) for line in lines)


def chain_locals(step_lists, consts):
    """Declarations of every chain's v128 locals (its `x` and steps), then the constants', and
    the constants' splats."""
    names = list(dict.fromkeys(["x", *[n for steps in step_lists for n, _ in steps]]))
    locals_ = " ".join(f"(local ${p}_{n} v128)" for p in CHAINS for n in names)
    locals_ += "\n    " + " ".join(f"(local ${v[0]} v128)" for v in consts.values())
    sets = "".join(f"\n    (local.set ${v[0]} {v[1]})" for v in consts.values())
    return locals_, sets


def math_kernel(fn, steps, normal=None):
    """`<fn>_f32` (src, dst, n): dst[i] = fn(src[i]) over float32 arrays, four vectors a step
    while sixteen elements remain, then two, up to seven elements past n read and written (the
    caller leaves room). With `normal`, a pair (steps, check) from NORMAL_STEPS, a step of four
    vectors that `check` passes takes those steps instead."""
    consts = {}
    four, two = chains(steps, 4, consts), chains(steps, 2, consts)
    short = None if normal is None else chains(normal[0], 4, consts)
    locals_, sets = chain_locals([steps] + ([] if normal is None else [normal[0]]), consts)

    def step(n, body):
        loads = "".join(f"\n        (local.set ${p}_x (v128.load offset={16 * k} align=4 (local.get $src)))"
                        for k, p in enumerate(CHAINS[:n]))
        stores = "".join(f"\n        (v128.store offset={16 * k} align=4 (local.get $dst) (local.get ${p}_result))"
                         for k, p in enumerate(CHAINS[:n]))
        return f"""{loads}{body}{stores}
        (local.set $src (i32.add (local.get $src) (i32.const {16 * n})))
        (local.set $dst (i32.add (local.get $dst) (i32.const {16 * n})))"""
    if short is not None:
        check_locals, check_sets, check = normal[1]()
        sets += check_sets
        locals_ += check_locals
        four = f"""
        (if {check}
          (then{short})
          (else{four}))"""
    return f"""
  (func (export "{fn}_f32") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) {locals_}{sets}
    (local.set $end (i32.add (local.get $src) (i32.mul (local.get $n) (i32.const 4))))
    (block $done (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $src) (i32.const 64)) (local.get $end))){step(4, four)}
        (br $vec)))
    (block $done (loop $vec
        (br_if $done (i32.ge_u (local.get $src) (local.get $end))){step(2, two)}
        (br $vec))))
"""


# exp32's steps where 2^k is a normal float32 (x in [-87, 88]): no clamp changes x there, and
# q * 2^k rounds once whether 2^k is applied whole or in halves, so these give exp32's bits
# with seven fewer operations. The row kernel takes them for a row whose every x - m lies in
# that range, exp_f32 for a step whose every lane does (losses/_cpu/math32_test.ts checks the
# bits on a dense sweep of the range and on the whole float32 range).
EXP32_NORMAL = [
    ("xc", "x"),
    *[step for step in EXP32 if step[0] not in ("xh", "xc", "k1", "s1", "s2", "result")],
    ("s", ("float", ("iadd", ("shl", "tb", 23), ("i", 127 << 23)))),
    ("result", ("mul", "q", "s")),
]


def exp_normal_check():
    """Whether all sixteen lanes of a four-vector step lie in [-87, 88] (a nan may pass: exp32
    and EXP32_NORMAL both give nan for it): locals, their sets, and the condition."""
    return (" (local $lo v128) (local $hi v128)", """
    (local.set $lo (f32x4.splat (f32.const -87)))
    (local.set $hi (f32x4.splat (f32.const 88)))""", """(i32x4.all_true (v128.and
              (f32x4.ge (f32x4.pmin (f32x4.pmin (local.get $a_x) (local.get $b_x))
                                    (f32x4.pmin (local.get $c_x) (local.get $d_x))) (local.get $lo))
              (f32x4.le (f32x4.pmax (f32x4.pmax (local.get $a_x) (local.get $b_x))
                                    (f32x4.pmax (local.get $c_x) (local.get $d_x))) (local.get $hi))))""")


# log32's steps for a positive normal finite x: there no subnormal is scaled and the result's
# selects (0, inf, negative or nan) all pass a through, so these give log32's bits with the
# fifteen operations of those cases left out (losses/_cpu/math32_test.ts checks the bits).
LOG32_NORMAL = [
    ("ix", ("bits", "x")),
    ("iy", ("iadd", "ix", ("i", 0x3f800000 - 0x3f3504f3))),
    ("k", ("cvtf", ("isub", ("shr", "iy", 23), ("i", 0x7f)))),
    ("f", ("sub", ("float", ("iadd", ("iand", "iy", ("i", 0x007fffff)), ("i", 0x3f3504f3))), 1.0)),
    *log_tail("f", "k", None),
    ("result", "a"),
]


def log_normal_check():
    """Whether all sixteen lanes of a four-vector step are positive, normal and finite: their
    bits less those of the smallest normal, 0x00800000, lie below 0x7f000000 as unsigned
    integers (a negative number, a zero, a subnormal, inf and nan all fail)."""
    def off(p):
        return f"(i32x4.sub (local.get ${p}_x) (local.get $smallest))"
    return (" (local $smallest v128) (local $span v128)", """
    (local.set $smallest (i32x4.splat (i32.const 0x00800000)))
    (local.set $span (i32x4.splat (i32.const 0x7f000000)))""", f"""(i32x4.all_true (i32x4.lt_u
              (i32x4.max_u (i32x4.max_u {off("a")} {off("b")}) (i32x4.max_u {off("c")} {off("d")}))
              (local.get $span)))""")


# the four-vector steps a math kernel takes where its check passes: (steps, check)
NORMAL_STEPS = {"exp": (EXP32_NORMAL, exp_normal_check), "log": (LOG32_NORMAL, log_normal_check)}


def staged(steps, tag, arg, out):
    """A math function's steps (EXP32, LOG32, ...) for a fused kernel: reading the step `arg`
    instead of x, its own steps named `<tag>_<step>`, its result named `out`."""
    names = {n for n, _ in steps}

    def name(n):
        return out if n == "result" else f"{tag}_{n}"

    def ren(e):
        if isinstance(e, str):
            return arg if e == "x" else name(e) if e in names else e
        if isinstance(e, tuple) and e[0] != "i":
            return (e[0], *[ren(a) for a in e[1:]])
        return e
    return [(name(n), ren(e)) for n, e in steps]


def exp_normal_all(step):
    """The condition that every lane of the four vectors' `step` lies in [-87, 88], a nan
    failing it, so that EXP32_NORMAL's steps give exp32's bits (and exp's result is a normal
    float32): the four vectors' lanes are all equal to themselves (no nan), and then their
    pmin and pmax are their minimum and maximum."""
    v = [f"(local.get ${p}_{step})" for p in CHAINS]
    return f"""(i32x4.all_true (v128.and
              (v128.and (f32x4.ge (f32x4.pmin (f32x4.pmin {v[0]} {v[1]}) (f32x4.pmin {v[2]} {v[3]}))
                                  (local.get $lo))
                        (f32x4.le (f32x4.pmax (f32x4.pmax {v[0]} {v[1]}) (f32x4.pmax {v[2]} {v[3]}))
                                  (local.get $hi)))
              (v128.and (v128.and (f32x4.eq {v[0]} {v[0]}) (f32x4.eq {v[1]} {v[1]}))
                        (v128.and (f32x4.eq {v[2]} {v[2]}) (f32x4.eq {v[3]} {v[3]})))))"""


def fused_kernel(name, arrays, scalars, pre, check, slow, fast, stores=(), total=None,
                 export=True):
    """`<name>` (the arrays' byte offsets, n, the scalars as float32) -> f64, a whole loss in one
    pass: per element the steps `pre`, then `slow`, reading each array's element by its name and
    each scalar by its own. A step of four vectors whose every lane of `check` (a step of `pre`)
    lies in [-87, 88] takes `fast` instead, whose results are `slow`'s, bit for bit (EXP32_NORMAL
    for EXP32 there, and LOG32_NORMAL for LOG32 on what is then a normal positive number). It
    stores `stores` ((array, step)) as whole vectors, up to three elements past n (the caller
    leaves room), and returns the float64 sum of the step `total` (0 without one), the vectors
    added in order and lanes past n adding +0: the bits of the separate passes it replaces
    (exp_f32, log_f32, and an f32_kernel's total). Four vectors a step while sixteen elements
    remain, their chains interleaved, then one vector at a time through `slow`. Without `export`,
    a function `$<name>` for the module's own calls."""
    consts = {}
    written = {a for a, _ in stores}
    reads = [a for a in arrays if a not in written]
    names = list(dict.fromkeys(reads + [n for steps in (pre, slow, fast) for n, _ in steps]))
    pre4, slow4, fast4 = (chains(steps, 4, consts, scalars) for steps in (pre, slow, fast))
    pre1, slow1 = (chains(steps, 1, consts, scalars) for steps in (pre, slow))

    def loads(n):
        return "".join(f"""
        (local.set ${p}_{a} (v128.load offset={16 * k} align=4 (i32.add (local.get ${a}) (local.get $off))))"""
                       for k, p in enumerate(CHAINS[:n]) for a in reads)

    def finish(n):
        out = "".join(f"""
        (v128.store offset={16 * k} align=4 (i32.add (local.get ${a}) (local.get $off)) (local.get ${p}_{step}))"""
                      for k, p in enumerate(CHAINS[:n]) for a, step in stores)
        if total is not None:
            for p in CHAINS[:n]:
                lanes = f"(local.get ${p}_{total})"
                if n == 1:  # lanes at or past n add +0
                    lanes = f"""(v128.and {lanes}
          (i32x4.lt_s (i32x4.add (local.get $iota) (i32x4.splat (local.get $i))) (local.get $nv)))"""
                out += f"""
        (local.set $l {lanes})
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $l))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $l) (local.get $l)))))"""
        return out + f"""
        (local.set $i (i32.add (local.get $i) (i32.const {4 * n})))
        (local.set $off (i32.add (local.get $off) (i32.const {16 * n})))"""

    params = " ".join(f"(param ${a} i32)" for a in arrays) + " (param $n i32)" + "".join(
        f" (param ${c}_ f32)" for c in scalars)
    locals_ = " ".join(f"(local ${p}_{n} v128)" for p in CHAINS for n in names)
    locals_ += "\n    " + " ".join(f"(local ${v} v128)" for v in
                                   [*scalars, *(c[0] for c in consts.values()), "lo", "hi", "l",
                                    "a0", "a1", "iota", "nv"])
    sets = "".join(f"\n    (local.set ${c} (f32x4.splat (local.get ${c}_)))" for c in scalars)
    sets += "".join(f"\n    (local.set ${v[0]} {v[1]})" for v in consts.values())
    return f"""
  (func {f'(export "{name}")' if export else f'${name}'} {params} (result f64)
    (local $i i32) (local $off i32) {locals_}{sets}
    (local.set $lo (f32x4.splat (f32.const -87)))
    (local.set $hi (f32x4.splat (f32.const 88)))
    (local.set $iota (v128.const i32x4 0 1 2 3))
    (local.set $nv (i32x4.splat (local.get $n)))
    (block $done (loop $vec
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n))){loads(4)}{pre4}
        (if {exp_normal_all(check)}
          (then{fast4})
          (else{slow4})){finish(4)}
        (br $vec)))
    (block $done (loop $vec
        (br_if $done (i32.ge_s (local.get $i) (local.get $n))){loads(1)}{pre1}{slow1}{finish(1)}
        (br $vec)))
    (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
    (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
"""


def exp_then(arg, out, post=(), log=None, after=(), log1p=False):
    """A fused kernel's (slow, fast) steps: exp of the step `arg`, named `out`, then the steps
    `post`; with `log` = (its argument, its result), then that log and the steps `after`. With
    `log1p`, log1p instead of log, of the exp itself, and `arg` never above 0: the fast steps'
    log1p is then of a number in (0, 1] (LOG1P32_UNIT)."""
    slow = staged(EXP32, "e", arg, out) + list(post)
    fast = staged(EXP32_NORMAL, "e", arg, out) + list(post)
    if log is not None:
        slow += staged(LOG1P32 if log1p else LOG32, "g", *log) + list(after)
        fast += staged(LOG1P32_UNIT if log1p else LOG32_NORMAL, "g", *log) + list(after)
    return slow, fast


# The fused kernels' steps (see fused_kernel), each as the loss file's scalar loop rounds it.
# soft margin (losses/soft_margin_loss.ts): z = -x y, b = log(1 + exp(z)); the gradient
# ((y e) nn) / (1 + e) go, nn the gradient's -norm
SOFT_MARGIN_PRE = [("z", ("mul", ("neg", "x"), "y"))]
SOFT_MARGIN = {"arg": "z", "out": "e", "post": [("u", ("add", 1.0, "e"))], "log": ("u", "b")}
SOFT_MARGIN_GRAD = ("gx", ("mul", ("div", ("mul", ("mul", "y", "e"), "nn"), "u"), "go"))
# binary cross-entropy with logits, no weights (losses/binary_cross_entropy_with_logits.ts):
# a = exp(-|x|), c = log(1 + a) (nan at x = -inf), l = (1 - y) x + max(-x, 0) + c; the gradient
# from e = exp(-x): (1 / (1 + e) - y) go / count. max(-x, 0) as pmax(-x, 0), which is -0 where
# Math.max gives +0 (x = +0), where c = log 2 then makes l the same.
BCE_LOGITS = exp_then("z", "a", [("u", ("select", ("eq", "x", -INF), NAN, ("add", 1.0, "a")))],
                      ("u", "c"), [("l", ("add", ("add", ("mul", ("sub", 1.0, "y"), "x"),
                                                  ("pmax", ("neg", "x"), 0.0)), "c"))])
BCE_LOGITS_GRAD = exp_then("z", "e", [
    ("gx", ("div", ("mul", ("sub", ("div", 1.0, ("add", 1.0, "e")), "y"), "go"), "count"))])
# Poisson NLL, log input (losses/poisson_nll_loss.ts): e = exp(x), l = e - y x; the gradient
# gi e + ngi y, ngi = -gi
POISSON_LOSS = ("l", ("sub", "e", ("mul", "y", "x")))
POISSON_GRAD = ("gx", ("add", ("mul", "gi", "e"), ("mul", "ngi", "y")))
# multilabel soft margin, float32 (N, C) without weights (losses/multilabel_soft_margin_loss.ts):
# z = -|x|, e = exp(z), t = log1p(e), the term MLSM_TERM stored for the row means; the gradient
# from e alone (MLSM_Q, MLSM_GRAD).
MLSM_PRE = [("z", ("neg", ("abs", "x")))]

FUSED_KERNELS = "".join([
    fused_kernel("soft_margin_fused_f32", ["x", "y"], [], SOFT_MARGIN_PRE, "z",
                 *exp_then(**SOFT_MARGIN), total="b"),
    fused_kernel("soft_margin_fused_grad_f32", ["x", "y", "g"], ["nn", "go"], SOFT_MARGIN_PRE, "z",
                 *exp_then(**SOFT_MARGIN, after=[SOFT_MARGIN_GRAD]), [("g", "gx")], "b"),
    fused_kernel("bce_logits_fused_f32", ["x", "y"], [], [("z", ("neg", ("abs", "x")))], "z",
                 *BCE_LOGITS, total="l"),
    fused_kernel("bce_logits_fused_grad_f32", ["x", "y", "g"], ["go", "count"],
                 [("z", ("neg", "x"))], "z", *BCE_LOGITS_GRAD, [("g", "gx")]),
    fused_kernel("poisson_log_fused_f32", ["x", "y"], [], [], "x",
                 *exp_then("x", "e", [POISSON_LOSS]), total="l"),
    fused_kernel("poisson_log_fused_grad_f32", ["x", "y", "g"], ["gi", "ngi"], [], "x",
                 *exp_then("x", "e", [POISSON_LOSS, POISSON_GRAD]), [("g", "gx")], "l"),
    fused_kernel("multilabel_soft_margin_fused_f32", ["x", "y", "out"], [], MLSM_PRE, "z",
                 *exp_then("z", "e", [], ("e", "t"), [("l", MLSM_TERM)], log1p=True),
                 [("out", "l")]),
    fused_kernel("multilabel_soft_margin_fused_grad_f32", ["x", "y", "g"], ["gl"], MLSM_PRE, "z",
                 *exp_then("z", "e", [*MLSM_Q, ("gx", MLSM_GRAD)]), [("g", "gx")]),
])


def row_means_kernel():
    """`row_means_f32` (src, dst, rows, cols): dst[r] = float32(float32(s) / cols) for each row
    r of `cols` float32 at src, s the float64 sum of the row's values in order from +0 (the
    loss files' loop: `sum += term`, then `Math.fround(Math.fround(sum) / cols)`). Four rows
    at a time while four remain, then two, each its own chain (one chain waits on every add)."""
    def row(k):
        at = "(local.get $p)" if k == 0 else f"(i32.add (local.get $p) (local.get $o{k}))"
        return f"""
          (local.set $s{k} (f64.add (local.get $s{k}) (f64.promote_f32 (f32.load {at}))))"""

    def mean(k):
        return f"""
        (f32.store offset={4 * k} (local.get $dst) (f32.demote_f64 (f64.div
          (f64.promote_f32 (f32.demote_f64 (local.get $s{k}))) (local.get $c))))"""

    def rows(n, label):
        zero = "".join(f"\n        (local.set $s{k} (f64.const 0))" for k in range(n))
        return f"""
    (block ${label}done (loop ${label}
        (br_if ${label}done (i32.lt_s (local.get $rows) (i32.const {n}))){zero}
        (local.set $p (local.get $src))
        (local.set $end (i32.add (local.get $src) (local.get $stride)))
        (block $cdone (loop $col
          (br_if $cdone (i32.ge_u (local.get $p) (local.get $end))){"".join(row(k) for k in range(n))}
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $col))){"".join(mean(k) for k in range(n))}
        (local.set $src (i32.add (local.get $src) (i32.mul (local.get $stride) (i32.const {n}))))
        (local.set $dst (i32.add (local.get $dst) (i32.const {4 * n})))
        (local.set $rows (i32.sub (local.get $rows) (i32.const {n})))
        (br ${label})))"""
    return f"""
  (func (export "row_means_f32") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $p i32) (local $end i32) (local $stride i32) (local $o1 i32) (local $o2 i32)
    (local $o3 i32) (local $c f64) (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64)
    (local.set $c (f64.convert_i32_s (local.get $cols)))
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $o1 (local.get $stride))
    (local.set $o2 (i32.shl (local.get $stride) (i32.const 1)))
    (local.set $o3 (i32.add (local.get $o2) (local.get $stride))){rows(4, "four")}{rows(2, "two")}{rows(1, "one")})
"""


def exp_rows_kernel():
    """wasm/softmax.wat's `exp_rows_f32`, whose exp is exp32's steps: per row, m = its maximum (or
    0 with $withMax = 0), out = exp(x - m) and s = sum(out) in float64 (stats[2r] = m,
    stats[2r + 1] = s). Four vectors a step while sixteen elements of the row remain, their
    chains interleaved (see `chains`), then two while eight remain, then the last one to seven
    elements in one vector or two, masked. A row whose x - m all lie in [-87, 88] takes
    EXP32_NORMAL's steps throughout (a fifth fewer operations, the same bits), its masked lanes
    computed from 0 and then cleared; any other row takes exp32's, its masked lanes set to -inf
    (exp32 gives 0). The masked step reads up to 28 bytes past the row and writes zeros there,
    which the caller's layout leaves room for (the next row's output is written after). The sum
    takes the vectors in order whatever the step, and a cleared lane adds +0, so its bits do not
    depend on the steps' widths. Rows of at most sixteen elements go four at a time (see
    `short_rows`), a row in each chain, while four rows remain."""
    consts = {}
    slow4, fast4 = chains(EXP32, 4, consts), chains(EXP32_NORMAL, 4, consts)
    slow2, fast2 = chains(EXP32, 2, consts), chains(EXP32_NORMAL, 2, consts)
    slow1, fast1 = chains(EXP32, 1, consts), chains(EXP32_NORMAL, 1, consts)
    locals_, sets = chain_locals([EXP32, EXP32_NORMAL], consts)

    def finish(n):
        stores = "".join(f"""
        (v128.store offset={16 * k} align=4 (local.get $out) (local.get ${p}_result))"""
                         for k, p in enumerate(CHAINS[:n]))
        sums = "".join(f"""
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get ${p}_result))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get ${p}_result) (local.get ${p}_result)))))"""
                       for p in CHAINS[:n])
        return f"""{stores}{sums}
        (local.set $i (i32.add (local.get $i) (i32.const {4 * n})))
        (local.set $x (i32.add (local.get $x) (i32.const {16 * n})))
        (local.set $out (i32.add (local.get $out) (i32.const {16 * n})))"""
    def loads(n):
        return "".join(f"""
        (local.set ${p}_x (f32x4.sub (v128.load offset={16 * k} align=4 (local.get $x)) (local.get $mv)))"""
                       for k, p in enumerate(CHAINS[:n]))

    def masked(n):
        # lanes at or past the row's end: $fill as input (0 in a row of EXP32_NORMAL's range,
        # whose results are then cleared; -inf otherwise, which exp32 takes to 0)
        ins = "".join(f"""
          (local.set ${p}_x (v128.bitselect
            (f32x4.sub (v128.load offset={16 * k} align=4 (local.get $x)) (local.get $mv))
            (local.get $fill)
            (local.tee $mask{k} (i32x4.lt_s (i32x4.add (local.get $iota{k}) (i32x4.splat (local.get $i)))
              (local.get $colsv)))))""" for k, p in enumerate(CHAINS[:n]))
        clear = "".join(f"""
              (local.set ${p}_result (v128.and (local.get ${p}_result) (local.get $mask{k})))"""
                        for k, p in enumerate(CHAINS[:n]))
        fast, slow = (fast1, slow1) if n == 1 else (fast2, slow2)
        return f"""{ins}
          (if (local.get $normal)
            (then{fast}{clear})
            (else{slow})){finish(n)}"""
    return f"""  (func (export "exp_rows_f32") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $stats i32) (param $withMax i32)
    (local $i i32) (local $normal i32) (local $m f32) (local $lo f32) (local $hi f32)
    (local $mv v128) (local $a0 v128) (local $a1 v128)
    (local $iota0 v128) (local $iota1 v128) (local $ninf v128) (local $colsv v128)
    (local $fill v128) (local $mask0 v128) (local $mask1 v128)
    {SHORT_LOCALS}
    {locals_}{sets}
    (local.set $iota0 (v128.const i32x4 0 1 2 3))
    (local.set $iota1 (v128.const i32x4 4 5 6 7))
    (local.set $ninf (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $colsv (i32x4.splat (local.get $cols))){short_rows(fast4, slow4)}
    (block $rdone (loop $row
      (br_if $rdone (i32.eqz (local.get $rows)))
      (call $range_f32 (local.get $x) (local.get $cols))
      (local.set $lo)
      (local.set $hi)
      (local.set $m (select (local.get $hi) (f32.const 0) (local.get $withMax)))
      ;; every x - m in [-87, 88] (false for a nan or an infinity in the row)
      (local.set $normal (i32.and (f32.ge (f32.sub (local.get $lo) (local.get $m)) (f32.const -87))
                                  (f32.le (f32.sub (local.get $hi) (local.get $m)) (f32.const 88))))
      (local.set $mv (f32x4.splat (local.get $m)))
      (local.set $a0 (v128.const f64x2 0 0))
      (local.set $a1 (v128.const f64x2 0 0))
      (local.set $i (i32.const 0))
      (block $done (loop $vec
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $cols))){loads(4)}
        (if (local.get $normal)
          (then{fast4})
          (else{slow4})){finish(4)}
        (br $vec)))
      (if (i32.le_s (i32.add (local.get $i) (i32.const 8)) (local.get $cols)) (then{loads(2)}
        (if (local.get $normal)
          (then{fast2})
          (else{slow2})){finish(2)}))
      ;; the last one to seven elements: one vector, or two
      (if (i32.lt_s (local.get $i) (local.get $cols)) (then
        (local.set $fill (select (v128.const i32x4 0 0 0 0) (local.get $ninf) (local.get $normal)))
        (if (i32.le_s (i32.sub (local.get $cols) (local.get $i)) (i32.const 4))
          (then{masked(1)})
          (else{masked(2)}))))
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
"""


# the short-row path's locals: per row r of a group, its input and output, maximum, the
# maximum splat, and its two float64 sums (first its maximum and minimum); then the step's mask,
# the row's elements left, a vector read, and the four rows' maxima and minima
SHORT_LOCALS = " ".join(
    f"(local $gx{r} i32) (local $go{r} i32) (local $gm{r} f32) (local $gmv{r} v128) "
    f"(local $ga{r} v128) (local $gb{r} v128)" for r in range(4)) + (
    " (local $gmask v128) (local $rem i32) (local $gu v128) (local $ghi v128) (local $glo v128)"
    " (local $gmax v128)")


def lanes_of_four(op, v):
    """[op over v[0]'s lanes, ..., op over v[3]'s lanes] for four vector expressions (op: f32x4.pmax
    or f32x4.pmin), by two rounds of shuffles."""
    def shuffle(a, b, lanes):
        bytes_ = " ".join(str(4 * l + j) for l in lanes for j in range(4))
        return f"(i8x16.shuffle {bytes_} {a} {b})"
    ab = f"({op} {shuffle(v[0], v[1], [0, 1, 4, 5])} {shuffle(v[0], v[1], [2, 3, 6, 7])})"
    cd = f"({op} {shuffle(v[2], v[3], [0, 1, 4, 5])} {shuffle(v[2], v[3], [2, 3, 6, 7])})"
    return f"({op} {shuffle(ab, cd, [0, 2, 4, 6])} {shuffle(ab, cd, [1, 3, 5, 7])})"


def short_rows(fast4, slow4):
    """exp_rows_f32's path for rows of at most sixteen elements, four rows at a time while four
    remain: row r in chain r (`chains`' a to d), one vector of each row a step, so that the four
    exps overlap where one short row's would leave the core waiting on its latency. Per row
    what the one-row path does: its maximum and range (here the four rows' together, in
    vectors: pmax and pmin as in $range_f32, then across lanes by shuffles), EXP32_NORMAL's
    steps when all four rows' x - m lie in [-87, 88] (else exp32's), a step's lanes past the row
    read from $fill and then cleared (the one-row path's masked step), the sums in the same
    order, so the same bits. (A maximum of zero may come out -0 where $range_f32 gives +0, when
    a row holds both: x - m and exp(x - m) do not change, nor m + log(s) with s >= 2.) A row's
    last step stores only the lanes inside it (no store past the row: the next row's output may
    already be written)."""
    rows = range(4)
    setup = "".join(f"""
        (local.set $gx{r} (i32.add (local.get $x) (i32.mul (i32.const {r}) (i32.shl (local.get $cols) (i32.const 2)))))
        (local.set $go{r} (i32.add (local.get $out) (i32.mul (i32.const {r}) (i32.shl (local.get $cols) (i32.const 2)))))
        (local.set $ga{r} (local.get $ninf))
        (local.set $gb{r} (v128.const f32x4 inf inf inf inf))""" for r in rows)
    ranges = "".join(f"""
          (local.set $gu (v128.load align=4 (i32.add (local.get $gx{r}) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $ga{r} (f32x4.pmax (local.get $ga{r}) (v128.bitselect (local.get $gu) (local.get $ninf) (local.get $gmask))))
          (local.set $gb{r} (f32x4.pmin (local.get $gb{r})
            (v128.bitselect (local.get $gu) (v128.const f32x4 inf inf inf inf) (local.get $gmask))))""" for r in rows)
    splats = "".join(f"""
        (local.set $gmv{r} (i8x16.shuffle {" ".join([str(4 * r + j) for j in range(4)] * 4)} (local.get $gmax) (local.get $gmax)))
        (local.set $gm{r} (f32x4.extract_lane {r} (local.get $gmax)))
        (local.set $ga{r} (v128.const f64x2 0 0))
        (local.set $gb{r} (v128.const f64x2 0 0))""" for r in rows)
    mask = """
          (local.set $gmask (i32x4.lt_s (i32x4.add (local.get $iota0) (i32x4.splat (local.get $i)))
            (local.get $colsv)))"""
    loads = "".join(f"""
          (local.set ${CHAINS[r]}_x (v128.bitselect
            (f32x4.sub (v128.load align=4 (i32.add (local.get $gx{r}) (i32.shl (local.get $i) (i32.const 2))))
                       (local.get $gmv{r}))
            (local.get $fill) (local.get $gmask)))""" for r in rows)
    clear = "".join(f"""
              (local.set ${CHAINS[r]}_result (v128.and (local.get ${CHAINS[r]}_result) (local.get $gmask)))"""
                    for r in rows)
    sums = "".join(f"""
          (local.set $ga{r} (f64x2.add (local.get $ga{r}) (f64x2.promote_low_f32x4 (local.get ${CHAINS[r]}_result))))
          (local.set $gb{r} (f64x2.add (local.get $gb{r}) (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get ${CHAINS[r]}_result) (local.get ${CHAINS[r]}_result)))))"""
                   for r in rows)

    def stores(how):
        return "".join(how(f"(i32.add (local.get $go{r}) (i32.shl (local.get $i) (i32.const 2)))",
                           f"(local.get ${CHAINS[r]}_result)") for r in rows)
    whole = stores(lambda at, v: f"""
              (v128.store align=4 {at} {v})""")
    part = stores(lambda at, v: f"""
              (if (i32.ge_s (local.get $rem) (i32.const 2))
                (then (v128.store64_lane align=4 0 {at} {v}))
                (else (v128.store32_lane align=4 0 {at} {v})))
              (if (i32.eq (local.get $rem) (i32.const 3))
                (then (v128.store32_lane offset=8 align=4 2 {at} {v})))""")
    stats = "".join(f"""
        (local.set $ga{r} (f64x2.add (local.get $ga{r}) (local.get $gb{r})))
        (f64.store offset={16 * r} (local.get $stats) (f64.promote_f32 (local.get $gm{r})))
        (f64.store offset={16 * r + 8} (local.get $stats)
          (f64.add (f64x2.extract_lane 0 (local.get $ga{r})) (f64x2.extract_lane 1 (local.get $ga{r}))))"""
                    for r in rows)
    return f"""
    ;; rows of at most sixteen elements: four at a time (short_rows in the generator)
    (if (i32.le_s (local.get $cols) (i32.const 16)) (then
      (block $gdone (loop $group
        (br_if $gdone (i32.lt_s (local.get $rows) (i32.const 4))){setup}
        (local.set $i (i32.const 0))
        (block $rgdone (loop $rstep
          (br_if $rgdone (i32.ge_s (local.get $i) (local.get $cols))){mask}{ranges}
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $rstep)))
        (local.set $ghi {lanes_of_four("f32x4.pmax", [f"(local.get $ga{r})" for r in rows])})
        (local.set $glo {lanes_of_four("f32x4.pmin", [f"(local.get $gb{r})" for r in rows])})
        ;; the maxima, or 0 without $withMax
        (local.set $gmax (v128.and (local.get $ghi) (i32x4.splat (i32.sub (i32.const 0) (local.get $withMax)))))
        (local.set $normal (i32x4.all_true (v128.and
          (f32x4.ge (f32x4.sub (local.get $glo) (local.get $gmax)) (f32x4.splat (f32.const -87)))
          (f32x4.le (f32x4.sub (local.get $ghi) (local.get $gmax)) (f32x4.splat (f32.const 88))))))
{splats}
        (local.set $fill (select (v128.const i32x4 0 0 0 0) (local.get $ninf) (local.get $normal)))
        (local.set $i (i32.const 0))
        (block $sdone (loop $step
          (br_if $sdone (i32.ge_s (local.get $i) (local.get $cols))){mask}{loads}
          (if (local.get $normal)
            (then{fast4}{clear})
            (else{slow4})){sums}
          (local.set $rem (i32.sub (local.get $cols) (local.get $i)))
          (if (i32.ge_s (local.get $rem) (i32.const 4))
            (then{whole})
            (else{part}))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $step))){stats}
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 4))))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 4))))
        (local.set $stats (i32.add (local.get $stats) (i32.const 64)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 4)))
        (br $group)))))"""


# CTC's alpha recursion (losses/ctc_loss.ts, float32): per position s of the extended labels,
# from the last step's a = alpha[s], b = alpha[s - 1], c = alpha[s - 2] where the labels allow
# the skip (-inf otherwise), torch's log-sum-exp with its maximum m, then + log_probs at the
# position's class. m is found as the loss file's loop finds it (m = a, then b and c where
# greater: pmax); where every term is -inf it is 0 (the loop's slow case, which then gives
# log(0) + 0 = -inf, or nan with a nan term), so the steps need no branch; where m is finite
# they are the loop's shortcuts' bits (exp(0) is 1, exp(-inf) is 0, log(1) is 0).
CTC_STEPS = [
    ("m1", ("pmax", "a", "b")),
    ("m", ("pmax", "m1", "c")),
    ("mz", ("select", ("eq", "m", -INF), 0.0, "m")),
    ("da", ("sub", "a", "mz")), ("db", ("sub", "b", "mz")), ("dc", ("sub", "c", "mz")),
    *staged(EXP32, "ea", "da", "ea"),
    *staged(EXP32, "eb", "db", "eb"),
    *staged(EXP32, "ec", "dc", "ec"),
    ("sum", ("add", ("add", "ea", "eb"), "ec")),
    *staged(LOG32, "lg", "sum", "lg"),
    ("out", ("add", ("add", "lg", "mz"), "lp")),
]


def ctc_alpha_kernel():
    """wasm/ctc.wat's `ctc_alpha_f32`: CTC's alpha rows 1 to steps - 1 of one sample from row 0,
    which the caller writes. Rows are `pitch` bytes from `alpha`: two -inf (the caller writes
    them in every row), then `width` values, then at least three more, which the last vector
    step writes. Step t reads log_probs at `lp` + t * `stride` (the sample's row of C), each
    position's class from the int32 `prime`, its skip mask (-1 or 0) from the int32 `skip`, and
    gathers the log_probs into `lpx`. Four vectors a step while sixteen positions remain, their
    chains interleaved, then one at a time. Last, the rows' values go to `out`, `width` floats
    a row, whole vectors (up to three floats past the last row)."""
    consts = {}
    body4, body1 = chains(CTC_STEPS, 4, consts), chains(CTC_STEPS, 1, consts)
    names = list(dict.fromkeys(["a", "b", "c", "lp"] + [n for n, _ in CTC_STEPS]))
    locals_ = " ".join(f"(local ${p}_{n} v128)" for p in CHAINS for n in names)
    const_locals = " ".join(f"(local ${v[0]} v128)" for v in consts.values())
    sets = "".join(f"\n    (local.set ${v[0]} {v[1]})" for v in consts.values())

    def at(base, offset):
        return f"(v128.load offset={offset} align=4 (i32.add (local.get ${base}) (local.get $off)))"

    def loads(n):
        return "".join(f"""
        (local.set ${p}_a {at("prev", 16 * k + 8)})
        (local.set ${p}_b {at("prev", 16 * k + 4)})
        (local.set ${p}_c (v128.bitselect {at("prev", 16 * k)} (local.get $ninf) {at("skip", 16 * k)}))
        (local.set ${p}_lp {at("lpx", 16 * k)})""" for k, p in enumerate(CHAINS[:n]))

    def stores(n):
        return "".join(f"""
        (v128.store offset={16 * k + 8} align=4 (i32.add (local.get $cur) (local.get $off)) (local.get ${p}_out))"""
                       for k, p in enumerate(CHAINS[:n]))

    def positions(n, label):
        return f"""
      (block ${label}done (loop ${label}
        (br_if ${label}done (i32.gt_s (i32.add (local.get $s) (i32.const {4 * n if n > 1 else 1})) (local.get $width))){loads(n)}{body4 if n == 4 else body1}{stores(n)}
        (local.set $s (i32.add (local.get $s) (i32.const {4 * n})))
        (local.set $off (i32.add (local.get $off) (i32.const {16 * n})))
        (br ${label})))"""
    return f"""
  (func (export "ctc_alpha_f32") (param $alpha i32) (param $pitch i32) (param $steps i32)
    (param $width i32) (param $lp i32) (param $stride i32) (param $prime i32) (param $skip i32)
    (param $lpx i32) (param $out i32)
    (local $t i32) (local $s i32) (local $off i32) (local $prev i32) (local $cur i32) (local $row i32)
    (local $ninf v128)
    {locals_}
    {const_locals}{sets}
    (local.set $ninf (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $t (i32.const 1))
    (local.set $prev (local.get $alpha))
    (local.set $row (i32.add (local.get $lp) (local.get $stride)))
    (block $tdone (loop $tl
      (br_if $tdone (i32.ge_s (local.get $t) (local.get $steps)))
      (local.set $cur (i32.add (local.get $prev) (local.get $pitch)))
      ;; lpx[s] = log_probs[t, class of s]
      (local.set $s (i32.const 0))
      (block $gdone (loop $gather
        (br_if $gdone (i32.ge_s (local.get $s) (local.get $width)))
        (f32.store (i32.add (local.get $lpx) (i32.shl (local.get $s) (i32.const 2)))
          (f32.load (i32.add (local.get $row) (i32.shl (i32.load (i32.add (local.get $prime)
            (i32.shl (local.get $s) (i32.const 2)))) (i32.const 2)))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $gather)))
      (local.set $s (i32.const 0))
      (local.set $off (i32.const 0)){positions(4, "four")}{positions(1, "one")}
      (local.set $prev (local.get $cur))
      (local.set $row (i32.add (local.get $row) (local.get $stride)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tl)))
    ;; the rows without their padding, into out
    (local.set $t (i32.const 0))
    (local.set $prev (i32.add (local.get $alpha) (i32.const 8)))
    (block $cdone (loop $copy
      (br_if $cdone (i32.ge_s (local.get $t) (local.get $steps)))
      (local.set $off (i32.const 0))
      (block $vdone (loop $vec
        (br_if $vdone (i32.ge_s (local.get $off) (i32.shl (local.get $width) (i32.const 2))))
        (v128.store align=4 (i32.add (local.get $out) (local.get $off))
          (v128.load align=4 (i32.add (local.get $prev) (local.get $off))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $vec)))
      (local.set $out (i32.add (local.get $out) (i32.shl (local.get $width) (i32.const 2))))
      (local.set $prev (i32.add (local.get $prev) (local.get $pitch)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $copy))))
"""


# CTC's backward (losses/ctc_loss.ts), one class's collected alpha·beta at every time step in
# lanes: acc = acc == -inf ? v : logSum2(acc, v), with torch's m = std::max(acc, v) (pmax). Where
# m is finite one of the two exps is exp(0) = 1 exactly, so the sum is 1 + exp(o - m), o the
# other one (pmin, the one that is not m), and the loss file's shortcuts (a term at m gives 1,
# one at -inf gives 0, a sum of 1 gives log 0) are what exp32 and log32 give there; m = -inf is
# acc + v, and m = +inf gives nan (the term at m is exp(inf - inf)).
CTC_COLLECT_PRE = [("m", ("pmax", "acc", "v")), ("d", ("sub", ("pmin", "v", "acc"), "m"))]
CTC_COLLECT = exp_then("d", "e", [("u", ("add", 1.0, "e"))], ("u", "l"), [
    ("res", ("select", ("eq", "acc", -INF), "v",
             ("select", ("eq", "m", -INF), ("add", "acc", "v"),
              ("select", ("eq", "m", INF), NAN, ("add", "l", "m")))))])


CTC_HEADER = """;; Generated by scripts/gen_explog_wat.py: edit that, not this file.
;; CTC's alpha recursion over float32 log-probabilities (losses/_cpu/ctc_rows.ts), in f32x4
;; lanes over the positions of the extended labels, with exp32's and log32's steps (the float32
;; exp and log of wasm/explog.wat); beta is the same recursion with time and labels reversed.
;; Then ctc_collect_f32, the backward's sums of alpha·beta per class, in lanes over time steps
;; (acc and out may be the same array). Over the kernel arena's memory, as the other kernels.
(module
  ;; the maximum is the arena's (ARENA_MAX_PAGES): a shared memory must declare one
  (import "env" "memory" (memory 1 16385 shared))
"""


ROWS_BEGIN = "  ;; ---- begin: written by scripts/gen_explog_wat.py (exp_rows_f32), edit it there ----\n"
ROWS_END = "  ;; ---- end of what scripts/gen_explog_wat.py writes ----\n"


# log-softmax's backward over float32 rows (losses/_cpu/row_kernels.ts): gx = g - exp(y) c, c the
# row's float64 sum of g rounded to float32, the exp exp_rows_f32's and the arithmetic
# grad_rows_f32's (the product, then the difference, each in float32)
LOG_SOFTMAX_GRAD = exp_then("y", "e", [("gx", ("sub", "g", ("mul", "e", "c")))])


def log_softmax_grad_rows_kernel():
    """wasm/softmax.wat's `log_softmax_grad_rows_f32` (g, y, out, rows, cols, coef): per row r of
    `cols` float32, out = g - exp(y) c with c = float32(coef[r]) (float64 at coef + 8 r), the exp
    and the gradient in one pass (fused_kernel's steps, LOG_SOFTMAX_GRAD), instead of exp_rows_f32
    writing exp(y) and grad_rows_f32 reading it back: the same bits. A row's last vector reads
    and writes up to three elements past it, as fused_kernel's: the next row's, written after,
    or the room the caller's layout leaves after the last row."""
    row = fused_kernel("log_softmax_grad_row", ["g", "y", "out"], ["c"], [], "y",
                       *LOG_SOFTMAX_GRAD, [("out", "gx")], export=False)
    step = "".join(f"""
      (local.set ${a} (i32.add (local.get ${a}) (local.get $bytes)))""" for a in ["g", "y", "out"])
    return row + f"""
  (func (export "log_softmax_grad_rows_f32") (param $g i32) (param $y i32) (param $out i32)
    (param $rows i32) (param $cols i32) (param $coef i32)
    (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done (loop $row
      (br_if $done (i32.eqz (local.get $rows)))
      (drop (call $log_softmax_grad_row (local.get $g) (local.get $y) (local.get $out)
        (local.get $cols) (f32.demote_f64 (f64.load (local.get $coef))))){step}
      (local.set $coef (i32.add (local.get $coef) (i32.const 8)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))
"""


def with_exp_rows(softmax_wat):
    """wasm/softmax.wat with the text between its two markers replaced by exp_rows_kernel() and
    log_softmax_grad_rows_kernel()."""
    head, rest = softmax_wat.split(ROWS_BEGIN)
    _, tail = rest.split(ROWS_END)
    text, constants = globalize(exp_rows_kernel() + log_softmax_grad_rows_kernel(), "rows_k")
    return head + ROWS_BEGIN + constants + text + ROWS_END + tail


MATH32_TS_HEADER = """// Generated by scripts/gen_explog_wat.py; do not edit.
// Rebuild with `python3 scripts/gen_explog_wat.py`; CI checks with `--check`.

/**
 * exp, log and log1p of float32 values, computed in float32: the scalar twins of the f32x4
 * kernels `exp_f32`, `log_f32` and `log1p_f32` of `wasm/explog.wat`, written from the same
 * steps by the same generator, so both give the same bits for every input. Each float32 step
 * is one `Math.fround` of the float64 operation (exact rounding for +, -, * and /); int32
 * steps work on the float32 bits. Within 1 ulp of the float64 function (tested in
 * `losses/_cpu/math32_test.ts`).
 *
 * @module
 */

const fr = Math.fround;
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** The bits of a float32 value. */
function bits(x: number): number {
  F32[0] = x;
  return I32[0];
}

/** The float32 value of 32 bits. */
function float(i: number): number {
  I32[0] = i;
  return F32[0];
}
"""


HEADER = """;; Generated by scripts/gen_explog_wat.py: edit that, not this file.
;; Elementwise exp and log: exp_f64 and log_f64 in float64 arithmetic (f64x2); exp is
;; wasm/softmax.wat's float64 exp (range reduction by ln2, Taylor series to r^13, 2^k in two
;; halves), log is musl's (fdlibm's) log with subnormals scaled by 2^54, four elements per step
;; (up to three past the end read and written). exp_f32, log_f32 and log1p_f32 compute in
;; float32 (f32x4), sixteen elements per step, then eight (up to seven past the end), from the
;; steps that also write losses/_cpu/generated/math32.ts: the scalar twins, the same bits. src
;; may be dst.
;; Constants live in mutable globals, read into locals once per call (scripts/wat_constants.py:
;; V8 rebuilds a constant at every use in a loop, a global it reads once). Accuracy:
;; losses/_cpu/explog_test.ts and losses/_cpu/math32_test.ts. Last, whole-loss kernels in
;; float32 lanes around the exp and log, step for step the loss files' loops, and fused ones
;; that take a loss's exp, log and other steps in one pass (*_fused_f32). The memory is
;; the kernel arena's (losses/_core/arena.ts), as wasm/elementwise.wat's: the whole-loss
;; kernels read operands that live there where they are, and write no operand.
(module
  ;; the maximum is the arena's (ARENA_MAX_PAGES): a shared memory must declare one
  (import "env" "memory" (memory 1 16385 shared))
"""

out = HEADER
out += kernel("exp_f64", True, EXP_CONSTS, EXP_BODY + EXP_SCALE_F64, EXP_LOCALS)
out += kernel("log_f64", True, LOG_CONSTS, LOG_BODY, LOG_LOCALS)
for fn, steps in MATH32.items():
    out += math_kernel(fn, steps, NORMAL_STEPS.get(fn))
out += LOSS_KERNELS
out += FUSED_KERNELS
out += row_means_kernel()
out += ")\n"
out = globalize_module(out, "k")
ts = MATH32_TS_HEADER + "".join(math_ts(fn, steps) for fn, steps in MATH32.items())
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
ctc = globalize_module(CTC_HEADER + ctc_alpha_kernel() + fused_kernel(
    "ctc_collect_f32", ["acc", "v", "out"], [], CTC_COLLECT_PRE, "d", *CTC_COLLECT,
    [("out", "res")]) + ")\n", "k")
outputs = {root / "wasm/explog.wat": out, root / "wasm/ctc.wat": ctc,
           root / "losses/_cpu/generated/math32.ts": ts,
           root / "wasm/softmax.wat": with_exp_rows((root / "wasm/softmax.wat").read_text())}
if sys.argv[1:] == ["--check"]:
    for target, text in outputs.items():
        if not target.exists() or target.read_text() != text:
            sys.exit(f"{target.relative_to(root)} differs from scripts/gen_explog_wat.py: run it")
else:
    for target, text in outputs.items():
        target.write_text(text)
