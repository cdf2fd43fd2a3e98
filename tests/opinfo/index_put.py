"""Registry entries: index_put (torch.index_put / Tensor.index_put) and Tensor.index_put_."""
import numpy as np

from .core import ErrorSample, OpInfo, Sample, T, rng_for, t


def _i(values):
    return T(np.array(values, dtype=np.int64), False)


def _samples(name, call=None):
    def samples(dt):
        rng = rng_for(name, dt)
        x = lambda shape, view=None: t(rng, shape, dt, view=view)  # noqa: E731
        out = [
            Sample("rows", (x((3, 4)), (_i([0, 2]),), x((2, 4))), call=call),
            Sample("accumulate-repeats", (x((3, 4)), (_i([0, 0, 2]),), x((3, 4))), {"accumulate": True}, call=call),
            Sample("two-indices", (x((3, 4)), (_i([0, 2]), _i([1, 3])), x((2,))), call=call),
            Sample("broadcast-value", (x((3, 4)), (_i([1]),), x(())), call=call),
            Sample("bool-mask", (x((3, 2)), (T(np.array([True, False, True])),), x((2,))), call=call),
            Sample("0d-index", (x((3,)), (_i(1),), x(())), call=call),
            Sample("empty", (x((3, 4)), (_i(np.zeros(0, np.int64)),), x((0, 4))), call=call),
            Sample("size1", (x((1, 1)), (_i([0]),), x((1, 1))), call=call),
            Sample("non-contiguous", (x((4, 3), view="T"), (_i([2, 0]),), x((2, 3))), call=call),
        ]
        return out
    return samples


def _method_call(L, x, indices, values, **kw):
    return x.index_put(indices, values, **kw)


def _inplace_call(L, x, indices, values, **kw):
    return x.clone().index_put_(indices, values, **kw)  # (a leaf requiring grad refuses in-place ops)


def _errors(call=None):
    f = np.float32
    return (
        ErrorSample("indices-not-tuple", (T(np.zeros((3, 2), f)), _i([0]), T(np.array(1.0, f))), call=call),
        ErrorSample("values-not-tensor", (T(np.zeros((3, 2), f)), (_i([0]),), 1.0), call=call,
                    mentions=("values",)),
        ErrorSample("dtype-mismatch", (T(np.zeros((3, 2), f)), (_i([0]),), _i([1])), call=call,
                    mentions=("Float", "Long")),
    )


OPS = [
    OpInfo("index_put", _samples("index_put"), _errors()),
    OpInfo("Tensor.index_put_", _samples("Tensor.index_put_", _inplace_call), _errors(_inplace_call)),
]
