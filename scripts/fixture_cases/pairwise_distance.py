"""Cases for F.pairwise_distance(x1, x2, p, eps, keepdim): ||x1 - x2 + eps||_p over the last
dimension, gradients for both inputs."""

import math

import torch

INF = math.inf
NAN = math.nan

PS = [2.0, 1.0, 3.0, 1.5, 0.5, 0.0, INF, -INF, -1.0]


def build(b, h):
    def add(parts, make, rg=(0, 1), expect_error=False):
        b.add(parts, make, list(rg), expect_error=expect_error)

    for dt in h.DTYPES:
        d = h.dname(dt)
        t = lambda v: h.tensor(v, dt)  # noqa: E731
        for p in PS:
            add(["default", d, f"p={p}", "3x5"], lambda: ([h.randn([3, 5], dt), h.randn([3, 5], dt)], {"p": p}))
            # Zeros (a norm of 0 and elements at 0), ties for the max/min, nan and inf.
            add(
                ["default", d, f"p={p}", "eps=0", "hard", "6x3"],
                lambda: (
                    [
                        t([[0.0, 0.0, 0.0], [1.0, 0.0, -1.0], [2.0, -2.0, 1.0], [NAN, 1.0, 2.0],
                           [INF, 1.0, -INF], [3.0, 4.0, 0.0]]),
                        t([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0],
                           [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
                    ],
                    {"p": p, "eps": 0.0},
                ),
            )
        add(["default", d, "eps=0.1", "3x5"], lambda: ([h.randn([3, 5], dt), h.randn([3, 5], dt)], {"eps": 0.1}))
        add(["default", d, "equal", "3x5"], lambda: (lambda x: ([x, x.clone()], {}))(h.randn([3, 5], dt)))
        add(["default", d, "keepdim", "3x5"],
            lambda: ([h.randn([3, 5], dt), h.randn([3, 5], dt)], {"keepdim": True}))
        add(["default", d, "p=1", "keepdim", "5"],
            lambda: ([h.randn([5], dt), h.randn([5], dt)], {"p": 1.0, "keepdim": True}))
        for xs, ys in [([5], [5]), ([], []), ([], [4]), ([2, 3, 4], [2, 3, 4]), ([4], [3, 4]), ([3, 1], [1, 4]),
                       ([0, 4], [0, 4]), ([3, 0], [3, 0])]:
            add(["default", d, f"{h.shape_name(xs)}-{h.shape_name(ys)}"],
                lambda: ([h.randn(xs, dt), h.randn(ys, dt)], {}))
        add(["default", d, "keepdim", "scalar"], lambda: ([h.randn([], dt), h.randn([], dt)], {"keepdim": True}))
        big = 3e19 if dt == torch.float32 else 3e155
        add(["default", d, "large", "3x3"],
            lambda: ([t([[big, big, 0.0], [1e-30, 0.0, 0.0], [big, 0.0, 1.0]]), t([[0.0] * 3] * 3)], {"eps": 0.0}))
        add(["default", d, "grad=x2", "3x5"], lambda: ([h.randn([3, 5], dt), h.randn([3, 5], dt)], {}), rg=(1,))
    add(["default", "int64", "3x4"], lambda: ([torch.randint(-5, 5, [3, 4]), torch.randint(-5, 5, [3, 4])], {}), rg=())

    F32 = torch.float32

    def err(parts, make, rg=(0, 1)):
        add(["default"] + parts, make, rg=rg, expect_error=True)

    err(["float32", "error=shape", "3-4"], lambda: ([h.randn([3], F32), h.randn([4], F32)], {}))
    err(["bool", "error=dtype", "3"], lambda: ([torch.ones(3, dtype=torch.bool)] * 2, {}), rg=())
    err(["float32", "error=p", "3"], lambda: ([h.randn([3], F32), h.randn([3], F32)], {"p": "a"}))
    err(["float32", "error=eps", "3"], lambda: ([h.randn([3], F32), h.randn([3], F32)], {"eps": None}))
    err(["float32", "error=keepdim", "3"], lambda: ([h.randn([3], F32), h.randn([3], F32)], {"keepdim": 1}))
