"""Test helpers: hypothesis strategies for shapes/arrays/tensors and `assert_close`.

This is how tinygrad_edu's own op tests are written, and how you can test an op of your own
(a custom `tinygrad_edu.autograd.Function`) against finite differences:

    from hypothesis import given
    import tinygrad_edu
    from tinygrad_edu.autograd import gradcheck
    from tinygrad_edu.testing import broadcastable_pairs, tensors, shapes

    @given(tensors(shapes(max_dims=3, max_side=4), min_value=0.1, max_value=3))
    def test_my_log(x):
        assert gradcheck(MyLog.apply, (x,))

    @given(broadcastable_pairs().flatmap(lambda s: st.tuples(tensors(s[0]), tensors(s[1]))))
    def test_my_mul(xy):
        assert gradcheck(MyMul.apply, xy)

It imports hypothesis (a test dependency), so `import tinygrad_edu` does not import this module;
`tinygrad_edu.testing` loads it on first use. `assert_close` is torch.testing.assert_close's idea:
same shape, same dtype, |actual - expected| <= atol + rtol * |expected| element-wise.
"""
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu
from . import dtypes as _dt
from .tensor import Tensor

__all__ = ["shapes", "broadcastable_shapes", "broadcastable_pairs", "arrays", "tensors", "assert_close"]

_GRID = 1 / 64  # spacing of `distinct` values: exact in binary and far wider than gradcheck's eps


def shapes(min_dims=0, max_dims=4, min_side=1, max_side=5):
    """Tensor shapes (tuples) with min_dims..max_dims dims of size min_side..max_side; () is 0-d."""
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def broadcastable_shapes(shape, max_extra_dims=1, max_side=4):
    """Shapes that broadcast with `shape`: some leading dims dropped (down to 0-d), some dims set to 1,
    and up to `max_extra_dims` new leading dims added (so either side of a pair may be the larger)."""
    shape = tuple(shape)

    @st.composite
    def build(draw):
        keep = draw(st.integers(0, len(shape)))
        tail = [draw(st.sampled_from((n, 1))) for n in shape[len(shape) - keep:]]
        extra = draw(st.lists(st.integers(1, max_side), max_size=max_extra_dims)) if keep == len(shape) else []
        return tuple(extra + tail)
    return build()


def broadcastable_pairs(min_dims=0, max_dims=3, max_side=4):
    """Pairs (shape_a, shape_b) that broadcast together, in either order, incl. 0-d and size-1 dims."""
    def pair(s):
        return st.tuples(st.just(s), broadcastable_shapes(s, max_side=max_side), st.booleans()).map(
            lambda t: (t[1], t[0]) if t[2] else (t[0], t[1]))
    return shapes(min_dims, max_dims, 1, max_side).flatmap(pair)


def _pieces(min_value, max_value, avoid):
    """[min_value, max_value] minus the open intervals in `avoid`, as a list of closed pieces."""
    if avoid is None:
        return [(min_value, max_value)]
    intervals = list(avoid) if isinstance(avoid[0], (tuple, list)) else [avoid]
    pieces = [(min_value, max_value)]
    for lo, hi in intervals:
        pieces = [p for a, b in pieces for p in ((a, min(b, lo)), (max(a, hi), b)) if p[0] <= p[1]]
    if not pieces:
        raise ValueError(f"nothing is left of [{min_value}, {max_value}] after removing {avoid}")
    return pieces


def _elements(min_value, max_value, avoid, distinct, integer):
    pieces = _pieces(min_value, max_value, avoid)
    if integer:
        return st.one_of([st.integers(math.ceil(a), math.floor(b)) for a, b in pieces])
    if distinct:  # values on a grid, so that "distinct" means apart by at least _GRID
        return st.one_of([st.integers(math.ceil(a / _GRID), math.floor(b / _GRID)).map(lambda k: k * _GRID)
                          for a, b in pieces])
    return st.one_of([st.floats(a, b, allow_nan=False, allow_infinity=False) for a, b in pieces])


def arrays(shape, dtype=np.float64, min_value=-3.0, max_value=3.0, avoid=None, distinct=False):
    """numpy arrays of `shape` (a tuple or a strategy of tuples) with finite values in [min_value, max_value].

    avoid: an open interval (lo, hi), or a list of them, the values stay out of, e.g. (-0.1, 0.1) to
    keep |x| or 1/x away from its kink/pole, where finite differences are meaningless.
    distinct: all values different by at least 1/64 (for max/min/sort, whose gradient is undefined at
    ties). Integer dtypes draw integers, bool draws booleans.
    """
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        elements = st.booleans()
    else:
        elements = _elements(min_value, max_value, avoid, distinct, dtype.kind in "iu")
    if not isinstance(shape, st.SearchStrategy):
        shape = st.just(tuple(shape))
    return shape.flatmap(lambda s: hnp.arrays(dtype, s, elements=elements, unique=distinct))


def tensors(shape=None, dtype=None, min_value=-3.0, max_value=3.0, requires_grad=True, avoid=None,
            distinct=False):
    """tinygrad_edu tensors: `shape` is a tuple, a strategy of tuples, or None for `shapes(max_dims=3,
    max_side=4)`; dtype defaults to tinygrad_edu.float64 (what gradcheck needs). requires_grad is only
    set on floating dtypes. See `arrays` for min_value, max_value, avoid and distinct."""
    dtype = tinygrad_edu.float64 if dtype is None else dtype
    np_dtype = _dt.to_numpy_dtype(dtype)
    shape = shapes(max_dims=3, max_side=4) if shape is None else shape
    grad = requires_grad and np_dtype.kind == "f"
    return arrays(shape, np_dtype, min_value, max_value, avoid, distinct).map(
        lambda a: tinygrad_edu.tensor(a, requires_grad=grad))


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
