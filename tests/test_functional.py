"""nn.functional against real torch (same inputs -> same outputs and gradients, float32), plus
float64 gradcheck/gradgradcheck (central finite differences) and torch's error behaviour."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck
from tinygrad_edu.ops._erf import normal_cdf_numpy

import torch
TF = torch.nn.functional

FWD = dict(rtol=1e-5, atol=1e-6)
GRAD = dict(rtol=1e-5, atol=1e-5)


def _arrays(*shapes, seed=0, scale=1.0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(s) * scale).astype(dtype) for s in shapes]


def parity(ours, theirs, arrays, fwd=FWD, grad=GRAD, seed=1):
    """Run both functions on copies of `arrays` (all requiring grad), backpropagate the same random
    upstream gradient, and compare the outputs and every input's gradient."""
    xs = [te.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*xs), theirs(*ts)
    assert y.dtype.numpy_dtype == ty.detach().numpy().dtype
    np.testing.assert_allclose(y._data, ty.detach().numpy(), **fwd)
    g = np.random.default_rng(seed).standard_normal(ty.shape).astype(arrays[0].dtype)
    y.backward(te.tensor(g))
    ty.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad._data, t.grad.numpy(), **grad)


def _f64(*shapes, seed=0, scale=1.0):
    return [te.tensor(a, requires_grad=True) for a in _arrays(*shapes, seed=seed, scale=scale, dtype=np.float64)]


# ---- linear -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (2, 2, 2, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(x_shape, bias):
    arrays = _arrays(x_shape, (4, 3), (4,))
    if bias:
        parity(F.linear, TF.linear, arrays)
    else:
        parity(F.linear, TF.linear, arrays[:2])


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 3, 3)])
def test_linear_gradcheck_and_gradgradcheck(x_shape):
    assert gradcheck(F.linear, _f64(x_shape, (2, 3), (2,)))
    assert gradcheck(F.linear, _f64(x_shape, (2, 3)))
    assert gradgradcheck(F.linear, _f64(x_shape, (2, 3), (2,)))


def test_linear_broadcast_bias_matches_torch():
    parity(F.linear, TF.linear, _arrays((5, 3), (4, 3), (1,)))
    parity(F.linear, TF.linear, _arrays((2, 5, 3), (4, 3), ()))


def test_linear_only_needed_gradients():
    x, w = te.randn(4, 3), te.randn(2, 3, requires_grad=True)
    F.linear(x, w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad._data, np.broadcast_to(x._data.sum(0), (2, 3)), rtol=1e-5)


def test_linear_errors_like_torch():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(10x3 and 4x3\)"):
        F.linear(te.randn(10, 3), te.randn(3, 4))
    with pytest.raises(RuntimeError, match=r"\(10x3 and 4x3\)"):
        F.linear(te.randn(2, 5, 3), te.randn(3, 4))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(te.randn(2, 4).double(), te.randn(3, 4))
    with pytest.raises(RuntimeError, match="expanded size"):
        F.linear(te.randn(2, 4), te.randn(3, 4), te.randn(2))


# ---- activations ----------------------------------------------------------------------------------------
ACTIVATIONS = {
    "relu": (F.relu, TF.relu),
    "relu6": (F.relu6, TF.relu6),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: TF.hardtanh(x, -0.5, 2.0)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    "sigmoid": (F.sigmoid, torch.sigmoid),
    "tanh": (F.tanh, torch.tanh),
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    "elu": (lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7)),
    "selu": (F.selu, TF.selu),
    "softplus": (F.softplus, TF.softplus),
    "softplus_beta": (lambda x: F.softplus(x, 2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0)),
    "silu": (F.silu, TF.silu),
    "mish": (F.mish, TF.mish),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "erf": (F.erf, torch.erf),
    "softmax": (lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0)),
    "softmin": (lambda x: F.softmin(x, 0), lambda x: TF.softmin(x, 0)),
    "log_softmax": (lambda x: F.log_softmax(x, -1), lambda x: TF.log_softmax(x, -1)),
}
SMOOTH = ["sigmoid", "tanh", "gelu", "gelu_tanh", "elu", "selu", "softplus", "silu", "mish", "logsigmoid", "erf",
          "softmax", "log_softmax"]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(7,), (4, 5), (2, 3, 4)])
def test_activation_matches_torch(name, shape):
    ours, theirs = ACTIVATIONS[name]
    # scale 4 reaches the saturated tails, softplus's threshold and hardtanh/relu6's bounds
    parity(ours, theirs, _arrays(shape, scale=4.0, seed=len(shape)))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradcheck(name):
    (x,) = _f64((3, 4), scale=2.0, seed=3)  # no element at a kink: finite differences stay valid
    assert gradcheck(ACTIVATIONS[name][0], (x,))


@pytest.mark.parametrize("name", SMOOTH)
def test_activation_gradgradcheck(name):
    (x,) = _f64((3, 4), scale=2.0, seed=4)
    assert gradgradcheck(ACTIVATIONS[name][0], (x,))


def test_erf_matches_math_erf_to_double_precision():
    x = np.concatenate([np.linspace(-7, 7, 20001), [0.0, -0.0, 0.2499999, 5.999999, 6.0, 1e-300, -1e-10]])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(F.erf(te.tensor(x))._data, expected, rtol=3e-14, atol=0)  # relative, even near 0
    special = F.erf(te.tensor([np.inf, -np.inf, np.nan]))._data
    assert special[0] == 1 and special[1] == -1 and np.isnan(special[2])


def test_float32_gelu_normal_cdf_within_2_ulp_of_exact():
    # gelu's float32 Phi(x) = (1 + erf(x / sqrt 2)) / 2 uses its own formula (no table lookups):
    # compare with the exact value from math.erfc, in units of float32's spacing at Phi
    x = np.concatenate([np.linspace(-12, 12, 240001), [0.0, -0.0, 1e-30, -1e-30]]).astype(np.float32)
    cdf = normal_cdf_numpy(x)
    exact = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2)) for v in x])
    assert cdf.dtype == np.float32
    ulp_at_half = float(np.spacing(np.float32(0.5)))
    assert np.max(np.abs(cdf - exact)) <= 2 * ulp_at_half + 1e-12  # |error| <= 2 ulp of values in [0.5, 1)
    tail = x < -2
    np.testing.assert_allclose(cdf[tail], exact[tail], rtol=0, atol=3e-8)
    special = normal_cdf_numpy(np.array([np.inf, -np.inf, np.nan], np.float32))
    assert special[0] == 1 and special[1] == 0 and np.isnan(special[2])
    zero_d = normal_cdf_numpy(np.array(0.3, np.float32))
    assert zero_d.shape == () and abs(float(zero_d) - 0.5 * math.erfc(-0.3 / math.sqrt(2))) < 1.2e-7


def test_activations_keep_float32():
    x = te.randn(3, 4)
    for name, (ours, _) in ACTIVATIONS.items():
        assert ours(x).dtype == te.float32, name


@pytest.mark.parametrize("fn", ["relu", "leaky_relu", "elu", "selu", "silu", "mish", "relu6", "hardtanh"])
def test_inplace_activations_write_into_input(fn):
    a = _arrays((3, 4), scale=3.0)[0]
    x, t = te.tensor(a.copy()), torch.tensor(a.copy())
    out = getattr(F, fn)(x, inplace=True)
    getattr(TF, fn)(t, inplace=True)
    assert out is x
    np.testing.assert_allclose(x._data, t.numpy(), **FWD)


def test_inplace_activation_backward_through_non_leaf():
    a = _arrays((3, 4))[0]
    x, t = te.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    F.elu(x * 2, inplace=True).sum().backward()
    TF.elu(t * 2, inplace=True).sum().backward()
    np.testing.assert_allclose(x.grad._data, t.grad.numpy(), **GRAD)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(5,), (2, 5), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_implicit_dim_follows_torch(name, shape):
    a = _arrays(shape)[0]
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        ours = getattr(F, name)(te.tensor(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(TF, name)(torch.tensor(a))
    np.testing.assert_allclose(ours._data, theirs.numpy(), **FWD)


def test_gelu_bad_approximate():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(te.randn(2), approximate="fast")


# ---- dropout -------------------------------------------------------------------------------------------
def test_dropout_eval_is_identity_and_p_validated():
    x = te.randn(4, 5)
    assert np.array_equal(F.dropout(x, 0.5, training=False)._data, x._data)
    for p in (1.5, -0.1):
        with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"):
            F.dropout(x, p)


def test_dropout_statistics_scaling_and_gradient():
    te.manual_seed(0)
    x = te.ones(200, 500, requires_grad=True)
    y = F.dropout(x, 0.3)
    zero = y._data == 0
    assert abs(zero.mean() - 0.3) < 0.01
    np.testing.assert_allclose(y._data[~zero], 1 / 0.7, rtol=1e-6)
    assert y.dtype == te.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, y._data)  # d(x * mask)/dx = mask, and x = 1


def test_dropout_reproducible_under_manual_seed_and_edge_p():
    x = te.randn(50, 40)
    te.manual_seed(3)
    a = F.dropout(x, 0.5)
    te.manual_seed(3)
    b = F.dropout(x, 0.5)
    assert np.array_equal(a._data, b._data)
    assert not np.array_equal(a._data, F.dropout(x, 0.5)._data)
    assert np.all(F.dropout(x, 1.0)._data == 0)
    assert np.array_equal(F.dropout(x, 0.0)._data, x._data)


# ---- batch_norm / layer_norm ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(shape, training):
    c = shape[1]
    x, w, b = _arrays(shape, (c,), (c,), seed=2)
    rm, rv = np.linspace(-1, 1, c).astype(np.float32), np.linspace(0.5, 2, c).astype(np.float32)
    ours_rm, ours_rv = te.tensor(rm.copy()), te.tensor(rv.copy())
    th_rm, th_rv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    parity(lambda x, w, b: F.batch_norm(x, ours_rm, ours_rv, w, b, training, 0.2, 1e-3),
           lambda x, w, b: TF.batch_norm(x, th_rm, th_rv, w, b, training, 0.2, 1e-3), [x, w, b],
           grad=dict(rtol=1e-4, atol=1e-5))
    np.testing.assert_allclose(ours_rm._data, th_rm.numpy(), **FWD)
    np.testing.assert_allclose(ours_rv._data, th_rv.numpy(), **FWD)


def test_batch_norm_without_affine_or_running_stats():
    (x,) = _arrays((5, 3, 2))
    parity(lambda x: F.batch_norm(x, None, None, training=True), lambda x: TF.batch_norm(x, None, None, training=True),
           [x], grad=dict(rtol=1e-4, atol=1e-5))


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training):
    x, w, b = _f64((4, 2, 3), (2,), (2,), seed=5)
    rm, rv = te.zeros(2, dtype=te.float64), te.ones(2, dtype=te.float64) * 1.5
    fn = lambda x, w, b: F.batch_norm(x, None if training else rm, None if training else rv, w, b, training)  # noqa
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_batch_norm_errors_like_torch():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size .*"
                                         r"\[1, 3\]"):
        F.batch_norm(te.randn(1, 3), te.zeros(3), te.ones(3), training=True)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 2"):
        F.batch_norm(te.randn(4, 3), te.zeros(2), te.ones(2), training=True)


@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((6,), (6,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(shape, normalized, affine):
    x, w, b = _arrays(shape, normalized, normalized, seed=6)
    if affine:
        parity(lambda x, w, b: F.layer_norm(x, normalized, w, b), lambda x, w, b: TF.layer_norm(x, normalized, w, b),
               [x, w, b], grad=dict(rtol=1e-4, atol=1e-5))
    else:
        parity(lambda x: F.layer_norm(x, normalized), lambda x: TF.layer_norm(x, normalized), [x],
               grad=dict(rtol=1e-4, atol=1e-5))


def test_layer_norm_gradcheck_and_gradgradcheck():
    fn = lambda x, w, b: F.layer_norm(x, (3, 2), w, b, eps=1e-3)  # noqa: E731
    assert gradcheck(fn, _f64((2, 3, 2), (3, 2), (3, 2), seed=7))
    assert gradgradcheck(fn, _f64((2, 3, 2), (3, 2), (3, 2), seed=7))


def test_layer_norm_errors_like_torch():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\], "
                                           r"but got input of size\[2, 3, 4\]"):
        F.layer_norm(te.randn(2, 3, 4), (5,))
    with pytest.raises(RuntimeError, match=r"Expected weight to be of same shape as normalized_shape, but got weight "
                                           r"of shape \[3\] and normalized_shape = \[4\]"):
        F.layer_norm(te.randn(2, 3, 4), (4,), te.ones(3))


# ---- embedding, one_hot --------------------------------------------------------------------------------
@pytest.mark.parametrize("padding_idx,by_freq", [(None, False), (2, False), (-1, True)])
def test_embedding_matches_torch(padding_idx, by_freq):
    (w,) = _arrays((6, 3))
    idx = np.array([[0, 2, 2], [5, 1, 2]])
    parity(lambda w: F.embedding(te.tensor(idx), w, padding_idx, scale_grad_by_freq=by_freq),
           lambda w: TF.embedding(torch.tensor(idx), w, padding_idx, scale_grad_by_freq=by_freq), [w])


def test_embedding_max_norm_renormalises_rows_like_torch():
    (w,) = _arrays((5, 4), scale=3.0)
    ours, theirs = te.tensor(w.copy()), torch.tensor(w.copy())
    idx = np.array([0, 3, 3])
    out = F.embedding(te.tensor(idx), ours, max_norm=1.0)
    expected = TF.embedding(torch.tensor(idx), theirs, max_norm=1.0)
    np.testing.assert_allclose(out._data, expected.numpy(), **FWD)
    np.testing.assert_allclose(ours._data, theirs.numpy(), **FWD)


def test_embedding_gradcheck_and_errors():
    (w,) = _f64((4, 3))
    # (padding_idx deliberately withholds the true gradient, so it is checked against torch above instead)
    assert gradcheck(lambda w: F.embedding(te.tensor([[1, 1], [3, 0]]), w), (w,))
    assert gradgradcheck(lambda w: F.embedding(te.tensor([1, 2, 1]), w) ** 2, (w,))
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(te.tensor([1, 4]), w)
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        F.embedding(te.tensor([1.0]), w)


def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    for n in (-1, 5):
        out = F.one_hot(te.tensor(idx), n)
        assert out.dtype == te.int64
        np.testing.assert_array_equal(out._data, TF.one_hot(torch.tensor(idx), n).numpy())
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(te.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(te.tensor([1, -1]), 3)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor of type LongTensor."):
        F.one_hot(te.tensor([1.0]), 3)


# ---- pad -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,pad,mode", [
    ((2, 3), (1, 2), "constant"), ((2, 3, 4), (1, 0, 2, 1), "constant"), ((2, 3, 4), (-1, 2, 0, -1), "constant"),
    ((2, 3, 4), (2, 1, 1, 1, 1, 0), "constant"),
    ((2, 5), (2, 3), "reflect"), ((1, 2, 4, 5), (3, 1, 2, 3), "reflect"),
    ((2, 3, 4), (2, 3), "replicate"), ((1, 2, 3, 4), (1, 2, 3, 0), "replicate"),
    ((2, 3, 4), (2, 3), "circular"), ((1, 2, 3, 4), (1, 2, 2, 1), "circular")])
def test_pad_matches_torch(shape, pad, mode):
    value = 0.5 if mode == "constant" else None
    parity(lambda x: F.pad(x, pad, mode, value), lambda x: TF.pad(x, pad, mode, value), _arrays(shape))


def test_pad_gradcheck_and_errors():
    (x,) = _f64((2, 3, 4))
    assert gradcheck(lambda x: F.pad(x, (1, -1, 2, 0), value=3.0), (x,))
    assert gradgradcheck(lambda x: F.pad(x, (1, 2)) ** 2, (x,))
    assert gradcheck(lambda x: F.pad(x, (2, 3), mode="reflect"), (x,))
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
        F.pad(te.randn(2, 3), (1, 1, 1, 1, 1, 1))
    with pytest.raises(RuntimeError, match=r"Padding size should be less than the corresponding input dimension"):
        F.pad(te.randn(2, 3), (3, 3), mode="reflect")
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(te.randn(2, 3), (1, 1), mode="foo")


# ---- normalize, cosine_similarity ----------------------------------------------------------------------------
@pytest.mark.parametrize("p,dim", [(2, 1), (1, 0), (2, -1)])
def test_normalize_matches_torch(p, dim):
    parity(lambda x: F.normalize(x, p, dim), lambda x: TF.normalize(x, p, dim), _arrays((3, 4)))


def test_cosine_similarity_matches_torch_and_gradcheck():
    parity(lambda a, b: F.cosine_similarity(a, b), lambda a, b: TF.cosine_similarity(a, b), _arrays((3, 4), (3, 4)))
    parity(lambda a, b: F.cosine_similarity(a, b, dim=-1), lambda a, b: TF.cosine_similarity(a, b, dim=-1),
           _arrays((2, 3, 4), (3, 4)))
    assert gradcheck(F.cosine_similarity, _f64((3, 4), (3, 4)))
    assert gradcheck(F.normalize, _f64((3, 4)))
