"""nn.MultiheadAttention and F.multi_head_attention_forward against real torch 2.13 with copied weights:
outputs, attention weights and every gradient (inputs and parameters) for each kind of mask
(2-D/3-D attn_mask, bool/float; key_padding_mask bool/float), batch_first both ways, need_weights
both ways, kdim/vdim, add_bias_kv, add_zero_attn, unbatched inputs; float32 and float64; state_dict
keys and weights both ways, repr, init, dropout, errors; gradcheck/gradgradcheck in float64."""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
import tinygrad_edu.nn.functional as TF
from tinygrad_edu.autograd import gradcheck, gradgradcheck

DTYPES = [(np.float32, torch.float32, tg.float32, 2e-5), (np.float64, torch.float64, tg.float64, 1e-12)]


def _twins(dtype, **kw):
    """A torch module and ours, ours loaded with torch's weights."""
    t = torch.nn.MultiheadAttention(**kw, dtype=dtype[1])
    g = tnn.MultiheadAttention(**kw, dtype=dtype[2])
    g.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, g


def _close(a, b, tol):
    a = a.detach().numpy()
    b = b.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(b, a, rtol=tol, atol=tol)


def _run_both(dtype, module_kw, shapes, same=False, masks=None, **fwd):
    """Forward and backward on both libraries; compares outputs, weights and all gradients."""
    rng = np.random.default_rng(len(shapes) + sum(map(len, shapes)))
    t, g = _twins(dtype, **module_kw)
    arrays = [rng.standard_normal(s).astype(dtype[0]) for s in shapes]
    T = [torch.tensor(a, requires_grad=True) for a in arrays]
    G = [tg.tensor(a, requires_grad=True) for a in arrays]
    if same:
        T, G = T * 3, G * 3
    mt = {k: torch.tensor(v) for k, v in (masks or {}).items()}
    mg = {k: tg.tensor(v) for k, v in (masks or {}).items()}
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        ot, wt = t(*T, **mt, **fwd)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        og, wg = g(*G, **mg, **fwd)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    _close(ot, og, dtype[3])
    assert (wt is None) == (wg is None)
    if wt is not None:
        _close(wt, wg, dtype[3])
    seed = rng.standard_normal(tuple(ot.shape)).astype(dtype[0])
    ot.backward(torch.tensor(seed))
    og.backward(tg.tensor(seed))
    for a, b in zip(T[:len(shapes)], G[:len(shapes)]):
        _close(a.grad, b.grad, 10 * dtype[3])
    ours = dict(g.named_parameters())
    for name, p in t.named_parameters():
        _close(p.grad, ours[name].grad, 10 * dtype[3])
    return ot, og


def _bool_mask(rng, L, S):
    m = rng.random((L, S)) > 0.6
    m[:, 0] = False  # every query may see key 0 (a fully masked row is NaN in torch's weights path)
    return m


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("batch_first,need_weights", [(False, True), (True, False)])  # independent options
@pytest.mark.parametrize("mask_kind", ["none", "bool2d", "float2d", "float3d", "kpm_bool", "kpm_float", "both"])
def test_self_attention_masks(dtype, batch_first, need_weights, mask_kind):
    rng = np.random.default_rng(1)
    N, L, E, H = 3, 5, 8, 2
    masks = {
        "none": {},
        "bool2d": {"attn_mask": _bool_mask(rng, L, L)},
        "float2d": {"attn_mask": rng.standard_normal((L, L)).astype(dtype[0])},
        "float3d": {"attn_mask": rng.standard_normal((N * H, L, L)).astype(dtype[0])},
        "kpm_bool": {"key_padding_mask": np.array([[0, 0, 0, 1, 1], [0] * 5, [0, 1, 0, 0, 1]], bool)},
        "kpm_float": {"key_padding_mask": rng.standard_normal((N, L)).astype(dtype[0])},
        "both": {"attn_mask": np.triu(np.ones((L, L), bool), 1),
                 "key_padding_mask": np.array([[0, 0, 0, 1, 1], [0] * 5, [0, 1, 0, 0, 1]], bool)},
    }[mask_kind]
    shape = (N, L, E) if batch_first else (L, N, E)
    ot, og = _run_both(dtype, dict(embed_dim=E, num_heads=H, batch_first=batch_first), [shape], same=True,
                       masks=masks, need_weights=need_weights)
    assert tuple(og.shape) == shape


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("average", [True, False])
def test_cross_attention_kdim_vdim_bias_kv_zero_attn(dtype, average):
    rng = np.random.default_rng(2)
    kw = dict(embed_dim=8, num_heads=4, kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True)
    masks = {"attn_mask": rng.standard_normal((2 * 4, 4, 6)).astype(dtype[0]),
             "key_padding_mask": np.array([[0, 0, 0, 0, 1, 1], [0, 1, 0, 0, 0, 0]], bool)}
    _run_both(dtype, kw, [(4, 2, 8), (6, 2, 3), (6, 2, 5)], masks=masks, average_attn_weights=average)
    _run_both(dtype, dict(kw, batch_first=True), [(2, 4, 8), (2, 6, 3), (2, 6, 5)], need_weights=False)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_encoder_decoder_key_is_value_and_no_bias(dtype):
    rng = np.random.default_rng(3)
    t, g = _twins(dtype, embed_dim=6, num_heads=3, bias=False, batch_first=True)
    q, kv = rng.standard_normal((2, 4, 6)).astype(dtype[0]), rng.standard_normal((2, 7, 6)).astype(dtype[0])
    tq, tkv = torch.tensor(q, requires_grad=True), torch.tensor(kv, requires_grad=True)
    gq, gkv = tg.tensor(q, requires_grad=True), tg.tensor(kv, requires_grad=True)
    ot, wt = t(tq, tkv, tkv)
    og, wg = g(gq, gkv, gkv)
    _close(ot, og, dtype[3])
    _close(wt, wg, dtype[3])
    ot.sum().backward()
    og.sum().backward()
    _close(tkv.grad, gkv.grad, 10 * dtype[3])
    _close(t.out_proj.weight.grad, g.out_proj.weight.grad, 10 * dtype[3])


@pytest.mark.parametrize("need_weights", [True, False])
def test_unbatched(need_weights):
    rng = np.random.default_rng(4)
    masks = {"key_padding_mask": np.array([0, 0, 1, 0, 0, 1], bool),
             "attn_mask": rng.standard_normal((2, 5, 6))}
    ot, og = _run_both(DTYPES[1], dict(embed_dim=4, num_heads=2), [(5, 4), (6, 4), (6, 4)], masks=masks,
                       need_weights=need_weights)
    assert tuple(og.shape) == (5, 4)


def test_is_causal_hint_with_its_mask():
    L = 5
    causal = np.triu(np.full((L, L), -np.inf), 1)
    for need_weights in (False, True):
        _run_both(DTYPES[1], dict(embed_dim=8, num_heads=2, batch_first=True), [(2, L, 8)], same=True,
                  masks={"attn_mask": causal}, need_weights=need_weights, is_causal=True)
    t, g = _twins(DTYPES[1], embed_dim=8, num_heads=2)
    x = np.zeros((L, 2, 8))
    with pytest.raises(RuntimeError, match="Need attn_mask") as ours:
        g(tg.tensor(x), tg.tensor(x), tg.tensor(x), is_causal=True)
    with pytest.raises(RuntimeError) as theirs:
        t(torch.tensor(x), torch.tensor(x), torch.tensor(x), is_causal=True)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kw", [dict(embed_dim=8, num_heads=2), dict(embed_dim=6, num_heads=3, bias=False),
                                dict(embed_dim=4, num_heads=1, kdim=3, vdim=2, add_bias_kv=True)])
def test_state_dict_both_ways_repr_and_layout(kw):
    t = torch.nn.MultiheadAttention(**kw)
    g = tnn.MultiheadAttention(**kw)
    assert list(g.state_dict()) == list(t.state_dict())
    assert [(n, tuple(p.shape)) for n, p in g.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert repr(g) == repr(t)
    assert type(g.out_proj).__name__ == "NonDynamicallyQuantizableLinear" and isinstance(g.out_proj, tnn.Linear)
    t.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in g.state_dict().items()})
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), g.state_dict()[k].detach().numpy())
    for name in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first",
                 "_qkv_same_embed_dim", "add_zero_attn"):
        assert getattr(g, name) == getattr(t, name), name


def test_init_is_xavier_uniform_with_zero_biases():
    tg.manual_seed(0)
    g = tnn.MultiheadAttention(64, 4, add_bias_kv=True)
    w = g.in_proj_weight.detach().numpy()
    bound = np.sqrt(6.0 / (64 + 3 * 64))  # fan_in 64, fan_out 192
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    assert not g.in_proj_bias.detach().numpy().any() and not g.out_proj.bias.detach().numpy().any()
    out_bound = 1 / np.sqrt(64)  # out_proj keeps Linear's own init (kaiming_uniform_(a=sqrt(5)))
    assert np.abs(g.out_proj.weight.detach().numpy()).max() <= out_bound
    assert g.bias_k.shape == (1, 1, 64) and g.bias_k.detach().numpy().std() > 0


def test_dropout_train_and_eval():
    t, g = _twins(DTYPES[1], embed_dim=8, num_heads=2, dropout=0.5)
    x = tg.tensor(np.random.default_rng(5).standard_normal((6, 3, 8)))
    g.eval()
    t.eval()
    _close(t(torch.tensor(x.numpy()), torch.tensor(x.numpy()), torch.tensor(x.numpy()))[0], g(x, x, x)[0], 1e-12)
    g.train()
    for need in (True, False):
        a, b = g(x, x, x, need_weights=need)[0], g(x, x, x, need_weights=need)[0]
        assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # a fresh dropout mask each call
    w = g(x, x, x, average_attn_weights=False)[1].detach().numpy()
    assert np.allclose(w.sum(-1), 1)  # the returned weights are before dropout, as torch's


def test_errors_as_torch():
    for args in [(7, 2), (0, 2)]:
        with pytest.raises(Exception) as theirs:
            torch.nn.MultiheadAttention(*args)
        with pytest.raises(type(theirs.value)):
            tnn.MultiheadAttention(*args)
    t, g = _twins(DTYPES[1], embed_dim=4, num_heads=2)
    x = np.zeros((3, 2, 4))
    bad = [dict(attn_mask=np.zeros((3, 4))), dict(attn_mask=np.zeros((3, 3, 3))),
           dict(key_padding_mask=np.zeros((2, 4), bool)), dict(attn_mask=np.zeros((3, 3), np.int64))]
    for masks in bad:
        with pytest.raises(Exception) as theirs:
            t(*[torch.tensor(x)] * 3, **{k: torch.tensor(v) for k, v in masks.items()})
        with pytest.raises(type(theirs.value)):
            g(*[tg.tensor(x)] * 3, **{k: tg.tensor(v) for k, v in masks.items()})
    with pytest.raises(AssertionError):
        g(tg.tensor(x), tg.tensor(x[0]), tg.tensor(x[0]))


def test_functional_form_matches_torch():
    rng = np.random.default_rng(6)
    E, H = 6, 2
    arrays = [rng.standard_normal(s) for s in [(4, 2, E), (5, 2, E), (5, 2, E), (3 * E, E), (3 * E,), (E, E), (E,)]]
    T, G = [torch.tensor(a) for a in arrays], [tg.tensor(a) for a in arrays]
    ot, wt = torch.nn.functional.multi_head_attention_forward(*T[:3], E, H, T[3], T[4], None, None, False, 0.0,
                                                              T[5], T[6])
    og, wg = TF.multi_head_attention_forward(*G[:3], E, H, G[3], G[4], None, None, False, 0.0, G[5], G[6])
    _close(ot, og, 1e-12)
    _close(wt, wg, 1e-12)


@pytest.mark.parametrize("need_weights", [True, False])
def test_gradcheck_and_gradgradcheck(need_weights):
    rng = np.random.default_rng(7)
    g = tnn.MultiheadAttention(4, 2, batch_first=True, dtype=tg.float64)
    params = [g.in_proj_weight, g.in_proj_bias, g.out_proj.weight]  # the three that gradcheck perturbs
    x = tg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    mask = tg.tensor(np.array([[0, 0, 1], [0, 0, 0]], bool))

    def through_params(x, w_in, b_in, w_out):
        return TF.multi_head_attention_forward(
            x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), 4, 2, w_in, b_in, None, None, False, 0.0,
            w_out, g.out_proj.bias, key_padding_mask=mask, need_weights=need_weights)[0]

    inputs = (x,) + tuple(tg.tensor(p.detach().numpy(), requires_grad=True) for p in params)
    assert gradcheck(through_params, inputs)
    assert gradgradcheck(through_params, inputs)


def test_fully_padded_sample_nan_with_weights_zero_without():
    """torch: NaN where a query sees no key in the weights path, 0 in the fused one; ours the same."""
    t, g = _twins(DTYPES[0], embed_dim=4, num_heads=2)
    x = np.random.default_rng(8).standard_normal((3, 2, 4)).astype(np.float32)
    kpm = np.array([[False] * 3, [True] * 3])
    for need_weights in (True, False):
        ot = t(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm), need_weights=need_weights)[0]
        with np.errstate(invalid="ignore"):
            og = g(*[tg.tensor(x)] * 3, key_padding_mask=tg.tensor(kpm), need_weights=need_weights)[0]
        np.testing.assert_allclose(og.detach().numpy(), ot.detach().numpy(), rtol=2e-5, atol=2e-5)  # NaN == NaN
        assert np.isnan(og.detach().numpy()[:, 1]).all() == need_weights


def test_static_k_v_and_separate_weights_functional():
    rng = np.random.default_rng(9)
    E, H, N, L, S = 4, 2, 2, 3, 5
    arrays = [rng.standard_normal(s) for s in [(L, N, E), (S, N, E), (S, N, E), (E, E), (E, E), (E, E), (3 * E,),
                                               (E, E), (E,), (N * H, S, E // H), (N * H, S, E // H)]]
    T, G = [torch.tensor(a, requires_grad=True) for a in arrays], [tg.tensor(a, requires_grad=True) for a in arrays]
    outs = []
    for F, (q, k, v, wq, wk, wv, b, wo, bo, sk, sv) in ((torch.nn.functional, T), (TF, G)):
        out, w = F.multi_head_attention_forward(q, k, v, E, H, None, b, None, None, False, 0.0, wo, bo,
                                                use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
                                                v_proj_weight=wv, static_k=sk, static_v=sv)
        (out.sum() + (w * w).sum()).backward()
        outs.append((out, w))
    _close(outs[0][0], outs[1][0], 1e-12)
    _close(outs[0][1], outs[1][1], 1e-12)
    for a, b in zip(T, G):
        if a.grad is not None:
            _close(a.grad, b.grad, 1e-12)
