"""torch.index_put / Tensor.index_put(_) (accumulate included) and Tensor.flip's argument forms,
against torch: values, gradients, node names, and torch's exception classes and messages."""
import numpy as np
import pytest

import torch
import tinygrad_edu as tg  # noqa: E402

X = np.arange(6.0, dtype=np.float32).reshape(3, 2)

CALLS = {
    "accumulate-repeats": lambda L, x: x.index_put((L.tensor([0, 0, 2]),), L.tensor([1.0, 2.0]), accumulate=True),
    "repeats-last-wins-or-broadcast": lambda L, x: x.index_put((L.tensor([0, 0]),), L.tensor(1.0)),
    "list-of-indices": lambda L, x: x.index_put([L.tensor([1])], L.tensor(7.0)),
    "bool-mask": lambda L, x: x.index_put((L.tensor([True, False, True]),), L.tensor(5.0)),
    "two-indices-accumulate": lambda L, x: x.index_put((L.tensor([0, 0]), L.tensor([1, 1])), L.tensor(5.0), True),
    "function": lambda L, x: L.index_put(x, (L.tensor([2]),), L.tensor([4.0, 5.0])),
    "flip-varargs": lambda L, x: x.flip(0, 1),
    "flip-tuple": lambda L, x: x.flip((1,)),
    "flip-int": lambda L, x: x.flip(0),
    "flip-keyword": lambda L, x: x.flip(dims=[0]),
    "flip-function": lambda L, x: L.flip(x, (0, 1)),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_values_and_gradients_as_torch(name):
    results = []
    for L in (torch, tg):
        x = L.tensor(X, requires_grad=True)
        out = CALLS[name](L, x)
        (out * L.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)))).sum().backward()
        results.append((np.asarray(out.detach().tolist()), np.asarray(x.grad.tolist()), out.grad_fn.name()))
    (t_out, t_grad, t_name), (o_out, o_grad, o_name) = results
    np.testing.assert_array_equal(o_out, t_out)
    np.testing.assert_array_equal(o_grad, t_grad)
    assert o_name == t_name


def test_index_put_in_place_accumulates_as_torch():
    outs = []
    for L in (torch, tg):
        y = L.zeros(3, 2)
        r = y.index_put_((L.tensor([1, 1]),), L.tensor([1.0, 1.0]), accumulate=True)
        assert r is y
        outs.append(np.asarray(y.tolist()))
    np.testing.assert_array_equal(outs[1], outs[0])


ERRORS = {
    "indices-not-tuple": lambda L, x: x.index_put(L.tensor([0]), L.tensor(1.0)),
    "values-not-tensor": lambda L, x: x.index_put((L.tensor([0]),), 1.0),
    "dtype-mismatch": lambda L, x: x.index_put((L.tensor([0]),), L.tensor([1])),
    "none-index": lambda L, x: x.index_put((None,), L.tensor(5.0)),
    "flip-function-int": lambda L, x: L.flip(x, 0),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_as_torch(name):
    caught = []
    for L in (torch, tg):
        with pytest.raises(Exception) as info:
            ERRORS[name](L, L.tensor(X))
        caught.append(info.value)
    assert type(caught[1]) is type(caught[0])
    assert str(caught[1]).replace("Double", "Float") == str(caught[0]).replace("Double", "Float")
