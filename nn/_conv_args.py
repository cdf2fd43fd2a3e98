"""Argument parsing for convolution and pooling, as torch's: int-or-tuple sizes, 'same'/'valid',
ceil_mode, the 1-D forms' stricter rules, adaptive output sizes, with torch's error messages.

Each parser takes the public function's arguments and returns what the ops (tinygrad_edu/ops/conv.py,
pool.py) compute with: pairs of ints, and pads as (top, bottom, left, right).
"""


def _expand(value, name):
    """An int or a pair as a pair of ints (torch's _pair), with torch's error for other lengths."""
    if isinstance(value, int):
        return (value, value)
    value = tuple(value)
    if len(value) == 1:
        return value * 2
    if len(value) != 2:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of 2 values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return value


def _single(value, message):
    """An int, or a 1-sequence as its int (torch's _single). For a sequence of another length,
    RuntimeError(message(the sequence as a tuple)): each function has its own wording in torch."""
    if isinstance(value, int):
        return value
    value = tuple(value)
    if len(value) != 1:
        raise RuntimeError(message(value))
    return value[0]


def _default_stride(stride):
    """A pooling's stride=None (or an empty sequence) means stride = kernel_size."""
    return stride is None or (not isinstance(stride, int) and len(stride) == 0)


# ---- convolution -----------------------------------------------------------------------------------------
def _same_pads(ksize, dilation):
    """'same': total padding d*(k-1) per dim, the odd one out after (as torch)."""
    pads = []
    for k, d in zip(ksize, dilation):
        total = d * (k - 1)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


def check_groups_and_bias(xs, ws, groups, bias):
    """torch's errors for a weight (O, C/G, ...) that does not split into groups, an input whose
    channel count is not C, and a bias that is not (O,); the shapes as the caller was given them.
    Groups that are not a positive int are reported by conv2d's own check."""
    if isinstance(groups, int) and groups > 0:
        if ws[0] < groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
                               f"but got weight of size {list(ws)} instead")
        if ws[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                               f"but got weight of size [{list(ws)}] instead")
        if xs[1] != ws[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {list(ws)}, expected input{list(xs)} to have "
                               f"{ws[1] * groups} channels, but got {xs[1]} channels instead")
    if bias is not None and tuple(bias.shape) != (ws[0],):
        raise RuntimeError(f"Given weight of size {list(ws)}, expected bias to be 1-dimensional with {ws[0]} "
                           f"elements, but got bias of size {list(bias.shape)} instead")


def _conv2d_pads(padding, stride, ksize, dilation):
    if not isinstance(padding, str):
        ph, pw = _expand(padding, "padding")
        return (ph, ph, pw, pw)
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        return _same_pads(ksize, dilation)
    raise RuntimeError(f"Invalid padding string: '{padding}'")


def conv2d_args(input, weight, bias, stride, padding, dilation, groups):
    """conv2d's checks on a 4-D input; returns stride, pads (top, bottom, left, right), dilation."""
    xs, ws = tuple(input.shape), tuple(weight.shape)
    stride, dilation = _expand(stride, "stride"), _expand(dilation, "dilation")
    pads = _conv2d_pads(padding, stride, ws[2:], dilation)
    if min(pads) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    check_groups_and_bias(xs, ws, groups, bias)
    padded = (xs[2] + pads[0] + pads[1], xs[3] + pads[2] + pads[3])
    span = tuple(d * (k - 1) + 1 for d, k in zip(dilation, ws[2:]))
    if padded[0] < span[0] or padded[1] < span[1]:
        raise RuntimeError(f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
                           f"({span[0]} x {span[1]}). Kernel size can't be greater than actual input size")
    xt, wt = input.dtype.scalar_name, weight.dtype.scalar_name
    if xt != wt:
        raise RuntimeError(f"expected scalar type {xt} but found {wt}")
    if bias is not None and bias.dtype.scalar_name != xt:
        raise RuntimeError(f"Input type ({xt.lower()}) and bias type ({bias.dtype.scalar_name.lower()}) "
                           f"should be the same")
    return stride, pads, dilation


def check_conv2d_dims(xs, ws, stride):
    if len(xs) not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                           f"{list(xs)}")
    if len(ws) != 4:
        raise RuntimeError(f"expected stride to be a single integer value or a list of {len(ws) - 2} values to "
                           f"match the convolution dimensions, but got stride={list(_expand(stride, 'stride'))}")


def _one(value, name):
    """conv1d's int-or-1-sequence arguments."""
    return _single(value, lambda v: f"expected {name} to be a single integer value or a list of 1 values to "
                                    f"match the convolution dimensions, but got {name}={list(v)}")


def check_conv1d_dims(xs, ws):
    if len(ws) < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if len(xs) not in (2, 3) and len(ws) == 3:
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(xs)}")
    if len(ws) != 3:
        raise RuntimeError(f"Expected {len(ws)}-dimensional input for {len(ws)}-dimensional weight {list(ws)}, "
                           f"but got {len(xs)}-dimensional input of size {list(xs)} instead")


def conv1d_args(xs, ws, bias, stride, padding, dilation, groups):
    """conv1d's own checks on a 3-D input (the ones whose messages show shapes: the 2-D op would show the
    unsqueezed ones); returns conv2d's stride, padding, dilation for (N, C, 1, L)."""
    stride, dilation = _one(stride, "stride"), _one(dilation, "dilation")
    pad = padding if isinstance(padding, str) else _one(padding, "padding")
    check_groups_and_bias(xs, ws, groups, bias)
    if isinstance(pad, int) and pad >= 0 and isinstance(dilation, int) and dilation > 0:
        padded, span = xs[2] + 2 * pad, dilation * (ws[2] - 1) + 1
        if padded < span:
            raise RuntimeError(f"Calculated padded input size per channel: ({padded}). Kernel size: ({span}). "
                               f"Kernel size can't be greater than actual input size")
    # height 1, kernel height 1: no padding along it ('same' pads it by 1 * (1 - 1) = 0 anyway)
    return (1, stride), pad if isinstance(pad, str) else (0, pad), (1, dilation)


# ---- pooling ---------------------------------------------------------------------------------------------
def _pool_pair(name, value, what):
    value = (value, value) if isinstance(value, int) else tuple(value)
    if len(value) not in (1, 2):
        raise RuntimeError(f"{name}: {what} must either be a single int, or a tuple of two ints")
    return value * 2 if len(value) == 1 else value


def _check_pool2d(ksize, stride, padding, dilation):
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    if min(ksize) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {ksize[0]} kW: {ksize[1]}")
    if min(stride) < 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[1]}")
    if min(padding) < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    for k, p, d in zip(ksize, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")


def _pooled_size(n, k, s, p, d, ceil_mode):
    """Output length of a pooling along one dim; ceil_mode keeps a last, partial window that starts
    inside the input or its left padding."""
    span = d * (k - 1) + 1
    o = (n + 2 * p - span + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    return o


def pool2d_args(name, input, kernel_size, stride, padding, dilation, ceil_mode):
    """torch's checks and output size for a 2-D pooling: returns kernel, stride, pads (top, bottom, left,
    right: ceil_mode pads more after, so that the last, partial window exists), dilation."""
    ksize = _pool_pair(name, kernel_size, "kernel_size")
    stride = ksize if _default_stride(stride) else _pool_pair(name, stride, "stride")
    padding = _pool_pair(name, padding, "padding")
    dilation = _pool_pair(name, dilation, "dilation")
    shape = input._data.shape
    if name == "avg_pool2d" and len(shape) < 3:  # torch's Python wrapper reads size(-3) first
        n = max(len(shape), 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got -3)")
    if len(shape) not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    if 0 in shape[len(shape) - 3:]:  # only a 4-D input's batch may be empty
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(shape)}")
    _check_pool2d(ksize, stride, padding, dilation)
    out, pads = [], []
    for n, k, s, p, d in zip(input.shape[-2:], ksize, stride, padding, dilation):
        o = _pooled_size(n, k, s, p, d, ceil_mode)
        out.append(o)
        pads += [p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)]
    if min(out) < 1:
        shape = "x".join(map(str, input.shape[-3:]))
        c = input.shape[-3]
        raise RuntimeError(f"Given input size: ({shape}). Calculated output size: ({c}x{out[0]}x{out[1]}). "
                           f"Output size is too small")
    return ksize, stride, tuple(pads), dilation


def max_pool1d_args(input, kernel_size, stride, padding, dilation, ceil_mode):
    """torch's max_pool1d checks (its own, stricter than the 2-D ones: the padding bound ignores dilation);
    returns kernel, stride, padding, dilation as ints."""
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
    s = k if _default_stride(stride) else one(stride, "stride", "None, ")
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
    out = _pooled_size(input.shape[-1], k, s, p, d, ceil_mode)
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    return k, s, p, d


def check_1d_input(input, name):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {name})")


def avg_pool1d_args(input, kernel_size, stride, padding):
    """avg_pool1d's int-or-1-sequence arguments, as ints (the other checks are avg_pool2d's, as in torch)."""
    check_1d_input(input, "avg_pool1d")

    def one(value, name):
        return _single(value, lambda v: f"avg_pool1d() argument '{name}' should contain one int (got {len(v)})")
    k = one(kernel_size, "kernel_size")
    s = k if _default_stride(stride) else one(stride, "stride")
    return k, s, one(padding, "padding")


def adaptive2d_size(input, output_size):
    """adaptive_avg_pool2d's checks; returns (oh, ow), a None entry of output_size keeping that dim."""
    if not isinstance(output_size, int) and output_size is not None and input.ndim <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")  # torch's Python check
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
    return oh, ow


def adaptive1d_size(input, output_size):
    """adaptive_avg_pool1d's checks; returns output_size as an int."""
    check_1d_input(input, "adaptive_avg_pool1d")
    if isinstance(output_size, int):
        return output_size
    output_size = tuple(output_size)
    if len(output_size) != 1:
        raise RuntimeError(f"adaptive_avg_pool1d() argument 'output_size' should contain one int "
                           f"(got {len(output_size)})")
    return output_size[0]
