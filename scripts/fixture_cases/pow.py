"""Cases for torch.pow(input, exponent) with a number exponent."""

import torch

from fixture_cases import _tensor_ops

EXPONENTS = [2.0, 3.0, 0.5, -1.0, 0.0, 1.0, 1.5, -0.5, 2.5, -2.0]


def build(b, h):
    def add(parts, make, rg=(0,), expect_error=False):
        b.add(parts, make, list(rg), expect_error=expect_error, call=torch.pow)

    for dt in h.DTYPES:
        d = h.dname(dt)
        for e in EXPONENTS:
            add(["default", d, f"exponent={e}", "3x4"], lambda: ([h.randn([3, 4], dt), e], {}))
            add(["default", d, f"exponent={e}", "hard", "12"], lambda: ([h.tensor(_tensor_ops.HARD_X, dt), e], {}))
        add(["default", d, "exponent=2", "scalar"], lambda: ([h.randn([], dt), 2.0], {}))
        add(["default", d, "exponent=2", "empty", "0x3"], lambda: ([h.randn([0, 3], dt), 2.0], {}))
        add(["default", d, "error=exponent", "3"], lambda: ([h.randn([3], dt), "a"], {}), expect_error=True)
