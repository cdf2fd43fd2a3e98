"""Registry entries: the README's reductions that sum or average (sum mean prod var std norm logsumexp
cumsum). max/min/arg*/softmax are in reductions_select.py."""
import numpy as np

from .core import DT, ErrorSample, OpInfo, Sample, T, rng_for, t

_Sample = Sample


def _x(name, dt, lo=-2.0, hi=2.0):
    rng = rng_for(name, dt)
    return rng, (lambda shape, view=None: t(rng, shape, dt, lo, hi, view=view))


def _method(name):
    return lambda L, x, *a, **k: getattr(x, name)(*a, **k)


def dim_samples(name, dt, tuple_dims=True, dim_required=False, lo=-2.0, hi=2.0, dim_kw=False, keepdim=True):
    """The shared reduction samples: over all, one dim, keepdim, dim tuples, 0-d, empty, size-1,
    transposed, sliced, method form. dim_kw: pass dims as dim= (norm's second argument is p);
    keepdim=False for ops that have no keepdim (cumsum, softmax)."""
    rng, x = _x(name, dt, lo, hi)

    def Sample(label, args, kwargs=None, **kw):  # noqa: N802 (a Sample whose dim may move to kwargs)
        kwargs = dict(kwargs or {})
        if dim_kw and len(args) > 1:
            kwargs["dim"], args = args[1], args[:1] + args[2:]
            if args[1:]:
                kwargs["keepdim"], args = args[1], args[:1]
        return _Sample(label, args, kwargs, **kw)
    kd = {"keepdim": True} if keepdim else {}
    out = [
        Sample("dim0", (x((3, 4)), 0)),
        Sample("dim-1" + "-keepdim" * keepdim, (x((3, 4)),), dict(kd, dim=-1)),
        Sample("3d-dim1", (x((2, 3, 2)), 1)),
        Sample("0d-dim0", (x(()), 0)),
        Sample("0d-dim-1" + "-keepdim" * keepdim, (x(()),), dict(kd, dim=-1)),
        Sample("empty-dim1", (x((0, 3)), 1)),
        Sample("size1-dim0", (x((1, 1)), 0)),
        Sample("transposed-dim0", (x((3, 4), "T"), 0)),
        Sample("sliced-dim-1", (x((2, 3), "step"), -1)),
        Sample("method-dim1", (x((2, 3)),), {"dim": 1}, call=_method(name)),
    ]
    if tuple_dims:
        out += [Sample("dims-tuple", (x((2, 3, 2)), (0, 2))),
                Sample("neg-dims-tuple-keepdim", (x((2, 3, 2)), (-1, 0), True))]
    if not dim_required:
        out += [Sample("all", (x((3, 4)),)), Sample("0d-all", (x(()),)), Sample("size1-all", (x((1, 1)),)),
                Sample("transposed-all", (x((3, 4), "T"),)), Sample("method-all", (x((2, 3)),), call=_method(name))]
    return out


def _int_input(name, shape=(2, 3)):
    rng = rng_for(name + "/int", np.int64)
    return T(rng.randint(-3, 4, shape).astype(np.int64), False)


def sum_samples(dt):
    rng, x = _x("sum", dt)
    out = dim_samples("sum", dt) + [Sample("empty-all", (x((0, 3)),)),
                                    Sample("dtype-float64", (x((2, 3)),), {"dtype": DT("float64")}),
                                    Sample("dim-list", (x((2, 3, 2)), [0, 1]))]
    if dt == np.float32:
        out += [Sample("int64", (_int_input("sum"),)), Sample("int64-dim0", (_int_input("sum"), 0)),
                Sample("bool", (T(rng.rand(2, 3) < 0.5, False),)),
                Sample("int32", (T(rng.randint(0, 4, (3,)).astype(np.int32), False),))]
    return out


def mean_samples(dt):
    rng, x = _x("mean", dt)
    return dim_samples("mean", dt) + [Sample("empty-all", (x((0, 3)),), fd=False),
                                      Sample("dtype-float64", (x((2, 3)),), {"dtype": DT("float64")})]


def prod_samples(dt):
    rng, x = _x("prod", dt, 0.5, 1.5)
    with_zero = rng.uniform(0.5, 1.5, (2, 3)).astype(dt)
    with_zero[0, 1] = 0
    two_zeros = with_zero.copy()
    two_zeros[1, 2] = 0
    out = dim_samples("prod", dt, tuple_dims=False, lo=0.5, hi=1.5) + [
        Sample("empty-all", (x((0, 3)),)), Sample("empty-dim0", (x((0, 3)), 0)),
        Sample("one-zero", (T(with_zero),)), Sample("one-zero-dim1", (T(with_zero), 1)),
        Sample("two-zeros", (T(two_zeros),)),
        Sample("dtype-float64", (x((2, 3)),), {"dtype": DT("float64")})]
    if dt == np.float32:
        out.append(Sample("int64", (_int_input("prod"),)))
    return out


def var_samples(name):
    def samples(dt):
        rng, x = _x(name, dt)
        out = [s for s in dim_samples(name, dt) if not s.name.startswith(("0d", "size1"))]
        return out + [
            Sample("correction0", (x((3, 4)),), {"correction": 0}),
            Sample("correction2-dim1", (x((3, 4)),), {"dim": 1, "correction": 2}),
            Sample("unbiased-false", (x((3, 4)),), {"dim": 0, "unbiased": False}),
            Sample("0d-correction0", (x(()),), {"correction": 0}, fd=name == "var", gradgrad=False),
            Sample("size1-dim0-correction0", (x((1, 3)), 0), {"correction": 0}, fd=name == "var", gradgrad=False),
            Sample("size1-correction0", (x((1, 1)),), {"correction": 0}, fd=name == "var", gradgrad=False),
            Sample("0d-nan", (x(()),), fd=False, gradgrad=False),
            Sample("empty-all", (x((0, 3)),), fd=False, gradgrad=False)]
    return samples


def norm_samples(dt):
    rng, x = _x("norm", dt)
    out = dim_samples("norm", dt, dim_kw=True)
    return out + [
        Sample("p1", (x((3, 4)),), {"p": 1}), Sample("p3-dim1", (x((3, 4)),), {"p": 3, "dim": 1}),
        Sample("p-inf", (x((3, 4)),), {"p": float("inf")}), Sample("fro-dim1", (x((3, 4)),), {"p": "fro", "dim": 1}),
        Sample("p1.5-keepdim", (x((3, 4)),), {"p": 1.5, "dim": 0, "keepdim": True}),
        Sample("empty-all", (x((0, 3)),), fd=False)]


def logsumexp_samples(dt):
    rng, x = _x("logsumexp", dt)
    out = dim_samples("logsumexp", dt, dim_required=True)
    out += [Sample("large-values", (t(rng, (3, 4), dt, 80.0, 120.0), 1)),
            Sample("empty-dim0", (x((0, 3)), 0), fd=False)]
    if dt == np.float32:
        out.append(Sample("int64", (_int_input("logsumexp"), 1)))
    return out


def cumsum_samples(dt):
    rng, x = _x("cumsum", dt)
    out = dim_samples("cumsum", dt, tuple_dims=False, dim_required=True, keepdim=False)
    out += [Sample("empty-dim0", (x((0, 3)), 0)), Sample("dtype-float64", (x((2, 3)), 1), {"dtype": DT("float64")})]
    if dt == np.float32:
        out.append(Sample("int64", (_int_input("cumsum"), 1)))
    return out


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def dim_errors(name, tuple_dims=True):
    errors = [ErrorSample("dim-out-of-range", (_f((2, 3)), 5), mentions=("[-2, 1]", "5")),
              ErrorSample("dim-str", (_f((2, 3)), "a")),
              ErrorSample("dim-float", (_f((2, 3)),), {"dim": 1.5}),
              ErrorSample("list-input", ([1.0, 2.0], 0)),
              ErrorSample("0d-dim-1", (_f(()), 1))]
    if tuple_dims:
        errors.append(ErrorSample("dim-repeated", (_f((2, 3)), (0, 0)), mentions=("0",)))
        errors.append(ErrorSample("dim-repeated-negative", (_f((2, 3)), (1, -1)), mentions=("1",)))
    return errors


def _int_error(label):
    return ErrorSample(label, (T(np.ones((2, 3), np.int64), False),))


OPS = [
    OpInfo("sum", sum_samples, tuple(dim_errors("sum"))),
    OpInfo("mean", mean_samples, tuple(dim_errors("mean") + [_int_error("int64-input")])),
    OpInfo("prod", prod_samples, tuple(dim_errors("prod", tuple_dims=False)
                                      + [ErrorSample("dims-tuple", (_f((2, 3)), (0, 1)))])),
    OpInfo("var", var_samples("var"), tuple(dim_errors("var") + [_int_error("int64-input")])),
    OpInfo("std", var_samples("std"), tuple(dim_errors("std") + [_int_error("int64-input")])),
    OpInfo("norm", norm_samples, (
        ErrorSample("dim-out-of-range", (_f((2, 3)),), {"dim": 5}, mentions=("[-2, 1]", "5")),
        ErrorSample("dim-repeated", (_f((2, 3)),), {"dim": (0, 0)}, mentions=("0",)),
        ErrorSample("p-str", (_f((2, 3)),), {"p": "abc"}), ErrorSample("list-input", ([1.0, 2.0],)),
        _int_error("int64-input"))),
    OpInfo("logsumexp", logsumexp_samples, tuple(dim_errors("logsumexp") + [
        ErrorSample("no-dim", (_f((2, 3)),))])),
    OpInfo("cumsum", cumsum_samples, tuple(dim_errors("cumsum", tuple_dims=False) + [
        ErrorSample("no-dim", (_f((2, 3)),))])),
]
