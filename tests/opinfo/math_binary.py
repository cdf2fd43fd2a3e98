"""Registry entries: the README's two-operand elementwise math ops (add sub mul div pow maximum minimum),
with Python and numpy scalars on either side (numpy scalars are "weak" like Python numbers in torch)."""
import operator

import numpy as np

from .core import A, ErrorSample, OpInfo, Sample, T, away, ints, rng_for, t

SYMBOL = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
          "pow": operator.pow}


def _op(sym):
    return lambda L, a, b: sym(a, b)


def _method(name):
    return lambda L, a, b, **kw: getattr(a, name)(b, **kw)


def _makers(name, dt):
    """(left, right) tensor makers: pow's base is positive, div's divisor away from 0."""
    rng = rng_for(name, dt)
    if name == "pow":
        return (lambda s, view=None: t(rng, s, dt, 0.5, 2.0, view=view),
                lambda s, view=None: t(rng, s, dt, -1.5, 1.5, view=view))
    if name == "div":
        return (lambda s, view=None: t(rng, s, dt, view=view),
                lambda s, view=None: away(rng, s, dt, 0.5, 2.0, view=view))
    return (lambda s, view=None: t(rng, s, dt, view=view), lambda s, view=None: t(rng, s, dt, view=view))


def _shape_samples(L, R):
    return [
        Sample("same", (L((3, 4)), R((3, 4)))),
        Sample("bcast-row", (L((3, 4)), R((4,)))),
        Sample("bcast-both", (L((2, 1, 3)), R((4, 1)))),
        Sample("0d-and-1d", (L(()), R((3,)))),
        Sample("0d-and-0d", (L(()), R(()))),
        Sample("empty", (L((0, 3)), R((3,)))),
        Sample("size1", (L((1, 1)), R((1,)))),
        Sample("transposed-and-sliced", (L((3, 4), view="T"), R((3, 4), view="step"))),
    ]


def _other_dtype(dt):
    return np.float64 if dt == np.float32 else np.float32


def _mixed_samples(name, dt, L, R):
    """Mixed tensor dtypes: the other float dtype, a 0-d tensor of the other dtype, an int64 tensor."""
    rng = rng_for(name + "/mixed", dt)
    other = _other_dtype(dt)
    lo, hi = (0.5, 2.0) if name in ("pow", "div") else (-2.0, 2.0)
    return [
        Sample("other-float-dtype", (L((2, 3)), t(rng, (2, 3), other, lo, hi))),
        Sample("0d-other-dtype", (L((2, 3)), t(rng, (), other, lo, hi))),
        Sample("0d-other-dtype-left", (t(rng, (), other, lo, hi), R((2, 3)))),
        Sample("int64-tensor", (L((2, 3)), ints(rng, (2, 3), 1, 4))),
    ]


def _scalar_samples(name, dt, L, R):
    """Python and numpy scalars on the right (function and method form) and on the left (operator)."""
    sym = SYMBOL[name]
    s = 1.5 if name in ("pow", "div") else 0.75
    right = [("py-float", s), ("py-int", 2), ("np-float64", np.float64(s)), ("np-float32", np.float32(s)),
             ("np-int64", np.int64(2))]
    out = [Sample(f"tensor-{k}", (L((2, 3)), v)) for k, v in right]
    out += [Sample(f"method-{k}", (L((2, 3)), v), call=_method(name)) for k, v in right[:3]]
    out += [Sample(f"{k}-tensor", (v, R((2, 3))), call=_op(sym)) for k, v in right]
    out += [Sample("operator-tensors", (L((2, 3)), R((2, 3))), call=_op(sym)),
            Sample("0d-np-float64-left", (np.float64(s), R(())), call=_op(sym))]
    return out


def _int_samples(name, dt):
    rng = rng_for(name + "/int", dt)
    a, b = ints(rng, (2, 3), 1, 5), ints(rng, (2, 3), 1, 5)
    out = [Sample("int64-int64", (a, b))]
    if name in SYMBOL:
        out += [Sample("int64-py-float", (a, 0.5)), Sample("int64-np-float64", (a, np.float64(0.5))),
                Sample("int32-np-int64", (ints(rng, (3,), 1, 5, np.int32), np.int64(3)))]
    if name != "sub":  # sub refuses bool tensors (an error sample)
        out.append(Sample("bool-int64", (T(np.array([True, False, True]), False), ints(rng, (3,), 1, 5))))
    if name in ("add", "sub"):
        out.append(Sample("alpha-int", (a, b), {"alpha": 2}))
    return out


def binary_samples(name):
    def samples(dt):
        L, R = _makers(name, dt)
        out = _shape_samples(L, R) + _mixed_samples(name, dt, L, R)
        if name in SYMBOL:
            out += _scalar_samples(name, dt, L, R)
        if name in ("add", "sub"):
            out.append(Sample("alpha-float", (L((2, 3)), R((2, 3))), {"alpha": 0.5}))
        if name == "div":
            rng = rng_for("div/mode", dt)
            for mode in ("trunc", "floor"):
                out.append(Sample(f"rounding-{mode}", (t(rng, (2, 3), dt, -4, 4), away(rng, (2, 3), dt, 0.5, 2.0)),
                                  {"rounding_mode": mode}, gradgrad=False))
        return out + (_int_samples(name, dt) if dt == np.float32 else [])
    return samples


def _shape_error(a, b, **kw):
    return ErrorSample("bad-broadcast", (T(np.ones(a, np.float32), False), T(np.ones(b, np.float32), False)), kw,
                       mentions=(str(a[-1]), str(b[-1])))


def _errors(name):
    f = T(np.ones((2, 3), np.float32), False)
    errors = [_shape_error((2, 3), (4,)), _shape_error((2, 3), (3, 2)),
              ErrorSample("str-operand", (f, "abc")), ErrorSample("list-input", ([1.0], f)),
              ErrorSample("none-operand", (f, None))]
    if name in SYMBOL:
        errors.append(ErrorSample("operator-list", (f, [1.0, 2.0, 3.0]), call=_op(SYMBOL[name])))
    if name in ("maximum", "minimum"):
        errors.append(ErrorSample("python-scalar", (f, 0.5)))
        errors.append(ErrorSample("ndarray-operand", (f, A(np.ones(3)))))
    if name == "sub":
        errors.append(ErrorSample("bool-tensors", (T(np.ones(3, np.bool_), False), T(np.ones(3, np.bool_), False))))
    if name == "div":
        errors.append(ErrorSample("bad-rounding-mode", (f, f), {"rounding_mode": "up"}, mentions=("rounding_mode",)))
    if name in ("add", "sub"):
        ints3 = T(np.ones(3, np.int64), False)
        errors.append(ErrorSample("float-alpha-on-ints", (ints3, ints3),
                                  {"alpha": 0.5}))
    return tuple(errors)


NAMES = ("add", "sub", "mul", "div", "pow", "maximum", "minimum")
OPS = [OpInfo(name, binary_samples(name), errors=_errors(name)) for name in NAMES]
