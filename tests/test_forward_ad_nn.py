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

torch = pytest.importorskip("torch")
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
    (tangent_for: the positions that do, if given)."""
    rng = _rng(seed)
    tangents = [rng.standard_normal(a.shape) if isinstance(a, np.ndarray) and a.dtype == F64
                and (tangent_for is None or i in tangent_for) else None for i, a in enumerate(inputs)]
    results = []
    for lib in (torch, tg):
        fw = lib.autograd.forward_ad
        ctx = sdpa_kernel(SDPBackend.MATH) if lib is torch else contextlib.nullcontext()
        with fw.dual_level(), ctx:
            out = getattr(lib.nn.functional, fname)(*_duals(lib, inputs, tangents), **(kwargs or {}))
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
    check_module(lambda L: L.nn.MultiheadAttention(8, 2, bias=False), [q, k, k, pad, True, float_mask],
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
