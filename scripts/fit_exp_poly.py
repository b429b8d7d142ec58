"""Fits the polynomial of the float32 exp (EXP_POLY in scripts/gen_explog_wat.py):
e^r = 1 + r + r^2 P(r) on [-ln 2 / 2, ln 2 / 2], P of degree 4, close to minimax in the relative
error of e^r (weighted least squares on Chebyshev nodes, reweighted by Lawson's rule), each
coefficient rounded to float32. With --sweep it also runs exp32's float32 steps (numpy's float32
rounds every operation, as the kernels do) on every 7th float32 in [-87, 88] and prints the worst
error in ulps of the exact value: 0.8817 for these coefficients, 0.8948 for Cephes' six of
degree 5 that they replaced (over every float32, through the kernels: 0.8949 at 4.5066).
losses/_cpu/math32_test.ts checks the kernels themselves.
Run: /usr/bin/python3 scripts/fit_exp_poly.py [--sweep]   (needs numpy)
"""
import sys

import numpy as np

f32 = np.float32


def fit(degree=4, nodes=4000, rounds=200):
    half = 0.3466  # just past ln 2 / 2
    r = half * np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    target = (np.exp(r) - 1 - r) / (r * r)
    weight = r * r / np.exp(r)  # an error d in P is r^2 d in e^r, relative r^2 d / e^r
    powers = np.vander(r, degree + 1)  # highest power first, as horner() takes them
    lawson = np.ones(nodes)
    for _ in range(rounds):
        w = weight * np.sqrt(lawson)
        coefs, *_ = np.linalg.lstsq(powers * w[:, None], target * w, rcond=None)
        err = np.abs((powers @ coefs - target) * weight)
        lawson = lawson * err
        lawson /= lawson.sum()
    return [float(f32(c)) for c in coefs]


def exp32(x, coefs):
    """exp32's steps for x in [-87, 88] (EXP32_NORMAL), each rounded to float32."""
    t = x * f32(1.4426950408889634) + f32(12582912.0)
    k = t - f32(12582912.0)
    rhi = x - k * f32(0.693359375)
    rlo = k * f32(2.12194440e-4)
    r = rhi + rlo
    p = f32(coefs[0])
    for c in coefs[1:]:
        p = p * r + f32(c)
    q = f32(1) + ((rlo + (r * r) * p) + rhi)
    s = ((t.view(np.int32) << 23) + np.int32(127 << 23)).view(f32)
    return q * s


def worst_ulps(coefs):
    worst = 0.0
    for start in range(0, 2**32, 7 << 24):
        x = np.arange(start, min(start + (7 << 24), 2**32), 7, dtype=np.uint64)
        x = x.astype(np.uint32).view(f32)
        x = x[np.isfinite(x) & (x >= -87) & (x <= 88)]
        want = np.exp(x.astype(np.float64))
        ulp = 2.0 ** (np.maximum(np.floor(np.log2(want)), -126) - 23)
        worst = max(worst, float((np.abs(exp32(x, coefs) - want) / ulp).max()))
    return worst


if __name__ == "__main__":
    coefs = fit()
    print("EXP_POLY =", coefs)
    if "--sweep" in sys.argv:
        print("worst error, ulps:", round(worst_ulps(coefs), 4))
