"""Cases for multi_margin_loss: p 1 and 2, margin, weight, (C) and (N, C), ties and nan."""

C = 5


def build(b, h):
    F32, F64, I64, NAN, INF = h.F32, h.F64, h.I64, h.NAN, h.INF
    randn, tensor = h.randn, h.tensor

    def classes(shape):
        return h.torch.randint(0, C, shape, dtype=I64)

    # Ties: margin - x[y] + x[i] == 0 exactly (no term, zero gradient), with margin 1.
    ties_x = [[0.5, 1.5, -0.5, 0.5, 2.5], [1.0, 0.0, 1.0, 2.0, 0.0], [0.25, 0.25, 0.25, 0.25, 0.25]]
    ties_y = [1, 0, 2]
    nan_x = [[NAN, 1.0, 2.0, 0.0, 0.5], [0.0, NAN, 1.0, 2.0, -1.0], [1.0, 1.0, NAN, 1.0, 0.0]]
    nan_y = [1, 0, 2]
    inf_x = [[INF, 1.0, 2.0, 0.0, 0.5], [0.0, INF, 1.0, -INF, -1.0], [-INF, 1.0, 0.0, 1.0, 0.0], [INF, INF, 0.0, 1.0, 0.0]]
    inf_y = [1, 1, 0, 0]

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            big = 1e20 if dt == F32 else 1e200

            def add(parts, make, expect_error=False):
                b.add([red, h.dname(dt)] + parts, make, [0], expect_error=expect_error)

            for p in [1, 2]:
                for margin in [None, 0.5]:
                    kw = dict(rk, p=p) if margin is None else dict(rk, p=p, margin=margin)
                    opt = "margin=default" if margin is None else f"margin={margin}"
                    add([f"p={p}", opt, "3x5"], lambda: ([randn([3, C], dt), classes([3])], kw))
                add(
                    [f"p={p}", "weight", "4x5"],
                    lambda: ([randn([4, C], dt), classes([4])], dict(rk, p=p, weight=h.torch.rand(C, dtype=dt))),
                )
                add(
                    [f"p={p}", "weight", "margin=2.0", "unbatched", "5"],
                    lambda: (
                        [randn([C], dt), classes([])],
                        dict(rk, p=p, margin=2.0, weight=h.torch.rand(C, dtype=dt)),
                    ),
                )
                add([f"p={p}", "ties", "3x5"], lambda: ([tensor(ties_x, dt), tensor(ties_y, I64)], dict(rk, p=p)))
                add([f"p={p}", "inf", "4x5"], lambda: ([tensor(inf_x, dt), tensor(inf_y, I64)], dict(rk, p=p)))
            add(["unbatched", "5"], lambda: ([randn([C], dt), classes([])], rk))
            add(["unbatched", "target=1", "5"], lambda: ([randn([C], dt), classes([1])], rk))
            add(["scalar"], lambda: ([randn([], dt), tensor(0, I64)], rk))
            add(["nan", "3x5"], lambda: ([tensor(nan_x, dt), tensor(nan_y, I64)], rk))
            add(["nan", "p=2", "weight", "3x5"], lambda: (
                [tensor(nan_x, dt), tensor(nan_y, I64)],
                dict(rk, p=2, weight=h.torch.rand(C, dtype=dt)),
            ))
            # z^2 overflows the dtype: inf, as PyTorch's literal square.
            add(["large", "p=2", "2x5"], lambda: (
                [tensor([[big, 0.0, 1.0, -big, 2.0], [0.0, -big, 3.0, 1.0, big]], dt), tensor([1, 1], I64)],
                dict(rk, p=2),
            ))
            if red == "none":
                # torch 1.13 returns an uninitialised number for "mean"/"sum" of an empty batch.
                add(["empty", "0x5"], lambda: ([randn([0, C], dt), classes([0])], rk))
    for dt in h.DTYPES:
        b.add(["default", h.dname(dt), "6x5"], lambda: ([randn([6, C], dt), classes([6])], {}), [0], expect_error=False)
        b.add(
            ["default", h.dname(dt), "p=2", "margin=0.25", "weight", "6x5"],
            lambda: ([randn([6, C], dt), classes([6])], {"p": 2, "margin": 0.25, "weight": h.torch.rand(C, dtype=dt)}),
            [0],
            expect_error=False,
        )

    def err(parts, make, dt=F32):
        b.add(["mean", h.dname(dt)] + parts, make, [0], expect_error=True)

    err(["error=p", "p=3", "3x5"], lambda: ([randn([3, C], F32), classes([3])], {"p": 3}))
    err(["error=p", "p=0", "3x5"], lambda: ([randn([3, C], F64), classes([3])], {"p": 0}), F64)
    err(["error=target_range", "3x5"], lambda: ([randn([3, C], F32), tensor([0, 5, 1], I64)], {}))
    err(["error=target_negative", "3x5"], lambda: ([randn([3, C], F64), tensor([0, -1, 1], I64)], {}), F64)
    err(["error=target_dtype", "3x5"], lambda: ([randn([3, C], F32), tensor([0.0, 1.0, 2.0], F32)], {}))
    err(["error=target_shape", "3x5-2"], lambda: ([randn([3, C], F32), classes([2])], {}))
    err(["error=target_shape", "3x5-3x1"], lambda: ([randn([3, C], F32), classes([3, 1])], {}))
    err(["error=input_dims", "2x5x2"], lambda: ([randn([2, C, 2], F32), classes([2])], {}))
    err(["error=no_classes", "3x0"], lambda: ([randn([3, 0], F64), classes([3])], {}), F64)
    err(["error=weight_dims", "3x5"], lambda: ([randn([3, C], F32), classes([3])], {"weight": h.torch.rand(1, C)}))
    err(
        ["error=weight_dtype", "3x5"],
        lambda: ([randn([3, C], F32), classes([3])], {"weight": h.torch.rand(C, dtype=F64)}),
    )
    err(["error=reduction", "3x5"], lambda: ([randn([3, C], F32), classes([3])], {"reduction": "avg"}))
