"""kl_div: log-probability inputs, probability or log-probability targets, batchmean."""

import torch

REDUCTIONS = ["none", "mean", "sum", "batchmean"]


def build(b, h):
    def logp(shape, dt):
        return torch.randn(shape, dtype=dt).log_softmax(-1) if len(shape) else torch.randn(shape, dtype=dt)

    def probs(shape, dt):
        return torch.randn(shape, dtype=dt).softmax(-1) if len(shape) else torch.rand(shape, dtype=dt)

    for red in REDUCTIONS:
        for log_target in [False, True]:
            kw = {"reduction": red, **({"log_target": True} if log_target else {})}
            opt = "log_target" if log_target else ""
            for dt in h.DTYPES:
                d = h.dname(dt)

                def add(parts, make, rg=(0, 1)):
                    b.add([red, d, opt] + parts, make, list(rg), expect_error=False)

                target = logp if log_target else probs
                for shape in [[], [5], [3, 4], [2, 3, 2], [0, 4]]:
                    add([h.shape_name(shape)], lambda: ([logp(shape, dt), target(shape, dt)], kw))
                for xs, ys in [([3, 4], [4]), ([4], [3, 4])]:
                    add(
                        ["broadcast", f"{h.shape_name(xs)}-{h.shape_name(ys)}"],
                        lambda: ([logp(xs, dt), target(ys, dt)], kw),
                    )
                if log_target:
                    # exp(-inf) * (-inf - x) is 0 * inf: nan, as in PyTorch's formula.
                    add(
                        ["hard", "8"],
                        lambda: (
                            [
                                h.tensor([0.5, h.INF, 2.0, -h.INF, -1.0, h.NAN, 0.0, 30.0], dt),
                                h.tensor([0.0, 0.0, -h.INF, 1.0, h.NAN, -1.0, h.INF, 20.0], dt),
                            ],
                            kw,
                        ),
                    )
                else:
                    # Target 0: loss 0 (xlogy), target grad nan; negative target: nan.
                    add(
                        ["hard", "8"],
                        lambda: (
                            [
                                h.tensor([0.5, -1.0, 2.0, 0.3, h.INF, -h.INF, h.NAN, -50.0], dt),
                                h.tensor([0.0, -0.5, 0.0, h.NAN, 0.0, 1.0, 0.25, 2.0], dt),
                            ],
                            kw,
                        ),
                    )
                    add(
                        ["target=zeros", "grad=input", "2x4"],
                        lambda: (
                            [logp([2, 4], dt), h.tensor([[0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0]], dt)],
                            kw,
                        ),
                        rg=(0,),
                    )
    for dt in h.DTYPES:
        for lt in [False, True]:
            b.add(
                ["sum", h.dname(dt), "log_target" if lt else "", "grad=target", "broadcast", "3x4-4"],
                lambda: (
                    [logp([3, 4], dt), logp([4], dt) if lt else probs([4], dt)],
                    {"reduction": "sum", "log_target": lt},
                ),
                [1],
                expect_error=False,
            )
        b.add(
            ["default", h.dname(dt), "3x4"],
            lambda: ([logp([3, 4], dt), probs([3, 4], dt)], {}),
            [0, 1],
            expect_error=False,
        )
        b.add(
            ["default", h.dname(dt), "log_target", "3x4"],
            lambda: ([logp([3, 4], dt), logp([3, 4], dt)], {"log_target": True}),
            [0],
            expect_error=False,
        )

    # A broadcast over no elements: the target's xlogy and exp terms live at its own shape, so
    # their gradients are 0 summed and then multiplied (0 * inf, 0 / 0: nan in places).
    for dt in h.DTYPES:
        for red in ["sum", "none"]:
            b.add(
                [red, h.dname(dt), "empty_broadcast", "0x3-3"],
                lambda: ([logp([0, 3], dt), h.tensor([-h.INF, 0.0, -50.0], dt)], {"reduction": red}),
                [0, 1],
                expect_error=False,
            )
            b.add(
                [red, h.dname(dt), "log_target", "empty_broadcast", "0x3-3"],
                lambda: (
                    [logp([0, 3], dt), h.tensor([h.INF, 0.0, -h.INF], dt)],
                    {"reduction": red, "log_target": True},
                ),
                [0, 1],
                expect_error=False,
            )

    def err(parts, make, rg=(0, 1)):
        b.add(parts, make, list(rg), expect_error=True)

    for dt in h.DTYPES:
        d = h.dname(dt)
        err(["mean", d, "error=shape", "3-4"], lambda: ([logp([3], dt), probs([4], dt)], {"reduction": "mean"}))
        err(
            ["batchmean", d, "error=shape", "2x3-3x2"],
            lambda: ([logp([2, 3], dt), probs([3, 2], dt)], {"reduction": "batchmean"}),
        )
        err(
            ["none", d, "log_target", "error=shape", "2x3-2"],
            lambda: ([logp([2, 3], dt), logp([2], dt)], {"reduction": "none", "log_target": True}),
        )
        err(["avg", d, "error=reduction", "3"], lambda: ([logp([3], dt), probs([3], dt)], {"reduction": "avg"}))
        err(
            ["mean", d + "-int64", "error=dtype", "3"],
            lambda: ([logp([3], dt), torch.tensor([1, 0, 0])], {"reduction": "mean"}),
            rg=(0,),
        )
    err(
        ["sum", "int64", "error=dtype", "3"],
        lambda: ([torch.tensor([-1, -2, 0]), torch.tensor([1, 0, 0])], {"reduction": "sum"}),
        rg=(),
    )
