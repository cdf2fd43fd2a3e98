"""torch.nn.functional.conv1d and conv2d: torch's signatures on top of the one 2-D Convolution op
(tinygrad_edu/ops/conv.py, where the maths is); the argument rules are nn/_conv_args.py's.

A 1-D signal (N, C, L) is a 2-D image (N, C, 1, L) of height one: a kernel of size k becomes (1, k),
stride s becomes (1, s), padding p becomes (0, p) and dilation d becomes (1, d). So

    conv1d(x, W)[n, o, t] = conv2d(x.unsqueeze(2), W.unsqueeze(2))[n, o, 0, t]

(torch does the same internally). The unsqueeze and squeeze are Tensor ops, so gradients of every
order flow through the one Convolution. An unbatched input is a batch of one.
"""
from tinygrad_edu.ops.conv import Convolution

from ._conv_args import check_conv1d_dims, check_conv2d_dims, conv1d_args, conv2d_args


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d: input (N, C, H, W) or unbatched (C, H, W), weight (O, C/groups, kh, kw):

        out[n, o, y, x] = b[o] + sum_{c in group(o), i, j} W[o, c, i, j] * xp[n, c, y*s + i*d, x*s + j*d]"""
    check_conv2d_dims(tuple(input.shape), tuple(weight.shape), stride)
    if input.ndim == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    stride, pads, dilation = conv2d_args(input, weight, bias, stride, padding, dilation, groups)
    return Convolution.apply(input, weight, bias, stride, pads, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d: input (N, C, L) or unbatched (C, L), weight (O, C/groups, k):

        out[n, o, t] = b[o] + sum_{c in group(o), j} W[o, c, j] * xp[n, c, t*s + j*d]

    computed as conv2d on (N, C, 1, L) with a (O, C/groups, 1, k) kernel."""
    xs, ws = tuple(input.shape), tuple(weight.shape)
    check_conv1d_dims(xs, ws)
    if len(xs) == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    stride2, pad2, dilation2 = conv1d_args(xs, ws, bias, stride, padding, dilation, groups)
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, stride2, pad2, dilation2, groups)
    return out.squeeze(2)
