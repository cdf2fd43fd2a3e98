"""nn.TransformerEncoderLayer / DecoderLayer / Encoder / Decoder / Transformer against real torch 2.13 with
the same weights: outputs and every gradient (input, memory, parameters) for float32 and float64,
batch_first both ways, norm_first both ways, relu / gelu / a callable, masks of each kind; state_dict
keys, submodule names, reprs, signatures, deep copies, warnings and errors; torch's inference fast path
(NaN rows, nested-tensor zeros); generate_square_subsequent_mask; model.apply(_init_weights)."""
import inspect
import itertools
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn

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


# ---- structure: names, state_dict keys, reprs, signatures ----------------------------------------
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("activation", ["relu", "module"])
def test_state_dict_keys_modules_and_repr_as_torch(name, activation):
    tm, om = twin(name, activation=activation, dtype="float32")
    assert list(om.state_dict()) == list(tm.state_dict())
    assert [p.shape for p in om.state_dict().values()] == [tuple(p.shape) for p in tm.state_dict().values()]
    assert [n for n, _ in om.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [type(m).__name__ for m in om.modules()] == [type(m).__name__ for m in tm.modules()]
    assert repr(om) == repr(tm)


@pytest.mark.parametrize("name", NAMES)
def test_signatures_as_torch(name):
    for method in ("__init__", "forward"):
        theirs = inspect.signature(getattr(getattr(torch.nn, name), method)).parameters
        ours = inspect.signature(getattr(getattr(tnn, name), method)).parameters
        assert list(ours) == list(theirs), method
        for key, p in theirs.items():
            default = ours[key].default
            if p.default is torch.nn.functional.relu:   # activation=F.relu: each library's own relu
                assert default is tnn.functional.relu, key
            else:
                assert default == p.default and type(default) is type(p.default), (method, key)


def test_exports():
    import tinygrad_edu.nn.modules as modules
    for name in NAMES:
        assert getattr(tnn, name) is getattr(modules, name)
        assert name in modules.__all__


def test_layer_attributes_as_torch():
    for activation, code in (("relu", 1), ("gelu", 2), ("callable", 0), ("module", 2)):  # any GELU module counts as gelu
        tm, om = twin("TransformerEncoderLayer", activation=activation)
        assert om.activation_relu_or_gelu == tm.activation_relu_or_gelu == code
    tm, om = twin("TransformerEncoderLayer", activation="gelu")
    assert om.activation is tnn.functional.gelu and tm.activation is torch.nn.functional.gelu
    om = tnn.TransformerEncoderLayer(E, H, activation=tnn.ReLU())
    assert om.activation_relu_or_gelu == 1 and "activation" in dict(om.named_children())
    assert om.norm_first is False and om.linear1.out_features == 2048 and om.dropout.p == 0.1
    assert om.norm1.eps == 1e-5 and om.self_attn.batch_first is False and om.self_attn.dropout == 0.1
    om = tnn.TransformerDecoderLayer(E, H, layer_norm_eps=1e-3, bias=False, dtype=tg.float64)
    assert om.norm3.eps == 1e-3 and om.norm3.bias is None and om.linear2.bias is None
    assert om.multihead_attn.in_proj_bias is None and om.linear1.weight.dtype == tg.float64


def test_stacks_hold_independent_deep_copies():
    layer = tnn.TransformerEncoderLayer(E, H, FF)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = tnn.TransformerEncoder(layer, 3)
    assert isinstance(enc.layers, tnn.ModuleList) and len(enc.layers) == 3 and enc.num_layers == 3
    assert enc.norm is None and all(m is not layer for m in enc.layers)
    firsts = [m.linear1.weight for m in enc.layers] + [layer.linear1.weight]
    assert len({id(p) for p in firsts}) == 4
    assert all(np.array_equal(p.detach().numpy(), layer.linear1.weight.detach().numpy()) for p in firsts)
    with tg.no_grad():
        enc.layers[0].linear1.weight.add_(1.0)
    assert not np.array_equal(enc.layers[0].linear1.weight.detach().numpy(), enc.layers[1].linear1.weight.detach().numpy())
    dec = tnn.TransformerDecoder(tnn.TransformerDecoderLayer(E, H, FF), 2, norm=tnn.LayerNorm(E))
    assert dec.layers[0].self_attn is not dec.layers[1].self_attn and dec.num_layers == 2
    assert enc.enable_nested_tensor is True and enc.mask_check is True


def test_decoder_copies_of_a_module_activation_run_relu_as_torch():
    """torch 2.13's TransformerDecoderLayer.__setstate__ gives a copy without an "activation" entry F.relu,
    and a Module activation is no such entry: the stack's layers run relu (their repr still shows GELU)."""
    import copy
    rng = np.random.default_rng(13)
    for lib in (torch, tg):
        layer = lib.nn.TransformerDecoderLayer(E, H, FF, activation=lib.nn.GELU(approximate="tanh"))
        assert copy.deepcopy(layer).activation is lib.nn.functional.relu
        assert copy.deepcopy(lib.nn.TransformerEncoderLayer(E, H, FF, activation="gelu")).activation \
            is lib.nn.functional.gelu
    tm, om = twin("TransformerDecoder", activation="module", layers=1)
    (tt, ot), (tmem, omem) = seq((4, 2), False, rng, "float64"), seq((5, 2), False, rng, "float64")
    check_same(tm, om, (tt, tmem), (ot, omem), {}, {}, TOL["float64"], ([tt, tmem], [ot, omem]))
    assert repr(om) == repr(tm) and "GELU(approximate='tanh')" in repr(om)


def test_subclass_overriding_blocks_as_torch():
    """torch's layers are plain Modules whose forward calls _sa_block(x, attn_mask, key_padding_mask,
    is_causal), _mha_block(x, mem, ...) and _ff_block(x): a subclass may replace them (slow path only)."""
    rng = np.random.default_rng(14)
    outs = []
    for lib in (torch, tg):
        assert lib.nn.TransformerEncoderLayer.__bases__ == (lib.nn.Module,)
        assert lib.nn.TransformerDecoderLayer.__bases__ == (lib.nn.Module,)

        class Scaled(lib.nn.TransformerDecoderLayer):
            def _ff_block(self, x):
                return 0.5 * super()._ff_block(x)

            def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
                return -super()._mha_block(x, mem, attn_mask, key_padding_mask, is_causal)
        lib.manual_seed(0)
        outs.append(Scaled(E, H, FF, dropout=0.0, dtype=lib.float64))
    outs[1].load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in outs[0].state_dict().items()})
    (tt, ot), (tmem, omem) = seq((3, 2), False, rng, "float64"), seq((4, 2), False, rng, "float64")
    check_same(outs[0], outs[1], (tt, tmem), (ot, omem), {}, {}, TOL["float64"], ([tt, tmem], [ot, omem]))


# ---- values and gradients ------------------------------------------------------------------------
# every (batch_first, norm_first, activation) once; the dtype alternates, so each dtype meets every option
LAYER_GRID = [(bf, nf, act, ("float32", "float64")[(bf + nf + i) % 2])
              for (bf, nf), (i, act) in itertools.product(itertools.product((False, True), (False, True)),
                                                          enumerate(("relu", "gelu", "callable", "module")))]


@pytest.mark.parametrize("batch_first,norm_first,activation,dtype", LAYER_GRID)
def test_encoder_layer_matches_torch(batch_first, norm_first, activation, dtype):
    rng = np.random.default_rng(0)
    tm, om = twin("TransformerEncoderLayer", dtype=dtype, activation=activation, batch_first=batch_first,
                  norm_first=norm_first)
    tx, ox = seq((5, 3), batch_first, rng, dtype)
    check_same(tm, om, (tx,), (ox,), {}, {}, TOL[dtype], ([tx], [ox]))


@pytest.mark.parametrize("batch_first,norm_first,activation,dtype", LAYER_GRID)
def test_decoder_layer_matches_torch(batch_first, norm_first, activation, dtype):
    rng = np.random.default_rng(1)
    tm, om = twin("TransformerDecoderLayer", dtype=dtype, activation=activation, batch_first=batch_first,
                  norm_first=norm_first)
    (tt, ot), (tmem, omem) = seq((4, 3), batch_first, rng, dtype), seq((6, 3), batch_first, rng, dtype)
    check_same(tm, om, (tt, tmem), (ot, omem), {}, {}, TOL[dtype], ([tt, tmem], [ot, omem]))


def _masks(rng, length, source, batch, dtype):
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


def _mask_kwargs(kind, table, attn_name, pad_name):
    t_kw, o_kw = {}, {}
    for part in kind.split("+"):
        role, array = table[part]
        key = attn_name if role == "attn" else pad_name
        t_kw[key], o_kw[key] = pair(array)
    return t_kw, o_kw


@pytest.mark.parametrize("kind", MASK_KINDS)
@pytest.mark.parametrize("dtype,batch_first", [("float64", False), ("float32", True)])
def test_encoder_layer_masks(kind, dtype, batch_first):
    rng = np.random.default_rng(2)
    tm, om = twin("TransformerEncoderLayer", dtype=dtype, batch_first=batch_first)
    t_kw, o_kw = _mask_kwargs(kind, _masks(rng, 5, 5, 3, dtype), "src_mask", "src_key_padding_mask")
    if kind.startswith("causal"):
        t_kw["is_causal"] = o_kw["is_causal"] = True
    tx, ox = seq((5, 3), batch_first, rng, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(tm, om, (tx,), (ox,), t_kw, o_kw, TOL[dtype], ([tx], [ox]))


@pytest.mark.parametrize("kind", MASK_KINDS)
@pytest.mark.parametrize("target", ["tgt", "memory"])
@pytest.mark.parametrize("dtype,batch_first", [("float64", True), ("float32", False)])
def test_decoder_layer_masks(kind, target, dtype, batch_first):
    rng = np.random.default_rng(3)
    tm, om = twin("TransformerDecoderLayer", dtype=dtype, batch_first=batch_first, norm_first=target == "memory")
    source = 4 if target == "tgt" else 6
    t_kw, o_kw = _mask_kwargs(kind, _masks(rng, 4, source, 3, dtype), f"{target}_mask",
                              f"{target}_key_padding_mask")
    if kind.startswith("causal") and target == "tgt":
        t_kw["tgt_is_causal"] = o_kw["tgt_is_causal"] = True
    (tt, ot), (tmem, omem) = seq((4, 3), batch_first, rng, dtype), seq((6, 3), batch_first, rng, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # bool padding with a float causal mask: torch's deprecation note
        check_same(tm, om, (tt, tmem), (ot, omem), t_kw, o_kw, TOL[dtype], ([tt, tmem], [ot, omem]))


@pytest.mark.parametrize("batch_first,norm_first", [(False, False), (True, True)])
@pytest.mark.parametrize("kind", ["none", "causal", "bool_pad", "float_attn+float_pad"])
def test_encoder_and_decoder_stacks_match_torch(batch_first, norm_first, kind):
    rng = np.random.default_rng(4)
    table = _masks(rng, 5, 5, 2, "float64")
    for name in ("TransformerEncoder", "TransformerDecoder"):
        tm, om = twin(name, layers=3, batch_first=batch_first, norm_first=norm_first, activation="gelu")
        tx, ox = seq((5, 2), batch_first, rng, "float64")
        if name == "TransformerEncoder":
            t_kw, o_kw = _mask_kwargs(kind, table, "mask", "src_key_padding_mask") if kind != "none" else ({}, {})
            check_same(tm, om, (tx,), (ox,), t_kw, o_kw, TOL["float64"], ([tx], [ox]))
        else:
            t_kw, o_kw = _mask_kwargs(kind, table, "tgt_mask", "memory_key_padding_mask") if kind != "none" else ({}, {})
            tmem, omem = seq((5, 2), batch_first, rng, "float64")
            check_same(tm, om, (tx, tmem), (ox, omem), t_kw, o_kw, TOL["float64"], ([tx, tmem], [ox, omem]))


@pytest.mark.parametrize("dtype,batch_first,norm_first", [("float32", False, False), ("float64", True, True)])
def test_transformer_matches_torch(dtype, batch_first, norm_first):
    rng = np.random.default_rng(5)
    tm, om = twin("Transformer", dtype=dtype, batch_first=batch_first, norm_first=norm_first, activation="gelu")
    (ts, os_), (tt, ot) = seq((6, 2), batch_first, rng, dtype), seq((4, 2), batch_first, rng, dtype)
    causal = np.triu(np.full((4, 4), -np.inf, dtype), 1)
    pad = np.array([[False] * 5 + [True], [False] * 6])
    t_kw = {"tgt_mask": torch.tensor(causal), "src_key_padding_mask": torch.tensor(pad),
            "memory_key_padding_mask": torch.tensor(pad)}
    o_kw = {"tgt_mask": tg.tensor(causal), "src_key_padding_mask": tg.tensor(pad),
            "memory_key_padding_mask": tg.tensor(pad)}
    check_same(tm, om, (ts, tt), (os_, ot), t_kw, o_kw, TOL[dtype], ([ts, tt], [os_, ot]))
    assert om.d_model == E and om.nhead == H and om.batch_first is batch_first


def test_transformer_custom_encoder_and_decoder_as_torch():
    def build(lib):
        nn = lib.nn
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0), 1)
        dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF, dropout=0.0), 2)
        return nn.Transformer(E, H, custom_encoder=enc, custom_decoder=dec, dtype=lib.float64), enc, dec
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (tm, _, _), (om, enc, dec) = build(torch), build(tg)
    assert om.encoder is enc and om.decoder is dec and list(om.state_dict()) == list(tm.state_dict())
    assert repr(om) == repr(tm)


def test_decoder_layer_gradcheck_float64():
    """Finite differences, not torch: the gradients with respect to tgt and memory, masks given."""
    layer = tnn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, activation="gelu", dtype=tg.float64)
    rng = np.random.default_rng(12)
    tgt = tg.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    memory = tg.tensor(rng.standard_normal((4, 2, 4)), requires_grad=True)
    causal = tnn.Transformer.generate_square_subsequent_mask(3, dtype=tg.float64)
    pad = tg.tensor([[False, False, False, True], [False] * 4])
    assert tg.autograd.gradcheck(lambda t, m: layer(t, m, tgt_mask=causal, memory_key_padding_mask=pad),
                                 (tgt, memory))


def test_unbatched_input_matches_torch():
    rng = np.random.default_rng(6)
    tm, om = twin("Transformer")
    (ts, os_), (tt, ot) = pair(rng.standard_normal((5, E)), True), pair(rng.standard_normal((3, E)), True)
    check_same(tm, om, (ts, tt), (os_, ot), {}, {}, TOL["float64"], ([ts, tt], [os_, ot]))


def test_eval_mode_with_dropout_matches_torch_and_training_drops():
    rng = np.random.default_rng(8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, H, FF, dtype=torch.float64), 2)
        om = tnn.TransformerEncoder(tnn.TransformerEncoderLayer(E, H, FF, dtype=tg.float64), 2)
    om.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    tm.eval(), om.eval()
    tx, ox = seq((5, 2), False, rng, "float64")
    check_same(tm, om, (tx,), (ox,), {}, {}, TOL["float64"], ([tx], [ox]))
    om.train()
    tg.manual_seed(0)
    assert not np.allclose(om(ox).detach().numpy(), om.eval()(ox).detach().numpy())


# ---- causal masks -----------------------------------------------------------------------------
@pytest.mark.parametrize("size,dtype", [(0, None), (1, None), (4, None), (3, "float64"), (3, "bool"),
                                        (3, "int64"), (-1, None)])
def test_generate_square_subsequent_mask(size, dtype):
    def make(lib):
        kw = {} if dtype is None else {"dtype": getattr(lib, dtype)}
        return lib.nn.Transformer.generate_square_subsequent_mask(size, **kw)
    try:
        theirs = make(torch)
    except RuntimeError as e:
        with pytest.raises(RuntimeError, match=str(e)[:30]):
            make(tg)
        return
    ours = make(tg)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1] and not ours.requires_grad
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tnn.Transformer.generate_square_subsequent_mask(2, device="cpu").shape == (2, 2)


def test_is_causal_detection_as_torch():
    """With is_causal=None the stacks call a mask equal to the causal one causal (a hint the attention
    may use), in the mask's own dtype; torch's own detector is the oracle."""
    from torch.nn.modules.transformer import _detect_is_causal_mask
    from tinygrad_edu.nn.modules._transformer_masks import detect_is_causal
    causal = np.triu(np.full((4, 4), -np.inf), 1)
    cases = [(causal, None, None), (causal, None, 4), (causal, None, 3), (causal, False, None), (None, True, None),
             (causal + 1, None, None), (np.triu(np.ones((4, 4), bool), 1), None, None), (causal[None], None, None),
             (causal.astype(np.float32), None, 4), (None, None, None), (np.zeros((4, 4)), True, None)]
    for mask, hint, size in cases:
        t_mask, o_mask = (None, None) if mask is None else pair(mask)
        assert detect_is_causal(o_mask, hint, size) == _detect_is_causal_mask(t_mask, hint, size), (mask, hint, size)


# ---- torch's inference fast path ----------------------------------------------------------------
def _fast_path_pair(**kw):
    tm, om = twin("TransformerEncoderLayer", dtype="float32", batch_first=True, **kw)
    return tm.eval(), om.eval()


@pytest.mark.parametrize("activation", ["relu", "module"])
@pytest.mark.parametrize("grad", [False, True])
def test_encoder_layer_inference_fast_path_as_torch(activation, grad):
    """Eval mode without gradients: a query row with every key masked is NaN (0.0 attention otherwise),
    and a GELU(approximate="tanh") module runs as exact gelu, as in torch's fused kernel."""
    rng = np.random.default_rng(9)
    tm, om = _fast_path_pair(activation=activation)
    x = (rng.standard_normal((3, 4, E)) * 3).astype(np.float32)
    pad = np.array([[True] * 4, [False, False, True, True], [False] * 4])
    attn = np.zeros((4, 4), np.float32)
    attn[1] = -np.inf
    cases = [{}, {"src_key_padding_mask": pad}, {"src_mask": attn}, {"src_mask": attn, "src_key_padding_mask": pad}]
    nan_rows = []
    for case in cases:
        with torch.set_grad_enabled(grad), tg.set_grad_enabled(grad), warnings.catch_warnings():
            warnings.simplefilter("ignore")     # bool padding with a float mask: torch's deprecation note
            theirs = tm(torch.tensor(x), **{k: torch.tensor(v) for k, v in case.items()})
            ours = om(tg.tensor(x), **{k: tg.tensor(v) for k, v in case.items()})
        close(ours, theirs, 2e-5)
        nan_rows.append(int(torch.isnan(theirs).any(-1).sum()))
    assert nan_rows == ([0, 4, 3, 6] if not grad else [0, 0, 0, 0])


def test_forward_hook_turns_the_fast_path_off_as_torch():
    rng = np.random.default_rng(15)
    tm, om = _fast_path_pair()
    x = rng.standard_normal((2, 3, E)).astype(np.float32)
    pad = np.array([[True] * 3, [False] * 3])
    for model in (tm, om):
        model.linear1.register_forward_hook(lambda module, args, out: None)
    with torch.no_grad(), tg.no_grad():
        theirs = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
        close(om(tg.tensor(x), src_key_padding_mask=tg.tensor(pad)), theirs, 2e-5)
    assert not torch.isnan(theirs).any()


def test_encoder_nested_tensor_path_as_torch():
    """TransformerEncoder in eval mode without gradients, batch_first, with only a key padding mask:
    torch runs each sequence's kept prefix, padded positions come out 0.0 (then the final norm)."""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((3, 5, E)).astype(np.float32)
    left = np.array([[False, False, False, True, True], [False] * 5, [True] * 5])
    scattered = np.array([[True, False, True, False, False], [False] * 5, [False, True, True, True, True]])
    for norm, mask_check, pad in itertools.product((None, "norm"), (True, False), (left, scattered)):
        def build(lib):
            layer = lib.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True)
            return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(E) if norm else None,
                                             mask_check=mask_check)
        tm, om = build(torch).eval(), build(tg).eval()
        om.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
        with torch.no_grad(), tg.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")     # torch: "nested tensors are in prototype stage"
            theirs = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
            close(om(tg.tensor(x), src_key_padding_mask=tg.tensor(pad)), theirs, 2e-5)
        zero_rows = int((theirs == (0 if norm is None else tm.norm.bias)).all(-1).sum())
        # kept prefixes: left-aligned 3, 5, 0 positions; scattered (unchecked) the first 3, 5, 1 positions
        assert zero_rows == (7 if pad is left else 0 if mask_check else 6), (norm, mask_check)
        close(om(tg.tensor(x), src_key_padding_mask=tg.tensor(pad)),      # with gradients: no nested path
              tm(torch.tensor(x), src_key_padding_mask=torch.tensor(pad)), 2e-5)


def _nested_warning(lib, **kw):
    layer_kw = {k: v for k, v in kw.items() if k != "enable_nested_tensor"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = lib.nn.TransformerEncoderLayer(**dict(dict(d_model=E, nhead=H, batch_first=True), **layer_kw))
        lib.nn.TransformerEncoder(layer, 1, enable_nested_tensor=kw.get("enable_nested_tensor", True))
    return [str(w.message) for w in caught], getattr(layer, "activation_relu_or_gelu", None)


@pytest.mark.parametrize("kw", [{}, {"batch_first": False}, {"norm_first": True}, {"bias": False}, {"nhead": 1},
                                {"activation": "callable"}, {"enable_nested_tensor": False}, {"layer_norm_eps": 1e-3}])
def test_nested_tensor_warning_as_torch(kw):
    def args(lib):
        return {k: (lib.nn.functional.silu if v == "callable" else v) for k, v in kw.items()}
    theirs, ours = _nested_warning(torch, **args(torch)), _nested_warning(tg, **args(tg))
    assert ours == theirs


# ---- errors and warnings ------------------------------------------------------------------------
def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (class and message are what is compared)
        return type(e).__name__, str(e)
    return None


CONSTRUCTION = {"activation": {"activation": "tanh"}, "heads": {"nhead": 3}, "dropout": {"dropout": 1.5},
                "device": {"device": "cuda"}}


@pytest.mark.parametrize("case", list(CONSTRUCTION) + ["int_mask", "int_padding", "batch", "features",
                                                       "causal_no_mask"])
def test_errors_as_torch(case):
    def run(lib):
        nn = lib.nn
        x = lib.zeros(3, 2, E)
        if case in CONSTRUCTION:
            kw = dict(dict(d_model=E, nhead=H), **CONSTRUCTION[case])
            return nn.TransformerDecoderLayer(**kw) if case == "heads" else nn.TransformerEncoderLayer(**kw)
        if case in ("int_mask", "int_padding"):
            layer = nn.TransformerEncoderLayer(E, H, FF)
            key = "src_mask" if case == "int_mask" else "src_key_padding_mask"
            return layer(x, **{key: lib.zeros(3 if key == "src_mask" else 2, 3, dtype=lib.int64)})
        if case == "causal_no_mask":
            return nn.TransformerEncoderLayer(E, H, FF)(x, is_causal=True)
        model = nn.Transformer(E, H, 1, 1, FF)
        return model(x, lib.zeros(4, 3, E)) if case == "batch" else model(x, lib.zeros(4, 2, E + 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, ours = _raised(lambda: run(torch)), _raised(lambda: run(tg))
    assert theirs is not None and ours is not None
    assert ours[0] == theirs[0] and ours[1].replace("tinygrad_edu", "torch").startswith(theirs[1][:40]), (ours, theirs)


def test_mismatched_mask_types_warn_as_torch():
    rng = np.random.default_rng(11)
    tm, om = twin("TransformerEncoderLayer")
    tx, ox = seq((3, 2), False, rng, "float64")
    kw = ({"src_mask": np.zeros((3, 3)), "src_key_padding_mask": np.zeros((2, 3), bool)})
    messages = []
    for lib, model, x in ((torch, tm, tx), (tg, om, ox)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model(x, **{k: lib.tensor(v) for k, v in kw.items()})
        messages.append(sorted({str(w.message) for w in caught}))
    assert messages[0] == messages[1] and messages[0]


# ---- initialisation ------------------------------------------------------------------------------
def test_transformer_reset_parameters_xavier_uniform():
    """Every matrix starts U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); vectors keep their layer's init."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = tnn.Transformer(16, 2, 1, 1, 64)
    for name, p in model.named_parameters():
        w = p.detach().numpy()
        if p.dim() > 1:
            bound = np.sqrt(6.0 / (w.shape[0] + w.shape[1]))
            assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound, name
            assert abs(w.std() - bound / np.sqrt(3)) < 0.15 * bound / np.sqrt(3), name
        elif "norm" in name:
            assert np.all(w == (1.0 if name.endswith("weight") else 0.0)), name


def _gpt_like(lib):
    nn = lib.nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(300, 64), nn.Embedding(16, 64)
            self.ln, self.head, self.proj = nn.LayerNorm(64), nn.Linear(64, 300, bias=False), nn.Linear(64, 256)
            self.visited = []
            self.apply(self._init_weights)

        def _init_weights(self, module):
            self.__dict__.setdefault("visited", []).append(type(module).__name__)
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
    lib.manual_seed(0)
    return Tiny()


def test_apply_init_weights_as_torch():
    """model.apply(self._init_weights) visits children before the model, as torch; Linear and Embedding
    weights become N(0, 0.02) (the draws differ from torch's by design: statistics), biases zero, LayerNorm
    untouched, the Parameters are the same objects and stay leaves."""
    theirs, ours = _gpt_like(torch), _gpt_like(tg)
    assert ours.visited == theirs.visited
    t_sd, o_sd = theirs.state_dict(), ours.state_dict()
    assert list(o_sd) == list(t_sd)
    for name, p in ours.named_parameters():
        w, t_w = p.detach().numpy(), t_sd[name].numpy()
        assert p.is_leaf and p.requires_grad and p.grad_fn is None and w.dtype == t_w.dtype, name
        if name.startswith("ln.") or name.endswith("bias"):
            np.testing.assert_array_equal(w, t_w)
        else:
            assert abs(w.mean()) < 0.002 and abs(w.std() - 0.02) < 0.001, (name, w.mean(), w.std())
            assert abs(t_w.std() - 0.02) < 0.001
    params = list(ours.parameters())
    assert ours.apply(ours._init_weights) is ours and list(ours.parameters()) == params
