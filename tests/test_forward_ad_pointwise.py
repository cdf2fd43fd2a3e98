"""Forward-mode AD of the pointwise, activation, softmax and cumulative ops that the op registry
(tests/test_opinfo_forward_ad.py) does not reach, compared with torch.autograd.forward_ad on the
same float64 numbers; and reverse-over-forward (the gradient of a tangent) and forward-over-reverse
(the tangent of a gradient) for a few of them, compared with torch doing the same."""
import numpy as np
import pytest

import torch

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as TF  # noqa: E402
import torch.nn.functional as F  # noqa: E402

RTOL, ATOL = 1e-10, 1e-12


def _arrays(seed, *shapes, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, s) for s in shapes]


def _tangent(lib, f, primals, tangents):
    """f's output tangent (numpy), with primals[i] dual with tangents[i] (None: not dual)."""
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        args = [lib.tensor(p) if t is None else fw.make_dual(lib.tensor(p), lib.tensor(t))
                for p, t in zip(primals, tangents)]
        out = fw.unpack_dual(f(*args)).tangent
        return None if out is None else out.detach().numpy()


def _check(fn, primals, tangents=None):
    """fn(lib, *tensors) under forward AD, ours against torch: same tangent, same dtype and shape."""
    if tangents is None:
        rng = np.random.default_rng(7)
        tangents = [rng.standard_normal(np.shape(p)) for p in primals]
    theirs = _tangent(torch, lambda *a: fn(torch, *a), primals, tangents)
    ours = _tangent(tg, lambda *a: fn(tg, *a), primals, tangents)
    assert theirs is not None and ours is not None
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    return ours


def _F(lib):
    return TF if lib is tg else F


X = _arrays(0, (3, 5))[0]
# the activations at points on both sides of their kinks and thresholds (none exactly at one)
ACTIVATIONS = {
    "relu": lambda lib, x: _F(lib).relu(x),
    "leaky_relu": lambda lib, x: _F(lib).leaky_relu(x, 0.2),
    "hardtanh": lambda lib, x: _F(lib).hardtanh(x, -0.5, 0.7),
    "relu6": lambda lib, x: _F(lib).relu6(x * 4),
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "erf": lambda lib, x: lib.erf(x),
    "gelu": lambda lib, x: _F(lib).gelu(x),
    "gelu_tanh": lambda lib, x: _F(lib).gelu(x, approximate="tanh"),
    "elu": lambda lib, x: _F(lib).elu(x, alpha=1.3),
    "selu": lambda lib, x: _F(lib).selu(x),
    "softplus": lambda lib, x: _F(lib).softplus(x),
    "softplus_beta_threshold": lambda lib, x: _F(lib).softplus(x, beta=2.0, threshold=1.5),
    "silu": lambda lib, x: _F(lib).silu(x),
    "mish": lambda lib, x: _F(lib).mish(x),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_tangents_match_torch(name):
    _check(ACTIVATIONS[name], [X])


@pytest.mark.parametrize("name", ["relu", "hardtanh", "gelu", "softplus_beta_threshold"])
def test_activation_tangent_broadcast_and_0d(name):
    _check(ACTIVATIONS[name], [np.array(0.3)])
    _check(ACTIVATIONS[name], [X.T.copy()])


SOFTMAX = {
    "softmax_dim0": lambda lib, x: lib.softmax(x, 0),
    "softmax_dim-1_dtype": lambda lib, x: lib.softmax(x, -1, dtype=lib.float64),
    "log_softmax_dtype": lambda lib, x: lib.log_softmax(x, 1, dtype=lib.float64),
    "F.softmax": lambda lib, x: _F(lib).softmax(x, dim=1),
    "F.log_softmax": lambda lib, x: _F(lib).log_softmax(x, dim=0),
    "logsumexp_tuple": lambda lib, x: lib.logsumexp(x, (0, 2)),
    "logsumexp_keepdim": lambda lib, x: lib.logsumexp(x, -1, keepdim=True),
    "logsumexp_all": lambda lib, x: lib.logsumexp(x, (0, 1, 2), keepdim=True),
    "logsumexp_method": lambda lib, x: x.logsumexp(1),
}


@pytest.mark.parametrize("name", list(SOFTMAX))
def test_softmax_family_tangents_match_torch(name):
    _check(SOFTMAX[name], [_arrays(1, (2, 3, 4), low=-5, high=5)[0]])


def test_softmax_of_a_0d_tensor_and_logsumexp_of_large_and_infinite_inputs():
    _check(lambda lib, x: lib.softmax(x, 0), [np.array(1.5)])
    _check(lambda lib, x: lib.logsumexp(x, 0), [np.array(1.5)])
    x = np.array([[1000.0, 999.0, -np.inf], [-np.inf, -5.0, 3.0]])
    _check(lambda lib, x: lib.logsumexp(x, 1), [x], [np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])])


CUMPROD_INPUTS = {
    "no_zeros": np.array([[1.5, -0.5, 2.0, 0.7], [0.3, 1.1, -1.2, 2.5]]),
    "one_zero": np.array([[1.5, 0.0, 2.0, 0.7], [0.3, 1.1, -1.2, 0.0]]),
    "two_zeros": np.array([[0.0, 1.5, 0.0, 0.7], [0.0, 0.0, -1.2, 2.5]]),
}


@pytest.mark.parametrize("name", list(CUMPROD_INPUTS))
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_tangent_with_and_without_zeros(name, dim):
    _check(lambda lib, x: lib.cumprod(x, dim), [CUMPROD_INPUTS[name]])


def test_cumprod_3d_with_zero_and_0d():
    x = _arrays(2, (2, 3, 4))[0]
    x[1, 1, 2] = 0.0
    _check(lambda lib, x: lib.cumprod(x, 1), [x])
    _check(lambda lib, x: x.cumprod(0), [np.array(-1.5)])


def test_logcumsumexp_tangent_is_exact_where_torchs_underflows():
    """torch's tangent is 0 at x = -1000 in a row whose maximum is 3 (its scaling underflows); the
    exact tangent there is the input's (y_0 = x_0). Ours equals the direct float64 sum."""
    x = np.array([[-1000.0, 0.0, 3.0, -5.0], [50.0, 60.0, -np.inf, 70.0]])
    t = np.random.default_rng(3).standard_normal(x.shape)
    ours = _tangent(tg, lambda a: tg.logcumsumexp(a, 1), [x], [t])
    y = np.logaddexp.accumulate(x, axis=1)
    weights = np.exp(np.where(np.tril(np.ones((4, 4), bool)), x[:, None, :] - y[:, :, None], -np.inf))  # [row, i, k<=i]
    np.testing.assert_allclose(ours, (weights * t[:, None, :]).sum(-1), rtol=1e-12, atol=1e-14)
    assert ours[0, 0] == pytest.approx(t[0, 0], rel=1e-12)


def test_logcumsumexp_tangent_of_an_empty_input_is_empty():
    """torch's forward AD raises IndexError here (its rule takes a max over the empty dim); ours
    gives the empty tangent, as its reverse mode gives the empty gradient."""
    x = np.zeros((0, 3))
    with pytest.raises(IndexError):
        _tangent(torch, lambda a: torch.logcumsumexp(a, 0), [x], [x])
    ours = _tangent(tg, lambda a: tg.logcumsumexp(a, 0), [x], [x])
    assert ours.shape == (0, 3) and ours.dtype == np.float64


@pytest.mark.parametrize("dim", [0, 1])
def test_logcumsumexp_tangent_matches_torch(dim):
    _check(lambda lib, x: lib.logcumsumexp(x, dim), _arrays(4, (3, 4), low=-3, high=3))


# (the operands are prepared in numpy: only the op under test runs on dual tensors)
BINARY = {
    "fmod_number": (lambda lib, x, y: lib.fmod(x, 1.3), (False, True)),
    "remainder_number": (lambda lib, x, y: lib.remainder(x, -1.3), (False, True)),
    "fmod": (lambda lib, x, y: lib.fmod(x, y), (False, False)),
    "remainder_op": (lambda lib, x, y: x % y, (False, False)),
    "hypot": (lambda lib, x, y: lib.hypot(x, y), (False, False)),
    "logaddexp2": (lambda lib, x, y: lib.logaddexp2(x, y), (False, False)),
    "logaddexp": (lambda lib, x, y: lib.logaddexp(x, y), (False, False)),
    "xlogy": (lambda lib, x, y: lib.xlogy(x, y), (False, False)),
    "xlogy_number_x": (lambda lib, x, y: lib.xlogy(2.5, y), (True, False)),
    "xlogy_number_y": (lambda lib, x, y: lib.xlogy(x, 3.0), (False, True)),
    "copysign": (lambda lib, x, y: lib.copysign(x, y), (False, False)),
    "copysign_number": (lambda lib, x, y: lib.copysign(x, -2.0), (False, True)),
    "fmax": (lambda lib, x, y: lib.fmax(x, y), (False, False)),
    "fmin": (lambda lib, x, y: lib.fmin(x, y), (False, False)),
    "float_power": (lambda lib, x, y: lib.float_power(x, y), (False, False)),
}
POSITIVE_X = ("float_power",)
POSITIVE_Y = ("fmod", "remainder_op", "xlogy", "xlogy_number_x")


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("y_shape", [(3, 4), (4,), (3, 1)])
def test_binary_tangents_match_torch(name, y_shape):
    fn, unused = BINARY[name]
    x, y = _arrays(5, (3, 4), y_shape)
    x[0, 0], y.flat[0] = 0.0, 1.0    # xlogy and copysign at x = 0
    if y_shape == (3, 4):
        x[1, 1] = y[1, 1] = 0.75     # an fmax/fmin tie (forward mode: fmax's goes to y, fmin's to x)
        x[2, 2], y[2, 3] = np.nan, np.nan   # fmax/fmin: the other operand's tangent where one is NaN
        if name not in ("fmax", "fmin"):
            x[2, 2], y[2, 3] = 0.4, -0.6
    x, y = (np.abs(x) + 0.5 if name in POSITIVE_X else x), (np.abs(y) + 0.5 if name in POSITIVE_Y else y)
    rng = np.random.default_rng(8)
    tangents = [None if skip else rng.standard_normal(a.shape) for a, skip in zip((x, y), unused)]
    _check(fn, [x, y], tangents)


def test_xlogy_derivative_at_x_zero_is_torchs():
    """d xlogy/dx at x = 0 is log y (0 where y <= 0), as torch, in forward and in reverse mode."""
    x, y = np.zeros(5), np.array([0.0, np.nan, -1.0, 3.0, np.inf])
    _check(lambda lib, a, b: lib.xlogy(a, b), [x, y], [np.ones(5), np.full(5, 2.0)])
    _check(lambda lib, a, b: lib.xlogy(a, b), [x[1:], y[1:]], [np.ones(4), None])
    grads = []
    for lib in (torch, tg):
        a = lib.tensor(x, requires_grad=True)
        grads.append(lib.autograd.grad(lib.xlogy(a, lib.tensor(y)).sum(), a)[0].detach().numpy())
    np.testing.assert_allclose(grads[1], grads[0])
    assert grads[1][3] == pytest.approx(np.log(3.0))


def test_binary_tangent_of_the_second_operand_only():
    x, y = _arrays(6, (3, 4), (4,), low=0.5, high=2.0)
    t = np.random.default_rng(9).standard_normal(y.shape)
    for fn in (lambda lib, a, b: lib.fmod(a, b), lambda lib, a, b: lib.hypot(a, b),
               lambda lib, a, b: lib.xlogy(a, b), lambda lib, a, b: lib.fmin(a, b)):
        _check(fn, [x, y], [None, t])


TERNARY = {
    "addcmul": lambda lib, x, a, b: lib.addcmul(x, a, b, value=-0.5),
    "addcdiv": lambda lib, x, a, b: lib.addcdiv(x, a, b, value=2.0),
    "addcmul_method": lambda lib, x, a, b: x.addcmul(a, b),
    "addcdiv_method": lambda lib, x, a, b: x.addcdiv(a, b),
    "lerp_number": lambda lib, x, a, b: lib.lerp(x, a, 0.3),
    "lerp_number_far": lambda lib, x, a, b: lib.lerp(x, a, 0.8),
    "lerp_tensor": lambda lib, x, a, b: lib.lerp(x, a, b),
}


@pytest.mark.parametrize("name", list(TERNARY))
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((1, 4), (3, 1), ())])
def test_ternary_tangents_match_torch(name, shapes):
    x, a, b = _arrays(10, *shapes)
    if name.startswith("lerp"):
        x = np.broadcast_to(x, np.broadcast_shapes(*shapes)).copy()  # lerp's output has the input's shape
    _check(TERNARY[name], [x, a, np.abs(b) + 0.5])


def test_ternary_with_some_operands_not_dual():
    x, a, b = _arrays(11, (3, 4), (4,), (3, 1))
    rng = np.random.default_rng(12)
    _check(TERNARY["addcdiv"], [x, a, np.abs(b) + 0.5], [None, rng.standard_normal(4), None])
    _check(TERNARY["addcmul"], [x, a, b], [None, None, rng.standard_normal((3, 1))])
    _check(TERNARY["lerp_tensor"], [x, a, b], [None, None, rng.standard_normal((3, 1))])
    _check(TERNARY["lerp_tensor"], [x, a, b], [None, rng.standard_normal(4), None])


def test_normal_draw_has_zero_tangent_as_torch():
    """torch.normal(mean, std) is not reparameterised: the tangent is 0 (torch's too)."""
    mean, std = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, 2.0])
    for fn in (lambda lib, m, s: lib.normal(m, s), lambda lib, m, s: lib.normal(m, 2.0)):
        ours = _check(fn, [mean, std], [np.array([1.0, 2.0, 3.0]), None])
        assert not ours.any()
    ours = _tangent(tg, lambda m, s: tg.normal(m, s), [mean, std], [None, np.ones(3)])
    assert ours is not None and not ours.any()


@pytest.mark.parametrize("fn, aten", [
    (lambda lib, x: lib.heaviside(x, lib.ones(3, dtype=lib.float64)), "heaviside"),
    (lambda lib, x: lib.floor_divide(x, 2.0), "floor_divide"),
    (lambda lib, x: x // 2.0, "floor_divide"),
    (lambda lib, x: lib.remainder(5.0, x), "remainder"),
])
def test_ops_without_derivative_raise_torchs_error(fn, aten):
    for lib in (torch, tg):
        with pytest.raises(NotImplementedError) as info:
            _tangent(lib, lambda x: fn(lib, x), [np.array([-1.0, 0.5, 2.0])], [np.ones(3)])
        assert str(info.value) == f"Trying to use forward AD with aten::{aten} that does not support it."


# ---- reverse-over-forward: the gradient of a tangent, with respect to the primal and the tangent ------
def _grad_of_tangent(lib, fn, primal, tangent, weight):
    """grad of sum(w * J(x) t) with respect to x and t, the tangent computed under forward AD."""
    fw = lib.autograd.forward_ad
    x, t = lib.tensor(primal, requires_grad=True), lib.tensor(tangent, requires_grad=True)
    with fw.dual_level():
        jvp = fw.unpack_dual(fn(lib, fw.make_dual(x, t))).tangent
    w = lib.tensor(np.resize(weight, tuple(jvp.shape)))
    return [g.detach().numpy() for g in lib.autograd.grad((jvp * w).sum(), (x, t))]


def _torch_grad_of_tangent_in_reverse_mode(fn, primal, tangent, weight):
    """The same with torch's reverse mode only (J t as the gradient of (J^T u) . t in u), for the
    ops whose tangent torch's reverse mode cannot differentiate (its softmax, log_softmax and
    logsumexp rules modify a saved output in place: torch raises)."""
    x, t = torch.tensor(primal, requires_grad=True), torch.tensor(tangent, requires_grad=True)
    out = fn(torch, x)
    u = torch.ones_like(out, requires_grad=True)  # any u: (J^T u) . t is linear in u (u = 0 gives torch NaNs)
    (vjp,) = torch.autograd.grad(out, x, u, create_graph=True)
    (jvp,) = torch.autograd.grad((vjp * t).sum(), u, create_graph=True)
    w = torch.tensor(np.resize(weight, tuple(jvp.shape)))
    return [g.detach().numpy() for g in torch.autograd.grad((jvp * w).sum(), (x, t))]


def _constant(lib, seed):
    return lib.tensor(_arrays(seed, (2, 3), low=0.5, high=2.0)[0])


REVERSE_OVER_FORWARD = {
    "gelu": ACTIVATIONS["gelu"], "gelu_tanh": ACTIVATIONS["gelu_tanh"], "mish": ACTIVATIONS["mish"],
    "softplus": ACTIVATIONS["softplus_beta_threshold"], "elu": ACTIVATIONS["elu"], "erf": ACTIVATIONS["erf"],
    "sigmoid": ACTIVATIONS["sigmoid"], "silu": ACTIVATIONS["silu"],
    "softmax": lambda lib, x: lib.softmax(x, 1), "log_softmax": lambda lib, x: lib.log_softmax(x, 0),
    "logsumexp": lambda lib, x: lib.logsumexp(x, 1), "cumprod": lambda lib, x: lib.cumprod(x, 1),
    "hypot": lambda lib, x: lib.hypot(x, _constant(lib, 20)),
    "logaddexp": lambda lib, x: lib.logaddexp(x * x, x),
    "addcdiv": lambda lib, x: lib.addcdiv(x, x * x, _constant(lib, 21), value=0.5),
    "addcmul": lambda lib, x: lib.addcmul(_constant(lib, 22), x, x * x, value=0.5),
    "lerp": lambda lib, x: lib.lerp(x, _constant(lib, 23), x * x * 0.2),
    "xlogy": lambda lib, x: lib.xlogy(x, x * x + 1), "fmod": lambda lib, x: lib.fmod(x * x, x + 3),
}
TORCH_CANNOT = {"softmax", "log_softmax", "logsumexp"}


@pytest.mark.parametrize("name", list(REVERSE_OVER_FORWARD))
def test_gradient_of_a_tangent_matches_torch(name):
    primal, tangent, weight = _arrays(13, (2, 3), (2, 3), (2, 3))
    fn = REVERSE_OVER_FORWARD[name]
    theirs = (_torch_grad_of_tangent_in_reverse_mode(fn, primal, tangent, weight) if name in TORCH_CANNOT
              else _grad_of_tangent(torch, fn, primal, tangent, weight))
    ours = _grad_of_tangent(tg, fn, primal, tangent, weight)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", sorted(TORCH_CANNOT))
def test_torch_still_cannot_differentiate_these_tangents(name):
    """Why the reverse-over-forward oracle of these is torch's reverse mode: torch raises."""
    primal, tangent, weight = _arrays(13, (2, 3), (2, 3), (2, 3))
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _grad_of_tangent(torch, REVERSE_OVER_FORWARD[name], primal, tangent, weight)


def _grad_of_tangent_by_central_difference(fn, x, t, w, eps=1e-6):
    """d/dx of sum(w * J(x) t), our own tangent differenced in x (float64)."""
    def weighted_tangent(primal):
        return float((_tangent(tg, lambda a: fn(tg, a), [primal], [t]) * w).sum())
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        numeric[i] = (weighted_tangent(x + step) - weighted_tangent(x - step)) / (2 * eps)
    return numeric


@pytest.mark.parametrize("name, fn, x", [
    ("cumprod_zeros", lambda lib, a: lib.cumprod(a, 1), np.array([[1.5, 0.0, -0.7, 2.0], [0.0, 1.1, 0.0, 0.6]])),
    ("logcumsumexp", lambda lib, a: lib.logcumsumexp(a, 1), np.array([[1.5, 0.0, -0.7, 2.0], [-3.0, 1.1, 0.2, 0.6]])),
])
def test_gradient_of_a_tangent_vs_central_difference(name, fn, x):
    """Where torch's gradient of its own tangent is NaN (cumprod with zeros: it divides; logcumsumexp,
    even in reverse mode only), the oracle is the central difference of our tangent in x; in t the
    tangent is linear, so its gradient is sum(w * J e_k) for each unit vector e_k."""
    t, w = _arrays(15, x.shape, x.shape)
    ours_x, ours_t = _grad_of_tangent(tg, fn, x, t, w)
    np.testing.assert_allclose(ours_x, _grad_of_tangent_by_central_difference(fn, x, t, w), rtol=1e-6, atol=1e-8)
    for k in np.ndindex(x.shape):
        unit = np.zeros_like(x)
        unit[k] = 1.0
        assert ours_t[k] == pytest.approx(float((_tangent(tg, lambda a: fn(tg, a), [x], [unit]) * w).sum()),
                                          rel=1e-10, abs=1e-12)


# ---- forward-over-reverse: the tangent of a gradient (a Hessian-vector product) ---------------------
def _hvp(lib, fn, primal, tangent):
    fw = lib.autograd.forward_ad
    x = lib.tensor(primal, requires_grad=True)
    with fw.dual_level():
        dual = fw.make_dual(x, lib.tensor(tangent))
        out = fn(lib, dual)
        (g,) = lib.autograd.grad(out, dual, lib.ones_like(out), create_graph=True)
        return fw.unpack_dual(g).tangent.detach().numpy()


@pytest.mark.parametrize("name, fn", [
    ("relu_times_square", lambda lib, x: _F(lib).relu(x) * x * x),  # relu's backward: ThresholdBackward
    ("leaky_relu_times_square", lambda lib, x: _F(lib).leaky_relu(x, 0.1) * x * x),
    ("hardtanh_times_square", lambda lib, x: _F(lib).hardtanh(x, -0.5, 0.7) * x * x),
    ("silu", ACTIVATIONS["silu"]), ("elu", ACTIVATIONS["elu"]), ("sigmoid", ACTIVATIONS["sigmoid"]),
    ("softplus", ACTIVATIONS["softplus_beta_threshold"]),
    ("addcmul", lambda lib, x: lib.addcmul(x, x, x * x, value=0.5)),
    ("hypot", lambda lib, x: lib.hypot(x, x * x)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_tangent_of_a_gradient_matches_torch(name, fn):
    primal, tangent = _arrays(14, (2, 3), (2, 3))
    np.testing.assert_allclose(_hvp(tg, fn, primal, tangent), _hvp(torch, fn, primal, tangent),
                               rtol=1e-9, atol=1e-11)


FLOAT32 = {**{k: ACTIVATIONS[k] for k in ("relu", "hardtanh", "leaky_relu", "gelu", "gelu_tanh", "elu", "mish")},
           **{k: SOFTMAX[k] for k in ("softmax_dim0", "F.log_softmax", "logsumexp_tuple")},
           "cumprod": lambda lib, x: lib.cumprod(x, 1), "logcumsumexp": lambda lib, x: lib.logcumsumexp(x, 2),
           "copysign": lambda lib, x: lib.copysign(x, -1.0), "fmod": lambda lib, x: lib.fmod(x, 0.7),
           "lerp": lambda lib, x: lib.lerp(x, x * x, 0.3)}


@pytest.mark.parametrize("name", list(FLOAT32))
def test_float32_tangents_keep_float32(name):
    """The tangent of a float32 op is float32 (the log-space logcumsumexp rule computes in float64)."""
    x = _arrays(16, (2, 3, 4))[0].astype(np.float32)
    t = np.random.default_rng(17).standard_normal(x.shape).astype(np.float32)
    fn = FLOAT32[name]
    theirs = _tangent(torch, lambda a: fn(torch, a), [x], [t])
    ours = _tangent(tg, lambda a: fn(tg, a), [x], [t])
    assert ours.dtype == theirs.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6)
