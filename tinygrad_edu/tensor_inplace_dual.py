"""Forward-mode AD (autograd/forward_ad.py) through in-place ops: what `x.mul_(3)`, `b.copy_(dual)`,
`x[i] = dual`, `v[1:].copy_(dual)` do to the tangents of the open level, as in torch.

An in-place op is computed out of place (tensor_inplace.py), so the result already carries the
op's tangent (its jvp ran). Written back into t, that tangent becomes t's, cast to t's dtype
(zeros when the result has none but t had one: `x.fill_(1)`, `x.copy_(plain)`). When t is a
view, the tensor it views changes too, so its tangent does: the view's region of the base's
tangent (zeros if it had none) is replaced by the new tangent (CopySlices' rule, ViewScatter.jvp):

    v = zeros(3)[1:];  v.copy_(d)        base tangent [0, dt0, dt1]

Then every view of that base that carries a tangent gets its view of the new tangent again (the
tangent of a view is a view of the base's tangent), so `y = x.view(2, 2); x.mul_(3)` leaves y's
tangent 3 times larger too. Tangents are replaced, never written into: a tangent may be shared by
several tensors (d(x + 1) is dx itself), and writing into it would change theirs.

The base here is the tensor whose tangent the view's was taken from. make_dual's result is a view
of the primal (without tangent): as in torch, it is the base of its own views, the primal keeps
no tangent."""
import numpy as np

from .grad_mode import _state
from .ops.view_scatter import ViewScatter
from .tensor import Tensor


def dual_involved(t, args=()):
    """While a level holds tangents: does an in-place op on t touch one (t's, its base's, an argument's)?"""
    level = _state.dual
    if level is None or not level.tangents:
        return False
    if level.get(t) is not None or (t._view is not None and level.get(t._view[0]) is not None):
        return True
    return any(isinstance(a, Tensor) and level.get(a) is not None for a in args)


def take_tangent(t, out):
    """After an in-place op wrote `out` (None: nothing that carries a tangent) into t: t's tangent,
    and its base's and views' (module docstring)."""
    level = _state.dual
    if t._data.dtype.kind not in "fc":
        return  # an integer tensor has no tangent (torch: `long_tensor.copy_(dual)` has none)
    new = level.get(out) if out is not None else None
    _state.dual = None  # the tangents' own operations carry nothing
    try:
        if new is None:
            new = Tensor._wrap(np.zeros(t._data.shape, t._data.dtype))
        elif new._data.dtype != t._data.dtype:
            new = new.to(t.dtype)
        if t._view is None:
            holder, make = t, None
        else:
            holder, make = _holder(level, t)
        if make is not None:  # t is part of holder: the holder's tangent with t's region replaced
            old = level.get(holder)
            if old is None:
                old = Tensor._wrap(np.zeros(holder._data.shape, holder._data.dtype))
            new = ViewScatter.apply(old, new, make)
        if not new._data.flags.c_contiguous:  # (an expanded tangent: its views must be views of it)
            new = new.contiguous()
        level.set(holder, new)
        _refresh_views(level, holder, t, make)
    finally:
        _state.dual = level


def _holder(level, t):
    """(the tensor whose tangent t's region belongs to, the recipe of t from it): t's base when it
    has a tangent; else a dual made of the base (make_dual's view, the base's shape, with a tangent:
    t itself if it is one, then no recipe); else the base, which gets a tangent."""
    root, make, _ = t._view
    if level.get(root) is not None:
        return root, make
    if level.get(t) is not None and t._data.shape == root._data.shape and _covers(t, root):
        return t, None
    for ref, _ in list(level.tangents.values()):
        other = ref()
        if other is not None and other is not t and other._view is not None and other._view[0] is root \
                and other._data.shape == root._data.shape and _covers(other, root):
            return other, make
    return root, make


def _covers(view, root):
    """view reads the whole of root's memory, in root's order (make_dual's view, x.view(x.shape))."""
    a, b = view._data, root._data
    return a.strides == b.strides and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]


def _refresh_views(level, holder, t, make):
    """Every tensor of the level that views holder's memory takes its view of holder's new tangent;
    t (the one written to) takes make(tangent) even if it had none."""
    root = holder if holder._view is None else holder._view[0]
    tangent = level.get(holder)
    if make is not None and t is not holder:
        level.set(t, make(tangent))
    for ref, _ in list(level.tangents.values()):
        other = ref()
        if other is not None and other is not holder and other is not t and other._view is not None \
                and other._view[0] is root:
            level.set(other, other._view[1](tangent))
