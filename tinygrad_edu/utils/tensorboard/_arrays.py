"""Values to numpy arrays, and images to one (H, W, C) array: what the summaries are built from.

``make_np`` accepts what torch's writer accepts (a Tensor, also one that requires grad, a numpy
array, a Python or numpy number) and refuses the rest as torch does (a list: NotImplementedError).
``to_hwc`` puts an image given in any ``dataformats`` into height x width x channels, tiling a batch
(N, C, H, W) into one grid of at most 8 columns, as torch's writer does.
"""
import numpy as np

from ...tensor import Tensor


def make_np(x):
    """x as a numpy array, without a copy where it already is one (a number becomes shape (1,))."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Tensor):
        return x._data  # detached by construction: the array holds no graph
    if np.isscalar(x):
        return np.array([x])
    raise NotImplementedError(f"Got {type(x)}, but numpy array or tinygrad_edu Tensor are expected.")


def to_hwc(array, dataformats):
    """array, laid out as `dataformats` says (e.g. "CHW", "NCHW", "HWC", "HW"), as (H, W, C) with
    C = 3 (grey images repeated into RGB) or 4 (RGBA, as given)."""
    if len(set(dataformats)) != len(dataformats):
        raise AssertionError(f"You can not use the same dimension shorthand twice. input_format: {dataformats}")
    if array.ndim != len(dataformats):
        raise AssertionError(f"size of input tensor and input format are different. tensor shape: "
                             f"{array.shape}, input_format: {dataformats}")
    dataformats = dataformats.upper()
    if len(dataformats) == 4:
        nchw = array.transpose([dataformats.find(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if len(dataformats) == 3:
        hwc = array.transpose([dataformats.find(c) for c in "HWC"])
        return np.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc
    if len(dataformats) == 2:
        hw = array.transpose([dataformats.find(c) for c in "HW"])
        return np.stack([hw] * 3, axis=2)
    raise AssertionError(f"dataformats must have 2, 3 or 4 letters (e.g. HW, CHW, NCHW), got {dataformats!r}")


def make_grid(images, ncols=8):
    """A batch (N, 1 or 3, H, W) tiled row by row into one (3, rows * H, cols * W) image, with
    cols = min(N, ncols) and the unused cells of the last row black."""
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError(f"Input should be a 4D numpy array with 3 channels, got shape {images.shape}")
    n, c, h, w = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    cells = np.zeros((nrows * ncols, c, h, w), dtype=images.dtype)
    cells[:n] = images
    # (rows, cols, C, H, W) -> (C, rows, H, cols, W): one transpose instead of a loop over cells
    return cells.reshape(nrows, ncols, c, h, w).transpose(2, 0, 3, 1, 4).reshape(c, nrows * h, ncols * w)
