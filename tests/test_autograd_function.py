"""The public custom-op API (autograd.Function), anomaly detection, tracing and graph introspection."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import autograd
from tinygrad_edu.autograd import Function, gradcheck, gradgradcheck
from tinygrad_edu.testing import assert_close


def leaf(values, dtype=tg.float64):
    return tg.tensor(values, dtype=dtype, requires_grad=True)


# ---- custom autograd.Function -------------------------------------------------------------------------------
class ScaledExp(Function):
    """exp(x) * scale, the scale a non-tensor argument; the output is saved for backward."""

    @staticmethod
    def forward(ctx, x, scale):
        out = np.exp(x._data) * scale
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out  # trailing None for `scale` omitted


class MulRecordingNeeds(Function):
    seen = []

    @staticmethod
    def forward(ctx, a, b):
        MulRecordingNeeds.seen.append(ctx.needs_input_grad)
        ctx.save_for_backward(a, b)
        return a._data * b._data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None), (grad * a if ctx.needs_input_grad[1] else None)


class SortWithIndices(Function):
    """Two outputs: sorted values (differentiable) and the permutation (marked non-differentiable)."""

    @staticmethod
    def forward(ctx, x):
        idx = np.argsort(x._data, kind="stable")
        ctx.idx = idx
        ctx.mark_non_differentiable(idx)
        return x._data[idx], idx

    @staticmethod
    def backward(ctx, grad_values, grad_idx):
        inverse = np.argsort(ctx.idx)
        return grad_values[tg.tensor(inverse)]


def test_custom_function_gradcheck_and_double_backward():
    x = leaf([0.1, -0.4, 1.2])
    assert gradcheck(lambda t: ScaledExp.apply(t, 2.5), (x,))
    assert gradgradcheck(lambda t: ScaledExp.apply(t, 2.5), (x,))
    out = ScaledExp.apply(x, 2.5)
    # torch names a custom Function's node <class>Backward (its own ops get an overload number)
    assert type(out.grad_fn).__name__ == "ScaledExp" and out.grad_fn.name() == "ScaledExpBackward"


def test_custom_function_needs_input_grad():
    MulRecordingNeeds.seen.clear()
    a, b = leaf([2.]), tg.tensor([3.], dtype=tg.float64)
    MulRecordingNeeds.apply(a, b).sum().backward()
    assert MulRecordingNeeds.seen == [(True, False)]
    assert_close(a.grad, b)
    with tg.no_grad():
        MulRecordingNeeds.apply(a, b)
    assert MulRecordingNeeds.seen[-1] == (False, False)


def test_custom_function_multiple_outputs_and_non_differentiable():
    x = leaf([3., 1., 2.])
    values, idx = SortWithIndices.apply(x)
    assert values.requires_grad and not idx.requires_grad
    assert idx.tolist() == [1, 2, 0]
    (values * tg.tensor([1., 10., 100.], dtype=tg.float64)).sum().backward()
    assert_close(x.grad, tg.tensor([100., 1., 10.], dtype=tg.float64))
    assert gradcheck(lambda t: SortWithIndices.apply(t)[0], (leaf([0.3, -1., 2.]),))


# ---- anomaly detection, tracing, graph introspection -----------------------------------------------------
def test_detect_anomaly_names_the_op_producing_nan():
    x = leaf([0.0, 4.0])
    with autograd.detect_anomaly():
        y = (x.sqrt() * 0).sum()  # backward of sqrt at 0: 0 * inf = nan
        with pytest.raises(RuntimeError, match="SqrtBackward0.*nan"):
            y.backward()
    x.grad = None
    (x.sqrt() * 0).sum().backward()  # without anomaly mode the nan just flows into .grad
    assert np.isnan(x.grad._data[0])


def test_trace_backward_records_every_step():
    x = leaf([1., 2.])
    loss = (x * 3).exp().sum()
    with autograd.trace_backward() as trace:
        loss.backward()
    assert [s["op"] for s in trace.steps] == ["SumBackward0", "ExpBackward0", "MulBackward0"]
    mul_step = trace.steps[-1]
    expected = np.linalg.norm(3 * np.exp(3 * x._data))
    assert mul_step["grads_out"][0]["shape"] == (2,)
    assert mul_step["grads_out"][0]["norm"] == pytest.approx(expected)
    assert "MulBackward0" in trace.table()


def test_next_functions():
    x, z = leaf([1.]), leaf([2.])
    y = x * 2 + z
    (mul, nr), (acc, _) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0" and nr == 0
    assert acc.name() == "AccumulateGrad" and acc.variable is z
    assert mul.next_functions[0][0].variable is x
