"""Registry entries: the README's elementwise unary math ops (exp ... sign)."""
import numpy as np

from .core import A, ErrorSample, OpInfo, Sample, away, ints, rng_for, t

# the domain each op is sampled on: (lo, hi) for t(), or "away" for ops with a kink at 0
DOMAINS = {
    "exp": (-2.0, 2.0), "log": (0.3, 3.0), "log1p": (-0.5, 2.0), "sqrt": (0.3, 3.0), "rsqrt": (0.3, 3.0),
    "sin": (-3.0, 3.0), "cos": (-3.0, 3.0), "tanh": (-2.0, 2.0), "sigmoid": (-3.0, 3.0),
    "relu": "away", "abs": "away", "sign": "away",
}
# the functions of ops/trig.py (registered in math_trig.py)
DOMAINS.update({
    "log2": (0.3, 3.0), "log10": (0.3, 3.0), "tan": (-1.2, 1.2), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9),
    "atan": (-3.0, 3.0), "sinh": (-2.0, 2.0), "cosh": (-2.0, 2.0), "asinh": (-3.0, 3.0), "acosh": (1.2, 3.0),
    "atanh": (-0.9, 0.9),
})


def _maker(name, dt):
    rng = rng_for(name, dt)
    domain = DOMAINS[name]
    if domain == "away":
        return lambda shape, view=None: away(rng, shape, dt, view=view)
    lo, hi = domain
    return lambda shape, view=None: t(rng, shape, dt, lo, hi, view=view)


def _method(name):
    return lambda L, x: getattr(x, name)()


def unary_samples(name):
    def samples(dt):
        mk = _maker(name, dt)
        out = [
            Sample("2d", (mk((3, 4)),)),
            Sample("0d", (mk(()),)),
            Sample("empty", (mk((0, 3)),)),
            Sample("size1", (mk((1, 1)),)),
            Sample("3d", (mk((2, 1, 3)),)),
            Sample("transposed", (mk((3, 4), view="T"),)),
            Sample("sliced", (mk((2, 3), view="step"),)),
            Sample("method", (mk((4,)),), call=_method(name)),
        ]
        if dt == np.float32:
            low = -3.0 if DOMAINS[name] == "away" else DOMAINS[name][0]
            lo = 1 if low > 0 else (0 if low > -1 else -3)
            rng = rng_for(name + "/int", dt)
            out += [Sample("int64", (ints(rng, (2, 3), lo, 4),)),
                    Sample("int32-0d", (ints(rng, (), lo, 4, np.int32),))]
        return out
    return samples


def _unary_errors(name):
    return (ErrorSample("list-input", ([1.0, 2.0],)), ErrorSample("str-input", ("abc",)),
            ErrorSample("ndarray-input", (A(np.ones(3)),)), ErrorSample("no-input", ()))


UNARY_NAMES = ("exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "sign")

OPS = [OpInfo(name, unary_samples(name), errors=_unary_errors(name)) for name in UNARY_NAMES]

