"""Registry entries: the long tail of element-wise ops (README row "math, more"): one-input ops (expm1 ...
erfinv), two-operand ops (fmod ... float_power) and the three-operand addcmul, addcdiv, lerp."""
import numpy as np

from .core import A, ErrorSample, OpInfo, Sample, T, away, ints, rng_for, t

# the domain each one-input op is sampled on: (lo, hi) for t(), or "away" (|x| in [0.3, 2), both signs)
UNARY = {
    "expm1": (-2.0, 2.0), "exp2": (-2.0, 2.0), "trunc": (-3.0, 3.0), "fix": (-3.0, 3.0), "frac": (-3.0, 3.0),
    "logit": (0.05, 0.95), "erfinv": (-0.9, 0.9), "nan_to_num": (-2.0, 2.0), "sgn": "away", "absolute": "away",
    "positive": (-2.0, 2.0), "square": (-2.0, 2.0), "reciprocal": "away", "signbit": "away",
}
NO_GRAD = {"signbit", "heaviside"}
INT_REFUSED = {"frac"}  # torch refuses integer input


def _maker(name, dt, domain):
    rng = rng_for(name, dt)
    if domain == "away":
        return rng, (lambda shape, view=None: away(rng, shape, dt, view=view))
    lo, hi = domain
    return rng, (lambda shape, view=None: t(rng, shape, dt, lo, hi, view=view))


def _method(name):
    return lambda L, x, *a, **k: getattr(x, name)(*a, **k)


def unary_samples(name):
    def samples(dt):
        rng, mk = _maker(name, dt, UNARY[name])
        out = [Sample("2d", (mk((3, 4)),)), Sample("0d", (mk(()),)), Sample("empty", (mk((0, 3)),)),
               Sample("size1", (mk((1, 1)),)), Sample("transposed", (mk((3, 4), view="T"),)),
               Sample("sliced", (mk((2, 3), view="step"),)), Sample("method", (mk((4,)),), call=_method(name))]
        if dt == np.float32 and name not in INT_REFUSED:
            out += [Sample("int64", (ints(rng, (2, 3), -3, 4),)), Sample("int32-0d", (ints(rng, (), -3, 4, np.int32),))]
        if name == "logit":
            out += [Sample("eps", (t(rng, (3, 4), dt, -0.2, 1.2),), {"eps": 0.1}, fd=False, gradgrad=False),
                    Sample("eps-inside", (mk((3, 4)),), {"eps": 1e-6})]
        if name == "nan_to_num":
            special = np.array([[np.nan, np.inf, -np.inf, 1.5], [0.5, -2.0, np.nan, 3.0]], dtype=dt)
            out += [Sample("specials", (T(special),), fd=False),
                    Sample("specials-values", (T(special),), {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}, fd=False)]
        if name in ("trunc", "fix", "frac"):
            out.append(Sample("halves", (T(np.array([-2.5, -0.5, 0.5, 1.5], dtype=dt)),), fd=False))
        return out
    return samples


def _unary_errors(name):
    errors = [ErrorSample("list-input", ([1.0, 2.0],)), ErrorSample("ndarray-input", (A(np.ones(3)),))]
    if name in INT_REFUSED:
        errors.append(ErrorSample("int64-input", (T(np.ones(3, np.int64), False),)))
    if name in ("frac", "trunc", "fix", "positive", "absolute"):
        errors.append(ErrorSample("bool-input", (T(np.ones(3, np.bool_), False),)))
    return tuple(errors)


# two operands: (left domain, right domain); "away" keeps a divisor away from 0
BINARY = {
    "fmod": ((-3.0, 3.0), "away"), "remainder": ((-3.0, 3.0), "away"), "true_divide": ((-2.0, 2.0), "away"),
    "hypot": ((-2.0, 2.0), "away"), "logaddexp": ((-3.0, 3.0), (-3.0, 3.0)), "logaddexp2": ((-3.0, 3.0), (-3.0, 3.0)),
    "xlogy": ((-2.0, 2.0), (0.3, 3.0)), "copysign": ("away", "away"), "fmax": ((-2.0, 2.0), (-2.0, 2.0)),
    "fmin": ((-2.0, 2.0), (-2.0, 2.0)), "heaviside": ("away", (-1.0, 1.0)), "float_power": ((0.5, 2.0), (-1.5, 1.5)),
}
SCALARS_OK = {"fmod", "remainder", "true_divide", "xlogy", "copysign", "float_power"}  # a number as `other`
FLOAT_ONLY = {"hypot", "logaddexp", "logaddexp2"}


def _binary_makers(name, dt):
    rng = rng_for(name, dt)
    makers = []
    for domain in BINARY[name]:
        makers.append(_maker(name + str(len(makers)), dt, domain)[1])
    return rng, makers


def binary_samples(name):
    def samples(dt):
        rng, (L, R) = _binary_makers(name, dt)
        out = [Sample("same", (L((3, 4)), R((3, 4)))), Sample("bcast-row", (L((3, 4)), R((4,)))),
               Sample("bcast-both", (L((2, 1, 3)), R((4, 1)))), Sample("0d-and-1d", (L(()), R((3,)))),
               Sample("0d-and-0d", (L(()), R(()))), Sample("empty", (L((0, 3)), R((3,)))),
               Sample("size1", (L((1, 1)), R((1,)))),
               Sample("transposed-and-sliced", (L((3, 4), view="T"), R((3, 4), view="step"))),
               Sample("method", (L((2, 3)), R((2, 3))), call=_method(name))]
        if name != "heaviside":  # heaviside refuses mixed dtypes
            other = np.float64 if dt == np.float32 else np.float32
            out.append(Sample("other-float-dtype", (L((2, 3)), T(R((2, 3)).array.astype(other)))))
            out.append(Sample("0d-other-dtype", (L((2, 3)), T(R(()).array.astype(other)))))
        if name in SCALARS_OK:
            s = 1.25 if name != "xlogy" else 1.5
            out += [Sample("tensor-py-float", (L((2, 3)), s)), Sample("tensor-np-float64", (L((2, 3)), np.float64(s))),
                    Sample("tensor-py-int", (L((2, 3)), 2))]
            if name not in ("fmod", "copysign"):  # torch refuses a number as their first operand
                out.append(Sample("py-float-tensor", (2.5, R((2, 3))), grad=name != "remainder"))
        if dt == np.float32:
            lo = 1 if name in ("fmod", "remainder", "xlogy") else -3
            a, b = ints(rng, (2, 3), -4, 5), ints(rng, (2, 3), lo, 5)
            if name not in FLOAT_ONLY:
                out.append(Sample("int64-int64", (a, b)))
            if name not in ("heaviside",):
                out.append(Sample("float-int64", (L((2, 3)), b)))
        return out
    return samples


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def _binary_errors(name):
    errors = [ErrorSample("bad-broadcast", (_f((2, 3)), _f((4,))), mentions=("3", "4")),
              ErrorSample("str-operand", (_f((2, 3)), "abc")), ErrorSample("list-input", ([1.0], _f((2, 3))))]
    if name not in SCALARS_OK:
        errors.append(ErrorSample("python-scalar", (_f((2, 3)), 0.5)))
    if name in FLOAT_ONLY:
        errors.append(ErrorSample("int64-tensors", (_f((3,), np.int64), _f((3,), np.int64))))
    if name in ("fmod", "remainder"):
        errors.append(ErrorSample("int-division-by-zero", (_f((3,), np.int64), T(np.zeros(3, np.int64), False))))
        errors.append(ErrorSample("bool-tensors", (_f((3,), np.bool_), _f((3,), np.bool_))))
    if name == "heaviside":
        errors.append(ErrorSample("mixed-dtypes", (_f((3,)), _f((3,), np.float64)), mentions=("dtypes",)))
    return tuple(errors)


def ternary_samples(name):
    def samples(dt):
        rng = rng_for(name, dt)
        x = lambda shape, view=None, lo=-2.0, hi=2.0: t(rng, shape, dt, lo, hi, view=view)  # noqa: E731
        d = (lambda shape, view=None: away(rng, shape, dt, 0.5, 2.0, view=view)) if name == "addcdiv" else x
        if name == "lerp":
            w = lambda shape, view=None: t(rng, shape, dt, -0.5, 1.5, view=view)  # noqa: E731
            out = [Sample("scalar-weight", (x((3, 4)), x((3, 4)), 0.3)),
                   Sample("scalar-weight-big", (x((3, 4)), x((4,)), 0.8)),
                   Sample("np-weight", (x((2, 3)), x((2, 3)), np.float64(0.6))),
                   Sample("tensor-weight", (x((3, 4)), x((3, 4)), w((3, 4)))),
                   Sample("tensor-weight-bcast", (x((2, 1, 3)), x((4, 1)), w((3,)))),
                   Sample("0d", (x(()), x(()), w(()))), Sample("empty", (x((0, 3)), x((3,)), 0.5)),
                   Sample("size1", (x((1, 1)), x((1,)), w((1,)))),
                   Sample("non-contiguous", (x((3, 4), "T"), x((3, 4), "step"), w((3, 4), "T"))),
                   Sample("method", (x((2, 3)), x((2, 3)), w((2, 3))), call=_method("lerp"))]
            other = np.float64 if dt == np.float32 else np.float32
            # torch computes the gradient factors (1 - w, w) in the weight's own dtype: float32 precision
            out.append(Sample("0d-weight-other-dtype", (x((2, 3)), x((2, 3)), T(w(()).array.astype(other))),
                              grad=dt == np.float32))
            return out
        out = [Sample("same", (x((3, 4)), x((3, 4)), d((3, 4)))),
               Sample("value", (x((3, 4)), x((3, 4)), d((3, 4))), {"value": 0.5}),
               Sample("bcast", (x((2, 1, 3)), x((4, 1)), d((3,))), {"value": -2}),
               Sample("0d", (x(()), x(()), d(()))), Sample("empty", (x((0, 3)), x((3,)), d((0, 1)))),
               Sample("size1", (x((1, 1)), x((1,)), d((1,)))),
               Sample("non-contiguous", (x((3, 4), "T"), x((3, 4), "step"), d((3, 4), "T"))),
               Sample("method", (x((2, 3)), x((2, 3)), d((2, 3))), {"value": 2.0}, call=_method(name))]
        other = np.float64 if dt == np.float32 else np.float32
        # torch computes v / t2 in t2's own dtype for the gradient: float32 precision in a float64 result
        out.append(Sample("mixed-dtypes", (x((2, 3)), T(x((2, 3)).array.astype(other)), d((2, 3))),
                          grad=name == "addcmul" or dt == np.float64))
        if dt == np.float32:
            out.append(Sample("int-tensor1", (x((2, 3)), ints(rng, (2, 3), 1, 4), d((2, 3)))))
            if name == "addcmul":
                i = ints(rng, (2, 3), -3, 4)
                out.append(Sample("int64", (i, ints(rng, (2, 3), -3, 4), i), {"value": 2}))
        return out
    return samples


def _ternary_errors(name):
    f = _f((2, 3))
    errors = [ErrorSample("bad-broadcast", (f, f, _f((4,))), mentions=("3", "4")),
              ErrorSample("list-input", ([1.0], f, f))]
    if name == "lerp":
        errors += [ErrorSample("int64", (_f((3,), np.int64), _f((3,), np.int64), 0.5)),
                   ErrorSample("end-other-dtype", (_f((3,)), _f((3,), np.float64), 0.5), mentions=("end",)),
                   ErrorSample("weight-other-dtype", (_f((3,)), _f((3,)), _f((3,), np.float64)), mentions=("weight",)),
                   ErrorSample("str-weight", (_f((3,)), _f((3,)), "a"))]
    if name == "addcdiv":
        i = _f((3,), np.int64)
        errors.append(ErrorSample("int-division", (_f((3,)), i, i), mentions=("addcdiv",)))
    return tuple(errors)


def clamp_side_samples(name):
    def samples(dt):
        rng = rng_for(name, dt)
        x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
        b = lambda shape: T(np.asarray(rng.uniform(-1.0, 1.0, shape), dtype=dt))  # noqa: E731
        out = [Sample("number", (x((3, 4)), 0.25)), Sample("np-float64", (x((2, 3)), np.float64(-0.5))),
               Sample("py-int", (x((2, 3)), 1)), Sample("tensor-bound", (x((3, 4)), b((4,)))),
               Sample("0d", (x(()), b(()))), Sample("empty", (x((0, 3)), 0.5)), Sample("size1", (x((1, 1)), b((1,)))),
               Sample("non-contiguous", (x((3, 4), "T"), 0.1)), Sample("method", (x((2, 3)), 0.2), call=_method(name)),
               Sample("keyword", (x((2, 3)),), {name.split("_")[1]: 0.3})]
        if dt == np.float32:
            i = ints(rng, (2, 3), -3, 4)
            out += [Sample("int64-int", (i, 1)), Sample("int64-float", (i, 0.5))]
        return out
    return samples


def close_samples(name):
    def samples(dt):
        rng = rng_for(name, dt)
        a = np.asarray(rng.uniform(-1, 1, (3, 4)), dtype=dt)
        near = (a * (1 + np.where(rng.rand(3, 4) < 0.5, 1e-7, 1e-3))).astype(dt)
        special = np.array([np.nan, np.inf, -np.inf, 1.0], dtype=dt)
        out = [Sample("near", (T(a, False), T(near, False))), Sample("rtol", (T(a, False), T(near, False)), {"rtol": 1e-2}),
               Sample("atol", (T(a, False), T(near, False)), {"atol": 1e-2, "rtol": 0.0}),
               Sample("bcast", (T(a, False), T(near[0], False))),
               Sample("specials", (T(special, False), T(special[::-1].copy(), False))),
               Sample("equal-nan", (T(special, False), T(special, False)), {"equal_nan": True}),
               Sample("0d", (T(np.asarray(a[0, 0]), False), T(np.asarray(near[0, 0]), False))), Sample("empty", (T(a[:0], False), T(a[:0], False))),
               Sample("size1", (T(a[:1, :1], False), T(near[:1, :1], False))),
               Sample("non-contiguous", (T(a, False, "T"), T(near, False, "T"))),
               Sample("method", (T(a, False), T(near, False)), call=_method(name))]
        if dt == np.float32:
            i = np.arange(6).reshape(2, 3)
            out.append(Sample("int64", (T(i, False), T(i + (i > 3), False))))
        return out
    return samples


_CLOSE_ERRORS = (ErrorSample("dtype-mismatch", (_f((3,)), _f((3,), np.float64)), mentions=("Float", "Double")),
                 ErrorSample("number-other", (_f((3,)), 1.0)), ErrorSample("bad-broadcast", (_f((2, 3)), _f((4,)))))
_CLAMP_ERRORS = (ErrorSample("list-input", ([1.0], 0.5)), ErrorSample("no-bound", (_f((3,)),)),
                 ErrorSample("str-bound", (_f((3,)), "a")))

OPS = ([OpInfo(n, unary_samples(n), errors=_unary_errors(n), grad=n not in NO_GRAD) for n in UNARY]
       + [OpInfo(n, binary_samples(n), errors=_binary_errors(n), grad=n not in NO_GRAD) for n in BINARY]
       + [OpInfo(n, ternary_samples(n), errors=_ternary_errors(n)) for n in ("addcmul", "addcdiv", "lerp")]
       + [OpInfo(n, clamp_side_samples(n), errors=_CLAMP_ERRORS) for n in ("clamp_min", "clamp_max")]
       + [OpInfo(n, close_samples(n), errors=_CLOSE_ERRORS, grad=False) for n in ("isclose", "allclose")])
