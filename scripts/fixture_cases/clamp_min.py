"""Cases for torch.clamp_min(input, min) with a number bound."""

import torch

from fixture_cases import _tensor_ops


def build(b, h):
    def add(parts, make, expect_error=False):
        b.add(parts, make, [0], expect_error=expect_error, call=torch.clamp_min)

    for dt in h.DTYPES:
        d = h.dname(dt)
        for lo in [0.0, 0.5, -1.0]:
            add(["default", d, f"min={lo}", "3x4"], lambda: ([h.randn([3, 4], dt), lo], {}))
            # The bound itself (a tie), nan and infinities.
            add(["default", d, f"min={lo}", "hard", "12"], lambda: ([h.tensor(_tensor_ops.HARD_X, dt), lo], {}))
        add(["default", d, "min=0.0", "scalar"], lambda: ([h.randn([], dt), 0.0], {}))
        add(["default", d, "min=0.0", "empty", "0x3"], lambda: ([h.randn([0, 3], dt), 0.0], {}))
        add(["default", d, "error=min", "3"], lambda: ([h.randn([3], dt), "a"], {}), expect_error=True)
