"""soft_margin_loss: every reduction x dtype, shapes, int64 and random targets, overflow."""


def large(h, dt):
    """-x * y past exp's overflow (loss inf, gradient nan) and x * y large (loss exactly 0)."""
    if dt == h.F32:
        x = [-100.0, 100.0, -50.0, 89.0, -89.0, 88.0, -88.0, 17.0, 20.0, -1e30]
    else:
        x = [-1000.0, 1000.0, -700.0, 710.0, -710.0, 709.0, -709.0, 37.0, 40.0, -1e300]
    y = [1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0]
    return [h.tensor(x, dt), h.tensor(y, dt)]


def build(b, h):
    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            d = h.dname(dt)

            def add(parts, make, rg=(0,)):
                b.add([red, d] + parts, make, list(rg), expect_error=False)

            for shape in [[], [5], [3, 4], [2, 3, 4], [0], [0, 3]]:
                add([h.shape_name(shape)], lambda: ([h.randn(shape, dt), h.signs(shape, dt)], rk))
            add(["target=randn", "3x4"], lambda: ([h.randn([3, 4], dt), h.randn([3, 4], dt)], rk))
            add(["target=int64", "3x4"], lambda: ([h.randn([3, 4], dt), h.signs([3, 4], h.I64)], rk))
            for xs, ys in [([2, 3], [3]), ([3, 4], [3, 1])]:
                add(["broadcast", f"{h.shape_name(xs)}-{h.shape_name(ys)}"],
                    lambda: ([h.randn(xs, dt), h.signs(ys, dt)], rk))
            add(["large", "10"], lambda: (large(h, dt), rk))
            add(["zeros", "6"], lambda: (
                [h.tensor([0.0, -0.0, 0.0, 1.5, -2.0, 0.0], dt), h.tensor([1.0, 1.0, -1.0, 0.0, 0.0, 0.0], dt)],
                rk))
            add(["nan", "6"], lambda: (
                [h.tensor([h.NAN, h.NAN, 0.5, -1.0, h.NAN, 2.0], dt), h.tensor([1.0, -1.0, h.NAN, 1.0, 0.0, -1.0], dt)],
                rk))
            add(["inf", "6"], lambda: (
                [h.tensor([h.INF, -h.INF, h.INF, -h.INF, 1.0, 0.0], dt), h.tensor([1.0, 1.0, -1.0, -1.0, h.INF, h.INF], dt)],
                rk))
    for dt in h.DTYPES:
        d = h.dname(dt)
        b.add(["default", d, "3x4"], lambda: ([h.randn([3, 4], dt), h.signs([3, 4], dt)], {}), [0], expect_error=False)
        b.add(["default", d, "large", "10"], lambda: (large(h, dt), {}), [0], expect_error=False)

    # Errors.
    for dt in h.DTYPES:
        d = h.dname(dt)
        for xs, ys in [([3], [2, 3]), ([3, 1], [4]), ([3], [4])]:
            b.add(["mean", d, "error=shape", f"{h.shape_name(xs)}-{h.shape_name(ys)}"],
                  lambda: ([h.randn(xs, dt), h.signs(ys, dt)], {"reduction": "mean"}), [0], expect_error=True)
        b.add(["avg", d, "error=reduction", "3"],
              lambda: ([h.randn([3], dt), h.signs([3], dt)], {"reduction": "avg"}), [0], expect_error=True)
        # torch: "The function 'soft_margin_loss' is not differentiable with respect to argument 'target'".
        b.add(["mean", d, "error=target_requires_grad", "3"],
              lambda: ([h.randn([3], dt), h.signs([3], dt)], {}), [0, 1], expect_error=True)
    for red in ["none", "mean", "sum"]:
        b.add([red, "int64", "error=dtype", "4"],
              lambda: ([h.torch.randint(-5, 5, [4]), h.signs([4], h.I64)], h.red_kwargs(red)), [], expect_error=True)
    b.add(["mean", "bool", "error=dtype", "3"],
          lambda: ([h.tensor([True, False, True], h.torch.bool), h.tensor([True, True, False], h.torch.bool)], {}),
          [], expect_error=True)
