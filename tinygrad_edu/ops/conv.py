"""2-D convolution (torch.convolution, which F.conv1d and F.conv2d call) as one Function, computed
by im2col and matrix products. Argument parsing (int-or-pair sizes, 'same'/'valid') is nn/_conv_args.py's.

For x (N, C, H, W), weight (O, C/G, kh, kw), stride s, dilation d, padding p and G groups:

    out[n, o, y, x] = b[o] + sum_{c in group(o), i, j} W[o, c, i, j] * xp[n, c, y*s_h + i*d_h, x*s_w + j*d_w]

with xp the zero-padded input. Output size per dim: (H + p_before + p_after - d*(k-1) - 1) // s + 1.

im2col ("image to columns") turns the convolution into one matrix product. Kernel offset (i, j)
reads, for all output pixels at once, the strided slice xp[:, :, i*d_h::s_h, j*d_w::s_w] (Ho rows,
Wo columns of it). Copying these kh*kw slices side by side gives the matrix

    cols[(n, y, x), (i, j, c)] = xp[n, c, y*s_h + i*d_h, x*s_w + j*d_w]      (N*Ho*Wo rows, kh*kw*C columns)

(kh*kw slice copies, no loop over pixels; the input is made channels-last first, so that a copy moves
runs of C neighbouring numbers). With the weight as the (O, kh*kw*C) matrix Wm (same column order):

    out = cols @ Wm^T + b                    (one product per group: a group's columns are a block)

With g = dL/dout as the (N*Ho*Wo, O) matrix gm, the gradients are matrix products too:

    dW = gm^T @ cols,    dcols = gm @ Wm,    db = sum of the rows of gm

and dX is col2im ("columns back to image"), the adjoint of im2col: entry (n, y, x), (i, j, c) of dcols
is the gradient of the input pixel it was copied from, so the column block of offset (i, j) is added
back onto the slice of xp that offset read (kh*kw slice additions; windows overlap, so a pixel
collects several), and the padding is cropped off. The blocks are computed one offset at a time,
gm @ (Wm's block of offset (i, j)), which keeps each addition's source contiguous.

That is `backward_arrays` (numpy, a plain backward pass). `backward` computes the same gradients as
convolutions of Tensors, so that create_graph=True records them and gradients of any order exist:
dX is the transposed convolution (g with s-1 zeros between its rows/cols, padded, convolved with the
flipped kernel), dW convolves x with g used as the kernel.
"""
import math

import numpy as np

from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from .pad import ConstantPadNd


def pad2d(xd, pads, fill=0):
    """xd (A, B, H, W) padded with `fill` by pads = (top, bottom, left, right); xd itself without pads."""
    pt, pb, pl, pr = pads
    if not (pt or pb or pl or pr):
        return xd
    a, b, h, w = xd.shape
    xp = np.full((a, b, h + pt + pb, w + pl + pr), fill, dtype=xd.dtype)
    xp[:, :, pt:pt + h, pl:pl + w] = xd
    return xp


def window_slices(padded_hw, ksize, stride, dilation):
    """(Ho, Wo) and, for each kernel offset (i, j) in row-major order, (i, j, rows, cols): the slices of
    the padded input that offset reads for all output pixels (rows i*d_h, i*d_h + s_h, ..., Ho of them)."""
    (hp, wp), (kh, kw), (sh, sw), (dh, dw) = padded_hw, ksize, stride, dilation
    ho = max((hp - dh * (kh - 1) - 1) // sh + 1, 0)
    wo = max((wp - dw * (kw - 1) - 1) // sw + 1, 0)
    offsets = [(i, j, slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))
               for i in range(kh) for j in range(kw)]
    return (ho, wo), offsets


def im2col(xd, ksize, stride, pads, dilation, groups):
    """The columns (N, Ho, Wo, G, kh, kw, Cg) of xd (N, C, H, W): [n, y, x, g, i, j, c] is the padded input
    pixel that kernel entry (c, i, j) of group g multiplies for output pixel (n, y, x). The input is made
    channels-last first, so that each offset's slice copies runs of C contiguous numbers."""
    n, c, h, w = xd.shape
    pt, pb, pl, pr = pads
    xp = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=xd.dtype)
    xp[:, pt:pt + h, pl:pl + w] = xd.transpose(0, 2, 3, 1)
    (ho, wo), offsets = window_slices(xp.shape[1:3], ksize, stride, dilation)
    cols = np.empty((n, ho, wo, groups) + tuple(ksize) + (c // groups,), dtype=xd.dtype)
    for i, j, rows, cs in offsets:  # one slice copy per kernel offset
        cols[:, :, :, :, i, j] = xp[:, rows, cs].reshape(n, ho, wo, groups, c // groups)
    return cols


def col2im(gm, wm, x_shape, ksize, stride, pads, dilation):
    """dX = col2im(gm @ Wm), the adjoint of im2col, one kernel offset at a time: the columns of offset
    (i, j) get the gradient gm @ Wm[:, :, (i, j)] (G, N*Ho*Wo, Cg) and add it back onto the slice of the
    padded input that offset read (a contiguous block added to a slice); the padding is cropped off.
    Returns (N, C, H, W)."""
    n, c, h, w = x_shape
    groups, _, og = gm.shape
    pt, pb, pl, pr = pads
    dxp = np.zeros((n, h + pt + pb, w + pl + pr, groups, c // groups), dtype=np.result_type(gm, wm))
    (ho, wo), offsets = window_slices(dxp.shape[1:3], ksize, stride, dilation)
    wm = wm.reshape((groups, og) + tuple(ksize) + (c // groups,))
    for i, j, rows, cs in offsets:
        block = np.matmul(gm, wm[:, :, i, j])  # (G, N*Ho*Wo, Cg)
        dxp[:, rows, cs] += block.transpose(1, 0, 2).reshape(n, ho, wo, groups, c // groups)
    # back to (N, C, H, W) memory order: the next backward steps (and torch's x.grad) expect it
    return np.ascontiguousarray(dxp[:, pt:pt + h, pl:pl + w].reshape(n, h, w, c).transpose(0, 3, 1, 2))


def _by_group(a, groups):
    """(N, Ho, Wo, G, ...) as the (G, N*Ho*Wo, rest) stack of per-group matrices (a view)."""
    return a.reshape(math.prod(a.shape[:3]), groups, math.prod(a.shape[4:])).transpose(1, 0, 2)


def _weight_matrix(w, groups):
    """(O, Cg, kh, kw) -> (G, Og, kh*kw*Cg): row o of group g in the columns' (i, j, c) order."""
    o, cg, kh, kw = w.shape
    w = w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 1, 3, 4, 2)
    return w.reshape(groups, o // groups, kh * kw * cg)


class Convolution(Function):
    """ConvolutionBackward0. out = b + W (*) x per group (the module docstring's formula); `pads` is
    (top, bottom, left, right) so that 'same' can pad unevenly.
    out = cols @ Wm^T + b;  dW = gm^T @ cols;  dX = col2im(gm @ Wm), the transposed convolution;  db = sum g."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, pads, dilation, groups):
        xd, w = x._data, weight._data
        cols = im2col(xd, w.shape[2:], stride, pads, dilation, groups)
        n, ho, wo = cols.shape[:3]
        o = w.shape[0]
        # (G, N*Ho*Wo, kh*kw*Cg) @ (G, kh*kw*Cg, Og) -> (G, N*Ho*Wo, Og), i.e. (G, N, Ho, Wo, Og)
        prod = np.matmul(_by_group(cols, groups), _weight_matrix(w, groups).transpose(0, 2, 1))
        prod = prod.reshape(groups, n, ho, wo, o // groups).transpose(1, 0, 4, 2, 3)
        out = np.empty((n, groups, o // groups, ho, wo), dtype=np.result_type(xd, w))
        if bias is not None:
            np.add(prod, bias._data.reshape(groups, o // groups, 1, 1), out=out)
        else:
            out[...] = prod
        needs = ctx.needs_input_grad
        ctx.conf = (stride, pads, dilation, groups)
        ctx.shapes = (xd.shape, w.shape)
        ctx.cols = cols if needs[1] else None  # for backward_arrays' dW
        ctx.save_for_backward(x if needs[1] else None, weight if needs[0] else None)
        return out.reshape(n, o, ho, wo)

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
        """dW = gm^T @ cols and dX = col2im(gm @ Wm), in numpy (a plain backward pass)."""
        _, w = ctx.saved_arrays  # (also checks that x was not modified in place since forward)
        needs = ctx.needs_input_grad
        (x_shape, (o, cg, kh, kw)), (stride, pads, dilation, groups) = ctx.shapes, ctx.conf
        n, _, ho, wo = g.shape
        # g as the per-group matrices gm (G, N*Ho*Wo, Og)
        gm = g.reshape(n, groups, o // groups, ho, wo).transpose(1, 0, 3, 4, 2)
        gm = gm.reshape(groups, n * ho * wo, o // groups)
        gx = gw = None
        if needs[1]:  # (G, Og, N*Ho*Wo) @ (G, N*Ho*Wo, kh*kw*Cg), back to (O, Cg, kh, kw)
            gw = np.matmul(gm.transpose(0, 2, 1), _by_group(ctx.cols, groups))
            gw = gw.reshape(o, kh, kw, cg).transpose(0, 3, 1, 2).copy()
        if needs[0]:
            gx = col2im(gm, _weight_matrix(w, groups), x_shape, (kh, kw), stride, pads, dilation)
        gb = None
        if needs[2]:  # a product with a vector of ones: much faster than numpy's sum over gm's rows
            gb = np.matmul(np.ones(gm.shape[1], dtype=gm.dtype), gm).reshape(o)
        return gx, gw, gb, None, None, None, None

    @staticmethod
    def jvp(ctx, tx, tw, tb, *unused):
        """Bilinear in (x, W), plus b: d out = conv(dx, W) + conv(x, dW) + db (same stride, padding,
        dilation and groups)."""
        x, w, _, stride, pads, dilation, groups = ctx.primals
        return tangent_sum(Convolution.apply(tx, w, None, stride, pads, dilation, groups),
                           None if tw is None else Convolution.apply(x, tw, None, stride, pads, dilation, groups),
                           None if tb is None else tb.reshape(1, -1, 1, 1))


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
