"""Elementwise ops against real torch where numpy meets a Tensor, numpy scalars are weak in
promotion, clamp's tensor bounds get gradients, and bad arguments raise torch's exception classes."""
import numpy as np
import pytest

import torch
import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402

X = np.array([[0.3, -1.2, 2.0], [0.7, 1.5, -0.4]])


def pair(arr=X, dtype=np.float32, grad=True):
    a = np.asarray(arr, dtype=dtype)
    ours = tg.tensor(a.copy(), requires_grad=grad and a.dtype.kind == "f")
    theirs = torch.tensor(a.copy(), requires_grad=grad and a.dtype.kind == "f")
    return ours, theirs


def same(ours, theirs):
    assert isinstance(ours, tg.Tensor), type(ours)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.requires_grad == theirs.requires_grad
    rtol = 2e-3 if theirs.dtype == torch.float16 else 1e-6  # torch's half kernels round differently
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=1e-7)


LEFT = [(np.float64(0.5), "mul"), (np.float32(2), "add"), (np.int64(3), "sub"), (np.float64(2), "pow"),
        (np.float64(1.5), "div"), (np.float64(0.5), "floordiv"), (np.int64(2), "mul")]
OPS = {"mul": lambda a, b: a * b, "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "pow": lambda a, b: a ** b,
       "div": lambda a, b: a / b, "floordiv": lambda a, b: a // b}


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.float16])
@pytest.mark.parametrize("scalar, op", LEFT, ids=[f"{type(s).__name__}-{o}" for s, o in LEFT])
def test_numpy_scalar_on_the_left_gives_a_tensor_of_the_tensors_dtype(scalar, op, dtype):
    arr = np.abs(X) + 1 if dtype == np.int64 else np.abs(X) + 0.5
    x, tx = pair(arr, dtype)
    out, tout = OPS[op](scalar, x), OPS[op](scalar, tx)
    same(out, tout)
    if tout.requires_grad and op != "floordiv":
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=2e-3 if dtype == np.float16 else 1e-5)


def test_numpy_comparisons_on_the_left_and_arrays():
    x, tx = pair()
    for f in (lambda a: np.float64(0.5) < a, lambda a: np.float64(0.5) == a, lambda a: np.ones(3) == a.detach()):
        same(f(x), f(tx))
    same(x.detach() + np.ones(3), tx.detach() + np.ones(3))  # Tensor + ndarray -> Tensor (ndarray's dtype)
    same(np.add(x.detach(), 1), np.add(tx.detach(), 1))
    same(np.exp(x.detach()), np.exp(tx.detach()))


def test_ndarray_on_the_left_and_numpy_protocol():
    x, tx = pair()
    for f in (lambda a: np.ones(3) * a, lambda a: np.ones(3) - a, lambda a: np.array(2.0) * a):
        with pytest.raises(TypeError):
            f(tx)
        with pytest.raises(TypeError):
            f(x)
    with pytest.raises(RuntimeError):
        np.exp(tx)
    with pytest.raises(RuntimeError):
        np.exp(x)
    assert type(np.asarray(x.detach())) is np.ndarray
    np.testing.assert_allclose(x.detach(), tx.detach().numpy())
    out = np.empty(3, np.float32)
    assert np.add(x.detach()[0], 1, out=out) is out


def test_numpy_scalars_are_weak_in_where_and_clamp():
    x, tx = pair()
    c = X > 0
    same(tg.where(tg.tensor(c), x, np.float64(0.5)), torch.where(torch.tensor(c), tx, np.float64(0.5)))
    same(tg.where(tg.tensor(c), np.float32(0.5), x), torch.where(torch.tensor(c), np.float32(0.5), tx))
    same(x.clamp(min=np.float64(0.1)), tx.clamp(min=np.float64(0.1)))
    same(x.clamp(max=np.float32(0.2)), tx.clamp(max=np.float32(0.2)))
    i, ti = pair(np.array([[-3, 0, 2], [5, 1, -1]]), np.int64)
    same(tg.clamp(i, min=np.float64(0.5)), torch.clamp(ti, min=np.float64(0.5)))
    same(tg.clamp(i, min=0, max=2), torch.clamp(ti, min=0, max=2))


@pytest.mark.parametrize("lo_shape, hi_shape, lo_dtype", [((3,), (2, 1), np.float32), ((), None, np.float64),
                                                          ((3,), None, np.float64), (None, (2, 3), np.float32)])
def test_clamp_tensor_bounds_values_dtypes_and_gradients(lo_shape, hi_shape, lo_dtype):
    rng = np.random.default_rng(0)
    x, tx = pair()
    lo, tlo = pair(rng.uniform(-1, 1, lo_shape), lo_dtype) if lo_shape is not None else (None, None)
    hi, thi = pair(rng.uniform(-0.5, 1.5, hi_shape), np.float32) if hi_shape is not None else (None, None)
    out, tout = tg.clamp(x, lo, hi), torch.clamp(tx, tlo, thi)
    same(out, tout)
    assert out.grad_fn.name() == tout.grad_fn.name()
    w = rng.standard_normal(tout.shape)
    (out * tg.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for ours, theirs in ((x, tx), (lo, tlo), (hi, thi)):
        if ours is not None:
            assert ours.grad is not None
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


def test_clamp_bounds_crossed_send_the_gradient_to_max():
    x, tx = pair()
    lo, tlo = pair(np.full(3, 1.0))
    hi, thi = pair(np.array([0.5, 2.5, -1.0]))
    tg.clamp(x, lo, hi).sum().backward()
    torch.clamp(tx, tlo, thi).sum().backward()
    for ours, theirs in ((x, tx), (lo, tlo), (hi, thi)):
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode_requires_grad_with_a_zero_gradient(mode):
    x, tx = pair(X * 3)
    y, ty = pair(np.array([0.7, -1.3, 2.0]))
    out, tout = tg.div(x, y, rounding_mode=mode), torch.div(tx, ty, rounding_mode=mode)
    same(out, tout)
    assert out.grad_fn.name() == tout.grad_fn.name()
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())
    same(tg.div(3.0, y, rounding_mode=mode), torch.div(torch.tensor(3.0), ty, rounding_mode=mode))
    i, ti = pair(np.array([7, -7, 5]), np.int64)
    same(tg.div(i, 2, rounding_mode=mode), torch.div(ti, 2, rounding_mode=mode))


def _raises_like(ours, theirs):
    with pytest.raises(Exception) as t_err:
        theirs()
    with pytest.raises(Exception) as o_err:
        ours()
    assert type(o_err.value) is type(t_err.value), (o_err.value, t_err.value)
    return str(o_err.value)


def test_bad_operands_raise_torchs_classes():
    x, tx = pair(grad=False)
    i, ti = pair(np.ones(3), np.int64)
    cases = [lambda L, a, b: a + [1.0, 2.0, 3.0], lambda L, a, b: a * (1.0, 2.0, 3.0), lambda L, a, b: a ** [1.0, 2.0, 3.0],
             lambda L, a, b: L.add(a, [1.0, 2.0, 3.0]), lambda L, a, b: a / "x", lambda L, a, b: a - None,
             lambda L, a, b: a.clamp(1 + 2j), lambda L, a, b: a.clamp("a"), lambda L, a, b: a.clamp([1.0]),
             lambda L, a, b: L.where(a > 0, a, "abc"), lambda L, a, b: L.where(a > 0, a, None),
             lambda L, a, b: L.add(b, b, alpha=0.5), lambda L, a, b: L.sub(b, b, alpha=np.float64(0.5)),
             lambda L, a, b: L.add(b, b, alpha=True), lambda L, a, b: L.add(a, a, alpha=1 + 1j),
             lambda L, a, b: L.div(a, a, rounding_mode="up"), lambda L, a, b: L.div(a, a, rounding_mode=3),
             lambda L, a, b: L.maximum(a, 0.5), lambda L, a, b: L.minimum(a, None), lambda L, a, b: L.maximum([1.0], a),
             lambda L, a, b: L.maximum(a, np.ones(3))]
    for case in cases:
        _raises_like(lambda: case(tg, x, i), lambda: case(torch, tx, ti))
    assert "rounding_mode" in _raises_like(lambda: tg.div(x, x, rounding_mode="up"),
                                           lambda: torch.div(tx, tx, rounding_mode="up"))


NOT_TENSORS = [[1.0, 2.0], "abc", np.ones(3), None, 1.5]
UNARY = ["exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "abs", "neg", "sign", "floor", "ceil",
         "round", "sigmoid", "relu", "clone", "clamp"]
# (torch's F.sigmoid and F.tanh call input.sigmoid(): an AttributeError there; torch.sigmoid is in UNARY)
FUNCTIONAL = ["relu", "leaky_relu", "hardtanh", "gelu", "elu", "selu", "softplus", "silu", "mish"]


@pytest.mark.parametrize("value", NOT_TENSORS, ids=lambda v: type(v).__name__)
def test_non_tensor_inputs_raise_typeerror_naming_the_type(value):
    calls = [(getattr(tg, n), getattr(torch, n)) for n in UNARY]
    calls += [(getattr(F, n), getattr(torch.nn.functional, n)) for n in FUNCTIONAL]
    calls += [(lambda v, f=getattr(tg, n): f(v, tg.ones(2)), lambda v, f=getattr(torch, n): f(v, torch.ones(2)))
              for n in ("add", "sub", "mul", "div", "pow", "maximum", "minimum")]
    for ours, theirs in calls:
        if isinstance(value, float) and ours.__name__ == "<lambda>":
            continue  # a Python number first: torch.add(2.0, t) works; our reflected operators rely on it
        if ours is tg.clamp:
            ours, theirs = (lambda v: tg.clamp(v, 0.0)), (lambda v: torch.clamp(v, 0.0))
        msg = _raises_like(lambda: ours(value), lambda: theirs(value))
        assert type(value).__name__ in msg, msg
