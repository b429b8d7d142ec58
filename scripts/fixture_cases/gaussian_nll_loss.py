"""gaussian_nll_loss: every var shape torch accepts, full, eps and its no-grad clamp."""

import torch

# (input shape, target shape, var shape): same shape, var one dim short, var last dim 1,
# unbatched forms, and a target that broadcasts.
SHAPES = [
    ([2, 3], [2, 3], [2, 3]),
    ([2, 3], [2, 3], [2]),
    ([2, 3], [2, 3], [2, 1]),
    ([2, 3, 2], [2, 3, 2], [2, 3]),
    ([4], [4], []),
    ([4], [4], [1]),
    ([], [], []),
    ([2, 3], [3], [2, 1]),
    ([0, 4], [0, 4], [0]),
]


def build(b, h):
    def var(shape, dt):
        return torch.rand(shape, dtype=dt) * 2 + 0.05

    def name(shapes):
        return "-".join(h.shape_name(s) for s in shapes)

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for full in [False, True]:
            kw = {**rk, "full": full} if full else rk
            opt = "full" if full else ""
            for dt in h.DTYPES:
                d = h.dname(dt)

                def add(parts, make, rg=(0, 1, 2)):
                    b.add([red, d, opt] + parts, make, list(rg), expect_error=False)

                # full only adds a constant: fewer shapes for it.
                for xs, ys, vs in SHAPES if not full else SHAPES[:3] + [SHAPES[4]]:
                    add([name((xs, ys, vs))], lambda: ([h.randn(xs, dt), h.randn(ys, dt), var(vs, dt)], kw))
                # var below eps is clamped under no_grad: its gradient is taken at eps.
                add(
                    ["clamp", "8"],
                    lambda: (
                        [
                            h.tensor([0.5, 1.0, 2.0, 0.0, 1.0, 3.0, h.NAN, 0.0], dt),
                            h.tensor([0.0, 1.0, 2.5, 0.5, 1.0, 1.0, 0.0, 0.0], dt),
                            h.tensor([0.0, 1e-8, 0.5, 1e-6, h.NAN, h.INF, 1.0, -0.0], dt),
                        ],
                        kw,
                    ),
                )
                add(
                    ["eps=0.1", "3x4-3x4-3"],
                    lambda: (
                        [h.randn([3, 4], dt), h.randn([3, 4], dt), torch.rand([3], dtype=dt) * 0.2],
                        {**kw, "eps": 0.1},
                    ),
                )
                if not full:
                    add(
                        ["grad=var", "3x4-3x4-3x1"],
                        lambda: ([h.randn([3, 4], dt), h.randn([3, 4], dt), var([3, 1], dt)], kw),
                        rg=(2,),
                    )
    for dt in h.DTYPES:
        d = h.dname(dt)
        b.add(
            ["default", d, "3x4-3x4-3x4"],
            lambda: ([h.randn([3, 4], dt), h.randn([3, 4], dt), var([3, 4], dt)], {}),
            [0, 1, 2],
            expect_error=False,
        )
        b.add(
            ["sum", d, "grad=target", "2x3-3-2"],
            lambda: ([h.randn([2, 3], dt), h.randn([3], dt), var([2], dt)], {"reduction": "sum"}),
            [1],
            expect_error=False,
        )
        b.add(
            ["mean", d, "eps=0", "var=zero", "4-4-4"],
            lambda: (
                [h.randn([4], dt), h.randn([4], dt), h.tensor([0.0, 1.0, 0.5, 2.0], dt)],
                {"eps": 0.0},
            ),
            [0, 1, 2],
            expect_error=False,
        )
        b.add(
            ["sum", d, "large", "4-4-4"],
            lambda: (
                [
                    h.tensor([1e20, -1e20, 1e200 if dt == h.F64 else 1e30, 0.0], dt),
                    h.tensor([0.0, 1e20, 0.0, 0.0], dt),
                    h.tensor([1.0, 1e-3, 1.0, 1e30], dt),
                ],
                {"reduction": "sum"},
            ),
            [0, 1, 2],
            expect_error=False,
        )

    # A broadcast over no elements: log(var) lives at var's shape, so its gradient is 0 summed
    # and then divided by var (0 / 0 with eps = 0: nan).
    for dt in h.DTYPES:
        for red in ["sum", "none"]:
            b.add(
                [red, h.dname(dt), "eps=0", "empty_broadcast", "1x4-0x4-1x4"],
                lambda: (
                    [h.randn([1, 4], dt), h.randn([0, 4], dt), h.tensor([[0.0, 1.0, h.NAN, 0.5]], dt)],
                    {"reduction": red, "eps": 0.0},
                ),
                [0, 1, 2],
                expect_error=False,
            )

    def err(parts, make, rg=(0, 1, 2)):
        b.add(parts, make, list(rg), expect_error=True)

    for dt in h.DTYPES:
        d = h.dname(dt)
        for xs, ys, vs in [
            ([3, 4], [3, 4], [4]),
            ([3, 4], [3, 4], [1, 4]),
            ([3, 4], [3, 4], [2, 3, 4]),
            ([3, 4], [3, 4], []),
            ([2, 3, 4], [2, 3, 4], [3, 1]),
        ]:
            err(
                ["mean", d, "error=var_shape", name((xs, ys, vs))],
                lambda: ([h.randn(xs, dt), h.randn(ys, dt), var(vs, dt)], {}),
            )
        err(
            ["mean", d, "error=shape", "4-3-4"],
            lambda: ([h.randn([4], dt), h.randn([3], dt), var([4], dt)], {}),
        )
        err(
            ["sum", d, "error=negative_var", "4-4-4"],
            lambda: (
                [h.randn([4], dt), h.randn([4], dt), h.tensor([1.0, -0.5, 2.0, 0.0], dt)],
                {"reduction": "sum"},
            ),
        )
        err(
            ["avg", d, "error=reduction", "4-4-4"],
            lambda: ([h.randn([4], dt), h.randn([4], dt), var([4], dt)], {"reduction": "avg"}),
        )
    err(
        ["mean", "float32-int64", "error=dtype", "3-3-3"],
        lambda: ([h.randn([3], h.F32), h.randn([3], h.F32), torch.tensor([1, 2, 3])], {}),
        rg=(0, 1),
    )
