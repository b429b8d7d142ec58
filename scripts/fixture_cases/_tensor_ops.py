"""Shared case lists for the tensor ops a custom triplet distance is built from (add, sub, mul,
div, minimum, maximum, neg, abs, sqrt, pow, clamp_min, clamp, sum, mean). Each op's file
calls one builder here with the torch function to run.
"""

import math

import torch

INF = math.inf
NAN = math.nan

HARD_X = [0.0, -0.0, 1.0, -2.5, NAN, INF, -INF, 3.0, 0.5, -1.0, 2.0, 4.0]
HARD_Y = [0.0, 1.0, 1.0, NAN, 2.0, INF, 1.0, -INF, 0.5, 0.0, -0.0, 4.0]


def binary(b, h, py, numbers=True, bool_error=False):
    """Cases for a broadcasting binary op run as py(a, b)."""
    call = lambda x, y: py(x, y)  # noqa: E731

    def add(parts, make, rg=(0, 1), expect_error=False):
        b.add(parts, make, list(rg), expect_error=expect_error, call=call)

    for dt in h.DTYPES:
        d = h.dname(dt)
        for xs, ys in [([3, 4], [3, 4]), ([3, 1], [4]), ([2, 3], [3]), ([], [3]), ([], []), ([0, 3], [3]),
                       ([2, 1, 3], [4, 1])]:
            add(["default", d, f"{h.shape_name(xs)}-{h.shape_name(ys)}"],
                lambda: ([h.randn(xs, dt), h.randn(ys, dt)], {}))
        add(["default", d, "grad=input", "3x4"], lambda: ([h.randn([3, 4], dt), h.randn([3, 4], dt)], {}), rg=(0,))
        add(["default", d, "hard", "12"], lambda: ([h.tensor(HARD_X, dt), h.tensor(HARD_Y, dt)], {}))
        add(["default", d, "hard", "swapped", "12"], lambda: ([h.tensor(HARD_Y, dt), h.tensor(HARD_X, dt)], {}))
        if numbers:
            for v in [2.5, 0.0, -1.0]:
                add(["default", d, f"other={v}", "3x4"], lambda: ([h.randn([3, 4], dt), v], {}), rg=(0,))
                add(["default", d, f"input={v}", "3x4"], lambda: ([v, h.randn([3, 4], dt)], {}), rg=(1,))
        else:
            add(["default", d, "error=number", "3"], lambda: ([h.randn([3], dt), 2.0], {}), rg=(0,),
                expect_error=True)
        for xs, ys in [([3], [4]), ([2, 3], [3, 2])]:
            add(["default", d, "error=shape", f"{h.shape_name(xs)}-{h.shape_name(ys)}"],
                lambda: ([h.randn(xs, dt), h.randn(ys, dt)], {}), expect_error=True)
    if bool_error:
        add(["default", "bool", "error=dtype", "3"],
            lambda: ([torch.ones(3, dtype=torch.bool), torch.ones(3, dtype=torch.bool)], {}), rg=(),
            expect_error=True)


def unary(b, h, fn, values=None, bool_error=False):
    """Cases for an elementwise unary op run as fn(x)."""
    call = lambda x: fn(x)  # noqa: E731
    values = HARD_X if values is None else values

    def add(parts, make, expect_error=False):
        b.add(parts, make, [0] if not expect_error else [], expect_error=expect_error, call=call)

    for dt in h.DTYPES:
        d = h.dname(dt)
        for shape in [[3, 4], [], [5], [0, 3], [2, 3, 2]]:
            add(["default", d, h.shape_name(shape)], lambda: ([h.randn(shape, dt)], {}))
        add(["default", d, "positive", "3x4"], lambda: ([h.randn([3, 4], dt).abs() + 0.1], {}))
        add(["default", d, "hard", str(len(values))], lambda: ([h.tensor(values, dt)], {}))
    if bool_error:
        add(["default", "bool", "error=dtype", "3"], lambda: ([torch.ones(3, dtype=torch.bool)], {}),
            expect_error=True)


def reduction(b, h, fn, mean):
    """Cases for torch.sum / torch.mean with dim and keepdim."""
    call = lambda x, **kw: fn(x, **kw)  # noqa: E731

    def add(parts, make, expect_error=False):
        b.add(parts, make, [] if expect_error else [0], expect_error=expect_error, call=call)

    for dt in h.DTYPES:
        d = h.dname(dt)
        for shape, dims in [([3, 4], [None, 0, 1, -1, -2]), ([2, 3, 4], [None, 0, 1, 2, -1]), ([5], [None, 0]),
                            ([], [None, 0, -1]), ([0, 3], [None, 0, 1]), ([3, 0], [None, 1])]:
            for dim in dims:
                for keepdim in [False, True] if dim is not None else [False]:
                    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
                    parts = ["default", d, "dim=all" if dim is None else f"dim={dim}"]
                    parts += ["keepdim"] if keepdim else []
                    add(parts + [h.shape_name(shape)], lambda: ([h.randn(shape, dt)], kw))
        add(["default", d, "dim=1", "hard", "3x4"],
            lambda: ([h.tensor([[NAN, 1.0, 2.0, 3.0], [INF, -INF, 0.0, 1.0], [1e30, 1e30, -1e30, 2.0]], dt)],
                     {"dim": 1}))
        for shape, dim in [([3, 4], 2), ([3, 4], -3), ([5], 1), ([], 1)]:
            add(["default", d, f"dim={dim}", "error=dim", h.shape_name(shape)],
                lambda: ([h.randn(shape, dt)], {"dim": dim}), expect_error=True)
    if mean:
        add(["default", "int64", "error=dtype", "3"], lambda: ([torch.arange(3)], {}), expect_error=True)
