"""Cases for F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction).

Gradients for all three inputs. Ties at the hinge and under swap use eps=0 and small
integers, so the distances are exact in both dtypes and the tie really is a tie.
"""

import math

import torch

INF = math.inf
NAN = math.nan


def triples(shape, dt, h):
    return [h.randn(shape, dt), h.randn(shape, dt), h.randn(shape, dt)]


def hard(kind, dt, h):
    """(anchor, positive, negative, extra kwargs) for a named hard-value variant."""
    t = lambda v: h.tensor(v, dt)  # noqa: E731
    if kind == "hinge_tie":
        # margin + d(a, p) - d(a, n) == 0 exactly in rows 0 and 2 (p=2, eps=0).
        a = t([[0.0, 0.0], [1.0, 1.0], [0.0, 3.0], [2.0, -1.0]])
        p = t([[1.0, 0.0], [1.0, 2.0], [4.0, 0.0], [2.0, 0.0]])
        n = t([[2.0, 0.0], [1.0, 4.0], [0.0, -3.0], [5.0, 3.0]])
        return a, p, n, {"margin": 1.0, "eps": 0.0}
    if kind == "hinge_tie_p1":
        a = t([[0.0, 0.0], [1.0, 1.0], [0.0, 3.0], [2.0, -1.0]])
        p = t([[1.0, 1.0], [1.0, 2.0], [1.0, 0.0], [2.0, 0.0]])
        n = t([[3.0, 0.0], [3.0, 3.0], [0.0, 0.0], [5.0, 3.0]])
        return a, p, n, {"margin": 1.0, "eps": 0.0, "p": 1.0}
    if kind == "swap_tie":
        # d(a, n) == d(p, n) in every row: minimum splits the gradient in half.
        a = t([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
        p = t([[-1.0, 0.0], [0.0, -2.0], [3.0, 4.0]])
        n = t([[0.0, 3.0], [1.0, 0.0], [0.0, 0.0]])
        return a, p, n, {"margin": 5.0, "eps": 0.0, "swap": True}
    if kind == "zero_distance":
        # a == p with eps=0: the norm is 0 and its gradient is masked to 0.
        a = t([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 0.5, 2.0]])
        return a, a.clone(), t([[1.0, 2.0, 4.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]), {"eps": 0.0}
    if kind == "equal_rows":
        # a == p == n: every distance is eps * sqrt(D), so each loss is the margin.
        a = t([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
        return a, a.clone(), a.clone(), {}
    if kind == "nan":
        a = t([[NAN, 0.0, 1.0], [1.0, 2.0, 0.5], [0.0, 1.0, -1.0]])
        p = t([[0.0, 1.0, 1.0], [1.0, NAN, 0.0], [0.5, 0.5, 0.5]])
        n = t([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [NAN, 2.0, 0.0]])
        return a, p, n, {}
    if kind == "inf":
        a = t([[INF, 0.0, 1.0], [1.0, 2.0, 0.5], [0.0, 1.0, -1.0]])
        p = t([[0.0, 1.0, 1.0], [1.0, 2.0, 0.0], [0.5, 0.5, 0.5]])
        n = t([[1.0, 1.0, 1.0], [0.0, -INF, 0.0], [0.0, 2.0, 0.0]])
        return a, p, n, {}
    # large: squares past float32's range (inf in float32, finite in float64)
    big = 3e19 if dt == torch.float32 else 3e155
    a = t([[big, big, 0.0], [1.0, 2.0, 0.5], [big, 0.0, 0.0]])
    p = t([[0.0, 0.0, 0.0], [1.0, 2.5, 0.0], [0.0, 0.0, 1.0]])
    n = t([[-big, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, big, 0.0]])
    return a, p, n, {}


OPTION_VARIANTS = [
    ("margin=0.5", {"margin": 0.5}),
    ("margin=0.0", {"margin": 0.0}),
    ("margin=-1.0", {"margin": -1.0}),
    ("p=1", {"p": 1.0}),
    ("p=3", {"p": 3.0}),
    ("p=1.5", {"p": 1.5}),
    ("p=0.5", {"p": 0.5}),
    ("p=inf", {"p": INF}),
    ("p=-1", {"p": -1.0}),
    ("p=0", {"p": 0.0}),
    ("eps=0", {"eps": 0.0}),
    ("eps=0.1", {"eps": 0.1}),
    ("swap", {"swap": True}),
]


def build(b, h):
    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            d = h.dname(dt)

            def add(parts, make, expect_error=False):
                b.add([red, d] + parts, make, [0, 1, 2], expect_error=expect_error)

            add(["3x4"], lambda: (triples([3, 4], dt, h), rk))
            for variant in OPTION_VARIANTS if red == "none" else []:
                names, kw = list(variant[:-1]), variant[-1]
                add(names + ["3x4"], lambda: (triples([3, 4], dt, h), {**rk, **kw}))
            add(["unbatched", "5"], lambda: (triples([5], dt, h), rk))
            add(["scalar"], lambda: (triples([], dt, h), rk))
            if red == "none":
                add(["unbatched", "swap", "5"], lambda: (triples([5], dt, h), {**rk, "swap": True}))
                add(["2x3x4"], lambda: (triples([2, 3, 4], dt, h), rk))
            add(
                ["broadcast", "1x5-3x5-3x5"],
                lambda: ([h.randn([1, 5], dt), h.randn([3, 5], dt), h.randn([3, 5], dt)], rk),
            )
            add(
                ["broadcast", "swap", "3x1-3x4-1x4"],
                lambda: (
                    [h.randn([3, 1], dt), h.randn([3, 4], dt), h.randn([1, 4], dt)],
                    {**rk, "swap": True},
                ),
            )
            add(["empty", "0x5"], lambda: (triples([0, 5], dt, h), rk))
            add(["empty", "3x0"], lambda: (triples([3, 0], dt, h), rk))
            kinds = ["hinge_tie", "hinge_tie_p1", "swap_tie", "zero_distance", "equal_rows", "nan",
                     "inf", "large"]
            for kind in kinds if red == "none" else ["hinge_tie", "swap_tie", "nan", "large"]:
                add([kind], lambda: (lambda a, p, n, kw: ([a, p, n], {**rk, **kw}))(*hard(kind, dt, h)))
            if red == "sum" and dt == torch.float32:
                b.add([red, d, "grad=anchor", "3x4"], lambda: (triples([3, 4], dt, h), rk), [0],
                      expect_error=False)
    for dt in h.DTYPES:
        b.add(["default", h.dname(dt), "3x4"], lambda: (triples([3, 4], dt, h), {}), [0, 1, 2],
              expect_error=False)
        b.add(["default", h.dname(dt), "grad=positive", "3x4"],
              lambda: (triples([3, 4], dt, h), {}), [1], expect_error=False)
    # int64 inputs: torch subtracts in int64 and promotes to float32 when adding eps.
    for red in ["mean", "none"]:
        b.add(
            [red, "int64", "3x4"],
            lambda: (
                [torch.randint(-5, 5, [3, 4]), torch.randint(-5, 5, [3, 4]), torch.randint(-5, 5, [3, 4])],
                h.red_kwargs(red),
            ),
            [],
            expect_error=False,
        )

    # Errors.
    def err(parts, make, rg=(0, 1, 2)):
        b.add(parts, make, list(rg), expect_error=True)

    F32 = torch.float32
    F64 = torch.float64
    err(["mean", "float32", "error=dims", "3x4-3x4-4"],
        lambda: ([h.randn([3, 4], F32), h.randn([3, 4], F32), h.randn([4], F32)], {"reduction": "mean"}))
    err(["none", "float64", "error=dims", "5-3x5-3x5"],
        lambda: ([h.randn([5], F64), h.randn([3, 5], F64), h.randn([3, 5], F64)], {"reduction": "none"}))
    err(["mean", "float32", "error=shape", "3x4-3x5-3x4"],
        lambda: ([h.randn([3, 4], F32), h.randn([3, 5], F32), h.randn([3, 4], F32)], {"reduction": "mean"}))
    err(["sum", "float64", "error=shape", "3x4-3x4-2x4"],
        lambda: ([h.randn([3, 4], F64), h.randn([3, 4], F64), h.randn([2, 4], F64)], {"reduction": "sum"}))
    err(["none", "float32", "error=distance_shape", "1x4-3x4-2x4"],
        lambda: ([h.randn([1, 4], F32), h.randn([3, 4], F32), h.randn([2, 4], F32)], {"reduction": "none"}))
    err(["avg", "float32", "error=reduction", "3x4"], lambda: (triples([3, 4], F32, h), {"reduction": "avg"}))
    err(["mean", "bool", "error=dtype", "3x4"],
        lambda: ([torch.ones([3, 4], dtype=torch.bool)] * 3, {"reduction": "mean"}), rg=())
    err(["mean", "float32", "error=margin", "3x4"], lambda: (triples([3, 4], F32, h), {"margin": "a"}))
    err(["mean", "float64", "error=margin_none", "3x4"], lambda: (triples([3, 4], F64, h), {"margin": None}))
    err(["mean", "float32", "error=p", "3x4"], lambda: (triples([3, 4], F32, h), {"p": "two"}))
    err(["mean", "float32", "error=eps", "3x4"], lambda: (triples([3, 4], F32, h), {"eps": None}))
    err(["mean", "float64", "error=swap", "3x4"], lambda: (triples([3, 4], F64, h), {"swap": 1.5}))
