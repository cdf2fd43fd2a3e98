"""Registry entries: the long tail of reductions and scans (README row "reductions, more"): nansum,
nanmean, count_nonzero, std_mean, var_mean, aminmax, median, nanmedian, mode, quantile, nanquantile,
cummax, cummin, logcumsumexp, diff."""
import numpy as np

from .core import DT, ErrorSample, OpInfo, Sample, T, ints, rng_for, t
from .reductions import dim_errors, dim_samples


def _x(name, dt):
    rng = rng_for(name, dt)
    return rng, (lambda shape, view=None: t(rng, shape, dt, view=view))


def _method(name):
    return lambda L, x, *a, **k: getattr(x, name)(*a, **k)


def _with_nan(rng, dt, shape=(3, 4)):
    a = rng.uniform(-2, 2, shape).astype(dt)
    a[0, 1] = a[2, 0] = a[2, 3] = np.nan
    return a


def nansum_samples(name):
    def samples(dt):
        rng, x = _x(name, dt)
        out = dim_samples(name, dt) + [
            Sample("nans-all", (T(_with_nan(rng, dt)),)), Sample("nans-dim1", (T(_with_nan(rng, dt)), 1)),
            Sample("empty-all", (x((0, 3)),), fd=name == "nansum"),
            Sample("dtype-float64", (x((2, 3)),), {"dtype": DT("float64")})]
        if name == "nansum" and dt == np.float32:
            out += [Sample("int64", (ints(rng, (2, 3), -3, 4),)), Sample("bool", (T(rng.rand(3) < 0.5, False),))]
        return [s for s in out if not (name == "nanmean" and s.name == "empty-dim1")] + (
            [Sample("empty-dim1", (x((0, 3)), 1))] if name == "nanmean" else [])
    return samples


def count_nonzero_samples(dt):
    rng, x = _x("count_nonzero", dt)
    z = rng.uniform(-1, 1, (3, 4)).astype(dt)
    z[z < 0] = 0
    return [Sample("all", (T(z),)), Sample("dim0", (T(z), 0)), Sample("dims", (T(z), (0, 1))),
            Sample("0d", (x(()),)), Sample("empty", (x((0, 3)), 1)), Sample("size1", (x((1, 1)),)),
            Sample("transposed", (x((3, 4), "T"), -1)), Sample("method", (T(z),), {"dim": 1}, call=_method("count_nonzero")),
            Sample("int64", (ints(rng, (2, 3), -1, 2),)), Sample("bool", (T(rng.rand(4) < 0.5, False),))]


def moments_samples(name):
    def samples(dt):
        rng, x = _x(name, dt)
        return [Sample("all", (x((3, 4)),)), Sample("dim0", (x((3, 4)), 0)),
                Sample("dim1-keepdim", (x((3, 4)), 1), {"keepdim": True}),
                Sample("dims-tuple", (x((2, 3, 2)), (0, 2))), Sample("correction0", (x((3, 4)),), {"correction": 0}),
                Sample("correction2-dim1", (x((3, 4)),), {"dim": 1, "correction": 2}),
                Sample("unbiased-positional", (x((3, 4)), False)),
                Sample("0d-correction0", (x(()),), {"correction": 0}, fd=False, gradgrad=False),
                Sample("size1-correction0", (x((1, 1)),), {"correction": 0}, fd=False, gradgrad=False),
                Sample("empty-dim1", (x((0, 3)), 1), fd=False, gradgrad=False),
                Sample("non-contiguous", (x((3, 4), "T"), 0))]
    return samples


def aminmax_samples(dt):
    rng, x = _x("aminmax", dt)
    ties = np.array([[1.0, 3.0, 3.0], [-1.0, -1.0, 2.0]], dtype=dt)
    out = [Sample("all", (x((3, 4)),)), Sample("dim0", (x((3, 4)),), {"dim": 0}),
           Sample("dim1-keepdim", (x((3, 4)),), {"dim": 1, "keepdim": True}), Sample("0d", (x(()),)),
           Sample("size1", (x((1, 1)),)), Sample("empty-dim1", (x((0, 3)),), {"dim": 1}),
           Sample("transposed", (x((3, 4), "T"),), {"dim": -1}), Sample("ties", (T(ties),), fd=False),
           Sample("ties-dim1", (T(ties),), {"dim": 1}, fd=False), Sample("method", (x((2, 3)),), call=_method("aminmax"))]
    if dt == np.float32:
        out.append(Sample("int64", (ints(rng, (2, 3), -3, 4),)))
    return out


def _distinct(rng, shape, dt, view=None):
    """Values that are all different (a shuffled grid), so the element an order statistic picks is unique."""
    base = shape if not view else (shape[:-2] + (shape[-1], shape[-2]) if view == "T" else shape[:-1] + (2 * shape[-1],))
    n = int(np.prod(base))
    return T(np.asarray(rng.permutation(n).reshape(base) * 0.25 - n / 8, dtype=dt), True, view)


def median_samples(name):
    def samples(dt):
        rng = rng_for(name, dt)
        d = lambda shape, view=None: _distinct(rng, shape, dt, view)  # noqa: E731
        out = [Sample("all", (d((3, 4)),)), Sample("all-odd", (d((3, 3)),)), Sample("dim0", (d((4, 3)), 0)),
               Sample("dim1-keepdim", (d((3, 4)), 1, True)), Sample("0d", (d(()),)), Sample("0d-dim0", (d(()), 0)),
               Sample("size1", (d((1, 1)), 1)), Sample("transposed", (d((3, 4), "T"), 0)),
               Sample("sliced", (d((2, 3), "step"), -1)), Sample("method", (d((2, 5)),), {"dim": 1}, call=_method(name)),
               Sample("nans", (T(_with_nan(rng, dt)),), fd=False), Sample("nans-dim1", (T(_with_nan(rng, dt)), 1), fd=False),
               Sample("ties-dim1", (T(np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 2.0]], dtype=dt)), 1), fd=False),
               Sample("empty-dim1", (t(rng, (0, 3), dt), 1))]
        if dt == np.float32:
            out += [Sample("int64", (ints(rng, (2, 5), -3, 4), 1)), Sample("int64-all", (ints(rng, (5,), -3, 4),))]
        return out
    return samples


def mode_samples(dt):
    rng = rng_for("mode", dt)
    few = lambda shape, view=None: T(rng.randint(0, 3, shape).astype(dt), True, view)  # noqa: E731
    return [Sample("last-dim", (few((3, 6)),), fd=False), Sample("dim0", (few((6, 3)), 0), fd=False),
            Sample("keepdim", (few((3, 6)), 1, True), fd=False), Sample("0d", (few(()),)),
            Sample("size1", (few((1, 1)),)), Sample("distinct", (_distinct(rng, (2, 4), dt),)),
            Sample("transposed", (T(rng.randint(0, 3, (4, 3)).astype(dt), True, "T"), 0), fd=False),
            Sample("empty", (t(rng, (0, 3), dt), 1)), Sample("method", (few((2, 5)),), call=_method("mode"), fd=False),
            Sample("int64", (ints(rng, (2, 6), 0, 3),))]


def quantile_samples(name):
    def samples(dt):
        rng = rng_for(name, dt)
        d = lambda shape, view=None: _distinct(rng, shape, dt, view)  # noqa: E731
        q = T(np.array([0.0, 0.3, 0.5, 1.0], dtype=dt), False)
        out = [Sample("all", (d((3, 4)), 0.3)), Sample("dim0", (d((4, 3)), 0.7, 0)),
               Sample("q-tensor-dim1", (d((3, 5)), q, 1)), Sample("q-tensor-all-keepdim", (d((3, 4)), q, None, True)),
               Sample("dim1-keepdim", (d((3, 4)), 0.25, 1, True)), Sample("0d", (d(()), 0.5)),
               Sample("0d-q-tensor", (d((2, 3)), T(np.array(0.4, dtype=dt), False), 1)),
               Sample("size1", (d((1, 1)), 0.5, 0)), Sample("transposed", (d((3, 4), "T"), 0.6, 0)),
               Sample("sliced", (d((2, 3), "step"), 0.5, -1)), Sample("q-1d-tensor-1d-input", (d((5,)), T(np.array([0.1, 0.9], dtype=dt), False))),
               Sample("method", (d((2, 5)), 0.5), {"dim": 1}, call=_method(name)),
               Sample("nans-dim1", (T(_with_nan(rng, dt)), 0.5, 1), fd=False),
               Sample("nans-all", (T(_with_nan(rng, dt)), q), fd=False),
               Sample("all-nan-row", (T(np.array([[np.nan, np.nan], [1.0, 2.0]], dtype=dt)), 0.5, 1), fd=False)]
        for mode in ("lower", "higher", "midpoint", "nearest"):
            out.append(Sample(mode, (d((3, 5)), q, 1), {"interpolation": mode}))
        out.append(Sample("empty-q", (d((3, 4)), T(np.zeros(0, dtype=dt), False), 1)))
        out.append(Sample("nearest-half", (d((5,)), 0.375), {"interpolation": "nearest"}))
        return out
    return samples


def cum_samples(name):
    def samples(dt):
        rng, x = _x(name, dt)
        out = dim_samples(name, dt, tuple_dims=False, dim_required=True, keepdim=False)
        out.append(Sample("empty-dim0", (x((0, 3)), 0)))
        if name in ("cummax", "cummin"):
            ties = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, -1.0, -1.0, 0.0]], dtype=dt)
            out += [Sample("ties", (T(ties), 1), fd=False), Sample("nans", (T(_with_nan(rng, dt)), 1), fd=False)]
            if dt == np.float32:
                out.append(Sample("int64", (ints(rng, (2, 5), -3, 4), 1)))
        else:
            big = np.array([[-1000.0, 0.0, 3.0, -5.0], [50.0, 60.0, -np.inf, 70.0]], dtype=dt)
            out += [Sample("wide-range", (T(big), 1), fd=False, gradgrad=False),
                    Sample("large-values", (t(rng, (3, 4), dt, 80.0, 120.0), 1))]
        return out
    return samples


def diff_samples(dt):
    rng, x = _x("diff", dt)
    out = [Sample("default", (x((3, 5)),)), Sample("n2-dim0", (x((4, 3)),), {"n": 2, "dim": 0}),
           Sample("n0", (x((3, 2)),), {"n": 0}), Sample("n-too-big", (x((2, 3)),), {"n": 5}),
           Sample("prepend-append", (x((3, 4)),), {"prepend": x((3, 1)), "append": x((3, 2))}),
           Sample("prepend-dim0", (x((2, 3)),), {"dim": 0, "prepend": x((1, 3))}),
           Sample("empty", (x((0, 3)),)), Sample("size1", (x((1, 1)),)), Sample("1d", (x((6,)),)),
           Sample("transposed", (x((3, 4), "T"),), {"dim": 0}), Sample("method", (x((2, 4)),), call=_method("diff"))]
    if dt == np.float32:
        out += [Sample("int64", (ints(rng, (2, 5), -3, 4),)), Sample("bool", (T(rng.rand(6) < 0.5, False),))]
    return out


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def _int_error(label="int64-input"):
    return ErrorSample(label, (T(np.ones((2, 3), np.int64), False),))


QUANTILE_ERRORS = (ErrorSample("q-list", (_f((3,)), [0.1, 0.9])),ErrorSample("q-above-1", (_f((3,)), 1.5), mentions=("1.5",)),
                   ErrorSample("q-tensor-out-of-range", (_f((3,)), T(np.array([0.5, -0.1], np.float32), False))),
                   ErrorSample("q-2d", (_f((3,)), T(np.full((2, 2), 0.5, np.float32), False))),
                   ErrorSample("q-other-dtype", (_f((3,)), T(np.array([0.5]), False))),
                   ErrorSample("int-input", (_f((3,), np.int64), 0.5)), ErrorSample("empty-input", (_f((0,)), 0.5)),
                   ErrorSample("bad-interpolation", (_f((3,)), 0.5), {"interpolation": "cubic"},
                               mentions=("cubic",)),
                   ErrorSample("dim-out-of-range", (_f((2, 3)), 0.5, 4)))

OPS = [
    OpInfo("nansum", nansum_samples("nansum"), tuple(dim_errors("nansum"))),
    OpInfo("nanmean", nansum_samples("nanmean"), tuple(dim_errors("nanmean") + [_int_error()])),
    OpInfo("count_nonzero", count_nonzero_samples, (ErrorSample("list-input", ([1.0],)),
                                                     ErrorSample("dim-out-of-range", (_f((2, 3)), 3))), grad=False),
    OpInfo("std_mean", moments_samples("std_mean"), (_int_error(), ErrorSample("dim-out-of-range", (_f((2, 3)), 3)))),
    OpInfo("var_mean", moments_samples("var_mean"), (_int_error(), ErrorSample("dim-out-of-range", (_f((2, 3)), 3)))),
    OpInfo("aminmax", aminmax_samples, (ErrorSample("empty-all", (_f((0, 3)),)),
                                        ErrorSample("dim-out-of-range", (_f((2, 3)),), {"dim": 2}))),
    OpInfo("median", median_samples("median"), (ErrorSample("bool", (_f((3,), np.bool_),)),
                                                ErrorSample("dim-out-of-range", (_f((2, 3)), 2)),
                                                ErrorSample("empty-dim0", (_f((0, 3)), 0)))),
    OpInfo("nanmedian", median_samples("nanmedian"), (ErrorSample("dim-out-of-range", (_f((2, 3)), 2)),)),
    OpInfo("mode", mode_samples, (ErrorSample("dim-out-of-range", (_f((2, 3)), 2)), ErrorSample("list-input", ([1.0],)))),
    OpInfo("quantile", quantile_samples("quantile"), QUANTILE_ERRORS),
    OpInfo("nanquantile", quantile_samples("nanquantile"), QUANTILE_ERRORS),
    OpInfo("cummax", cum_samples("cummax"), tuple(dim_errors("cummax", tuple_dims=False))),
    OpInfo("cummin", cum_samples("cummin"), tuple(dim_errors("cummin", tuple_dims=False))),
    OpInfo("logcumsumexp", cum_samples("logcumsumexp"), tuple(dim_errors("logcumsumexp", tuple_dims=False)
                                                              + [_int_error()])),
    OpInfo("diff", diff_samples, (ErrorSample("0d", (_f(()),)), ErrorSample("negative-n", (_f((3,)),), {"n": -1}),
                                  ErrorSample("prepend-ndim", (_f((2, 3)),), {"prepend": _f((3,))}),
                                  ErrorSample("dim-out-of-range", (_f((2, 3)),), {"dim": 2}))),
]
