"""autograd.functional and func (issue 15, "The functional API") against real torch 2.13, float64."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn

import torch
TF, TFU = torch.autograd.functional, torch.func
F, FU = tg.autograd.functional, tg.func

RNG = np.random.default_rng(0)
X, Y, W, B = RNG.standard_normal(3), RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4)
V3, V2 = RNG.standard_normal(3), RNG.standard_normal(2)


def as_np(x):
    if isinstance(x, (tuple, list)):
        return [as_np(e) for e in x]
    if isinstance(x, dict):
        return {k: as_np(v) for k, v in x.items()}
    return x if isinstance(x, np.ndarray) else x.detach().numpy()


def same(a, b):
    a, b = as_np(a), as_np(b)
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            same(a[k], b[k])
    else:
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def nest(x):
    """The tuple/Tensor nesting of a result, for checking it is torch's."""
    return tuple(nest(e) for e in x) if isinstance(x, tuple) else "T"


def mlp(m, lin):
    return lambda x, w, b: m.tanh(lin(x, w, b)).sum()


# functions written once, run on both libraries (m is the library)
FUNCS = {
    "elementwise": (lambda m: (lambda x: m.sin(x) * x.exp()), (X,)),
    "reduction": (lambda m: (lambda x: (x ** 2).sum()), (X,)),
    "matmul_two_inputs": (lambda m: (lambda y, x: (y @ x).tanh()), (Y, X)),
    "two_outputs": (lambda m: (lambda x, y: (x.sin() * y, (x * x).sum())), (X, Y)),
    "mlp": (lambda m: (lambda x, w, b: m.tanh(x @ w.t() + b).sum()), (X, W, B)),
    "loss": (lambda m: (lambda x, y: ((y @ x - m.tensor([1.0, -1.0], dtype=m.float64)) ** 2).mean()), (X, Y)),
}
SCALAR = ["reduction", "mlp", "loss"]


def build(name, as_tuple=True):
    make, data = FUNCS[name]
    ti = tuple(tg.tensor(d) for d in data)
    to = tuple(torch.tensor(d) for d in data)
    if not as_tuple:
        ti, to = ti[0], to[0]
    return make(tg), ti, make(torch), to


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("create_graph", [False, True])
def test_jacobian_matches_torch(name, create_graph):
    f, ti, g, to = build(name, as_tuple=len(FUNCS[name][1]) > 1)
    mine, theirs = F.jacobian(f, ti, create_graph=create_graph), TF.jacobian(g, to, create_graph=create_graph)
    assert nest(mine) == nest(theirs)
    same(mine, theirs)


@pytest.mark.parametrize("name", ["elementwise", "matmul_two_inputs", "two_outputs"])
def test_jacobian_forward_mode_matches_torch(name):
    f, ti, g, to = build(name, as_tuple=len(FUNCS[name][1]) > 1)
    mine = F.jacobian(f, ti, vectorize=True, strategy="forward-mode")
    same(mine, TF.jacobian(g, to, vectorize=True, strategy="forward-mode"))


@pytest.mark.parametrize("name", SCALAR)
def test_hessian_vhp_hvp_match_torch(name):
    f, ti, g, to = build(name)
    mine, theirs = F.hessian(f, ti), TF.hessian(g, to)
    assert nest(mine) == nest(theirs)
    same(mine, theirs)
    v = tuple(RNG.standard_normal(t.shape) for t in to)
    for fn in ("vhp", "hvp"):
        a = getattr(F, fn)(f, ti, tuple(tg.tensor(e) for e in v))
        b = getattr(TF, fn)(g, to, tuple(torch.tensor(e) for e in v))
        assert nest(a) == nest(b)
        same(a, b)


def test_hessian_of_a_single_tensor_is_a_tensor():
    f, ti, g, to = build("reduction", as_tuple=False)
    same(F.hessian(lambda x: (x.exp() * x).sum(), ti), TF.hessian(lambda x: (x.exp() * x).sum(), to))
    assert isinstance(F.hessian(f, ti), tg.Tensor)


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp_and_jvp_match_torch(name, create_graph):
    f, ti, g, to = build(name)
    outs = g(*to)
    outs_t = outs if isinstance(outs, tuple) else (outs,)
    vs = tuple(RNG.standard_normal(tuple(o.shape)) for o in outs_t)
    vv = vs if isinstance(outs, tuple) else vs[0]
    conv = (lambda lib: tuple(lib.tensor(e) for e in vv)) if isinstance(outs, tuple) else (lambda lib: lib.tensor(vv))
    a, b = F.vjp(f, ti, conv(tg), create_graph=create_graph), TF.vjp(g, to, conv(torch), create_graph=create_graph)
    assert nest(a) == nest(b)
    same(a, b)
    assert (a[1][0].grad_fn is not None) == (b[1][0].grad_fn is not None)
    tv = tuple(RNG.standard_normal(t.shape) for t in to)
    a = F.jvp(f, ti, tuple(tg.tensor(e) for e in tv), create_graph=create_graph)
    b = TF.jvp(g, to, tuple(torch.tensor(e) for e in tv), create_graph=create_graph)
    assert nest(a) == nest(b)
    same(a, b)


def test_create_graph_result_differentiates_further():
    x, tx = tg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    _, a = F.vjp(lambda t: (t ** 3).sum(), x, create_graph=True)
    _, b = TF.vjp(lambda t: (t ** 3).sum(), tx, create_graph=True)
    a.sum().backward()
    b.sum().backward()
    same(x.grad, tx.grad)


def test_unused_input_gives_zeros_and_strict_raises_as_torch():
    f = lambda x, y: x.sin()  # noqa: E731
    ti, to = (tg.tensor(X), tg.tensor(V2)), (torch.tensor(X), torch.tensor(V2))
    same(F.jacobian(f, ti), TF.jacobian(f, to))
    with pytest.raises(RuntimeError) as mine:
        F.jacobian(f, ti, strict=True)
    with pytest.raises(RuntimeError) as theirs:
        TF.jacobian(f, to, strict=True)
    assert str(mine.value) == str(theirs.value)
    with pytest.raises(RuntimeError) as mine:
        F.vjp(lambda x, y: x.sum(), ti, strict=True)
    with pytest.raises(RuntimeError) as theirs:
        TF.vjp(lambda x, y: x.sum(), to, strict=True)
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("call", [
    lambda M, L: M.vjp(lambda x: x * 2, L.tensor(X)),                                   # v needed
    lambda M, L: M.vjp(lambda x: x * 2, L.tensor(X), L.tensor(V2)),                     # wrong size
    lambda M, L: M.jvp(lambda x: x * 2, L.tensor(X)),                                   # v needed
    lambda M, L: M.hessian(lambda x: x * 2, L.tensor(X)),                               # not scalar
    lambda M, L: M.jacobian(lambda x: x, L.tensor(X), strategy="forward-mode"),         # needs vectorize
    lambda M, L: M.jacobian(lambda x: x, L.tensor(X), strategy="sideways"),
    lambda M, L: M.jacobian(lambda x: 3, L.tensor(X)),                                  # not a Tensor
    lambda M, L: M.vhp(lambda x: (x, x), L.tensor(X), L.tensor(X)),
])
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch)
    with pytest.raises(type(theirs.value)) as mine:
        call(F, tg)
    assert str(mine.value).replace("tinygrad_edu", "torch") == str(theirs.value)


# ---- torch.func ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argnums", [0, 1, (0, 2), (2,)])
def test_grad_and_value_argnums_match_torch(argnums):
    f, ti, g, to = build("mlp")
    a, b = FU.grad_and_value(f, argnums)(*ti), TFU.grad_and_value(g, argnums)(*to)
    assert nest(a) == nest(b)
    same(a, b)
    assert a[0][0].grad_fn is None if isinstance(argnums, tuple) else a[0].grad_fn is None


def test_grad_has_aux_and_pytree_arguments():
    def make(m):
        return lambda p, x: ((m.tanh(x @ p["w"].t() + p["b"]) ** 2).sum(), {"out": x * 2})
    pi, po = {"w": tg.tensor(W), "b": tg.tensor(B)}, {"w": torch.tensor(W), "b": torch.tensor(B)}
    a = FU.grad(make(tg), has_aux=True)(pi, tg.tensor(X))
    b = TFU.grad(make(torch), has_aux=True)(po, torch.tensor(X))
    same(a, b)


def test_grad_of_grad_and_hessian_match_torch():
    f = lambda x: (x.sin() * x).sum()  # noqa: E731
    same(FU.grad(lambda x: FU.grad(f)(x).sum())(tg.tensor(X)),
         TFU.grad(lambda x: TFU.grad(f)(x).sum())(torch.tensor(X)))
    same(FU.hessian(f)(tg.tensor(X)), TFU.hessian(f)(torch.tensor(X)))


@pytest.mark.parametrize("name", ["elementwise", "matmul_two_inputs", "two_outputs"])
@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_jacrev_jacfwd_match_torch(name, argnums):
    f, ti, g, to = build(name)
    if len(ti) == 1 and argnums != 0:
        argnums = (0,)
    for mine, theirs in ((FU.jacrev, TFU.jacrev), (FU.jacfwd, TFU.jacfwd)):
        a, b = mine(f, argnums)(*ti), theirs(g, argnums)(*to)
        assert nest(a) == nest(b)
        same(a, b)


def test_func_vjp_jvp_has_aux_match_torch():
    f = lambda x, y: ((x * y).sin(), x.sum())  # noqa: E731
    ti, to = (tg.tensor(X), tg.tensor(Y)), (torch.tensor(X), torch.tensor(Y))
    out, fn, aux = FU.vjp(f, *ti, has_aux=True)
    tout, tfn, taux = TFU.vjp(f, *to, has_aux=True)
    same((out, aux), (tout, taux))
    ct = RNG.standard_normal((2, 3))
    same(fn(tg.tensor(ct)), tfn(torch.tensor(ct)))
    same(fn(tg.tensor(ct)), tfn(torch.tensor(ct)))  # callable twice
    tv = (RNG.standard_normal(3), RNG.standard_normal((2, 3)))
    same(FU.jvp(f, ti, tuple(tg.tensor(e) for e in tv), has_aux=True),
         TFU.jvp(f, to, tuple(torch.tensor(e) for e in tv), has_aux=True))


def test_vmap_grad_gives_per_sample_gradients_as_torch():
    xs = RNG.standard_normal((5, 3))
    def make(m):
        return lambda w, x: m.tanh(w @ x).sum()
    a = FU.vmap(FU.grad(make(tg)), in_dims=(None, 0))(tg.tensor(W), tg.tensor(xs))
    b = TFU.vmap(TFU.grad(make(torch)), in_dims=(None, 0))(torch.tensor(W), torch.tensor(xs))
    same(a, b)
    same(FU.vmap(FU.jacrev(lambda x: x.sin() * x.sum()))(tg.tensor(xs)),
         TFU.vmap(TFU.jacrev(lambda x: x.sin() * x.sum()))(torch.tensor(xs)))


def test_vmap_in_dims_out_dims_and_tuples():
    xs, ys = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    f = lambda x, y: (x * y.sum(), x.sum())  # noqa: E731
    a = FU.vmap(f, in_dims=(1, 0), out_dims=(1, 0))(tg.tensor(xs), tg.tensor(ys))
    b = TFU.vmap(f, in_dims=(1, 0), out_dims=(1, 0))(torch.tensor(xs), torch.tensor(ys))
    same(a, b)


@pytest.mark.parametrize("call", [
    lambda V, L: V.vmap(lambda x, y: x + y)(L.tensor(X), L.tensor(V2)),
    lambda V, L: V.vmap(lambda x: x + L.rand(1))(L.tensor(X)),
    lambda V, L: V.vmap(lambda x: x, randomness="x")(L.tensor(X)),
    lambda V, L: V.grad(lambda x: x)(L.tensor(X)),
    lambda V, L: V.grad(lambda x: x.sum(), argnums=2)(L.tensor(X)),
    lambda V, L: V.grad(lambda x: x.sum(), has_aux=True)(L.tensor(X)),
    lambda V, L: V.jvp(lambda x: x, L.tensor(X), L.tensor(X)),
])
def test_func_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(TFU, torch)
    with pytest.raises(type(theirs.value)) as mine:
        call(FU, tg)
    assert str(mine.value) == str(theirs.value)


def test_vmap_randomness_same_and_different():
    same_rows = FU.vmap(lambda x: x + tg.rand(2), randomness="same")(tg.zeros(3, 2))
    assert np.allclose(same_rows.numpy(), same_rows.numpy()[0])
    diff_rows = FU.vmap(lambda x: x + tg.rand(2), randomness="different")(tg.zeros(3, 2))
    assert not np.allclose(diff_rows.numpy(), diff_rows.numpy()[0])


def _modules():
    tg.manual_seed(0)
    mine = tnn.Sequential(tnn.Linear(3, 4), tnn.Tanh(), tnn.Linear(4, 2), tnn.BatchNorm1d(2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2),
                                 torch.nn.BatchNorm1d(2)).double()
    mine.double()
    return mine, theirs


def test_functional_call_matches_torch_and_restores():
    mine, theirs = _modules()
    params = {k: RNG.standard_normal(tuple(v.shape)) for k, v in theirs.state_dict().items()
              if v.dtype.is_floating_point}
    xs = RNG.standard_normal((5, 3))
    before = {k: v.detach().numpy().copy() for k, v in mine.state_dict().items()}
    a = FU.functional_call(mine, {k: tg.tensor(v) for k, v in params.items()}, (tg.tensor(xs),))
    b = TFU.functional_call(theirs, {k: torch.tensor(v) for k, v in params.items()}, (torch.tensor(xs),))
    same(a, b)
    for k, v in mine.state_dict().items():
        if k != "3.num_batches_tracked":  # not passed in: it counts the call, in torch too
            np.testing.assert_array_equal(v.detach().numpy(), before[k], err_msg=k)
    lin = tnn.Linear(3, 4)
    w0 = lin.weight.detach().numpy().copy()
    with pytest.raises(Exception):
        FU.functional_call(lin, {"weight": tg.zeros(4, 3)}, (tg.zeros(2, 5),))
    np.testing.assert_array_equal(lin.weight.detach().numpy(), w0)


def test_functional_call_errors_and_per_sample_grads():
    lin, tlin = tnn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    with pytest.raises(RuntimeError) as theirs:
        TFU.functional_call(tlin, {"weight": torch.zeros(2, 3), "foo": torch.zeros(1)}, (torch.zeros(1, 3),),
                            strict=True)
    with pytest.raises(RuntimeError) as mine:
        FU.functional_call(lin, {"weight": tg.zeros(2, 3), "foo": tg.zeros(1)}, (tg.zeros(1, 3),), strict=True)
    assert str(mine.value) == str(theirs.value)
    with pytest.raises(ValueError) as theirs:
        TFU.functional_call(tlin, ({"weight": torch.zeros(2, 3)}, {"weight": torch.zeros(2, 3)}), (torch.zeros(1, 3),))
    with pytest.raises(ValueError) as mine:
        FU.functional_call(lin, ({"weight": tg.zeros(2, 3)}, {"weight": tg.zeros(2, 3)}), (tg.zeros(1, 3),))
    assert str(mine.value) == str(theirs.value)
    p = {"weight": W[:2].copy(), "bias": B[:2].copy()}
    xs, ys = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))

    def per_sample(L, m, M):
        def loss(params, x, y):
            out = M.functional_call(m, params, (x.unsqueeze(0),))
            return ((out - y.unsqueeze(0)) ** 2).mean()
        return M.vmap(M.grad(loss), in_dims=(None, 0, 0))({k: L.tensor(v) for k, v in p.items()}, L.tensor(xs),
                                                          L.tensor(ys))
    same(per_sample(tg, lin, FU), per_sample(torch, tlin, TFU))


def test_hessian_argnums_tuple_and_grad_under_an_outer_graph_as_torch():
    f = lambda a, b: (a.sin() * b * a).sum()  # noqa: E731
    ti, to = (tg.tensor(X), tg.tensor(V3)), (torch.tensor(X), torch.tensor(V3))
    a, b = FU.hessian(f, (0, 1))(*ti), TFU.hessian(f, (0, 1))(*to)
    assert nest(a) == nest(b)
    same(a, b)
    xa, xb = tg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    ga, gb = FU.grad(f)(xa, ti[1]), TFU.grad(f)(xb, to[1])
    assert ga.grad_fn is not None and gb.grad_fn is not None
    (ga ** 2).sum().backward()
    (gb ** 2).sum().backward()
    same(xa.grad, xb.grad)
    with tg.no_grad():
        same(F.jacobian(lambda t: t * t, tg.tensor(X)), TF.jacobian(lambda t: t * t, torch.tensor(X)))
