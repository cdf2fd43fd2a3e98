"""Registry entries: the README's random creation functions (rand randn randint randperm normal
manual_seed). The streams differ from torch's by design (README), so results are compared on shape,
dtype, requires_grad and a property each side must have (range, permutation, finiteness), and
manual_seed on reproducibility."""
import numpy as np

from .core import DT, ErrorSample, OpInfo, Sample, T


def _in_range(lo, hi):
    def check(ours, theirs):
        for side, arr in (("ours", ours), ("torch", theirs)):
            assert arr.size == 0 or (arr.min() >= lo and arr.max() < hi), f"{side}: values outside [{lo}, {hi}): {arr}"
    return check


def _finite(ours, theirs):
    assert np.isfinite(ours).all(), f"ours has non-finite values: {ours}"


def _permutation(ours, theirs):
    assert np.array_equal(np.sort(ours.ravel()), np.sort(theirs.ravel())), f"ours {ours} is not a permutation"


def _dtype_kw(dt):
    return {"dtype": DT("float64")} if dt == np.float64 else {}


def uniform_samples(dt):
    d = _dtype_kw(dt)
    return [Sample("varargs", (2, 3), d), Sample("tuple", ((4,),), d), Sample("0d", ((),), d),
            Sample("empty", (0, 2), d),
            Sample("size1", (1, 1), d),
            Sample("requires-grad", (2,), dict(d, requires_grad=True)), Sample("size-kw", (), dict(d, size=(2, 2)))]


def randint_samples(dt):
    out = [Sample("low-high", (-3, 4, (2, 3))), Sample("high-only", (5, (4,))), Sample("empty", (0, 2, (0,))),
           Sample("size-kw", (0, 3), {"size": (2, 2)}), Sample("0d", (0, 3, ())), Sample("size1", (-3, 5, (1,)))]
    if dt == np.float64:
        out = [Sample("float64-dtype", (0, 5, (3,)), {"dtype": DT("float64")})]
    return out


def randperm_samples(dt):
    if dt == np.float64:
        return [Sample("float64-dtype", (6,), {"dtype": DT("float64")})]
    return [Sample("n", (7,)), Sample("zero", (0,)), Sample("one", (1,)), Sample("int32", (5,), {"dtype": DT("int32")})]


def normal_samples(dt):
    mean, std = T(np.zeros((2, 3), dt), False), T(np.full((2, 3), 0.5, dt), False)
    return [Sample("floats-size", (0.0, 1.0, (3, 2)), _dtype_kw(dt)),
            Sample("tensor-mean-std", (mean, std)), Sample("tensor-mean", (mean, 2.0)),
            Sample("tensor-std", (1.0, std)),
            Sample("empty", (0.0, 1.0, (0,)), _dtype_kw(dt)), Sample("zero-std", (0.5, 0.0, (3,)), _dtype_kw(dt)),
            Sample("size1", (0.0, 1.0, (1,)), _dtype_kw(dt)),
            Sample("0d-tensors", (T(np.array(0.0, dt), False), T(np.array(1.0, dt), False)))]


def _same_stream_twice(L, seed, draw):
    L.manual_seed(seed)
    a = getattr(L, draw)(5)
    L.manual_seed(seed)
    b = getattr(L, draw)(5)
    L.manual_seed(seed + 1)
    c = getattr(L, draw)(5)
    return (bool((a == b).all()), bool((a == c).all()))


def manual_seed_samples(dt):
    if dt == np.float64:
        return [Sample("reproducible-randn", (3, "randn"), call=_same_stream_twice),
                Sample("reproducible-randperm", (11, "randperm"), call=_same_stream_twice)]
    return [Sample("int", (0,)), Sample("np-int64", (np.int64(3),)), Sample("large", (2 ** 40,)),
            Sample("reproducible-rand", (7, "rand"), call=_same_stream_twice)]


def _size_errors(extra=()):
    return (ErrorSample("negative", (-1,), mentions=("-1",)), ErrorSample("float-size", (1.5,)),
            ErrorSample("int-dtype", (2,), {"dtype": DT("int64")}),
            ErrorSample("numpy-dtype", (2,), {"dtype": np.float32}),
            ErrorSample("device-cuda", (2,), {"device": "cuda"})) + tuple(extra)


RANDINT_ERRORS = (ErrorSample("float-high", (0, 2.5, (3,))),
                  ErrorSample("low-above-high", (5, 2, (3,)), mentions=("5", "2")),
                  ErrorSample("no-size", (0, 10)), ErrorSample("int-size", (0, 10, 3)))
RANDPERM_ERRORS = (ErrorSample("negative", (-3,)), ErrorSample("float", (2.5,)), ErrorSample("str", ("a",)))
NORMAL_ERRORS = (ErrorSample("negative-std", (0.0, -1.0, (3,)), mentions=("std",)),
                 ErrorSample("nan-std", (0.0, float("nan"), (3,)), mentions=("std",)),
                 ErrorSample("no-size", (0.0, 1.0)),
                 ErrorSample("shape-mismatch", (T(np.zeros(2, np.float32), False), T(np.ones(3, np.float32), False)),
                             mentions=("2", "3")))
MANUAL_SEED_ERRORS = (ErrorSample("str", ("abc",)),)

OPS = [
    OpInfo("rand", uniform_samples, _size_errors(), compare=_in_range(0.0, 1.0), grad=False),
    OpInfo("randn", uniform_samples, _size_errors(), compare=_finite, grad=False),
    OpInfo("randint", randint_samples, RANDINT_ERRORS, compare=_in_range(-3, 5), grad=False),
    OpInfo("randperm", randperm_samples, RANDPERM_ERRORS, compare=_permutation, grad=False),
    OpInfo("normal", normal_samples, NORMAL_ERRORS, compare=_finite, grad=False),
    OpInfo("manual_seed", manual_seed_samples, MANUAL_SEED_ERRORS, grad=False),
]
