"""Registry entries: the README's diagonals (diag diagonal diag_embed), ravel, meshgrid, Tensor.unfold,
and the index-finding ops (unique nonzero argwhere, which have no gradient)."""
import numpy as np

from .core import ErrorSample, OpInfo, Sample, T, ints, rng_for, t


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def _x(name, dt):
    rng = rng_for(name, dt)
    return rng, (lambda shape, view=None, d=dt: t(rng, shape, d, view=view))


def _method(name):
    return lambda L, x, *a, **k: getattr(x, name)(*a, **k)


def diag_samples(dt):
    rng, x = _x("diag", dt)
    out = [
        Sample("1d", (x((3,)),)), Sample("1d-above", (x((3,)), 1)), Sample("1d-below", (x((3,)), -2)),
        Sample("2d", (x((3, 4)),)), Sample("2d-above", (x((3, 4)), 1)), Sample("2d-below", (x((3, 4)), -1)),
        Sample("2d-past-the-end", (x((3, 4)), 5)), Sample("2d-transposed", (x((3, 4), "T"),)),
        Sample("1d-sliced", (x((3,), "step"), 1)), Sample("1d-empty", (x((0,)),)), Sample("2d-empty", (x((0, 3)),)),
        Sample("size1", (x((1,)),)), Sample("size1-2d", (x((1, 1)),)),
        Sample("method", (x((2, 3)),), {"diagonal": 1}, call=_method("diag")),
    ]
    if dt == np.float32:
        out.append(Sample("int64", (ints(rng, (3,), -3, 4),)))
    return out


DIAG_ERRORS = (
    ErrorSample("3d", (_f((2, 2, 2)),), mentions=("3D",)),
    ErrorSample("0d", (_f(()),), mentions=("0D",)),
    ErrorSample("list-input", ([1.0, 2.0],)),
    ErrorSample("float-diagonal", (_f((3, 3)), 1.5), mentions=("diagonal",)),
)


def diagonal_samples(dt):
    rng, x = _x("diagonal", dt)
    return [
        Sample("2d", (x((3, 4)),)), Sample("above", (x((3, 4)), 1)), Sample("below", (x((3, 4)), -1)),
        Sample("past-the-end", (x((3, 4)), 4)), Sample("3d-dims", (x((2, 3, 4)), 0, 1, 2)),
        Sample("3d-negative-dims", (x((2, 3, 4)),), {"offset": 1, "dim1": -1, "dim2": 0}),
        Sample("empty", (x((0, 3)),)), Sample("size1", (x((1, 1)),)), Sample("transposed", (x((3, 4), "T"), 1)),
        Sample("sliced", (x((3, 3), "step"),)),
        Sample("method", (x((3, 3)),), {"offset": -1}, call=_method("diagonal")),
    ]


DIAGONAL_ERRORS = (
    ErrorSample("same-dims", (_f((3, 3)), 0, 0, 0), mentions=("identical",)),
    ErrorSample("1d", (_f((3,)),), mentions=("[-1, 0]", "1")),
    ErrorSample("float-offset", (_f((3, 3)), 0.5), mentions=("offset",)),
)


def diag_embed_samples(dt):
    rng, x = _x("diag_embed", dt)
    return [
        Sample("2d", (x((2, 3)),)), Sample("1d", (x((3,)),)), Sample("offset-dims", (x((2, 3)), 1, 0, 2)),
        Sample("below-negative-dims", (x((2, 3)),), {"offset": -1, "dim1": -1, "dim2": 0}),
        Sample("empty", (x((0, 3)),)), Sample("empty-last", (x((2, 0)),)), Sample("size1", (x((1, 1)),)),
        Sample("transposed", (x((3, 4), "T"),)), Sample("sliced", (x((2, 3), "step"),)),
        Sample("method", (x((2, 2)), 1), call=_method("diag_embed")),
    ]


DIAG_EMBED_ERRORS = (
    ErrorSample("same-dims", (_f((3,)), 0, 0, 0), mentions=("identical",)),
    ErrorSample("0d", (_f(()),), mentions=("-2",)),
    ErrorSample("dim-out-of-range", (_f((3,)), 0, 0, 2), mentions=("2",)),
)


def ravel_samples(dt):
    rng, x = _x("ravel", dt)
    return [Sample("2d", (x((3, 4)),)), Sample("transposed", (x((3, 4), "T"),)), Sample("sliced", (x((2, 3), "step"),)),
            Sample("0d", (x(()),)), Sample("empty", (x((0, 3)),)), Sample("size1", (x((1, 1)),)),
            Sample("1d", (x((4,)),)), Sample("method", (x((2, 3)),), call=_method("ravel"))]


RAVEL_ERRORS = (ErrorSample("list-input", ([1.0, 2.0],)),)


def meshgrid_samples(dt):
    rng, x = _x("meshgrid", dt)
    return [
        Sample("ij", (x((3,)), x((2,))), {"indexing": "ij"}), Sample("xy", (x((3,)), x((2,))), {"indexing": "xy"}),
        Sample("three-xy", (x((3,)), x((2,)), x((4,))), {"indexing": "xy"}),
        Sample("three-ij", (x((3,)), x((2,)), x((4,))), {"indexing": "ij"}),
        Sample("0d-and-1d", (x(()), x((2,))), {"indexing": "ij"}),
        Sample("empty", (x((0,)), x((2,))), {"indexing": "xy"}), Sample("size1", (x((1,)), x((3,))), {"indexing": "ij"}),
        # large enough (> 4096 elements) that expand gives a view here too: a small expand is a contiguous
        # copy in tinygrad_edu (ops/reduce.py, broadcast_array), a non-contiguous view in torch
        Sample("sliced", (x((100,), "step"), x((50,))), {"indexing": "xy"}, gradgrad=False),
        Sample("list", ([x((3,)), x((2,))],), {"indexing": "ij"}), Sample("one", (x((3,)),), {"indexing": "xy"}),
    ]


MESHGRID_ERRORS = (
    ErrorSample("bad-indexing", (_f((3,)),), {"indexing": "foo"}, mentions=("foo",)),
    ErrorSample("2d", (_f((2, 2)),), {"indexing": "ij"}),
    ErrorSample("mixed-dtypes", (_f((2,)), _f((2,), np.float64)), {"indexing": "ij"}, mentions=("dtype",)),
    ErrorSample("nothing", (), {"indexing": "ij"}, mentions=("non-empty",)),
)


def unfold_samples(dt):
    rng, x = _x("unfold", dt)
    return [
        Sample("1d", (x((8,)), 0, 3, 2)), Sample("3d-middle", (x((2, 5, 3)), 1, 2, 1)),
        Sample("3d-last", (x((2, 5, 3)), -1, 3, 3)), Sample("gaps", (x((7,)), 0, 2, 3)),
        Sample("0d", (x(()), 0, 1, 1)), Sample("0d-window-0", (x(()), -1, 0, 2)), Sample("empty", (x((0, 3)), 1, 2, 1)), Sample("size1", (x((1,)), 0, 1, 1)),
        Sample("window-0", (x((5,)), 0, 0, 1)), Sample("transposed", (x((3, 4), "T"), 0, 2, 1)),
        Sample("sliced", (x((2, 5), "step"), 1, 3, 1)),
    ]


UNFOLD_ERRORS = (
    ErrorSample("too-big", (_f((5,)), 0, 6, 1), mentions=("5", "6")),
    ErrorSample("step-0", (_f((5,)), 0, 2, 0), mentions=("0",)),
    ErrorSample("bad-dim", (_f((5,)), 1, 2, 1), mentions=("[-1, 0]", "1")),
)


def _dups(dt, values):
    return T(np.array(values, dt))


def unique_samples(dt):
    rng, x = _x("unique", dt)
    i = lambda v: T(np.array(v, np.int64), False)  # noqa: E731
    rows = [[1, 2], [1, 2], [0, 5], [3, 1]]
    return [
        Sample("floats", (_dups(dt, [3.0, 1.0, 2.0, 3.0, 1.0, -0.5]),)),
        Sample("inverse-counts", (_dups(dt, [[3.0, 1.0], [1.0, 2.0]]),), {"return_inverse": True, "return_counts": True}),
        Sample("unsorted", (i([5, 3, 9, 3, 1, 7, 5, 0, 2, 8, 8, 4]),), {"sorted": False, "return_counts": True}),
        Sample("dim0", (i(rows),), {"dim": 0, "return_inverse": True, "return_counts": True}),
        Sample("dim1", (i(rows),), {"dim": 1, "return_counts": True}),
        Sample("dim-negative-3d", (T(np.array(rows * 2, dt).reshape(2, 4, 2)),), {"dim": -2, "return_inverse": True}),
        Sample("dim0-1d", (i([2, 1, 2]),), {"dim": 0}),
        Sample("0d", (x(()),), {"return_inverse": True}), Sample("empty", (x((0, 3)),), {"return_counts": True}),
        Sample("size1", (x((1, 1)),)), Sample("transposed", (x((3, 4), "T"),), {"return_inverse": True}),
        Sample("sliced", (x((2, 3), "step"),)), Sample("bool", (T(np.array([True, False, True])),)),
        Sample("method", (_dups(dt, [2.0, 2.0, 1.0]),), {"return_counts": True}, call=_method("unique")),
    ]


UNIQUE_ERRORS = (
    ErrorSample("dim-out-of-range", (T(np.ones((1, 2), np.int64), False),), {"dim": 2}, mentions=("[-2, 1]", "2")),
    ErrorSample("dim-of-0d", (T(np.array(3, np.int64), False),), {"dim": 0}),
    ErrorSample("list-input", ([1, 0],)),
)


def _positions(name):
    def samples(dt):
        rng, x = _x(name, dt)
        z = lambda shape, view=None: T(np.where(rng.rand(*shape) < 0.4, 0, rng.uniform(-2, 2, shape)).astype(dt),  # noqa: E731
                                       view=view)
        out = [Sample("2d", (z((3, 4)),)), Sample("0d-nonzero", (T(np.array(2.5, dt)),)),
               Sample("0d-zero", (T(np.array(0.0, dt)),)), Sample("empty", (z((0, 3)),)),
               Sample("size1", (z((1, 1)),)), Sample("transposed", (z((4, 6), "T"),)), Sample("sliced", (z((3, 4), "step"),)),
               Sample("bool", (T(np.array([[True, False], [False, True]])),)), Sample("int64", (ints(rng, (2, 3), -1, 2),)),
               Sample("inf-counts", (T(np.array([np.inf, 0.0, -np.inf], dt)),)),
               Sample("method", (z((2, 3)),), call=_method(name))]
        if name == "nonzero":
            out += [Sample("as-tuple", (z((3, 4)),), {"as_tuple": True}),
                    Sample("as-tuple-0d", (T(np.array(1.0, dt)),), {"as_tuple": True}),
                    Sample("as-tuple-empty", (z((0, 3)),), {"as_tuple": True}),
                    Sample("method-as-tuple", (z((2, 3)),), {"as_tuple": True}, call=_method(name))]
        return out
    return samples


POSITION_ERRORS = (ErrorSample("list-input", ([1, 0],)),)

OPS = [
    OpInfo("diag", diag_samples, DIAG_ERRORS),
    OpInfo("diagonal", diagonal_samples, DIAGONAL_ERRORS),
    OpInfo("diag_embed", diag_embed_samples, DIAG_EMBED_ERRORS),
    OpInfo("ravel", ravel_samples, RAVEL_ERRORS),
    OpInfo("meshgrid", meshgrid_samples, MESHGRID_ERRORS),
    OpInfo("Tensor.unfold", unfold_samples, UNFOLD_ERRORS),
    OpInfo("unique", unique_samples, UNIQUE_ERRORS, grad=False),
    OpInfo("nonzero", _positions("nonzero"), POSITION_ERRORS, grad=False),
    OpInfo("argwhere", _positions("argwhere"), POSITION_ERRORS, grad=False),
]
