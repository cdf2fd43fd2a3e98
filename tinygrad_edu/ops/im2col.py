"""im2col and col2im: F.unfold (every kernel-sized block of a batch of images, as columns) and F.fold (its
adjoint: columns summed back into images). Each one's backward is the other.

unfold of (N, C, H, W) with kernel (kh, kw), dilation d, padding p, stride s gives (N, C*kh*kw, L):
column l = (i, j), the block's place among the oh x ow block positions (oh = (H + 2p - d(kh-1) - 1) // s
+ 1), holds x_padded[n, c, i*s + a*d, j*s + b*d] at row c*kh*kw + a*kw + b. fold takes such columns and
adds each value back at that place, so overlapping blocks sum. An unbatched (C, H, W) input (or
(C*kh*kw, L) for fold) is one batch of one, as in torch.
"""
import numpy as np

from ..autograd.function import Function


def _blocks(shape, k, d, p, s):
    """Number of block positions along H and W."""
    return tuple((shape[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))


def im2col(x, k, d, p, s):
    """(N, C, H, W) array -> (N, C*kh*kw, L) array (a new, contiguous one)."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1]))) if p[0] or p[1] else x
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    view = np.lib.stride_tricks.sliding_window_view(xp, span, axis=(2, 3))  # (N, C, H', W', span_h, span_w)
    view = view[:, :, ::s[0], ::s[1], ::d[0], ::d[1]]                       # (N, C, oh, ow, kh, kw)
    oh, ow = view.shape[2], view.shape[3]
    return np.ascontiguousarray(view.transpose(0, 1, 4, 5, 2, 3)).reshape(n, c * k[0] * k[1], oh * ow)


def col2im(cols, size, k, d, p, s):
    """(N, C*kh*kw, L) array -> (N, C, H, W) array: each column value added back where im2col took it
    (one vectorised add per kernel position, not per element)."""
    n = cols.shape[0]
    c = cols.shape[1] // (k[0] * k[1])
    oh, ow = _blocks(size, k, d, p, s)
    blocks = cols.reshape(n, c, k[0], k[1], oh, ow)
    out = np.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), cols.dtype)
    for a in range(k[0]):
        for b in range(k[1]):
            rows = slice(a * d[0], a * d[0] + s[0] * (oh - 1) + 1, s[0])
            columns = slice(b * d[1], b * d[1] + s[1] * (ow - 1) + 1, s[1])
            out[:, :, rows, columns] += blocks[:, :, a, b]
    return np.ascontiguousarray(out[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]])


class Im2Col(Function):
    """Im2ColBackward0. F.unfold; the gradient is folded back (col2im) into the input's shape."""

    @staticmethod
    def forward(ctx, x, k, d, p, s):
        a = x._data
        ctx.args, ctx.unbatched = (a.shape[-2:], k, d, p, s), a.ndim == 3
        out = im2col(a[None] if ctx.unbatched else a, k, d, p, s)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        return (Col2Im.apply(grad, *ctx.args),) + (None,) * 4

    @staticmethod
    def backward_arrays(ctx, grad):
        g = col2im(grad[None] if ctx.unbatched else grad, *ctx.args)
        return (g[0] if ctx.unbatched else g,) + (None,) * 4

    @staticmethod
    def jvp(ctx, dx, *_):
        """Linear: d unfold(x) = unfold(dx)."""
        return Im2Col.apply(dx, *ctx.primals[1:])


class Col2Im(Function):
    """Col2ImBackward0. F.fold; the gradient is unfolded (im2col) into the columns' shape."""

    @staticmethod
    def forward(ctx, cols, size, k, d, p, s):
        a = cols._data
        ctx.args, ctx.unbatched = (k, d, p, s), a.ndim == 2
        out = col2im(a[None] if ctx.unbatched else a, size, k, d, p, s)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, grad):
        return (Im2Col.apply(grad, *ctx.args),) + (None,) * 5

    @staticmethod
    def backward_arrays(ctx, grad):
        g = im2col(grad[None] if ctx.unbatched else grad, *ctx.args)
        return (g[0] if ctx.unbatched else g,) + (None,) * 5

    @staticmethod
    def jvp(ctx, dcols, *_):
        """Linear: d fold(cols) = fold(dcols)."""
        return Col2Im.apply(dcols, *ctx.primals[1:])
