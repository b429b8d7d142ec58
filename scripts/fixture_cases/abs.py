"""Cases for torch.abs: see _tensor_ops.py."""

import torch

from fixture_cases import _tensor_ops


def build(b, h):
    _tensor_ops.unary(b, h, torch.abs)
