"""The hypothesis strategies of tinygrad_edu.testing (imported from there; this module needs hypothesis).

Shapes, broadcastable groups, arrays and tensors (any dtype, contiguous or strided in memory),
inputs in an op's domain (positive, away_from, unit_interval, distinct) and check_op, which runs
gradcheck and gradgradcheck (backward and/or forward mode) on drawn inputs and reports the shrunk
counterexample.
"""
import math

import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu
from . import dtypes as _dt

__all__ = ["shapes", "broadcastable_shapes", "broadcastable_pairs", "broadcastable_groups", "arrays", "tensors",
           "positive", "away_from", "unit_interval", "distinct", "float_dtypes", "layouts", "broadcastable_tensors",
           "check_op"]

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


LAYOUTS = ("contiguous", "transposed", "sliced")


def _lay_out(a, layout):
    """The same values as `a` in another memory layout: dims reversed in memory ("transposed", i.e.
    Fortran order) or every other element of a bigger buffer, starting one element in ("sliced")."""
    if layout == "transposed" and a.ndim > 1:
        return np.ascontiguousarray(a.T).T
    if layout == "sliced" and a.ndim:
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1] + 1,), a.dtype)
        big[..., 1::2] = a
        return big[..., 1::2]
    return a


def layouts():
    """The memory layouts `tensors(layout=...)` knows: contiguous, transposed, sliced (with an offset)."""
    return st.sampled_from(LAYOUTS)


def tensors(shape=None, dtype=None, min_value=-3.0, max_value=3.0, requires_grad=True, avoid=None,
            distinct=False, layout="contiguous"):
    """tinygrad_edu tensors: `shape` is a tuple, a strategy of tuples, or None for `shapes(max_dims=3,
    max_side=4)`; dtype (a dtype or a strategy of dtypes, e.g. `float_dtypes()`) defaults to
    tinygrad_edu.float64 (what gradcheck needs). requires_grad is only set on floating dtypes.
    layout: "contiguous", "transposed", "sliced", "any" (one of the three) or a strategy of them;
    non-contiguous tensors are leaves whose memory really is strided (gradcheck perturbs them in
    place). See `arrays` for min_value, max_value, avoid and distinct."""
    dtype = tinygrad_edu.float64 if dtype is None else dtype
    if not isinstance(dtype, st.SearchStrategy):
        dtype = st.just(dtype)
    layout = layouts() if layout == "any" else layout
    if not isinstance(layout, st.SearchStrategy):
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS} or 'any', got {layout!r}")
        layout = st.just(layout)
    shape = shapes(max_dims=3, max_side=4) if shape is None else shape

    def build(dt, lay):
        np_dtype = _dt.to_numpy_dtype(dt)
        grad = requires_grad and np_dtype.kind == "f"
        return arrays(shape, np_dtype, min_value, max_value, avoid, distinct).map(
            lambda a: tinygrad_edu.from_numpy(_lay_out(a, lay)).requires_grad_(grad))
    return st.tuples(dtype, layout).flatmap(lambda t: build(*t))


# ---- inputs in an op's domain ----------------------------------------------------------------------------
def positive(shape=None, min_value=0.1, max_value=3.0, **kw):
    """Tensors with values in [min_value, max_value] > 0: for log, sqrt, rsqrt, pow with a real exponent."""
    if min_value <= 0:
        raise ValueError(f"positive: min_value must be > 0, got {min_value}")
    return tensors(shape, min_value=min_value, max_value=max_value, **kw)


def away_from(points, shape=None, margin=0.1, min_value=-3.0, max_value=3.0, **kw):
    """Tensors whose values stay at least `margin` from each of `points` (a number or a list): keeps
    abs/relu/sign off their kink, 1/x and tan off their poles, where finite differences mean nothing."""
    points = [points] if isinstance(points, (int, float)) else list(points)
    return tensors(shape, min_value=min_value, max_value=max_value,
                   avoid=[(p - margin, p + margin) for p in points], **kw)


def unit_interval(shape=None, margin=0.05, **kw):
    """Tensors in [margin, 1 - margin]: for asin, acos, atanh, logit, binary cross-entropy probabilities."""
    return tensors(shape, min_value=margin, max_value=1.0 - margin, **kw)


def distinct(shape=None, min_value=-3.0, max_value=3.0, **kw):
    """Tensors whose values differ pairwise by at least 1/64: for max, min, sort, topk, median, whose
    gradient is undefined at ties."""
    return tensors(shape, min_value=min_value, max_value=max_value, distinct=True, **kw)


def float_dtypes(include=("float64", "float32", "float16")):
    """tinygrad_edu floating dtypes (gradcheck itself wants float64; the others test dtype rules)."""
    return st.sampled_from([getattr(tinygrad_edu, name) for name in include])


def broadcastable_groups(n, min_dims=0, max_dims=3, max_side=4):
    """Tuples of `n` shapes (any n >= 1) that broadcast together, including 0-d and size-1 dims."""
    if n < 1:
        raise ValueError(f"broadcastable_groups needs n >= 1, got {n}")
    return hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=min_dims, max_dims=max_dims,
                                             max_side=max_side).map(lambda b: tuple(b.input_shapes))


def broadcastable_tensors(n, min_dims=0, max_dims=3, max_side=4, **kw):
    """Tuples of `n` tensors whose shapes broadcast together; `kw` goes to `tensors` for each."""
    return broadcastable_groups(n, min_dims, max_dims, max_side).flatmap(
        lambda shapes_: st.tuples(*(tensors(s, **kw) for s in shapes_)))


# ---- check_op: gradcheck and gradgradcheck under hypothesis ----------------------------------------------
_MODES = ("reverse", "forward")


def _describe(args):
    return "\n".join(f"  input {i}: {a!r}" + (f"  (shape {tuple(a.shape)}, {a.dtype}, strides {a.stride()})"
                                              if isinstance(a, tinygrad_edu.Tensor) else "")
                     for i, a in enumerate(args))


_CHECKS = {  # (mode, order): (what the message calls it, check, the keywords that select the mode)
    ("reverse", 1): ("gradcheck (first derivatives)", "gradcheck", {}),
    ("reverse", 2): ("gradgradcheck (second derivatives)", "gradgradcheck", {}),
    ("forward", 1): ("gradcheck with forward-mode AD (first derivatives, check_forward_ad)", "gradcheck",
                     {"check_forward_ad": True, "check_backward_ad": False}),
    ("forward", 2): ("gradgradcheck forward-over-reverse (second derivatives, check_fwd_over_rev)", "gradgradcheck",
                     {"check_fwd_over_rev": True, "check_rev_over_rev": False, "check_undefined_grad": False}),
}


def _checks(modes, orders):
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    unknown = [m for m in modes if m not in _MODES]
    if unknown or not modes:
        raise ValueError(f"check_op: modes must be a non-empty subset of {_MODES}, got {modes!r}")
    if orders not in (1, 2):
        raise ValueError(f"check_op: orders must be 1 (gradcheck) or 2 (gradcheck and gradgradcheck), got {orders!r}")
    return [(mode, order) for mode in modes for order in range(1, orders + 1)]


def check_op(fn, *strategies, orders=2, modes=("reverse",), settings=None, **gradcheck_kw):
    """Check fn's derivatives on inputs drawn from `strategies` (one per positional argument of fn; a
    strategy drawing a tuple, such as broadcastable_tensors(n), gives n arguments):
    gradcheck (order 1) and, with orders=2, gradgradcheck too, for each of `modes`: "reverse"
    (backward) and "forward" (forward-mode AD: gradcheck's check_forward_ad, and at order 2 the
    forward-over-reverse check_fwd_over_rev, so fn's `jvp` is checked). On a failure hypothesis
    shrinks the inputs, and the GradcheckError raised names the check and shows the smallest failing
    inputs above gradcheck's own message (they are also its `counterexample` attribute, the order
    its `order`, the mode its `mode`). Runs under the loaded hypothesis profile unless `settings` is
    given; `gradcheck_kw` (atol, rtol, eps, fast_mode, ...) goes to every check.

        check_op(MyLog.apply, positive())
        check_op(torch.maximum, *[distinct(shape=(3,))] * 2, orders=1)
        check_op(MyExp.apply, tensors(), modes=("reverse", "forward"))   # MyExp defines jvp
    """
    from . import autograd
    if not strategies:
        raise TypeError("check_op needs at least one strategy (one per input of fn)")
    checks = _checks(modes, orders)
    failing = {}

    @given(st.tuples(*strategies))
    def property_(drawn):
        args = tuple(a for d in drawn for a in (d if isinstance(d, (tuple, list)) else (d,)))
        for mode, order in checks:
            _, check, kw = _CHECKS[mode, order]
            try:
                getattr(autograd, check)(fn, args, **kw, **gradcheck_kw)
            except autograd.GradcheckError as e:
                failing.update(order=order, mode=mode, args=args, error=e)   # the last failure is the shrunk one
                raise

    if settings is not None:
        property_ = settings(property_)
    try:
        property_()
    except autograd.GradcheckError:
        if not failing:
            raise
        owner = getattr(getattr(fn, "__self__", None), "__name__", None)   # MyFunction.apply
        name = f"{owner}.{fn.__name__}" if owner else getattr(fn, "__qualname__", repr(fn))
        what = _CHECKS[failing["mode"], failing["order"]][0]
        error = autograd.GradcheckError(f"check_op({name}): {what} fails; smallest failing inputs found:\n"
                                        f"{_describe(failing['args'])}\n{failing['error']}")
        error.counterexample, error.order, error.mode = failing["args"], failing["order"], failing["mode"]
        raise error from failing["error"]
