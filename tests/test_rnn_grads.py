"""Gradients of the recurrent layers beyond first order: gradcheck and gradgradcheck in float64 (input,
initial state and every weight; packed sequences included), second derivatives equal to torch's, the
fused ops equal to the layer composed of the cells' Tensor ops, and the autograd rules (freed graph,
in-place change of a saved tensor)."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
import tinygrad_edu.ops.rnn as rnn_ops
from tinygrad_edu.autograd import gradcheck, gradgradcheck
from tinygrad_edu.nn.utils.rnn import pack_padded_sequence
from _rnn_torch import assert_same, flat, pair, twin

KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("GRU", {}), ("LSTM", {}), ("LSTM", {"proj_size": 2})]


def _layer_and_inputs(kind, kw, bidirectional=True, bias=True, seed=0):
    tg.manual_seed(seed)
    m = getattr(tnn, kind)(2, 3, **kw, bidirectional=bidirectional, bias=bias, dtype=tg.float64)
    directions = 2 if bidirectional else 1
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = tg.tensor(rng.standard_normal((directions, 2, kw.get("proj_size") or 3)), requires_grad=True)
    c0 = tg.tensor(rng.standard_normal((directions, 2, 3)), requires_grad=True)
    return m, x, h0, c0


def _function(m, kind, lengths=None):
    """The layer as a function of (x, h0, c0, *parameters): gradcheck perturbs the tensors in place."""
    def f(x, h0, c0, *params):
        if lengths is not None:
            x = pack_padded_sequence(x, tg.tensor(lengths), enforce_sorted=False)
        return tuple(flat(m(x, (h0, c0) if kind == "LSTM" else h0)))
    return f


@pytest.mark.parametrize("kind,kw", KINDS)
def test_gradcheck_and_gradgradcheck(kind, kw):
    m, x, h0, c0 = _layer_and_inputs(kind, kw)
    inputs = (x, h0, c0) + tuple(m.parameters())
    assert gradcheck(_function(m, kind), inputs)
    assert gradgradcheck(_function(m, kind), inputs, fast_mode=True)


@pytest.mark.parametrize("kind,kw", KINDS)
def test_gradcheck_and_gradgradcheck_packed(kind, kw):
    m, x, h0, c0 = _layer_and_inputs(kind, kw, seed=1)
    inputs = (x, h0, c0) + tuple(m.parameters())
    f = _function(m, kind, lengths=[2, 3])
    assert gradcheck(f, inputs, fast_mode=True)
    assert gradgradcheck(f, inputs, fast_mode=True)


@pytest.mark.parametrize("kind,kw", KINDS)
def test_gradgradcheck_without_bias_one_direction(kind, kw):
    m, x, h0, c0 = _layer_and_inputs(kind, kw, bidirectional=False, bias=False, seed=2)
    assert gradgradcheck(_function(m, kind), (x, h0, c0) + tuple(m.parameters()), fast_mode=True)


@pytest.mark.parametrize("kind,kw", KINDS)
def test_second_derivatives_equal_torch(kind, kw):
    """d/dtheta of ||dL/dx||^2, through a create_graph backward, against torch's."""
    rng = np.random.default_rng(3)
    tm, om = twin(kind, 2, 3, **kw, num_layers=2)
    tx, ox = pair(rng.standard_normal((4, 2, 2)))
    t_outs, o_outs = flat(tm(tx)), flat(om(ox))
    w = [rng.standard_normal(tuple(t.shape)) for t in t_outs]
    t_loss = sum((t * torch.tensor(v)).sum() for t, v in zip(t_outs, w))
    o_loss = sum((o * tg.tensor(v)).sum() for o, v in zip(o_outs, w))
    (t_gx,) = torch.autograd.grad(t_loss, tx, create_graph=True)
    (o_gx,) = tg.autograd.grad(o_loss, ox, create_graph=True)
    assert_same(o_gx, t_gx, 1e-12)
    (t_gx ** 2).sum().backward()
    (o_gx ** 2).sum().backward()
    for p, q in zip(om.parameters(), tm.parameters()):
        assert p.grad is not None  # relu'' = 0: still zeros, as torch's ThresholdBackwardBackward0 gives
        assert_same(p.grad, q.grad, 1e-10)
    assert_same(ox.grad, tx.grad, 1e-10)


@pytest.mark.parametrize("kind,kw", KINDS)
@pytest.mark.parametrize("packed", [False, True])
def test_fused_equals_composed(kind, kw, packed, monkeypatch):
    results = []
    for fused in (True, False):
        monkeypatch.setattr(rnn_ops, "FUSED", fused)
        m, x, h0, c0 = _layer_and_inputs(kind, kw, seed=4)
        outs = _function(m, kind, lengths=[3, 1] if packed else None)(x, h0, c0)
        sum((o * o).sum() for o in outs).backward()
        results.append([o.detach().numpy() for o in outs] + [t.grad.numpy() for t in (x, h0, *m.parameters())])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_one_node_per_layer_and_direction_named_as_torch():
    m = tnn.GRU(2, 3, num_layers=2, bidirectional=True)
    out, h = m(tg.randn(4, 1, 2))
    layer_nodes = set()
    todo, seen = [out.grad_fn, h.grad_fn], set()
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen or not hasattr(node, "next_functions"):
            continue
        seen.add(id(node))
        if type(node).__name__ == "GRULayer":
            layer_nodes.add(id(node))
            assert node.name() == "StackBackward0"
        todo.extend(n for n, _ in node.next_functions)
    assert len(layer_nodes) == 4
    _, (hn, cn) = tnn.LSTM(2, 3)(tg.randn(4, 1, 2))
    assert [n.name() for n, _ in hn.grad_fn.next_functions if n is not None] == ["UnsqueezeBackward0"]
    assert hn.grad_fn.next_functions[2][0].next_functions[0][0].name() == "MkldnnRnnLayerBackward0"


def test_second_backward_through_a_freed_graph_raises():
    m = tnn.LSTM(2, 3)
    out, _ = m(tg.randn(4, 1, 2))
    loss = out.sum()
    loss.backward(retain_graph=True)
    first = m.weight_hh_l0.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(m.weight_hh_l0.grad.numpy(), 2 * first, rtol=1e-6)
    out, _ = m(tg.randn(4, 1, 2))
    out.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()


def test_in_place_change_of_a_saved_input_raises():
    m = tnn.GRU(2, 3)
    x = tg.randn(4, 1, 2, requires_grad=True)
    inner = x * 1.0
    out, _ = m(inner)
    with tg.no_grad():
        inner.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@pytest.mark.parametrize("kind,kw", [("GRU", {}), ("RNN", {}), ("LSTM", {}), ("GRU", {"batch_first": True}),
                                     ("LSTM", {"bidirectional": True, "num_layers": 2})])
def test_output_and_state_nodes_named_as_torch(kind, kw):
    t_res = getattr(torch.nn, kind)(3, 4, **kw)(torch.randn(5, 2, 3))
    o_res = getattr(tnn, kind)(3, 4, **kw)(tg.randn(5, 2, 3))
    assert [o.grad_fn.name() for o in flat(o_res)] == [t.grad_fn.name() for t in flat(t_res)]
