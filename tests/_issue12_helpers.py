"""Shared by the issue-12 tests (sort/topk, scatter/roll/..., sampling, distributions): run one
function on real torch and on tinygrad_edu from the same numpy data and compare values, dtypes,
shapes, grad_fn names, gradients (same upstream gradient) and exception classes."""
import numpy as np
import torch

import tinygrad_edu as tg

LIBS = (tg, torch)


def leaves(lib, arrays, grad):
    out = []
    for a in arrays:
        if isinstance(a, np.ndarray):
            t = lib.from_numpy(a.copy())
            if grad and a.dtype.kind == "f":
                t.requires_grad_(True)
            out.append(t)
        else:
            out.append(a)
    return out


def _tensors(result):
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _tensors(r)]
    return [result] if hasattr(result, "shape") and hasattr(result, "dtype") else []


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def dtype_name(t):
    return str(t.dtype).split(".")[-1]


def compare(fn, *arrays, grad=True, rtol=1e-6, atol=1e-7, names=True, noncontig=None):
    """fn(lib, *tensors) on both libraries; everything that can be compared is. `noncontig`: a
    function applied to each tensor input first (e.g. a transpose) on both sides."""
    results, inputs = [], []
    for lib in LIBS:
        xs = leaves(lib, arrays, grad)
        used = [noncontig(x) if noncontig and hasattr(x, "shape") else x for x in xs]
        results.append(fn(lib, *used))
        inputs.append(xs)
    (ours, theirs), (ours_in, theirs_in) = results, inputs
    o_list, t_list = _tensors(ours), _tensors(theirs)
    assert len(o_list) == len(t_list)
    for o, t in zip(o_list, t_list):
        assert dtype_name(o) == dtype_name(t), (o.dtype, t.dtype)
        assert tuple(o.shape) == tuple(t.shape), (tuple(o.shape), tuple(t.shape))
        np.testing.assert_allclose(_np(o), _np(t), rtol=rtol, atol=atol, equal_nan=True)
        assert o.is_contiguous() == t.is_contiguous()
        if names:
            assert (o.grad_fn is None) == (t.grad_fn is None), (o.grad_fn, t.grad_fn)
            if t.grad_fn is not None:
                assert o.grad_fn.name() == t.grad_fn.name()
    if grad:
        _compare_grads(o_list, t_list, ours_in, theirs_in, rtol, atol)
    return ours, theirs


def _compare_grads(o_list, t_list, ours_in, theirs_in, rtol, atol):
    rng = np.random.RandomState(0)
    pairs = [(o, t) for o, t in zip(o_list, t_list) if t.requires_grad]
    if not pairs:
        return
    ups = [rng.standard_normal(tuple(t.shape)).astype(dtype_name(t)) for _, t in pairs]
    o_leaves = [x for x in ours_in if hasattr(x, "requires_grad") and x.requires_grad]
    t_leaves = [x for x in theirs_in if hasattr(x, "requires_grad") and x.requires_grad]
    og = tg.autograd.grad([o for o, _ in pairs], o_leaves, [tg.from_numpy(u.copy()) for u in ups],
                          allow_unused=True)
    tgr = torch.autograd.grad([t for _, t in pairs], t_leaves, [torch.from_numpy(u.copy()) for u in ups],
                              allow_unused=True)
    for a, b in zip(og, tgr):
        if b is None:
            assert a is None or not np.any(_np(a))
            continue
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol)


def same_error(fn, *arrays, mentions=()):
    """Both libraries refuse fn(lib, *tensors) with the same exception class."""
    caught = []
    for lib in LIBS:
        try:
            fn(lib, *leaves(lib, arrays, False))
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            caught.append(e)
        else:
            caught.append(None)
    ours, theirs = caught
    assert theirs is not None, "torch accepts this call"
    assert ours is not None, f"accepted; torch raises {type(theirs).__name__}: {theirs}"
    assert type(ours) is type(theirs), f"ours {type(ours).__name__}: {ours}; torch {type(theirs).__name__}: {theirs}"
    for m in mentions:
        assert m.lower() in str(ours).lower(), (m, str(ours))
    return ours, theirs


def gradchecks(fn, *arrays):
    """gradcheck and gradgradcheck of ours (float64 central differences) on fn(tg, *inputs)."""
    xs = leaves(tg, [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays], True)
    grads = [x for x in xs if hasattr(x, "requires_grad") and x.requires_grad]

    def f(*g):
        it = iter(g)
        return fn(tg, *[next(it) if (hasattr(x, "requires_grad") and x.requires_grad) else x for x in xs])
    assert tg.autograd.gradcheck(f, tuple(grads))
    assert tg.autograd.gradgradcheck(f, tuple(grads))
