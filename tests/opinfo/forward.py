"""Forward-mode checks on the registry: each sample run inside a dual level, every float leaf made a
dual tensor with a random tangent (the same numbers for both libraries), and the output tangents
compared with torch's forward AD and with a float64 central difference along the tangents, written
here (so the check does not rely on torch alone: torch has no forward rule for a few ops)."""
import numpy as np
import torch

import tinygrad_edu as tg

from .compare import assert_close_arrays, dtype_name, ours_array, tensors_of, torch_array
from .core import build, run

FW_TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-9, 1e-11)}


def tangents_for(sample, seed=99):
    """One random tangent per float leaf of the sample (numpy arrays, in the leaf's built shape:
    views applied)."""
    rng, leaves = np.random.RandomState(seed), []
    build((tuple(sample.args), dict(sample.kwargs)), tg, leaves)
    return [rng.standard_normal(tuple(x.shape)).astype(ours_array(x).dtype) for x in leaves]


def _duals(lib, sample, tangents, requires_grad=False):
    """The sample's float leaves as dual tensors of `lib` (built as the registry builds them)."""
    fw = lib.autograd.forward_ad
    leaves = []
    build((tuple(sample.args), dict(sample.kwargs)), lib, leaves)  # the leaves, views applied
    return [fw.make_dual(x.detach().requires_grad_(requires_grad), lib.from_numpy(t.copy()))
            for x, t in zip(leaves, tangents)]


def forward_tangents(lib, op, sample, tangents):
    """The sample's float outputs and their tangents ([None] where an output has none)."""
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        duals = _duals(lib, sample, tangents)
        out, _ = run(op, sample, lib, supply=iter(duals))
        outs = [o for o in tensors_of(out) if o.dtype.is_floating_point]
        found = [fw.unpack_dual(o).tangent for o in outs]
        return ([ours_array(o) if lib is tg else torch_array(o) for o in outs],
                [None if t is None else (ours_array(t) if lib is tg else torch_array(t)) for t in found])


def torch_tangents(op, sample, tangents):
    """torch's output tangents, or None where torch has no forward rule for the op."""
    try:
        return forward_tangents(torch, op, sample, tangents)[1]
    except (RuntimeError, NotImplementedError, IndexError) as e:
        # torch has no forward rule (or its rule fails: logcumsumexp of an empty dim raises IndexError)
        if isinstance(e, IndexError) or "forward AD" in str(e) or "forward mode" in str(e) \
                or "not implemented" in str(e).lower():
            return None
        raise


def central_difference(op, sample, tangents, eps=1e-6):
    """(f(x + eps t) - f(x - eps t)) / 2 eps for every float output, in float64."""
    def at(sign):
        leaves = []
        build((tuple(sample.args), dict(sample.kwargs)), tg, leaves)
        xs = [tg.from_numpy(np.asarray(ours_array(x) + sign * eps * t)) for x, t in zip(leaves, tangents)]
        with tg.no_grad():
            out, _ = run(op, sample, tg, supply=iter(xs))
        return [ours_array(o).astype(np.float64) for o in tensors_of(out) if o.dtype.is_floating_point]
    return [(p - m) / (2 * eps) for p, m in zip(at(1), at(-1))]


def assert_tangents(ours, theirs, outs_dtype, what):
    assert len(ours) == len(theirs), f"{len(ours)} float outputs, {what} {len(theirs)}"
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if t is None:
            assert o is None or not np.any(o), f"output {i}: a tangent where {what} has none"
            continue
        assert o is not None, f"output {i}: no tangent ({what} has one)"
        assert o.shape == t.shape, f"output {i}: tangent shape {o.shape} vs {what} {t.shape}"
        assert_close_arrays(o, t, outs_dtype[i], f"tangent of output {i} vs {what}")


def assert_dual_to_torch_vjp(op, sample, tangents, ours, seed=7):
    """<u, J t> (our tangents) equals <J^T u, t> (torch's reverse mode) for a random u: an oracle
    independent of torch's forward rules and of finite differences."""
    out, leaves = run(op, sample, torch)
    outs = [o for o in tensors_of(out) if o.dtype.is_floating_point]
    rng = np.random.RandomState(seed)
    us = [rng.standard_normal(tuple(o.shape)) for o in outs]
    lhs = sum(float((u * o).sum()) for u, o in zip(us, ours) if o is not None)
    pairs = [(o, torch.from_numpy(u).to(o.dtype)) for o, u in zip(outs, us) if o.requires_grad]
    grads = torch.autograd.grad([p[0] for p in pairs], leaves, [p[1] for p in pairs], allow_unused=True)
    rhs = sum(float((torch_array(g) * t).sum()) for g, t in zip(grads, tangents) if g is not None)
    assert abs(lhs - rhs) <= 1e-6 + 1e-6 * abs(rhs), f"<u, J t> = {lhs!r} (ours) vs <J^T u, t> = {rhs!r} (torch)"
