"""PyTorch CPU timings of the benchmark cells, one thread, on the same inputs as bench/.

Run by scripts/report.ts: `python3 bench/bench_torch.py SPEC.json OUT.jsonl`. SPEC.json lists
cells as {op, size, inputs, grad, budget_ms}; each input is the seeded description of
bench/_inputs.ts, made here with the same counter-form mulberry32, so the numbers are the
bench's own. OUT.jsonl gets one "samples" line per cell (the JSON of bench/_harness.ts) and one
"torch_value" line with the loss and a summary of the gradient for the agreement check.
"""

import gc
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

M32 = np.uint64(0xFFFFFFFF)


def unit(seed, n):
    """Element k (from 1) of mulberry32's stream for `seed`, as float64 in [0, 1)."""
    k = np.arange(1, n + 1, dtype=np.uint64)
    a = ((np.uint64(seed) + k * np.uint64(0x6D2B79F5)) & M32).astype(np.uint32)
    with np.errstate(over="ignore"):
        t = (a ^ (a >> np.uint32(15))) * (a | np.uint32(1))
        t = (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61))) ^ t
        out = t ^ (t >> np.uint32(14))
    return out.astype(np.float64) / 4294967296.0


def make(spec):
    shape = spec["shape"]
    n = int(np.prod(shape))
    u = unit(spec["seed"], n)
    if spec["kind"] == "uniform":
        data = (spec["lo"] + u * (spec["hi"] - spec["lo"])).astype(np.float32)
    elif spec["kind"] == "sign":
        data = np.where(u < 0.5, -1.0, 1.0).astype(np.float32)
    elif spec["kind"] == "classes":
        data = (spec.get("offset", 0) + np.floor(u * spec["classes"])).astype(np.int64)
    elif spec["kind"] == "binary":
        data = np.where(u < 0.5, 0.0, 1.0).astype(np.float32)
    elif spec["kind"] == "logprobs":
        raw = (spec["lo"] + u * (spec["hi"] - spec["lo"])).reshape(-1, shape[-1])
        m = raw.max(axis=1, keepdims=True)
        # a sequential sum, in the order bench/_inputs.ts adds
        lse = m + np.log(np.cumsum(np.exp(raw - m), axis=1)[:, -1:])
        data = (raw - lse).astype(np.float32)
    elif spec["kind"] == "labels":
        c = shape[-1]
        data = np.floor(u * c).astype(np.int64).reshape(-1, c)
        data[:, spec["count"]:] = -1
    else:
        raise ValueError(spec["kind"])
    return torch.from_numpy(data.reshape(shape))


def grad_summary(g):
    g = g.detach().double().reshape(-1)
    w = (torch.arange(g.numel(), dtype=torch.int64) % 7 - 3).double()
    return float(g.abs().sum()), float((g * w).sum())


def main():
    torch.set_num_threads(1)
    spec_path, out_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as f:
        cells = json.load(f)
    out = open(out_path, "a")
    for cell in cells:
        op = getattr(F, cell["op"])
        extra = cell.get("extra") or []
        # softmax's dim and the like follow the tensors
        fn = (lambda *ts: op(*ts, *extra)) if extra else op
        args = [make(s) for s in cell["inputs"]]
        # an op with a tensor result: its seeded gradient, and the whole result read back
        cot = make(cell["cotangent"]) if cell.get("cotangent") else None
        leaves = [a.clone().requires_grad_(True) if i in cell["grad"] else a
                  for i, a in enumerate(args)]
        value = fn(*leaves)
        value.backward(cot)
        if cot is None:
            checked = float(value)
        else:
            checked = float((value.detach().double() * cot.double()).sum())
        g = leaves[cell["grad"][0]].grad
        abs_, dot = grad_summary(g)
        out.write(json.dumps({"type": "torch_value", "op": cell["op"], "size": cell["size"],
                              "value": checked, "gradAbs": abs_, "gradDot": dot}) + "\n")
        for mode in ("forward", "value+grad", "value+grad-dispose"):
            if mode == "forward":
                if cot is None:
                    def run():
                        fn(*args).item()
                else:
                    def run():
                        fn(*args).numpy()
            else:
                # "value+grad-dispose": x.grad = None frees the last gradient and the loss goes
                # with the call, so the caching allocator hands the same blocks out again.
                # "value+grad": the last call's loss and gradients stay referenced until this
                # call ends, as a loop that holds its results a while longer.
                kept = [] if mode == "value+grad" else None

                def run():
                    for i in cell["grad"]:
                        leaves[i].grad = None
                    o = fn(*leaves)
                    o.backward(cot)
                    if cot is None:
                        o.item()
                    else:
                        o.detach().numpy()
                    for i in cell["grad"]:
                        leaves[i].grad.numpy()
                    if kept is not None:
                        kept[:] = [o, [leaves[i].grad for i in cell["grad"]]]
            # as bench/_harness.ts: a full collection, then untimed calls for at least
            # warm_ms (and three calls), then another collection
            gc.collect()
            t0 = time.perf_counter()
            run()
            first = (time.perf_counter() - t0) * 1e3
            n = int(max(cell["min_n"], min(cell["max_n"], cell["budget_ms"] / max(first, 1e-3))))
            warmup = 1
            until = time.perf_counter() + cell["warm_ms"] / 1e3
            while warmup < 3 or time.perf_counter() < until:
                run()
                warmup += 1
            gc.collect()
            ms = []
            for _ in range(n):
                t0 = time.perf_counter()
                run()
                ms.append((time.perf_counter() - t0) * 1e3)
            bytes_ = sum(a.numel() * a.element_size() for a in args)
            if mode != "forward":
                bytes_ += sum(args[i].numel() * args[i].element_size() for i in cell["grad"])
            out.write(json.dumps({
                "type": "samples", "op": cell["op"], "size": cell["size"], "mode": mode,
                "system": "pytorch", "backend": "cpu", "bytes": bytes_, "warmup": warmup,
                "n": n, "ms": ms}) + "\n")
            out.flush()
    out.close()


if __name__ == "__main__":
    main()
