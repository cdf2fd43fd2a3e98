"""Registry entries: the README's logarithms to base 2 and 10, tan, the inverse trigonometric and the
hyperbolic functions (the unary machinery and domains of math_unary.py), and atan2."""
import numpy as np

from .core import ErrorSample, OpInfo, Sample, T, ints, rng_for, t
from .math_unary import _unary_errors, unary_samples

TRIG_NAMES = ("log2", "log10", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh")


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def atan2_samples(dt):
    rng = rng_for("atan2", dt)
    other = np.float64 if dt == np.float32 else np.float32
    x = lambda shape, view=None, d=dt: t(rng, shape, d, view=view)  # noqa: E731
    out = [
        Sample("same", (x((3, 4)), x((3, 4)))),
        Sample("bcast", (x((2, 1, 3)), x((4, 1)))),
        Sample("0d", (x(()), x(()))),
        Sample("0d-and-1d", (x(()), x((3,)))),
        Sample("empty", (x((0, 3)), x((3,)))),
        Sample("size1", (x((1, 1)), x((1,)))),
        Sample("transposed-and-sliced", (x((3, 4), "T"), x((3, 4), "step"))),
        Sample("other-float-dtype", (x((2, 3)), x((2, 3), d=other))),
        Sample("0d-other-dtype", (x((2, 3)), x((), d=other))),
        Sample("0d-other-dtype-left", (x((), d=other), x((2, 3)))),
        Sample("all-quadrants", (T(np.array([1, 1, -1, -1, 0, 2, -2], dt)), T(np.array([1, -1, 1, -1, 2, 0, 0], dt)))),
        Sample("origin", (T(np.zeros(2, dt)), T(np.zeros(2, dt))), fd=False),
        Sample("method", (x((2, 3)), x((2, 3))), call=lambda L, a, b: a.atan2(b)),
        Sample("arctan2", (x((2, 3)), x((2, 3))), call=lambda L, a, b: L.arctan2(a, b)),
    ]
    if dt == np.float32:
        out += [Sample("int64-int64", (ints(rng, (2, 3), -3, 4), ints(rng, (2, 3), -3, 4))),
                Sample("int64-float", (ints(rng, (2, 3), -3, 4), x((2, 3))))]
    return out


ATAN2_ERRORS = (
    ErrorSample("py-float-other", (_f((3,)), 2.0), mentions=("other",)),
    ErrorSample("py-float-input", (2.0, _f((3,))), mentions=("input",)),
    ErrorSample("bad-broadcast", (_f((2,)), _f((3,))), mentions=("2", "3")),
    ErrorSample("list-input", ([1.0], _f((1,)))),
)

OPS = [OpInfo(name, unary_samples(name), errors=_unary_errors(name)) for name in TRIG_NAMES]
OPS.append(OpInfo("atan2", atan2_samples, ATAN2_ERRORS))
