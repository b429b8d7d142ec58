"""Cases for multilabel_soft_margin_loss: weight, broadcasting, large and infinite logits."""

C = 5


def build(b, h):
    F32, F64, I64, NAN, INF = h.F32, h.F64, h.I64, h.NAN, h.INF
    torch, randn, tensor = h.torch, h.randn, h.tensor

    def labels(shape, dt):
        return torch.randint(0, 2, shape).to(dt)

    big_x = [[1e4, -1e4, 0.0, 1.0, 50.0], [-1e4, -1e4, -1e4, 1e4, -50.0], [1e4, 1e4, -1e4, 0.0, 100.0]]
    big_y = [[1.0, 0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0, 1.0]]
    # inf with the matching label gives 0 * -inf = nan, as torch's composite does.
    inf_x = [[INF, -INF, 0.0, 1.0, 2.0], [INF, -INF, 1.0, -1.0, 0.5]]
    inf_y = [[0.0, 1.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.5, 1.0, 0.0]]
    nan_x = [[NAN, 1.0, -1.0, 0.0, 2.0], [0.5, -0.5, 1.0, 0.0, -2.0]]
    nan_y = [[1.0, 0.0, 1.0, 0.0, 1.0], [NAN, 0.0, 1.0, 1.0, 0.0]]

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:

            def add(parts, make, rg=(0, 1), expect_error=False):
                b.add([red, h.dname(dt)] + parts, make, list(rg), expect_error=expect_error)

            def w(shape):
                return torch.rand(shape, dtype=dt)

            add(["3x5"], lambda: ([randn([3, C], dt), labels([3, C], dt)], rk))
            add(["target=prob", "3x5"], lambda: ([randn([3, C], dt), torch.rand([3, C], dtype=dt)], rk))
            add(["unbatched", "5"], lambda: ([randn([C], dt), labels([C], dt)], rk))
            add(["2x3x5"], lambda: ([randn([2, 3, C], dt), labels([2, 3, C], dt)], rk))
            add(["weight=5", "3x5"], lambda: ([randn([3, C], dt), labels([3, C], dt)], dict(rk, weight=w([C]))))
            add(["weight=3x5", "3x5"], lambda: ([randn([3, C], dt), labels([3, C], dt)], dict(rk, weight=w([3, C]))))
            add(["weight=3x1", "3x5"], lambda: ([randn([3, C], dt), labels([3, C], dt)], dict(rk, weight=w([3, 1]))))
            add(["weight=5", "unbatched", "5"], lambda: ([randn([C], dt), labels([C], dt)], dict(rk, weight=w([C]))))
            add(["broadcast", "target=5", "3x5"], lambda: ([randn([3, C], dt), labels([C], dt)], rk))
            # input (5) with target (3, 5): torch sums over dim input.dim() - 1 = 0 of the broadcast loss.
            add(["broadcast", "input=5", "3x5"], lambda: ([randn([C], dt), torch.rand([3, C], dtype=dt)], rk))
            add(["target=int64", "3x5"], lambda: ([randn([3, C], dt), torch.randint(0, 2, [3, C])], rk), rg=(0,))
            add(["logits=1e4", "3x5"], lambda: ([tensor(big_x, dt), tensor(big_y, dt)], rk))
            add(["inf", "2x5"], lambda: ([tensor(inf_x, dt), tensor(inf_y, dt)], rk))
            add(["nan", "2x5"], lambda: ([tensor(nan_x, dt), tensor(nan_y, dt)], rk))
            add(["zeros", "2x5"], lambda: ([torch.zeros([2, C], dtype=dt), labels([2, C], dt)], rk))
            add(["empty", "0x5"], lambda: ([randn([0, C], dt), labels([0, C], dt)], rk))
            add(["no_classes", "3x0"], lambda: ([randn([3, 0], dt), labels([3, 0], dt)], rk))
    for dt in h.DTYPES:
        b.add(["default", h.dname(dt), "4x5"], lambda: ([randn([4, C], dt), labels([4, C], dt)], {}), [0, 1], expect_error=False)
        b.add(
            ["default", h.dname(dt), "weight=5", "4x5"],
            lambda: ([randn([4, C], dt), labels([4, C], dt)], {"weight": torch.rand(C, dtype=dt)}),
            [0],
            expect_error=False,
        )

    def err(parts, make, dt=F32, rg=(0,)):
        b.add(["mean", h.dname(dt)] + parts, make, list(rg), expect_error=True)

    err(["error=input_dims", "scalar"], lambda: ([randn([], F32), tensor(1.0, F32)], {}))
    err(["error=shape", "3x5-3x4"], lambda: ([randn([3, C], F32), labels([3, 4], F32)], {}), rg=(0, 1))
    err(["error=shape", "3x5-2x5"], lambda: ([randn([3, C], F64), labels([2, C], F64)], {}), F64, rg=(0, 1))
    err(["error=weight_shape", "3x5"], lambda: ([randn([3, C], F32), labels([3, C], F32)], {"weight": torch.rand(4)}))
    err(["error=target_dtype", "target=bool", "3x5"], lambda: ([randn([3, C], F32), labels([3, C], torch.bool)], {}))
    err(["error=input_dtype", "int64", "3x5"], lambda: ([torch.randint(-3, 3, [3, C]), labels([3, C], F32)], {}), rg=())
    err(["error=reduction", "3x5"], lambda: ([randn([3, C], F32), labels([3, C], F32)], {"reduction": "avg"}))
