"""Forward-mode AD of the shape, index, scatter and ordering ops and of in-place ops, against
torch.autograd.forward_ad on the same float64 numbers: ops the registry (test_opinfo_forward_ad.py)
does not reach, in-place ops on tensors, on views and on bases (the tangent of a view is a view of
its base's tangent), out= and resize_ refusals, and reverse-over-forward (gradients of tangents)."""
import numpy as np
import pytest

import torch
import torch.autograd.forward_ad as tfw  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.autograd.forward_ad as gfw  # noqa: E402

FW = {tg: gfw, torch: tfw}
RNG = np.random.default_rng(7)


def _array(t):
    return None if t is None else np.array(t.detach().numpy() if hasattr(t, "detach") else t)


def _tangent(lib, t):
    return _array(FW[lib].unpack_dual(t).tangent)


def _dual(lib, primal, tangent):
    return FW[lib].make_dual(lib.tensor(primal), lib.tensor(tangent))


def _close(ours, theirs, what):
    if theirs is None:
        assert ours is None, f"{what}: a tangent {ours} where torch has none"
        return
    assert ours is not None, f"{what}: no tangent, torch has {theirs}"
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, f"{what}: {ours.shape} {ours.dtype} vs " \
        f"{theirs.shape} {theirs.dtype}"
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=what)


# ---- ops the registry does not reach: outputs' tangents vs torch -----------------------------------
X = RNG.standard_normal((3, 4))
TX = RNG.standard_normal((3, 4))
V = RNG.standard_normal(4)
TV = RNG.standard_normal(4)
IDX = np.array([2, 0, 2])

OPS = {
    "expand": lambda L, x, v: v.expand(3, 4),
    "repeat": lambda L, x, v: x.repeat(2, 1, 3),
    "flip": lambda L, x, v: x.flip((0, 1)),
    "getitem-basic": lambda L, x, v: x[1:, ::2],
    "getitem-int-then-array": lambda L, x, v: x[1, L.tensor([3, 0, 3])],
    "getitem-mask": lambda L, x, v: x[x > 0],
    "index_add": lambda L, x, v: x.index_add(0, L.tensor(IDX), x * 2),
    "index_copy": lambda L, x, v: x.index_copy(1, L.tensor([3, 1]), x[:, :2]),
    "index_fill": lambda L, x, v: x.index_fill(1, L.tensor([0, 2]), -1.0),
    "masked_scatter": lambda L, x, v: x.masked_scatter(x > 0, x * 3),
    "take": lambda L, x, v: L.take(x, L.tensor([[0, 11], [5, 5]])),
    "put": lambda L, x, v: x.put(L.tensor([1, 5]), v[:2], accumulate=True),
    "embedding": lambda L, x, v: L.nn.functional.embedding(L.tensor([[2, 0], [1, 2]]), x, padding_idx=0),
    "tril": lambda L, x, v: x.tril(1),
    "triu": lambda L, x, v: x.triu(-1),
    "expand-then-cat": lambda L, x, v: L.cat([x, v.expand(2, 4)], 0),
    "unbind": lambda L, x, v: L.stack(x.unbind(1), 0),
    "narrow-chunk": lambda L, x, v: L.cat(x.narrow(1, 1, 2).chunk(2, 1), 0),
    "movedim": lambda L, x, v: x.reshape(3, 2, 2).movedim(0, 2),
    "diag-matrix": lambda L, x, v: L.diag(x, 1),
    "t-transpose": lambda L, x, v: x.t().transpose(0, 1).t(),
    "unsqueeze-squeeze": lambda L, x, v: x.unsqueeze(1).squeeze(1).flatten(),
    "sort-descending": lambda L, x, v: L.sort(x, 1, descending=True),
    "topk": lambda L, x, v: L.topk(x, 2, 0),
}


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_tangent_vs_torch(name):
    results = {}
    for lib in (tg, torch):
        with FW[lib].dual_level():
            out = OPS[name](lib, _dual(lib, X, TX), _dual(lib, V, TV))
            results[lib] = [(_array(o.detach() if lib is torch else o), _tangent(lib, o)) for o in _outputs(out)]
    assert len(results[tg]) == len(results[torch])
    for i, ((val, ours), (tval, theirs)) in enumerate(zip(results[tg], results[torch])):
        np.testing.assert_allclose(val, tval, err_msg=f"{name} output {i} value")
        _close(ours, theirs, f"{name} output {i}")


def test_tangent_of_a_view_is_a_view_of_the_tangent():
    with gfw.dual_level():
        tangent = tg.tensor(TX)
        x = gfw.make_dual(tg.tensor(X), tangent)
        row, cols = x[1], x.t()
        tangent.mul_(2)  # torch: a change of the tangent shows in the views' tangents
        assert np.allclose(_tangent(tg, row), 2 * TX[1]) and np.allclose(_tangent(tg, cols), 2 * TX.T)


def test_unique_refuses_forward_ad_as_torch():
    for lib in (tg, torch):
        with FW[lib].dual_level():
            with pytest.raises(NotImplementedError, match="forward AD with _unique2"):
                lib.unique(_dual(lib, [3.0, 1.0, 3.0], [1.0, 2.0, 3.0]))


def test_full_backward_hook_module_carries_tangents():
    """A module with a full backward hook runs its inputs and outputs through BackwardHookFunction, an
    identity. torch has no forward rule for it (its hook Function refuses forward AD); ours carries the
    tangent through unchanged, so Flatten's tangent is the flattened tangent, as without the hook."""
    flat = tg.nn.Flatten(0)
    flat.register_full_backward_hook(lambda m, gi, go: None)
    with gfw.dual_level():
        out = flat(gfw.make_dual(tg.tensor(X, requires_grad=True), tg.tensor(TX)))
        assert "BackwardHook" in out.grad_fn.name()
        _close(_tangent(tg, out), TX.reshape(-1), "Flatten with a full backward hook")


def test_unfold_backward_forward_over_reverse():
    """The tangent of unfold's gradient (UnfoldBackward, its adjoint) vs torch's."""
    results = {}
    for lib in (tg, torch):
        x = lib.tensor(V, requires_grad=True)
        with FW[lib].dual_level():
            w = _dual(lib, X[:2, :3] + 0.0, TX[:2, :3])
            (g,) = lib.autograd.grad(x.unfold(0, 3, 1), x, grad_outputs=w, create_graph=True)
            results[lib] = _tangent(lib, g)
    _close(results[tg], results[torch], "unfold's gradient")


# ---- in-place ops under forward AD: the tangents of self, of its base, of its views --------------
def _zeros(L, *shape):
    return L.zeros(*shape, dtype=L.float64)


def _d(L, n=3, shift=0.0):
    return _dual(L, np.zeros(n), np.arange(float(n)) + shift)


INPLACE = {
    "mul_-number": lambda L: _d(L).mul_(3),
    "add_-dual": lambda L: _d(L).add_(_d(L, shift=1)),
    "add_-alpha-into-plain": lambda L: _zeros(L, 3).add_(_d(L), alpha=2),
    "copy_-into-plain": lambda L: _zeros(L, 3).copy_(_d(L)),
    "copy_-plain-into-dual": lambda L: _d(L).copy_(L.ones(3, dtype=L.float64)),
    "iadd-into-plain": lambda L: _iadd(_zeros(L, 3), _d(L)),
    "sub_-div_": lambda L: _d(L).sub_(_d(L, shift=2)).div_(2.0),
    "mul_-self": lambda L: _dual(L, np.ones(3) * 2, np.ones(3)).mul_(_dual(L, np.ones(3) * 5, np.ones(3))),
    "fill_-number": lambda L: _d(L).fill_(2.0),
    "fill_-dual-0d": lambda L: _d(L).fill_(_d(L, 1, 5.0)[0]),
    "zero_": lambda L: _d(L).zero_(),
    "setitem-row": lambda L: _setitem(_zeros(L, 2, 3), 0, _d(L)),
    "setitem-number": lambda L: _setitem(_d(L), 1, 5.0),
    "setitem-array-index": lambda L: _setitem(_zeros(L, 3), L.tensor([0, 2]), _d(L, 2)),
    "masked_fill_": lambda L: _d(L).masked_fill_(L.tensor([True, False, True]), 2.0),
    "scatter_": lambda L: _zeros(L, 3).scatter_(0, L.tensor([2, 0]), _d(L, 2)),
    "index_add_": lambda L: _zeros(L, 3).index_add_(0, L.tensor([2, 0]), _d(L, 2)),
    "t_": lambda L: _dual(L, X, TX).t_(),
    "unsqueeze_": lambda L: _d(L).unsqueeze_(0),
    "uniform_-zeroes-the-tangent": lambda L: _d(L).uniform_().mul_(0),
    "no_grad-fast-path": lambda L: _under_no_grad(L, _d(L)),
}


def _under_no_grad(L, x):
    with L.no_grad():  # the fast path of manual SGD steps: it must not skip the tangent
        x.mul_(2.0)
        x += 1.0
        x.sub_(_d(L, shift=1))
    return x


def _iadd(a, b):
    a += b
    return a


def _setitem(a, index, value):
    a[index] = value
    return a


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_tangent_vs_torch(name):
    results = {lib: None for lib in (tg, torch)}
    for lib in results:
        with FW[lib].dual_level():
            out = INPLACE[name](lib)
            results[lib] = (_array(out.detach()), _tangent(lib, out))
    np.testing.assert_allclose(results[tg][0], results[torch][0], err_msg=f"{name} value")
    _close(results[tg][1], results[torch][1], name)


def _view_copy(L):
    v = _zeros(L, 3)
    v[1:].copy_(_d(L)[:2])
    return [v]


def _view_of_dual(L):
    x = _d(L)
    x[1:].mul_(2)
    return [x]


def _views_after_base_change(L):
    x = _d(L, 4)
    y, w = x.view(2, 2), x[2:]
    x.mul_(3)
    return [x, y, w]


def _overlapping_views(L):
    x = _d(L, 4)
    v, w = x[1:3], x[2:]
    v.mul_(10)
    return [x, v, w]


def _nested_views(L):
    b = _zeros(L, 2, 3)
    b[:, 1:][0].copy_(_d(L, 2))
    m = _d(L, 4)
    m.view(2, 2).t()[0].zero_()
    return [b, m]


def _diagonal_of_view(L):
    x = _d(L, 4)
    x.view(2, 2).diagonal().mul_(3)
    return [x]


def _plain_copy_into_view_of_dual(L):
    x = _d(L)
    x[1:].copy_(L.ones(2, dtype=L.float64))
    return [x]


def _alias_not_changed(L):
    d = _d(L)
    y = d + 1  # (its tangent is d's, shared): changing y's must leave d's alone
    y.mul_(2)
    return [d, y]


def _primal_of_dual(L):
    p = _zeros(L, 3)
    x = FW[L].make_dual(p, L.ones(3, dtype=L.float64))
    x.mul_(2)
    return [x, p]


def _recorded(L):
    w = L.ones(3, dtype=L.float64, requires_grad=True)
    y = w * 2
    y.mul_(_d(L))
    z = w * 3
    z[1:].mul_(_d(L, 2))
    return [y, z]


SCENES = [_view_copy, _view_of_dual, _views_after_base_change, _overlapping_views, _nested_views,
          _diagonal_of_view, _plain_copy_into_view_of_dual, _alias_not_changed, _primal_of_dual, _recorded]


@pytest.mark.parametrize("scene", SCENES, ids=[s.__name__[1:] for s in SCENES])
def test_inplace_on_views_vs_torch(scene):
    results = {}
    for lib in (tg, torch):
        with FW[lib].dual_level():
            results[lib] = [(_array(t.detach()), _tangent(lib, t)) for t in scene(lib)]
    for i, ((val, ours), (tval, theirs)) in enumerate(zip(results[tg], results[torch])):
        np.testing.assert_allclose(val, tval, err_msg=f"tensor {i} value")
        _close(ours, theirs, f"tensor {i}")


def test_inplace_fast_path_without_level_unchanged():
    x = tg.zeros(3, dtype=tg.float64)
    data = x._data
    x.add_(1.0).mul_(2.0)
    assert x._data is data and np.allclose(x._data, 2.0)


def test_detach_and_data_carry_no_tangent():
    for lib in (tg, torch):
        with FW[lib].dual_level():
            x = _d(lib)
            assert FW[lib].unpack_dual(x.detach()).tangent is None
            assert FW[lib].unpack_dual(x.data).tangent is None
            x.data.mul_(2)  # changes the primal only
            assert np.allclose(_tangent(lib, x), [0.0, 1.0, 2.0])


def test_out_and_resize_refuse_dual_tensors_as_torch():
    for lib in (tg, torch):
        with FW[lib].dual_level():
            with pytest.raises(NotImplementedError, match="forward AD with add_out .* out= function"):
                lib.add(_d(lib), 1, out=_zeros(lib, 3))
            with pytest.raises(NotImplementedError, match="forward AD with cat_out"):
                lib.cat([_zeros(lib, 3)], out=_d(lib))
            with pytest.raises(RuntimeError, match="cannot resize variables that has a forward grad"):
                _d(lib).resize_(5)
            lib.add(_zeros(lib, 3), 1, out=_zeros(lib, 3))  # no tangent anywhere: allowed


# ---- reverse-over-forward: the gradient of a tangent ----------------------------------------------
ROF = {
    "getitem": lambda L, x: x[1:, L.tensor([0, 3])],
    "cat-flip": lambda L, x: L.cat([x, x.flip(1)], 0),
    "gather": lambda L, x: L.gather(x, 1, L.tensor([[0, 0], [3, 1], [2, 2]])),
    "scatter_reduce-mean": lambda L, x: L.zeros(3, 2, dtype=L.float64).scatter_reduce(
        1, L.tensor([[0, 1, 1, 0]] * 3), x, "mean", include_self=False),
    "sort": lambda L, x: L.sort(x, 1)[0],
    "inplace-view": lambda L, x: _inplace_view_chain(L, x),
}


def _inplace_view_chain(L, x):
    y = x * 1
    y[:, 1:].mul_(x[:, :3])
    return y


@pytest.mark.parametrize("name", sorted(ROF))
def test_reverse_over_forward_vs_torch(name):
    weights = RNG.standard_normal(64)
    results = {}
    for lib in (tg, torch):
        primal = lib.tensor(X + 0.5, requires_grad=True)
        tangent = lib.tensor(TX, requires_grad=True)
        with FW[lib].dual_level():
            jvp = FW[lib].unpack_dual(ROF[name](lib, FW[lib].make_dual(primal, tangent))).tangent
            w = lib.tensor(weights[:jvp.numel()].reshape(tuple(jvp.shape)))
            gp, gt = lib.autograd.grad((jvp * w).sum(), (primal, tangent), allow_unused=True)
        results[lib] = (_array(gp), _array(gt))
    for what, ours, theirs in zip(("primal", "tangent"), results[tg], results[torch]):
        if theirs is None or ours is None:  # a linear op: no gradient reaches the primal
            assert (ours is None or not ours.any()) and (theirs is None or not theirs.any()), what
            continue
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=f"{name}: d/d{what}")
