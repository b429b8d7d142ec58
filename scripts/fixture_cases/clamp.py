"""Cases for torch.clamp(input, min=, max=) with number bounds."""

import torch

from fixture_cases import _tensor_ops

BOUNDS = [{"min": 0.0}, {"max": 0.5}, {"min": -1.0, "max": 1.0}, {"min": 0.5, "max": 0.5}]


def build(b, h):
    def add(parts, make, expect_error=False):
        b.add(parts, make, [0], expect_error=expect_error, call=torch.clamp)

    for dt in h.DTYPES:
        d = h.dname(dt)
        for kw in BOUNDS:
            name = ",".join(f"{k}={v}" for k, v in kw.items())
            add(["default", d, name, "3x4"], lambda: ([h.randn([3, 4], dt)], kw))
            add(["default", d, name, "hard", "12"], lambda: ([h.tensor(_tensor_ops.HARD_X, dt)], kw))
        add(["default", d, "min=0.0", "scalar"], lambda: ([h.randn([], dt)], {"min": 0.0}))
        add(["default", d, "error=no_bound", "3"], lambda: ([h.randn([3], dt)], {}), expect_error=True)
