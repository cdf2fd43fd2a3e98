"""Registry entries: the README's nn.functional.unfold and nn.functional.fold (im2col / col2im)."""
import numpy as np

from .core import ErrorSample, OpInfo, Sample, T, rng_for, t


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def unfold_samples(dt):
    rng = rng_for("nn.functional.unfold", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    return [
        Sample("k2", (x((2, 3, 5, 6)), 2)),
        Sample("all-options", (x((2, 2, 5, 6)), (2, 3)), {"dilation": (1, 2), "padding": 1, "stride": (2, 1)}),
        Sample("stride-gaps", (x((1, 2, 7, 7)), 2), {"stride": 3}),
        Sample("unbatched", (x((3, 4, 4)), 3), {"padding": (0, 1)}),
        Sample("empty-batch", (x((0, 3, 5, 6)), 2)),
        Sample("size1", (x((1, 1, 1, 1)), 1)),
        Sample("transposed", (x((1, 2, 4, 5), "T"), 2)),
        Sample("sliced", (x((1, 2, 4, 3), "step"), (2, 1)), {"stride": 2}),
        Sample("module", (x((1, 2, 4, 4)),), call=lambda L, a: L.nn.Unfold(kernel_size=2, padding=1)(a)),
    ]


UNFOLD_ERRORS = (
    ErrorSample("2d", (_f((5, 6)), 2), mentions=("[-2, 1]", "2")),
    ErrorSample("5d", (_f((1, 1, 5, 6, 2)), 2), mentions=("[1, 1, 5, 6, 2]",)),
    ErrorSample("no-channels", (_f((2, 0, 5, 6)), 2)),
    ErrorSample("kernel-too-big", (_f((1, 1, 5, 6)), 7), mentions=("(5, 6)", "(-1, 0)")),
    ErrorSample("kernel-0", (_f((1, 1, 5, 6)), 0), mentions=("kernel_height: 0",)),
    ErrorSample("stride-0", (_f((1, 1, 5, 6)), 2), {"stride": 0}, mentions=("stride_height: 0",)),
    ErrorSample("dilation-0", (_f((1, 1, 5, 6)), 2), {"dilation": 0}, mentions=("dilation_height: 0",)),
    ErrorSample("padding-negative", (_f((1, 1, 5, 6)), 2), {"padding": -1}, mentions=("pad_height: -1",)),
    ErrorSample("kernel-3-sizes", (_f((1, 1, 5, 6)), (2, 2, 2)), mentions=("3",)),
    ErrorSample("float-kernel", (_f((1, 1, 5, 6)), 2.0), mentions=("kernel_size",)),
    ErrorSample("int64", (_f((1, 1, 3, 3), np.int64), 2)),
)


def fold_samples(dt):
    rng = rng_for("nn.functional.fold", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    return [
        Sample("k2", (x((2, 12, 20)), (5, 6), 2)),
        Sample("all-options", (x((2, 12, 12)), (5, 6), (2, 3)), {"dilation": (1, 2), "padding": 1, "stride": (2, 1)}),
        Sample("int-size", (x((1, 8, 16)), 5, 2)),
        Sample("stride-gaps", (x((1, 8, 4)), (7, 7), 2), {"stride": 3}),
        Sample("unbatched", (x((27, 8)), (4, 4), 3), {"padding": (0, 1)}),
        Sample("empty-batch", (x((0, 12, 20)), (5, 6), 2)),
        Sample("size1", (x((1, 1, 1)), (1, 1), 1)),
        Sample("transposed", (x((1, 8, 12), "T"), (4, 5), 2)),
        Sample("sliced", (x((1, 8, 6), "step"), (3, 4), 2)),
        Sample("module", (x((1, 8, 25)),), call=lambda L, a: L.nn.Fold((4, 4), kernel_size=2, padding=1)(a)),
    ]


FOLD_ERRORS = (
    ErrorSample("not-divisible", (_f((2, 13, 20)), (5, 6), 2), mentions=("13",)),
    ErrorSample("blocks-mismatch", (_f((2, 12, 21)), (5, 6), 2), mentions=("20", "21")),
    ErrorSample("1d", (_f((12,)), (5, 6), 2)),
    ErrorSample("int-size-mismatch", (_f((2, 12, 20)), 5, 2), mentions=("16", "20")),
)

OPS = [OpInfo("nn.functional.unfold", unfold_samples, UNFOLD_ERRORS),
       OpInfo("nn.functional.fold", fold_samples, FOLD_ERRORS)]
