"""poisson_nll_loss: log_input, full (Stirling term where target > 1), eps."""

import torch


def build(b, h):
    def counts(shape, dt):
        return torch.poisson(torch.rand(shape, dtype=h.F64) * 4).to(dt)

    def rates(shape, dt):
        return torch.rand(shape, dtype=dt) * 3

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for log_input in [True, False]:
            for full in [False, True]:
                kw = {**rk, "log_input": log_input, "full": full}
                opt = [f"log_input={log_input}", f"full={full}"]
                for dt in h.DTYPES:
                    d = h.dname(dt)

                    def add(parts, make, rg=(0, 1)):
                        b.add([red, d] + opt + parts, make, list(rg), expect_error=False)

                    inputs = h.randn if log_input else rates
                    # Scalar and empty shapes for two of the four option pairs.
                    shapes = [[], [3, 4], [0]] if log_input != full else [[3, 4]]
                    for shape in shapes:
                        add([h.shape_name(shape)], lambda: ([inputs(shape, dt), counts(shape, dt)], kw))
                    add(["broadcast", "3x1-4"], lambda: ([inputs([3, 1], dt), counts([4], dt)], kw))
                    if log_input:
                        # exp(x) overflows float32 at x = 100; nan and inf pass through.
                        add(
                            ["hard", "8"],
                            lambda: (
                                [
                                    h.tensor([0.0, -1.0, 2.0, 100.0, h.INF, -h.INF, h.NAN, 0.5], dt),
                                    h.tensor([0.0, 1.0, 2.0, 5.0, 1.0, 3.0, 2.0, h.NAN], dt),
                                ],
                                kw,
                            ),
                        )
                    else:
                        # x = 0 takes log(eps); x < 0 gives nan.
                        add(
                            ["hard", "8"],
                            lambda: (
                                [
                                    h.tensor([0.0, -1.0, 2.0, 100.0, h.INF, 1e-9, h.NAN, 0.5], dt),
                                    h.tensor([0.5, 1.0, 2.0, 5.0, 1.0, 3.0, 2.0, h.NAN], dt),
                                ],
                                kw,
                            ),
                        )
                    # Targets 0, 1, fractional, negative: the Stirling mask and its nan gradient.
                    add(
                        ["target=edge", "8"],
                        lambda: (
                            [inputs([8], dt), h.tensor([0.0, 1.0, 0.5, -1.0, 1.5, 2.0, 10.0, 1e4], dt)],
                            kw,
                        ),
                    )
    for dt in h.DTYPES:
        d = h.dname(dt)
        for eps in [0.1, 0.0, 1e-3]:
            b.add(
                ["mean", d, "log_input=False", f"eps={eps}", "6"],
                lambda: (
                    [h.tensor([0.0, 0.5, 1.0, 2.0, 1e-9, 3.0], dt), counts([6], dt)],
                    {"reduction": "mean", "log_input": False, "eps": eps},
                ),
                [0, 1],
                expect_error=False,
            )
        b.add(
            ["none", d, "log_input=True", "eps=0.5", "6"],
            lambda: ([h.randn([6], dt), counts([6], dt)], {"reduction": "none", "eps": 0.5}),
            [0, 1],
            expect_error=False,
        )
        b.add(
            ["default", d, "3x4"],
            lambda: ([h.randn([3, 4], dt), counts([3, 4], dt)], {}),
            [0, 1],
            expect_error=False,
        )
        for log_input in [True, False]:
            b.add(
                ["sum", d, f"log_input={log_input}", "full=True", "grad=target", "broadcast", "3x4-4"],
                lambda: (
                    [rates([3, 4], dt), counts([4], dt)],
                    {"reduction": "sum", "log_input": log_input, "full": True},
                ),
                [1],
                expect_error=False,
            )
        b.add(
            ["default", d, "grad=input", "2x3x4"],
            lambda: ([h.randn([2, 3, 4], dt), counts([2, 3, 4], dt)], {}),
            [0],
            expect_error=False,
        )

    # A broadcast over no elements: exp(x), log(x + eps) and the Stirling term live at their
    # operand's shape, so their gradients are 0 summed and then multiplied (nan in places).
    for dt in h.DTYPES:
        for log_input in [True, False]:
            b.add(
                ["sum", h.dname(dt), f"log_input={log_input}", "full=True", "empty_broadcast", "1x4-0x4"],
                lambda: (
                    [h.tensor([[1000.0, 0.5, -1e-8, 0.0]], dt), h.tensor([[]], dt).reshape(0, 4)],
                    {"reduction": "sum", "log_input": log_input, "full": True},
                ),
                [0, 1],
                expect_error=False,
            )
            b.add(
                ["none", h.dname(dt), f"log_input={log_input}", "full=True", "empty_broadcast", "0x4-4"],
                lambda: (
                    [h.tensor([[]], dt).reshape(0, 4), h.tensor([0.0, -1.0, 2.0, h.INF], dt)],
                    {"reduction": "none", "log_input": log_input, "full": True},
                ),
                [0, 1],
                expect_error=False,
            )

    def err(parts, make, rg=(0, 1)):
        b.add(parts, make, list(rg), expect_error=True)

    for dt in h.DTYPES:
        d = h.dname(dt)
        err(["mean", d, "error=shape", "3-4"], lambda: ([h.randn([3], dt), counts([4], dt)], {}))
        err(
            ["none", d, "error=shape", "2x3-3x2"],
            lambda: ([h.randn([2, 3], dt), counts([3, 2], dt)], {"reduction": "none"}),
        )
        err(
            ["sum", d, "log_input=False", "full=True", "error=shape", "2x3-2"],
            lambda: ([rates([2, 3], dt), counts([2], dt)], {"reduction": "sum", "log_input": False, "full": True}),
        )
        for red in ["avg", "batchmean"]:
            err([red, d, "error=reduction", "3"], lambda: ([h.randn([3], dt), counts([3], dt)], {"reduction": red}))
