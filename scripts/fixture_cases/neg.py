"""Cases for torch.neg: see _tensor_ops.py."""

import torch

from fixture_cases import _tensor_ops


def build(b, h):
    _tensor_ops.unary(b, h, torch.neg, bool_error=True)
