"""torch.Size, and the two size helpers every shape-taking function shares."""
import numpy as np


class Size(tuple):
    """torch.Size: a tuple of ints that prints as `Size([2, 3])`."""

    def __repr__(self):
        return f"tinygrad_edu.Size({list(self)})"

    def numel(self):
        return int(np.prod(self, dtype=np.int64))


def wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def parse_size(args):
    """Sizes given as varargs ints or as one sequence, as torch's creation functions take them."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    out = []
    for a in args:
        if hasattr(a, "item") and not isinstance(a, (int, np.integer)):  # a one-element Tensor
            a = a.item()
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"size must be a tuple of ints, but got an element of type {type(a).__name__}")
        if a < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {a}: {list(args)}")
        out.append(int(a))
    return tuple(out)
