"""Registry entries: the README's shape ops (reshape flatten squeeze unsqueeze transpose permute split
chunk gather index_select masked_fill)."""
import numpy as np

from .core import ErrorSample, OpInfo, Sample, T, ints, mask, rng_for, t


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def _x(name, dt):
    rng = rng_for(name, dt)
    return rng, (lambda shape, view=None: t(rng, shape, dt, view=view))


def _method(name):
    return lambda L, x, *a, **k: getattr(x, name)(*a, **k)


def _idx(values, dtype=np.int64):
    return T(np.array(values, dtype), False)


def _common(name, x, args_2d, args_0d=None, args_empty=None, method_args=None):
    """2-D, 3-D, 0-d, empty, size-1, transposed, sliced and method-form samples of a shape op."""
    out = [Sample("2d", (x((3, 4)),) + args_2d), Sample("transposed", (x((3, 4), "T"),) + args_2d),
           Sample("sliced", (x((3, 2), "step"),) + args_2d), Sample("size1", (x((1, 1)),) + args_2d),
           Sample("method", (x((3, 4)),) + (method_args if method_args is not None else args_2d), call=_method(name))]
    if args_0d is not None:
        out.append(Sample("0d", (x(()),) + args_0d))
    if args_empty is not None:
        out.append(Sample("empty", (x((0, 3)),) + args_empty))
    return out


def reshape_samples(dt):
    rng, x = _x("reshape", dt)
    return [
        Sample("2d", (x((3, 4)), (4, 3))), Sample("to-1d", (x((3, 4)), (-1,))),
        Sample("infer-middle", (x((2, 3, 2)), (2, -1, 3))), Sample("0d-to-1", (x(()), (1,))),
        Sample("1-to-0d", (x((1,)), ())), Sample("empty", (x((0, 3)), (3, 0))),
        Sample("size1", (x((1, 1)), (1,))), Sample("transposed", (x((3, 4), "T"), (2, 6))),
        Sample("sliced", (x((2, 3), "step"), (6,))),
        Sample("method-varargs", (x((3, 4)), 2, -1), call=_method("reshape")),
        Sample("method-tuple", (x((3, 4)), (6, 2)), call=_method("reshape")),
    ]


RESHAPE_ERRORS = (
    ErrorSample("bad-size", (_f((2, 3)), (4,)), mentions=("[4]", "6")),
    ErrorSample("two-inferred", (_f((2, 3)), (-1, -1))),
    ErrorSample("float-size", (_f((2, 3)), (1.5, -1))),
    ErrorSample("str-shape", (_f((2, 3)), "abc")),
    ErrorSample("ambiguous-empty", (_f((0, 3)), (-1, 0))),
    ErrorSample("method-float-size", (_f((2, 3)), 1.5, -1), call=_method("reshape")),
)


def flatten_samples(dt):
    rng, x = _x("flatten", dt)
    out = _common("flatten", x, (), (), (), method_args=(1,))
    return out + [Sample("start1", (x((2, 3, 2)), 1)), Sample("start0-end1", (x((2, 3, 2)), 0, 1)),
                  Sample("negative-dims", (x((2, 3, 2)),), {"start_dim": -2, "end_dim": -1}),
                  Sample("size1", (x((1, 1)),))]


FLATTEN_ERRORS = (
    ErrorSample("start-after-end", (_f((2, 3)), 1, 0), mentions=("start_dim",)),
    ErrorSample("dim-out-of-range", (_f((2, 3)), 3), mentions=("[-2, 1]", "3")),
)


def squeeze_samples(dt):
    rng, x = _x("squeeze", dt)
    return [
        Sample("all", (x((1, 3, 1)),)), Sample("dim0", (x((1, 3, 1)), 0)), Sample("not-size1-dim", (x((1, 3, 1)), 1)),
        Sample("dims-tuple", (x((1, 3, 1)), (0, 2))), Sample("negative-dim", (x((2, 1)), -1)),
        Sample("0d", (x(()),)), Sample("0d-dim0", (x(()), 0)), Sample("empty", (x((0, 1)), 1)),
        Sample("empty-all", (x((1, 0)),)), Sample("transposed", (x((1, 3, 4), "T"), 0)), Sample("size1", (x((1, 1)),)),
        Sample("sliced", (x((1, 3), "step"),)), Sample("method", (x((3, 1)), 1), call=_method("squeeze")),
    ]


def unsqueeze_samples(dt):
    rng, x = _x("unsqueeze", dt)
    out = _common("unsqueeze", x, (1,), (0,), (0,))
    return out + [Sample("last", (x((3, 4)), -1)), Sample("after-last", (x((3, 4)), 2)),
                  Sample("0d-neg", (x(()), -1))]


DIM3_ERRORS = (ErrorSample("dim-out-of-range", (_f((2, 3)), 3), mentions=("[-2, 1]", "3")),)
UNSQUEEZE_ERRORS = (ErrorSample("dim-out-of-range", (_f((2, 3)), 3), mentions=("[-3, 2]", "3")),
                    ErrorSample("no-dim", (_f((2, 3)),)), ErrorSample("float-dim", (_f((2, 3)), 1.5)))


def transpose_samples(dt):
    rng, x = _x("transpose", dt)
    out = _common("transpose", x, (0, 1), (0, -1), (0, 1))
    return out + [Sample("3d", (x((2, 3, 2)), -1, 0)), Sample("same-dim", (x((3, 4)), 1, 1)),
                  Sample("size1", (x((1, 3)), 0, 1))]


TRANSPOSE_ERRORS = (ErrorSample("dim-out-of-range", (_f((2, 3)), 0, 2), mentions=("[-2, 1]", "2")),
                    ErrorSample("one-dim", (_f((2, 3)), 0)))


def permute_samples(dt):
    rng, x = _x("permute", dt)
    out = _common("permute", x, ((1, 0),), ((),), ((1, 0),), method_args=(1, 0))
    return out + [Sample("3d", (x((2, 3, 2)), (2, 0, 1))), Sample("3d-negative", (x((2, 3, 2)), (-1, 0, 1))),
                  Sample("method-3d-varargs", (x((2, 3, 2)), 1, 2, 0), call=_method("permute"))]


PERMUTE_ERRORS = (
    ErrorSample("wrong-length", (_f((2, 3)), (0, 1, 2)), mentions=("2", "3")),
    ErrorSample("repeated", (_f((2, 3)), (0, 0))),
    ErrorSample("out-of-range", (_f((2, 3)), (0, 2)), mentions=("[-2, 1]", "2")),
)


def split_samples(dt):
    rng, x = _x("split", dt)
    out = _common("split", x, (2,), None, (2,))
    return out + [Sample("uneven", (x((5, 3)), 2)), Sample("sizes", (x((5, 3)), [1, 4])),
                  Sample("dim1", (x((2, 5)), 2), {"dim": 1}), Sample("sizes-dim1-with-zero", (x((2, 5)), [2, 0, 3], 1)),
                  Sample("larger-than-dim", (x((2, 3)), 4))]


SPLIT_ERRORS = (
    ErrorSample("sizes-wrong-sum", (_f((2, 3)), [1, 2]), mentions=("[1, 2]", "2")),
    ErrorSample("zero-size", (_f((2, 3)), 0)), ErrorSample("0d", (_f(()), 1)),
    ErrorSample("dim-out-of-range", (_f((2, 3)), 2), {"dim": 3}, mentions=("[-2, 1]", "3")),
)


def chunk_samples(dt):
    rng, x = _x("chunk", dt)
    out = _common("chunk", x, (2,), None, (2,))
    return out + [Sample("uneven", (x((5, 3)), 2)), Sample("dim1", (x((2, 5)), 3), {"dim": 1}),
                  Sample("more-than-size", (x((2, 3)), 5)), Sample("one", (x((2, 3)), 1))]


CHUNK_ERRORS = (ErrorSample("zero-chunks", (_f((2, 3)), 0), mentions=("0",)), ErrorSample("0d", (_f(()), 2)),
                ErrorSample("dim-out-of-range", (_f((2, 3)), 2, 2), mentions=("[-2, 1]", "2")))


def gather_samples(dt):
    rng, x = _x("gather", dt)
    i2 = ints(rng, (3, 2), 0, 4)
    return [
        Sample("dim1", (x((3, 4)), 1, i2)), Sample("dim0", (x((3, 4)), 0, ints(rng, (2, 4), 0, 3))),
        Sample("negative-dim", (x((3, 4)), -1, i2)), Sample("smaller-index", (x((3, 4)), 1, ints(rng, (2, 2), 0, 4))),
        Sample("repeated-index", (x((2, 3)), 1, _idx([[0, 0, 0], [2, 2, 1]]))),
        Sample("empty-index", (x((3, 4)), 1, _idx(np.zeros((3, 0))))), Sample("0d", (x(()), 0, _idx(0))),
        Sample("transposed", (x((3, 4), "T"), 1, i2)), Sample("sliced", (x((3, 4), "step"), 1, i2)),
        Sample("transposed-index", (x((3, 4)), 1, ints(rng, (3, 2), 0, 4, view="T"))),
        Sample("int32-index", (x((3, 4)), 1, _idx([[0, 1], [3, 3], [2, 0]], np.int32))),
        Sample("method", (x((3, 4)), 1, i2), call=_method("gather")), Sample("size1", (x((1, 1)), 1, _idx([[0]]))),
    ]


GATHER_ERRORS = (
    ErrorSample("index-out-of-range", (_f((2, 3)), 1, _idx([[5], [0]])), mentions=("5", "3")),
    ErrorSample("index-dims-mismatch", (_f((2, 3)), 1, _idx([0]))),
    ErrorSample("float-index", (_f((2, 3)), 1, _f((2, 1)))),
    ErrorSample("index-too-large", (_f((2, 3)), 0, _idx([[0, 1, 1, 1]]))),
    ErrorSample("list-index", (_f((2, 3)), 1, [[0], [1]])),
    ErrorSample("dim-out-of-range", (_f((2, 3)), 2, _idx([[0], [1]]))),
)


def index_select_samples(dt):
    rng, x = _x("index_select", dt)
    return [
        Sample("dim0", (x((3, 4)), 0, _idx([2, 0]))), Sample("dim1-repeated", (x((3, 4)), 1, _idx([1, 1, 3, 1]))),
        Sample("negative-dim", (x((3, 4)), -1, _idx([0]))), Sample("empty-index", (x((3, 4)), 0, _idx(np.zeros(0)))),
        Sample("empty-input", (x((0, 3)), 1, _idx([2]))), Sample("0d", (x(()), 0, _idx([0]))),
        Sample("transposed", (x((3, 4), "T"), 0, _idx([1, 2]))), Sample("sliced", (x((3, 4), "step"), 1, _idx([3, 0]))),
        Sample("int32-index", (x((3, 4)), 0, _idx([1], np.int32))), Sample("0d-index", (x((3, 4)), 1, _idx(2))),
        Sample("method", (x((3, 4)), 1, _idx([0, 2])), call=_method("index_select")),
    ]


INDEX_SELECT_ERRORS = (
    ErrorSample("list-index", (_f((2, 3)), 0, [0])), ErrorSample("float-index", (_f((2, 3)), 0, _f((1,)))),
    ErrorSample("index-out-of-range", (_f((2, 3)), 0, _idx([5]))),
    ErrorSample("2d-index", (_f((2, 3)), 0, _idx([[0]]))),
    ErrorSample("dim-out-of-range", (_f((2, 3)), 2, _idx([0])), mentions=("[-2, 1]", "2")),
)


def masked_fill_samples(dt):
    rng, x = _x("masked_fill", dt)
    other = np.float64 if dt == np.float32 else np.float32
    m = lambda shape, view=None: mask(rng, shape, view)  # noqa: E731
    out = [
        Sample("same", (x((3, 4)), m((3, 4)), 0.5)), Sample("bcast-mask", (x((3, 4)), m((4,)), -1.0)),
        Sample("0d-mask", (x((2, 3)), m(()), 2.0)), Sample("0d", (x(()), m(()), 2.0)),
        Sample("empty", (x((0, 3)), m((3,)), 1.0)), Sample("size1", (x((1, 1)), m((1,)), 1.0)),
        Sample("transposed", (x((3, 4), "T"), m((3, 4), "T"), 0.0)),
        Sample("sliced", (x((3, 4), "step"), m((3, 4)), 0.0)),
        Sample("np-float64-value", (x((2, 3)), m((2, 3)), np.float64(0.25))),
        Sample("np-float32-value", (x((2, 3)), m((2, 3)), np.float32(0.25))),
        Sample("int-value", (x((2, 3)), m((2, 3)), 3)),
        Sample("neg-inf-value", (x((2, 3)), m((2, 3)), float("-inf")), fd=False),
        Sample("0d-tensor-value", (x((2, 3)), m((2, 3)), t(rng, (), dt))),
        Sample("0d-tensor-value-other-dtype", (x((2, 3)), m((2, 3)), t(rng, (), other))),
        Sample("method", (x((2, 3)), m((2, 3)), 0.5), call=_method("masked_fill")),
    ]
    if dt == np.float32:
        out += [Sample("int64-float-value", (ints(rng, (2, 3), -3, 4), m((2, 3)), 0.5))]
    return out


MASKED_FILL_ERRORS = (
    ErrorSample("float-mask", (_f((2, 3)), _f((2, 3)), 1.0), mentions=("bool",)),
    ErrorSample("none-value", (_f((2, 3)), T(np.ones((2, 3), bool), False), None)),
    ErrorSample("1d-tensor-value", (_f((2, 3)), T(np.ones((2, 3), bool), False), _f((1,)))),
    ErrorSample("bad-broadcast", (_f((2, 3)), T(np.ones(2, bool), False), 1.0), mentions=("2", "3")),
    ErrorSample("str-value", (_f((2, 3)), T(np.ones((2, 3), bool), False), "abc")),
)

OPS = [
    OpInfo("reshape", reshape_samples, RESHAPE_ERRORS), OpInfo("flatten", flatten_samples, FLATTEN_ERRORS),
    OpInfo("squeeze", squeeze_samples, DIM3_ERRORS), OpInfo("unsqueeze", unsqueeze_samples, UNSQUEEZE_ERRORS),
    OpInfo("transpose", transpose_samples, TRANSPOSE_ERRORS), OpInfo("permute", permute_samples, PERMUTE_ERRORS),
    OpInfo("split", split_samples, SPLIT_ERRORS), OpInfo("chunk", chunk_samples, CHUNK_ERRORS),
    OpInfo("gather", gather_samples, GATHER_ERRORS), OpInfo("index_select", index_select_samples, INDEX_SELECT_ERRORS),
    OpInfo("masked_fill", masked_fill_samples, MASKED_FILL_ERRORS),
]
