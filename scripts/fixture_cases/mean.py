"""Cases for torch.mean: see _tensor_ops.py."""

import torch

from fixture_cases import _tensor_ops


def build(b, h):
    _tensor_ops.reduction(b, h, torch.mean, mean=True)
