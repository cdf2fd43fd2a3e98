"""nn.TransformerEncoderLayer / DecoderLayer / Encoder / Decoder / Transformer against real torch 2.13 with
the same weights: outputs and every gradient (input, memory, parameters) for float32 and float64,
batch_first both ways, norm_first both ways, relu / gelu / a callable / a GELU module, masks of each kind;
state_dict keys, submodule names, reprs, signatures, deep copies, subclasses. The inference paths,
masks helpers, warnings, errors and initialisation are in test_transformer_inference.py."""
import inspect
import itertools
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
from _transformer_torch import (E, FF, H, MASK_KINDS, NAMES, TOL, check_same, mask_kwargs, mask_table,  # noqa: F401
                                one_torch_thread, pair, seq, twin)


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


@pytest.mark.parametrize("kind", MASK_KINDS)
@pytest.mark.parametrize("dtype,batch_first", [("float64", False), ("float32", True)])
def test_encoder_layer_masks(kind, dtype, batch_first):
    rng = np.random.default_rng(2)
    tm, om = twin("TransformerEncoderLayer", dtype=dtype, batch_first=batch_first)
    t_kw, o_kw = mask_kwargs(kind, mask_table(rng, 5, 5, 3, dtype), "src_mask", "src_key_padding_mask")
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
    t_kw, o_kw = mask_kwargs(kind, mask_table(rng, 4, source, 3, dtype), f"{target}_mask",
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
    table = mask_table(rng, 5, 5, 2, "float64")
    for name in ("TransformerEncoder", "TransformerDecoder"):
        tm, om = twin(name, layers=3, batch_first=batch_first, norm_first=norm_first, activation="gelu")
        tx, ox = seq((5, 2), batch_first, rng, "float64")
        if name == "TransformerEncoder":
            t_kw, o_kw = mask_kwargs(kind, table, "mask", "src_key_padding_mask") if kind != "none" else ({}, {})
            check_same(tm, om, (tx,), (ox,), t_kw, o_kw, TOL["float64"], ([tx], [ox]))
        else:
            t_kw, o_kw = mask_kwargs(kind, table, "tgt_mask", "memory_key_padding_mask") if kind != "none" else ({}, {})
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
