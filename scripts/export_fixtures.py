"""Export golden fixtures for parity-losses from PyTorch.

Usage: python3 scripts/export_fixtures.py OUT_DIR

Writes one JSON file per op (l1_loss.json, mse_loss.json, ...) into OUT_DIR in the
format described by FIXTURES.md ("parity-losses/fixtures@1"). Every case is seeded
from the CRC32 of its id, torch runs single-threaded on the "default" CPU kernels,
and numbers are written as the shortest decimal that round-trips in their own dtype,
so two runs with the same torch build give byte-identical files.

Needs torch and numpy only. Normally driven by scripts/regen_fixtures.ts.
"""

import os

# Must be set before torch is imported: pins the vectorised kernels torch picks.
os.environ["ATEN_CPU_CAPABILITY"] = "default"

import importlib  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

FORMAT = "parity-losses/fixtures@1"
OPS = [
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "cross_entropy",
    "hinge_embedding_loss",
    "log_softmax",
    "softmax",
]
F32 = torch.float32
F64 = torch.float64
I64 = torch.int64
DTYPES = [F32, F64]
DTYPE_NAMES = {F32: "float32", F64: "float64", I64: "int64", torch.bool: "bool"}
# FIXTURES.md allows only the four dtypes above, so the int32-target error cases
# ("expected scalar type Long but found Int") are off. Turning this on writes them
# with dtype "int32", which readers that follow the format cannot decode.
INCLUDE_INT32_TARGETS = False
if INCLUDE_INT32_TARGETS:
    DTYPE_NAMES[torch.int32] = "int32"
REDUCTIONS = ["none", "mean", "sum"]
NAN = math.nan
INF = math.inf

torch.set_num_threads(1)
# l1/mse warn when target and input sizes differ (broadcasting); torch still computes.
warnings.simplefilter("ignore")


# ---------------------------------------------------------------------------
# Deterministic JSON


class Raw:
    """Text written into the JSON verbatim (a pre-formatted number array)."""

    def __init__(self, text):
        self.text = text


def fmt_float(v, dtype):
    if math.isnan(v):
        return '"nan"'
    if math.isinf(v):
        return '"inf"' if v > 0 else '"-inf"'
    if dtype == F32:
        s = str(np.float32(v))
        assert np.float32(float(s)) == np.float32(v), (s, v)
        return s
    return repr(float(v))


def fmt_value(v, dtype):
    if dtype == torch.bool:
        return "true" if v else "false"
    if dtype in (I64, torch.int32):
        return str(int(v))
    return fmt_float(v, dtype)


def tensor_obj(t):
    t = t.detach()
    assert t.dtype in DTYPE_NAMES, t.dtype
    values = t.contiguous().reshape(-1).tolist()
    data = "[" + ", ".join(fmt_value(v, t.dtype) for v in values) + "]"
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data": Raw(data)}


def encode(v):
    if isinstance(v, torch.Tensor):
        return tensor_obj(v)
    if isinstance(v, dict):
        return {k: encode(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    return v


def is_scalar(v):
    return v is None or isinstance(v, (Raw, str, bool, int, float))


def emit_scalar(v):
    if v is None:
        return "null"
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_float(v, F64)
    if isinstance(v, str):
        return '"' + "".join(escape_char(c) for c in v) + '"'
    raise TypeError(f"cannot emit {type(v).__name__}")


def escape_char(c):
    if c == '"':
        return '\\"'
    if c == "\\":
        return "\\\\"
    if c < " " or c > "~":
        return f"\\u{ord(c):04x}"
    return c


def emit(v, indent=0):
    pad = "  " * (indent + 1)
    end = "  " * indent
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [f"{pad}{emit_scalar(k)}: {emit(v[k], indent + 1)}" for k in sorted(v)]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(v, list):
        if all(is_scalar(x) for x in v):
            return "[" + ", ".join(emit_scalar(x) for x in v) + "]"
        items = [pad + emit(x, indent + 1) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + end + "]"
    return emit_scalar(v)


# ---------------------------------------------------------------------------
# Running one case


def first_line(e):
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def run_case(op, cid, args, kwargs, requires_grad, call=None):
    fn = getattr(F, op) if call is None else call
    leaves = list(args)
    for i in requires_grad:
        assert isinstance(args[i], torch.Tensor) and args[i].is_floating_point(), cid
        leaves[i] = args[i].detach().clone().requires_grad_(True)
    for v in kwargs.values():
        assert not (isinstance(v, torch.Tensor) and v.requires_grad), cid
    record = {
        "id": cid,
        "args": encode(args),
        "kwargs": encode(kwargs),
        "requires_grad": list(requires_grad),
        "output": None,
        "grad_output": None,
        "grads": None,
        "error": None,
    }
    try:
        out = fn(*leaves, **kwargs)
        grad_output = None
        if requires_grad:
            if out.numel() == 1:
                grad_output = torch.empty(out.shape, dtype=out.dtype).uniform_(0.5, 2.0)
            else:
                grad_output = torch.randn(out.shape, dtype=out.dtype)
            torch.autograd.backward(out, grad_output)
    except Exception as e:  # torch raised: an error case
        record["error"] = first_line(e)
        return record
    record["output"] = tensor_obj(out)
    if grad_output is not None:
        record["grad_output"] = tensor_obj(grad_output)
    grads = {}
    for i in requires_grad:
        g = leaves[i].grad
        grads[str(i)] = None if g is None else tensor_obj(g)
    record["grads"] = grads
    return record


class Builder:
    def __init__(self, op):
        self.op = op
        self.cases = []
        self.ids = set()

    def add(self, parts, make, requires_grad, expect_error=None, call=None, tags=()):
        """Add a case; make() builds (args, kwargs) right after seeding from the id.

        call, when given, replaces getattr(F, op) as the function run on (args, kwargs): for
        ops outside torch.nn.functional, or kwargs the fixture writes as a name (a string)
        that call maps to what torch takes. tags, when given, are added to those case_tags
        finds (see TAGS)."""
        cid = "/".join([self.op] + [str(p) for p in parts if p != ""])
        assert cid not in self.ids, f"duplicate case id {cid}"
        self.ids.add(cid)
        torch.manual_seed(zlib.crc32(cid.encode("utf-8")))
        args, kwargs = make()
        record = run_case(self.op, cid, args, kwargs, requires_grad, call)
        record["tags"] = case_tags(self.op, [str(p) for p in parts if p != ""], args, kwargs, record, tags)
        if expect_error is not None and (record["error"] is None) == expect_error:
            got = record["error"] or "no error"
            raise AssertionError(f"{cid}: expected error={expect_error}, got {got}")
        self.cases.append(record)
        return record


# ---------------------------------------------------------------------------
# Tags: what each case exercises, written into the case as "tags" (sorted). Most come from
# the case's inputs (case_tags looks at them); the rest from its id's parts. Their meanings
# are in conformance/tags.ts (and conformance/README.md); a test checks that the fixtures
# use exactly the tags listed there.

TAGS = {
    "ties", "clamped", "non-finite", "large", "empty", "0-d", "broadcast", "weight", "ignore-index",
    "all-ignored", "label-smoothing", "k-dim", "unbatched", "prob-target", "promotion", "tutorial",
    "error",
    # random numbers (export_random_fixtures.py)
    "avx2", "replay", "big-seed", "wide-range",
}

# The kinds of error in case ids (error=<kind>), by class: each error case is tagged
# "error" and "error:<class>".
ERROR_CLASSES = {
    "shape": [
        "shape", "dims", "batch_size", "target_shape", "kdim_target_shape", "weight_shape",
        "weight_length", "weight_dims", "var_shape", "pos_weight_shape", "distance_shape",
        "input_dims", "target_dims", "log_probs_dims", "targets_dims", "targets_rows",
        "input_lengths_size", "target_lengths_size", "unbatched_lengths_size",
        "unbatched_targets_longer", "prob_target_shape", "concat_total", "empty_time",
        "input_length_gt_T", "target_length_gt_S", "dim",
    ],
    "dtype": [
        "dtype", "target_dtype", "input_dtype", "weight_dtype", "log_probs_dtype",
        "lengths_dtype", "mixed_dtype", "prob_target_dtype",
    ],
    "index": ["target_out_of_range", "target_range", "target_negative", "blank", "no_classes"],
    "value": ["input_range", "negative_var"],
    "option": [
        "reduction", "label_smoothing", "beta", "delta", "p", "prob_ignore_index", "no_bound",
        "target_requires_grad",
    ],
    "type": [
        "beta_type", "delta_type", "blank_type", "margin", "margin_none", "margin_type", "swap",
        "keepdim", "eps", "exponent", "min", "number", "lengths_int", "lengths_kinds",
        "zero_infinity_type", "distance_not_a_tensor",
    ],
}
ERROR_CLASS = {kind: cls for cls, kinds in ERROR_CLASSES.items() for kind in kinds}
TAGS.update("error:" + _cls for _cls in ERROR_CLASSES)

# Id parts that name what a case exercises.
PART_TAGS = {
    "ties": "ties", "kink": "ties", "kinks": "ties", "hinge_tie": "ties", "hinge_tie_p1": "ties",
    "swap_tie": "ties", "equal": "ties", "equal_rows": "ties", "zero_distance": "ties",
    "target=edge": "ties", "clamp": "clamped", "var=zero": "clamped", "broadcast": "broadcast",
    "empty_broadcast": "broadcast", "all_ignored": "all-ignored", "all_zero_weight": "all-ignored",
    "unbatched": "unbatched", "tutorial": "tutorial",
}
# "hard" values (see fixture_cases/_tensor_ops.py) are ties where the op has a kink there.
HARD_TIES = {"minimum", "maximum", "clamp", "clamp_min", "abs", "pairwise_distance"}
# Arguments that hold class indices, ±1 labels or lengths, not values.
INDEX_ARGS = {"nll_loss": [1], "cross_entropy": [1], "multi_margin_loss": [1],
              "multilabel_margin_loss": [1], "ctc_loss": [1, 2, 3], "cosine_embedding_loss": [2]}
# Ops whose floating-point tensors are one grid that broadcasts.
NOT_ELEMENTWISE = {"nll_loss", "cross_entropy", "multi_margin_loss", "multilabel_margin_loss",
                   "ctc_loss", "cosine_embedding_loss", "log_softmax", "softmax", "sum", "mean"}
LARGE = 1e4


def case_tags(op, parts, args, kwargs, record, extra=()):
    """The sorted tags of a case: from its inputs, its id's parts and `extra`."""
    tags = set(extra)
    for part in parts:
        if part in PART_TAGS:
            tags.add(PART_TAGS[part])
        if part == "hard" and op in HARD_TIES:
            tags.add("ties")
        if part.startswith("error="):
            kind = part[len("error="):]
            assert kind in ERROR_CLASS, f"error kind {kind} has no class in ERROR_CLASSES"
            tags.update(["error", "error:" + ERROR_CLASS[kind]])
    assert (record["error"] is None) != ("error" in tags), f"{record['id']}: error without error=<kind>"
    index_args = [i for i in INDEX_ARGS.get(op, []) if i < len(args)]
    if op == "cross_entropy" and isinstance(args[1], torch.Tensor) and args[1].is_floating_point():
        index_args = []
        tags.add("prob-target")
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    tensors += [v for v in kwargs.values() if isinstance(v, torch.Tensor)]
    values = [a for i, a in enumerate(args) if isinstance(a, torch.Tensor) and i not in index_args]
    values += [v for v in kwargs.values() if isinstance(v, torch.Tensor)]
    numbers = [a for a in args if isinstance(a, float)] + [v for v in kwargs.values() if isinstance(v, float)]
    for t in tensors:
        if t.numel() == 0:
            tags.add("empty")
        if t.is_floating_point() and t.numel() > 0:
            if not bool(torch.isfinite(t).all()):
                tags.add("non-finite")
            finite = t[torch.isfinite(t)]
            if finite.numel() > 0 and float(finite.abs().max()) >= LARGE:
                tags.add("large")
    if any(math.isfinite(v) and abs(v) >= LARGE for v in numbers):
        tags.add("large")
    if any(isinstance(a, torch.Tensor) and a.is_floating_point() and a.dim() == 0 for a in args):
        tags.add("0-d")
    float_dtypes = {t.dtype for t in values if t.is_floating_point()}
    if len(float_dtypes) > 1 or any(not t.is_floating_point() for t in values):
        tags.add("promotion")
    if op not in NOT_ELEMENTWISE:
        shapes = [tuple(t.shape) for t in values]
        if len(set(shapes)) > 1:
            try:
                torch.broadcast_shapes(*shapes)
                tags.add("broadcast")
            except RuntimeError:
                pass
    for key in ["weight", "pos_weight"]:
        if isinstance(kwargs.get(key), torch.Tensor):
            tags.add("weight")
    if kwargs.get("label_smoothing", 0) not in (0, 0.0, None):
        tags.add("label-smoothing")
    if op in ("nll_loss", "cross_entropy") and len(args) > 1:
        target = args[1]
        index_target = isinstance(target, torch.Tensor) and not target.is_floating_point()
        ignore = kwargs.get("ignore_index", -100)
        if "ignore_index" in kwargs or (index_target and bool((target == -100).any())):
            tags.add("ignore-index")
        if isinstance(args[0], torch.Tensor) and args[0].dim() >= 3:
            tags.add("k-dim")
        weight = kwargs.get("weight")
        if index_target and target.numel() > 0 and record["error"] is None:
            kept = target[target != ignore]
            if kept.numel() == 0 or (isinstance(weight, torch.Tensor) and bool((weight[kept] == 0).all())):
                tags.add("all-ignored")
    # |x - y| has its kink where x == y.
    if op == "l1_loss" and record["error"] is None:
        x, y = args[0], args[1]
        if x.numel() > 0 and y.numel() > 0 and bool((x == y).any()):
            tags.add("ties")
    # Where PyTorch clamps inside the loss: var below eps; BCE's logs at -100 and its
    # backward's denominator max(x (1 - x), 1e-12).
    if op == "gaussian_nll_loss" and record["error"] is None and isinstance(args[2], torch.Tensor):
        if args[2].numel() > 0 and bool((args[2] < kwargs.get("eps", 1e-6)).any()):
            tags.add("clamped")
    if op == "binary_cross_entropy" and record["error"] is None and args[0].numel() > 0:
        x = args[0].double()
        if bool((x * (1 - x) < 1e-12).any()):
            tags.add("clamped")
    unknown = tags - set(TAGS)
    assert not unknown, f"{record['id']}: tags {unknown} are not in TAGS"
    return sorted(tags)


# ---------------------------------------------------------------------------
# Helpers for building inputs


def dname(dtype):
    return DTYPE_NAMES[dtype]


def shape_name(shape):
    return "x".join(str(s) for s in shape) if len(shape) else "scalar"


def red_kwargs(red):
    return {} if red == "default" else {"reduction": red}


def randn(shape, dtype):
    return torch.randn(shape, dtype=dtype)


def logp(shape, dtype):
    """Log-probabilities along the class dim (1, or 0 when unbatched)."""
    return torch.randn(shape, dtype=dtype).log_softmax(1 if len(shape) > 1 else 0)


def probs(shape, dtype):
    return torch.randn(shape, dtype=dtype).softmax(1 if len(shape) > 1 else 0)


def classes(shape, n_classes):
    return torch.randint(0, n_classes, shape, dtype=I64)


def with_values(t, index_values):
    """t with t.view(-1)[i] = v for each (i, v)."""
    t = t.clone()
    flat = t.view(-1)
    for i, v in index_values:
        flat[i] = v
    return t


def tensor(values, dtype):
    return torch.tensor(values, dtype=dtype)


def weights(dtype):
    """A random class weight in [0, 1) for the C classes."""
    return torch.rand(C, dtype=dtype)


# Logits of magnitude 1e4 (a naive exp overflows): log-sum-exp must subtract the max.
BIG_LOGITS = [[1e4, -1e4, 0.0, 1.0], [-1e4, -1e4, -1e4, 1e4], [1e4, 1e4, -1e4, 0.0]]


# ---------------------------------------------------------------------------
# The tutorial's printed values (float32, 4 decimals, as printed)

TUTORIAL = {
    "l1_input": [
        [-1.1755, 1.5283, -0.7174, -1.3634, -0.3620, -1.2202],
        [-0.1568, 0.2724, 0.8901, -0.8379, -0.3100, -0.4176],
        [0.4500, 0.8241, 0.5357, 0.4286, 1.9292, -2.2875],
        [1.4657, -0.6260, 1.0961, 1.7617, -0.7118, 1.3014],
    ],
    "l1_target": [
        [1.4000, -0.6161, 0.4187, -0.8206, 0.9031, 0.2457],
        [2.3506, -0.0032, 2.6048, 0.1283, -1.4994, 1.9908],
        [2.1236, 1.4097, -0.1516, 0.8269, 1.5431, 0.2846],
        [0.0561, 0.0031, 1.0905, -0.8874, 2.4385, 0.7125],
    ],
    "l1_output": 1.3720,
    "mse_input": [
        [-1.0470, -1.5886, 1.1301, -0.5288, -0.3676],
        [-0.2339, 0.6762, 0.5807, 0.2500, -0.7708],
    ],
    "mse_target": [
        [-0.5139, 0.0780, -0.2450, 0.7559, 1.2605],
        [-0.4927, -0.5196, 1.9237, 1.5240, 0.2913],
    ],
    "mse_output": 1.5305,
    "nll_input": [
        [0.2630, 1.6641, 0.4839, -0.1320, 1.2639],
        [0.5138, -0.5355, 0.7273, 0.7598, 1.5475],
        [1.0940, 0.1302, 0.0469, 0.7980, 1.1153],
    ],
    "nll_target": [1, 0, 4],
    "nll_output": 1.3336,
    "ce_input": [
        [0.1988, -1.1513, -0.6530, -0.5703, 1.2801],
        [0.6243, -0.2132, -0.4043, -1.3649, 0.9426],
        [0.9512, -0.6280, 0.6304, 0.4150, -1.1580],
    ],
    "ce_target": [3, 3, 0],
    "ce_output": 2.1839,
    "hinge_input": [
        [-0.4524, 1.8945, 1.3809, -0.3340, -0.7647],
        [-0.4622, 0.2943, -0.8341, -0.3378, 0.4770],
        [-1.1703, -0.2997, 0.6076, -0.4941, 0.9926],
    ],
    "hinge_target": [
        [-0.2517, -0.2383, 0.2874, 1.7514, -1.2939],
        [-0.5958, 0.1940, 0.5979, -0.9577, 0.2096],
        [-1.0131, 0.4979, 0.3774, -1.3164, 1.8593],
    ],
    "hinge_output": 1.0850,
}


def add_tutorial(b, make, printed):
    record = b.add(["default", "float32", "tutorial"], make, [0], expect_error=False)
    # The printed inputs are rounded to 4 decimals, so allow a little slack.
    got = float(record["output"]["data"].text.strip("[]"))
    assert abs(got - printed) < 5e-4, (record["id"], got, printed)


# ---------------------------------------------------------------------------
# l1_loss and mse_loss

POINTWISE_SHAPES = [[1], [], [7], [3, 4], [2, 3, 4], [0], [0, 3]]
BROADCASTS = [([3, 1], [4]), ([2, 3], [3]), ([3], [2, 3])]


def hard_values(kind, dtype):
    """(input, target) for the named hard-value variant, shape [8]."""
    if kind == "ties":
        x = tensor([0.5, -1.25, 2.0, 0.0, -0.0, 3.5, -2.0, 1.0], dtype)
        y = tensor([0.5, 1.0, 2.0, 0.0, 0.0, -3.5, -2.0, 0.75], dtype)
    elif kind == "nan":
        x = tensor([NAN, 1.0, -0.5, NAN, 2.0, 0.25, NAN, -1.0], dtype)
        y = tensor([0.0, 1.5, -0.5, NAN, 1.0, 0.0, 3.0, -1.0], dtype)
    elif kind == "inf":
        x = tensor([INF, -INF, INF, -INF, 1.0, INF, 0.5, -2.0], dtype)
        y = tensor([0.0, 1.0, INF, -INF, INF, -INF, -INF, -2.0], dtype)
    else:  # large: the square (mse) or sum (l1) overflows to inf
        big = 1e30 if dtype == F32 else 1e200
        x = tensor([big, -big, 3e38 if dtype == F32 else 1.7e308, 1.0, big, 0.5, -big, 2.0], dtype)
        y = tensor([0.0, big, -3e38 if dtype == F32 else -1.7e308, -1.0, big, 0.0, 1.0, -big], dtype)
    return x, y


def build_pointwise(op):
    b = Builder(op)
    for red in REDUCTIONS:
        for dt in DTYPES:
            for shape in POINTWISE_SHAPES:
                b.add(
                    [red, dname(dt), shape_name(shape)],
                    lambda: ([randn(shape, dt), randn(shape, dt)], red_kwargs(red)),
                    [0, 1],
                    expect_error=False,
                )
            for xs, ys in BROADCASTS:
                b.add(
                    [red, dname(dt), "broadcast", f"{shape_name(xs)}-{shape_name(ys)}"],
                    lambda: ([randn(xs, dt), randn(ys, dt)], red_kwargs(red)),
                    [0, 1],
                    expect_error=False,
                )
            for kind in ["ties", "nan", "inf", "large"]:
                b.add(
                    [red, dname(dt), kind, "8"],
                    lambda: (list(hard_values(kind, dt)), red_kwargs(red)),
                    [0, 1],
                    expect_error=False,
                )
            b.add(
                [red, dname(dt), "grad=input", "3x4"],
                lambda: ([randn([3, 4], dt), randn([3, 4], dt)], red_kwargs(red)),
                [0],
                expect_error=False,
            )
    for dt in DTYPES:
        for shape in [[3, 4], [], [0]]:
            b.add(
                ["default", dname(dt), shape_name(shape)],
                lambda: ([randn(shape, dt), randn(shape, dt)], {}),
                [0, 1],
                expect_error=False,
            )
        b.add(
            ["default", dname(dt), "ties", "8"],
            lambda: (list(hard_values("ties", dt)), {}),
            [0],
            expect_error=False,
        )
    if op == "l1_loss":
        add_tutorial(
            b,
            lambda: ([tensor(TUTORIAL["l1_input"], F32), tensor(TUTORIAL["l1_target"], F32)], {}),
            TUTORIAL["l1_output"],
        )
    else:
        add_tutorial(
            b,
            lambda: ([tensor(TUTORIAL["mse_input"], F32), tensor(TUTORIAL["mse_target"], F32)], {}),
            TUTORIAL["mse_output"],
        )

    # Errors.
    for dt in DTYPES:
        for xs, ys in [([3], [4]), ([2, 3], [3, 2])]:
            b.add(
                ["mean", dname(dt), "error=shape", f"{shape_name(xs)}-{shape_name(ys)}"],
                lambda: ([randn(xs, dt), randn(ys, dt)], {"reduction": "mean"}),
                [0, 1],
                expect_error=True,
            )
        b.add(
            ["avg", dname(dt), "error=reduction", "3"],
            lambda: ([randn([3], dt), randn([3], dt)], {"reduction": "avg"}),
            [0, 1],
            expect_error=True,
        )
    # int64 inputs: torch raises only where the kernel or mean() rejects Long
    # (l1_loss computes "none" and "sum" on int64, so those are left out).
    int_reds = ["none", "mean", "sum", "default"] if op == "mse_loss" else ["mean", "default"]
    for red in int_reds:
        b.add(
            [red, "int64", "error=dtype", "4"],
            lambda: ([torch.randint(-5, 5, [4]), torch.randint(-5, 5, [4])], red_kwargs(red)),
            [],
            expect_error=True,
        )
    if op == "mse_loss":
        # Forward promotes to float64; MSE's backward raises on the dtype mix.
        for red in REDUCTIONS:
            for xd, yd in [(F32, F64), (F64, F32)]:
                b.add(
                    [red, f"{dname(xd)}-{dname(yd)}", "error=mixed_dtype", "3"],
                    lambda: ([randn([3], xd), randn([3], yd)], red_kwargs(red)),
                    [0, 1],
                    expect_error=True,
                )
    return b


# ---------------------------------------------------------------------------
# nll_loss

C = 4  # classes for the random nll/cross_entropy cases


def build_nll():
    b = Builder("nll_loss")
    for red in REDUCTIONS:
        rk = red_kwargs(red)
        for dt in DTYPES:
            d = dname(dt)

            def add(parts, make, expect_error=False):
                b.add([red, d] + parts, make, [0], expect_error=expect_error)

            add(["unbatched", "4"], lambda: ([logp([C], dt), classes([], C)], rk))
            add(
                ["unbatched", "ignore_index=2", "4"],
                lambda: (
                    [logp([C], dt), torch.tensor(2)],
                    {**rk, "ignore_index": 2},
                ),
            )
            add(
                ["unbatched", "weight", "4"],
                lambda: (
                    [logp([C], dt), classes([], C)],
                    {**rk, "weight": weights(dt)},
                ),
            )
            add(["3x4"], lambda: ([logp([3, C], dt), classes([3], C)], rk))
            add(["input=randn", "3x4"], lambda: ([randn([3, C], dt), classes([3], C)], rk))
            add(["1x4"], lambda: ([logp([1, C], dt), classes([1], C)], rk))
            add(["2x4x3"], lambda: ([logp([2, C, 3], dt), classes([2, 3], C)], rk))
            add(["2x3x2x3"], lambda: ([logp([2, 3, 2, 3], dt), classes([2, 2, 3], 3)], rk))
            add(
                ["weight", "5x4"],
                lambda: (
                    [logp([5, C], dt), classes([5], C)],
                    {**rk, "weight": weights(dt)},
                ),
            )
            add(
                ["weight", "2x4x3"],
                lambda: (
                    [logp([2, C, 3], dt), classes([2, 3], C)],
                    {**rk, "weight": weights(dt)},
                ),
            )
            add(
                ["weight=zeros", "5x4"],
                lambda: (
                    [logp([5, C], dt), tensor([0, 1, 2, 3, 1], I64)],
                    {**rk, "weight": tensor([0.0, 1.5, 0.0, 0.5], dt)},
                ),
            )
            add(
                ["weight=zeros", "all_zero_weight", "3x4"],
                lambda: (
                    [logp([3, C], dt), tensor([0, 2, 0], I64)],
                    {**rk, "weight": tensor([0.0, 1.5, 0.0, 0.5], dt)},
                ),
            )
            add(
                ["ignore_index=default", "5x4"],
                lambda: ([logp([5, C], dt), tensor([1, -100, 3, -100, 0], I64)], rk),
            )
            add(
                ["ignore_index=1", "5x4"],
                lambda: (
                    [logp([5, C], dt), with_values(classes([5], C), [(0, 1), (3, 1)])],
                    {**rk, "ignore_index": 1},
                ),
            )
            add(
                ["ignore_index=0", "weight", "5x4"],
                lambda: (
                    [logp([5, C], dt), with_values(classes([5], C), [(1, 0), (4, 0)])],
                    {**rk, "ignore_index": 0, "weight": weights(dt)},
                ),
            )
            add(
                ["ignore_index=-1", "5x4"],
                lambda: (
                    [logp([5, C], dt), with_values(classes([5], C), [(2, -1)])],
                    {**rk, "ignore_index": -1},
                ),
            )
            add(
                ["ignore_index=2", "2x4x3"],
                lambda: (
                    [logp([2, C, 3], dt), with_values(classes([2, 3], C), [(0, 2), (4, 2)])],
                    {**rk, "ignore_index": 2},
                ),
            )
            add(
                ["all_ignored", "3x4"],
                lambda: ([logp([3, C], dt), tensor([-100, -100, -100], I64)], rk),
            )
            add(
                ["all_ignored", "weight", "ignore_index=3", "3x4"],
                lambda: (
                    [logp([3, C], dt), tensor([3, 3, 3], I64)],
                    {**rk, "ignore_index": 3, "weight": weights(dt)},
                ),
            )
            add(["empty", "0x4"], lambda: ([logp([0, C], dt), classes([0], C)], rk))
            add(["empty", "2x4x0"], lambda: ([logp([2, C, 0], dt), classes([2, 0], C)], rk))
    for dt in DTYPES:
        b.add(
            ["default", dname(dt), "3x4"],
            lambda: (
                [logp([3, C], dt), classes([3], C)],
                {},
            ),
            [0],
            expect_error=False,
        )
        b.add(
            ["default", dname(dt), "weight", "ignore_index=1", "2x4x3"],
            lambda: (
                [logp([2, C, 3], dt), with_values(classes([2, 3], C), [(1, 1)])],
                {"weight": weights(dt), "ignore_index": 1},
            ),
            [0],
            expect_error=False,
        )
    add_tutorial(
        b,
        lambda: (
            [
                F.log_softmax(tensor(TUTORIAL["nll_input"], F32), 1).detach(),
                tensor(TUTORIAL["nll_target"], I64),
            ],
            {},
        ),
        TUTORIAL["nll_output"],
    )
    add_index_target_errors(b, logp)
    return b


def add_index_target_errors(b, make_input):
    """Errors shared by nll_loss and cross_entropy with class-index targets."""
    long = lambda values: lambda: tensor(values, I64)  # noqa: E731
    specs = [
        # (reduction, dtype, id parts, input shape, target(), extra kwargs)
        ("mean", F32, ["target_dtype", "float"], [3, C], lambda: tensor([0.0, 1.0, 2.0], F32), {}),
        ("mean", F64, ["target_dtype", "float"], [3, C], lambda: tensor([0.0, 1.0, 2.0], F64), {}),
        ("mean", F32, ["target_out_of_range", "C"], [3, C], long([0, C, 1]), {}),
        ("mean", F64, ["target_out_of_range", "C"], [3, C], long([0, C, 1]), {}),
        ("none", F64, ["target_out_of_range", "C", "ignore_index=1"], [3, C], long([1, C, 0]),
         {"ignore_index": 1}),
        ("sum", F32, ["target_out_of_range", "C"], [2, C, 3], long([[0, 1, 2], [3, C, 0]]), {}),
        ("mean", F32, ["target_out_of_range", "unbatched"], [C], long(C), {}),
        ("mean", F32, ["weight_length"], [3, C], long([0, 1, 2]), {"weight": torch.ones(C + 1)}),
        ("none", F64, ["weight_length"], [3, C], long([0, 1, 2]), {"weight": torch.ones(C - 1, dtype=F64)}),
        ("mean", F32, ["batch_size"], [3, C], long([0, 1]), {}),
        ("none", F64, ["batch_size"], [3, C], long([0, 1, 2, 3]), {}),
        ("mean", F32, ["kdim_target_shape"], [2, C, 3], long([[0, 1, 2, 3, 0]] * 2), {}),
        ("none", F32, ["kdim_target_shape"], [2, C, 3, 2], long([[[0, 1, 2]] * 2] * 2), {}),
        ("mean", F32, ["target_shape", "unbatched"], [C], long([1]), {}),
        ("avg", F32, ["reduction"], [3, C], long([0, 1, 2]), {}),
        ("avg", F64, ["reduction"], [3, C], long([0, 1, 2]), {}),
    ]
    for red in REDUCTIONS:
        if INCLUDE_INT32_TARGETS:
            int32 = lambda: tensor([0, 1, 2], torch.int32)  # noqa: E731
            specs.append((red, F32, ["target_dtype", "int32"], [3, C], int32, {}))
        specs.append((red, F32, ["target_out_of_range", "-1"], [3, C], long([0, -1, 2]), {}))
    for red, dt, parts, shape, target, extra in specs:
        what, *opts = parts
        b.add(
            [red, dname(dt), f"error={what}"] + opts + [shape_name(shape)],
            lambda: ([make_input(shape, dt), target()], {"reduction": red, **extra}),
            [0],
            expect_error=True,
        )


# ---------------------------------------------------------------------------
# cross_entropy

LABEL_SMOOTHING = [0.0, 0.1, 0.25, 1.0]


def build_cross_entropy():
    b = Builder("cross_entropy")
    # Class-index targets: weight x ignore_index x label_smoothing x reduction x dtype.
    for red in REDUCTIONS:
        rk = red_kwargs(red)
        for dt in DTYPES:
            d = dname(dt)
            for use_weight in [False, True]:
                for use_ignore in [False, True]:
                    for ls in LABEL_SMOOTHING:
                        opts = (["weight"] if use_weight else []) + (["ignore_index=2"] if use_ignore else [])
                        opts.append(f"label_smoothing={ls}")

                        def make():
                            x = randn([5, C], dt)
                            t = classes([5], C)
                            kw = {**rk, "label_smoothing": ls}
                            if use_weight:
                                kw["weight"] = weights(dt) + 0.1
                            if use_ignore:
                                t = with_values(t, [(1, 2), (3, 2)])
                                kw["ignore_index"] = 2
                            return [x, t], kw

                        b.add([red, d] + opts + ["5x4"], make, [0], expect_error=False)

    for red in REDUCTIONS:
        rk = red_kwargs(red)
        for dt in DTYPES:
            d = dname(dt)

            def add(parts, make, rg=(0,)):
                b.add([red, d] + parts, make, list(rg), expect_error=False)

            add(["unbatched", "4"], lambda: ([randn([C], dt), classes([], C)], rk))
            add(
                ["unbatched", "weight", "label_smoothing=0.1", "4"],
                lambda: (
                    [randn([C], dt), classes([], C)],
                    {**rk, "weight": weights(dt), "label_smoothing": 0.1},
                ),
            )
            add(["1x4"], lambda: ([randn([1, C], dt), classes([1], C)], rk))
            add(["2x4x3"], lambda: ([randn([2, C, 3], dt), classes([2, 3], C)], rk))
            add(["2x3x2x3"], lambda: ([randn([2, 3, 2, 3], dt), classes([2, 2, 3], 3)], rk))
            add(
                ["weight", "ignore_index=0", "label_smoothing=0.25", "2x4x3"],
                lambda: (
                    [randn([2, C, 3], dt), with_values(classes([2, 3], C), [(2, 0)])],
                    {**rk, "weight": weights(dt), "ignore_index": 0, "label_smoothing": 0.25},
                ),
            )
            add(
                ["ignore_index=default", "label_smoothing=0.1", "5x4"],
                lambda: (
                    [randn([5, C], dt), tensor([2, -100, 0, 3, -100], I64)],
                    {**rk, "label_smoothing": 0.1},
                ),
            )
            add(
                ["weight", "ignore_index=-1", "5x4"],
                lambda: (
                    [randn([5, C], dt), with_values(classes([5], C), [(4, -1)])],
                    {**rk, "weight": weights(dt), "ignore_index": -1},
                ),
            )
            add(
                ["logits=1e4", "3x4"],
                lambda: ([tensor(BIG_LOGITS, dt), tensor([1, 3, 0], I64)], rk),
            )
            add(
                ["logits=1e4", "label_smoothing=0.1", "3x4"],
                lambda: ([tensor(BIG_LOGITS, dt), tensor([1, 3, 0], I64)], {**rk, "label_smoothing": 0.1}),
            )
            add(
                ["nan", "3x4"],
                lambda: (
                    [with_values(randn([3, C], dt), [(5, NAN)]), tensor([0, 2, 3], I64)],
                    rk,
                ),
            )
            add(
                ["all_ignored", "label_smoothing=0.1", "3x4"],
                lambda: (
                    [randn([3, C], dt), tensor([-100, -100, -100], I64)],
                    {**rk, "label_smoothing": 0.1},
                ),
            )
            add(
                ["all_ignored", "weight", "ignore_index=1", "3x4"],
                lambda: (
                    [randn([3, C], dt), tensor([1, 1, 1], I64)],
                    {**rk, "weight": weights(dt), "ignore_index": 1},
                ),
            )
            add(["empty", "0x4"], lambda: ([randn([0, C], dt), classes([0], C)], rk))
            add(
                ["empty", "label_smoothing=0.1", "0x4"],
                lambda: (
                    [randn([0, C], dt), classes([0], C)],
                    {**rk, "label_smoothing": 0.1},
                ),
            )
            # Class-probability targets: both input and target get gradients.
            add(["target=prob", "3x4"], lambda: ([randn([3, C], dt), probs([3, C], dt)], rk), rg=(0, 1))
            add(
                ["target=prob_unnormalised", "3x4"],
                lambda: ([randn([3, C], dt), torch.rand([3, C], dtype=dt) * 2], rk),
                rg=(0, 1),
            )
            add(
                ["target=prob", "weight", "3x4"],
                lambda: ([randn([3, C], dt), probs([3, C], dt)], {**rk, "weight": weights(dt)}),
                rg=(0, 1),
            )
            for ls in [0.1, 0.25]:
                add(
                    ["target=prob", f"label_smoothing={ls}", "3x4"],
                    lambda: ([randn([3, C], dt), probs([3, C], dt)], {**rk, "label_smoothing": ls}),
                    rg=(0, 1),
                )
            add(
                ["target=prob_unnormalised", "weight", "label_smoothing=1.0", "3x4"],
                lambda: (
                    [randn([3, C], dt), torch.rand([3, C], dtype=dt) * 2],
                    {**rk, "weight": weights(dt), "label_smoothing": 1.0},
                ),
                rg=(0, 1),
            )
            add(
                ["target=prob", "2x4x3"],
                lambda: (
                    [randn([2, C, 3], dt), probs([2, C, 3], dt)],
                    rk,
                ),
                rg=(0,
                1),
            )
            add(["target=prob", "unbatched", "4"], lambda: ([randn([C], dt), probs([C], dt)], rk), rg=(0, 1))
            add(
                ["target=prob", "logits=1e4", "3x4"],
                lambda: ([tensor(BIG_LOGITS, dt), probs([3, C], dt)], rk),
                rg=(0, 1),
            )
            add(
                ["target=prob", "empty", "0x4"],
                lambda: (
                    [randn([0, C], dt), probs([0, C], dt)],
                    rk,
                ),
                rg=(0,
                1),
            )
    for dt in DTYPES:
        b.add(
            ["default", dname(dt), "5x4"],
            lambda: (
                [randn([5, C], dt), classes([5], C)],
                {},
            ),
            [0],
            expect_error=False,
        )
        b.add(
            ["default", dname(dt), "target=prob", "3x4"],
            lambda: (
                [randn([3, C], dt), probs([3, C], dt)],
                {},
            ),
            [0,
            1],
            expect_error=False,
        )
    add_tutorial(
        b,
        lambda: ([tensor(TUTORIAL["ce_input"], F32), tensor(TUTORIAL["ce_target"], I64)], {}),
        TUTORIAL["ce_output"],
    )

    add_index_target_errors(b, randn)

    def err(red, dt, parts, make, rg=(0,)):
        b.add([red, dname(dt)] + parts, make, list(rg), expect_error=True)

    # torch 1.13 only rejects label_smoothing > 1 (a negative value is accepted).
    err(
        "mean", F32, ["error=label_smoothing", "label_smoothing=1.5", "3x4"],
        lambda: (
            [randn([3, C], F32), classes([3], C)],
            {"reduction": "mean", "label_smoothing": 1.5},
        ),
    )
    err(
        "sum",
        F64,
        ["error=label_smoothing", "target=prob", "label_smoothing=1.01", "3x4"],
        lambda: ([randn([3, C], F64), probs([3, C], F64)], {"reduction": "sum", "label_smoothing": 1.01}),
        rg=(0, 1),
    )
    for red in ["mean", "none"]:
        err(
            red,
            F32,
            ["error=prob_ignore_index", "target=prob", "ignore_index=1", "3x4"],
            lambda: ([randn([3, C], F32), probs([3, C], F32)], {"reduction": red, "ignore_index": 1}),
            rg=(0, 1),
        )
    err(
        "mean",
        F32,
        ["error=prob_target_shape", "target=prob", "3x4-3x3"],
        lambda: ([randn([3, C], F32), probs([3, 3], F32)], {"reduction": "mean"}),
        rg=(0, 1),
    )
    err(
        "mean",
        F64,
        ["error=prob_target_dtype", "target=int64", "3x4"],
        lambda: ([randn([3, C], F64), classes([3, C], C)], {"reduction": "mean"}),
    )
    err(
        "mean", F32, ["error=input_dims", "scalar"],
        lambda: (
            [randn([], F32), classes([], C)],
            {"reduction": "mean"},
        ),
    )
    return b


# ---------------------------------------------------------------------------
# hinge_embedding_loss

MARGINS = [None, 0.5, 2.0, 0.0]


def signs(shape, dtype):
    return torch.randint(0, 2, shape).to(dtype) * 2 - 1


def build_hinge():
    b = Builder("hinge_embedding_loss")
    for red in REDUCTIONS:
        rk = red_kwargs(red)
        for dt in DTYPES:
            d = dname(dt)

            def add(parts, make, expect_error=False):
                b.add([red, d] + parts, make, [0], expect_error=expect_error)

            for margin in MARGINS:
                kw = rk if margin is None else {**rk, "margin": margin}
                opt = "margin=default" if margin is None else f"margin={margin}"
                add([opt, "3x5"], lambda: ([randn([3, 5], dt), signs([3, 5], dt)], kw))
            add(["scalar"], lambda: ([randn([], dt), signs([], dt)], rk))
            add(["5"], lambda: ([randn([5], dt), signs([5], dt)], rk))
            add(["target=randn", "3x5"], lambda: ([randn([3, 5], dt), randn([3, 5], dt)], rk))
            add(
                ["target=randn", "margin=0.5", "3x5"],
                lambda: ([randn([3, 5], dt), randn([3, 5], dt)], {**rk, "margin": 0.5}),
            )
            add(
                ["target=zero", "6"],
                lambda: ([randn([6], dt), tensor([0.0, 1.0, -1.0, 0.0, 0.0, 1.0], dt)], rk),
            )
            # Kinks: x == margin where target is -1 (and a few others around it).
            add(
                ["ties", "8"],
                lambda: (
                    [
                        tensor([1.0, 1.0, 0.0, -1.0, 2.0, 1.0, 0.5, -0.0], dt),
                        tensor([-1.0, 1.0, -1.0, -1.0, -1.0, -1.0, 1.0, -1.0], dt),
                    ],
                    rk,
                ),
            )
            add(
                ["ties", "margin=0.5", "6"],
                lambda: (
                    [
                        tensor([0.5, 0.5, 0.0, 1.0, 0.5, -0.5], dt),
                        tensor([-1.0, 1.0, -1.0, -1.0, -1.0, 0.5], dt),
                    ],
                    {**rk, "margin": 0.5},
                ),
            )
            add(
                ["ties", "margin=0.0", "6"],
                lambda: (
                    [
                        tensor([0.0, -0.0, 0.0, 1.0, -1.0, 0.0], dt),
                        tensor([-1.0, -1.0, 1.0, -1.0, -1.0, 0.0], dt),
                    ],
                    {**rk, "margin": 0.0},
                ),
            )
            add(
                ["nan", "6"],
                lambda: (
                    [
                        tensor([NAN, NAN, NAN, 0.5, -2.0, 3.0], dt),
                        tensor([-1.0, 1.0, 0.5, -1.0, 1.0, -1.0], dt),
                    ],
                    rk,
                ),
            )
            add(["empty", "0"], lambda: ([randn([0], dt), signs([0], dt)], rk))
            add(["empty", "0x3"], lambda: ([randn([0, 3], dt), signs([0, 3], dt)], rk))
            # Fixed targets: random signs can cancel in the broadcast input's gradient.
            add(["broadcast", "3x1-4"], lambda: ([randn([3, 1], dt), tensor([1.0, -1.0, 1.0, 0.5], dt)], rk))
            add(
                ["broadcast", "3-2x3"],
                lambda: ([randn([3], dt), tensor([[1.0, -1.0, 1.0], [1.0, 1.0, 0.0]], dt)], rk),
            )
    for dt in DTYPES:
        b.add(
            ["default", dname(dt), "3x5"],
            lambda: (
                [randn([3, 5], dt), signs([3, 5], dt)],
                {},
            ),
            [0],
            expect_error=False,
        )
        b.add(
            ["default", dname(dt), "margin=2.0", "5"],
            lambda: ([randn([5], dt), signs([5], dt)], {"margin": 2.0}),
            [0],
            expect_error=False,
        )
    add_tutorial(
        b,
        lambda: ([tensor(TUTORIAL["hinge_input"], F32), tensor(TUTORIAL["hinge_target"], F32)], {}),
        TUTORIAL["hinge_output"],
    )

    for dt in DTYPES:
        b.add(
            ["mean", dname(dt), "error=shape", "3-4"],
            lambda: ([randn([3], dt), signs([4], dt)], {"reduction": "mean"}),
            [0],
            expect_error=True,
        )
        b.add(
            ["avg", dname(dt), "error=reduction", "3"],
            lambda: ([randn([3], dt), signs([3], dt)], {"reduction": "avg"}),
            [0],
            expect_error=True,
        )
    # int64: "none" and "sum" compute in torch; only mean() rejects Long.
    for red in ["mean", "default"]:
        b.add(
            [red, "int64", "error=dtype", "4"],
            lambda: ([torch.randint(-3, 3, [4]), signs([4], I64)], red_kwargs(red)),
            [],
            expect_error=True,
        )
    return b


# ---------------------------------------------------------------------------
# log_softmax and softmax


def build_softmax(op):
    b = Builder(op)
    for dt in DTYPES:
        d = dname(dt)

        def add(parts, make, expect_error=False):
            # No reduction: "default" keeps the id pattern <op>/<reduction>/<dtype>/...
            b.add(["default", d] + parts, make, [0], expect_error=expect_error)

        for shape, dims in [([5], [0, -1]), ([3, 4], [0, 1, -1, -2]), ([2, 3, 4], [0, 1, 2, -1, -2])]:
            for dim in dims:
                add([f"dim={dim}", shape_name(shape)], lambda: ([randn(shape, dt), dim], {}))
        for dim in [0, -1]:
            add([f"dim={dim}", "scalar"], lambda: ([randn([], dt), dim], {}))
        for dim in [1, 0]:
            add([f"dim={dim}", "1e4", "3x4"], lambda: ([tensor(BIG_LOGITS, dt), dim], {}))
        infs = [[INF, 1.0, 2.0, -1.0], [-INF, 1.0, -INF, 0.5], [INF, INF, 0.0, 1.0], [-INF, -INF, -INF, -INF]]
        for dim in [-1, 0]:
            add([f"dim={dim}", "inf", "4x4"], lambda: ([tensor(infs, dt), dim], {}))
        add(["dim=1", "nan", "3x4"], lambda: ([with_values(randn([3, 4], dt), [(1, NAN), (10, NAN)]), 1], {}))
        add(
            ["dim=1", "all_neg_inf_row", "3x4"],
            lambda: (
                [with_values(randn([3, 4], dt), [(4, -INF), (5, -INF), (6, -INF), (7, -INF)]), 1],
                {},
            ),
        )
        for shape, dim in [([0], 0), ([0, 3], 1), ([0, 3], 0), ([2, 0], 1), ([2, 0], -2)]:
            add([f"dim={dim}", "empty", shape_name(shape)], lambda: ([randn(shape, dt), dim], {}))
        for shape, dim in [([5], 1), ([5], -2), ([3, 4], 2), ([3, 4], -3), ([], 1)]:
            add(
                [f"dim={dim}", "error=dim", shape_name(shape)],
                lambda: (
                    [randn(shape, dt), dim],
                    {},
                ),
                expect_error=True,
            )
    return b


# ---------------------------------------------------------------------------


# Ops beyond the first five losses live one per file in scripts/fixture_cases/<op>.py,
# each with a build(b, h) that adds cases to the Builder b using this module's helpers h.
CASES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixture_cases")


def case_modules():
    if not os.path.isdir(CASES_DIR):
        return []
    return sorted(f[:-3] for f in os.listdir(CASES_DIR) if f.endswith(".py") and not f.startswith("_"))


def build(op):
    if op in ("l1_loss", "mse_loss"):
        return build_pointwise(op)
    if op == "nll_loss":
        return build_nll()
    if op == "cross_entropy":
        return build_cross_entropy()
    if op == "hinge_embedding_loss":
        return build_hinge()
    if op in ("log_softmax", "softmax"):
        return build_softmax(op)
    b = Builder(op)
    importlib.import_module(f"fixture_cases.{op}").build(b, sys.modules[__name__])
    return b


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(f"usage: {argv[0]} OUT_DIR", file=sys.stderr)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for op in OPS + case_modules():
        b = build(op)
        doc = {
            "format": FORMAT,
            "op": op,
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "cpu_capability": os.environ["ATEN_CPU_CAPABILITY"],
            "cases": b.cases,
        }
        assert doc["threads"] == 1
        text = emit(doc) + "\n"
        with open(os.path.join(out_dir, op + ".json"), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        errors = sum(1 for c in b.cases if c["error"] is not None)
        print(f"{op}: {len(b.cases)} cases, {errors} errors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
