"""Registry entries: nn.functional's norms (batch_norm layer_norm group_norm rms_norm), convolutions
(conv1d conv2d) and pools (max_pool2d avg_pool2d adaptive_avg_pool2d)."""
import numpy as np

from .core import ErrorSample, OpInfo, Sample, T, rng_for, t

FN = "nn.functional."


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def _bn_with_stats(L, x, rm, rv, *rest, **kw):
    """batch_norm's output and the running statistics it updated in place."""
    return L.nn.functional.batch_norm(x, rm, rv, *rest, **kw), rm, rv


def batch_norm_samples(dt):
    rng = rng_for("batch_norm", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    stats = lambda: (T(rng.uniform(-1, 1, 3).astype(dt), False),  # noqa: E731
                     T(rng.uniform(0.5, 2, 3).astype(dt), False))
    wb = lambda: (t(rng, (3,), dt, 0.5, 2.0), t(rng, (3,), dt))  # noqa: E731
    return [
        Sample("train-no-stats", (x((4, 3)), None, None), {"training": True}),
        Sample("train-affine", (x((4, 3)), None, None, *wb()), {"training": True}),
        Sample("train-updates-stats", (x((4, 3)), *stats(), *wb()), {"training": True, "momentum": 0.2},
               call=_bn_with_stats),
        Sample("eval", (x((4, 3)), *stats(), *wb())), Sample("eval-no-affine", (x((4, 3)), *stats())),
        Sample("train-3d", (x((2, 3, 4)), None, None, *wb()), {"training": True}),
        Sample("train-4d", (x((2, 3, 2, 2)), *stats(), *wb()), {"training": True}, call=_bn_with_stats),
        Sample("eval-4d", (x((2, 3, 2, 2)), *stats()), {"eps": 1e-3}),
        Sample("train-transposed", (x((4, 3), "T"), None, None, *wb()), {"training": True}),
        Sample("eval-empty-batch", (x((0, 3)), *stats(), *wb())),
        Sample("eval-size1", (x((1, 1)), T(np.array([0.5], dt), False), T(np.array([2.0], dt), False))),
    ]


BATCH_NORM_ERRORS = (
    ErrorSample("one-value-per-channel", (_f((1, 3)), None, None), {"training": True}, mentions=("1, 3",)),
    ErrorSample("mixed-dtype", (_f((4, 3), np.float64), _f((3,)), _f((3,))), {"training": True}),
    ErrorSample("mixed-dtype-affine", (_f((4, 3), np.float64), None, None, _f((3,)), _f((3,))), {"training": True}),
    ErrorSample("stats-size", (_f((4, 3)), _f((2,)), _f((2,)))),
)


def layer_norm_samples(dt):
    rng = rng_for("layer_norm", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    return [
        Sample("last-dim", (x((3, 4)), (4,))), Sample("affine", (x((3, 4)), (4,), x((4,)), x((4,)))),
        Sample("two-dims", (x((2, 3, 4)), (3, 4), x((3, 4)), x((3, 4)))), Sample("int-shape", (x((3, 4)), [4])),
        Sample("eps", (x((3, 4)), (4,)), {"eps": 1e-2}), Sample("empty-batch", (x((0, 4)), (4,), x((4,)), x((4,)))),
        Sample("transposed", (x((3, 4), "T"), (4,), x((4,)), x((4,)))), Sample("1d", (x((5,)), (5,))),
        Sample("weight-only", (x((3, 4)), (4,), x((4,)))),
        Sample("size1", (x((1, 1)), (1,), x((1,)), x((1,))), {"eps": 0.1}),
    ]


NORM_SHAPE_ERRORS = (
    ErrorSample("shape-mismatch", (_f((3, 4)), (5,)), mentions=("[5]", "[3, 4]")),
    ErrorSample("mixed-dtype", (_f((3, 4), np.float64), (4,), _f((4,)), _f((4,)))),
    ErrorSample("int-input", (_f((3, 4), np.int64), (4,))),
    ErrorSample("0d", (_f(()), ())),
)


def group_norm_samples(dt):
    rng = rng_for("group_norm", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    return [
        Sample("3d", (x((2, 4, 3)), 2, x((4,)), x((4,)))), Sample("4d", (x((2, 4, 2, 2)), 2, x((4,)), x((4,)))),
        Sample("one-group", (x((2, 4, 3)), 1)), Sample("group-per-channel", (x((2, 4, 3)), 4)),
        Sample("eps", (x((2, 4, 3)), 2), {"eps": 1e-2}), Sample("transposed", (x((2, 4, 3), "T"), 2, x((4,)), x((4,)))),
        Sample("2d", (x((3, 4)), 2, x((4,)), x((4,)))), Sample("empty-batch", (x((0, 4, 3)), 2, x((4,)), x((4,)))),
    ]


GROUP_NORM_ERRORS = (
    ErrorSample("groups-do-not-divide", (_f((2, 4, 3)), 3), mentions=("[2, 4, 3]", "num_groups=3")),
    ErrorSample("weight-size", (_f((2, 4, 3)), 2, _f((3,)), _f((3,)))),
)


def rms_norm_samples(dt):
    rng = rng_for("rms_norm", dt)
    x = lambda shape, view=None, d=dt: t(rng, shape, d, view=view)  # noqa: E731
    other = np.float64 if dt == np.float32 else np.float32
    return [
        Sample("last-dim", (x((3, 4)), (4,))), Sample("weight", (x((3, 4)), (4,), x((4,)))),
        Sample("two-dims", (x((2, 3, 4)), (3, 4), x((3, 4)))), Sample("eps", (x((3, 4)), (4,)), {"eps": 1e-2}),
        Sample("empty-batch", (x((0, 4)), (4,), x((4,)))), Sample("transposed", (x((3, 4), "T"), (4,), x((4,)))),
        Sample("weight-other-dtype", (x((3, 4)), (4,), x((4,), d=other))), Sample("size1", (x((1,)), (1,), x((1,)))),
    ]


RMS_NORM_ERRORS = (ErrorSample("shape-mismatch", (_f((3, 4)), (5,)), mentions=("[5]", "[3, 4]")),)


NONCONTIGUOUS_INPUT = {1: (1, 5, 4), 2: (1, 2, 4, 5)}  # transposed in their last two dims


def conv_samples(nd):
    def samples(dt):
        rng = rng_for(f"conv{nd}d", dt)
        x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
        sp = (5,) * nd
        k = (3,) * nd
        return [
            Sample("basic", (x((2, 3) + sp), x((2, 3) + k), x((2,)))),
            Sample("no-bias", (x((1, 3) + sp), x((2, 3) + k))),
            Sample("stride2", (x((1, 2) + sp), x((2, 2) + k)), {"stride": 2}),
            Sample("padding1", (x((1, 2) + sp), x((3, 2) + k), x((3,))), {"padding": 1}),
            Sample("padding-same", (x((1, 2) + sp), x((2, 2) + (2,) * nd)), {"padding": "same"}),
            Sample("padding-valid", (x((1, 2) + sp), x((2, 2) + k)), {"padding": "valid"}),
            Sample("dilation2", (x((1, 2) + sp), x((2, 2) + (2,) * nd)), {"dilation": 2}),
            Sample("groups2", (x((1, 4) + sp), x((4, 2) + k), x((4,))), {"groups": 2}),
            Sample("unbatched", (x((2,) + sp), x((3, 2) + k))),
            Sample("transposed-input", (x(NONCONTIGUOUS_INPUT[nd], "T"), x((2, NONCONTIGUOUS_INPUT[nd][1]) + k))),
            Sample("kernel1", (x((2, 3) + sp), x((4, 3) + (1,) * nd))),
            Sample("empty-batch", (x((0, 3) + sp), x((2, 3) + k), x((2,)))),
            Sample("size1", (x((1, 1) + (1,) * nd), x((1, 1) + (1,) * nd), x((1,)))),
        ]
    return samples


def conv_errors(nd):
    sp, k = (5,) * nd, (3,) * nd
    return (
        ErrorSample("channels", (_f((1, 4) + sp), _f((2, 3) + k)), mentions=("3 channels", "4 channels")),
        ErrorSample("kernel-too-large", (_f((1, 3) + (2,) * nd), _f((2, 3) + k))),
        ErrorSample("same-with-stride", (_f((1, 3) + sp), _f((2, 3) + k)), {"stride": 2, "padding": "same"}),
        ErrorSample("groups", (_f((1, 3) + sp), _f((2, 3) + k)), {"groups": 2}),
        ErrorSample("mixed-dtype", (_f((1, 3) + sp, np.float64), _f((2, 3) + k))),
        ErrorSample("bad-padding-str", (_f((1, 3) + sp), _f((2, 3) + k)), {"padding": "abc"}, mentions=("abc",)),
    )


def pool_samples(name):
    def samples(dt):
        rng = rng_for(name, dt)
        x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
        out = [Sample("k2", (x((1, 2, 4, 4)), 2)), Sample("k3-s1", (x((1, 1, 4, 5)), 3), {"stride": 1}),
               Sample("padding1", (x((1, 2, 4, 4)), 3), {"stride": 2, "padding": 1}),
               Sample("ceil-mode", (x((1, 1, 5, 5)), 2), {"ceil_mode": True}),
               Sample("rect-kernel", (x((2, 1, 4, 6)), (2, 3))), Sample("unbatched", (x((2, 4, 4)), 2)),
               Sample("transposed", (x((1, 2, 4, 6), "T"), 2)), Sample("sliced", (x((1, 1, 4, 4), "step"), 2)),
               Sample("empty-batch", (x((0, 1, 4, 4)), 2)), Sample("size1", (x((1, 1, 1, 1)), 1))]
        if name == "max_pool2d":
            out += [Sample("return-indices", (x((1, 2, 4, 4)), 2), {"return_indices": True}),
                    Sample("dilation2", (x((1, 1, 5, 5)), 2), {"dilation": 2})]
        else:
            out += [Sample("exclude-pad", (x((1, 1, 4, 4)), 3),
                           {"stride": 2, "padding": 1, "count_include_pad": False}),
                    Sample("divisor-override", (x((1, 1, 4, 4)), 2), {"divisor_override": 3})]
        return out
    return samples


def pool_errors():
    return (ErrorSample("pad-too-large", (_f((1, 1, 4, 4)), 2), {"padding": 2}, mentions=("pad=2", "kernel_size=2")),
            ErrorSample("output-too-small", (_f((1, 1, 2, 2)), 3), mentions=("1x2x2",)),
            ErrorSample("2d-input", (_f((4, 4)), 2)))


def adaptive_samples(dt):
    rng = rng_for("adaptive_avg_pool2d", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    return [Sample("global", (x((2, 3, 4, 4)), (1, 1))), Sample("uneven", (x((1, 2, 5, 7)), (2, 3))),
            Sample("int-size", (x((1, 2, 4, 4)), 2)), Sample("none-in-size", (x((1, 1, 4, 6)), (None, 2))),
            Sample("larger-than-input", (x((1, 1, 2, 3)), (3, 4))), Sample("unbatched", (x((2, 5, 5)), 3)),
            Sample("transposed", (x((1, 2, 4, 6), "T"), (2, 2))), Sample("empty-batch", (x((0, 1, 4, 4)), 2)),
            Sample("size1", (x((1, 1, 1, 1)), 1))]


ADAPTIVE_ERRORS = (ErrorSample("size-length", (_f((1, 2, 5, 7)), (2, 3, 4)), mentions=("output_size",)),
                   ErrorSample("2d-input", (_f((5, 7)), (2, 3))))

OPS = [
    OpInfo(FN + "batch_norm", batch_norm_samples, BATCH_NORM_ERRORS),
    OpInfo(FN + "layer_norm", layer_norm_samples, NORM_SHAPE_ERRORS),
    OpInfo(FN + "group_norm", group_norm_samples, GROUP_NORM_ERRORS),
    OpInfo(FN + "rms_norm", rms_norm_samples, RMS_NORM_ERRORS),
    OpInfo(FN + "conv1d", conv_samples(1), conv_errors(1)), OpInfo(FN + "conv2d", conv_samples(2), conv_errors(2)),
    OpInfo(FN + "max_pool2d", pool_samples("max_pool2d"), pool_errors()),
    OpInfo(FN + "avg_pool2d", pool_samples("avg_pool2d"), pool_errors()),
    OpInfo(FN + "adaptive_avg_pool2d", adaptive_samples, ADAPTIVE_ERRORS),
]
