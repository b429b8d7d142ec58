"""Cases for multilabel_margin_loss: the -1 terminator, (C) and (N, C), ties, nan, inf."""

C = 5


def build(b, h):
    F32, F64, I64, NAN, INF = h.F32, h.F64, h.I64, h.NAN, h.INF
    torch, randn, tensor = h.torch, h.randn, h.tensor

    def targets(n, c=C):
        """Each row: a random set of distinct classes, then -1, then junk in [-1, c)."""
        rows = []
        for _ in range(n):
            k = int(torch.randint(0, c + 1, []))
            row = torch.randperm(c)[:k].tolist()
            if k < c:
                row += [-1] + torch.randint(-1, c, [c - k - 1]).tolist()
            rows.append(row)
        return tensor(rows, I64)

    ties_x = [[0.5, 1.5, -0.5, 0.5, 2.5], [1.0, 0.0, 1.0, 2.0, 0.0], [0.25, 0.25, 0.25, 0.25, 0.25]]
    ties_y = [[1, -1, 0, 0, 0], [0, 4, -1, 4, 4], [2, 3, -1, 1, 1]]
    special_y = [
        [-1, 0, 1, 2, 3],  # no targets: loss 0
        [4, 3, 2, 1, 0],  # every class a target: no non-targets, loss 0
        [1, 1, -1, -1, 4],  # a class listed twice counts twice; junk after -1
        [3, -1, 2, 2, 2],  # junk after -1 is ignored
    ]
    nan_x = [[NAN, 1.0, 2.0, 0.0, 0.5], [0.0, NAN, 1.0, 2.0, -1.0], [1.0, 1.0, NAN, 1.0, 0.0]]
    nan_y = [[1, -1, 0, 0, 0], [1, 2, -1, 0, 0], [0, 3, -1, 0, 0]]
    inf_x = [[INF, 1.0, 2.0, 0.0, 0.5], [0.0, INF, 1.0, -INF, -1.0], [-INF, 1.0, 0.0, 1.0, 0.0]]
    inf_y = [[1, -1, 0, 0, 0], [0, 1, -1, 0, 0], [0, -1, 0, 0, 0]]

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:

            def add(parts, make, expect_error=False):
                b.add([red, h.dname(dt)] + parts, make, [0], expect_error=expect_error)

            add(["3x5"], lambda: ([randn([3, C], dt), targets(3)], rk))
            add(["6x5"], lambda: ([randn([6, C], dt), targets(6)], rk))
            add(["4x8"], lambda: ([randn([4, 8], dt), targets(4, 8)], rk))
            add(["unbatched", "5"], lambda: ([randn([C], dt), targets(1)[0]], rk))
            add(["unbatched", "8"], lambda: ([randn([8], dt), targets(1, 8)[0]], rk))
            add(["scalar", "target=0"], lambda: ([randn([], dt), tensor([0], I64)], rk))
            add(["scalar", "target=scalar"], lambda: ([randn([], dt), tensor(-1, I64)], rk))
            add(["special", "4x5"], lambda: ([randn([4, C], dt), tensor(special_y, I64)], rk))
            add(["ties", "3x5"], lambda: ([tensor(ties_x, dt), tensor(ties_y, I64)], rk))
            add(["nan", "3x5"], lambda: ([tensor(nan_x, dt), tensor(nan_y, I64)], rk))
            add(["inf", "3x5"], lambda: ([tensor(inf_x, dt), tensor(inf_y, I64)], rk))
            add(["logits=1e4", "3x4"], lambda: ([tensor(h.BIG_LOGITS, dt), targets(3, 4)], rk))
            if red == "none":
                # torch 1.13 returns an uninitialised number for "mean"/"sum" of an empty batch.
                add(["empty", "0x5"], lambda: ([randn([0, C], dt), torch.zeros([0, C], dtype=I64)], rk))
    for dt in h.DTYPES:
        b.add(["default", h.dname(dt), "5x5"], lambda: ([randn([5, C], dt), targets(5)], {}), [0], expect_error=False)
        b.add(["default", h.dname(dt), "unbatched", "5"], lambda: ([randn([C], dt), targets(1)[0]], {}), [0], expect_error=False)

    def err(parts, make, dt=F32):
        b.add(["mean", h.dname(dt)] + parts, make, [0], expect_error=True)

    err(["error=target_range", "2x5"], lambda: ([randn([2, C], F32), tensor([[5, -1, 0, 0, 0], [1, -1, 0, 0, 0]], I64)], {}))
    err(
        ["error=target_range", "after_terminator", "2x5"],
        lambda: ([randn([2, C], F64), tensor([[1, -1, 0, 0, 9], [1, -1, 0, 0, 0]], I64)], {}),
        F64,
    )
    err(["error=target_negative", "2x5"], lambda: ([randn([2, C], F32), tensor([[-2, 1, 0, 0, 0], [1, -1, 0, 0, 0]], I64)], {}))
    err(["error=target_dtype", "2x5"], lambda: ([randn([2, C], F32), tensor([[1, -1, 0, 0, 0]] * 2, F32)], {}))
    err(["error=target_shape", "2x5-2"], lambda: ([randn([2, C], F32), tensor([1, -1], I64)], {}))
    err(["error=target_shape", "2x5-2x4"], lambda: ([randn([2, C], F64), tensor([[1, -1, 0, 0]] * 2, I64)], {}), F64)
    err(["error=target_shape", "unbatched", "5-4"], lambda: ([randn([C], F32), tensor([1, -1, 0, 0], I64)], {}))
    err(["error=input_dims", "2x5x2"], lambda: ([randn([2, C, 2], F32), torch.zeros([2, C, 2], dtype=I64)], {}))
    err(["error=no_classes", "3x0"], lambda: ([randn([3, 0], F32), torch.zeros([3, 0], dtype=I64)], {}))
    err(["error=reduction", "2x5"], lambda: ([randn([2, C], F32), targets(2)], {"reduction": "avg"}))
