"""Shared by the transformer tests: build the same model in torch and tinygrad_edu (ours holding torch's
weights), leaves in both libraries, masks of each kind, and the forward + backward comparison."""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg

TOL = {"float32": 2e-5, "float64": 1e-11}
NAMES = ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder", "TransformerDecoder",
         "Transformer"]
E, H, FF = 8, 2, 12                     # d_model, nhead, dim_feedforward of the small models


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # tiny matrices: more threads only add contention on a busy CI box
    yield
    torch.set_num_threads(threads)


def lib_args(lib, activation):
    """The activation argument as each library spells it."""
    if activation == "callable":
        return lib.nn.functional.silu
    if activation == "module":
        return lib.nn.GELU(approximate="tanh")
    return activation


def twin(name, *args, dtype="float64", activation="relu", layers=2, **kw):
    """(torch model, our model) of the same class and settings, ours holding torch's weights."""
    def build(lib):
        nn = lib.nn
        kwargs = dict(kw, dtype=getattr(lib, dtype))
        if name in ("TransformerEncoder", "TransformerDecoder"):
            layer_cls = getattr(nn, name + "Layer")
            layer = layer_cls(E, H, FF, dropout=0.0, activation=lib_args(lib, activation), **kwargs)
            norm = nn.LayerNorm(E, dtype=getattr(lib, dtype))
            return getattr(nn, name)(layer, layers, norm=norm)
        if name == "Transformer":
            return nn.Transformer(E, H, layers, layers, FF, dropout=0.0, activation=lib_args(lib, activation), **kwargs)
        return getattr(nn, name)(E, H, FF, *args, dropout=0.0, activation=lib_args(lib, activation), **kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, om = build(torch), build(tg)
    om.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, om


def pair(array, requires_grad=False):
    return (torch.tensor(array, requires_grad=requires_grad), tg.tensor(array, requires_grad=requires_grad))


def close(ours, theirs, tol):
    o, t = ours.detach().numpy(), theirs.detach().numpy()
    assert o.dtype == t.dtype and o.shape == t.shape, (o.dtype, t.dtype, o.shape, t.shape)
    np.testing.assert_allclose(o, t, rtol=tol, atol=tol, equal_nan=True)


def check_same(tm, om, t_args, o_args, t_kw, o_kw, tol, leaves):
    """Forward both, compare; backward a fixed random weighting of the output, compare every gradient."""
    t_out, o_out = tm(*t_args, **t_kw), om(*o_args, **o_kw)
    close(o_out, t_out, tol)
    weights = np.random.default_rng(7).standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(weights, dtype=t_out.dtype)).sum().backward()
    (o_out * tg.tensor(weights, dtype=o_out.dtype)).sum().backward()
    t_params, o_params = dict(tm.named_parameters()), dict(om.named_parameters())
    assert list(t_params) == list(o_params)
    for name in t_params:
        assert (o_params[name].grad is None) == (t_params[name].grad is None), name
        if t_params[name].grad is not None:
            close(o_params[name].grad, t_params[name].grad, tol)
    for t_leaf, o_leaf in zip(*leaves):
        close(o_leaf.grad, t_leaf.grad, tol)
    return t_out, o_out


def seq(shape_sf, batch_first, rng, dtype):
    """A random (S, N, E) batch, or (N, S, E) with batch_first, as a pair of leaves."""
    s, n = shape_sf
    shape = (n, s, E) if batch_first else (s, n, E)
    return pair(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def mask_table(rng, length, source, batch, dtype):
    """Masks of each kind: bool and float attention masks (2-D and per head 3-D), key padding masks
    (bool, float), and a causal mask; numpy arrays."""
    bool_attn = rng.random((length, source)) < 0.3
    bool_attn[:, 0] = False                                 # every query keeps a key
    pad = np.zeros((batch, source), bool)
    pad[0, -2:] = True
    per_head = np.where(rng.random((batch * H, length, source)) < 0.3, -np.inf, 0.0).astype(dtype)
    per_head[..., 0] = 0.0
    return {
        "bool_attn": ("attn", bool_attn),
        "float_attn": ("attn", rng.standard_normal((length, source)).astype(dtype)),
        "attn_3d": ("attn", per_head),
        "bool_pad": ("pad", pad),
        "float_pad": ("pad", np.where(pad, -np.inf, 0.0).astype(dtype)),
        "causal": ("attn", np.triu(np.full((length, source), -np.inf, dtype), 1)),
    }


MASK_KINDS = ["bool_attn", "float_attn", "attn_3d", "bool_pad", "float_pad", "causal", "causal+bool_pad",
              "float_attn+float_pad", "bool_attn+bool_pad"]


def mask_kwargs(kind, table, attn_name, pad_name):
    t_kw, o_kw = {}, {}
    for part in kind.split("+"):
        role, array = table[part]
        key = attn_name if role == "attn" else pad_name
        t_kw[key], o_kw[key] = pair(array)
    return t_kw, o_kw
