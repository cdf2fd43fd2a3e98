"""detect_anomaly(): find the op whose backward produced NaN or inf.

While enabled, every node records the stack where its forward ran, and the engine checks each
gradient a backward returns; the first non-finite one raises a RuntimeError naming the op and
printing where that op was created (as torch does).
"""
_enabled = False


def is_anomaly_enabled():
    return _enabled


class set_detect_anomaly:
    def __init__(self, mode, check_nan=True):
        global _enabled
        self._prev = _enabled
        _enabled = bool(mode) and check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self._prev
        return False


class detect_anomaly(set_detect_anomaly):
    """Context manager (torch.autograd.detect_anomaly): anomaly checks on inside the block."""

    def __init__(self, check_nan=True):
        self._check_nan = check_nan
        self._prev = None

    def __enter__(self):
        global _enabled
        self._prev = _enabled
        _enabled = bool(self._check_nan)
        return self


def check_gradient(node, index, grad):
    """Called by the engine under anomaly mode for each gradient a node's backward returned."""
    import numpy as np
    data = grad._data
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        kind = "nan" if np.isnan(data).any() else "inf"
        where = "".join(node._forward_stack or ["(forward stack not recorded)\n"])
        raise RuntimeError(
            f"Function '{node.name()}' returned {kind} values in its {index}th output.\n"
            f"The forward call that created this node:\n{where}")
