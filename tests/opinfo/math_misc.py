"""Registry entries: the README's matrix products (matmul mm bmm) and where, clamp."""
import numpy as np

from .core import ErrorSample, OpInfo, Sample, T, ints, mask, rng_for, t


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def _mat(pairs, dt, name):
    rng = rng_for(name, dt)
    return [Sample(label, (t(rng, a, dt, view=va), t(rng, b, dt, view=vb))) for label, a, va, b, vb in pairs]


def matmul_samples(dt):
    pairs = [("1d-1d", (3,), None, (3,), None), ("2d-1d", (2, 3), None, (3,), None),
             ("1d-2d", (3,), None, (3, 4), None), ("2d-2d", (2, 3), None, (3, 4), None),
             ("3d-2d", (2, 2, 3), None, (3, 4), None), ("1d-3d", (3,), None, (2, 3, 4), None),
             ("bcast-batch", (2, 1, 2, 3), None, (3, 3, 2), None), ("empty", (0, 3), None, (3, 2), None),
             ("empty-inner", (2, 0), None, (0, 3), None), ("size1", (1, 1), None, (1, 1), None),
             ("transposed-and-sliced", (3, 4), "T", (4, 2), "step")]
    out = _mat(pairs, dt, "matmul")
    rng = rng_for("matmul/forms", dt)
    out += [Sample("operator", (t(rng, (2, 3), dt), t(rng, (3, 2), dt)), call=lambda L, a, b: a @ b),
            Sample("method", (t(rng, (2, 3), dt), t(rng, (3,), dt)), call=lambda L, a, b: a.matmul(b))]
    if dt == np.float32:
        out.append(Sample("int64", (ints(rng, (2, 3), -3, 4), ints(rng, (3, 2), -3, 4))))
    return out


def mm_samples(dt):
    pairs = [("2d-2d", (2, 3), None, (3, 4), None), ("empty", (0, 3), None, (3, 2), None),
             ("empty-inner", (2, 0), None, (0, 3), None), ("size1", (1, 1), None, (1, 1), None),
             ("transposed", (3, 4), "T", (4, 2), None), ("sliced", (2, 3), None, (3, 2), "step")]
    out = _mat(pairs, dt, "mm")
    rng = rng_for("mm/forms", dt)
    out.append(Sample("method", (t(rng, (2, 3), dt), t(rng, (3, 2), dt)), call=lambda L, a, b: a.mm(b)))
    if dt == np.float32:
        out.append(Sample("int64", (ints(rng, (2, 3), -3, 4), ints(rng, (3, 2), -3, 4))))
    return out


def bmm_samples(dt):
    pairs = [("3d-3d", (2, 2, 3), None, (2, 3, 4), None), ("empty-batch", (0, 2, 3), None, (0, 3, 4), None),
             ("empty-inner", (2, 2, 0), None, (2, 0, 3), None), ("size1", (1, 1, 1), None, (1, 1, 1), None),
             ("transposed-and-sliced", (2, 3, 2), "T", (2, 2, 3), "step")]
    out = _mat(pairs, dt, "bmm")
    rng = rng_for("bmm/forms", dt)
    out.append(Sample("method", (t(rng, (2, 2, 3), dt), t(rng, (2, 3, 2), dt)), call=lambda L, a, b: a.bmm(b)))
    return out


MATMUL_ERRORS = (
    ErrorSample("inner-mismatch", (_f((2, 3)), _f((4, 5))), mentions=("2x3", "4x5")),
    ErrorSample("0d", (_f(()), _f((3,)))),
    ErrorSample("vector-mismatch", (_f((3,)), _f((4,))), mentions=("3", "4")),
    ErrorSample("float32-float64", (_f((2, 3)), _f((3, 2), np.float64))),
    ErrorSample("int-float", (_f((2, 3), np.int64), _f((3, 2)))),
    ErrorSample("str-operand", (_f((2, 3)), "abc")),
)
MM_ERRORS = (
    ErrorSample("1d", (_f((3,)), _f((3, 2)))),
    ErrorSample("3d", (_f((2, 2, 3)), _f((3, 2)))),
    ErrorSample("inner-mismatch", (_f((2, 3)), _f((4, 5))), mentions=("2x3", "4x5")),
    ErrorSample("float32-float64", (_f((2, 3)), _f((3, 2), np.float64))),
    ErrorSample("0d", (_f(()), _f((1, 1)))),
)
BMM_ERRORS = (
    ErrorSample("2d", (_f((2, 3)), _f((3, 2)))),
    ErrorSample("batch-mismatch", (_f((2, 2, 3)), _f((3, 3, 4))), mentions=("[2, 3]", "[3, 3]")),
    ErrorSample("inner-mismatch", (_f((2, 2, 3)), _f((2, 4, 4)))),
    ErrorSample("0d", (_f(()), _f((1, 1, 1)))),
)


def where_samples(dt):
    rng = rng_for("where", dt)
    other = np.float64 if dt == np.float32 else np.float32
    c = lambda shape, view=None: mask(rng, shape, view)  # noqa: E731
    x = lambda shape, view=None, d=dt: t(rng, shape, d, view=view)  # noqa: E731
    out = [
        Sample("same", (c((3, 4)), x((3, 4)), x((3, 4)))),
        Sample("bcast", (c((3, 1)), x((3, 4)), x((4,)))),
        Sample("0d", (c(()), x(()), x(()))),
        Sample("empty", (c((0, 3)), x((0, 3)), x((3,)))),
        Sample("size1", (c((1, 1)), x((1,)), x((1, 1)))),
        Sample("non-contiguous", (c((3, 4), "T"), x((3, 4), "T"), x((3, 4), "step"))),
        Sample("py-float-other", (c((2, 3)), x((2, 3)), 0.5)),
        Sample("np-float64-other", (c((2, 3)), x((2, 3)), np.float64(0.5))),
        Sample("np-float32-input", (c((2, 3)), np.float32(0.5), x((2, 3)))),
        Sample("py-int-input", (c((2, 3)), 2, x((2, 3)))),
        Sample("other-float-dtype", (c((2, 3)), x((2, 3)), x((2, 3), d=other))),
        Sample("0d-other-dtype", (c((2, 3)), x((2, 3)), x((), d=other))),
        Sample("method", (x((2, 3)), c((2, 3)), 0.25), call=lambda L, a, m, b: a.where(m, b)),
    ]
    if dt == np.float32:
        out += [Sample("two-py-floats", (c((2, 3)), 1.0, 0.0)), Sample("two-py-ints", (c((2, 3)), 1, 0)),
                Sample("int64-and-py-float", (c((2, 3)), ints(rng, (2, 3), 0, 5), 0.5)),
                Sample("condition-only", (c((2, 3)),))]
    return out


WHERE_ERRORS = (
    ErrorSample("float-condition", (_f((3,)), _f((3,)), _f((3,))), mentions=("bool",)),
    ErrorSample("bad-broadcast", (T(np.ones(3, bool), False), _f((3,)), _f((2,))), mentions=("3", "2")),
    ErrorSample("str-other", (T(np.ones(3, bool), False), _f((3,)), "abc")),
)


def clamp_samples(dt):
    rng = rng_for("clamp", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    out = [
        Sample("min-max", (x((3, 4)), -0.5, 0.5)),
        Sample("min-only", (x((3, 4)),), {"min": 0.1}),
        Sample("max-only", (x((3, 4)),), {"max": -0.1}),
        Sample("np-float64-min", (x((2, 3)),), {"min": np.float64(0.1)}),
        Sample("np-float32-max", (x((2, 3)),), {"max": np.float32(0.2)}),
        Sample("py-int-bounds", (x((2, 3)), -1, 1)),
        Sample("tensor-bounds", (x((2, 3)),), {"min": x((3,)) , "max": T(rng.uniform(2, 3, (2, 1)).astype(dt))}),
        Sample("0d", (x(()), -0.5, 0.5)),
        Sample("empty", (x((0, 3)), -0.5, 0.5)),
        Sample("size1", (x((1,)), -0.5, 0.5)),
        Sample("transposed", (x((3, 4), "T"), -0.5, 0.5)),
        Sample("sliced", (x((2, 3), "step"), -0.5, 0.5)),
        Sample("min-above-max", (x((2, 3)), 1.0, -1.0)),
        Sample("method", (x((2, 3)), -0.5, 0.5), call=lambda L, a, lo, hi: a.clamp(lo, hi)),
    ]
    if dt == np.float32:
        i = ints(rng, (2, 3), -3, 4)
        out += [Sample("int64-int-bounds", (i, 0, 2)), Sample("int64-float-min", (i,), {"min": 0.5}),
                Sample("int64-np-float64-min", (i,), {"min": np.float64(0.5)})]
    return out


CLAMP_ERRORS = (
    ErrorSample("no-bounds", (_f((3,)),), mentions=("min", "max")),
    ErrorSample("complex-bound", (_f((3,)), 1 + 2j)),
    ErrorSample("str-bound", (_f((3,)), "a")),
)

OPS = [
    OpInfo("matmul", matmul_samples, MATMUL_ERRORS),
    OpInfo("mm", mm_samples, MM_ERRORS),
    OpInfo("bmm", bmm_samples, BMM_ERRORS),
    OpInfo("where", where_samples, WHERE_ERRORS),
    OpInfo("clamp", clamp_samples, CLAMP_ERRORS),
]
