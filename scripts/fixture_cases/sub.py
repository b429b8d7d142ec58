"""Cases for torch.sub (a - b): see _tensor_ops.py."""

from fixture_cases import _tensor_ops


def build(b, h):
    _tensor_ops.binary(b, h, lambda x, y: x - y, bool_error=True)
