"""Export the random-number fixtures (randn.json, rand.json, randint.json) from PyTorch.

Usage: python3 scripts/export_random_fixtures.py OUT_DIR

Same format and number writing as scripts/export_fixtures.py (whose helpers this imports),
one case per draw:

- args: the positional arguments of the torch call: the dimensions for `torch.randn(4, 6)`
  and `torch.rand`, `low, high` then the dimensions for `torch.randint(low, high, (4, 6))`.
- kwargs: `seed` (an int, or its decimal string when it is not a safe integer in
  JavaScript), `dtype`, `cpu_capability` for float32 randn, and for draws that follow others
  from the same seed, `before`: the earlier draws, `;`-separated, each
  `randn SHAPE DTYPE`, `rand SHAPE DTYPE` or `randint LOW HIGH SHAPE DTYPE`, SHAPE as `4x6`
  (`scalar` for a 0-d tensor).
- output: the draw itself, which a reader must match bit for bit; `error` for calls torch
  rejects.

float32 randn of 16 or more elements has two kernels in PyTorch's x86-64 builds: the cases
are exported twice, with ATEN_CPU_CAPABILITY=default and (in a child process) =avx2, and
`cpu_capability` says which; the AVX2 half needs a machine with AVX2. Torch runs
single-threaded. Normally driven by scripts/regen_fixtures.ts.
"""

import os
import sys

CAPABILITY = os.environ.setdefault("ATEN_CPU_CAPABILITY", "default")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import json  # noqa: E402
import subprocess  # noqa: E402

import export_fixtures as h  # noqa: E402  (sets ATEN_CPU_CAPABILITY=default: undone below)
import torch  # noqa: E402

os.environ["ATEN_CPU_CAPABILITY"] = CAPABILITY  # torch reads it at the first kernel call
SAFE = 2**53 - 1
SEEDS = [0, 1, 42, 2**31 - 1, 2**32, 2**32 + 7, 2**53 + 2, 2**63, 2**64 - 1]
BIG_SEEDS = [0, 42, 2**32]
SIZES = [(1,), (2,), (15,), (16,), (17,), (31,), (100,)]
SHAPES_2D = [(4, 6), (2, 5), (3, 5), (7, 9), (5, 16)]
EDGE_SHAPES = [(), (0,), (3, 0)]
BIG_SIZES = [(1000,), (10000,)]


def big_shapes(seed):
    """1000 elements for every big seed, 10000 for seed 0 only (keeps the files small)."""
    return [shape for shape in BIG_SIZES if shape[0] < 10000 or seed == 0]
DT = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


def seed_value(seed):
    return seed if seed <= SAFE else str(seed)


def shape_text(shape):
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


def draw(spec):
    """Runs one draw described as in `before` ('randn 3 float32')."""
    parts = spec.split()
    shape = [] if parts[-2] == "scalar" else [int(d) for d in parts[-2].split("x")]
    dtype = DT[parts[-1]]
    if parts[0] == "randn":
        return torch.randn(shape, dtype=dtype)
    if parts[0] == "rand":
        return torch.rand(shape, dtype=dtype)
    return torch.randint(int(parts[1]), int(parts[2]), shape, dtype=dtype)


class RandomCases:
    def __init__(self, op):
        self.op = op
        self.cases = []
        self.ids = set()

    def add(self, seed, dtype, args, call, before=(), extra=None):
        name = shape_text(args[2:] if self.op == "randint" else args)
        if self.op == "randint":
            name = f"[{args[0]},{args[1]})/{name}"
        parts = [self.op, dtype, f"seed={seed}", name]
        if before:
            parts.append("after=" + ";".join(before))
        if self.op == "randn" and dtype == "float32" and CAPABILITY != "default":
            parts.append(CAPABILITY)
        cid = "/".join(parts)
        assert cid not in self.ids, f"duplicate case id {cid}"
        self.ids.add(cid)
        kwargs = {"seed": seed_value(seed), "dtype": dtype}
        if self.op == "randn" and dtype == "float32":
            kwargs["cpu_capability"] = CAPABILITY
        if before:
            kwargs["before"] = ";".join(before)
        if extra:
            kwargs.update(extra)
        record = {
            "id": cid,
            "args": list(args),
            "kwargs": kwargs,
            "requires_grad": [],
            "output": None,
            "grad_output": None,
            "grads": None,
            "error": None,
        }
        torch.manual_seed(seed)
        try:
            for spec in before:
                draw(spec)
            out = call(DT.get(dtype, dtype))
        except Exception as e:  # torch raised: an error case
            record["error"] = h.first_line(e)
        else:
            record["output"] = h.tensor_obj(out)
        record["tags"] = self.tags(seed, dtype, args, before, record)
        self.cases.append(record)

    def tags(self, seed, dtype, args, before, record):
        """What the case exercises (export_fixtures.TAGS names them)."""
        shape = args[2:] if self.op == "randint" else args
        tags = set()
        if self.op == "randn" and dtype == "float32" and CAPABILITY != "default":
            tags.add("avx2")
        if before:
            tags.add("replay")
        if seed >= 2**32:
            tags.add("big-seed")
        if self.op == "randint" and args[1] - args[0] > 2**32:
            tags.add("wide-range")
        if len(shape) == 0:
            tags.add("0-d")
        if 0 in shape:
            tags.add("empty")
        if record["error"] is not None:
            kind = "shape" if any(d < 0 for d in shape) else "dtype" if self.op != "randint" else "value"
            tags.update(["error", "error:" + kind])
        assert tags <= set(h.TAGS), tags
        return sorted(tags)


def build_randn(dtypes=("float32", "float64")):
    b = RandomCases("randn")
    for dtype in dtypes:
        for seed in SEEDS:
            for shape in SIZES + SHAPES_2D + EDGE_SHAPES:
                b.add(seed, dtype, shape, lambda dt, s=shape: torch.randn(s, dtype=dt))
        for seed in BIG_SEEDS:
            for shape in big_shapes(seed) + [(32, 32)]:
                b.add(seed, dtype, shape, lambda dt, s=shape: torch.randn(s, dtype=dt))
    # Many short draws, for a fair measure of the one-at-a-time double path.
    for dtype in dtypes:
        for seed in range(1000, 1200):
            b.add(seed, dtype, (15,), lambda dt: torch.randn(15, dtype=dt))
    # The state carries over: the cached second normal survives a 16-at-a-time fill and is
    # shared by float32 and float64 draws of fewer than 16 elements.
    sequences = [
        (["randn 1 float32"], (1,)),
        (["randn 1 float32"], (3,)),
        (["randn 3 float32"], (2, 2)),
        (["randn 1 float32", "randn 16 float32"], (1,)),
        (["randn 1 float64", "randn 20 float64"], (2,)),
        (["randn 5 float64"], (5,)),
        (["rand 5 float32"], (3,)),
        (["randint 0 5 3 int64"], (3, 5)),
        (["randn 4x6 float32", "randn 4x6 float32"], (2, 5)),
        (["randn 15 float32", "randn 17 float32", "rand 3 float64"], (16,)),
        (["randn 100 float32"], (1,)),
        (["randn 7 float32", "randn 1 float32"], (33,)),
    ]
    for before, shape in sequences:
        for dtype in dtypes:
            for seed in [0, 42]:
                b.add(seed, dtype, shape, lambda dt, s=shape: torch.randn(s, dtype=dt), before)
    if CAPABILITY != "default":
        return b
    for dtype, shape in [("int64", (3,)), ("int64", (20,)), ("bool", (2,))]:
        b.add(0, dtype, shape, lambda dt, s=shape, d=dtype: torch.randn(s, dtype=getattr(torch, d)))
    for shape in [(-1,), (2, -3)]:
        b.add(0, "float32", shape, lambda dt, s=shape: torch.randn(s, dtype=dt))
    return b


def avx2_cases():
    """The float32 randn cases of 16 or more elements from a child running the AVX2 kernels."""
    env = dict(os.environ, ATEN_CPU_CAPABILITY="avx2")
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--avx2-cases"], env=env,
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    cases = json.loads(out)
    for c in cases:
        c["output"]["data"] = h.Raw(c["output"]["data"])
    return cases


def dump_avx2_cases():
    usage = [line for line in torch.__config__.show().splitlines() if "CPU capability" in line]
    if not usage or not usage[0].strip().endswith("AVX2"):
        print(f"Cannot export the AVX2 randn cases: torch reports {usage}", file=sys.stderr)
        return 1
    cases = [c for c in build_randn(("float32",)).cases
             if c["error"] is None and len(c["output"]["data"].text.split(",")) >= 16]
    for c in cases:
        c["output"]["data"] = c["output"]["data"].text
    print(json.dumps(cases))
    return 0


def build_rand():
    b = RandomCases("rand")
    for dtype in ["float32", "float64"]:
        for seed in SEEDS:
            for shape in SIZES + SHAPES_2D + EDGE_SHAPES:
                b.add(seed, dtype, shape, lambda dt, s=shape: torch.rand(s, dtype=dt))
        for seed in BIG_SEEDS:
            for shape in big_shapes(seed):
                b.add(seed, dtype, shape, lambda dt, s=shape: torch.rand(s, dtype=dt))
        for before in [["randn 1 float64"], ["randn 3 float32", "randint 0 100 4 int64"]]:
            b.add(0, dtype, (4,), lambda dt: torch.rand(4, dtype=dt), before)
    for dtype, shape in [("int64", (3,)), ("bool", (2,)), ("int64", (0,))]:
        b.add(0, dtype, shape, lambda dt, s=shape, d=dtype: torch.rand(s, dtype=getattr(torch, d)))
    for shape in [(-1,), (3, -2)]:
        b.add(0, "float32", shape, lambda dt, s=shape: torch.rand(s, dtype=dt))
    return b


def build_randint():
    b = RandomCases("randint")
    ranges = [
        (0, 5),  # Tensor.random_(5), the tutorial's target
        (0, 2),
        (-3, 3),
        (0, 2**32),  # 2^32 or more: 64-bit draws (here their low halves)
        (0, 2**32 + 1),
        (0, 2**40),
        (-(2**52), 2**52),
        (10, 11),
        (-(2**31), 2**31 - 1),  # the 32-bit stream, mod 2^32 - 1
        (0, 2**24 + 1),  # float32 cannot hold 2^24 + 1: PyTorch lowers the bound
        (-(2**60), 2**60),
    ]
    for dtype in ["int64", "float32", "float64"]:
        for seed in SEEDS:
            for low, high in ranges:
                for shape in [(1,), (3,), (17,), (4, 6)]:
                    if high - low > 2**24 and shape != (17,) and dtype != "int64":
                        continue
                    args = (low, high) + shape
                    b.add(seed, dtype, args, lambda dt, lo=low, hi=high, s=shape:
                          torch.randint(lo, hi, s, dtype=dt))
    for seed in BIG_SEEDS:
        for low, high in [(0, 5), (0, 2**32), (-(2**50), 2**50)]:
            args = (low, high, 1000)
            b.add(seed, "int64", args, lambda dt, lo=low, hi=high:
                  torch.randint(lo, hi, (1000,), dtype=dt))
    for before in [["randn 1 float32"], ["rand 3 float64", "randn 20 float32"]]:
        b.add(0, "int64", (0, 5, 3), lambda dt: torch.randint(0, 5, (3,), dtype=dt), before)
    for low, high, shape in [(5, 5, (2,)), (5, 3, (2,)), (0, 0, (0,)), (0, 5, (-1,))]:
        b.add(0, "int64", (low, high) + shape, lambda dt, lo=low, hi=high, s=shape:
              torch.randint(lo, hi, s, dtype=dt))
    return b


def main(argv):
    if argv[1:] == ["--avx2-cases"]:
        return dump_avx2_cases()
    if len(argv) != 2 or argv[1].startswith("-"):
        print(f"usage: {argv[0]} OUT_DIR", file=sys.stderr)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    randn = build_randn()
    randn.cases += avx2_cases()
    for b in [randn, build_rand(), build_randint()]:
        doc = {
            "format": h.FORMAT,
            "op": b.op,
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            # randn.json also holds AVX2 cases; each case's kwargs say which kernel ran.
            "cpu_capability": "default+avx2" if b.op == "randn" else CAPABILITY,
            "cases": b.cases,
        }
        text = h.emit(doc) + "\n"
        path = os.path.join(out_dir, b.op + ".json")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        errors = sum(1 for c in b.cases if c["error"] is not None)
        print(f"{b.op}: {len(b.cases)} cases, {errors} errors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
