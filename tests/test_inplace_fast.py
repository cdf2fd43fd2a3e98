"""In-place arithmetic (add_, sub_, mul_, div_, +=, ...) takes a direct numpy path when nothing is
recorded; these check that it keeps torch's results and errors, and the version counter."""
import numpy as np
import pytest

import tinygrad_edu as tg


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
@pytest.mark.parametrize("other_kind", ["tensor", "float", "int", "broadcast", "float64_tensor"])
def test_inplace_arith_matches_torch(torch_ref, op, other_kind):
    base = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=np.float32)
    other = {"tensor": np.array([[2.0, 0.5, -1.0], [1.0, 2.0, 4.0]], dtype=np.float32), "float": 0.25, "int": 3,
             "broadcast": np.array([2.0, -0.5, 4.0], dtype=np.float32),
             "float64_tensor": np.array([[2.0, 0.5, -1.0], [1.0, 2.0, 4.0]])}[other_kind]
    ours, theirs = tg.tensor(base.copy()), torch_ref.tensor(base.copy())
    buffer, version = ours._data, ours._version[0]
    o_ours = tg.tensor(other) if isinstance(other, np.ndarray) else other
    o_theirs = torch_ref.tensor(other) if isinstance(other, np.ndarray) else other
    with tg.no_grad():
        assert getattr(ours, op)(o_ours) is ours
    with torch_ref.no_grad():
        getattr(theirs, op)(o_theirs)
    assert ours._data is buffer and ours._version[0] == version + 1
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_manual_sgd_step_writes_into_the_parameter(torch_ref):
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    data = w._data
    with tg.no_grad():
        w -= w.grad * 0.1
    wt = torch_ref.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (wt * wt).sum().backward()
    with torch_ref.no_grad():
        wt -= wt.grad * 0.1
    assert w._data is data and w.grad_fn is None and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), wt.detach().numpy())


def test_inplace_errors_are_torchs(torch_ref):
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w = tg.tensor([1.0], requires_grad=True)
        w += 1.0
    with pytest.raises(RuntimeError, match="can't be cast"):
        i = tg.tensor([1, 2])
        i /= 2
    with pytest.raises(RuntimeError, match="Subtraction"):
        b = tg.tensor([True, False])
        b -= tg.tensor([True, True])
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x = tg.tensor([1.0, 2.0])
        x += tg.tensor([[1.0, 2.0], [3.0, 4.0]])
