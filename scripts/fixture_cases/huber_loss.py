"""huber_loss: every reduction x dtype x delta, shapes, broadcasting, kinks."""

from fixture_cases.smooth_l1_loss import add_common_errors, build_pointwise_param

OPTION = "delta"
VALUES = [None, 0.25, 0.5, 2.0]


def build(b, h):
    build_pointwise_param(b, h, OPTION, VALUES, {"delta": 1.0})
    for dt in h.DTYPES:
        d = h.dname(dt)
        for delta in [0.0, -1.0]:
            b.add(["mean", d, "error=delta", f"delta={delta}", "3"],
                  lambda: ([h.randn([3], dt), h.randn([3], dt)], {"delta": delta}), [0, 1], expect_error=True)
        b.add(["mean", d, "error=delta_type", "3"],
              lambda: ([h.randn([3], dt), h.randn([3], dt)], {"delta": "a"}), [0, 1], expect_error=True)
    add_common_errors(b, h)
