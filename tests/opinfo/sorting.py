"""Registry entries for issue 12's ops in the README's reductions and shape rows: sort topk cumprod
(reductions), scatter scatter_add scatter_reduce roll repeat_interleave (shape). argsort, tril, triu, multinomial and
distributions.Categorical are in a row of their own, tested by tests/test_sort_topk.py,
test_scatter_roll.py, test_sampling.py and test_distributions.py."""
import numpy as np

from .core import DT, ErrorSample, OpInfo, Sample, T, ints, rng_for, t
from .reductions import _f, _int_input, _method, dim_errors, dim_samples


def _x(name, dt, lo=-2.0, hi=2.0):
    rng = rng_for(name, dt)
    return rng, (lambda shape, view=None: t(rng, shape, dt, lo, hi, view=view))


def sort_samples(dt):
    rng, x = _x("sort", dt)
    out = [s for s in dim_samples("sort", dt, tuple_dims=False, keepdim=False)]
    ties = T(np.array([[1, 3, 3, 2, np.inf, 3], [0, -0.0, 0, 5, 5, -np.inf]], dt))  # NaN: tests/test_sort_topk.py
    out += [Sample("descending", (x((3, 4)), 1, True)), Sample("descending-kw", (x((3, 4)),), {"descending": True}),
            Sample("stable-kw", (x((3, 4)),), {"stable": True, "dim": 0}),
            Sample("ties-inf", (ties,), fd=False), Sample("ties-inf-desc", (ties, -1, True), fd=False),
            Sample("ties-inf-stable-desc", (ties,), {"stable": True, "descending": True}, fd=False)]
    if dt == np.float32:
        out += [Sample("int64", (_int_input("sort"),), {"stable": True}), Sample("int64-dim0", (_int_input("sort"), 0))]
    return out


def topk_samples(dt):
    rng, x = _x("topk", dt)
    return [Sample("k2", (x((3, 4)), 2)), Sample("k3-dim0-smallest", (x((4, 3)), 3, 0, False)),
            Sample("k0", (x((3, 4)), 0)), Sample("k-all", (x((3, 4)), 4)), Sample("0d", (x(()), 1)),
            Sample("0d-k0", (x(()), 0)), Sample("empty-rows", (x((0, 3)), 2)), Sample("size1", (x((1, 1)), 1)),
            Sample("transposed", (x((3, 4), "T"), 2, 0)), Sample("sliced", (x((2, 4), "step"), 1)),
            Sample("kw", (x((3, 4)),), {"k": 2, "dim": 0, "largest": False, "sorted": True}),
            Sample("method", (x((3, 4)), 2), {"dim": 1}, call=_method("topk"))]


def cumprod_samples(dt):
    rng, x = _x("cumprod", dt, 0.5, 1.5)
    zeros = rng.uniform(0.5, 1.5, (3, 4)).astype(dt)
    zeros[1, 1] = zeros[2, 3] = 0
    out = dim_samples("cumprod", dt, tuple_dims=False, dim_required=True, lo=0.5, hi=1.5, keepdim=False)
    out += [Sample("empty-dim0", (x((0, 3)), 0)), Sample("with-zeros-dim0", (T(zeros), 0)),
            Sample("with-zeros-dim1", (T(zeros), 1)), Sample("dtype-float64", (x((2, 3)), 1), {"dtype": DT("float64")})]
    if dt == np.float32:
        out.append(Sample("int64", (_int_input("cumprod"), 1)))
    return out


def _distinct_rows(rng, shape, size, dim):
    """An index with distinct positions along dim (torch's scatter with repeats is nondeterministic)."""
    keys = rng.rand(*shape[:dim], size, *shape[dim + 1:])
    return T(np.take(np.argsort(keys, axis=dim), np.arange(shape[dim]), axis=dim).astype(np.int64), False)


def scatter_samples(dt):
    rng, x = _x("scatter", dt)
    i0, i1 = _distinct_rows(rng, (2, 4), 3, 0), _distinct_rows(rng, (3, 2), 4, 1)
    return [Sample("src-dim0", (x((3, 4)), 0, i0, x((2, 4)))), Sample("src-dim1", (x((3, 4)), 1, i1, x((3, 2)))),
            Sample("value", (x((3, 4)), 0, i0, 1.5)), Sample("value-kw", (x((3, 4)), 1, i1), {"value": -2.0}),
            Sample("transposed", (x((3, 4), "T"), 0, i0, x((2, 4)))), Sample("sliced-src", (x((3, 4)), 0, i0,
                                                                                            x((2, 4), "step"))),
            Sample("0d", (x(()), 0, ints(rng, (), 0, 1), x(()))), Sample("size1", (x((1, 1)), 0, ints(rng, (1, 1), 0, 1),
                                                                                  x((1, 1)))),
            Sample("empty-index", (x((2, 3)), 0, ints(rng, (0, 3), 0, 1), x((0, 3)))),
            Sample("int32-index", (x((3, 4)), 0, T(i0.array.astype(np.int32), False), x((2, 4)))),
            Sample("method", (x((3, 4)), 0, i0, x((2, 4))), call=_method("scatter"))]


def scatter_add_samples(dt):
    rng, x = _x("scatter_add", dt)
    rep = ints(rng, (4, 4), 0, 3)  # repeated positions accumulate
    return [Sample("repeats-dim0", (x((3, 4)), 0, rep, x((4, 4)))),
            Sample("dim1", (x((3, 4)), 1, ints(rng, (3, 6), 0, 4), x((3, 6)))),
            Sample("transposed", (x((3, 4), "T"), 0, rep, x((4, 4)))),
            Sample("sliced-src", (x((3, 4)), 0, rep, x((4, 4), "step"))),
            Sample("0d", (x(()), 0, ints(rng, (), 0, 1), x(()))),
            Sample("size1", (x((1, 1)), 1, ints(rng, (1, 1), 0, 1), x((1, 1)))),
            Sample("empty-index", (x((2, 3)), 0, ints(rng, (0, 3), 0, 1), x((0, 3)))),
            Sample("method", (x((3, 4)), 0, rep, x((4, 4))), call=_method("scatter_add"))]


def scatter_reduce_samples(dt):
    rng, x = _x("scatter_reduce", dt, 0.5, 2.0)
    rep = ints(rng, (4, 4), 0, 3)
    out = [Sample(f"{r}-{'self' if inc else 'noself'}", (x((3, 4)), 0, rep, x((4, 4)), r), {"include_self": inc},
                  fd=r not in ("amax", "amin"))
           for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)]
    return out + [Sample("transposed", (x((3, 4), "T"), 0, rep, x((4, 4)), "sum")),
                  Sample("sliced-src", (x((3, 4)), 0, rep, x((4, 4), "step"), "mean")),
                  Sample("0d", (x(()), 0, ints(rng, (), 0, 1), x(()), "prod")),
                  Sample("size1", (x((1, 1)), 1, ints(rng, (1, 1), 0, 1), x((1, 1)), "amax"), fd=False),
                  Sample("empty-index", (x((2, 3)), 0, ints(rng, (0, 3), 0, 1), x((0, 3)), "sum")),
                  Sample("method", (x((3, 4)), 0, rep, x((4, 4)), "sum"), call=_method("scatter_reduce"))]


def roll_samples(dt):
    rng, x = _x("roll", dt)
    return [Sample("flat", (x((3, 4)), 1)), Sample("flat-negative", (x((3, 4)), -7)), Sample("dim0", (x((3, 4)), 2, 0)),
            Sample("two-dims", (x((3, 4)), (1, -2), (0, 1))), Sample("same-dim-twice", (x((3, 4)), (1, 1), (1, 1))),
            Sample("0d", (x(()), 1)), Sample("empty", (x((0, 3)), 1, 0)), Sample("size1", (x((1, 1)), 3, 1)),
            Sample("transposed", (x((3, 4), "T"), 1, 0)), Sample("sliced", (x((2, 3), "step"), 1, -1)),
            Sample("method", (x((3, 4)), 1, 1), call=_method("roll")),
            Sample("kw", (x((3, 4)),), {"shifts": 2, "dims": 1})]


def repeat_interleave_samples(dt):
    rng, x = _x("repeat_interleave", dt)
    counts = T(np.array([1, 0, 2], np.int64), False)
    return [Sample("int-flat", (x((2, 3)), 2)), Sample("int-dim0", (x((3, 4)), 3, 0)), Sample("int-dim1", (x((3, 4)), 2, 1)),
            Sample("zero", (x((3, 4)), 0, 1)), Sample("tensor-dim0", (x((3, 4)), counts, 0)),
            Sample("tensor-one-count", (x((3, 4)), T(np.array([2]), False), 1)),
            Sample("output-size", (x((3,)), 2), {"output_size": 6}),
            Sample("0d", (x(()), 2)), Sample("empty", (x((0, 3)), 2, 0)), Sample("size1", (x((1, 1)), 1, 0)),
            Sample("transposed", (x((3, 4), "T"), counts, 0)), Sample("sliced", (x((3, 2), "step"), 2, 1)),
            Sample("method", (x((3, 4)), 2), {"dim": 0}, call=_method("repeat_interleave")),
            Sample("repeats-only", (T(np.array([1, 2, 0, 3]), False),), grad=False)]


SORT_ERRORS = [ErrorSample("dim-out-of-range", (_f((2, 3)), 5), mentions=("[-2, 1]", "5")),
               ErrorSample("dim-float", (_f((2, 3)),), {"dim": 1.5}), ErrorSample("list-input", ([1.0, 2.0],)),
               ErrorSample("stable-positional", (_f((2, 3)), 0, True, True)),
               ErrorSample("dim-positional-with-stable", (_f((2, 3)), 0), {"stable": True})]
TOPK_ERRORS = [ErrorSample("k-too-large", (_f((2, 3)), 4)), ErrorSample("k-negative", (_f((2, 3)), -1)),
               ErrorSample("k-float", (_f((2, 3)), 1.5)), ErrorSample("dim", (_f((2, 3)), 1, 2), mentions=("2",)),
               ErrorSample("0d-k2", (_f(()), 2)), ErrorSample("list-input", ([1.0, 2.0], 1))]
SCATTER_ERRORS = [
    ErrorSample("float-index", (_f((3, 4)), 0, T(np.zeros((1, 1)), False), 1.0), mentions=("int64",)),
    ErrorSample("index-dims", (_f((3, 4)), 0, T(np.zeros(1, np.int64), False), 1.0)),
    ErrorSample("out-of-range", (_f((3, 4)), 0, T(np.array([[5]]), False), 1.0), mentions=("5", "3")),
    ErrorSample("negative-index", (_f((3, 4)), 0, T(np.array([[-1]]), False), 1.0), mentions=("-1",)),
    ErrorSample("index-too-large", (_f((3, 4)), 0, T(np.zeros((2, 5), np.int64), False), 1.0), mentions=("[2, 5]",)),
    ErrorSample("larger-than-src", (_f((3, 4)), 0, T(np.zeros((2, 2), np.int64), False), _f((1, 1))),
                mentions=("[1, 1]",)),
    ErrorSample("src-dtype", (_f((3, 4)), 0, T(np.zeros((1, 1), np.int64), False), _f((1, 1), np.float64))),
    ErrorSample("dim", (_f((3, 4)), 2, T(np.zeros((1, 1), np.int64), False), 1.0))]
SCATTER_ADD_ERRORS = [e for e in SCATTER_ERRORS if e.name != "index-dims" and not isinstance(e.args[3], float)] + [
    ErrorSample("number-src", (_f((3, 4)), 0, T(np.zeros((1, 1), np.int64), False), 1.0)),
    ErrorSample("out-of-range", (_f((3, 4)), 0, T(np.array([[3]]), False), _f((1, 1))), mentions=("3",))]
SCATTER_REDUCE_ERRORS = [ErrorSample("bad-reduce", (_f((3, 4)), 0, T(np.zeros((1, 1), np.int64), False), _f((1, 1)),
                                      "foo")),
                         ErrorSample("no-reduce", (_f((3, 4)), 0, T(np.zeros((1, 1), np.int64), False), _f((1, 1)))),
                         ErrorSample("out-of-range", (_f((3, 4)), 0, T(np.array([[3]]), False), _f((1, 1)), "sum"),
                                     mentions=("3",))]
ROLL_ERRORS = [ErrorSample("shifts-dims", (_f((3, 4)), (1, 2), 0)), ErrorSample("dims-shifts", (_f((3, 4)), (1,), (0, 1))),
               ErrorSample("dim-out-of-range", (_f((3, 4)), 1, 5), mentions=("5",)),
               ErrorSample("no-shifts", (_f((3, 4)), (), ())), ErrorSample("float-shift", (_f((3, 4)), 1.5)),
               ErrorSample("0d-dim", (_f(()), 1, 0)), ErrorSample("two-shifts-no-dims", (_f((3, 4)), (1, 2)))]
REPEAT_INTERLEAVE_ERRORS = [
    ErrorSample("count-size", (_f((3, 4)), T(np.array([1, 2]), False), 0), mentions=("2", "3")),
    ErrorSample("negative-int", (_f((3, 4)), -1)),
    ErrorSample("negative-count", (_f((3, 4)), T(np.array([1, -2, 1]), False), 0)),
    ErrorSample("2d-counts", (_f((3, 4)), T(np.ones((1, 3), np.int64), False), 0)),
    ErrorSample("float-counts", (_f((3, 4)), T(np.ones(3), False), 0)), ErrorSample("float-repeats", (_f((3, 4)), 2.0)),
    ErrorSample("dim", (_f((3, 4)), 2, 2)), ErrorSample("output-size", (_f((3,)), 2), {"output_size": 5}),
    ErrorSample("float-repeats-only", (_f((3,)),))]

OPS = [
    OpInfo("sort", sort_samples, tuple(SORT_ERRORS)),
    OpInfo("topk", topk_samples, tuple(TOPK_ERRORS)),
    OpInfo("cumprod", cumprod_samples, tuple(dim_errors("cumprod", tuple_dims=False) + [
        ErrorSample("no-dim", (_f((2, 3)),))])),
    OpInfo("scatter", scatter_samples, tuple(SCATTER_ERRORS)),
    OpInfo("scatter_add", scatter_add_samples, tuple(SCATTER_ADD_ERRORS)),
    OpInfo("scatter_reduce", scatter_reduce_samples, tuple(SCATTER_REDUCE_ERRORS)),
    OpInfo("roll", roll_samples, tuple(ROLL_ERRORS)),
    OpInfo("repeat_interleave", repeat_interleave_samples, tuple(REPEAT_INTERLEAVE_ERRORS)),
]
