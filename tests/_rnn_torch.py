"""Shared by the recurrent-layer tests: a torch module and ours with the same weights (copied through
numpy), and comparisons of outputs and gradients with real torch."""
import numpy as np
import torch

import tinygrad_edu as tg

DTYPES = {"float32": (torch.float32, tg.float32, 1e-5), "float64": (torch.float64, tg.float64, 1e-12)}


def twin(cls_name, *args, dtype="float64", **kwargs):
    """(torch module, our module) of class `cls_name` with torch's random weights copied into ours."""
    import tinygrad_edu.nn as tnn
    tdt, odt, _ = DTYPES[dtype]
    tm = getattr(torch.nn, cls_name)(*args, **kwargs, dtype=tdt)
    om = getattr(tnn, cls_name)(*args, **kwargs, dtype=odt)
    om.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, om


def pair(array, requires_grad=True):
    """The same values as a torch tensor and one of ours."""
    return torch.tensor(array, requires_grad=requires_grad), tg.tensor(array, requires_grad=requires_grad)


def flat(result):
    """A module's result as a flat list of tensors (PackedSequence -> its data; state tuples unpacked)."""
    out = []
    for item in result if isinstance(result, tuple) and not hasattr(result, "batch_sizes") else (result,):
        if hasattr(item, "batch_sizes"):
            out.append(item.data)
        elif isinstance(item, tuple):
            out.extend(item)
        else:
            out.append(item)
    return out


def assert_same(ours, theirs, tol):
    assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol * 10, atol=tol)


def backward_both(t_outs, o_outs, seed=0):
    """Backpropagate the same random weighting of every output through both libraries."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(tuple(t.shape)) for t in t_outs]
    sum(torch.sum(t * torch.tensor(w, dtype=t.dtype)) for t, w in zip(t_outs, weights)).backward()
    sum(tg.sum(o * tg.tensor(w, dtype=o.dtype)) for o, w in zip(o_outs, weights)).backward()


def assert_grads_same(t_tensors, o_tensors, tol):
    for t, o in zip(t_tensors, o_tensors):
        if t.grad is None:
            assert o.grad is None
            continue
        assert o.grad is not None
        assert_same(o.grad, t.grad, tol * 10)
