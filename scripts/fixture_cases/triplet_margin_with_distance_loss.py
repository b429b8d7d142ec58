"""Cases for F.triplet_margin_with_distance_loss(anchor, positive, negative, *,
distance_function, margin, swap, reduction).

A fixture cannot hold a function, so the kwarg distance_function is written as a name from
DISTANCES below, and `call` maps it to the function before torch runs. conformance/ops.ts
(NAMED_DISTANCES) builds the same names from the library's ops, step for step.
"""

import math

import torch
import torch.nn.functional as F

INF = math.inf
NAN = math.nan

DISTANCES = {
    "pairwise": lambda a, b: F.pairwise_distance(a, b),
    "pairwise_p1": lambda a, b: F.pairwise_distance(a, b, p=1.0, eps=0.0),
    "l1": lambda a, b: (a - b).abs().sum(-1),
    "squared": lambda a, b: (a - b).pow(2).sum(-1),
    "euclidean": lambda a, b: (a - b).pow(2).sum(-1).sqrt(),
    "mean_cubed": lambda a, b: (a - b).abs().pow(3).mean(-1),
    "cosine": lambda a, b: 1 - (a * b).sum(-1) / ((a * a).sum(-1) * (b * b).sum(-1)).sqrt(),
    "not_a_tensor": lambda a, b: 1.0,
}


def call(anchor, positive, negative, **kwargs):
    if "distance_function" in kwargs:
        kwargs = {**kwargs, "distance_function": DISTANCES[kwargs["distance_function"]]}
    return F.triplet_margin_with_distance_loss(anchor, positive, negative, **kwargs)


def triples(shape, dt, h):
    return [h.randn(shape, dt), h.randn(shape, dt), h.randn(shape, dt)]


def hard(kind, dt, h):
    t = lambda v: h.tensor(v, dt)  # noqa: E731
    if kind == "hinge_tie":
        # d(a, p) - d(a, n) + margin == 0 exactly in rows 0 and 2 (l1 distance).
        a = t([[0.0, 0.0], [1.0, 1.0], [0.0, 3.0], [2.0, -1.0]])
        p = t([[1.0, 1.0], [1.0, 2.0], [1.0, 0.0], [2.0, 0.0]])
        n = t([[3.0, 0.0], [3.0, 3.0], [0.0, 0.0], [5.0, 3.0]])
        return a, p, n, {"distance_function": "l1", "margin": 1.0}
    if kind == "swap_tie":
        # d(a, n) == d(p, n) in every row (squared distance).
        a = t([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
        p = t([[-1.0, 0.0], [0.0, -2.0], [3.0, 4.0]])
        n = t([[0.0, 3.0], [1.0, 0.0], [0.0, 0.0]])
        return a, p, n, {"distance_function": "squared", "margin": 20.0, "swap": True}
    if kind == "zero_distance":
        # a == p: sqrt's gradient at 0 is inf, times 0 gives nan, as torch.
        a = t([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 0.5, 2.0]])
        return a, a.clone(), t([[1.0, 2.0, 4.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]]), {
            "distance_function": "euclidean", "margin": 2.0}
    if kind == "nan":
        a = t([[NAN, 0.0, 1.0], [1.0, 2.0, 0.5], [0.0, 1.0, -1.0]])
        p = t([[0.0, 1.0, 1.0], [1.0, NAN, 0.0], [0.5, 0.5, 0.5]])
        n = t([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [NAN, 2.0, 0.0]])
        return a, p, n, {}
    if kind == "inf":
        a = t([[INF, 0.0, 1.0], [1.0, 2.0, 0.5], [0.0, 1.0, -1.0]])
        p = t([[0.0, 1.0, 1.0], [1.0, 2.0, 0.0], [0.5, 0.5, 0.5]])
        n = t([[1.0, 1.0, 1.0], [0.0, -INF, 0.0], [0.0, 2.0, 0.0]])
        return a, p, n, {"distance_function": "l1"}
    # large: squares past float32's range
    big = 3e19 if dt == torch.float32 else 3e155
    a = t([[big, big, 0.0], [1.0, 2.0, 0.5], [big, 0.0, 0.0]])
    p = t([[0.0, 0.0, 0.0], [1.0, 2.5, 0.0], [0.0, 0.0, 1.0]])
    n = t([[-big, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, big, 0.0]])
    return a, p, n, {}


def build(b, h):
    def add(parts, make, rg=(0, 1, 2), expect_error=False):
        b.add(parts, make, list(rg), expect_error=expect_error, call=call)

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            d = h.dname(dt)
            add([red, d, "3x4"], lambda: (triples([3, 4], dt, h), rk))
            names = ["pairwise", "pairwise_p1", "l1", "squared", "euclidean", "mean_cubed", "cosine"]
            for name in names if red == "none" else ["l1", "cosine"]:
                kw = {**rk, "distance_function": name}
                add([red, d, f"distance={name}", "3x4"], lambda: (triples([3, 4], dt, h), kw))
                if red == "none" and name in ["l1", "squared", "euclidean", "cosine"]:
                    add(
                        [red, d, f"distance={name}", "swap", "3x4"],
                        lambda: (triples([3, 4], dt, h), {**kw, "swap": True}),
                    )
            for margin in [0.0, -0.5] if red == "none" else []:
                add([red, d, f"margin={margin}", "3x4"], lambda: (triples([3, 4], dt, h), {**rk, "margin": margin}))
            add([red, d, "swap", "3x4"], lambda: (triples([3, 4], dt, h), {**rk, "swap": True}))
            add([red, d, "unbatched", "5"], lambda: (triples([5], dt, h), rk))
            add([red, d, "empty", "0x4"], lambda: (triples([0, 4], dt, h), rk))
            kinds = ["hinge_tie", "swap_tie", "zero_distance", "nan", "inf", "large"]
            for kind in kinds if red == "none" else ["hinge_tie", "nan", "large"]:
                add([red, d, kind], lambda: (lambda a, p, n, kw: ([a, p, n], {**rk, **kw}))(*hard(kind, dt, h)))
            if red == "none":
                add(
                    [red, d, "distance=l1", "unbatched", "5"],
                    lambda: (triples([5], dt, h), {**rk, "distance_function": "l1"}),
                )
                add([red, d, "scalar"], lambda: (triples([], dt, h), rk))
                add([red, d, "2x3x4"], lambda: (triples([2, 3, 4], dt, h), rk))
                # torch 1.13 does not check the inputs' dimensions: pairwise_distance broadcasts.
                add(
                    [red, d, "broadcast", "4-3x4-3x4"],
                    lambda: ([h.randn([4], dt), h.randn([3, 4], dt), h.randn([3, 4], dt)], rk),
                )
                add(
                    [red, d, "distance=cosine", "broadcast", "swap", "3x1x4-2x4-2x4"],
                    lambda: (
                        [h.randn([3, 1, 4], dt), h.randn([2, 4], dt), h.randn([2, 4], dt)],
                        {**rk, "distance_function": "cosine", "swap": True},
                    ),
                )
                add(
                    [red, d, "distance=squared", "grad=negative", "3x4"],
                    lambda: (triples([3, 4], dt, h), {**rk, "distance_function": "squared"}),
                    rg=(2,),
                )
    for dt in h.DTYPES:
        add(["default", h.dname(dt), "3x4"], lambda: (triples([3, 4], dt, h), {}))
        add(
            ["default", h.dname(dt), "distance=l1", "swap", "margin=0.5", "3x4"],
            lambda: (triples([3, 4], dt, h), {"distance_function": "l1", "swap": True, "margin": 0.5}),
        )
    add(
        ["mean", "int64", "3x4"],
        lambda: ([torch.randint(-5, 5, [3, 4]) for _ in range(3)], {"reduction": "mean"}),
        rg=(),
    )

    # Errors.
    F32 = torch.float32
    F64 = torch.float64

    def err(parts, make, rg=(0, 1, 2)):
        add(parts, make, rg=rg, expect_error=True)

    err(["avg", "float32", "error=reduction", "3x4"], lambda: (triples([3, 4], F32, h), {"reduction": "avg"}))
    err(["mean", "float32", "error=shape", "3x4-3x5-3x4"],
        lambda: ([h.randn([3, 4], F32), h.randn([3, 5], F32), h.randn([3, 4], F32)], {}))
    err(["none", "float64", "error=distance_shape", "1x4-3x4-2x4"],
        lambda: ([h.randn([1, 4], F64), h.randn([3, 4], F64), h.randn([2, 4], F64)], {"reduction": "none"}))
    err(["mean", "float64", "error=distance_shape", "distance=l1", "3x4-3x4-2x4"],
        lambda: ([h.randn([3, 4], F64), h.randn([3, 4], F64), h.randn([2, 4], F64)], {"distance_function": "l1"}))
    err(["mean", "bool", "error=dtype", "3x4"],
        lambda: ([torch.ones([3, 4], dtype=torch.bool)] * 3, {}), rg=())
    err(["mean", "float32", "error=margin_none", "3x4"], lambda: (triples([3, 4], F32, h), {"margin": None}))
    err(["mean", "float32", "error=margin", "3x4"], lambda: (triples([3, 4], F32, h), {"margin": "a"}))
    err(["mean", "float64", "error=distance_not_a_tensor", "3x4"],
        lambda: (triples([3, 4], F64, h), {"distance_function": "not_a_tensor"}))
