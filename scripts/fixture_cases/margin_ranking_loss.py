"""margin_ranking_loss: every reduction x dtype x margin, shapes, broadcasting, kinks."""


def kinks(h, dt, margin):
    """-y * (x1 - x2) + margin lands exactly on 0 (the clamp's kink) in several elements."""
    x1 = h.tensor([1.0, 0.0, 0.25, 2.0, 0.0, 1.0, -1.0, 3.0], dt)
    x2 = h.tensor([1.0 - margin, 0.0 + margin, 0.25 + margin, 2.0, 0.0, 0.5, -1.5, 0.0], dt)
    y = h.tensor([1.0, -1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 0.0], dt)
    return [x1, x2, y]


def build(b, h):
    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            d = h.dname(dt)

            def add(parts, make, rg=(0, 1, 2)):
                b.add([red, d] + parts, make, list(rg), expect_error=False)

            for margin in [None, 0.0, 0.5, -0.25]:
                kw = rk if margin is None else {**rk, "margin": margin}
                opt = "margin=default" if margin is None else f"margin={margin}"
                add([opt, "6"], lambda: ([h.randn([6], dt), h.randn([6], dt), h.signs([6], dt)], kw))
            for shape in [[], [3, 4], [2, 2, 3], [0], [0, 3]]:
                add(["margin=0.5", h.shape_name(shape)],
                    lambda: ([h.randn(shape, dt), h.randn(shape, dt), h.signs(shape, dt)], {**rk, "margin": 0.5}))
            add(["target=randn", "6"], lambda: ([h.randn([6], dt), h.randn([6], dt), h.randn([6], dt)], rk))
            add(["target=int64", "margin=0.5", "6"],
                lambda: ([h.randn([6], dt), h.randn([6], dt), h.signs([6], h.I64)], {**rk, "margin": 0.5}),
                rg=(0, 1))
            for shapes in [([3, 1], [1, 4], [3, 4]), ([3, 4], [3, 4], [1, 4]), ([2, 3], [1, 3], [2, 1])]:
                name = "-".join(h.shape_name(s) for s in shapes)
                add(["margin=0.5", "broadcast", name],
                    lambda: ([h.randn(shapes[0], dt), h.randn(shapes[1], dt), h.signs(shapes[2], dt)],
                             {**rk, "margin": 0.5}))
            for margin in [0.5, 0.0]:
                add([f"margin={margin}", "kinks", "8"], lambda: (kinks(h, dt, margin), {**rk, "margin": margin}))
            add(["margin=0.5", "nan", "6"], lambda: (
                [h.tensor([h.NAN, 1.0, 1.0, h.NAN, 0.0, 2.0], dt),
                 h.tensor([0.0, h.NAN, 0.0, h.NAN, 0.0, 1.0], dt),
                 h.tensor([1.0, -1.0, h.NAN, 1.0, h.NAN, -1.0], dt)], {**rk, "margin": 0.5}))
            add(["margin=0.5", "inf", "6"], lambda: (
                [h.tensor([h.INF, h.INF, -h.INF, 1.0, 0.0, 1.0], dt),
                 h.tensor([h.INF, 0.0, 0.0, -h.INF, 0.0, 2.0], dt),
                 h.tensor([1.0, 1.0, 1.0, -1.0, h.INF, -h.INF], dt)], {**rk, "margin": 0.5}))
            big = 3e38 if dt == h.F32 else 1.7e308
            add(["large", "4"], lambda: (
                [h.tensor([big, -big, big, 1.0], dt), h.tensor([-big, big, -big, 0.0], dt),
                 h.tensor([-1.0, 1.0, 1.0, -1e30], dt)], rk))
    for dt in h.DTYPES:
        d = h.dname(dt)
        b.add(["default", d, "6"], lambda: ([h.randn([6], dt), h.randn([6], dt), h.signs([6], dt)], {}),
              [0, 1, 2], expect_error=False)
        b.add(["default", d, "grad=input1", "margin=1.0", "6"],
              lambda: ([h.randn([6], dt), h.randn([6], dt), h.signs([6], dt)], {"margin": 1.0}),
              [0], expect_error=False)
        b.add(["sum", d, "grad=target", "margin=0.5", "kinks", "8"],
              lambda: (kinks(h, dt, 0.5), {"reduction": "sum", "margin": 0.5}), [2], expect_error=False)
        b.add(["none", d, "grad=input2", "target=randn", "6"],
              lambda: ([h.randn([6], dt), h.randn([6], dt), h.randn([6], dt)], {"reduction": "none"}),
              [1], expect_error=False)

    # Errors.
    for dt in h.DTYPES:
        d = h.dname(dt)
        for shapes in [([3], [1, 3], [3]), ([3], [3], [])]:
            name = "-".join(h.shape_name(s) for s in shapes)
            b.add(["mean", d, "error=dims", name],
                  lambda: ([h.randn(shapes[0], dt), h.randn(shapes[1], dt), h.signs(shapes[2], dt)], {}),
                  [0, 1, 2], expect_error=True)
        b.add(["mean", d, "error=shape", "3-4-3"],
              lambda: ([h.randn([3], dt), h.randn([4], dt), h.signs([3], dt)], {}), [0, 1, 2], expect_error=True)
        b.add(["avg", d, "error=reduction", "3"],
              lambda: ([h.randn([3], dt), h.randn([3], dt), h.signs([3], dt)], {"reduction": "avg"}),
              [0, 1, 2], expect_error=True)
        b.add(["mean", d, "error=target_dtype", "target=bool", "3"],
              lambda: ([h.randn([3], dt), h.randn([3], dt), h.tensor([True, False, True], h.torch.bool)], {}),
              [0, 1], expect_error=True)
        b.add(["mean", d, "error=margin_type", "3"],
              lambda: ([h.randn([3], dt), h.randn([3], dt), h.signs([3], dt)], {"margin": "a"}),
              [0, 1, 2], expect_error=True)
    b.add(["mean", "bool", "error=dtype", "3"],
          lambda: ([h.tensor([True, False, True], h.torch.bool), h.tensor([True, True, False], h.torch.bool),
                    h.tensor([1.0, -1.0, 1.0], h.F32)], {}),
          [], expect_error=True)
