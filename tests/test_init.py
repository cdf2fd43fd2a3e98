"""nn.init against torch.nn.init: deterministic fills exactly, random fills statistically (same
bounds and moments as torch's own samples), dtype kept, reproducible under manual_seed.
Also nn.utils (gradient clipping, parameter flattening) against torch.nn.utils."""
import math

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as tnn
from tinygrad_edu.nn import init

import torch
SHAPE = (250, 400)  # 100k samples: moments within ~1%, extremes within ~0.1% of the bound


def pair(shape, dtype=np.float32):
    return te.zeros(*shape, dtype=te.float64 if dtype == np.float64 else te.float32), torch.zeros(*shape)


@pytest.mark.parametrize("name,param", [("linear", None), ("conv2d", None), ("conv_transpose3d", None),
                                        ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
                                        ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3),
                                        ("leaky_relu", math.sqrt(5))])
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-12)


@pytest.mark.parametrize("name,param", [("softplus", None), ("leaky_relu", "x"), ("leaky_relu", True)])
def test_calculate_gain_errors_match_torch(name, param):
    with pytest.raises(ValueError) as expected:
        torch.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError, match=str(expected.value)):
        init.calculate_gain(name, param)


@pytest.mark.parametrize("shape", [(2, 3), (5, 4, 3), (6, 2, 3, 3), (4, 1, 2, 2, 2), (3, 0)])
def test_fans_match_torch(shape):
    ours, ref = te.zeros(*shape), torch.zeros(*shape)
    assert init._calculate_fan_in_and_fan_out(ours) == torch.nn.init._calculate_fan_in_and_fan_out(ref)
    for mode in ("fan_in", "fan_out", "FAN_OUT"):
        assert init._calculate_correct_fan(ours, mode) == torch.nn.init._calculate_correct_fan(ref, mode)


def test_fan_errors_match_torch():
    for call in (lambda lib, mod: mod._calculate_fan_in_and_fan_out(lib.zeros(3)),
                 lambda lib, mod: mod._calculate_correct_fan(lib.zeros(3, 3), "fan_avg")):
        with pytest.raises(ValueError) as expected:
            call(torch, torch.nn.init)
        with pytest.raises(ValueError) as got:
            call(te, init)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("fill", [lambda m, t: m.constant_(t, 0.3), lambda m, t: m.zeros_(t),
                                  lambda m, t: m.ones_(t), lambda m, t: m.eye_(t)])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_deterministic_fills_match_torch(fill, shape):
    ours, ref = pair(shape)
    ours._data[...] = 9
    assert fill(init, ours) is ours
    fill(torch.nn.init, ref)
    assert ours.dtype == te.float32
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((6, 3, 3, 3), 1), ((4, 2, 3, 5), 2), ((4, 3, 1, 3, 3), 4)])
def test_dirac_matches_torch(shape, groups):
    ours, ref = pair(shape)
    init.dirac_(ours, groups)
    torch.nn.init.dirac_(ref, groups)
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


def test_shape_errors_match_torch():
    for call in (lambda m, lib: m.eye_(lib.zeros(2, 2, 2)), lambda m, lib: m.dirac_(lib.zeros(2, 2)),
                 lambda m, lib: m.dirac_(lib.zeros(3, 2, 2), groups=2), lambda m, lib: m.orthogonal_(lib.zeros(3))):
        with pytest.raises(ValueError) as expected:
            call(torch.nn.init, torch)
        with pytest.raises(ValueError) as got:
            call(init, te)
        assert str(got.value) == str(expected.value)


UNIFORM = [("uniform", lambda m, t: m.uniform_(t, -0.3, 0.7)),
           ("xavier_uniform", lambda m, t: m.xavier_uniform_(t, gain=2.0)),
           ("kaiming_uniform", lambda m, t: m.kaiming_uniform_(t)),
           ("kaiming_uniform_linear_default", lambda m, t: m.kaiming_uniform_(t, a=math.sqrt(5))),
           ("kaiming_uniform_fan_out_relu", lambda m, t: m.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"))]


@pytest.mark.parametrize("name,fill", UNIFORM)
def test_uniform_family_has_torch_bounds(name, fill):
    ours, ref = pair(SHAPE)
    fill(init, ours)
    fill(torch.nn.init, ref)
    o, r = ours.numpy(), ref.numpy()
    width = r.max() - r.min()
    # torch's sample reaches its bounds to within ~width/1e5; ours must have the same support
    assert o.min() >= r.min() - 1e-3 * width and o.max() <= r.max() + 1e-3 * width
    assert o.min() <= r.min() + 1e-3 * width and o.max() >= r.max() - 1e-3 * width
    assert o.mean() == pytest.approx(r.mean(), abs=0.01 * width)
    assert o.std() == pytest.approx(r.std(), rel=0.02)


NORMAL = [("normal", lambda m, t: m.normal_(t, 0.5, 2.0)),
          ("xavier_normal", lambda m, t: m.xavier_normal_(t, gain=0.5)),
          ("kaiming_normal", lambda m, t: m.kaiming_normal_(t, a=0.1, mode="fan_out")),
          ("trunc_normal", lambda m, t: m.trunc_normal_(t, 0.1, 1.0, -0.5, 1.5))]


@pytest.mark.parametrize("name,fill", NORMAL)
def test_normal_family_has_torch_moments(name, fill):
    ours, ref = pair(SHAPE)
    fill(init, ours)
    fill(torch.nn.init, ref)
    o, r = ours.numpy(), ref.numpy()
    assert o.mean() == pytest.approx(r.mean(), abs=0.02 * r.std())
    assert o.std() == pytest.approx(r.std(), rel=0.02)
    if name == "trunc_normal":
        assert o.min() >= -0.5 and o.max() <= 1.5 and o.min() < -0.49 and o.max() > 1.49


@pytest.mark.parametrize("shape,gain", [((6, 4), 1.0), ((4, 6), 2.0), ((3, 2, 2, 2), 0.5)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain):
    t = te.zeros(*shape)
    init.orthogonal_(t, gain=gain)
    flat = t.numpy().reshape(shape[0], -1).astype(np.float64)
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(len(gram)), atol=1e-5)


@pytest.mark.parametrize("name,fill", UNIFORM + NORMAL + [("orthogonal", lambda m, t: m.orthogonal_(t))])
def test_dtype_kept_in_place_reproducible(name, fill):
    for dtype in (np.float32, np.float64):
        t, _ = pair((8, 5), dtype)
        array = t._data
        te.manual_seed(123)
        assert fill(init, t) is t and t._data is array and t._data.dtype == dtype
        first = t.numpy().copy()
        te.manual_seed(123)
        fill(init, t)
        np.testing.assert_array_equal(t.numpy(), first)
    # works on a parameter that requires grad, with grad mode on (torch fills under no_grad)
    p = tnn.Parameter(te.zeros(8, 5))
    fill(init, p)
    assert p.is_leaf and p.grad_fn is None and np.any(p.numpy(force=True) != 0)


def test_generator_argument_gives_its_own_stream():
    a, b, c = te.zeros(4, 4), te.zeros(4, 4), te.zeros(4, 4)
    init.kaiming_normal_(a, generator=te.Generator().manual_seed(7))
    te.manual_seed(0)
    init.kaiming_normal_(c)
    init.kaiming_normal_(b, generator=te.Generator().manual_seed(7))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())


def test_kaiming_on_empty_tensor_warns_like_torch():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(te.zeros(0, 3))


# ---- nn.utils ------------------------------------------------------------------------------------
def grads_pair(scale=1.0):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(np.float32) * scale for s in ((3, 4), (4,), (2, 2, 2))]
    ours = [tnn.Parameter(te.zeros(*a.shape)) for a in arrays]
    ref = [torch.nn.Parameter(torch.zeros(*a.shape)) for a in arrays]
    for p, q, a in zip(ours, ref, arrays):
        p.grad, q.grad = te.tensor(a), torch.tensor(a)
    return ours, ref


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, ref = grads_pair()
    total = tnn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(ref, max_norm, norm_type)
    assert total.dtype == te.float32 and total.shape == ()
    assert total.item() == pytest.approx(expected.item(), rel=1e-5)
    for p, q in zip(ours, ref):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_nonfinite_error_matches_torch():
    ours, ref = grads_pair()
    ours[0].grad.data[0, 0] = ref[0].grad.data[0, 0] = float("inf")
    with pytest.raises(RuntimeError) as expected:
        torch.nn.utils.clip_grad_norm_(ref, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as got:
        tnn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert str(got.value) == str(expected.value)


def test_clip_grad_value_and_vector_round_trip_match_torch():
    ours, ref = grads_pair(scale=3.0)
    tnn.utils.clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(ref, 1.5)
    for p, q in zip(ours, ref):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    vec = tnn.utils.parameters_to_vector(p.grad for p in ours)
    np.testing.assert_array_equal(vec.numpy(), torch.nn.utils.parameters_to_vector(q.grad for q in ref).numpy())
    tnn.utils.vector_to_parameters(vec * 2, ours)
    np.testing.assert_array_equal(ours[2].numpy(force=True), 2 * ours[2].grad.numpy())
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        tnn.utils.vector_to_parameters([1.0], ours)
