"""Forward-mode AD through the nn layers and the nn ops the registry does not reach, against real
torch 2.13's torch.autograd.forward_ad on the same float64 numbers: the same weights (torch's
module's state_dict copied into ours), the same random tangents for the inputs AND for every
parameter (both libraries' func.functional_call with dual parameters). Each test compares the
outputs and their tangents. A few reverse-over-forward checks differentiate a tangent (the gradient
of sum(c * tangent) with respect to the primal input) and compare it with torch's.

torch's fused CPU attention kernel has no forward rule: torch runs under the math backend here
(sdpa_kernel(SDPBackend.MATH)), which computes the same function from differentiable ops.
"""
import contextlib

import numpy as np
import pytest

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402

import tinygrad_edu as tg  # noqa: E402

F64 = np.float64


def _rng(seed=0):
    return np.random.RandomState(seed)


def _np(t):
    return None if t is None else t.detach().numpy().copy()


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _flat(item)]
    return [out] if out is not None else []


def _pair(make):
    """(torch's module, ours) built by make(lib), ours holding torch's weights and buffers."""
    torch.manual_seed(0)
    theirs = make(torch).double()
    ours = make(tg).double()
    ours.load_state_dict({k: tg.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    ours.train(theirs.training)
    return theirs, ours


def _tangents_for(inputs, rng):
    """A random tangent for every float64 array (in tuples too: an LSTM's state), None for the rest."""
    if isinstance(inputs, (tuple, list)):
        return type(inputs)(_tangents_for(a, rng) for a in inputs)
    return rng.standard_normal(inputs.shape) if isinstance(inputs, np.ndarray) and inputs.dtype == F64 else None


def _duals(lib, arrays, tangents):
    """The arrays as lib's tensors, dual where a tangent is given (tuples walked)."""
    if isinstance(arrays, (tuple, list)):
        return type(arrays)(_duals(lib, a, t) for a, t in zip(arrays, tangents))
    if not isinstance(arrays, np.ndarray):
        return arrays
    x = lib.from_numpy(arrays.copy())
    return x if tangents is None else lib.autograd.forward_ad.make_dual(x, lib.from_numpy(tangents.copy()))


def _run(lib, module, inputs, in_tangents, p_tangents, kwargs=None):
    """[(output, tangent)] as arrays for every floating-point output of module(*inputs, **kwargs) with
    dual inputs (tangent None: a plain input) and dual parameters."""
    fw = lib.autograd.forward_ad
    ctx = sdpa_kernel(SDPBackend.MATH) if lib is torch else contextlib.nullcontext()
    with fw.dual_level(), ctx:
        xs = _duals(lib, inputs, in_tangents)
        params = {n: fw.make_dual(p.detach(), lib.from_numpy(p_tangents[n].copy()))
                  for n, p in module.named_parameters()}
        out = lib.func.functional_call(module, params, tuple(xs), kwargs)
        return [(_np(o), _np(fw.unpack_dual(o).tangent)) for o in _flat(out) if o.dtype.is_floating_point]


def _compare(ours, theirs, what=""):
    assert len(ours) == len(theirs), f"{what}: {len(ours)} outputs vs torch's {len(theirs)}"
    for i, ((o, ot), (t, tt)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-11, err_msg=f"{what} output {i}")
        assert (ot is None) == (tt is None), f"{what} output {i}: tangent {ot is not None}, torch's {tt is not None}"
        if tt is not None:
            assert ot.shape == tt.shape, f"{what} output {i}: tangent shape {ot.shape} vs {tt.shape}"
            np.testing.assert_allclose(ot, tt, rtol=1e-8, atol=1e-10, err_msg=f"{what} tangent of output {i}")


def check_module(make, inputs, in_tangents=None, kwargs=None, seed=1, what=""):
    """The module built by make(lib) in both libraries, run with dual inputs and parameters."""
    theirs, ours = _pair(make)
    rng = _rng(seed)
    if in_tangents is None:
        in_tangents = _tangents_for(list(inputs), rng)
    p_tangents = {n: rng.standard_normal(tuple(p.shape)) for n, p in theirs.named_parameters()}
    expected = _run(torch, theirs, inputs, in_tangents, p_tangents, kwargs)
    got = _run(tg, ours, inputs, in_tangents, p_tangents, kwargs)
    _compare(got, expected, what)
    for (name, b_ours), (_, b_theirs) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(_np(b_ours), _np(b_theirs), rtol=1e-9, atol=1e-12, err_msg=f"buffer {name}")
    return got


def check_function(fname, inputs, kwargs=None, tangent_for=None, seed=2, what=""):
    """lib.nn.functional.<fname>(*inputs, **kwargs) with dual inputs: every float64 array gets a tangent
    (tangent_for: the positions that do, if given); array kwargs (masks) become plain tensors."""
    rng = _rng(seed)
    tangents = [rng.standard_normal(a.shape) if isinstance(a, np.ndarray) and a.dtype == F64
                and (tangent_for is None or i in tangent_for) else None for i, a in enumerate(inputs)]
    results = []
    for lib in (torch, tg):
        fw = lib.autograd.forward_ad
        ctx = sdpa_kernel(SDPBackend.MATH) if lib is torch else contextlib.nullcontext()
        with fw.dual_level(), ctx:
            kw = {k: lib.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v for k, v in (kwargs or {}).items()}
            out = getattr(lib.nn.functional, fname)(*_duals(lib, inputs, tangents), **kw)
            results.append([(_np(o), _np(fw.unpack_dual(o).tangent)) for o in _flat(out)
                            if o.dtype.is_floating_point])
    _compare(results[1], results[0], what or fname)


def _x(*shape, seed=3):
    return _rng(seed).standard_normal(shape)


# ---- layers ---------------------------------------------------------------------------------------
def test_linear_and_lecture_mlp():
    check_module(lambda L: L.nn.Linear(5, 3), [_x(4, 5)], what="Linear")
    check_module(lambda L: L.nn.Linear(5, 3, bias=False), [_x(2, 6, 5)], what="Linear no bias")
    mlp = lambda L: L.nn.Sequential(L.nn.Linear(6, 8), L.nn.ReLU(), L.nn.Linear(8, 8), L.nn.ReLU(),  # noqa: E731
                                    L.nn.Linear(8, 3))
    check_module(mlp, [_x(7, 6)], what="MLP")


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1}, {"dilation": 2, "padding": 2, "bias": False},
                                {"groups": 2, "stride": 3}, {"padding": "same", "dilation": 2}])
def test_conv1d(kw):
    check_module(lambda L: L.nn.Conv1d(4, 6, 3, **kw), [_x(2, 4, 11)], what=f"Conv1d {kw}")


@pytest.mark.parametrize("kw", [{}, {"stride": (2, 1), "padding": (1, 2)}, {"dilation": 2, "bias": False},
                                {"groups": 2, "stride": 2, "padding": 1}, {"padding": "same"},
                                {"padding": 1, "padding_mode": "reflect"}])
def test_conv2d(kw):
    check_module(lambda L: L.nn.Conv2d(4, 6, 3, **kw), [_x(2, 4, 7, 8)], what=f"Conv2d {kw}")


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm(train, affine):
    def bn1(L):
        m = L.nn.BatchNorm1d(3, affine=affine, momentum=0.3)
        m.running_mean.fill_(0.5)
        m.running_var.fill_(2.0)
        return m.train(train)
    check_module(bn1, [_x(6, 3)], what="BatchNorm1d (N, C)")
    check_module(bn1, [_x(4, 3, 5)], what="BatchNorm1d (N, C, L)")
    check_module(lambda L: L.nn.BatchNorm2d(3, affine=affine).train(train), [_x(2, 3, 4, 5)], what="BatchNorm2d")


def test_batch_norm_running_stats_get_no_tangent():
    """Training updates the running statistics in place from the batch statistics, but they are buffers:
    no tangent (torch's too), and their values are torch's."""
    theirs, ours = _pair(lambda L: L.nn.BatchNorm1d(3))
    x, tx = _x(5, 3), _x(5, 3, seed=4)
    for lib, module in ((torch, theirs), (tg, ours)):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            out = module(fw.make_dual(lib.from_numpy(x.copy()), lib.from_numpy(tx.copy())))
            assert fw.unpack_dual(out).tangent is not None
            assert fw.unpack_dual(module.running_mean).tangent is None
            assert fw.unpack_dual(module.running_var).tangent is None
    np.testing.assert_allclose(_np(ours.running_var), _np(theirs.running_var), rtol=1e-12)


def test_batch_norm_without_running_stats():
    check_module(lambda L: L.nn.BatchNorm2d(3, track_running_stats=False).eval(), [_x(2, 3, 2, 2)])


@pytest.mark.parametrize("kw", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-2}])
def test_layer_norm(kw):
    check_module(lambda L: L.nn.LayerNorm(5, **kw), [_x(3, 4, 5)], what=f"LayerNorm {kw}")
    check_module(lambda L: L.nn.LayerNorm((4, 5), **kw), [_x(3, 4, 5)], what=f"LayerNorm 2-d {kw}")


@pytest.mark.parametrize("kw", [{}, {"affine": False}])
def test_group_norm(kw):
    check_module(lambda L: L.nn.GroupNorm(2, 6, **kw), [_x(3, 6, 4)], what=f"GroupNorm {kw}")
    check_module(lambda L: L.nn.GroupNorm(3, 6, **kw), [_x(2, 6, 3, 2)], what=f"GroupNorm 4-d {kw}")


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                                {"kernel_size": 2, "dilation": 2, "ceil_mode": True},
                                {"kernel_size": 3, "stride": 1, "return_indices": True}])
def test_max_pool2d(kw):
    check_module(lambda L: L.nn.MaxPool2d(**kw), [_x(2, 3, 7, 6)], what=f"MaxPool2d {kw}")


def test_max_pool_ties_and_1d():
    x = np.round(_x(2, 3, 6, 6), 0)  # many ties: the tangent of the first max, as torch's index
    check_module(lambda L: L.nn.MaxPool2d(2), [x], what="MaxPool2d ties")
    check_module(lambda L: L.nn.MaxPool1d(3, stride=2, padding=1), [_x(2, 3, 9)], what="MaxPool1d")


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                                {"kernel_size": 3, "padding": 1, "count_include_pad": False},
                                {"kernel_size": 2, "divisor_override": 3}])
def test_avg_pool2d(kw):
    check_module(lambda L: L.nn.AvgPool2d(**kw), [_x(2, 3, 7, 6)], what=f"AvgPool2d {kw}")


def test_embedding_weight_tangent():
    idx = np.array([[1, 0, 4], [4, 2, 2]])
    check_module(lambda L: L.nn.Embedding(5, 3), [idx], what="Embedding")
    check_module(lambda L: L.nn.Embedding(5, 3, padding_idx=2), [idx], what="Embedding padding_idx")


def test_dropout_eval():
    check_module(lambda L: L.nn.Sequential(L.nn.Linear(4, 4), L.nn.Dropout(0.5)).eval(), [_x(3, 4)])


@pytest.mark.parametrize("cls, kw", [("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
                                     ("RNN", {"bidirectional": True, "batch_first": True}),
                                     ("GRU", {}), ("GRU", {"num_layers": 2, "bidirectional": True}),
                                     ("GRU", {"bias": False}), ("LSTM", {}),
                                     ("LSTM", {"num_layers": 2, "bidirectional": True}),
                                     ("LSTM", {"proj_size": 2}), ("LSTM", {"bias": False, "batch_first": True})])
def test_recurrent_layers(cls, kw):
    make = lambda L: getattr(L.nn, cls)(3, 4, **kw)  # noqa: E731
    check_module(make, [_x(5, 2, 3)], what=f"{cls} {kw}")
    layers, dirs = kw.get("num_layers", 1), 2 if kw.get("bidirectional") else 1
    batch = 5 if kw.get("batch_first") else 2
    h0 = _x(layers * dirs, batch, kw.get("proj_size", 4), seed=5)
    state = (h0, _x(layers * dirs, batch, 4, seed=6)) if cls == "LSTM" else h0
    check_module(make, [_x(5, 2, 3), state], what=f"{cls} {kw} with initial state")


@pytest.mark.parametrize("cls", ["GRU", "LSTM"])
def test_recurrent_packed_sequence(cls):
    """Sequences of lengths 5, 3, 2 in the packed layout (built here: torch's pack_padded_sequence has
    no forward rule), bidirectional: each direction starts and ends every sequence at its own steps."""
    batch_sizes = [3, 3, 2, 1, 1]
    data = np.concatenate([_x(5, 3, 3)[t, :b] for t, b in enumerate(batch_sizes)])

    def make(L):
        class Packed(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(L.nn, cls)(3, 4, bidirectional=True, num_layers=2)

            def forward(self, x):
                out, state = self.rnn(L.nn.utils.rnn.PackedSequence(x, L.tensor(batch_sizes)))
                return out.data, state
        return Packed()
    check_module(make, [data], what=f"packed {cls}")


@pytest.mark.parametrize("cls", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cells(cls):
    make = lambda L: getattr(L.nn, cls)(3, 4)  # noqa: E731
    check_module(make, [_x(2, 3)], what=cls)
    state = (_x(2, 4, seed=5), _x(2, 4, seed=6)) if cls == "LSTMCell" else _x(2, 4, seed=5)
    check_module(make, [_x(2, 3), state], what=f"{cls} with state")


def test_multihead_attention():
    q, k = _x(4, 2, 8), _x(5, 2, 8, seed=4)
    check_module(lambda L: L.nn.MultiheadAttention(8, 2), [q, q, q], what="self attention")
    check_module(lambda L: L.nn.MultiheadAttention(8, 2, batch_first=True), [q, k[:4], k[:4]],
                 kwargs={"average_attn_weights": False}, what="batch_first, per-head weights")
    check_module(lambda L: L.nn.MultiheadAttention(8, 2, kdim=6, vdim=3), [q, k[..., :6], k[..., :3]],
                 kwargs={"need_weights": False}, what="kdim, vdim")


def test_multihead_attention_masks():
    q, k = _x(4, 2, 8), _x(5, 2, 8, seed=4)
    pad = np.array([[False] * 4 + [True], [False] * 5])  # (batch, keys): True = ignore that key
    causal = np.triu(np.ones((4, 5), bool), 1)
    check_module(lambda L: L.nn.MultiheadAttention(8, 2), [q, k, k, pad], what="key_padding_mask")
    check_module(lambda L: L.nn.MultiheadAttention(8, 2), [q, k, k, None, True, causal], what="bool attn_mask")
    float_mask = np.where(causal, -np.inf, 0.25 * _x(4, 5, seed=8))
    check_module(lambda L: L.nn.MultiheadAttention(8, 2, bias=False), [q, k, k, np.where(pad, -np.inf, 0.0), True, float_mask],
                 in_tangents=[_x(4, 2, 8, seed=9), _x(5, 2, 8, seed=10), _x(5, 2, 8, seed=11), None, None, None],
                 what="float attn_mask and key_padding_mask")


@pytest.mark.parametrize("kw", [{}, {"norm_first": True}, {"batch_first": True, "activation": "gelu"}])
def test_transformer_encoder_layer(kw):
    make = lambda L: L.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw)  # noqa: E731
    shape = (2, 5, 8) if kw.get("batch_first") else (5, 2, 8)
    check_module(make, [_x(*shape)], what=f"TransformerEncoderLayer {kw}")
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    check_module(make, [_x(*shape), causal], in_tangents=[_x(*shape, seed=9), None],
                 what=f"TransformerEncoderLayer {kw} with mask")


def test_transformer_encoder_layer_eval():
    make = lambda L: L.nn.TransformerEncoderLayer(8, 2, 16).eval()  # noqa: E731
    check_module(make, [_x(5, 2, 8)], what="TransformerEncoderLayer eval")


# ---- losses (modules), with tangents for the input and, where differentiable, the target --------
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": True}, {"ignore_index": 2}, {"label_smoothing": 0.2},
                                {"weight": True, "ignore_index": 0, "label_smoothing": 0.1}])
def test_cross_entropy_loss_class_targets(reduction, kw):
    kw = dict(kw)
    weight = np.array([0.5, 2.0, 1.0, 0.3]) if kw.pop("weight", False) else None
    make = lambda L: L.nn.CrossEntropyLoss(weight=None if weight is None else L.from_numpy(weight.copy()),  # noqa: E731
                                           reduction=reduction, **kw)
    check_module(make, [_x(6, 4), np.array([0, 2, 3, 2, 1, 0])], what=f"CrossEntropyLoss {reduction} {kw}")
    check_module(make, [_x(3, 4, 5), np.array([[0, 2, 3, 2, 1]] * 3)], what=f"CrossEntropyLoss (N, C, d) {kw}")


def test_cross_entropy_loss_all_ignored():
    make = lambda L: L.nn.CrossEntropyLoss(ignore_index=1)  # noqa: E731
    got = check_module(make, [_x(3, 4), np.array([1, 1, 1])], what="every target ignored")
    assert np.isnan(got[0][1])  # nan loss, nan tangent (as torch)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": True}, {"label_smoothing": 0.3}])
def test_cross_entropy_loss_probability_targets(reduction, kw):
    kw = dict(kw)
    weight = np.array([0.5, 2.0, 1.0]) if kw.pop("weight", False) else None
    make = lambda L: L.nn.CrossEntropyLoss(weight=None if weight is None else L.from_numpy(weight.copy()),  # noqa: E731
                                           reduction=reduction, **kw)
    target = np.exp(_x(5, 3, seed=7))
    check_module(make, [_x(5, 3), target / target.sum(1, keepdims=True)], what=f"CrossEntropyLoss probs {kw}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": True}, {"ignore_index": 3}, {"weight": True, "ignore_index": 0}])
def test_nll_loss(reduction, kw):
    kw = dict(kw)
    weight = np.array([0.5, 2.0, 1.0, 0.3]) if kw.pop("weight", False) else None
    plain = lambda L: L.nn.NLLLoss(weight=None if weight is None else L.from_numpy(weight.copy()),  # noqa: E731
                                   reduction=reduction, **kw)

    def make(L):
        class LogSoftmaxNLL(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.loss = plain(L)

            def forward(self, x, t):
                return self.loss(L.nn.functional.log_softmax(x, 1), t)
        return LogSoftmaxNLL()
    target = np.array([0, 3, 3, 2, 1, 0])
    check_module(plain, [_x(6, 4), target], what=f"NLLLoss {reduction} {kw}")
    check_module(plain, [_x(2, 4, 3), target.reshape(2, 3)], what=f"NLLLoss (N, C, d) {reduction} {kw}")
    check_module(make, [_x(6, 4), target], what=f"LogSoftmax + NLLLoss {reduction} {kw}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    check_module(lambda L: L.nn.MSELoss(reduction=reduction), [_x(4, 3), _x(4, 3, seed=4)], what="MSELoss")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": True}, {"pos_weight": True}, {"weight": True, "pos_weight": True}])
def test_bce_with_logits_loss(reduction, kw):
    weight = np.abs(_x(4, 3, seed=5)) if kw.get("weight") else None
    pos_weight = np.array([0.5, 2.0, 1.5]) if kw.get("pos_weight") else None
    make = lambda L: L.nn.BCEWithLogitsLoss(  # noqa: E731
        weight=None if weight is None else L.from_numpy(weight.copy()), reduction=reduction,
        pos_weight=None if pos_weight is None else L.from_numpy(pos_weight.copy()))
    target = _rng(6).uniform(0, 1, (4, 3))
    check_module(make, [3 * _x(4, 3), target], what=f"BCEWithLogitsLoss {reduction} {kw}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_loss(reduction):
    x, target = _rng(7).uniform(0.05, 0.95, (4, 3)), _rng(8).uniform(0, 1, (4, 3))
    check_module(lambda L: L.nn.BCELoss(reduction=reduction), [x, target], what="BCELoss")
    weight = np.abs(_x(3, seed=5))
    check_module(lambda L: L.nn.BCELoss(weight=L.from_numpy(weight.copy()), reduction=reduction), [x, target],
                 what="BCELoss weighted")


# ---- nn.functional ops the registry does not reach ------------------------------------------------
@pytest.mark.parametrize("shapes", [((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 6)), ((4, 3), (5, 3), (5, 2)),
                                    ((3, 4, 3), (1, 5, 3), (3, 5, 3))])
@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"scale": 0.7}, {"mask": "bool"}, {"mask": "float"}])
def test_scaled_dot_product_attention(shapes, kw):
    q, k, v = (_x(*s, seed=i) for i, s in enumerate(shapes))
    kw, inputs = dict(kw), [q, k, v]
    mask = kw.pop("mask", None)
    if mask == "bool":
        kw["attn_mask"] = _rng(4).uniform(size=(shapes[0][-2], shapes[1][-2])) > 0.3
        kw["attn_mask"][:, 0] = True  # every query sees a key
    if mask == "float":  # a dual mask: its tangent is added to the scores' tangent
        inputs.append(_x(shapes[0][-2], shapes[1][-2], seed=5))
    check_function("scaled_dot_product_attention", inputs, kwargs=kw, what=f"sdpa {shapes} {kw}")


def test_scaled_dot_product_attention_gqa():
    q, k, v = _x(2, 4, 3, 5), _x(2, 2, 6, 5, seed=1), _x(2, 2, 6, 4, seed=2)
    check_function("scaled_dot_product_attention", [q, k, v], kwargs={"enable_gqa": True}, what="gqa")


def test_scaled_dot_product_attention_query_without_keys():
    """A query that may see no key: output 0 (torch's CPU kernels), so its tangent is 0 too, as the
    central difference says (torch's math path, the oracle elsewhere, gives NaN there)."""
    q, k, v = _x(1, 3, 4), _x(1, 5, 4, seed=1), _x(1, 5, 2, seed=2)
    mask = np.ones((3, 5), bool)
    mask[1] = False
    tangents = [_x(*a.shape, seed=9 + i) for i, a in enumerate((q, k, v))]
    fw = tg.autograd.forward_ad

    def run(arrays, dual):
        with fw.dual_level():
            xs = _duals(tg, arrays, tangents if dual else [None] * 3)
            out = tg.nn.functional.scaled_dot_product_attention(*xs, attn_mask=tg.from_numpy(mask))
            return _np(out), _np(fw.unpack_dual(out).tangent)
    out, tangent = run([q, k, v], True)
    eps = 1e-6
    plus = run([a + eps * t for a, t in zip((q, k, v), tangents)], False)[0]
    minus = run([a - eps * t for a, t in zip((q, k, v), tangents)], False)[0]
    np.testing.assert_allclose(tangent, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-8)
    assert not out[:, 1].any() and not tangent[:, 1].any()
    assert np.abs(tangent[:, 0]).sum() > 0


@pytest.mark.parametrize("kw", [{"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True},
                                {"kernel_size": (2, 3), "dilation": (2, 1)}])
def test_max_pool2d_functional(kw):
    check_function("max_pool2d", [_x(2, 3, 7, 7)], kwargs=kw, what=f"max_pool2d {kw}")
    check_function("max_pool2d", [_x(3, 7, 7)], kwargs=kw, what=f"max_pool2d unbatched {kw}")


@pytest.mark.parametrize("fname, inputs", [
    ("nll_loss", [_x(5, 4), np.array([0, 3, 1, 1, 2])]),
    ("nll_loss", [_x(4), np.array(2)]),
    ("cross_entropy", [_x(4), np.array(1)]),
    ("mse_loss", [_x(3, 4), _x(3, 4, seed=4)]),
    ("binary_cross_entropy_with_logits", [_x(3, 4), _rng(6).uniform(0, 1, (3, 4))]),
])
def test_loss_functions(fname, inputs):
    check_function(fname, inputs, what=fname)
    check_function(fname, inputs, kwargs={"reduction": "none"}, what=fname + " none")
    check_function(fname, inputs, tangent_for=(0,), what=fname + " input tangent only")


# ---- reverse over forward: the gradient of a tangent --------------------------------------------------
def _tangent_and_grads(lib, call, inputs, tangents, coef, grads=True):
    """T = the tangent of call(lib, *duals) and the gradients of sum(coef * T) with respect to the
    primals and the tangents (the tangent is a differentiable function of both)."""
    fw = lib.autograd.forward_ad
    ctx = sdpa_kernel(SDPBackend.MATH) if lib is torch else contextlib.nullcontext()
    with fw.dual_level(), ctx:
        leaves = [lib.from_numpy(a.copy()).requires_grad_(grads) for a in inputs + tangents]
        n = len(inputs)
        out = call(lib, *[fw.make_dual(x, t) for x, t in zip(leaves[:n], leaves[n:])])
        tangent = fw.unpack_dual(out).tangent
        if not grads:
            return _np(tangent)
        total = (tangent * lib.from_numpy(coef.copy())).sum()
        return [_np(g) for g in lib.autograd.grad(total, leaves, allow_unused=True)]


def _numeric_grads(call, inputs, tangents, coef, eps=1e-6):
    """The same gradients by central differences of our tangent, entry by entry."""
    arrays, grads = inputs + tangents, []
    for k, a in enumerate(arrays):
        g = np.zeros(a.shape)
        for idx in np.ndindex(a.shape):
            values = []
            for sign in (1, -1):
                moved = [b.copy() for b in arrays]
                moved[k][idx] += sign * eps
                t = _tangent_and_grads(tg, call, moved[:len(inputs)], moved[len(inputs):], coef, grads=False)
                values.append(np.sum(coef * t))
            g[idx] = (values[0] - values[1]) / (2 * eps)
        grads.append(g)
    return grads


_STATS = (np.zeros(3), np.ones(3))
REVERSE_CASES = {  # name: (call(lib, *tensors), inputs); torch None: its reverse pass over this jvp fails
    "conv2d": (lambda L, x, w, b: L.nn.functional.conv2d(x, w, b, stride=2, padding=1, groups=2),
               [_x(1, 4, 4, 3), _x(4, 2, 3, 3, seed=1), _x(4, seed=2)]),
    "batch_norm": (lambda L, x, w, b: L.nn.functional.batch_norm(
        x, L.from_numpy(_STATS[0].copy()), L.from_numpy(_STATS[1].copy()), w, b, training=True),
        [_x(4, 3, 2), _x(3, seed=1), _x(3, seed=2)]),
    "layer_norm": (lambda L, x, w, b: L.nn.functional.layer_norm(x, (5,), w, b), [_x(3, 5), _x(5, seed=1), _x(5, seed=2)]),
    "group_norm": (lambda L, x, w, b: L.nn.functional.group_norm(x, 2, w, b), [_x(2, 4, 3), _x(4, seed=1), _x(4, seed=2)]),
    "max_pool2d": (lambda L, x: L.nn.functional.max_pool2d(x, 2, 1), [_x(1, 2, 4, 4)]),
    "cross_entropy": (lambda L, x, t: L.nn.functional.cross_entropy(x, t, label_smoothing=0.1),
                      [_x(4, 5), _rng(1).dirichlet(np.ones(5), 4)]),
    "cross_entropy_index": (lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([1, 0, 4])), [_x(3, 5)]),
    "bce_with_logits": (lambda L, x, t, pw: L.nn.functional.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
                        [_x(4, 3), _rng(1).uniform(0, 1, (4, 3)), _rng(2).uniform(0.5, 2, 3)]),
    "bce": (lambda L, x, t: L.nn.functional.binary_cross_entropy(x, t), [_rng(3).uniform(0.1, 0.9, (4, 3)),
                                                                        _rng(1).uniform(0, 1, (4, 3))]),
    "mse_loss": (lambda L, x, t: L.nn.functional.mse_loss(x, t), [_x(4, 3), _x(4, 3, seed=1)]),
    "nll_loss": (lambda L, x: L.nn.functional.nll_loss(x, L.tensor([1, 0, 4])), [_x(3, 5)]),
    "sdpa": (lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
             [_x(2, 3, 3), _x(2, 4, 3, seed=1), _x(2, 4, 2, seed=2)]),
}


_TORCH_CONSTANT_STATS = ("batch_norm", "layer_norm")  # torch differentiates its rule with the statistics held constant


@pytest.mark.parametrize("name", list(REVERSE_CASES))
def test_reverse_over_forward(name):
    """Against torch where its reverse pass over its own forward rule works; else (torch's in-place
    softmax in cross_entropy/attention jvps, its constant batch statistics) central differences."""
    call, inputs = REVERSE_CASES[name]
    rng = _rng(11)
    tangents = [rng.standard_normal(a.shape) for a in inputs]
    with torch.no_grad():
        shape = tuple(call(torch, *[torch.from_numpy(a) for a in inputs]).shape)
    coef = rng.standard_normal(shape)
    got = _tangent_and_grads(tg, call, inputs, tangents, coef)
    try:
        expected = _tangent_and_grads(torch, call, inputs, tangents, coef)
        what = "torch"
    except RuntimeError:
        expected, what = None, ""
    if expected is None or name in _TORCH_CONSTANT_STATS:
        expected, what = _numeric_grads(call, inputs, tangents, coef), "central difference"
    for i, (g, e) in enumerate(zip(got, expected)):
        if g is None or e is None:  # no gradient (the tangent is linear in that primal): zero on the other side
            assert g is None and e is None or not np.any(e if g is None else g), f"{name}: gradient {i}"
            continue
        tol = (1e-5, 1e-7) if what != "torch" else (1e-8, 1e-10)
        np.testing.assert_allclose(g, e, rtol=tol[0], atol=tol[1], err_msg=f"{name}: gradient {i} of the tangent vs {what}")


def test_reverse_over_forward_lstm():
    """jacrev of jvp through the recurrent layer: the tangent's gradient w.r.t. the input sequence."""
    theirs, ours = _pair(lambda L: L.nn.LSTM(3, 4))
    x, tx, coef = _x(5, 2, 3), _x(5, 2, 3, seed=1), _x(5, 2, 4, seed=2)
    results = []
    for lib, module in ((torch, theirs), (tg, ours)):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            leaf = lib.from_numpy(x.copy()).requires_grad_()
            out, _ = module(fw.make_dual(leaf, lib.from_numpy(tx.copy())))
            tangent = fw.unpack_dual(out).tangent
            results.append(_np(lib.autograd.grad((tangent * lib.from_numpy(coef.copy())).sum(), leaf)[0]))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-8, atol=1e-10)
