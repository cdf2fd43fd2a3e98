"""2-D convolution (torch.nn.functional.conv2d) as one Function, computed with an im2col view.

For x (N, C, H, W), weight (O, C/G, kh, kw), stride s, dilation d, padding p and G groups:

    out[n, o, y, x] = b[o] + sum_{c in group(o), i, j} W[o, c, i, j] * xp[n, c, y*s_h + i*d_h, x*s_w + j*d_w]

with xp the zero-padded input. Output size per dim: (H + p_before + p_after - d*(k-1) - 1) // s + 1.

im2col: a strided *view* of xp with shape (N, C, Ho, Wo, kh, kw) holds, for every output pixel, the
window it reads (numpy's sliding_window_view: no copy). The convolution is then one tensordot per group,
contracting (c, i, j). Backward, with g = dL/dout:

    dW = g contracted with the same columns over (n, y, x)
    dX = the column gradient g . W scattered back into the windows it was read from (col2im)
    db = sum of g over (n, y, x)

When the backward pass is itself recorded (create_graph=True), dX and dW are written as convolutions
again (dX is the transposed convolution: g with zeros between its rows/cols, padded, convolved with the
flipped kernel; dW convolves x with g used as the kernel), so gradients of any order exist.

The 2-D poolings live here too: max_pool2d takes the argmax of the same im2col windows (padded with
-inf), avg_pool2d is a convolution of each channel with a kernel of ones, divided by the window size.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_edu.autograd import Function
from tinygrad_edu.tensor import Tensor



def _windows(xd, ksize, stride, pads, dilation, fill=0):
    """The im2col view (N, C, Ho, Wo, kh, kw) of xd padded with `fill` by pads = (top, bottom, left, right)."""
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


class Conv2d(Function):
    """torch.conv2d as one node; `pads` is (top, bottom, left, right) so 'same' can pad unevenly."""
    torch_name = "ConvolutionBackward0"
    array_backward = True  # backward runs on ndarrays in a plain pass; on Tensors it is built of Conv2d again

    @staticmethod
    def forward(ctx, x, weight, bias, stride, pads, dilation, groups):
        xd, w = x._data, weight._data
        cols = _windows(xd, w.shape[2:], stride, pads, dilation)
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
        x, weight = ctx.saved_values
        needs = ctx.needs_input_grad
        x_shape, w_shape = ctx.shapes
        grads = _array_grads if isinstance(g, np.ndarray) else _tensor_grads
        gx, gw = grads(g, x, weight, x_shape, w_shape, ctx.conf, needs)
        gb = g.sum((0, 2, 3)) if needs[2] else None
        return gx, gw, gb, None, None, None, None


def _array_grads(g, x, w, x_shape, w_shape, conf, needs):
    """dX by col2im and dW from the im2col columns, in numpy (a plain backward pass)."""
    stride, pads, dilation, groups = conf
    slices = _group_slices(x_shape[1], w_shape[0], groups)
    gx = gw = None
    if needs[1]:
        cols = _windows(x, w_shape[2:], stride, pads, dilation)
        gw = np.empty(w_shape, dtype=g.dtype)
        for ci, co in slices:  # (N, Og, Ho, Wo) x (N, Cg, Ho, Wo, kh, kw) -> (Og, Cg, kh, kw)
            gw[co] = np.tensordot(g[:, co], cols[:, ci], axes=([0, 2, 3], [0, 2, 3]))
    if needs[0]:
        n, c, h, wd = x_shape
        kh, kw = w_shape[2:]
        ho, wo = g.shape[2:]
        dcols = np.empty((n, c, ho, wo, kh, kw), dtype=g.dtype)
        for ci, co in slices:  # (N, Og, Ho, Wo) x (Og, Cg, kh, kw) -> (N, Ho, Wo, Cg, kh, kw)
            dcols[:, ci] = np.tensordot(g[:, co], w[co], axes=([1], [0])).transpose(0, 3, 1, 2, 4, 5)
        (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, pads, dilation
        dxp = np.zeros((n, c, h + pt + pb, wd + pl + pr), dtype=g.dtype)
        for i in range(kh):  # col2im: kernel offset (i, j) read xp at rows i*dh + y*sh, cols j*dw + x*sw
            for j in range(kw):
                rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
                dxp[:, :, rows, j * dw:j * dw + sw * (wo - 1) + 1:sw] += dcols[..., i, j]
        gx = dxp[:, :, pt:pt + h, pl:pl + wd]
    return gx, gw


def _tensor_grads(g, x, w, x_shape, w_shape, conf, needs):
    """The same gradients as convolutions of Tensors, so that create_graph=True records them."""
    from .functional import Pad  # functional imports this module: import on use
    stride, (pt, pb, pl, pr), dilation, groups = conf
    (sh, sw), (dh, dw) = stride, dilation
    n, c, h, wd = x_shape
    o, cg, kh, kw = w_shape
    ho, wo = g.shape[2:]
    gx = gw = None
    if needs[0]:
        # transposed convolution: put s-1 zeros after every row/col of g (a pad of a singleton dim) ...
        gd = Pad.apply(g.reshape(n, o, ho, 1, wo, 1), ((0, 0),) * 3 + ((0, sh - 1), (0, 0), (0, sw - 1)), 0)
        gd = gd.reshape(n, o, ho * sh, wo * sw)
        # ... pad by d*(k-1) - p before and to H rows after (negative amounts crop) ...
        gd = Pad.apply(gd, ((0, 0), (0, 0), (dh * (kh - 1) - pt, h + pt - ho * sh),
                            (dw * (kw - 1) - pl, wd + pl - wo * sw)), 0)
        # ... and correlate with the flipped kernel, in and out channels swapped within each group
        wt = w.reshape(groups, o // groups, cg, kh, kw).permute(0, 2, 1, 3, 4).reshape(groups * cg, o // groups, kh, kw)
        gx = Conv2d.apply(gd, wt.flip((2, 3)), None, (1, 1), (0, 0, 0, 0), dilation, groups)
    if needs[1]:
        # dW[o, c, i, j] = sum_n,y,x g[n, o, y, x] xp[n, c, y*s + i*d, ...]: a convolution with the batch as
        # channels (stride and dilation trade places); one "sample" per input channel of a group
        xt = x.reshape(n, groups, cg, h, wd).permute(2, 1, 0, 3, 4).reshape(cg, groups * n, h, wd)
        r = Conv2d.apply(xt, g.permute(1, 0, 2, 3), None, dilation, (pt, pb, pl, pr), stride, groups)
        gw = r[:, :, :kh, :kw].permute(1, 0, 2, 3)  # (Cg, O, kh', kw') -> (O, Cg, kh, kw); kh' >= kh
    return gx, gw


# ---- the functional form: torch's argument rules and error messages ---------------------------------------
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
        if ws[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                               f"but got weight of size [{list(ws)}] instead")
        if xs[1] != ws[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {list(ws)}, expected input{list(xs)} to have "
                               f"{ws[1] * groups} channels, but got {xs[1]} channels instead")
    if bias is not None and tuple(bias.shape) != (ws[0],):
        raise RuntimeError(f"Given weight of size {list(ws)}, expected bias to be 1-dimensional with {ws[0]} "
                           f"elements, but got bias of size {list(bias.shape)} instead")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d: input (N, C, H, W) or unbatched (C, H, W), weight (O, C/groups, kh, kw)."""
    xs, ws = tuple(input.shape), tuple(weight.shape)
    if len(xs) not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                           f"{list(xs)}")
    if len(ws) != 4:
        raise RuntimeError(f"expected stride to be a single integer value or a list of {len(ws) - 2} values to "
                           f"match the convolution dimensions, but got stride={list(_expand(stride, 'stride'))}")
    if len(xs) == 3:  # unbatched: a batch of one
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    stride, dilation = _expand(stride, "stride"), _expand(dilation, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_pads(ws[2:], dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        ph, pw = _expand(padding, "padding")
        pads = (ph, ph, pw, pw)
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
    return Conv2d.apply(input, weight, bias, stride, pads, dilation, groups)


# ---- pooling ---------------------------------------------------------------------------------------------
def _pool_args(name, input, kernel_size, stride, padding, dilation, ceil_mode):
    """torch's checks and output size for a 2-D pooling: returns kernel, stride, pads (top, bottom, left,
    right: ceil_mode pads more after, so that the last, partial window exists), dilation."""
    def pair(v, what):
        v = (v, v) if isinstance(v, int) else tuple(v)
        if len(v) not in (1, 2):
            raise RuntimeError(f"{name}: {what} must either be a single int, or a tuple of two ints")
        return v * 2 if len(v) == 1 else v
    ksize = pair(kernel_size, "kernel_size")
    stride = ksize if stride is None or (not isinstance(stride, int) and len(stride) == 0) else pair(stride, "stride")
    padding = pair(padding, "padding")
    dilation = pair(dilation, "dilation")
    if input.ndim not in (3, 4) or input._data.size == 0:
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
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
    size = input.shape[-2:]
    out, pads = [], []
    for n, k, s, p, d in zip(size, ksize, stride, padding, dilation):
        span = d * (k - 1) + 1
        o = (n + 2 * p - span + ((s - 1) if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:  # the last window must start inside the input or left padding
            o -= 1
        out.append(o)
        pads += [p, max(p, (o - 1) * s + span - n - p)]
    if min(out) < 1:
        shape = "x".join(map(str, input.shape[-3:]))
        c = input.shape[-3]
        raise RuntimeError(f"Given input size: ({shape}). Calculated output size: ({c}x{out[0]}x{out[1]}). "
                           f"Output size is too small")
    return ksize, stride, tuple(pads), dilation


class MaxPool2d(Function):
    """out = the max of each window; its gradient goes to where that max was (the first one on ties, as
    np.argmax and torch pick). Also returns the flat index h * W + w of each max in its input plane."""
    torch_name = "MaxPool2DWithIndicesBackward0"
    array_backward = True

    @staticmethod
    def forward(ctx, x, ksize, stride, pads, dilation, return_indices):
        xd = x._data
        n, c, h, w = xd.shape
        cols = _windows(xd, ksize, stride, pads, dilation, fill=-np.inf)  # padding never wins a max
        ho, wo = cols.shape[2:4]
        cols = cols.reshape(n, c, ho, wo, -1)
        arg = cols.argmax(-1)
        out = np.take_along_axis(cols, arg[..., None], -1)[..., 0]
        # window position (arg // kw, arg % kw) -> input row and column
        rows = np.arange(ho)[:, None] * stride[0] + arg // ksize[1] * dilation[0] - pads[0]
        cols_ = np.arange(wo) * stride[1] + arg % ksize[1] * dilation[1] - pads[2]
        index = rows * w + cols_
        ctx.x_shape = xd.shape
        ctx.flat = (index + np.arange(n * c).reshape(n, c, 1, 1) * (h * w)).ravel()  # into x.ravel()
        if return_indices:
            ctx.mark_non_differentiable(index)
            return out, index
        return out

    @staticmethod
    def backward(ctx, g, *unused):  # unused: the indices output has no gradient
        size = int(np.prod(ctx.x_shape))
        if isinstance(g, np.ndarray):  # scatter-add: overlapping windows may share a max
            gx = np.zeros(size, dtype=g.dtype)
            np.add.at(gx, ctx.flat, g.ravel())
            return gx.reshape(ctx.x_shape), None, None, None, None, None
        from tinygrad_edu.ops.index import IndexAdd  # the same scatter, recorded (its backward gathers)
        gx = IndexAdd.apply(g.reshape(-1), (size,), (ctx.flat,), False)
        return gx.reshape(ctx.x_shape), None, None, None, None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool2d on (N, C, H, W) or (C, H, W); (out, indices) if return_indices."""
    ksize, stride, pads, dilation = _pool_args("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    if input.ndim == 3:
        out = MaxPool2d.apply(input.unsqueeze(0), ksize, stride, pads, dilation, return_indices)
        return tuple(o.squeeze(0) for o in out) if return_indices else out.squeeze(0)
    return MaxPool2d.apply(input, ksize, stride, pads, dilation, return_indices)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """torch.nn.functional.avg_pool2d: the sum of each window (a convolution of every channel with a kernel
    of ones, so the gradient and higher ones come from Conv2d) divided by
    divisor_override, or the window's size: counting the zero padding (count_include_pad) or not; a
    ceil_mode window hanging past the padding counts only what lies inside it."""
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    ksize, stride, pads, _ = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if input.ndim == 3:
        return avg_pool2d(input.unsqueeze(0), kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override).squeeze(0)
    n, c, h, w = input.shape
    ones = Tensor._wrap(np.ones((1, 1) + ksize, dtype=input._data.dtype))
    sums = Conv2d.apply(input.reshape(n * c, 1, h, w), ones, None, stride, pads, (1, 1), 1)
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
    divisor = Tensor._wrap(np.outer(*counts).astype(input._data.dtype))
    return (sums / divisor).reshape(n, c, ho, wo)
