"""2-D convolution (torch.convolution, which F.conv1d and F.conv2d call) as one Function, computed
with an im2col view. Argument parsing (int-or-pair sizes, 'same'/'valid') is nn/_conv_args.py's.

For x (N, C, H, W), weight (O, C/G, kh, kw), stride s, dilation d, padding p and G groups:

    out[n, o, y, x] = b[o] + sum_{c in group(o), i, j} W[o, c, i, j] * xp[n, c, y*s_h + i*d_h, x*s_w + j*d_w]

with xp the zero-padded input. Output size per dim: (H + p_before + p_after - d*(k-1) - 1) // s + 1.

im2col: a strided *view* of xp with shape (N, C, Ho, Wo, kh, kw) holds, for every output pixel, the
window it reads (numpy's sliding_window_view: no copy). The convolution is then one tensordot per group,
contracting (c, i, j). With g = dL/dout:

    dW = g contracted with the same columns over (n, y, x)
    dX = the column gradient g . W scattered back into the windows it was read from (col2im)
    db = sum of g over (n, y, x)

That is `backward_arrays` (numpy, a plain backward pass). `backward` computes the same gradients as
convolutions of Tensors, so that create_graph=True records them and gradients of any order exist:
dX is the transposed convolution (g with s-1 zeros between its rows/cols, padded, convolved with the
flipped kernel), dW convolves x with g used as the kernel.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.function import Function
from .pad import ConstantPadNd


def im2col(xd, ksize, stride, pads, dilation, fill=0):
    """The view (N, C, Ho, Wo, kh, kw) of xd padded with `fill` by pads = (top, bottom, left, right):
    [n, c, y, x] is the window output pixel (y, x) reads."""
    pt, pb, pl, pr = pads
    if pt or pb or pl or pr:
        xd = np.pad(xd, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    span = tuple(d * (k - 1) + 1 for d, k in zip(dilation, ksize))  # extent of a dilated kernel
    view = sliding_window_view(xd, span, axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1], ::dilation[0], ::dilation[1]]


def _group_slices(in_channels, out_channels, groups):
    """(input channel slice, output channel slice) of each group."""
    ci, co = in_channels // groups, out_channels // groups
    return [(slice(g * ci, (g + 1) * ci), slice(g * co, (g + 1) * co)) for g in range(groups)]


class Convolution(Function):
    """ConvolutionBackward0. out = b + W (*) x per group (the module docstring's formula); `pads` is
    (top, bottom, left, right) so that 'same' can pad unevenly.
    dW = g (*) im2col(x) over (n, y, x);  dX = col2im(g . W), the transposed convolution;  db = sum g."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, pads, dilation, groups):
        xd, w = x._data, weight._data
        cols = im2col(xd, w.shape[2:], stride, pads, dilation)
        n, _, ho, wo = cols.shape[:4]
        out = np.empty((n, w.shape[0], ho, wo), dtype=np.result_type(xd, w))
        for ci, co in _group_slices(xd.shape[1], w.shape[0], groups):
            # (N, Cg, Ho, Wo, kh, kw) x (Og, Cg, kh, kw) -> (N, Ho, Wo, Og)
            out[:, co] = np.tensordot(cols[:, ci], w[co], axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
        if bias is not None:
            out += bias._data[:, None, None]
        needs = ctx.needs_input_grad
        ctx.conf = (stride, pads, dilation, groups)
        ctx.shapes = (xd.shape, w.shape)
        ctx.save_for_backward(x if needs[1] else None, weight if needs[0] else None)
        return out

    @staticmethod
    def backward(ctx, g):
        """The gradients as convolutions of Tensors (recorded when create_graph=True)."""
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = _input_grad(g, w, ctx.shapes, ctx.conf) if needs[0] else None
        gw = _weight_grad(g, x, ctx.shapes, ctx.conf) if needs[1] else None
        gb = g.sum((0, 2, 3)) if needs[2] else None
        return gx, gw, gb, None, None, None, None

    @staticmethod
    def backward_arrays(ctx, g):
        """dW from the im2col columns and dX by col2im, in numpy (a plain backward pass)."""
        x, w = ctx.saved_arrays
        needs = ctx.needs_input_grad
        (x_shape, w_shape), (stride, pads, dilation, groups) = ctx.shapes, ctx.conf
        slices = _group_slices(x_shape[1], w_shape[0], groups)
        gx = gw = None
        if needs[1]:
            cols = im2col(x, w_shape[2:], stride, pads, dilation)
            gw = np.empty(w_shape, dtype=g.dtype)
            for ci, co in slices:  # (N, Og, Ho, Wo) x (N, Cg, Ho, Wo, kh, kw) -> (Og, Cg, kh, kw)
                gw[co] = np.tensordot(g[:, co], cols[:, ci], axes=([0, 2, 3], [0, 2, 3]))
        if needs[0]:
            n, c = x_shape[:2]
            dcols = np.empty((n, c) + g.shape[2:] + w_shape[2:], dtype=g.dtype)
            for ci, co in slices:  # (N, Og, Ho, Wo) x (Og, Cg, kh, kw) -> (N, Ho, Wo, Cg, kh, kw)
                dcols[:, ci] = np.tensordot(g[:, co], w[co], axes=([1], [0])).transpose(0, 3, 1, 2, 4, 5)
            gx = _col2im(dcols, x_shape, stride, pads, dilation)
        gb = g.sum((0, 2, 3)) if needs[2] else None
        return gx, gw, gb, None, None, None, None


def _col2im(dcols, x_shape, stride, pads, dilation):
    """The adjoint of im2col: the window gradients (N, C, Ho, Wo, kh, kw) added back where each window
    read the padded input, then the padding cropped off."""
    n, c, h, wd = x_shape
    ho, wo, kh, kw = dcols.shape[2:]
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, pads, dilation
    dxp = np.zeros((n, c, h + pt + pb, wd + pl + pr), dtype=dcols.dtype)
    for i in range(kh):  # kernel offset (i, j) read xp at rows i*dh + y*sh, cols j*dw + x*sw
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            dxp[:, :, rows, j * dw:j * dw + sw * (wo - 1) + 1:sw] += dcols[..., i, j]
    return dxp[:, :, pt:pt + h, pl:pl + wd]


def _input_grad(g, w, shapes, conf):
    """dX as a transposed convolution of the Tensor g with the Tensor weight w."""
    stride, (pt, pb, pl, pr), dilation, groups = conf
    (sh, sw), (dh, dw) = stride, dilation
    (n, _, h, wd), (o, cg, kh, kw) = shapes
    ho, wo = g.shape[2:]
    # put s-1 zeros after every row/col of g (a pad of a singleton dim) ...
    gd = ConstantPadNd.apply(g.reshape(n, o, ho, 1, wo, 1), ((0, 0),) * 3 + ((0, sh - 1), (0, 0), (0, sw - 1)), 0)
    gd = gd.reshape(n, o, ho * sh, wo * sw)
    # ... pad by d*(k-1) - p before and to H rows after (negative amounts crop) ...
    gd = ConstantPadNd.apply(gd, ((0, 0), (0, 0), (dh * (kh - 1) - pt, h + pt - ho * sh),
                                  (dw * (kw - 1) - pl, wd + pl - wo * sw)), 0)
    # ... and correlate with the flipped kernel, in and out channels swapped within each group
    wt = w.reshape(groups, o // groups, cg, kh, kw).permute(0, 2, 1, 3, 4).reshape(groups * cg, o // groups, kh, kw)
    return Convolution.apply(gd, wt.flip((2, 3)), None, (1, 1), (0, 0, 0, 0), dilation, groups)


def _weight_grad(g, x, shapes, conf):
    """dW[o, c, i, j] = sum_{n,y,x} g[n, o, y, x] xp[n, c, y*s + i*d, ...]: a convolution of the Tensor x
    with the batch as channels and g as the kernel (stride and dilation trade places); one "sample"
    per input channel of a group."""
    stride, pads, dilation, groups = conf
    (n, _, h, wd), (_, cg, kh, kw) = shapes
    xt = x.reshape(n, groups, cg, h, wd).permute(2, 1, 0, 3, 4).reshape(cg, groups * n, h, wd)
    r = Convolution.apply(xt, g.permute(1, 0, 2, 3), None, dilation, pads, stride, groups)
    return r[:, :, :kh, :kw].permute(1, 0, 2, 3)  # (Cg, O, kh', kw') -> (O, Cg, kh, kw); kh' >= kh
