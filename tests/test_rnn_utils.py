"""nn.utils.rnn (PackedSequence, pack/pad functions) against real torch: same data, batch_sizes,
sorted/unsorted indices and their dtypes, same padded outputs and lengths, same gradients back
through packing and padding, same exception classes and messages."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_edu as te
from tinygrad_edu.nn.utils import rnn as R

import torch
TR = torch.nn.utils.rnn

DTYPES = {np.float32: (te.float32, torch.float32), np.float64: (te.float64, torch.float64)}


def same(ours, theirs, exact=True):
    """ours (a tinygrad_edu Tensor) equals theirs (a torch tensor): shape, dtype and values."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    if exact:
        np.testing.assert_array_equal(ours._data, theirs.detach().numpy())
    else:
        np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-6, atol=1e-7)


def same_packed(p, q):
    assert isinstance(p, R.PackedSequence) and isinstance(p, tuple)
    same(p.data, q.data)
    same(p.batch_sizes, q.batch_sizes)
    for a, b in ((p.sorted_indices, q.sorted_indices), (p.unsorted_indices, q.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            same(a, b)


def both(array, dtype=None):
    return te.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def backward_same(outs, gens, inputs, seed=1):
    """Backpropagate the same random upstream gradient through outs (ours, torch's); the inputs
    (pairs) get the same gradients."""
    g = np.random.default_rng(seed).standard_normal(tuple(outs[1].shape)).astype(outs[1].detach().numpy().dtype)
    outs[0].backward(te.tensor(g))
    outs[1].backward(torch.tensor(g))
    for a, b in inputs:
        np.testing.assert_array_equal(a.grad._data, b.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 5]),
                                                    (False, [4, 4, 4, 4])])
@pytest.mark.parametrize("trailing", [(), (3,), (2, 3)])
def test_pack_then_pad_matches_torch(dtype, batch_first, enforce_sorted, lengths, trailing):
    shape = ((4, 6) if batch_first else (6, 4)) + trailing
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    a, b = both(x)
    p = R.pack_padded_sequence(a, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    q = TR.pack_padded_sequence(b, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    same_packed(p, q)
    assert p.data.requires_grad
    out, lens = R.pad_packed_sequence(p, batch_first=batch_first, padding_value=-2.5, total_length=7)
    tout, tlens = TR.pad_packed_sequence(q, batch_first=batch_first, padding_value=-2.5, total_length=7)
    same(out, tout)
    same(lens, tlens)
    backward_same((out, tout), None, [(a, b)])


@pytest.mark.parametrize("as_tensor", [False, True])
def test_lengths_as_tensor_or_list_and_default_pad(as_tensor):
    x = np.random.default_rng(2).standard_normal((3, 3, 2))
    lengths = [3, 1, 2]
    a, b = both(x)
    la = te.tensor(lengths) if as_tensor else lengths
    lb = torch.tensor(lengths) if as_tensor else lengths
    p = R.pack_padded_sequence(a, la, enforce_sorted=False)
    q = TR.pack_padded_sequence(b, lb, enforce_sorted=False)
    same_packed(p, q)
    out, lens = R.pad_packed_sequence(p)
    tout, tlens = TR.pad_packed_sequence(q)
    same(out, tout)
    same(lens, tlens)
    # gradient of the packed data alone (no padding step)
    backward_same((p.data, q.data), None, [(a, b)])


@given(st.integers(1, 5), st.integers(1, 6), st.data())
def test_random_lengths_with_ties(batch, steps, data):
    lengths = data.draw(st.lists(st.integers(1, steps), min_size=batch, max_size=batch))
    batch_first = data.draw(st.booleans())
    shape = (batch, steps, 2) if batch_first else (steps, batch, 2)
    a, b = both(np.random.default_rng(batch * 7 + steps).standard_normal(shape))
    p = R.pack_padded_sequence(a, lengths, batch_first, enforce_sorted=False)
    q = TR.pack_padded_sequence(b, lengths, batch_first, enforce_sorted=False)
    same_packed(p, q)
    out, lens = R.pad_packed_sequence(p, batch_first)
    tout, tlens = TR.pad_packed_sequence(q, batch_first)
    same(out, tout)
    same(lens, tlens)
    backward_same((out, tout), None, [(a, b)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_unpack_sequence(dtype, enforce_sorted):
    rng = np.random.default_rng(3)
    lens = [4, 2, 2, 1] if enforce_sorted else [2, 4, 1, 2]
    pairs = [both(rng.standard_normal((n, 3)).astype(dtype)) for n in lens]
    p = R.pack_sequence([a for a, _ in pairs], enforce_sorted=enforce_sorted)
    q = TR.pack_sequence([b for _, b in pairs], enforce_sorted=enforce_sorted)
    same_packed(p, q)
    mine, theirs = R.unpack_sequence(p), TR.unpack_sequence(q)
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs):
        same(m, t)
    weights = np.arange(1, len(lens) + 1, dtype=dtype)
    sum(m.sum() * float(w) for m, w in zip(mine, weights)).backward()
    sum(t.sum() * float(w) for t, w in zip(theirs, weights)).backward()
    for a, b in pairs:
        np.testing.assert_array_equal(a.grad._data, b.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_pad_sequence(dtype, batch_first, side, trailing):
    rng = np.random.default_rng(4)
    pairs = [both(rng.standard_normal((n,) + trailing).astype(dtype)) for n in (2, 5, 0, 3)]
    out = R.pad_sequence([a for a, _ in pairs], batch_first, 1.5, side)
    tout = TR.pad_sequence([b for _, b in pairs], batch_first, 1.5, side)
    same(out, tout)
    backward_same((out, tout), None, [(a, b) for a, b in pairs])


def test_pad_sequence_dtype_broadcast_and_tensor_input():
    # output dtype is the first sequence's; others are cast; a tensor is split along dim 0
    same(R.pad_sequence([te.ones(2, dtype=te.int64), te.ones(3)], padding_value=2.5),
         TR.pad_sequence([torch.ones(2, dtype=torch.int64), torch.ones(3)], padding_value=2.5))
    same(R.pad_sequence([te.ones(2), te.ones(3, dtype=te.float64)]),
         TR.pad_sequence([torch.ones(2), torch.ones(3, dtype=torch.float64)]))
    x = np.arange(6.0).reshape(2, 3)
    same(R.pad_sequence(te.tensor(x)), TR.pad_sequence(torch.tensor(x)))
    # a (3, 1) sequence is broadcast into a (3, 3) slot, as torch's copy does; gradients sum back
    a0, b0 = both(np.ones((2, 3)))
    a1, b1 = both(np.arange(3.0).reshape(3, 1))
    out, tout = R.pad_sequence([a0, a1], padding_value=-1), TR.pad_sequence([b0, b1], padding_value=-1)
    same(out, tout)
    backward_same((out, tout), None, [(a0, b0), (a1, b1)])
    same(R.pad_sequence([te.ones(0, 2)]), TR.pad_sequence([torch.ones(0, 2)]))


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence(batch_first):
    x = np.random.default_rng(5).standard_normal((3, 4, 2) if batch_first else (4, 3, 2))
    a, b = both(x)
    lens = [4, 1, 3]
    # torch transposes a time-major input in place (transpose_), which a leaf refuses and which
    # changes the caller's tensor; ours leaves the input alone. Both get a non-leaf copy here.
    mine = R.unpad_sequence(a * 1, te.tensor(lens), batch_first)
    theirs = TR.unpad_sequence(b * 1, torch.tensor(lens), batch_first)
    for m, t in zip(mine, theirs):
        same(m, t)
    sum((m * (i + 1)).sum() for i, m in enumerate(mine)).backward()
    sum((t * (i + 1)).sum() for i, t in enumerate(theirs)).backward()
    np.testing.assert_array_equal(a.grad._data, b.grad.numpy())


def test_grad_through_pad_pack_chain():
    """pad_sequence -> pack_padded_sequence -> (f on data) -> pad_packed_sequence: gradients reach
    every original sequence as torch's."""
    rng = np.random.default_rng(6)
    pairs = [both(rng.standard_normal((n, 2))) for n in (3, 1, 4)]
    for ours, mod, idx in ((True, R, 0), (False, TR, 1)):
        seqs = [p[idx] for p in pairs]
        padded = mod.pad_sequence(seqs, batch_first=True)
        packed = mod.pack_padded_sequence(padded, [3, 1, 4], batch_first=True, enforce_sorted=False)
        squared = mod.PackedSequence(packed.data * packed.data, packed.batch_sizes,
                                     packed.sorted_indices, packed.unsorted_indices)
        out, _ = mod.pad_packed_sequence(squared, batch_first=True, padding_value=3.0)
        (out * out).sum().backward()
    for a, b in pairs:
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-12)


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


ERROR_CASES = {
    "unsorted": lambda m, T: m.pack_padded_sequence(T.ones(4, 3, 2), [2, 3, 1]),
    "zero": lambda m, T: m.pack_padded_sequence(T.ones(4, 3), [3, 0, 0]),
    "zero_unsorted": lambda m, T: m.pack_padded_sequence(T.ones(4, 3), [0, 3, 2], enforce_sorted=False),
    "negative": lambda m, T: m.pack_padded_sequence(T.ones(4, 3), [3, -1, -2]),
    "zero_not_last": lambda m, T: m.pack_padded_sequence(T.ones(4, 3), [0, 3, 1]),
    "too_few": lambda m, T: m.pack_padded_sequence(T.ones(4, 3), [3, 2]),
    "too_many": lambda m, T: m.pack_padded_sequence(T.ones(4, 3), [3, 2, 1, 1]),
    "too_many_unsorted": lambda m, T: m.pack_padded_sequence(T.ones(4, 3), [3, 2, 2, 1], enforce_sorted=False),
    "lengths_2d": lambda m, T: m.pack_padded_sequence(T.ones(4, 3), T.tensor([[3, 2, 1]])),
    "lengths_0d": lambda m, T: m.pack_padded_sequence(T.ones(4, 1), T.tensor(3)),
    "empty": lambda m, T: m.pack_padded_sequence(T.ones(0, 3), [3, 2, 1]),
    "input_1d": lambda m, T: m.pack_padded_sequence(T.ones(4), [3]),
    "total_length": lambda m, T: m.pad_packed_sequence(m.pack_sequence([T.ones(3), T.ones(2)]), total_length=2),
    "pad_empty": lambda m, T: m.pad_sequence([]),
    "pack_empty": lambda m, T: m.pack_sequence([]),
    "pad_mismatch": lambda m, T: m.pad_sequence([T.ones(2, 3), T.ones(3, 2)]),
    "pad_rank_up": lambda m, T: m.pad_sequence([T.ones(2, 3), T.ones(3, 3, 1)]),
    "pad_no_broadcast": lambda m, T: m.pad_sequence([T.ones(2, 1), T.ones(3, 3)]),
    "pad_side": lambda m, T: m.pad_sequence([T.ones(2)], padding_side="up"),
    "pad_side_none": lambda m, T: m.pad_sequence([T.ones(2)], padding_side=None),
    "pad_value_none": lambda m, T: m.pad_sequence([T.ones(2)], padding_value=None),
    "pad_not_iterable": lambda m, T: m.pad_sequence(5),
    "pad_not_tensor": lambda m, T: m.pad_sequence([[1, 2], T.ones(3)]),
    "packed_tuple_arg": lambda m, T: m.PackedSequence(T.ones(3)),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_match_torch(case):
    ours, theirs = _error(lambda: ERROR_CASES[case](R, te)), _error(lambda: ERROR_CASES[case](TR, torch))
    assert ours[0] is theirs[0]
    assert ours[1] == theirs[1]


def test_lengths_past_the_input_are_refused():
    # torch 2.13 reads past the end of the input here (no check); we raise instead
    with pytest.raises(RuntimeError, match="at most the input's sequence length 4, but got a length of 5"):
        R.pack_padded_sequence(te.ones(4, 3), [5, 2, 1])
    with pytest.raises(RuntimeError, match="sequence length 2"):
        R.pack_padded_sequence(te.ones(3, 2), [1, 3, 1], batch_first=True, enforce_sorted=False)


def _torch_repr(s):
    return s.replace("tinygrad_edu.", "torch.")


def test_packed_sequence_object():
    p = R.pack_sequence([te.tensor([1.0, 2.0]), te.tensor([4.0, 5.0, 6.0])], enforce_sorted=False)
    q = TR.pack_sequence([torch.tensor([1.0, 2.0]), torch.tensor([4.0, 5.0, 6.0])], enforce_sorted=False)
    assert R.PackedSequence._fields == TR.PackedSequence._fields
    assert _torch_repr(repr(p)) == repr(q)
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert data is p.data and batch_sizes is p.batch_sizes
    assert p.float() is p and p.to(te.float32) is p and p.cpu() is p
    for name in ("double", "long", "int", "short", "char", "byte", "half"):
        mine, theirs = getattr(p, name)(), getattr(q, name)()
        same_packed(mine, theirs)
        assert _torch_repr(repr(mine)) == repr(theirs)
    same_packed(p.to(dtype=te.float64), q.to(dtype=torch.float64))
    assert p.is_cuda is q.is_cuda is False
    assert p.is_pinned() is q.is_pinned() is False
    # built from (data, batch_sizes) pair; unsorted_indices derived from sorted_indices
    pair = R.PackedSequence((p.data, p.batch_sizes), sorted_indices=te.tensor([2, 0, 1]))
    tpair = TR.PackedSequence((q.data, q.batch_sizes), sorted_indices=torch.tensor([2, 0, 1]))
    same_packed(pair, tpair)
    assert _torch_repr(repr(R.pack_sequence([te.ones(2, 2)]))) == repr(TR.pack_sequence([torch.ones(2, 2)]))


def test_invert_permutation():
    perm = np.array([3, 0, 4, 1, 2])
    same(R.invert_permutation(te.tensor(perm)), TR.invert_permutation(torch.tensor(perm)))
    assert R.invert_permutation(None) is None and TR.invert_permutation(None) is None


def test_double_backward_through_pack_and_pad():
    x = np.random.default_rng(7).standard_normal((3, 2, 2))
    grads = []
    for mod, lib in ((R, te), (TR, torch)):
        a = lib.tensor(x, requires_grad=True)
        out, _ = mod.pad_packed_sequence(mod.pack_padded_sequence(a, [3, 1]), padding_value=1.0)
        (g,) = lib.autograd.grad((out ** 3).sum(), a, create_graph=True)
        (g * g).sum().backward()
        grads.append(a.grad)
    np.testing.assert_allclose(grads[0]._data, grads[1].numpy(), rtol=1e-12)


# ---- gradient clipping on an RNN's parameter list (nn/utils/clip_grad.py) ----------------------
RNN_SHAPES = [(8, 3), (8, 2), (8,), (8,), (5, 2)]  # weight_ih, weight_hh, bias_ih, bias_hh, head


def _rnn_params(lib, dtype, no_grad=(3,)):
    params = []
    for i, shape in enumerate(RNN_SHAPES):
        p = lib.tensor(np.random.default_rng(i).standard_normal(shape).astype(dtype), requires_grad=True)
        if i not in no_grad:
            p.grad = lib.tensor(np.random.default_rng(10 + i).standard_normal(shape).astype(dtype))
        params.append(p)
    return params


def _same_grads(ours, theirs, dtype):
    for a, b in zip(ours, theirs):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2, 1, 3.0, float("inf"), "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_norm_on_rnn_params(dtype, norm_type, max_norm, foreach):
    from tinygrad_edu.nn.utils import clip_grad_norm_
    ours, theirs = _rnn_params(te, dtype), _rnn_params(torch, dtype)
    total = clip_grad_norm_(iter(ours), max_norm, norm_type=norm_type, foreach=foreach)
    ttotal = torch.nn.utils.clip_grad_norm_(iter(theirs), max_norm, norm_type=norm_type, foreach=foreach)
    same(total, ttotal, exact=False)
    _same_grads(ours, theirs, dtype)


@pytest.mark.parametrize("clip_value", [0.3, 1, -0.5])
@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_value_on_rnn_params(clip_value, foreach):
    from tinygrad_edu.nn.utils import clip_grad_value_
    ours, theirs = _rnn_params(te, np.float32, no_grad=(0, 3)), _rnn_params(torch, np.float32, no_grad=(0, 3))
    assert clip_grad_value_(ours, clip_value, foreach=foreach) is None
    assert torch.nn.utils.clip_grad_value_(theirs, clip_value, foreach=foreach) is None
    _same_grads(ours, theirs, np.float64)  # clamping is exact


def test_clip_grad_norm_nonfinite_and_empty():
    from tinygrad_edu.nn.utils import clip_grad_norm_
    ours, theirs = _rnn_params(te, np.float32), _rnn_params(torch, np.float32)
    ours[0].grad._data[0, 0] = np.nan
    theirs[0].grad[0, 0] = float("nan")
    err = _error(lambda: clip_grad_norm_(ours, 1.0, error_if_nonfinite=True))
    terr = _error(lambda: torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True))
    assert err == terr
    same(clip_grad_norm_(ours[1:], 1.0), torch.nn.utils.clip_grad_norm_(theirs[1:], 1.0), exact=False)
    same(clip_grad_norm_([], 1.0), torch.nn.utils.clip_grad_norm_([], 1.0))
    same(clip_grad_norm_(ours[4], 0.1), torch.nn.utils.clip_grad_norm_(theirs[4], 0.1), exact=False)
    _same_grads(ours[1:], theirs[1:], np.float32)
