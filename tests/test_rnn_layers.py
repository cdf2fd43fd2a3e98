"""nn.RNN / LSTM / GRU against real torch 2.13 with the same weights: outputs, final states and every
gradient (input, initial state, parameters) for the options torch has, float32 and float64; packed
sequences; parameter names, order, shapes and initialisation; state_dicts both ways; reprs."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
from tinygrad_edu.nn.utils.rnn import pack_padded_sequence, pack_sequence
from _rnn_torch import DTYPES, assert_grads_same, assert_same, backward_both, flat, pair, twin

KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("GRU", {}), ("LSTM", {}), ("LSTM", {"proj_size": 2})]
# half of the 16 combinations, in which every pair of options meets in all four ways
OPTIONS = [dict(num_layers=l, bias=b, batch_first=bf, bidirectional=bi)
           for l, b, bf, bi in itertools.product((1, 2), (True, False), (False, True), (False, True))
           if (l + b + bf + bi) % 2 == 0]


def _state(kind, kw, layers, batch, rng, unbatched=False):
    size = kw.get("proj_size") or 4
    shape = (layers, size) if unbatched else (layers, batch, size)
    h = pair(rng.standard_normal(shape))
    if kind != "LSTM":
        return h
    c = pair(rng.standard_normal(shape[:-1] + (4,)))
    return (h[0], c[0]), (h[1], c[1])


def _compare(tm, om, t_args, o_args, tol, leaves):
    t_res, o_res = tm(*t_args), om(*o_args)
    t_outs, o_outs = flat(t_res), flat(o_res)
    assert len(t_outs) == len(o_outs)
    for o, t in zip(o_outs, t_outs):
        assert_same(o, t, tol)
    backward_both(t_outs, o_outs)
    assert_grads_same(list(tm.parameters()) + leaves[0], list(om.parameters()) + leaves[1], tol)
    return t_res, o_res


@pytest.mark.parametrize("kind,kw", KINDS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}{int(v)}" for k, v in o.items()))
def test_layer_matches_torch_float64(kind, kw, options):
    rng = np.random.default_rng(0)
    tm, om = twin(kind, 3, 4, **kw, **options)
    layers = options["num_layers"] * (2 if options["bidirectional"] else 1)
    tx, ox = pair(rng.standard_normal((2, 5, 3) if options["batch_first"] else (5, 2, 3)))
    (th, oh) = _state(kind, kw, layers, 2, rng)
    leaves = ([tx] + flat(th), [ox] + flat(oh))
    _compare(tm, om, (tx, th), (ox, oh), DTYPES["float64"][2], leaves)


@pytest.mark.parametrize("kind,kw", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_layer_matches_torch_float32_without_initial_state(kind, kw, bidirectional):
    rng = np.random.default_rng(1)
    tm, om = twin(kind, 3, 4, **kw, num_layers=2, bidirectional=bidirectional, dtype="float32")
    tx, ox = pair(rng.standard_normal((6, 3, 3)).astype(np.float32))
    t_res, o_res = _compare(tm, om, (tx,), (ox,), DTYPES["float32"][2], ([tx], [ox]))
    assert o_res[0].dtype == tg.float32


@pytest.mark.parametrize("kind,kw", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input(kind, kw, batch_first):
    rng = np.random.default_rng(2)
    tm, om = twin(kind, 3, 4, **kw, num_layers=2, batch_first=batch_first)
    tx, ox = pair(rng.standard_normal((5, 3)))
    th, oh = _state(kind, kw, 2, None, rng, unbatched=True)
    t_res, o_res = _compare(tm, om, (tx, th), (ox, oh), 1e-12, ([tx] + flat(th), [ox] + flat(oh)))
    assert tuple(o_res[0].shape) == tuple(t_res[0].shape) == (5, kw.get("proj_size") or 4)
    t_res, o_res = tm(tx), om(ox)  # no initial state
    for o, t in zip(flat(o_res), flat(t_res)):
        assert_same(o, t, 1e-12)


@pytest.mark.parametrize("kind,kw", KINDS)
@pytest.mark.parametrize("enforce_sorted,with_state", [(True, False), (False, False), (False, True)])
def test_packed_sequence_matches_torch(kind, kw, enforce_sorted, with_state):
    rng = np.random.default_rng(3)
    tm, om = twin(kind, 3, 4, **kw, num_layers=2, bidirectional=True)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    tx, ox = pair(rng.standard_normal((5, 4, 3)))
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths), enforce_sorted=enforce_sorted)
    op = pack_padded_sequence(ox, tg.tensor(lengths), enforce_sorted=enforce_sorted)
    t_args, o_args, leaves = (tp,), (op,), ([tx], [ox])
    if with_state:
        th, oh = _state(kind, kw, 4, 4, rng)
        t_args, o_args, leaves = (tp, th), (op, oh), ([tx] + flat(th), [ox] + flat(oh))
    t_res, o_res = _compare(tm, om, t_args, o_args, 1e-12, leaves)
    assert type(o_res[0]).__name__ == "PackedSequence"
    np.testing.assert_array_equal(o_res[0].batch_sizes.numpy(), t_res[0].batch_sizes.numpy())
    for name in ("sorted_indices", "unsorted_indices"):
        t_idx, o_idx = getattr(t_res[0], name), getattr(o_res[0], name)
        assert (t_idx is None) == (o_idx is None)
        if t_idx is not None:
            np.testing.assert_array_equal(o_idx.numpy(), t_idx.numpy())


def test_pack_sequence_float32_gru():
    rng = np.random.default_rng(4)
    tm, om = twin("GRU", 3, 4, dtype="float32")
    seqs = [rng.standard_normal((n, 3)).astype(np.float32) for n in (2, 4, 1)]
    tp = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    op = pack_sequence([tg.tensor(s) for s in seqs], enforce_sorted=False)
    _compare(tm, om, (tp,), (op,), 1e-5, ([], []))


def test_dropout_between_layers_not_after_the_last():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, om = twin("GRU", 3, 4, num_layers=2, dropout=1.0)   # everything into layer 2 is zeroed
        t1, o1 = twin("LSTM", 3, 4, dropout=0.5)                # one layer: nothing to drop
    t_res, o_res = tm(torch.tensor(x)), om(tg.tensor(x))
    for o, t in zip(flat(o_res), flat(t_res)):
        assert_same(o, t, 1e-12)
    for o, t in zip(flat(o1(tg.tensor(x))), flat(t1(torch.tensor(x)))):
        assert_same(o, t, 1e-12)
    tm2, om2 = twin("RNN", 3, 4, num_layers=3, dropout=0.5)
    train = om2(tg.tensor(x))[0].detach().numpy()
    om2.eval(), tm2.eval()
    evaluated = om2(tg.tensor(x))[0]
    assert not np.allclose(train, evaluated.detach().numpy())  # dropout acts in training mode only
    assert_same(evaluated, tm2(torch.tensor(x))[0], 1e-12)


def test_parameters_as_torch_names_order_shapes_and_init():
    tm = torch.nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    om = tnn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    assert [(n, tuple(p.shape)) for n, p in om.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert list(om.state_dict()) == list(tm.state_dict())
    assert om._flat_weights_names == tm._flat_weights_names
    assert [[tuple(w.shape) for w in ws] for ws in om.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in tm.all_weights]
    big = tnn.GRU(50, 100)
    values = np.concatenate([p.detach().numpy().ravel() for p in big.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= 0.1 and np.abs(values).max() > 0.099
    assert abs(values.mean()) < 0.005 and abs(values.std() - 0.1 / np.sqrt(3)) < 0.002  # U(-0.1, 0.1)
    assert om.flatten_parameters() is None and tm.flatten_parameters() is None


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_state_dict_moves_both_ways(kind):
    rng = np.random.default_rng(6)
    tm, om = twin(kind, 3, 4, num_layers=2, bidirectional=True)
    om2 = getattr(tnn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=tg.float64)
    for p in om2.parameters():
        tnn.init.uniform_(p, -1, 1)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in om2.state_dict().items()})  # ours -> torch
    x = rng.standard_normal((3, 2, 3))
    assert_same(om2(tg.tensor(x))[0], tm(torch.tensor(x))[0], 1e-12)


REPRS = [("LSTM", (10, 20), dict(num_layers=2, batch_first=True)), ("RNN", (3, 4), dict(nonlinearity="relu")),
         ("LSTM", (3, 4), dict(proj_size=2, bias=False, dropout=0.5, num_layers=2, bidirectional=True)),
         ("GRU", (3, 4), dict(dropout=1)), ("GRU", (5, 7), {}), ("RNN", (2, 3, 4, "tanh", False), {})]


@pytest.mark.parametrize("kind,args,kw", REPRS)
def test_repr_as_torch(kind, args, kw):
    assert repr(getattr(tnn, kind)(*args, **kw)) == repr(getattr(torch.nn, kind)(*args, **kw))


def _outcome(fn):
    """(exception class name, message) or the shapes of what fn returned."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = fn()
        except Exception as error:  # noqa: BLE001 - the class is what is compared
            return type(error).__name__, str(error).replace("tinygrad_edu.", "torch.")
    return [tuple(t.shape) for t in flat(result)]


def _zeros(lib, *shape, dtype=None):
    return lib.zeros(*shape, dtype=dtype or lib.float32)


ERRORS = [
    ("GRU", (3, 4, 2), lambda lib: (_zeros(lib, 5, 2, 4),)),
    ("GRU", (3, 4, 2), lambda lib: (_zeros(lib, 5, 2, 3), _zeros(lib, 2, 3, 4))),
    ("GRU", (3, 4, 2), lambda lib: (_zeros(lib, 5, 2, 3), _zeros(lib, 2, 4))),
    ("GRU", (3, 4, 2), lambda lib: (_zeros(lib, 5, 3), _zeros(lib, 2, 1, 4))),
    ("GRU", (3, 4, 2), lambda lib: (_zeros(lib, 5, 2, 3, dtype=lib.float64),)),
    ("GRU", (3, 4, 2), lambda lib: (_zeros(lib, 5, 2, 3, 1),)),
    ("RNN", (3, 4), lambda lib: (_zeros(lib, 5, 2, 3, 1),)),
    ("LSTM", (3, 4), lambda lib: (_zeros(lib, 3),)),
    ("GRU", (3, 4, 2), lambda lib: (_zeros(lib, 0, 2, 3),)),
    ("GRU", (3, 4, 2), lambda lib: (_zeros(lib, 5, 0, 3),)),
    ("LSTM", (3, 4), lambda lib: (_zeros(lib, 5, 2, 3), (_zeros(lib, 1, 2, 4), _zeros(lib, 1, 3, 4)))),
    ("LSTM", (3, 4), lambda lib: (_zeros(lib, 5, 2, 3), (_zeros(lib, 1, 2, 4), _zeros(lib, 2, 4)))),
    ("LSTM", (3, 4), lambda lib: (_zeros(lib, 5, 3), (_zeros(lib, 1, 2, 4), _zeros(lib, 1, 4)))),
    ("RNN", (3, 4), lambda lib: (_zeros(lib, 5, 2, 3), _zeros(lib, 1, 2, 5))),
]


@pytest.mark.parametrize("kind,args,inputs", ERRORS)
def test_forward_errors_as_torch(kind, args, inputs):
    theirs = _outcome(lambda: getattr(torch.nn, kind)(*args)(*inputs(torch)))
    ours = _outcome(lambda: getattr(tnn, kind)(*args)(*inputs(tg)))
    assert ours == theirs


def test_projected_lstm_state_sizes_checked_as_torch():
    for h, c in [((1, 2, 4), (1, 2, 4)), ((1, 2, 2), (1, 2, 2)), ((1, 2, 2), (1, 2, 4))]:
        tm, om = torch.nn.LSTM(3, 4, proj_size=2), tnn.LSTM(3, 4, proj_size=2)
        theirs = _outcome(lambda: tm(torch.zeros(5, 2, 3), (torch.zeros(h), torch.zeros(c))))
        ours = _outcome(lambda: om(tg.zeros(5, 2, 3), (tg.zeros(h), tg.zeros(c))))
        assert ours == theirs


CONSTRUCTOR_ERRORS = [("GRU", (3, 4), dict(proj_size=1)), ("RNN", (3, 4), dict(proj_size=1)),
                      ("RNN", (3, 4), dict(nonlinearity="sig")), ("GRU", (3, 4), dict(dropout=1.5)),
                      ("GRU", (3, 4), dict(dropout=True)), ("GRU", (3, 0), {}), ("GRU", (0, 3), {}),
                      ("GRU", (3, 4), dict(num_layers=0)), ("LSTM", (3, 4), dict(proj_size=4)),
                      ("LSTM", (3, 4), dict(proj_size=-1)), ("GRU", (3.0, 4), {}), ("GRU", (3, 4.0), {}),
                      ("GRU", (3, 4), dict(bias=1)), ("GRU", (3, 4), dict(batch_first=None))]


@pytest.mark.parametrize("kind,args,kw", CONSTRUCTOR_ERRORS)
def test_constructor_errors_as_torch(kind, args, kw):
    theirs = _outcome(lambda: getattr(torch.nn, kind)(*args, **kw))
    assert theirs != [] and theirs[0] in ("ValueError", "TypeError")
    assert _outcome(lambda: getattr(tnn, kind)(*args, **kw)) == theirs


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, but got "
                                         "dropout=0.5 and num_layers=1"):
        tnn.GRU(3, 4, dropout=0.5)
