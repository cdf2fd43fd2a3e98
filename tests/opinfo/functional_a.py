"""Registry entries: nn.functional's linear, bilinear, relu, softmax, log_softmax, cross_entropy, dropout,
dropout2d, one_hot and pad (the README's nn.functional row; the norms, convolutions and pools are in
functional_b.py)."""
import numpy as np

from .compare import assert_close_arrays
from .core import ErrorSample, OpInfo, Sample, T, away, ints, rng_for, t
from .reductions_select import softmax_samples

FN = "nn.functional."


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def linear_samples(dt):
    rng = rng_for("linear", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    return [Sample("2d", (x((2, 3)), x((4, 3)), x((4,)))), Sample("no-bias", (x((2, 3)), x((4, 3)))),
            Sample("bias-none-kw", (x((2, 3)), x((4, 3))), {"bias": None}),
            Sample("1d-input", (x((3,)), x((4, 3)), x((4,)))),
            Sample("3d-input", (x((2, 2, 3)), x((4, 3)), x((4,)))),
            Sample("empty-batch", (x((0, 3)), x((4, 3)), x((4,)))),
            Sample("transposed-weight", (x((2, 3)), x((4, 3), "T"), x((4,)))),
            Sample("sliced-input", (x((2, 3), "step"), x((4, 3)), x((4,)))),
            Sample("size1", (x((1, 1)), x((1, 1)), x((1,)))), Sample("0d-bias", (x((2, 3)), x((4, 3)), x(())))]


LINEAR_ERRORS = (
    ErrorSample("inner-mismatch", (_f((2, 3)), _f((4, 5))), mentions=("2x3", "5x4")),
    ErrorSample("bias-size", (_f((2, 3)), _f((4, 3)), _f((5,))), mentions=("4", "5")),
    ErrorSample("mixed-dtype", (_f((2, 3), np.float64), _f((4, 3)))),
    ErrorSample("0d-input", (_f(()), _f((4, 3)))),
)


def bilinear_samples(dt):
    rng = rng_for("bilinear", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    return [Sample("2d", (x((2, 3)), x((2, 4)), x((5, 3, 4)), x((5,)))),
            Sample("no-bias", (x((2, 3)), x((2, 4)), x((5, 3, 4)))),
            Sample("3d-inputs", (x((2, 2, 3)), x((2, 2, 4)), x((5, 3, 4)), x((5,)))),
            Sample("empty-batch", (x((0, 3)), x((0, 4)), x((5, 3, 4)), x((5,)))),
            Sample("transposed-weight", (x((2, 3)), x((2, 4)), x((5, 3, 4), "T"), x((5,)))),
            Sample("size1", (x((1, 1)), x((1, 1)), x((1, 1, 1)), x((1,))))]


BILINEAR_ERRORS = (
    ErrorSample("input2-size", (_f((2, 3)), _f((2, 4)), _f((5, 3, 5))), mentions=("4", "5")),
    ErrorSample("batch-mismatch", (_f((2, 3)), _f((3, 4)), _f((5, 3, 4))), mentions=("2", "3")),
    ErrorSample("0d", (_f(()), _f(()), _f((1, 1, 1)))),
)


def relu_samples(dt):
    rng = rng_for("F.relu", dt)
    x = lambda shape, view=None: away(rng, shape, dt, view=view)  # noqa: E731
    out = [Sample("2d", (x((3, 4)),)), Sample("0d", (x(()),)), Sample("empty", (x((0, 3)),)),
           Sample("transposed", (x((3, 4), "T"),)), Sample("sliced", (x((2, 3), "step"),)),
           Sample("inplace-false", (x((2, 3)),), {"inplace": False}), Sample("size1", (x((1, 1)),))]
    return out + ([Sample("int64", (ints(rng, (2, 3), -3, 4),))] if dt == np.float32 else [])


def _implicit_dim(dt, name):
    rng = rng_for(name + "/implicit", dt)
    return [Sample("implicit-dim-2d", (t(rng, (2, 3), dt),)), Sample("implicit-dim-3d", (t(rng, (2, 3, 2), dt),)),
            Sample("implicit-dim-1d", (t(rng, (4,), dt),))]


def fsoftmax_samples(name):
    base = softmax_samples(name)
    return lambda dt: [s for s in base(dt) if not s.name.startswith(("method", "permuted"))] + _implicit_dim(dt, name)


def _at_float32_precision(ours, theirs):
    """float32 logits with float64 probabilities: torch computes log_softmax in float32 and only then
    promotes, so the float64 result carries float32 rounding (1 ulp apart here): compare it at
    float32's tolerance. The dtype itself is still compared exactly."""
    assert_close_arrays(ours, theirs, "float32", "cross_entropy(float32 logits, float64 target)")


def cross_entropy_samples(dt):
    rng = rng_for("cross_entropy", dt)
    x = lambda shape, view=None, d=dt: t(rng, shape, d, -3, 3, view=view)  # noqa: E731
    other = np.float64 if dt == np.float32 else np.float32
    target = ints(rng, (4,), 0, 5)
    probs = rng.dirichlet(np.ones(5), size=4)
    return [
        Sample("mean", (x((4, 5)), target)), Sample("sum", (x((4, 5)), target), {"reduction": "sum"}),
        Sample("none", (x((4, 5)), target), {"reduction": "none"}),
        Sample("weight", (x((4, 5)), target), {"weight": t(rng, (5,), dt, 0.5, 2, grad=False)}),
        Sample("weight-none", (x((4, 5)), target),
               {"weight": t(rng, (5,), dt, 0.5, 2, grad=False), "reduction": "none"}),
        Sample("ignore-index", (x((4, 5)), T(np.array([0, 2, 2, 4]), False)), {"ignore_index": 2}),
        Sample("all-ignored", (x((2, 5)), T(np.array([1, 1]), False)), {"ignore_index": 1}, fd=False, gradgrad=False),
        Sample("label-smoothing", (x((4, 5)), target), {"label_smoothing": 0.1}),
        Sample("prob-target", (x((4, 5)), T(probs.astype(dt), False))),
        Sample("prob-target-other-dtype", (x((4, 5)), T(probs.astype(other), False)),
               compare=_at_float32_precision if dt == np.float32 else None),
        Sample("prob-target-grad", (x((4, 5)), T(probs.astype(dt), True))),
        Sample("1d-input", (x((5,)), T(np.array(3), False))), Sample("kdim", (x((2, 5, 3)), ints(rng, (2, 3), 0, 5))),
        Sample("empty-batch", (x((0, 5)), T(np.zeros(0, np.int64), False)), fd=False, gradgrad=False),
        Sample("transposed", (x((4, 5), "T"), target)),
        Sample("uint8-target", (x((4, 5)), ints(rng, (4,), 0, 5, np.uint8))),
        Sample("large-logits", (t(rng, (3, 5), dt, 80, 120), ints(rng, (3,), 0, 5))),
        Sample("size1", (x((1, 1)), T(np.array([0]), False))),
    ]


CROSS_ENTROPY_ERRORS = (
    ErrorSample("target-out-of-range", (_f((3, 5)), T(np.array([0, 5, 1]), False)), mentions=("5",)),
    ErrorSample("float-ignore-index", (_f((3, 5)), T(np.array([0, 1, 1]), False)), {"ignore_index": 2.5}),
    ErrorSample("batch-mismatch", (_f((3, 5)), T(np.array([0, 1]), False)), mentions=("3", "2")),
    ErrorSample("int32-target", (_f((3, 5)), T(np.array([0, 1, 1], np.int32), False))),
    ErrorSample("float-target-1d", (_f((3, 5)), _f((3,)))),
    ErrorSample("int-input", (_f((3, 5), np.int64), T(np.array([0, 1, 1]), False))),
    ErrorSample("bad-reduction", (_f((3, 5)), T(np.array([0, 1, 1]), False)), {"reduction": "avg"}),
)


def _dropout_check(p, channels):
    def check(ours, theirs):
        scale = 1 / (1 - p)
        values = np.unique(ours)
        assert ((values == 0) | np.isclose(values, scale, rtol=1e-6)).all(), \
            f"dropout(p={p}) of ones gives values other than 0 and {scale}: {values}"
        if channels:  # dropout2d: each (n, c) channel is zeroed or kept as a whole
            flat = ours.reshape(ours.shape[0] * ours.shape[1], -1)
            assert (flat == flat[:, :1]).all(), "dropout2d zeroes parts of a channel"
        kept = (ours != 0).mean()
        assert abs(kept - (1 - p)) < 0.2, f"dropout(p={p}) kept {kept:.2f} of the values"
    return check


def dropout_samples(name, shape, ones_shape):
    def samples(dt):
        rng = rng_for(name, dt)
        x = lambda view=None: t(rng, shape, dt, view=view)  # noqa: E731
        ones = T(np.ones(ones_shape, dt), False)
        check = _dropout_check(0.5, name == "dropout2d")
        return [Sample("eval", (x(),), {"p": 0.5, "training": False}), Sample("p0", (x(),), {"p": 0.0}),
                Sample("p1", (x(),), {"p": 1.0}), Sample("eval-transposed", (x("T"),), {"training": False}),
                Sample("train-ones", (ones, 0.5), grad=False, compare=check),
                Sample("train-ones-p0.25", (ones,), {"p": 0.25}, grad=False,
                       compare=_dropout_check(0.25, name == "dropout2d")),
                Sample("empty", (T(np.zeros((0,) + shape[1:], dt)),), {"p": 0.5}, grad=False, compare="meta"),
                Sample("eval-size1", (t(rng, (1,) * len(shape), dt),), {"training": False})] + (
                [Sample("eval-0d", (t(rng, (), dt),), {"training": False})] if name == "dropout" else [])
    return samples


DROPOUT_ERRORS = (ErrorSample("p-above-1", (_f((2, 3, 4)), 1.5), mentions=("1.5",)),
                  ErrorSample("p-negative", (_f((2, 3, 4)),), {"p": -0.1}, mentions=("-0.1",)))


def one_hot_samples(dt):
    rng = rng_for("one_hot", dt)
    if dt == np.float64:
        return [Sample("2d", (ints(rng, (2, 3), 0, 4), 4)),
                Sample("transposed", (ints(rng, (2, 3), 0, 4, view="T"), 5))]
    return [Sample("explicit", (ints(rng, (5,), 0, 4), 4)), Sample("inferred", (ints(rng, (5,), 0, 4),)),
            Sample("inferred-kw", (ints(rng, (5,), 0, 4),), {"num_classes": -1}),
            Sample("0d", (T(np.array(2), False), 4)),
            Sample("empty", (T(np.zeros((0,), np.int64), False), 3)), Sample("size1", (T(np.array([0]), False), 1))]


ONE_HOT_ERRORS = (ErrorSample("float-input", (_f((3,)),)), ErrorSample("negative", (T(np.array([-1]), False),)),
                  ErrorSample("too-large", (T(np.array([5]), False), 3), mentions=("num_classes",)),
                  ErrorSample("empty-inferred", (T(np.zeros(0, np.int64), False),)))


def pad_samples(dt):
    rng = rng_for("pad", dt)
    x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
    return [
        Sample("last-dim", (x((2, 3)), (1, 2))), Sample("two-dims", (x((2, 3)), (1, 1, 2, 0))),
        Sample("value", (x((2, 3)), (1, 1)), {"value": 0.5}), Sample("crop", (x((2, 4)), (-1, 1))),
        Sample("zero-pad", (x((2, 3)), (0, 0))), Sample("empty", (x((0, 3)), (1, 1))),
        Sample("transposed", (x((3, 4), "T"), (1, 0, 0, 2))), Sample("sliced", (x((2, 3), "step"), (2, 2))),
        Sample("reflect", (x((1, 2, 4)), (2, 1)), {"mode": "reflect"}),
        Sample("replicate", (x((1, 2, 3)), (2, 1)), {"mode": "replicate"}),
        Sample("circular", (x((1, 2, 3)), (1, 2)), {"mode": "circular"}),
        Sample("reflect-2d", (x((1, 1, 3, 4)), (1, 2, 2, 1)), {"mode": "reflect"}),
        Sample("constant-3-dims", (x((2, 2, 2)), (1, 0, 0, 1, 1, 1))), Sample("size1", (x((1, 1)), (0, 0))),
    ]


PAD_ERRORS = (ErrorSample("odd-length", (_f((2, 3)), (1,)), mentions=("2",)),
              ErrorSample("too-long", (_f((2, 3)), (1, 1, 1, 1, 1, 1)), mentions=("6", "2")),
              ErrorSample("reflect-too-large", (_f((1, 2, 3)), (3, 3)), {"mode": "reflect"}),
              ErrorSample("0d", (_f(()), (1, 1))),
              ErrorSample("unknown-mode", (_f((2, 3)), (1, 1)), {"mode": "abc"}, mentions=("abc",)))

OPS = [
    OpInfo(FN + "linear", linear_samples, LINEAR_ERRORS), OpInfo(FN + "bilinear", bilinear_samples, BILINEAR_ERRORS),
    OpInfo(FN + "relu", relu_samples, (ErrorSample("str-input", ("abc",)),)),
    OpInfo(FN + "softmax", fsoftmax_samples("softmax"), (ErrorSample("dim-out-of-range", (_f((2, 3)), 2)),)),
    OpInfo(FN + "log_softmax", fsoftmax_samples("log_softmax"), (ErrorSample("dim-out-of-range", (_f((2, 3)), 2)),)),
    OpInfo(FN + "cross_entropy", cross_entropy_samples, CROSS_ENTROPY_ERRORS),
    OpInfo(FN + "dropout", dropout_samples("dropout", (3, 4), (20, 50)), DROPOUT_ERRORS),
    OpInfo(FN + "dropout2d", dropout_samples("dropout2d", (2, 3, 2, 2), (20, 50, 2, 2)), DROPOUT_ERRORS),
    OpInfo(FN + "one_hot", one_hot_samples, ONE_HOT_ERRORS, grad=False),
    OpInfo(FN + "pad", pad_samples, PAD_ERRORS),
]
