"""smooth_l1_loss: every reduction x dtype x beta (0 included), shapes, broadcasting, kinks."""

OPTION = "beta"
VALUES = [None, 0.0, 0.5, 2.0]


def kinks(m, h, dt):
    """x - y lands exactly on +-m, 0 and -0 (all exact in binary), plus two plain values."""
    x = h.tensor([m, -m, 0.0, -0.0, 0.5, 0.5 + m, 0.5 - m, 2.0 + 3 * m + 1], dt)
    y = h.tensor([0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.0], dt)
    return [x, y]


def build(b, h):
    build_pointwise_param(b, h, OPTION, VALUES, {"beta": 1.0})
    for dt in h.DTYPES:
        d = h.dname(dt)
        b.add(["mean", d, "error=beta", "beta=-1.0", "3"],
              lambda: ([h.randn([3], dt), h.randn([3], dt)], {"beta": -1.0}), [0, 1], expect_error=True)
        b.add(["mean", d, "error=beta", "beta=-0.5", "3x4"],
              lambda: ([h.randn([3, 4], dt), h.randn([3, 4], dt)], {"reduction": "mean", "beta": -0.5}),
              [0, 1], expect_error=True)
        b.add(["mean", d, "error=beta_type", "3"],
              lambda: ([h.randn([3], dt), h.randn([3], dt)], {"beta": "a"}), [0, 1], expect_error=True)
    add_common_errors(b, h)


def build_pointwise_param(b, h, name, values, default):
    """The success cases shared in shape by smooth_l1_loss and huber_loss."""
    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            d = h.dname(dt)

            def add(parts, make):
                b.add([red, d] + parts, make, [0, 1], expect_error=False)

            for v in values:
                kw = rk if v is None else {**rk, name: v}
                opt = f"{name}=default" if v is None else f"{name}={v}"
                add([opt, "3x4"], lambda: ([h.randn([3, 4], dt), h.randn([3, 4], dt)], kw))
                m = default[name] if v is None else v
                add([opt, "kinks", "8"], lambda: (kinks(m, h, dt), kw))
            for shape in [[], [2, 3, 4], [0], [0, 3]]:
                add([h.shape_name(shape)], lambda: ([h.randn(shape, dt), h.randn(shape, dt)], rk))
            for xs, ys in [([3, 1], [4]), ([3], [2, 3])]:
                kw = {**rk, name: 0.5}
                add([f"{name}=0.5", "broadcast", f"{h.shape_name(xs)}-{h.shape_name(ys)}"],
                    lambda: ([h.randn(xs, dt), h.randn(ys, dt)], kw))
            for kind in ["nan", "inf", "large"]:
                add([kind, "8"], lambda: (list(h.hard_values(kind, dt)), rk))
            # Values whose square overflows float32 inside the quadratic branch.
            big = 1e30 if dt == h.F32 else 1e300
            kw = {**rk, name: big}
            add([f"{name}={big}", "large", "4"],
                lambda: ([h.tensor([1e20, -1e19, 3e15, 1.0], dt), h.tensor([0.0, 0.0, -3e15, 0.5], dt)], kw))
    for dt in h.DTYPES:
        d = h.dname(dt)
        b.add(["default", d, "3x4"], lambda: ([h.randn([3, 4], dt), h.randn([3, 4], dt)], {}),
              [0, 1], expect_error=False)
        b.add(["default", d, "grad=input", f"{name}=0.5", "5"],
              lambda: ([h.randn([5], dt), h.randn([5], dt)], {name: 0.5}), [0], expect_error=False)
        m = default[name]
        b.add(["default", d, "grad=target", "kinks", "8"],
              lambda: (kinks(m, h, dt), {}), [1], expect_error=False)


def add_common_errors(b, h):
    for dt in h.DTYPES:
        d = h.dname(dt)
        for xs, ys in [([3], [4]), ([2, 3], [3, 2])]:
            b.add(["mean", d, "error=shape", f"{h.shape_name(xs)}-{h.shape_name(ys)}"],
                  lambda: ([h.randn(xs, dt), h.randn(ys, dt)], {"reduction": "mean"}),
                  [0, 1], expect_error=True)
        b.add(["avg", d, "error=reduction", "3"],
              lambda: ([h.randn([3], dt), h.randn([3], dt)], {"reduction": "avg"}), [0, 1], expect_error=True)
    for red in ["none", "mean", "sum"]:
        b.add([red, "int64", "error=dtype", "4"],
              lambda: ([h.torch.randint(-5, 5, [4]), h.torch.randint(-5, 5, [4])], h.red_kwargs(red)),
              [], expect_error=True)
    b.add(["mean", "bool", "error=dtype", "3"],
          lambda: ([h.tensor([True, False, True], h.torch.bool), h.tensor([True, True, False], h.torch.bool)], {}),
          [], expect_error=True)
