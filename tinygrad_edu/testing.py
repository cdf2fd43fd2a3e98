"""Test helpers: `assert_close`, and hypothesis strategies for shapes/arrays/tensors and gradient checks.

This is how tinygrad_edu's own op tests are written, and how you can test an op of your own
(a custom `tinygrad_edu.autograd.Function`) against finite differences:

    from tinygrad_edu.testing import check_op, positive, distinct, away_from, broadcastable_tensors

    check_op(MyLog.apply, positive())                  # gradcheck + gradgradcheck, shrunk counterexample
    check_op(MyAbs.apply, away_from(0))                # off the kink
    check_op(MyMax.apply, distinct(layout="any"))      # no ties; contiguous or strided leaves
    check_op(MyMul.apply, broadcastable_tensors(2), orders=1)  # a tuple: 2 arguments
    check_op(MyExp.apply, tensors(), modes=("reverse", "forward"))  # its jvp too (forward mode)

or, with the strategies alone, `@given(tensors(shapes(max_dims=3), min_value=0.1))` and gradcheck.

The strategies need hypothesis (`pip install hypothesis`, a test dependency); without it this module
still imports and `assert_close` works, and each strategy raises ImportError saying so.
`import tinygrad_edu` does not import this module; `tinygrad_edu.testing` loads it on first use.
`assert_close` is torch.testing.assert_close's idea: same shape, same dtype,
|actual - expected| <= atol + rtol * |expected| element-wise.
"""
import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

STRATEGIES = ["shapes", "broadcastable_shapes", "broadcastable_pairs", "broadcastable_groups", "arrays", "tensors",
              "positive", "away_from", "unit_interval", "distinct", "float_dtypes", "layouts",
              "broadcastable_tensors", "check_op"]
__all__ = STRATEGIES + ["assert_close"]


def _needs_hypothesis(name, error):
    def missing(*args, **kwargs):
        raise ImportError(f"tinygrad_edu.testing.{name} needs hypothesis, which is not installed: "
                          f"pip install hypothesis ({error})")
    missing.__name__ = missing.__qualname__ = name
    return missing


try:
    from ._strategies import (shapes, broadcastable_shapes, broadcastable_pairs, broadcastable_groups,  # noqa: F401
                              arrays, tensors, positive, away_from, unit_interval, distinct, float_dtypes,
                              layouts, broadcastable_tensors, check_op)
except ImportError as _e:  # only a missing hypothesis is tolerated
    if not (getattr(_e, "name", None) or "").startswith("hypothesis"):
        raise
    globals().update({_n: _needs_hypothesis(_n, _e) for _n in STRATEGIES})


# ---- assert_close ---------------------------------------------------------------------------------------
_DEFAULT_TOL = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _to_numpy(x):
    """(array, dtype name or None) for a tinygrad_edu tensor, a torch tensor, an array or a number."""
    if isinstance(x, Tensor):
        return x._data, x.dtype.name
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a torch tensor, without importing torch
        arr = x.detach().cpu().numpy()
        return arr, str(x.dtype).replace("torch.", "")
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x), _dt.from_numpy_dtype(x.dtype).name
    return np.asarray(x), None  # Python numbers and lists: no dtype of their own to check


def assert_close(actual, expected, rtol=None, atol=None, *, check_dtype=True, equal_nan=True, msg=""):
    """Raise AssertionError unless `actual` and `expected` have the same shape (and dtype) and
    |actual - expected| <= atol + rtol * |expected| everywhere.

    Either side may be a tinygrad_edu Tensor, a torch Tensor, a numpy array or a Python number.
    Tolerances default by dtype as in torch.testing (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7;
    integers and bools: exact). The message names the worst element, e.g.

        assert_close(x.grad, 6 * x.detach())
    """
    a, a_dtype = _to_numpy(actual)
    e, e_dtype = _to_numpy(expected)
    prefix = f"{msg}: " if msg else ""
    if a.shape != e.shape:
        raise AssertionError(f"{prefix}shape mismatch: actual {list(a.shape)} vs expected {list(e.shape)}")
    if check_dtype and a_dtype is not None and e_dtype is not None and a_dtype != e_dtype:
        raise AssertionError(f"{prefix}dtype mismatch: actual {a_dtype} vs expected {e_dtype}")
    d_rtol, d_atol = _DEFAULT_TOL.get(a_dtype or e_dtype or "", (0.0, 0.0))
    if a_dtype is None and e_dtype is None and (a.dtype.kind == "f" or e.dtype.kind == "f"):
        d_rtol, d_atol = _DEFAULT_TOL["float64"]
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    diff = np.abs(a64 - e64)
    allowed = atol + rtol * np.abs(e64)
    with np.errstate(invalid="ignore"):
        bad = ~(diff <= allowed)
    both_nan = np.isnan(a64) & np.isnan(e64)
    same_inf = np.isinf(a64) & (a64 == e64)
    bad &= ~(same_inf | (both_nan if equal_nan else False))
    if not bad.any():
        return
    score = np.where(bad, np.nan_to_num(diff - allowed, nan=np.inf), -np.inf)
    worst = np.unravel_index(int(np.argmax(score)), a.shape) if a.ndim else ()
    raise AssertionError(
        f"{prefix}tensors are not close: {int(bad.sum())} of {bad.size} elements differ.\n"
        f"worst at index {tuple(int(i) for i in worst)}: actual {float(a64[worst])!r}, expected {float(e64[worst])!r}, "
        f"|diff| {diff[worst]:.3g} > atol {atol:g} + rtol {rtol:g} * |expected| = {allowed[worst]:.3g}")
