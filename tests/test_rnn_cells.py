"""nn.RNNCell / LSTMCell / GRUCell against real torch 2.13 with the same weights: values, gradients,
unbatched input, missing state, errors, reprs and the graph's last node."""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
from _rnn_torch import DTYPES, assert_grads_same, assert_same, backward_both, flat, pair, twin

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("GRUCell", {}), ("LSTMCell", {})]


def _state(kind, shape, rng, dtype):
    h = pair(rng.standard_normal(shape).astype(dtype))
    if kind != "LSTMCell":
        return h
    c = pair(rng.standard_normal(shape).astype(dtype))
    return (h[0], c[0]), (h[1], c[1])


@pytest.mark.parametrize("kind,kw", CELLS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch(kind, kw, dtype, bias):
    rng = np.random.default_rng(0)
    tm, om = twin(kind, 3, 4, bias=bias, **kw, dtype=dtype)
    tx, ox = pair(rng.standard_normal((5, 3)).astype(dtype))
    th, oh = _state(kind, (5, 4), rng, dtype)
    t_outs, o_outs = flat(tm(tx, th)), flat(om(ox, oh))
    tol = DTYPES[dtype][2]
    for o, t in zip(o_outs, t_outs):
        assert_same(o, t, tol)
    backward_both(t_outs, o_outs)
    assert_grads_same(list(tm.parameters()) + [tx] + flat(th), list(om.parameters()) + [ox] + flat(oh), tol)


@pytest.mark.parametrize("kind,kw", CELLS)
def test_unbatched_and_missing_state(kind, kw):
    rng = np.random.default_rng(1)
    tm, om = twin(kind, 3, 4, **kw)
    tx, ox = pair(rng.standard_normal(3))
    th, oh = _state(kind, (4,), rng, np.float64)
    for t_args, o_args in [((tx, th), (ox, oh)), ((tx,), (ox,)), ((tx[None],), (ox[None],))]:
        t_outs, o_outs = flat(tm(*t_args)), flat(om(*o_args))
        assert len(t_outs) == len(o_outs)
        for o, t in zip(o_outs, t_outs):
            assert_same(o, t, 1e-12)


@pytest.mark.parametrize("kind,kw", CELLS)
def test_cell_unrolled_equals_the_layer(kind, kw):
    """Stepping the cell over a sequence with the layer's weights gives the layer's output."""
    rng = np.random.default_rng(2)
    cell = getattr(tnn, kind)(3, 4, **kw, dtype=tg.float64)
    layer = getattr(tnn, kind[:-4])(3, 4, **kw, dtype=tg.float64)
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = tg.tensor(rng.standard_normal((6, 2, 3)))
    state, outs = None, []
    for t in range(6):
        state = cell(x[t], state)
        outs.append(state[0] if isinstance(state, tuple) else state)
    np.testing.assert_allclose(tg.stack(outs).detach().numpy(), layer(x)[0].detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("kind,kw", CELLS)
def test_last_node_named_as_torch(kind, kw):
    tm, om = twin(kind, 3, 4, **kw)
    t_out, o_out = flat(tm(torch.zeros(2, 3, dtype=torch.float64))), flat(om(tg.zeros(2, 3, dtype=tg.float64)))
    assert [o.grad_fn.name() for o in o_out] == [t.grad_fn.name() for t in t_out]


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = fn()
        except Exception as error:  # noqa: BLE001 - the class is what is compared
            return type(error).__name__, str(error)
    return [tuple(t.shape) for t in flat(result)]


def _z(lib, *shape, double=False):
    return lib.zeros(*shape, dtype=lib.float64 if double else lib.float32)


ERRORS = [
    ("GRUCell", lambda lib: (_z(lib, 2, 5),)),
    ("GRUCell", lambda lib: (_z(lib, 2, 3), _z(lib, 3, 4))),
    ("GRUCell", lambda lib: (_z(lib, 2, 3), _z(lib, 2, 5))),
    ("GRUCell", lambda lib: (_z(lib, 3), _z(lib, 2, 4))),
    ("GRUCell", lambda lib: (_z(lib, 2, 3), _z(lib, 4))),
    ("GRUCell", lambda lib: (_z(lib, 2, 3, 3),)),
    ("GRUCell", lambda lib: (_z(lib, 2, 3), _z(lib, 1, 2, 4))),
    ("LSTMCell", lambda lib: (_z(lib, 2, 3), (_z(lib, 2, 4), _z(lib, 2, 5)))),
    ("LSTMCell", lambda lib: (_z(lib, 2, 3), (_z(lib, 3, 4), _z(lib, 2, 4)))),
    ("LSTMCell", lambda lib: (_z(lib, 2, 3), (_z(lib, 2, 4), _z(lib, 2, 4, 1)))),
    ("LSTMCell", lambda lib: (_z(lib, 2, 5),)),
    ("RNNCell", lambda lib: (_z(lib, 2, 3, double=True),)),
    ("RNNCell", lambda lib: (_z(lib, 2, 3), _z(lib, 2, 4, double=True))),
    ("RNNCell", lambda lib: (_z(lib, 0, 3),)),
]


@pytest.mark.parametrize("kind,inputs", ERRORS)
def test_cell_errors_as_torch(kind, inputs):
    theirs = _outcome(lambda: getattr(torch.nn, kind)(3, 4)(*inputs(torch)))
    assert _outcome(lambda: getattr(tnn, kind)(3, 4)(*inputs(tg))) == theirs


def test_unknown_nonlinearity_refused_at_call_as_torch():
    theirs = _outcome(lambda: torch.nn.RNNCell(3, 4, nonlinearity="sig")(torch.zeros(2, 3)))
    assert _outcome(lambda: tnn.RNNCell(3, 4, nonlinearity="sig")(tg.zeros(2, 3))) == theirs


@pytest.mark.parametrize("kind,kw", CELLS + [("GRUCell", {"bias": False}),
                                             ("RNNCell", {"bias": False, "nonlinearity": "relu"})])
def test_cell_parameters_and_repr_as_torch(kind, kw):
    tm, om = getattr(torch.nn, kind)(3, 4, **kw), getattr(tnn, kind)(3, 4, **kw)
    assert repr(om) == repr(tm)
    assert [(n, tuple(p.shape)) for n, p in om.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert all(np.abs(p.detach().numpy()).max() <= 0.5 for p in om.parameters())  # U(-1/sqrt(4), 1/sqrt(4))
