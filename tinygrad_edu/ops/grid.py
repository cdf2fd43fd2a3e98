"""Shape compositions with nothing new to differentiate: meshgrid (each input reshaped, then
expanded: torch's graph is ExpandBackward0 <- ViewBackward0 too) and ravel (contiguous, then
view(-1): ViewBackward0, after a CloneBackward0 when the input was not contiguous, as torch)."""
import warnings

from .. import dtypes as _dt
from ..tensor import Tensor
from .shape import contiguous, expand, reshape, view

_MESHGRID_WARNING = ("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.")


def _grid_inputs(tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of "
                               f"shape {list(t._data.shape)}")
    first = tensors[0]._data.dtype
    if any(t._data.dtype != first for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    return list(tensors)


def meshgrid(*tensors, indexing=None):
    """torch.meshgrid: output i holds input i's values along dim i (indexing='ij'), or with the first
    two dims swapped (indexing='xy', numpy's default); indexing omitted means 'ij' with torch's warning."""
    if indexing is None:
        warnings.warn(_MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    tensors = _grid_inputs(tensors)
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t._data.shape[0] if t._data.ndim else 1 for t in tensors)
    outs = []
    for i, t in enumerate(tensors):
        along = tuple(shape[i] if k == i else 1 for k in range(len(tensors)))
        outs.append(expand(reshape(t, along), shape))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


def ravel(input):
    """torch.ravel: the elements as one contiguous 1-D tensor (a view when input is contiguous)."""
    if not isinstance(input, Tensor):
        raise _dt.not_tensor_error("ravel", input)
    return view(contiguous(input), -1)
