"""1-D convolution and pooling, and adaptive average pooling, built on the 2-D ops of nn/_conv_ops.py.

A 1-D signal (N, C, L) is a 2-D image (N, C, 1, L) of height one: a kernel of size k becomes (1, k),
stride s becomes (1, s), padding p becomes (0, p) and dilation d becomes (1, d). So

    conv1d(x, W)[n, o, t] = conv2d(x.unsqueeze(2), W.unsqueeze(2))[n, o, 0, t]

and likewise for max_pool1d / avg_pool1d (torch does the same internally). The unsqueeze and squeeze are
Tensor ops, so gradients (of every order) flow through the one Conv2d / MaxPool2d Function. Only the
argument checks are 1-D here, so that the common mistakes raise torch's own 1-D messages.

Adaptive average pooling (torch.nn.functional.adaptive_avg_pool2d) picks the windows from the sizes: along
a dim of length L pooled to `out`, window i covers [floor(i * L / out), ceil((i + 1) * L / out)). When out
divides L these are the windows of avg_pool2d with kernel = stride = L / out; otherwise their sizes vary,
and each one is a slice averaged with Tensor.mean, the results joined with cat. A rectangle's mean is the
mean over rows of the means over columns, so the two dims are pooled one after the other.
"""
from tinygrad_edu.ops.shape import cat
from ._conv_ops import avg_pool2d, check_groups_and_bias, conv2d, max_pool2d


def _single(value, message):
    """An int, or a 1-sequence as its int (torch's _single). For a sequence of another length,
    RuntimeError(message(the sequence as a tuple)): each function has its own wording in torch."""
    if isinstance(value, int):
        return value
    value = tuple(value)
    if len(value) != 1:
        raise RuntimeError(message(value))
    return value[0]


def _one(value, name):
    """conv1d's int-or-1-sequence arguments."""
    return _single(value, lambda v: f"expected {name} to be a single integer value or a list of 1 values to "
                                    f"match the convolution dimensions, but got {name}={list(v)}")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d: input (N, C, L) or unbatched (C, L), weight (O, C/groups, k):

        out[n, o, t] = b[o] + sum_{c in group(o), j} W[o, c, j] * xp[n, c, t*s + j*d]

    computed as conv2d on (N, C, 1, L) with a (O, C/groups, 1, k) kernel."""
    xs, ws = tuple(input.shape), tuple(weight.shape)
    if len(ws) < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if len(xs) not in (2, 3) and len(ws) == 3:
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(xs)}")
    if len(ws) != 3:
        raise RuntimeError(f"Expected {len(ws)}-dimensional input for {len(ws)}-dimensional weight {list(ws)}, "
                           f"but got {len(xs)}-dimensional input of size {list(xs)} instead")
    if len(xs) == 2:  # unbatched: a batch of one
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    stride, dilation = _one(stride, "stride"), _one(dilation, "dilation")
    pad = padding if isinstance(padding, str) else _one(padding, "padding")
    # the checks whose messages show shapes: the 2-D op would show the unsqueezed ones
    check_groups_and_bias(xs, ws, groups, bias)
    if isinstance(pad, int) and pad >= 0 and isinstance(dilation, int) and dilation > 0:
        padded, span = xs[2] + 2 * pad, dilation * (ws[2] - 1) + 1
        if padded < span:
            raise RuntimeError(f"Calculated padded input size per channel: ({padded}). Kernel size: ({span}). "
                               f"Kernel size can't be greater than actual input size")
    # height 1, kernel height 1: no padding along it ('same' pads it by 1 * (1 - 1) = 0 anyway)
    pad2 = pad if isinstance(pad, str) else (0, pad)
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, stride), pad2, (1, dilation), groups)
    return out.squeeze(2)


# ---- 1-D pooling -------------------------------------------------------------------------------------------
def _max_pool1d_args(input, kernel_size, stride, padding, dilation, ceil_mode):
    """torch's max_pool1d checks (its own, stricter than the 2-D ones: the padding bound ignores dilation)."""
    def one(v, what, extra=""):
        return _single(v, lambda t: f"max_pool1d() {what} must be {extra}an int, list of ints, or tuple of ints "
                                    f"of size 1 but got size {len(t)}")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(input.shape)}")
    if not isinstance(kernel_size, int) and len(tuple(kernel_size)) != 1:
        raise RuntimeError(f"max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but "
                           f"got size {len(tuple(kernel_size))}")
    k = one(kernel_size, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else one(stride, "stride", "None, ")
    p, d = one(padding, "padding"), one(dilation, "dilation")
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    length, span = input.shape[-1], d * (k - 1) + 1
    out = (length + 2 * p - span + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= length + p:  # as in _conv_ops._pool_args
        out -= 1
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    return k, s, p, d


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool1d on (N, C, L) or (C, L): out[n, c, t] = max_j xp[n, c, t*s + j*d], as
    max_pool2d with a (1, k) window on (N, C, 1, L). The indices (return_indices) are positions in L: the
    2-D flat index row * L + col with row 0."""
    k, s, p, d = _max_pool1d_args(input, kernel_size, stride, padding, dilation, ceil_mode)
    out = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    return tuple(o.squeeze(-2) for o in out) if return_indices else out.squeeze(-2)


def _avg_one(value, name):
    """avg_pool1d's int-or-1-sequence arguments."""
    return _single(value, lambda v: f"avg_pool1d() argument '{name}' should contain one int (got {len(v)})")


def _check_1d_input(input, name):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {name})")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """torch.nn.functional.avg_pool1d: out[n, c, t] = mean of xp[n, c, t*s : t*s + k] (how the padding
    counts as in avg_pool2d), computed as avg_pool2d with a (1, k) window on (N, C, 1, L)."""
    _check_1d_input(input, "avg_pool1d")
    k = _avg_one(kernel_size, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _avg_one(stride, "stride")
    p = _avg_one(padding, "padding")
    # the remaining checks (and their messages) are avg_pool2d's, exactly as in torch
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad).squeeze(-2)


# ---- adaptive average pooling --------------------------------------------------------------------------------
def _adaptive_dim(x, axis, size, out):
    """Pool dim `axis` (negative) of length `size` to `out` windows [floor(i*L/out), ceil((i+1)*L/out))."""
    if out == size:  # every window is one element
        return x
    if out > 0 and size % out == 0:  # equal, disjoint windows: one avg_pool2d, kernel = stride = L / out
        k = [1, 1]
        k[axis] = size // out
        return avg_pool2d(x, tuple(k), tuple(k))
    index = [slice(None)] * x.ndim
    parts = []
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)  # floor and ceil in integers
        index[axis] = slice(start, end)
        parts.append(x[tuple(index)].mean(dim=axis, keepdim=True))
    if not parts:  # out == 0: an empty dim (torch allows it)
        index[axis] = slice(0, 0)
        return x[tuple(index)]
    return cat(parts, dim=axis)


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d on (N, C, H, W) or (C, H, W) to (..., oh, ow): output_size is
    an int, or a pair whose None entries keep that dim's size. Output pixel (i, j) is the mean of rows
    [floor(i*H/oh), ceil((i+1)*H/oh)) and columns [floor(j*W/ow), ceil((j+1)*W/ow))."""
    sizes = (output_size, output_size) if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(sizes) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    shape = tuple(input.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(shape)}")
    for dim in range(1, len(shape)):
        if shape[dim] == 0:
            raise RuntimeError(f"adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(shape)} with dimension {dim} being empty")
    oh, ow = (shape[-2 + i] if o is None else o for i, o in enumerate(sizes))
    if oh < 0 or ow < 0:
        raise RuntimeError(f"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{oh}, {ow}}}")
    h, w = shape[-2:]
    if oh > 0 and ow > 0 and h % oh == 0 and w % ow == 0 and (oh, ow) != (h, w):
        return avg_pool2d(input, (h // oh, w // ow), (h // oh, w // ow))  # both dims even: one pooling
    return _adaptive_dim(_adaptive_dim(input, -2, h, oh), -1, w, ow)


def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d on (N, C, L) or (C, L): adaptive_avg_pool2d of (..., 1, L)
    to (1, output_size)."""
    _check_1d_input(input, "adaptive_avg_pool1d")
    if not isinstance(output_size, int):
        output_size = tuple(output_size)
        if len(output_size) != 1:
            raise RuntimeError(f"adaptive_avg_pool1d() argument 'output_size' should contain one int "
                               f"(got {len(output_size)})")
        output_size = output_size[0]
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, output_size)).squeeze(-2)

