"""torch.nn.functional's poolings: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, with torch's
signatures; the maths is tinygrad_edu/ops/pool.py's, the argument rules nn/_conv_args.py's.

The 2-D forms take (N, C, H, W) or unbatched (C, H, W) input (a batch of one). The 1-D forms pool
(N, C, L) as (N, C, 1, L) with a (1, k) window (torch does the same internally); only their argument
checks are 1-D, so that the common mistakes raise torch's own 1-D messages.
"""
from tinygrad_edu.ops import pool

from ._conv_args import adaptive1d_size, adaptive2d_size, avg_pool1d_args, max_pool1d_args, pool2d_args


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool2d: out[n, c, y, x] = max_{i,j} xp[n, c, y*s + i*d, x*s + j*d] (xp padded
    with -inf); (out, indices) if return_indices, indices flat positions h * W + w in each input plane."""
    ksize, stride, pads, dilation = pool2d_args("max_pool2d", input, kernel_size, stride, padding, dilation,
                                                ceil_mode)
    if input.ndim == 3:
        out = pool.MaxPool2DWithIndices.apply(input.unsqueeze(0), ksize, stride, pads, dilation, return_indices)
        return tuple(o.squeeze(0) for o in out) if return_indices else out.squeeze(0)
    return pool.MaxPool2DWithIndices.apply(input, ksize, stride, pads, dilation, return_indices)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """torch.nn.functional.avg_pool2d: the mean of each window, the divisor counting the zero padding
    (count_include_pad) or not, or divisor_override."""
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    ksize, stride, pads, _ = pool2d_args("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if input.ndim == 3:
        return pool.avg_pool2d(input.unsqueeze(0), ksize, stride, pads, count_include_pad,
                               divisor_override).squeeze(0)
    return pool.avg_pool2d(input, ksize, stride, pads, count_include_pad, divisor_override)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool1d on (N, C, L) or (C, L): out[n, c, t] = max_j xp[n, c, t*s + j*d]. The
    indices (return_indices) are positions in L: the 2-D flat index row * L + col with row 0."""
    k, s, p, d = max_pool1d_args(input, kernel_size, stride, padding, dilation, ceil_mode)
    out = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    return tuple(o.squeeze(-2) for o in out) if return_indices else out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """torch.nn.functional.avg_pool1d: out[n, c, t] = mean of xp[n, c, t*s : t*s + k] (how the padding
    counts as in avg_pool2d)."""
    k, s, p = avg_pool1d_args(input, kernel_size, stride, padding)
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad).squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d on (N, C, H, W) or (C, H, W) to (..., oh, ow): output_size is
    an int, or a pair whose None entries keep that dim's size. Output pixel (i, j) is the mean of rows
    [floor(i*H/oh), ceil((i+1)*H/oh)) and columns [floor(j*W/ow), ceil((j+1)*W/ow))."""
    oh, ow = adaptive2d_size(input, output_size)
    return pool.adaptive_avg_pool2d(input, oh, ow)


def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d on (N, C, L) or (C, L): adaptive_avg_pool2d of (..., 1, L)
    to (1, output_size)."""
    size = adaptive1d_size(input, output_size)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)
