"""Tensor.new_tensor, new_zeros, new_ones, new_full, new_empty: torch's factory methods that make a
tensor "like" an existing one. They take self's dtype (and device) unless dtype= (device=) says
otherwise, never self's shape, values or graph: the result is a new leaf (requires_grad=False
unless asked). The work is done by the creation functions (creation.py); tensor_methods.py
attaches these to Tensor."""
import warnings

from . import creation
from .tensor import Tensor

_COPY_WARNING = ("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                 "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).")


def _size_args(fname, sizes, size):
    """new_zeros(2, 3), new_zeros((2, 3)) and new_zeros(size=(2, 3)) are the same; no size at all is torch's
    TypeError."""
    if size is not None:
        if sizes:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        return size
    if not sizes:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "size"')
    return sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes


def _maker(fname, creator):
    def new(self, *sizes, size=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        shape = _size_args(fname, sizes, size)
        return creator(shape, dtype=self.dtype if dtype is None else dtype, device=device,
                       requires_grad=requires_grad)
    new.__name__ = new.__qualname__ = fname
    new.__doc__ = f"Tensor.{fname}(*size, dtype=None, device=None, requires_grad=False): {creator.__name__} " \
                  f"with self's dtype unless dtype= is given."
    return new


new_zeros = _maker("new_zeros", creation.zeros)
new_ones = _maker("new_ones", creation.ones)
new_empty = _maker("new_empty", creation.empty)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """Tensor.new_full(size, fill_value): full(size, fill_value) with self's dtype unless dtype= is given."""
    if not isinstance(size, (tuple, list)) and not hasattr(size, "__len__"):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    return creation.full(tuple(size), fill_value, dtype=self.dtype if dtype is None else dtype, device=device,
                         requires_grad=requires_grad)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """Tensor.new_tensor(data): tensor(data) with self's dtype unless dtype= is given; always a copy (of a
    Tensor too, with torch's warning that detach().clone() says it better)."""
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING, UserWarning, stacklevel=2)
        data = data.detach()._data.copy()
    return creation.tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                           requires_grad=requires_grad)


METHODS = {"new_zeros": new_zeros, "new_ones": new_ones, "new_empty": new_empty, "new_full": new_full,
           "new_tensor": new_tensor}
