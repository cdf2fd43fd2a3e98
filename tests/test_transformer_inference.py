"""The transformer modules against real torch 2.13 where torch takes other paths or refuses: its inference
fast path (NaN rows, exact gelu, forward hooks) and nested-tensor zeros, the nested-tensor warning,
generate_square_subsequent_mask and causal-mask detection, errors and warnings, xavier init of
nn.Transformer, and model.apply(_init_weights) with nn.init.normal_ / zeros_."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
from _transformer_torch import E, FF, H, close, one_torch_thread, pair, seq, twin  # noqa: F401


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
