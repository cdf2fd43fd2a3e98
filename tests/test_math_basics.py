"""Issue 14's "missing basics", the parts the op registry (tests/opinfo/math_trig.py, shape_extra.py) does
not check: grad_fn names and graph shape, the arc* aliases, the in-place trig methods, meshgrid's
warning, views (diagonal, unfold, ravel share memory as torch's do), unique's refusal to backward,
and bfloat16's refusal. Every expectation is what real torch 2.13 does on the same call."""
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

import torch


def _pair(array, requires_grad=False):
    return (tg.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad))


def _same(ours, theirs, rtol=1e-6, atol=1e-7):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _v(t):
    """The version counter's value (a one-element list here, an int in torch)."""
    return t._version[0] if isinstance(t._version, list) else t._version


# name -> f(L, x, m): x a (3,) and m a (3, 4) float64 tensor in (0.2, 0.8), both requiring grad
GRAPHS = {
    "log2": lambda L, x, m: L.log2(x), "log10": lambda L, x, m: x.log10(), "tan": lambda L, x, m: L.tan(x),
    "asin": lambda L, x, m: L.asin(x), "arcsin": lambda L, x, m: L.arcsin(x), "acos": lambda L, x, m: x.acos(),
    "arccos": lambda L, x, m: x.arccos(), "atan": lambda L, x, m: L.atan(x), "arctan": lambda L, x, m: L.arctan(x),
    "sinh": lambda L, x, m: x.sinh(), "cosh": lambda L, x, m: L.cosh(x), "asinh": lambda L, x, m: L.arcsinh(x),
    "acosh": lambda L, x, m: L.acosh(x + 1), "atanh": lambda L, x, m: x.arctanh(),
    "atan2": lambda L, x, m: L.atan2(x, x * 2), "arctan2": lambda L, x, m: x.arctan2(x),
    "diag-1d": lambda L, x, m: L.diag(x, 1), "diag-2d": lambda L, x, m: L.diag(m), "diagonal": lambda L, x, m: m.diagonal(),
    "diag_embed": lambda L, x, m: L.diag_embed(m), "unfold": lambda L, x, m: m.unfold(1, 2, 1),
    "unfold-0d": lambda L, x, m: x[0].unfold(0, 1, 1), "ravel": lambda L, x, m: m.ravel(), "ravel-noncontiguous": lambda L, x, m: m.t().ravel(),
    "meshgrid": lambda L, x, m: L.meshgrid(x, x, indexing="ij")[0],
    "unique": lambda L, x, m: L.unique(x), "unique-dim": lambda L, x, m: L.unique(m, dim=0),
    "F.unfold": lambda L, x, m: L.nn.functional.unfold(m.reshape(1, 1, 3, 4), 2),
    "F.unfold-unbatched": lambda L, x, m: L.nn.functional.unfold(m.reshape(1, 3, 4), 2, padding=1),
    "F.fold": lambda L, x, m: L.nn.functional.fold(m, (2, 2), (1, 3), padding=(0, 1)),
}


def _walk(fn, depth=2):
    """The node's name and its inputs' names, `depth` levels down. Edges to no node are left out (this
    project's nodes list one per forward argument, numbers included; torch's only the tensors')."""
    name = fn.name().replace("torch::autograd::", "")
    if depth == 0:
        return name
    return (name, tuple(_walk(f, depth - 1) for f, _ in fn.next_functions if f is not None))


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_graph_names_are_torchs(name):
    values = [np.linspace(0.2, 0.8, 3), np.linspace(0.2, 0.8, 12).reshape(3, 4)]
    ours = GRAPHS[name](tg, *(tg.tensor(v, requires_grad=True) for v in values))
    theirs = GRAPHS[name](torch, *(torch.tensor(v, requires_grad=True) for v in values))
    assert _walk(ours.grad_fn) == _walk(theirs.grad_fn)


def test_aliases_are_the_same_functions():
    for alias, name in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"), ("arctan2", "atan2"),
                        ("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh")):
        assert getattr(tg, alias) is getattr(tg, name)
        for suffix in ("", "_"):
            assert hasattr(tg.Tensor, alias + suffix) and hasattr(torch.Tensor, alias + suffix)


INPLACE = ["log2_", "log10_", "tan_", "asin_", "acos_", "atan_", "sinh_", "cosh_", "asinh_", "atanh_",
           "arcsin_", "arccos_", "arctan_", "arcsinh_", "arctanh_"]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_trig_matches_torch_and_bumps_the_version(name):
    values = np.array([0.25, 0.5, 0.75], np.float32)
    ours, theirs = _pair(values)
    assert getattr(ours, name)() is ours
    getattr(theirs, name)()
    _same(ours, theirs)
    assert _v(ours) == _v(theirs) == 1


def test_inplace_acosh_and_atan2():
    ours, theirs = _pair([1.5, 2.0])
    ours.acosh_(), theirs.acosh_()
    _same(ours, theirs)
    ours, theirs = _pair([1.0, -2.0])
    ours.atan2_(tg.tensor([3, -1])), theirs.atan2_(torch.tensor([3, -1]))  # int other: the float self is kept
    _same(ours, theirs)
    ours.arctan2_(tg.tensor([1.0, 2.0], dtype=tg.float64)), theirs.arctan2_(torch.tensor([1.0, 2.0], dtype=torch.float64))
    _same(ours, theirs)


def test_inplace_trig_in_the_graph_and_its_refusals():
    for lib in (tg, torch):
        leaf = lib.tensor([0.2, 0.4], requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            leaf.asin_()
        with pytest.raises(RuntimeError, match="can't be cast"):
            lib.tensor([1, 2]).log2_()  # the float result does not fit an integer tensor
        with pytest.raises(RuntimeError, match="can't be cast"):
            lib.tensor([1, 2]).atan2_(lib.tensor([1, 2]))
        with pytest.raises(RuntimeError, match="broadcast"):
            lib.ones(3).atan2_(lib.ones(2, 3))
    grads = []
    for lib in (tg, torch):
        leaf = lib.tensor([0.2, 0.4], dtype=lib.float64, requires_grad=True)
        y = leaf * 2
        y.asin_()
        assert y.grad_fn.name() == "AsinBackward0"
        y.sum().backward()
        grads.append(leaf.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_inplace_inverse_hyperbolic_functions_have_a_gradient_here():
    """torch names the nodes of asinh_/acosh_/atanh_ *Backward1 and refuses to differentiate them
    (NotImplementedError); here they have the out-of-place gradient (a difference in what runs, not in
    any value)."""
    for name, shift in (("asinh", 0.0), ("acosh", 1.5), ("atanh", 0.0)):
        leaf = tg.tensor([0.2, 0.4], dtype=tg.float64, requires_grad=True)
        y = leaf + shift
        getattr(y, name + "_")()
        assert y.grad_fn.name() == name.capitalize() + "Backward1"
        y.sum().backward()
        ref = torch.tensor([0.2, 0.4], dtype=torch.float64, requires_grad=True)
        getattr(torch, name)(ref + shift).sum().backward()
        np.testing.assert_allclose(leaf.grad.numpy(), ref.grad.numpy(), rtol=1e-12)
        theirs = torch.tensor([0.2, 0.4], requires_grad=True) + shift
        getattr(theirs, name + "_")()
        with pytest.raises(NotImplementedError):  # what torch does (if this starts passing, match torch)
            theirs.sum().backward()


def test_atan2_gradient_at_the_origin_is_zero():
    for lib in (tg, torch):
        y, x = lib.zeros((), requires_grad=True), lib.zeros((), requires_grad=True)
        lib.atan2(y, x).backward()
        assert float(y.grad) == 0.0 and float(x.grad) == 0.0


def test_meshgrid_warns_as_torch_when_indexing_is_omitted():
    messages = []
    for lib in (tg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            a, b = lib.meshgrid(lib.arange(3), lib.arange(2))
        assert tuple(a.shape) == (3, 2) and tuple(b.shape) == (3, 2)  # 'ij'
        found = [w for w in caught if issubclass(w.category, UserWarning)]
        assert len(found) == 1
        messages.append(str(found[0].message).split(" (Triggered")[0])
        if lib is tg:
            assert found[0].filename == __file__  # points at the caller (torch's points into torch)
    assert messages[0] == messages[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.meshgrid(tg.arange(3), tg.arange(2), indexing="xy")


def test_meshgrid_gradient_sums_over_the_grid():
    grads = []
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = lib.tensor([4.0, 5.0], requires_grad=True)
        gx, gy = lib.meshgrid(x, y, indexing="xy")
        (gx * gy * lib.arange(6.0).reshape(2, 3)).sum().backward()
        grads.append((x.grad.numpy(), y.grad.numpy()))
    for o, t in zip(*grads):
        np.testing.assert_allclose(o, t)


def test_diagonal_is_a_writable_view_as_in_torch():
    for lib in (tg, torch):
        m = lib.zeros(3, 4)
        d = m.diagonal(1)
        d.add_(1)
        assert _v(m) == _v(d) == 1
        assert m.numpy().tolist() == [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        m.fill_(7)
        assert d.tolist() == [7, 7, 7]
        assert lib.diag(m).add_(1).tolist() == [8, 8, 8] and m[0, 0].item() == 7  # diag(matrix) is a copy


def test_writing_through_the_diagonal_of_a_graph_tensor_rebases_its_history_as_torch():
    def run(L):
        x = L.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
        y = x * 2
        y.diagonal().mul_(5)
        (y * y).sum().backward()
        return y.detach().numpy(), x.grad.numpy()
    for ours, ref in zip(run(tg), run(torch)):
        np.testing.assert_array_equal(ours, ref)


def test_unfold_and_ravel_share_memory_as_torch():
    for lib in (tg, torch):
        x = lib.arange(8.0)
        windows = x.unfold(0, 3, 2)
        flat = x.reshape(2, 4).ravel()
        x.mul_(10)
        assert windows[1].tolist() == [20, 30, 40] and flat[5].item() == 50
        assert _v(x) == _v(windows) == _v(flat) == 1
        copied = x.reshape(2, 4).t().ravel()  # not contiguous: ravel copies
        x.zero_()
        assert copied[1].item() == 40


def test_unfold_second_derivative_of_overlapping_windows():
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(np.linspace(-1, 1, 7), requires_grad=True)
        w = x.unfold(0, 3, 2)
        (g,) = lib.autograd.grad((w ** 3).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        grads.append((g.detach().numpy(), gg.numpy()))
    for o, t in zip(*grads):
        np.testing.assert_allclose(o, t, rtol=1e-12)


def test_unique_refuses_to_backward_as_torch():
    for lib in (tg, torch):
        x = lib.tensor([3.0, 1.0, 3.0], requires_grad=True)
        out = lib.unique(x)
        assert out.requires_grad
        with pytest.raises(NotImplementedError, match="_unique2"):
            out.sum().backward()
        with pytest.raises(NotImplementedError, match="unique_dim"):
            lib.unique(x.reshape(3, 1), dim=0).sum().backward()
        values, inverse = lib.unique(x, return_inverse=True)
        assert not inverse.requires_grad and inverse.dtype == lib.int64


def test_nonzero_and_argwhere_results_are_outside_the_graph():
    for lib in (tg, torch):
        x = lib.tensor([[0.0, 1.5], [2.0, 0.0]], requires_grad=True)
        assert not lib.nonzero(x).requires_grad and not x.argwhere().requires_grad
        assert all(not t.requires_grad for t in x.nonzero(as_tuple=True))
        assert x.nonzero().tolist() == [[0, 1], [1, 0]]


def test_bfloat16_exists_and_refuses_tensors_clearly():
    bf = tg.bfloat16
    assert repr(bf) == "tinygrad_edu.bfloat16" and bf.is_floating_point and bf.itemsize == torch.bfloat16.itemsize
    assert bf != tg.float32 and tg.ones(2).dtype != bf
    x = tg.ones(2)
    attempts = [lambda: x.bfloat16(), lambda: x.to(bf), lambda: x.to(dtype=bf), lambda: x.type(bf),
                lambda: tg.zeros(2, dtype=bf), lambda: tg.tensor([1.0], dtype=bf), lambda: tg.set_default_dtype(bf),
                lambda: x.new_zeros(2, dtype=bf), lambda: tg.nn.Linear(2, 2).to(bf),
                lambda: tg.nn.Linear(2, 2).bfloat16()]
    for attempt in attempts:
        with pytest.raises(TypeError, match="bfloat16.*numpy"):
            attempt()
    assert tg.get_default_dtype() == tg.float32
    import copy
    import pickle
    assert copy.deepcopy(bf) is bf and pickle.loads(pickle.dumps(bf)) is bf


@pytest.mark.parametrize("name", ["log2", "log10", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
                                  "atanh", "arcsin", "arctan"])
def test_trig_functions_take_out_as_torch(name):
    a = np.array([0.25, 0.5, 0.75]) + (1.5 if name in ("acosh",) else 0.0)
    ours, ref = tg.empty(3, dtype=tg.float64), torch.empty(3, dtype=torch.float64)
    got = getattr(tg, name)(tg.tensor(a), out=ours)
    getattr(torch, name)(torch.tensor(a), out=ref)
    assert got is ours
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-14)


def test_atan2_takes_out_as_torch():
    ours, ref = tg.empty(2), torch.empty(2)
    tg.atan2(tg.tensor([1.0, -1.0]), tg.tensor([2.0, 3.0]), out=ours)
    torch.atan2(torch.tensor([1.0, -1.0]), torch.tensor([2.0, 3.0]), out=ref)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6)
