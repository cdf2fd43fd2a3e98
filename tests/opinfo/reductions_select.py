"""Registry entries: the README's reductions that select or normalise (max min amax argmax argmin
softmax log_softmax)."""
import numpy as np

from .core import DT, ErrorSample, OpInfo, Sample, T, t
from .reductions import _f, _int_input, _method, _x, dim_errors, dim_samples


def maxmin_samples(name):
    def samples(dt):
        rng, x = _x(name, dt)
        other = np.float64 if dt == np.float32 else np.float32
        out = dim_samples(name, dt, tuple_dims=False)
        out += [Sample("binary", (x((2, 3)), x((3,)))),
                Sample("binary-other-dtype", (x((2, 3)), t(rng, (2, 3), other))),
                Sample("method-dim-keepdim", (x((2, 3)), 1, True), call=_method(name))]
        if dt == np.float32:
            out += [Sample("int64", (_int_input(name),)), Sample("int64-dim1", (_int_input(name), 1))]
        return out
    return samples


def amax_samples(dt):
    out = dim_samples("amax", dt)
    if dt == np.float32:
        out.append(Sample("int64-dim1", (_int_input("amax"), 1)))
    return out


def arg_samples(name):
    def samples(dt):
        out = dim_samples(name, dt, tuple_dims=False)
        if dt == np.float32:
            ties = T(np.array([[1, 3, 3], [2, 2, 0]], np.int64), False)
            out += [Sample("int64", (_int_input(name),)), Sample("int64-ties-dim1", (ties, 1)),
                    Sample("int64-ties-all", (ties,))]
        return out
    return samples


def _view_after(name):
    def call(L, x, dim):
        return getattr(L, name)(x.permute(1, 0), dim=dim).view(-1)
    return call


def softmax_samples(name):
    def samples(dt):
        rng, x = _x(name, dt)
        out = dim_samples(name, dt, tuple_dims=False, dim_required=True, keepdim=False)
        out += [Sample("empty-dim0", (x((0, 3)), 0)), Sample("empty-dim-1", (x((0, 3)), -1)),
                Sample("empty-1d", (x((0,)), 0)),
                Sample("large-values", (t(rng, (3, 4), dt, 80.0, 120.0), 1)),
                Sample("very-negative", (t(rng, (3, 4), dt, -120.0, -80.0), 1)),
                Sample("dtype-float64", (x((2, 3)), 1), {"dtype": DT("float64")}),
                Sample("permuted-then-view", (x((3, 4)), -2), call=_view_after(name))]
        return out
    return samples


def _empty_error(label, **kw):
    return ErrorSample(label, (_f((0, 3)),), kw)


SELECT_ERRORS = [_empty_error("empty-all"), ErrorSample("empty-dim0", (_f((0, 3)), 0), mentions=("0",))]

OPS = [
    OpInfo("max", maxmin_samples("max"), tuple(dim_errors("max", tuple_dims=False) + SELECT_ERRORS + [
        ErrorSample("binary-bad-broadcast", (_f((2, 3)), _f((2,))))])),
    OpInfo("min", maxmin_samples("min"), tuple(dim_errors("min", tuple_dims=False) + SELECT_ERRORS)),
    OpInfo("amax", amax_samples, tuple(dim_errors("amax") + [_empty_error("empty-all")])),
    OpInfo("argmax", arg_samples("argmax"), tuple(dim_errors("argmax", tuple_dims=False) + SELECT_ERRORS),
           grad=False),
    OpInfo("argmin", arg_samples("argmin"), tuple(dim_errors("argmin", tuple_dims=False) + SELECT_ERRORS),
           grad=False),
    OpInfo("softmax", softmax_samples("softmax"), tuple(dim_errors("softmax", tuple_dims=False) + [
        ErrorSample("no-dim", (_f((2, 3)),)), ErrorSample("int64-input", (_f((2, 3), np.int64), 1))])),
    OpInfo("log_softmax", softmax_samples("log_softmax"), tuple(dim_errors("log_softmax", tuple_dims=False) + [
        ErrorSample("no-dim", (_f((2, 3)),)), ErrorSample("int64-input", (_f((2, 3), np.int64), 1))])),
]
