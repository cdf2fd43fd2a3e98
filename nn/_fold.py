"""torch.nn.functional.unfold and fold (im2col / col2im), with torch's signatures and argument checks;
the maths is tinygrad_edu/ops/im2col.py's."""
import numpy as np

from tinygrad_edu.ops.im2col import Col2Im, Im2Col, _blocks


def _pair(fname, name, pos, value):
    """An int or a pair of ints (torch's message for anything else)."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    for i, v in enumerate(items):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be tuple of ints, but found "
                            f"element of type {type(v).__name__} at pos {i}")
    if len(items) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(items)}")
    return tuple(int(v) for v in items)


def _args(fname, kernel_size, dilation, padding, stride):
    k, d = _pair(fname, "kernel_size", 2, kernel_size), _pair(fname, "dilation", 3, dilation)
    p, s = _pair(fname, "padding", 4, padding), _pair(fname, "stride", 5, stride)
    for what, (a, b), ok in (("kernel size", k, k[0] > 0 and k[1] > 0), ("stride", s, s[0] > 0 and s[1] > 0),
                             ("dilation", d, d[0] > 0 and d[1] > 0)):
        if not ok:
            key = what.replace(" ", "_").replace("_size", "")
            raise RuntimeError(f"{what} should be greater than zero, but got {key}_height: {a} {key}_width: {b}")
    if p[0] < 0 or p[1] < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    return k, d, p, s


def _check_blocks(size, k, d, p, s):
    blocks = _blocks(size, k, d, p, s)
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(size)}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as {blocks}, but its "
                           f"components must be at least one.")
    return blocks


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold: (N, C, H, W) -> (N, C*kh*kw, L), every kernel-sized block as a column
    (unbatched (C, H, W) -> (C*kh*kw, L))."""
    k, d, p, s = _args("im2col", kernel_size, dilation, padding, stride)
    shape = input.shape
    if input.ndim not in (3, 4) or any(n == 0 for n in shape[-3:]):
        if input.ndim < 3:
            input.size(2)  # torch's IndexError for the missing dim
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(shape)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"im2col_out_cpu" not implemented for \'{input.dtype.scalar_name}\'')
    _check_blocks(shape[-2:], k, d, p, s)
    return Im2Col.apply(input, k, d, p, s)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold: (N, C*kh*kw, L) -> (N, C, H, W) with (H, W) = output_size, the columns
    added back where unfold takes them (overlaps sum); unbatched (C*kh*kw, L) -> (C, H, W)."""
    size = _pair("col2im", "output_size", 2, output_size)
    k, d, p, s = _args("col2im", kernel_size, dilation, padding, stride)
    shape = input.shape
    if input.ndim not in (2, 3) or any(n == 0 for n in shape[-2:]):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(shape)}")
    if shape[-2] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={shape[-2]} and kernel_size={k}.")
    oh, ow = _check_blocks(size, k, d, p, s)
    if shape[-1] != oh * ow:
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{oh} * {ow} = {oh * ow}, but got input.size(2)={shape[-1]}.")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"col2im_out_cpu" not implemented for \'{input.dtype.scalar_name}\'')
    return Col2Im.apply(input, size, k, d, p, s)
