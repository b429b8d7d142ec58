"""Cases for torch.maximum: see _tensor_ops.py."""

import torch

from fixture_cases import _tensor_ops


def build(b, h):
    _tensor_ops.binary(b, h, torch.maximum, numbers=False)
