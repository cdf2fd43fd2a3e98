"""2-D pooling (torch.max_pool2d_with_indices, avg_pool2d, adaptive_avg_pool2d) on (N, C, H, W), over
the windows of ops/conv.py (one strided slice per kernel offset). Argument parsing (sizes, ceil_mode, the 1-D forms) is nn's.

max pooling is one Function: out = the max of each window (padded with -inf, so padding never wins);
its gradient goes to where that max was, added up where overlapping windows share one.

average pooling is a composition: the sum of each window is a convolution of every channel with a
kernel of ones (so its gradients of every order come from Convolution), divided by the window's size.

adaptive average pooling picks the windows from the sizes: along a dim of length L pooled to `out`,
window i covers [floor(i * L / out), ceil((i + 1) * L / out)). When out divides L these are avg_pool2d's
windows with kernel = stride = L / out; otherwise their sizes vary, and each is a slice averaged with
mean, the results joined with cat. A rectangle's mean is the mean over rows of the means over columns,
so the two dims are pooled one after the other.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .conv import Convolution, pad2d, window_slices
from .index import Index, IndexAdd, getitem
from .shape import cat


class MaxPool2DWithIndices(Function):
    """MaxPool2DWithIndicesBackward0. out = max over each window, indices = the flat position h * W + w
    of that max in its input plane.

    Offset (i, j) of every window at once is one strided slice xp[:, :, i*d_h::s_h, j*d_w::s_w] of the
    input padded with -inf (so that padding never wins). These kh*kw slices are copied into one
    contiguous (kh*kw, N, C, Ho, Wo) array (as im2col does, in ops/conv.py), whose max over axis 0 is
    out. `arg` is the number of the offset holding it, the first in row-major order on ties (as torch's
    kernel: a later entry replaces the best only if strictly larger, or NaN, which propagates).
    dx[n, c, p] = sum of g over the windows whose max is at p: slice k of dx gets g where arg == k
    (added up, since overlapping windows may share a max)."""

    @staticmethod
    def forward(ctx, x, ksize, stride, pads, dilation, return_indices):
        xd = x._data
        fill = -np.inf if xd.dtype.kind == "f" else np.iinfo(xd.dtype).min if xd.dtype.kind in "iu" else 0
        xp = pad2d(xd, pads, fill)
        (ho, wo), offsets = window_slices(xp.shape[2:], ksize, stride, dilation)
        windows = np.empty((len(offsets),) + xd.shape[:2] + (ho, wo), dtype=xd.dtype)
        for k, (_, _, rows, cols) in enumerate(offsets):
            windows[k] = xp[:, :, rows, cols]
        out = windows.max(axis=0) if windows.size else windows[0]
        ctx.arg = _first_max(windows, out)
        ctx.geometry = (xd.shape, ksize, stride, pads, dilation)
        if any(pads) and out.size and (out == fill).any():
            _prefer_inside(ctx.arg, out == fill, ctx.geometry)
        if return_indices:
            index = _plane_index(ctx.arg, ctx.geometry)
            ctx.mark_non_differentiable(index)
            return out, index
        return out

    @staticmethod
    def backward(ctx, g, *unused):  # unused: the indices output has no gradient
        """The scatter-add as IndexAdd, recorded when create_graph=True (its backward gathers)."""
        x_shape = ctx.geometry[0]
        gx = IndexAdd.apply(g.reshape(-1), (int(np.prod(x_shape)),), (_flat_index(ctx),), False)  # into x.ravel()
        return gx.reshape(x_shape), None, None, None, None, None

    @staticmethod
    def backward_arrays(ctx, g, *unused):
        (n, c, h, w), ksize, stride, pads, dilation = ctx.geometry
        pt, pb, pl, pr = pads
        dxp = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=g.dtype)
        _, offsets = window_slices(dxp.shape[2:], ksize, stride, dilation)
        # windows apart (stride >= the dilated kernel's extent): every input pixel is in one at most
        apart = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, ksize))
        for k, (_, _, rows, cols) in enumerate(offsets):
            if apart:
                np.multiply(g, ctx.arg == k, out=dxp[:, :, rows, cols])
            else:
                dxp[:, :, rows, cols] += g * (ctx.arg == k)
        return dxp[:, :, pt:pt + h, pl:pl + w], None, None, None, None, None

    @staticmethod
    def jvp(ctx, tx, *unused):
        """d out = dx gathered at each window's max (the indices output has no tangent)."""
        out = Index.apply(tx.reshape(-1), (_flat_index(ctx),), False).reshape(ctx.arg.shape)
        return (out, None) if ctx.primals[-1] else out


def _flat_index(ctx):
    """The position in x.ravel() of each window's max, flattened in the output's order."""
    n, c, h, w = ctx.geometry[0]
    return (_plane_index(ctx.arg, ctx.geometry) + np.arange(n * c).reshape(n, c, 1, 1) * (h * w)).ravel()


def _first_max(windows, out):
    """The number of the first offset whose entry equals the max: the count of offsets before the first
    hit. A window holding NaN gets its last NaN, as torch's rule ('> or NaN') picks."""
    seen = windows[0] == out
    arg = np.logical_not(seen).astype(np.uint8 if len(windows) <= 256 else np.int64)
    for k in range(1, len(windows) - 1):
        seen |= windows[k] == out
        arg += ~seen
    if windows.dtype.kind == "f" and out.size and np.isnan(out.max()):  # max propagates NaN
        for k in range(len(windows)):
            np.copyto(arg, k, where=np.isnan(windows[k]))
    return arg


def _prefer_inside(arg, at_fill, geometry):
    """A window whose max equals the padding value (-inf, or an integer type's minimum) takes its first
    entry inside the input, not a padding entry: torch starts from the first in-bounds position and
    replaces it only by a larger value. Edits arg in place where at_fill."""
    (_, _, h, w), ksize, stride, pads, dilation = geometry
    ho, wo = arg.shape[2:]
    first = np.zeros((ho, wo), arg.dtype)
    for k in reversed(range(ksize[0] * ksize[1])):  # kh * kw small masks, one per offset
        rows = np.arange(ho) * stride[0] + k // ksize[1] * dilation[0] - pads[0]
        cols = np.arange(wo) * stride[1] + k % ksize[1] * dilation[1] - pads[2]
        inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))
        first[inside] = k
    np.copyto(arg, np.broadcast_to(first, arg.shape), where=at_fill)


def _plane_index(arg, geometry):
    """The flat position row * W + col in its input plane of each window's max (offset number arg)."""
    (_, _, _, w), ksize, stride, pads, dilation = geometry
    arg = arg.astype(np.int64)
    ho, wo = arg.shape[2:]
    rows = np.arange(ho)[:, None] * stride[0] + arg // ksize[1] * dilation[0] - pads[0]
    cols = np.arange(wo) * stride[1] + arg % ksize[1] * dilation[1] - pads[2]
    return rows * w + cols


def avg_pool2d(x, ksize, stride, pads, count_include_pad, divisor_override):
    """The sum of each window (Convolution of every channel with ones) divided by divisor_override, or
    the window's size: counting the zero padding (count_include_pad) or not; a ceil_mode window hanging
    past the padding counts only what lies inside it. pads = (top, bottom, left, right)."""
    n, c, h, w = x.shape
    ones = Tensor._wrap(np.ones((1, 1) + ksize, dtype=x._data.dtype))
    sums = Convolution.apply(x.reshape(n * c, 1, h, w), ones, None, stride, pads, (1, 1), 1)
    ho, wo = sums.shape[2:]
    if divisor_override is not None:
        return (sums / divisor_override).reshape(n, c, ho, wo)
    counts = []
    for size, o, k, s, p in ((h, ho, ksize[0], stride[0], pads[0]), (w, wo, ksize[1], stride[1], pads[2])):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)  # clipped to the padded input
        if not count_include_pad:  # ... and to the input itself
            start, end = np.maximum(start, 0), np.minimum(end, size)
        counts.append(end - start)
    divisor = Tensor._wrap(np.outer(*counts).astype(x._data.dtype))
    return (sums / divisor).reshape(n, c, ho, wo)


def _adaptive_dim(x, axis, size, out):
    """Pool dim `axis` (negative) of length `size` to `out` windows [floor(i*L/out), ceil((i+1)*L/out))."""
    if out == size:  # every window is one element
        return x
    if out > 0 and size % out == 0:  # equal, disjoint windows: one avg_pool2d, kernel = stride = L / out
        k = [1, 1]
        k[axis] = size // out
        return _even_avg_pool(x, tuple(k))
    index = [slice(None)] * x.ndim
    parts = []
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)  # floor and ceil in integers
        index[axis] = slice(start, end)
        parts.append(getitem(x, tuple(index)).mean(dim=axis, keepdim=True))
    if not parts:  # out == 0: an empty dim (torch allows it)
        index[axis] = slice(0, 0)
        return getitem(x, tuple(index))
    return cat(parts, dim=axis)


def _even_avg_pool(x, k):
    """avg_pool2d of (N, C, H, W) or (C, H, W) with kernel = stride = k and no padding."""
    if x.ndim == 3:
        return _even_avg_pool(x.unsqueeze(0), k).squeeze(0)
    return avg_pool2d(x, k, k, (0, 0, 0, 0), True, None)


def adaptive_avg_pool2d(x, oh, ow):
    """x (..., H, W) pooled to (..., oh, ow): output pixel (i, j) is the mean of rows
    [floor(i*H/oh), ceil((i+1)*H/oh)) and columns [floor(j*W/ow), ceil((j+1)*W/ow))."""
    h, w = x.shape[-2:]
    if oh > 0 and ow > 0 and h % oh == 0 and w % ow == 0 and (oh, ow) != (h, w):
        return _even_avg_pool(x, (h // oh, w // ow))  # both dims even: one pooling
    return _adaptive_dim(_adaptive_dim(x, -2, h, oh), -1, w, ow)
