"""Registry entries: the README's products (outer ger inner cross tensordot trace kron addmm addmv addr
baddbmm addbmm matrix_power)."""
import numpy as np

from .core import ErrorSample, OpInfo, Sample, T, ints, rng_for, t


def _f(shape, dtype=np.float32):
    return T(np.ones(shape, dtype), False)


def _samples(name, rows, method=None, ints_row=None):
    """rows: (label, [(shape, view) per tensor], extra args, kwargs); a method-form sample and an
    int64 sample (float32 only) where given."""
    def samples(dt):
        rng = rng_for(name, dt)
        out = []
        for label, specs, extra, kwargs in rows:
            tensors = tuple(t(rng, shape, dt, view=view) for shape, view in specs)
            out.append(Sample(label, tensors + tuple(extra), dict(kwargs)))
        if method is not None:
            specs, extra, kwargs = method[0], method[1], method[2]
            tensors = tuple(t(rng, shape, dt) for shape in specs)
            out.append(Sample("method", tensors + tuple(extra), dict(kwargs),
                              call=lambda L, x, *a, **k: getattr(x, name)(*a, **k)))
        if ints_row is not None and dt == np.float32:
            tensors = tuple(ints(rng, shape, -3, 4) for shape in ints_row[0])
            out.append(Sample("int64", tensors + tuple(ints_row[1]), dict(ints_row[2])))
        return out
    return samples


N = None  # contiguous
OUTER_ROWS = [("1d-1d", [((3,), N), ((4,), N)], (), {}), ("empty", [((0,), N), ((2,), N)], (), {}),
              ("size1", [((1,), N), ((1,), N)], (), {}), ("sliced", [((3,), "step"), ((2,), "step")], (), {})]
INNER_ROWS = [("1d", [((4,), N), ((4,), N)], (), {}), ("nd", [((2, 3), N), ((4, 3), N)], (), {}),
              ("0d", [((), N), ((2, 3), N)], (), {}), ("empty", [((0, 3), N), ((2, 3), N)], (), {}),
              ("size1", [((1, 1), N), ((1,), N)], (), {}), ("transposed", [((4, 3), "T"), ((2, 3), N)], (), {})]
CROSS_ROWS = [("dim0", [((3, 4), N), ((3, 4), N)], (), {"dim": 0}), ("last", [((2, 3), N), ((2, 3), N)], (), {"dim": -1}),
              ("bcast", [((1, 3), N), ((4, 3), N)], (), {"dim": 1}), ("empty", [((0, 3), N), ((0, 3), N)], (), {"dim": 1}),
              ("size1", [((1, 3), N), ((1, 3), N)], (), {"dim": 1}),
              ("transposed", [((2, 3), "T"), ((2, 3), N)], (), {"dim": 1})]
TENSORDOT_ROWS = [("dims2", [((2, 3, 4), N), ((3, 4, 2), N)], (), {"dims": 2}),
                  ("lists", [((4, 3, 2), N), ((2, 4, 3), N)], (), {"dims": ([0, 2], [1, 0])}),
                  ("0d", [((), N), ((3,), N)], (), {"dims": 0}), ("empty", [((0, 3), N), ((3, 2), N)], (), {"dims": 1}),
                  ("size1", [((1, 1), N), ((1,), N)], (), {"dims": 1}),
                  ("transposed", [((3, 4), "T"), ((4, 2), "step")], (), {"dims": 1})]
TRACE_ROWS = [("square", [((3, 3), N)], (), {}), ("wide", [((2, 4), N)], (), {}), ("empty", [((0, 3), N)], (), {}),
              ("size1", [((1, 1), N)], (), {}), ("transposed", [((3, 4), "T")], (), {})]
KRON_ROWS = [("2d", [((2, 3), N), ((3, 2), N)], (), {}), ("mixed", [((2,), N), ((2, 3), N)], (), {}),
             ("0d", [((), N), ((2, 2), N)], (), {}), ("empty", [((0, 2), N), ((2, 2), N)], (), {}),
             ("size1", [((1, 1), N), ((1,), N)], (), {}), ("sliced", [((2, 3), N), ((2, 2), "step")], (), {})]  # (torch refuses a transposed first operand)
ADDMM_ROWS = [("plain", [((3, 4), N), ((3, 2), N), ((2, 4), N)], (), {}),
              ("beta-alpha", [((4,), N), ((3, 2), N), ((2, 4), N)], (), {"beta": 0.5, "alpha": -2.0}),
              ("0d-input", [((), N), ((3, 2), N), ((2, 4), N)], (), {"alpha": 3}),
              ("empty", [((0, 4), N), ((0, 2), N), ((2, 4), N)], (), {}),
              ("empty-inner", [((3, 4), N), ((3, 0), N), ((0, 4), N)], (), {"beta": 2}),
              ("size1", [((1, 1), N), ((1, 1), N), ((1, 1), N)], (), {}),
              ("transposed", [((3, 4), "T"), ((3, 2), "T"), ((2, 4), "step")], (), {})]
ADDMV_ROWS = [("plain", [((3,), N), ((3, 4), N), ((4,), N)], (), {"beta": 2, "alpha": 0.5}),
              ("0d-input", [((), N), ((3, 4), N), ((4,), N)], (), {}),
              ("empty", [((0,), N), ((0, 4), N), ((4,), N)], (), {}), ("size1", [((1,), N), ((1, 1), N), ((1,), N)], (), {}),
              ("transposed", [((3,), "step"), ((3, 4), "T"), ((4,), N)], (), {})]
ADDR_ROWS = [("plain", [((3, 4), N), ((3,), N), ((4,), N)], (), {"alpha": 2}),
             ("0d-input", [((), N), ((3,), N), ((4,), N)], (), {"beta": 0.5}),
             ("empty", [((0, 4), N), ((0,), N), ((4,), N)], (), {}), ("size1", [((1, 1), N), ((1,), N), ((1,), N)], (), {}),
             ("transposed", [((3, 4), "T"), ((3,), "step"), ((4,), N)], (), {})]
BADDBMM_ROWS = [("plain", [((2, 3, 4), N), ((2, 3, 5), N), ((2, 5, 4), N)], (), {"beta": 0.5}),
                ("0d-input", [((), N), ((2, 3, 2), N), ((2, 2, 4), N)], (), {}),
                ("empty", [((0, 3, 4), N), ((0, 3, 2), N), ((0, 2, 4), N)], (), {}),
                ("size1", [((1, 1, 1), N), ((1, 1, 1), N), ((1, 1, 1), N)], (), {}),
                ("transposed", [((2, 3, 4), "T"), ((2, 3, 2), "T"), ((2, 2, 4), "step")], (), {})]
ADDBMM_ROWS = [("plain", [((3, 4), N), ((2, 3, 5), N), ((2, 5, 4), N)], (), {"alpha": 1.5}),
               ("0d-input", [((), N), ((2, 3, 2), N), ((2, 2, 4), N)], (), {}),
               ("empty-batch", [((3, 4), N), ((0, 3, 2), N), ((0, 2, 4), N)], (), {}),
               ("size1", [((1, 1), N), ((1, 1, 1), N), ((1, 1, 1), N)], (), {}),
               ("transposed", [((3, 4), "T"), ((2, 3, 2), "T"), ((2, 2, 4), "step")], (), {})]
MPOW_ROWS = [("n3", [((3, 3), N)], (3,), {}), ("n2-batched", [((2, 3, 3), N)], (2,), {}),
             ("n1", [((3, 3), N)], (1,), {}), ("empty", [((0, 0), N)], (2,), {}), ("size1", [((1, 1), N)], (4,), {}),
             ("transposed", [((3, 3), "T")], (2,), {})]

OUTER_ERRORS = (ErrorSample("2d", (_f((2, 2)), _f((2,))), mentions=("1-D", "2-D")),
                ErrorSample("0d", (_f(()), _f((2,)))))
INNER_ERRORS = (ErrorSample("mismatch", (_f((3, 3)), _f((3, 4))), mentions=("[3, 3]", "[3, 4]")),
                ErrorSample("dtypes", (_f((3,)), _f((3,), np.float64)), mentions=("same dtype",)))
CROSS_ERRORS = (ErrorSample("not-3", (_f((3, 4)), _f((3, 4))), {"dim": 1}, mentions=("length 3",)),
                ErrorSample("0d", (_f(()), _f(())), {"dim": 0}))
TENSORDOT_ERRORS = (ErrorSample("mismatch", (_f((3, 3)), _f((3, 4))), {"dims": ([1], [1])}, mentions=("size 3", "size 4")),
                    ErrorSample("lengths", (_f((3, 3)), _f((3, 4))), {"dims": ([0, 1], [0])}),
                    ErrorSample("dtypes", (_f((3,)), _f((3,), np.float64)), {"dims": 1}))
TRACE_ERRORS = (ErrorSample("1d", (_f((3,)),), mentions=("matrix",)), ErrorSample("0d", (_f(()),)))
KRON_ERRORS = (ErrorSample("not-tensor", (_f((2,)), [1.0, 2.0])),)
ADDMM_ERRORS = (ErrorSample("shapes", (_f((3, 4)), _f((3, 2)), _f((3, 4))), mentions=("3x2", "3x4")),
                ErrorSample("input", (_f((3, 3)), _f((3, 2)), _f((2, 4))), mentions=("[3, 4]", "[3, 3]")),
                ErrorSample("1d-mat", (_f((3, 4)), _f((2,)), _f((2, 4)))),
                ErrorSample("dtypes", (_f((3, 4)), _f((3, 2), np.float64), _f((2, 4)))))
ADDMV_ERRORS = (ErrorSample("2d-vec", (_f((3,)), _f((3, 4)), _f((4, 1)))),
                ErrorSample("mismatch", (_f((3,)), _f((3, 4)), _f((3,)))))
ADDR_ERRORS = (ErrorSample("2d-vec", (_f((3, 4)), _f((3, 1)), _f((4,)))),
               ErrorSample("input", (_f((2, 4)), _f((3,)), _f((4,))), mentions=("[3, 4]", "[2, 4]")))
BADDBMM_ERRORS = (ErrorSample("2d", (_f((3, 4)), _f((3, 5)), _f((5, 4)))),
                 ErrorSample("batches", (_f((2, 3, 4)), _f((2, 3, 5)), _f((3, 5, 4)))),
                  ErrorSample("2d", (_f((3, 4)), _f((3, 5)), _f((5, 4)))))
ADDBMM_ERRORS = (ErrorSample("2d", (_f((3, 4)), _f((3, 5)), _f((5, 4)))),
                 ErrorSample("batches", (_f((3, 4)), _f((2, 3, 5)), _f((3, 5, 4)))),
                 ErrorSample("input", (_f((3, 3)), _f((2, 3, 5)), _f((2, 5, 4))), mentions=("[3, 4]", "[3, 3]")))
MPOW_ERRORS = (ErrorSample("rect", (_f((3, 4)), 2), mentions=("3 by 4",)), ErrorSample("1d", (_f((3,)), 2)),
               ErrorSample("0d", (_f(()), 2)))

OPS = [
    OpInfo("outer", _samples("outer", OUTER_ROWS, (((3,), (2,)), (), {}), (((3,), (2,)), (), {})), OUTER_ERRORS),
    OpInfo("ger", _samples("ger", OUTER_ROWS, (((2,), (3,)), (), {})), OUTER_ERRORS),
    OpInfo("inner", _samples("inner", INNER_ROWS, (((2, 3), (3,)), (), {}), (((3,), (3,)), (), {})), INNER_ERRORS),
    OpInfo("cross", _samples("cross", CROSS_ROWS, (((4, 3), (4, 3)), (), {"dim": 1})), CROSS_ERRORS),
    OpInfo("tensordot", _samples("tensordot", TENSORDOT_ROWS), TENSORDOT_ERRORS),
    OpInfo("trace", _samples("trace", TRACE_ROWS, (((3, 3),), (), {}), (((3, 3),), (), {})), TRACE_ERRORS),
    OpInfo("kron", _samples("kron", KRON_ROWS, (((2, 2), (2,)), (), {}), (((2, 2), (2,)), (), {})), KRON_ERRORS),
    OpInfo("addmm", _samples("addmm", ADDMM_ROWS, (((3, 4), (3, 2), (2, 4)), (), {"beta": 2}),
                             (((3, 4), (3, 2), (2, 4)), (), {"alpha": 2})), ADDMM_ERRORS),
    OpInfo("addmv", _samples("addmv", ADDMV_ROWS, (((3,), (3, 2), (2,)), (), {})), ADDMV_ERRORS),
    OpInfo("addr", _samples("addr", ADDR_ROWS, (((3, 2), (3,), (2,)), (), {"alpha": 3})), ADDR_ERRORS),
    OpInfo("baddbmm", _samples("baddbmm", BADDBMM_ROWS, (((2, 3, 2), (2, 3, 4), (2, 4, 2)), (), {})), BADDBMM_ERRORS),
    OpInfo("addbmm", _samples("addbmm", ADDBMM_ROWS, (((3, 2), (2, 3, 4), (2, 4, 2)), (), {})), ADDBMM_ERRORS),
    OpInfo("matrix_power", _samples("matrix_power", MPOW_ROWS, (((3, 3),), (3,), {}), (((3, 3),), (2,), {})),
           MPOW_ERRORS),
]
