"""binary_cross_entropy_with_logits: weight, pos_weight, logits large enough to overflow exp."""

import torch

SHAPES = [[], [5], [3, 4], [2, 3, 4], [0]]


def build(b, h):
    def logits(shape, dt):
        return torch.randn(shape, dtype=dt) * 3

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
                add([h.shape_name(shape)], lambda: ([logits(shape, dt), rand(shape, dt)], rk))
            add(["target=binary", "3x4"], lambda: ([logits([3, 4], dt), binary([3, 4], dt)], rk))
            for ws in [[4], [3, 1]]:
                add(
                    ["weight=" + h.shape_name(ws), "3x4"],
                    lambda: ([logits([3, 4], dt), rand([3, 4], dt)], {**rk, "weight": rand(ws, dt)}),
                )
            for ps in [[4], [3, 4], []]:
                add(
                    ["pos_weight=" + h.shape_name(ps), "3x4"],
                    lambda: (
                        [logits([3, 4], dt), binary([3, 4], dt)],
                        {**rk, "pos_weight": rand(ps, dt) * 4},
                    ),
                )
            add(
                ["weight=3x1", "pos_weight=4", "2x3x4"],
                lambda: (
                    [logits([2, 3, 4], dt), rand([2, 3, 4], dt)],
                    {**rk, "weight": rand([3, 1], dt), "pos_weight": rand([4], dt) * 3},
                ),
            )
            add(
                ["pos_weight=4", "empty", "0x4"],
                lambda: ([logits([0, 4], dt), rand([0, 4], dt)], {**rk, "pos_weight": rand([4], dt)}),
            )
            add(["grad=input", "3x4"], lambda: ([logits([3, 4], dt), rand([3, 4], dt)], rk), rg=(0,))
            add(
                ["grad=target", "pos_weight=4", "3x4"],
                lambda: ([logits([3, 4], dt), rand([3, 4], dt)], {**rk, "pos_weight": rand([4], dt) * 3}),
                rg=(1,),
            )
            # |x| large enough that exp(|x|) overflows: the max-shift keeps every value finite.
            big = [1e4, -1e4, 200.0, -200.0, 100.0, -100.0, 40.0, -40.0]
            add(
                ["large", "8"],
                lambda: ([h.tensor(big, dt), h.tensor([0.0, 1.0, 1.0, 0.0, 0.5, 0.5, 0.0, 1.0], dt)], rk),
            )
            add(
                ["large", "pos_weight=8", "8"],
                lambda: (
                    [h.tensor(big, dt), h.tensor([1.0, 1.0, 0.0, 0.0, 0.5, 0.5, 1.0, 1.0], dt)],
                    {**rk, "pos_weight": h.tensor([2.0, 0.5, 3.0, 1.0, 0.0, 4.0, 1.5, 2.5], dt)},
                ),
            )
            # Infinite logits meet 0 * inf in PyTorch's literal formula: nan in places.
            nonfinite = [h.INF, -h.INF, h.INF, -h.INF, h.NAN, 0.5, 0.0, -0.0]
            add(
                ["nonfinite", "8"],
                lambda: ([h.tensor(nonfinite, dt), h.tensor([1.0, 0.0, 0.0, 1.0, 0.5, h.NAN, 0.0, 1.0], dt)], rk),
            )
            add(
                ["nonfinite", "pos_weight=8", "8"],
                lambda: (
                    [h.tensor(nonfinite, dt), h.tensor([1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 1.0, 1.0], dt)],
                    {**rk, "pos_weight": h.tensor([3.0, 3.0, 2.0, 2.0, 1.0, h.NAN, 0.0, 1.0], dt)},
                ),
            )
            add(
                ["ties", "weight=zeros", "6"],
                lambda: (
                    [h.tensor([0.0, 0.0, 1.0, -1.0, 2.0, -0.0], dt), h.tensor([0.5, 0.0, 1.0, 0.0, 1.0, 0.5], dt)],
                    {**rk, "weight": h.tensor([1.0, 0.0, 2.0, 0.0, -1.0, 1.0], dt)},
                ),
            )
    for dt in h.DTYPES:
        b.add(
            ["default", h.dname(dt), "3x4"],
            lambda: ([logits([3, 4], dt), rand([3, 4], dt)], {}),
            [0, 1],
            expect_error=False,
        )
        b.add(
            ["default", h.dname(dt), "pos_weight=4", "3x4"],
            lambda: ([logits([3, 4], dt), binary([3, 4], dt)], {"pos_weight": rand([4], dt) * 2}),
            [0],
            expect_error=False,
        )

    def err(parts, make, rg=(0, 1)):
        b.add(parts, make, list(rg), expect_error=True)

    for dt in h.DTYPES:
        d = h.dname(dt)
        err(["mean", d, "error=shape", "2x3-3"], lambda: ([logits([2, 3], dt), rand([3], dt)], {}))
        err(
            ["none", d, "error=shape", "3-3x1"],
            lambda: ([logits([3], dt), rand([3, 1], dt)], {"reduction": "none"}),
        )
        err(
            ["mean", d, "error=weight_shape", "weight=4", "2x3"],
            lambda: ([logits([2, 3], dt), rand([2, 3], dt)], {"weight": rand([4], dt)}),
        )
        err(
            ["sum", d, "error=weight_shape", "weight=1x2x3", "2x3"],
            lambda: ([logits([2, 3], dt), rand([2, 3], dt)], {"reduction": "sum", "weight": rand([1, 2, 3], dt)}),
        )
        err(
            ["mean", d, "error=pos_weight_shape", "pos_weight=4", "2x3"],
            lambda: ([logits([2, 3], dt), rand([2, 3], dt)], {"pos_weight": rand([4], dt)}),
        )
        err(
            ["none", d, "error=pos_weight_shape", "pos_weight=2x2x3", "2x3"],
            lambda: ([logits([2, 3], dt), rand([2, 3], dt)], {"reduction": "none", "pos_weight": rand([2, 2, 3], dt)}),
        )
        err(["avg", d, "error=reduction", "3"], lambda: ([logits([3], dt), rand([3], dt)], {"reduction": "avg"}))
    err(
        ["mean", "int64", "error=dtype", "3"],
        lambda: ([torch.tensor([1, -2, 3]), torch.tensor([1, 0, 1])], {}),
        rg=(),
    )
    err(
        ["mean", "float32-int64", "error=dtype", "3"],
        lambda: ([logits([3], h.F32), torch.tensor([1, 0, 1])], {}),
        rg=(0,),
    )
