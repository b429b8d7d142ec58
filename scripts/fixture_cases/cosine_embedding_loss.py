"""Cases for cosine_embedding_loss: margin, (N, D) and (D), zero vectors, kinks, overflow."""

N = 4
D = 5


def build(b, h):
    F32, F64, I64, NAN, INF = h.F32, h.F64, h.I64, h.NAN, h.INF
    torch, randn, tensor = h.torch, h.randn, h.tensor

    def signs(shape, dt=I64):
        return (torch.randint(0, 2, shape) * 2 - 1).to(dt)

    # Kinks: orthogonal pairs have cos == 0 exactly (margin 0 sits on the clamp's kink), and a
    # vector with itself has cos == 1 exactly in these values (margin 1 sits on it too).
    kink_1 = [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [1.0, 1.0, 0.0], [3.0, 0.0, 4.0]]
    kink_2 = [[0.0, 1.0, 0.0], [0.0, 0.0, -3.0], [1.0, 1.0, 0.0], [3.0, 0.0, 4.0]]
    zero_1 = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [0.0, 0.0, 0.0]]
    zero_2 = [[1.0, 2.0, -1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]
    nan_1 = [[NAN, 1.0, 0.0], [1.0, 2.0, 3.0], [NAN, 0.0, 1.0], [1.0, 1.0, 1.0]]
    nan_2 = [[1.0, 1.0, 1.0], [NAN, 0.0, 1.0], [1.0, 0.0, 0.0], [2.0, -1.0, 0.5]]
    inf_1 = [[INF, 1.0, 0.0], [1.0, 2.0, 3.0], [-INF, 0.0, 1.0], [1.0, 1.0, 1.0]]
    inf_2 = [[1.0, 1.0, 1.0], [INF, 0.0, 1.0], [1.0, 0.0, 0.0], [2.0, -1.0, 0.5]]

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            big = 1e20 if dt == F32 else 1e160

            def add(parts, make, expect_error=False):
                b.add([red, h.dname(dt)] + parts, make, [0, 1], expect_error=expect_error)

            for margin in [None, -0.5]:
                kw = rk if margin is None else dict(rk, margin=margin)
                opt = "margin=default" if margin is None else f"margin={margin}"
                add([opt, f"{N}x{D}"], lambda: ([randn([N, D], dt), randn([N, D], dt), signs([N])], kw))
            add(["unbatched", "target=1", str(D)], lambda: ([randn([D], dt), randn([D], dt), tensor(1, I64)], rk))
            add(
                ["unbatched", "target=-1", "margin=-0.25", str(D)],
                lambda: ([randn([D], dt), randn([D], dt), tensor(-1.0, dt)], dict(rk, margin=-0.25)),
            )
            add(["target=float", f"{N}x{D}"], lambda: ([randn([N, D], dt), randn([N, D], dt), signs([N], dt)], rk))
            # Targets other than 1 and -1 give 0 in torch's where().
            add(
                ["target=other", "margin=-1.0", f"{N}x{D}"],
                lambda: ([randn([N, D], dt), randn([N, D], dt), tensor([0.0, 0.5, 2.0, -1.0], dt)], dict(rk, margin=-1.0)),
            )
            add(["broadcast", f"{N}x{D}-1x{D}"], lambda: ([randn([N, D], dt), randn([1, D], dt), signs([N])], rk))
            add(["broadcast", f"{N}x{D}-{N}x1"], lambda: ([randn([N, D], dt), randn([N, 1], dt), signs([N])], rk))
            add(
                ["broadcast", "target=1", f"{N}x{D}"],
                lambda: ([randn([N, D], dt), randn([N, D], dt), tensor([-1], I64)], dict(rk, margin=-0.5)),
            )
            add(
                ["broadcast", f"1x{D}-1x{D}", f"target={N}"],
                lambda: ([randn([1, D], dt), randn([1, D], dt), tensor([1, -1, 1, -1], I64)], dict(rk, margin=-0.5)),
            )
            add(["kink", "margin=0.0", "4x3"], lambda: ([tensor(kink_1, dt), tensor(kink_2, dt), tensor([-1, -1, 1, 1], I64)], dict(rk, margin=0.0)))
            add(["kink", "margin=1.0", "4x3"], lambda: ([tensor(kink_1, dt), tensor(kink_2, dt), tensor([1, -1, -1, -1], I64)], dict(rk, margin=1.0)))
            add(["zeros", "4x3"], lambda: ([tensor(zero_1, dt), tensor(zero_2, dt), tensor([1, -1, 1, -1], I64)], dict(rk, margin=-0.5)))
            add(["nan", "4x3"], lambda: ([tensor(nan_1, dt), tensor(nan_2, dt), tensor([1, -1, 0, -1], I64)], rk))
            add(["inf", "4x3"], lambda: ([tensor(inf_1, dt), tensor(inf_2, dt), tensor([1, -1, 1, 1], I64)], dict(rk, margin=-0.5)))
            # Squares overflow the dtype: inf / inf = nan, as torch's literal formula.
            add(
                ["large", "3x3"],
                lambda: (
                    [tensor([[big, 1.0, 0.0], [big, big, 0.0], [1.0, 2.0, 3.0]], dt),
                     tensor([[big, 0.0, 1.0], [1.0, 1.0, 1.0], [big, 2.0, 3.0]], dt),
                     tensor([1, -1, 1], I64)],
                    dict(rk, margin=-0.5),
                ),
            )
            add(["empty", f"0x{D}"], lambda: ([randn([0, D], dt), randn([0, D], dt), signs([0])], rk))
            add(["no_features", f"{N}x0"], lambda: ([randn([N, 0], dt), randn([N, 0], dt), signs([N])], rk))
    for dt in h.DTYPES:
        b.add(
            ["default", h.dname(dt), f"6x{D}"],
            lambda: ([randn([6, D], dt), randn([6, D], dt), signs([6])], {}),
            [0, 1],
            expect_error=False,
        )
        b.add(
            ["default", h.dname(dt), "grad=input1", "target=bool", f"{N}x{D}"],
            lambda: ([randn([N, D], dt), randn([N, D], dt), torch.tensor([True, False, True, True])], {"margin": 0.25}),
            [0],
            expect_error=False,
        )

    def err(parts, make, dt=F32):
        b.add(["mean", h.dname(dt)] + parts, make, [0, 1], expect_error=True)

    err(["error=target_dims", f"{N}x{D}"], lambda: ([randn([N, D], F32), randn([N, D], F32), signs([N, 1])], {}))
    err(["error=input_dims", "target=1d", str(D)], lambda: ([randn([D], F32), randn([D], F32), signs([1])], {}))
    err(["error=input_dims", "target=0d", f"{N}x{D}"], lambda: ([randn([N, D], F64), randn([N, D], F64), tensor(1, I64)], {}), F64)
    err(["error=input_dims", f"{N}x{D}-{D}"], lambda: ([randn([N, D], F32), randn([D], F32), signs([N])], {}))
    err(["error=input_dims", f"2x{N}x{D}"], lambda: ([randn([2, N, D], F32), randn([2, N, D], F32), signs([N])], {}))
    err(["error=shape", f"{N}x{D}-{N}x3"], lambda: ([randn([N, D], F32), randn([N, 3], F32), signs([N])], {}))
    err(["error=target_shape", f"{N}x{D}-3"], lambda: ([randn([N, D], F64), randn([N, D], F64), signs([3])], {}), F64)
    err(["error=reduction", f"{N}x{D}"], lambda: ([randn([N, D], F32), randn([N, D], F32), signs([N])], {"reduction": "avg"}))
