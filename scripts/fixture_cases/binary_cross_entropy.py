"""binary_cross_entropy: probabilities in [0, 1], weight, PyTorch's log clamp at -100."""

import torch

SHAPES = [[], [5], [3, 4], [2, 3, 4], [0], [0, 3]]


def build(b, h):
    def rand(shape, dt):
        return torch.rand(shape, dtype=dt)

    def binary(shape, dt):
        return torch.randint(0, 2, shape).to(dt)

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            d = h.dname(dt)

            def add(parts, make, rg=(0, 1)):
                b.add([red, d] + parts, make, list(rg), expect_error=False)

            for shape in SHAPES:
                add([h.shape_name(shape)], lambda: ([rand(shape, dt), rand(shape, dt)], rk))
            add(["target=binary", "3x4"], lambda: ([rand([3, 4], dt), binary([3, 4], dt)], rk))
            for ws in [[4], [3, 1], [3, 4], []]:
                add(
                    ["weight=" + h.shape_name(ws), "3x4"],
                    lambda: ([rand([3, 4], dt), rand([3, 4], dt)], {**rk, "weight": rand(ws, dt)}),
                )
            add(
                ["weight=3x1", "2x3x4"],
                lambda: ([rand([2, 3, 4], dt), binary([2, 3, 4], dt)], {**rk, "weight": rand([3, 1], dt)}),
            )
            add(["grad=input", "3x4"], lambda: ([rand([3, 4], dt), rand([3, 4], dt)], rk), rg=(0,))
            add(
                ["grad=target", "weight=4", "3x4"],
                lambda: ([rand([3, 4], dt), rand([3, 4], dt)], {**rk, "weight": rand([4], dt)}),
                rg=(1,),
            )
            # Exactly 0 and 1: log clamps at -100; input grad divides by max((1-x)x, 1e-12);
            # target grad is -logit(x), infinite here.
            add(
                ["clamp", "8"],
                lambda: (
                    [
                        h.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1e-30, 1.0 - 1e-7], dt),
                        h.tensor([1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 1.0, 0.0], dt),
                    ],
                    rk,
                ),
                rg=(0,),
            )
            add(
                ["clamp", "grad=target", "6"],
                lambda: (
                    [
                        h.tensor([0.0, 1.0, 0.5, 1e-6, 0.999, 0.25], dt),
                        h.tensor([1.0, 0.0, 0.0, 1.0, 0.0, 0.5], dt),
                    ],
                    rk,
                ),
            )
            # Targets outside [0, 1] and non-finite targets are computed, not checked.
            add(
                ["target=outside", "6"],
                lambda: (
                    [rand([6], dt), h.tensor([1.5, -0.5, 2.0, h.NAN, h.INF, -3.0], dt)],
                    rk,
                ),
            )
            add(
                ["weight=zeros", "clamp", "4"],
                lambda: (
                    [h.tensor([0.0, 1.0, 0.3, 0.7], dt), h.tensor([1.0, 0.0, 1.0, 0.0], dt)],
                    {**rk, "weight": h.tensor([0.0, 0.0, 2.0, -1.0], dt)},
                ),
            )
    for dt in h.DTYPES:
        b.add(
            ["default", h.dname(dt), "3x4"],
            lambda: ([torch.rand([3, 4], dtype=dt), torch.rand([3, 4], dtype=dt)], {}),
            [0, 1],
            expect_error=False,
        )
        b.add(
            ["default", h.dname(dt), "weight=4", "3x4"],
            lambda: (
                [torch.rand([3, 4], dtype=dt), torch.rand([3, 4], dtype=dt)],
                {"weight": torch.rand([4], dtype=dt)},
            ),
            [0],
            expect_error=False,
        )

    def err(parts, make, rg=(0, 1)):
        b.add(parts, make, list(rg), expect_error=True)

    for dt in h.DTYPES:
        d = h.dname(dt)
        for bad in [1.5, -0.25, h.NAN, h.INF]:
            err(
                ["mean", d, "error=input_range", f"value={bad}", "4"],
                lambda: ([h.tensor([0.5, 0.25, bad, 0.75], dt), rand([4], dt)], {}),
            )
        err(["mean", d, "error=shape", "2x3-3"], lambda: ([rand([2, 3], dt), rand([3], dt)], {}))
        err(["sum", d, "error=shape", "3-2x3"], lambda: ([rand([3], dt), rand([2, 3], dt)], {"reduction": "sum"}))
        err(
            ["mean", d, "error=weight_shape", "weight=4", "2x3"],
            lambda: ([rand([2, 3], dt), rand([2, 3], dt)], {"weight": rand([4], dt)}),
        )
        err(
            ["none", d, "error=weight_shape", "weight=1x2x3", "2x3"],
            lambda: ([rand([2, 3], dt), rand([2, 3], dt)], {"reduction": "none", "weight": rand([1, 2, 3], dt)}),
        )
        err(["avg", d, "error=reduction", "3"], lambda: ([rand([3], dt), rand([3], dt)], {"reduction": "avg"}))
    err(
        ["mean", "float32-float64", "error=mixed_dtype", "3"],
        lambda: ([rand([3], h.F32), rand([3], h.F64)], {}),
    )
    err(
        ["mean", "float64-float32", "error=mixed_dtype", "3"],
        lambda: ([rand([3], h.F64), rand([3], h.F32)], {}),
    )
    err(
        ["mean", "float32-int64", "error=dtype", "3"],
        lambda: ([rand([3], h.F32), torch.tensor([1, 0, 1])], {}),
        rg=(0,),
    )
