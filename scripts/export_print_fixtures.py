"""Export PyTorch's printed text: tensors (print.json) and the tutorial (tutorial.json).

Usage: python3 scripts/export_print_fixtures.py OUT_DIR

print.json holds, for a few hundred tensors, the tensor itself and `str(t)` as PyTorch 1.13
prints it:

  {"format": "parity-losses/print@1", "torch": "1.13.1", "cases": [
    {"id": ..., "tensor": {"dtype", "shape", "data"}, "requires_grad": bool,
     "grad_fn": "MseLossBackward0" or null, "text": "tensor([...])"}]}

`data` follows FIXTURES.md, except that int64 values are decimal strings (exact past 2^53).
tutorial.json holds, for seeds 0 to 9, everything the tutorial's five examples print after
`torch.manual_seed(seed)`. Normally driven by scripts/regen_fixtures.ts.
"""

import contextlib
import io
import math
import os
import sys
import zlib

os.environ.setdefault("ATEN_CPU_CAPABILITY", "default")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import export_fixtures as h  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

FORMAT = "parity-losses/print@1"
NAN = math.nan
INF = math.inf


def tensor_obj(t):
    t = t.detach()
    if t.dtype == torch.int64:
        values = t.reshape(-1).tolist()
        data = "[" + ", ".join(f'"{v}"' for v in values) + "]"
        return {"dtype": "int64", "shape": list(t.shape), "data": h.Raw(data)}
    return h.tensor_obj(t)


class Cases:
    def __init__(self):
        self.cases = []
        self.ids = set()

    def add(self, name, make):
        assert name not in self.ids, name
        self.ids.add(name)
        torch.manual_seed(zlib.crc32(name.encode("utf-8")))
        t = make()
        leaf = t if t.grad_fn is None else None
        self.cases.append({
            "id": name,
            "tensor": tensor_obj(t),
            "requires_grad": bool(t.requires_grad),
            "grad_fn": None if leaf is not None else type(t.grad_fn).__name__,
            "text": str(t),
        })


def build_print():
    c = Cases()
    f32, f64 = torch.float32, torch.float64
    shapes = [(), (1,), (2,), (5,), (6,), (7,), (10,), (13,), (20,), (50,), (3, 4), (4, 6),
              (2, 5), (1, 8), (8, 1), (2, 3, 4), (2, 2, 2, 2), (1, 1, 1), (8, 12), (12, 8),
              (100,), (3, 33)]
    scales = [1.0, 1e-3, 1e-5, 1e3, 1e5, 1e9, 123.456]
    for dt in [f32, f64]:
        for shape in shapes:
            for scale in scales:
                c.add(f"randn/{h.dname(dt)}/{h.shape_name(shape)}/x{scale}",
                      lambda s=shape, k=scale, d=dt: torch.randn(s, dtype=d) * k)
    big = [(1001,), (2000,), (10, 101), (101, 10), (7, 7, 7), (11, 11, 11), (3, 400), (400, 3),
           (2, 3, 200), (4, 300), (6, 200), (7, 200), (1000,), (10, 100)]
    for dt in [f32, f64]:
        for shape in big:
            c.add(f"summary/{h.dname(dt)}/{h.shape_name(shape)}",
                  lambda s=shape, d=dt: torch.randn(s, dtype=d))
        c.add(f"summary/{h.dname(dt)}/ints/2000",
              lambda d=dt: torch.randint(-50, 50, (2000,)).to(d))
    for dt in [f32, f64]:
        d = h.dname(dt)
        fixed = {
            "ints": [1, 2, 3],
            "ints_neg": [-1, 0, 25, -300],
            "ints_wide": [1, 2000],
            "ints_big": [1e8, 2e8, 3],
            "ints_huge": [1e9, 2e9],
            "zeros": [0, 0, 0],
            "neg_zero": [-0.0, 0.0, 1.0],
            "neg_zero_frac": [-0.0, 0.5],
            "nan_inf": [NAN, INF, -INF, 2],
            "nan_frac": [NAN, 0.5, -1.25],
            "all_nan": [NAN, NAN],
            "inf_only": [INF, -INF],
            "nan_sci": [NAN, 1e-6, 5],
            "ties": [0.03125, 0.15625, -0.03125, 2.5],
            "ties_sci": [0.03125, 1e-5, 1.5e-5],
            "tiny": [1e-4, 2e-4],
            "below_tiny": [9.9e-5, 1.0],
            "ratio_1000": [1.5, 1500.0],
            "ratio_above": [1.5, 1500.1],
            "max_1e8": [1e8 + 0.5, 1.5],
            "round_up": [9.99995, 0.99995, 99999.99995],
            "sci_round": [9.99995e-7, 1.5e-300, 3e300] if dt == f64 else [9.99995e-7, 1e-38, 3e38],
            "subnormal": [1e-310, 1.0] if dt == f64 else [1e-40, 1.0],
            "one": [1.0],
            "mixed_sign": [-1e-3, 1e-3, 0.5],
            "long_row": [i * 1.5 - 20 for i in range(40)],
        }
        for name, values in fixed.items():
            c.add(f"values/{d}/{name}", lambda v=values, t=dt: torch.tensor(v, dtype=t))
            c.add(f"values/{d}/{name}/0d", lambda v=values, t=dt: torch.tensor(v[0], dtype=t))
        c.add(f"values/{d}/nan_2d", lambda t=dt: torch.tensor([[NAN, 1.0], [2.0, INF]], dtype=t))
    ints = {
        "small": [4, 4, 3],
        "neg": [-1, 10, -100, 1000],
        "zero": [0],
        "huge": [2**62, -(2**63), 2**63 - 1],
        "wide_row": [10**9 + i for i in range(30)],
        "grid": [[1, 2, 3], [40, 50, 60]],
    }
    for name, values in ints.items():
        c.add(f"int64/{name}", lambda v=values: torch.tensor(v, dtype=torch.int64))
    c.add("int64/0d", lambda: torch.tensor(7))
    c.add("int64/randint/5", lambda: torch.empty(3, dtype=torch.long).random_(5))
    c.add("int64/summary", lambda: torch.randint(-1000, 1000, (40, 40)))
    c.add("int64/summary_1d", lambda: torch.arange(1001))
    c.add("bool/small", lambda: torch.tensor([True, False, True]))
    c.add("bool/0d", lambda: torch.tensor(False))
    c.add("bool/2d", lambda: torch.tensor([[True], [False]]))
    for shape in [(0,), (3, 0), (0, 2, 3), (2, 0)]:
        for dt in [f32, f64, torch.int64, torch.bool]:
            c.add(f"empty/{h.dname(dt)}/{h.shape_name(shape)}",
                  lambda s=shape, t=dt: torch.zeros(s, dtype=t))
        c.add(f"empty/float32/{h.shape_name(shape)}/requires_grad",
              lambda s=shape: torch.zeros(s, requires_grad=True))
    for dt in [f32, f64]:
        d = h.dname(dt)
        for shape in [(), (3,), (4, 6), (2, 5), (3, 5), (1, 12), (2, 30)]:
            c.add(f"requires_grad/{d}/{h.shape_name(shape)}",
                  lambda s=shape, t=dt: torch.randn(s, dtype=t, requires_grad=True))
        for shape in [(10,), (11,), (2, 11)]:
            c.add(f"requires_grad/{d}/wide/{h.shape_name(shape)}",
                  lambda s=shape, t=dt: (torch.randn(s, dtype=t) * 1e-6).requires_grad_())
    for dt in [f32, f64]:
        d = h.dname(dt)

        def pair(shape, t=dt):
            return torch.randn(shape, dtype=t, requires_grad=True), torch.randn(shape, dtype=t)

        c.add(f"grad_fn/{d}/l1", lambda: F.l1_loss(*pair((4, 6))))
        c.add(f"grad_fn/{d}/mse", lambda: F.mse_loss(*pair((2, 5))))
        c.add(f"grad_fn/{d}/mse_sum", lambda: F.mse_loss(*pair((2, 5)), reduction="sum"))
        c.add(f"grad_fn/{d}/mse_none", lambda: F.mse_loss(*pair((2, 5)), reduction="none"))
        c.add(f"grad_fn/{d}/l1_none", lambda: F.l1_loss(*pair((3, 7)), reduction="none"))
        c.add(f"grad_fn/{d}/hinge", lambda: F.hinge_embedding_loss(*pair((3, 5))))
        c.add(f"grad_fn/{d}/nll", lambda t=dt: F.nll_loss(
            F.log_softmax(torch.randn(3, 5, dtype=t, requires_grad=True), dim=1),
            torch.tensor([1, 0, 4])))
        c.add(f"grad_fn/{d}/cross_entropy", lambda t=dt: F.cross_entropy(
            torch.randn(3, 5, dtype=t, requires_grad=True), torch.tensor([3, 3, 0])))
        c.add(f"grad_fn/{d}/log_softmax", lambda t=dt: F.log_softmax(
            torch.randn(3, 5, dtype=t, requires_grad=True), dim=1))
        c.add(f"grad_fn/{d}/mse_big", lambda t=dt: F.mse_loss(
            torch.randn(3, dtype=t, requires_grad=True) * 1e6, torch.zeros(3, dtype=t)))
    return c


TUTORIAL = """
import torch
import torch.nn as nn
input = torch.randn(4, 6, requires_grad=True)
target = torch.randn(4, 6)
mae_loss = nn.L1Loss()
output = mae_loss(input, target)
output.backward()
print('input: ', input)
print('target: ', target)
print('output: ', output)
input = torch.randn(2, 5, requires_grad=True)
target = torch.randn(2, 5)
mse_loss = nn.MSELoss()
output = mse_loss(input, target)
output.backward()
print('input: ', input)
print('target: ', target)
print('output: ', output)
input = torch.randn(3, 5, requires_grad=True)
# every element in target should have 0 <= value < C
target = torch.tensor([1, 0, 4])
m = nn.LogSoftmax(dim=1)
nll_loss = nn.NLLLoss()
output = nll_loss(m(input), target)
output.backward()
print('input: ', input)
print('target: ', target)
print('output: ', output)
input = torch.randn(3, 5, requires_grad=True)
target = torch.empty(3, dtype=torch.long).random_(5)
cross_entropy_loss = nn.CrossEntropyLoss()
output = cross_entropy_loss(input, target)
output.backward()
print('input: ', input)
print('target: ', target)
print('output: ', output)
input = torch.randn(3, 5, requires_grad=True)
target = torch.randn(3, 5)
hinge_loss = nn.HingeEmbeddingLoss()
output = hinge_loss(input, target)
output.backward()
print('input: ', input)
print('target: ', target)
print('output: ', output)
"""


def build_tutorial():
    cases = []
    for seed in range(10):
        torch.manual_seed(seed)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(TUTORIAL, {"__name__": "tutorial"})  # noqa: S102 - fixed text above
        cases.append({"id": f"tutorial/seed={seed}", "seed": seed, "text": out.getvalue()})
    return cases


def write(out_dir, name, cases):
    doc = {"format": FORMAT, "torch": torch.__version__, "cases": cases}
    with open(os.path.join(out_dir, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(h.emit(doc) + "\n")
    print(f"{name}: {len(cases)} cases")


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(f"usage: {argv[0]} OUT_DIR", file=sys.stderr)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    write(out_dir, "print.json", build_print().cases)
    write(out_dir, "tutorial.json", build_tutorial())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
