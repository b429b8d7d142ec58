"""ctc_loss cases: F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=...,
reduction=..., zero_infinity=...).

log_probs are log_softmax of randn (or plain randn where the case says "unnormalised") and
the only argument that takes a gradient. Lengths are int64 tensors or plain lists of ints
(written to the JSON as number arrays), as torch accepts both. Inputs where torch 1.13 reads
memory it never wrote (negative lengths, an input length of 0, target values outside [0, C))
give garbage in torch, so they are not fixtures; losses/ctc_loss_test.ts covers them.
"""

import torch

I64 = torch.int64


def build(b, h):
    def lp(shape, dt):
        return torch.randn(shape, dtype=dt).log_softmax(len(shape) - 1)

    def labels(shape, low, high):
        return torch.randint(low, high, shape, dtype=I64)

    def lengths(values, as_list):
        return list(values) if as_list else torch.tensor(values, dtype=I64)

    def concat(padded, tls):
        return torch.cat([padded[i, :n] for i, n in enumerate(tls)])

    for red in h.REDUCTIONS:
        rk = h.red_kwargs(red)
        for dt in h.DTYPES:
            d = h.dname(dt)

            def add(parts, make, kw=None):
                b.add([red, d] + parts, lambda: make(), [0], expect_error=False)

            def case(parts, T, N, C, ils, tls, S, kw=None, as_list=False, cat=False, low=1):
                def make():
                    x = lp([T, N, C], dt)
                    t = labels([N, S], low, C)
                    if cat:
                        t = concat(t, tls)
                    return [x, t, lengths(ils, as_list), lengths(tls, as_list)], {**rk, **(kw or {})}

                add(parts, make)

            case(["padded", "4x2x4"], 4, 2, 4, [4, 3], [3, 2], 3)
            case(["empty_target", "3x2x3"], 3, 2, 3, [3, 2], [0, 2], 2)
            case(["T=1", "1x3x3"], 1, 3, 3, [1, 1, 1], [1, 0, 1], 1)
            case(["blank=3", "3x2x4"], 3, 2, 4, [3, 3], [2, 1], 2, kw={"blank": 3}, low=0)
            # Repeated labels need a blank between them, so each costs a step.
            add(
                ["repeats", "5x2x3"],
                lambda: (
                    [
                        lp([5, 2, 3], dt),
                        h.tensor([[2, 2, 1], [1, 1, 1]], I64),
                        torch.tensor([4, 5], dtype=I64),
                        torch.tensor([3, 3], dtype=I64),
                    ],
                    rk,
                ),
            )
            # Impossible alignments: sample 0 needs 3 steps (a repeat) but has 2, sample 2
            # needs 3 labels in 2 steps. Their loss is inf and the gradient nan (or both 0).
            for zi in [False, True]:
                add(
                    ["impossible", f"zero_infinity={zi}", "3x3x3"],
                    lambda: (
                        [
                            lp([3, 3, 3], dt),
                            h.tensor([[2, 2, 0], [1, 2, 0], [1, 2, 1]], I64),
                            torch.tensor([2, 3, 2], dtype=I64),
                            torch.tensor([2, 2, 3], dtype=I64),
                        ],
                        {**rk, "zero_infinity": zi},
                    ),
                )
            # Unbatched: (T, C) with (L) targets and 0-d or one-element lengths.
            add(
                ["unbatched", "3x3"],
                lambda: ([lp([3, 3], dt), labels([2], 1, 3), torch.tensor(3), torch.tensor(2)], rk),
            )
            add(
                ["unbatched", "impossible", "zero_infinity=True", "2x3"],
                lambda: ([lp([2, 3], dt), labels([3], 1, 3), [2], [3]], {**rk, "zero_infinity": True}),
            )
            add(
                ["empty_batch", "3x0x3"],
                lambda: (
                    [lp([3, 0, 3], dt), labels([0, 2], 1, 3), torch.zeros([0], dtype=I64), torch.zeros([0], dtype=I64)],
                    rk,
                ),
            )
            # A class with probability 0 (-inf log-prob): torch's gradient there is nan
            # (exp(-inf + nll - -inf)). A -inf on a sample's only path makes its loss inf.
            add(
                ["neg_inf_class", "3x2x4"],
                lambda: (
                    [
                        lp([3, 2, 4], dt).index_fill(2, torch.tensor([3]), -h.INF),
                        h.tensor([[1, 2], [2, 2]], I64),
                        [3, 3],
                        [2, 1],
                    ],
                    rk,
                ),
            )
            add(
                ["neg_inf_path", "3x2x3"],
                lambda: (
                    [
                        h.with_values(lp([3, 2, 3], dt), [(1, -h.INF), (10, -h.INF)]),
                        h.tensor([[1, 2], [1, 1]], I64),
                        [3, 3],
                        [2, 1],
                    ],
                    rk,
                ),
            )

    for i, dt in enumerate(h.DTYPES):
        d = h.dname(dt)
        # Spread the single cases over the reductions; the second dtype shifts them.
        reds = h.REDUCTIONS[i:] + h.REDUCTIONS[:i]

        def add(parts, make, k, kw=None):
            red = reds[k % 3]
            b.add([red, d] + parts, lambda: (make(), {**h.red_kwargs(red), **(kw or {})}), [0], expect_error=False)

        b.add(
            ["default", d, "5x3x4"],
            lambda: ([lp([5, 3, 4], dt), labels([3, 3], 1, 4), [5, 5, 4], [3, 2, 3]], {}),
            [0],
            expect_error=False,
        )
        add(["concat", "4x2x4"], lambda: [lp([4, 2, 4], dt), labels([4], 1, 4), torch.tensor([3, 4]), torch.tensor([1, 3])], 2)
        # 40 steps with a wide spread of log-probs: torch's float32 rounding of alpha and beta
        # shows in the gradient, so a float32 result must round as torch does to match.
        add(["long", "40x1x6"], lambda: [(torch.randn([40, 1, 6], dtype=dt) * 3).log_softmax(2), labels([1, 12], 1, 6), [40], [12]], 0)
        add(["padded", "lengths=list", "5x3x4"], lambda: [lp([5, 3, 4], dt), labels([3, 3], 1, 4), [5, 4, 5], [3, 2, 3]], 1)
        add(
            ["concat", "lengths=list", "5x3x4"],
            lambda: [lp([5, 3, 4], dt), labels([5], 1, 4), [5, 4, 5], [1, 3, 1]],
            2,
        )
        add(["zero_infinity=True", "possible", "5x2x4"], lambda: [lp([5, 2, 4], dt), labels([2, 3], 1, 4), [5, 4], [3, 2]], 0, {"zero_infinity": True})
        add(["unbatched", "lengths=list", "4x3"], lambda: [lp([4, 3], dt), labels([2], 1, 3), [4], [2]], 1)
        add(
            ["unbatched", "targets=1xS", "4x3"],
            lambda: [lp([4, 3], dt), labels([1, 4], 1, 3), torch.tensor([4]), torch.tensor([2])],
            2,
        )
        add(["blank=2", "5x2x4"], lambda: [lp([5, 2, 4], dt), h.tensor([[1, 3, 0], [0, 3, 1]], I64), [5, 5], [3, 3]], 0, {"blank": 2})
        # torch does not reject the blank inside a target; it counts it as a label (and sets,
        # rather than adds, the last step's collected value for it).
        add(["target_contains_blank", "5x2x4"], lambda: [lp([5, 2, 4], dt), h.tensor([[1, 0, 2], [2, 3, 0]], I64), [5, 5], [3, 3]], 1)
        add(["padding_out_of_range", "4x2x3"], lambda: [lp([4, 2, 3], dt), h.tensor([[1, -1, -1], [2, 1, 99]], I64), [4, 4], [1, 2]], 2)
        # Float targets are truncated to int64, as torch's .to(long).
        add(["targets=float", "4x2x4"], lambda: [lp([4, 2, 4], dt), h.tensor([[1.7, 2.2], [3.9, 1.0]], dt), [4, 4], [2, 2]], 0)
        add(
            ["lengths=2d", "4x2x3"],
            lambda: [lp([4, 2, 3], dt), labels([2, 2], 1, 3), torch.tensor([[4, 3]]), torch.tensor([[2, 1]])],
            1,
        )
        add(["nan", "4x2x3"], lambda: [h.with_values(lp([4, 2, 3], dt), [(7, h.NAN)]), h.tensor([[1, 2], [2, 1]], I64), [4, 4], [2, 2]], 2)
        add(["unnormalised", "5x2x4"], lambda: [torch.randn([5, 2, 4], dtype=dt) * 3, labels([2, 3], 1, 4), [5, 5], [3, 2]], 0)
        add(["targets=bool", "4x2x3"], lambda: [lp([4, 2, 3], dt), h.tensor([[True, True], [True, False]], torch.bool), [4, 3], [2, 1]], 1)

    # Errors.
    def err(parts, make, rg=(0,)):
        b.add(["mean"] + parts, make, list(rg), expect_error=True)

    F32 = h.F32
    F64 = h.F64

    def base(dt=F32):
        return lp([3, 2, 4], dt), labels([2, 2], 1, 4)

    def with_base(f, dt=F32):
        def make():
            x, t = base(dt)
            return f(x, t)

        return make

    ok = ([3, 3], [2, 1])
    err(["float32", "error=input_length_gt_T", "3x2x4"], with_base(lambda x, t: ([x, t, [4, 3], [2, 1]], {})))
    err(
        ["float64", "error=input_length_gt_T", "lengths=tensor", "3x2x4"],
        with_base(lambda x, t: ([x, t, torch.tensor([3, 5]), torch.tensor([2, 1])], {}), F64),
    )
    err(["float32", "error=target_length_gt_S", "3x2x4"], with_base(lambda x, t: ([x, t, [3, 3], [3, 1]], {})))
    err(["float32", "error=input_lengths_size", "3x2x4"], with_base(lambda x, t: ([x, t, [3, 3, 3], [2, 1]], {})))
    err(["float64", "error=target_lengths_size", "3x2x4"], with_base(lambda x, t: ([x, t, [3, 3], [2]], {}), F64))
    err(["float32", "error=blank", "blank=4", "3x2x4"], with_base(lambda x, t: ([x, t, *ok], {"blank": 4})))
    err(["float64", "error=blank", "blank=-1", "3x2x4"], with_base(lambda x, t: ([x, t, *ok], {"blank": -1}), F64))
    err(["float32", "error=blank_type", "blank=1.5", "3x2x4"], with_base(lambda x, t: ([x, t, *ok], {"blank": 1.5})))
    err(["float32", "error=zero_infinity_type", "3x2x4"], with_base(lambda x, t: ([x, t, *ok], {"zero_infinity": 1})))
    err(["float32", "error=reduction", "3x2x4"], with_base(lambda x, t: ([x, t, *ok], {"reduction": "avg"})))
    err(["float32", "error=targets_dims", "3d", "3x2x4"], with_base(lambda x, t: ([x, t[:, :, None], *ok], {})))
    err(["float32", "error=targets_dims", "scalar", "3x2x4"], with_base(lambda x, t: ([x, t[0, 0], [3, 3], [1, 0]], {})))
    err(["float64", "error=targets_rows", "3x2x4"], with_base(lambda x, t: ([x, t[:1], *ok], {}), F64))
    err(["float32", "error=concat_total", "3x2x4"], with_base(lambda x, t: ([x, t.reshape(-1), *ok], {})))
    err(
        ["float32", "error=unbatched_targets_longer", "3x4"],
        lambda: ([lp([3, 4], F32), labels([3], 1, 4), torch.tensor(3), torch.tensor(2)], {}),
    )
    err(
        ["float32", "error=unbatched_lengths_size", "3x4"],
        lambda: ([lp([3, 4], F32), labels([2], 1, 4), [3, 3], [1, 1]], {}),
    )
    err(["float32", "error=log_probs_dims", "4d", "3x2x4"], with_base(lambda x, t: ([x[None], t, *ok], {})))
    err(["float32", "error=log_probs_dims", "1d", "3"], lambda: ([lp([3], F32), labels([1], 1, 3), [3], [1]], {}))
    err(
        ["int64", "error=log_probs_dtype", "3x2x4"],
        lambda: ([torch.zeros([3, 2, 4], dtype=I64), labels([2, 2], 1, 4), *ok], {}),
        rg=(),
    )
    err(
        ["float32", "error=lengths_dtype", "float32", "3x2x4"],
        with_base(lambda x, t: ([x, t, torch.tensor([3.0, 3.0]), torch.tensor([2.0, 1.0])], {})),
    )
    err(
        ["float32", "error=lengths_dtype", "bool", "3x2x4"],
        with_base(lambda x, t: ([x, t, torch.tensor([True, True]), torch.tensor([True, True])], {})),
    )
    err(
        ["float32", "error=lengths_kinds", "list-tensor", "3x2x4"],
        with_base(lambda x, t: ([x, t, [3, 3], torch.tensor([2, 1])], {})),
    )
    err(
        ["float64", "error=lengths_kinds", "tensor-list", "3x2x4"],
        with_base(lambda x, t: ([x, t, torch.tensor([3, 3]), [2, 1]], {}), F64),
    )
    err(
        ["float32", "error=lengths_int", "unbatched", "3x4"],
        lambda: ([lp([3, 4], F32), labels([2], 1, 4), 3, 2], {}),
    )
    err(
        ["float32", "error=empty_time", "0x2x4"],
        lambda: ([lp([0, 2, 4], F32), labels([2, 1], 1, 4), [0, 0], [0, 0]], {}),
    )
    err(
        ["float64", "error=no_classes", "3x2x0"],
        lambda: ([lp([3, 2, 0], F64), labels([2, 0], 1, 4), [3, 3], [0, 0]], {}),
    )
