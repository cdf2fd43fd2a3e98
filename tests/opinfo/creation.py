"""Registry entries: the README's deterministic creation functions (tensor as_tensor from_numpy zeros ones
full empty zeros_like ones_like arange linspace eye stack cat). Random ones: creation_random.py.

Creation is exact: values are compared bit for bit ("exact"), except linspace (torch computes its
steps from both ends)."""
import numpy as np

from .core import DT, A, ErrorSample, OpInfo, Sample, T, ints, rng_for, t


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


F64_EDGES = (0.72, 1e300, 1e-300, 16777217.0, 0.1 + 0.2)


def tensor_samples(dt):
    if dt == np.float64:
        x64 = rng_for("tensor", dt).uniform(-1, 1, (2, 3))
        out = [Sample(f"py-{v!r}-as-float64", (v,), {"dtype": DT("float64")}) for v in F64_EDGES]
        return out + [
            Sample("list-as-float64", ([0.72, 1e-300, 16777217.0],), {"dtype": DT("float64")}),
            Sample("tolist-as-float64", (x64.tolist(),), {"dtype": DT("float64")}),
            Sample("np-float64-scalar", (np.float64(0.72),)), Sample("list-of-np-float64", ([np.float64(0.72)],)),
            Sample("ndarray-float64", (A(x64),)), Sample("ndarray-float64-transposed", (A(x64, "T"),)),
            Sample("requires-grad", ([0.5, 1.5],), {"dtype": DT("float64"), "requires_grad": True})]
    return [
        Sample("py-float", (0.72,)), Sample("list", ([0.5, -1.25, 3.0],)),
        Sample("nested", ([[1.0, 2.0], [3.0, 4.0]],)),
        Sample("ints", ([1, 2, 3],)), Sample("bools", ([True, False],)), Sample("py-bool", (True,)),
        Sample("mixed-int-float", ([1, 2.5],)), Sample("empty-list", ([],)), Sample("empty-nested", ([[], []],)),
        Sample("np-float32-scalar", (np.float32(0.5),)), Sample("list-of-np-float32", ([np.float32(0.5)],)),
        Sample("np-int32-array", (A(np.arange(3, dtype=np.int32)),)),
        Sample("dtype-int64-from-floats", ([1.7, -2.2],), {"dtype": DT("int64")}),
        Sample("requires-grad", ([0.5, 1.5],), {"requires_grad": True}),
        Sample("dtype-float16", ([0.1, 65504.0],), {"dtype": DT("float16")}),
    ]


TENSOR_ERRORS = (
    ErrorSample("ragged", ([[1, 2], [3]],), mentions=("2",)), ErrorSample("str", ("abc",)),
    ErrorSample("numpy-dtype", ([1.0],), {"dtype": np.float32}),
    ErrorSample("requires-grad-str", ([1.0],), {"requires_grad": "abc"}),
    ErrorSample("int-requires-grad", ([1],), {"requires_grad": True}),
    ErrorSample("device-cuda", ([1.0],), {"device": "cuda"}), ErrorSample("device-abc", ([1.0],), {"device": "abc"}),
)


def as_tensor_samples(dt):
    rng = rng_for("as_tensor", dt)
    arr = rng.uniform(-1, 1, (2, 3)).astype(dt)
    other = DT("float32" if dt == np.float64 else "float64")
    return [Sample("ndarray", (A(arr),)), Sample("ndarray-transposed", (A(arr, "T"),)), Sample("list", ([0.72, 1.5],)),
            Sample("np-scalar", (dt(0.72),)), Sample("tensor", (T(arr, False),)),
            Sample("tensor-to-other", (T(arr, False),), {"dtype": other}),
            Sample("ndarray-to-other", (A(arr),), {"dtype": other}), Sample("empty", (A(np.zeros((0, 2), dt)),)),
            Sample("size1", ([0.5],), {"dtype": DT(np.dtype(dt).name)})]


def from_numpy_samples(dt):
    rng = rng_for("from_numpy", dt)
    out = [Sample("2d", (A(rng.uniform(-1, 1, (2, 3)).astype(dt)),)), Sample("0d", (A(np.array(0.72, dt)),)),
           Sample("empty", (A(np.zeros((0, 3), dt)),)), Sample("size1", (A(np.full((1,), 0.5, dt)),)),
           Sample("transposed", (A(rng.rand(3, 2).astype(dt), "T"),)),
           Sample("sliced", (A(rng.rand(2, 6).astype(dt), "step"),))]
    if dt == np.float32:
        kinds = (np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_, np.float16)
        out += [Sample(f"{d.__name__}", (A(np.arange(4).astype(d)),)) for d in kinds]
    return out


FROM_NUMPY_ERRORS = (ErrorSample("list", ([1.0],)), ErrorSample("str-array", (A(np.array(["a"])),)),
                     ErrorSample("object-array", (A(np.array([1, None], dtype=object)),)))


def _sizes(dt):
    d = {"dtype": DT("float64")} if dt == np.float64 else {}
    return [Sample("varargs", (2, 3), d), Sample("tuple", ((2, 3),), d), Sample("list", ([2, 1],), d),
            Sample("size-kw", (), dict(d, size=(3,))), Sample("0d", ((),), d), Sample("empty", (0,), d),
            Sample("empty-2d", (2, 0), d), Sample("size1", (1,), d),
            Sample("requires-grad", (2,), dict(d, requires_grad=True))]


def fill_samples(dt):
    out = _sizes(dt)
    if dt == np.float32:
        out += [Sample("int64", (2, 2), {"dtype": DT("int64")}), Sample("bool", (3,), {"dtype": DT("bool")}),
                Sample("np-int-size", (np.int64(2), 3))]
    return out


def _size_errors():
    return (ErrorSample("negative", (-1,)), ErrorSample("float-size", (1.5,)),
            ErrorSample("bool-size", (True,)), ErrorSample("str-size", ("a",)),
            ErrorSample("numpy-dtype", (2,), {"dtype": np.float32}),
            ErrorSample("int-requires-grad", (2,), {"dtype": DT("int64"), "requires_grad": True}),
            ErrorSample("device-cuda", (2,), {"device": "cuda"}),
            ErrorSample("device-cuda0", (2,), {"device": "cuda:0"}),
            ErrorSample("device-mps", (2,), {"device": "mps"}), ErrorSample("device-abc", (2,), {"device": "abc"}),
            ErrorSample("device-int", (2,), {"device": 0}))


def full_samples(dt):
    d = {"dtype": DT("float64")} if dt == np.float64 else {}
    out = [Sample("float", ((2, 3), 0.72), d), Sample("0d", ((), 1.5), d), Sample("empty", ((0,), 1.0), d),
           Sample("size1", ((1, 1), -2.5), d),
           Sample("np-float64-value", ((2,), np.float64(0.72)), d),
           Sample("requires-grad", ((2,), 0.5), dict(d, requires_grad=True))]
    if dt == np.float32:
        out += [Sample("int-value", ((2, 3), 2)), Sample("bool-value", ((2,), True)),
                Sample("np-int64-value", ((2,), np.int64(3))),
                Sample("int-value-float-dtype", ((2,), 3), {"dtype": DT("float32")}),
                Sample("list-size", ([2, 2], 0.5))]
    return out


FULL_ERRORS = (ErrorSample("none-value", ((2,), None)), ErrorSample("str-value", ((2,), "a")),
               ErrorSample("negative-size", ((-1,), 1.0)), ErrorSample("no-value", ((2,),)),
               ErrorSample("device-cuda", ((2,), 1.0), {"device": "cuda"}))


def like_samples(name):
    def samples(dt):
        rng = rng_for(name, dt)
        x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
        other = DT("float32" if dt == np.float64 else "float64")
        out = [Sample("2d", (x((2, 3)),)), Sample("0d", (x(()),)), Sample("empty", (x((0, 3)),)),
               Sample("size1", (x((1, 1)),)),
               Sample("transposed", (x((3, 4), "T"),)), Sample("sliced", (x((2, 3), "step"),)),
               Sample("other-dtype", (x((2, 3)),), {"dtype": other}),
               Sample("requires-grad", (x((2, 3)),), {"requires_grad": True})]
        if dt == np.float32:
            out += [Sample("int64", (ints(rng, (2, 3), 0, 4),)), Sample("bool", (T(np.ones(3, bool), False),))]
        return out
    return samples


LIKE_ERRORS = (ErrorSample("list", ([1.0],)), ErrorSample("numpy-dtype", (_f((2,)),), {"dtype": np.float32}),
               ErrorSample("device-cuda", (_f((2,)),), {"device": "cuda"}))


def arange_samples(dt):
    d = {"dtype": DT("float64")} if dt == np.float64 else {}
    out = [Sample("float-step", (0.0, 1.0, 0.25), d), Sample("float-step-0.1", (0, 1, 0.1), d),
           Sample("descending", (5.0, 0.0, -1.5), d), Sample("empty", (0.0,), d), Sample("end-float", (2.5,), d),
           Sample("np-float64-end", (np.float64(3.0),), d), Sample("one", (1.0,), d),
           Sample("requires-grad", (3.0,), dict(d, requires_grad=True))]
    if dt == np.float32:
        out += [Sample("int", (5,)), Sample("int-start-step", (0, 10, 3)), Sample("int-desc", (5, 0, -2)),
                Sample("int-float-dtype", (4,), {"dtype": DT("float32")}), Sample("np-int64", (np.int64(4),))]
    return out


ARANGE_ERRORS = (ErrorSample("zero-step", (0, 5, 0), mentions=("step",)), ErrorSample("wrong-sign", (0, 5, -1)),
                 ErrorSample("str", ("a",)), ErrorSample("nan-end", (float("nan"),)))


def linspace_samples(dt):
    d = {"dtype": DT("float64")} if dt == np.float64 else {}
    return [Sample("five", (0, 1, 5), d), Sample("one", (0.0, 1.0, 1), d), Sample("zero", (0.0, 1.0, 0), d),
            Sample("negative-range", (1.0, -1.0, 7), d), Sample("steps-kw", (-2, 2), dict(d, steps=4)),
            Sample("requires-grad", (0.0, 1.0, 3), dict(d, requires_grad=True)),
            Sample("np-scalar-ends", (np.float64(0.1), np.float32(0.9), 3), d)]


LINSPACE_ERRORS = (ErrorSample("negative-steps", (0, 1, -1), mentions=("steps",)),
                   ErrorSample("bool-steps", (0, 1, True)),
                   ErrorSample("float-steps", (0, 1, 2.5)), ErrorSample("no-steps", (0, 1)))


def eye_samples(dt):
    d = {"dtype": DT("float64")} if dt == np.float64 else {}
    out = [Sample("square", (3,), d), Sample("rect", (2, 3), d), Sample("tall", (3, 1), d), Sample("zero", (0,), d),
           Sample("one", (1,), d),
           Sample("requires-grad", (2,), dict(d, requires_grad=True))]
    return out + ([Sample("int64", (2,), {"dtype": DT("int64")}), Sample("bool", (2,), {"dtype": DT("bool")})]
                  if dt == np.float32 else [])


EYE_ERRORS = (ErrorSample("negative", (-1,), mentions=("-1",)), ErrorSample("negative-m", (2, -1)),
              ErrorSample("float", (2.5,)))


def join_samples(name):
    def samples(dt):
        rng = rng_for(name, dt)
        x = lambda shape, view=None, d=dt: t(rng, shape, d, view=view)  # noqa: E731
        other = np.float64 if dt == np.float32 else np.float32
        out = [Sample("dim0", ([x((2, 3)), x((2, 3))],)), Sample("dim1", ([x((2, 3)), x((2, 3))], 1)),
               Sample("dim-1-kw", ([x((2, 3)), x((2, 3)), x((2, 3))],), {"dim": -1}),
               Sample("tuple", ((x((3,)), x((3,))),)), Sample("single", ([x((2, 3))],)),
               Sample("size1", ([x((1, 1)), x((1, 1))],)),
               Sample("empty-tensors", ([x((0, 3)), x((0, 3))],)),
               Sample("non-contiguous", ([x((3, 4), "T"), x((3, 4), "step")], 1)),
               Sample("mixed-float-dtypes", ([x((2, 3)), x((2, 3), d=other)],)),
               Sample("float-and-int", ([x((2, 3)), ints(rng, (2, 3), 0, 4)],))]
        if name == "stack":
            out.append(Sample("0d-tensors", ([x(()), x(())],)))
        else:
            out += [Sample("different-sizes", ([x((1, 3)), x((2, 3))],)),
                    Sample("legacy-empty-1d", ([x((2, 3)), x((0,))],))]
        return out
    return samples


def join_errors(name):
    bad = ([_f((2, 3)), _f((2, 2))],)
    errors = [ErrorSample("single-tensor", (_f((2, 3)), 0)), ErrorSample("shape-mismatch", bad, mentions=("3", "2")),
              ErrorSample("empty-list", ([],)), ErrorSample("dim-out-of-range", ([_f((2, 3)), _f((2, 3))], 3)),
              ErrorSample("list-of-lists", ([[1.0], [2.0]],))]
    if name == "cat":
        errors.append(ErrorSample("0d-tensors", ([_f(()), _f(())],)))
    return tuple(errors)


OPS = [
    OpInfo("tensor", tensor_samples, TENSOR_ERRORS, compare="exact", grad=False),
    OpInfo("as_tensor", as_tensor_samples, (ErrorSample("str", ("abc",)),), compare="exact", grad=False),
    OpInfo("from_numpy", from_numpy_samples, FROM_NUMPY_ERRORS, compare="exact", grad=False),
    OpInfo("zeros", fill_samples, _size_errors(), compare="exact", grad=False),
    OpInfo("ones", fill_samples, _size_errors(), compare="exact", grad=False),
    OpInfo("full", full_samples, FULL_ERRORS, compare="exact", grad=False),
    OpInfo("empty", fill_samples, _size_errors(), compare="meta", grad=False),
    OpInfo("zeros_like", like_samples("zeros_like"), LIKE_ERRORS, compare="exact", grad=False),
    OpInfo("ones_like", like_samples("ones_like"), LIKE_ERRORS, compare="exact", grad=False),
    OpInfo("arange", arange_samples, ARANGE_ERRORS, compare="exact", grad=False),
    OpInfo("linspace", linspace_samples, LINSPACE_ERRORS, grad=False),
    OpInfo("eye", eye_samples, EYE_ERRORS, compare="exact", grad=False),
    OpInfo("stack", join_samples("stack"), join_errors("stack"), compare="exact"),
    OpInfo("cat", join_samples("cat"), join_errors("cat"), compare="exact"),
]
