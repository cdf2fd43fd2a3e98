"""CopySlices: what an in-place op on a view does to the history of the tensor it views.

`y = x * 2; v = y[0]; v.mul_(5)` changes y's memory through v, so y's history must change too:
afterwards y = ViewScatter(y_before, v_new) with v_new = v_before * 5, i.e. y_before with the
region that v covers replaced by v_new. The region is found by redoing the view (`make`, the
recipe every view op leaves in Tensor._view through `_view_of` below) on whatever tensor is at
hand, so one op serves indexing, reshape, transpose and their compositions.

    out = base, except out[region] = value
    d out / d base  = the gradient with the region zeroed
    d out / d value = make(gradient), the gradient's region

Torch calls the node CopySlices; the view itself then gets a fresh grad_fn, the view op applied to
the new base (so v's gradient flows through y's new history, as in torch).
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.views import redo_view
from ..tensor import Tensor


def _view_of(out, base, make=None):
    """Make `out` share `base`'s version counter when it shares its memory, and remember how it was
    made from base (make(base) redoes the view) so that an in-place op on out can rewrite base's
    history too (Tensor._view). A view of a view is a view of the first base."""
    if out is not base and out._data.base is not None and np.may_share_memory(out._data, base._data):
        out._version = base._version
        if make is not None:  # (root base, recipe from it, version when out's grad_fn was derived)
            if base._view is not None:
                root, make_base, _ = base._view
                out._view = (root, lambda b: make(make_base(b)), out._version[0])
            else:
                out._view = (base, make, out._version[0])
    return out


def _region(array, make):
    """make() applied to a bare array: the ndarray view it gives (never a copy)."""
    region = make(Tensor._wrap(array))._data
    if not np.shares_memory(region, array):  # every view op's recipe gives a view of a fresh array
        raise RuntimeError("internal error: a view's recipe did not give a view")
    return region


class ViewScatter(Function):
    """CopySlices (torch's node for it; not a ...Backward0 name). out = base with its view region
    (make) replaced by value: d/dbase = the gradient, region zeroed; d/dvalue = the region."""
    graph_inputs = (0, 1)

    @staticmethod
    def forward(ctx, base, value, make):
        ctx.make = make
        out = base._data.copy()
        _region(out, make)[...] = value._data
        return out

    @staticmethod
    def backward(ctx, grad):
        region_grad = ctx.make(grad)
        return ViewScatter.apply(grad, Tensor._wrap(np.zeros(region_grad.shape, grad.dtype.numpy_dtype)),
                                 ctx.make), region_grad, None

    @staticmethod
    def backward_arrays(ctx, grad):
        base_grad = grad.copy()
        _region(base_grad, ctx.make)[...] = 0
        return base_grad, _region(grad, ctx.make).copy(), None

    @staticmethod
    def jvp(ctx, dbase, dvalue, _):
        """Linear in (base, value): d out = dbase with its region replaced by dvalue."""
        return ViewScatter.apply(dbase, dvalue, ctx.make)


def rebase_view(view, result, old_value):
    """After an in-place op on `view` computed `result` out of place: write it into the base's memory
    and make both histories torch's (base: CopySlices over its old value; view: the view op redone
    on the new base). A view of a leaf that requires grad refuses, as in torch."""
    base, make, _ = view._view
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    new_base = ViewScatter.apply(old_value(base), result, make)
    np.copyto(base._data, new_base._data, casting="unsafe")  # the view's memory is part of base's
    base.grad_fn, base._output_nr, base._requires_grad = new_base.grad_fn, new_base._output_nr, True
    redo_view(view)
