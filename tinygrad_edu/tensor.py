"""The Tensor, as a data structure: a numpy array plus what autograd needs to know about it.

- `_data`: the numpy array (shared, never copied when wrapping). `x.data` is torch's `.data`, a
  detached Tensor sharing it.
- `grad`: the accumulated gradient (a Tensor) of a leaf, or of a tensor that `retain_grad()`s.
- `grad_fn`: the graph node (an `autograd.Function`) that produced the tensor, None for leaves;
  `_output_nr`: which output of that node it is.
- `_version`: a one-element list shared with the tensor's views, bumped by every in-place change,
  so backward can tell when a tensor it saved was modified.
- `_requires_grad`, `_hooks` (the hooks of a leaf; a non-leaf's live on its node), `_view` (for a
  view: its base, how to redo it, and when; see ops/view_scatter.py and autograd/views.py).

This file imports nothing from ops/ or autograd/: the operations (x + y, x.relu(), x.backward(),
x.add_(...)) are attached to the class in tensor_methods.py, each a call into ops/.
"""
import numpy as np

from . import dtypes as _dt
from ._format import format_tensor
from ._numpy_interop import array_ufunc as _array_ufunc
from .device import check_device, device
from .size import Size, parse_size as _size, wrap_dim as _wrap_dim  # noqa: F401  (ops import _wrap_dim here)


_CPU = device("cpu")


class Tensor:
    __slots__ = ("_data", "grad", "_requires_grad", "grad_fn", "_output_nr", "_version", "_hooks",
                 "_view", "__weakref__")

    def __init__(self, *args, requires_grad=False):
        """Legacy torch.Tensor(...): from data (always the default float dtype) or from sizes."""
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            src = args[0]
            data = np.array(src._data if isinstance(src, Tensor) else src,
                            dtype=_dt.get_default_dtype().numpy_dtype)
        else:
            data = np.empty(_size(args), dtype=_dt.get_default_dtype().numpy_dtype)
        self._data, self.grad, self.grad_fn, self._output_nr = data, None, None, 0
        self._version, self._hooks, self._requires_grad, self._view = [0], None, False, None
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, data, requires_grad=False):
        """Wrap an ndarray: no copy, no checks (the hot path of every op)."""
        t = object.__new__(cls)
        t._data = data
        t.grad = None
        t._requires_grad = requires_grad
        t.grad_fn = None
        t._output_nr = 0
        t._version = [0]
        t._hooks = None
        t._view = None
        return t

    # ---- torch's .data: the same values, outside the graph -------------------------------------
    @property
    def data(self):
        """A Tensor sharing this tensor's array, detached (no grad_fn, requires_grad=False), with a
        version counter of its own: in-place changes made through it are invisible to autograd."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, new):
        """`x.data = t` makes x hold t's array (any shape or dtype), keeping x's place in the graph."""
        if not isinstance(new, Tensor):
            kind = type(new)
            name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
            raise TypeError(f"Variable data has to be a tensor, but got {name}")
        if self._requires_grad and new._data.dtype.kind != "f":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = new._data

    # ---- autograd attributes -----------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if self.grad_fn is not None and not flag:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                               "use a computed variable in a subgraph that doesn't require differentiation "
                               "use var_no_grad = var.detach().")
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got {self.dtype}")
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        """Keep the gradient of a non-leaf tensor in `.grad` after backward."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        import weakref
        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        node = self.grad_fn
        return node is not None and bool(node._retained) and self._output_nr in node._retained

    def register_hook(self, hook):
        """hook(grad) -> new grad or None, run when this tensor's gradient has been computed."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._tensor_hooks is None:
                node._tensor_hooks = {}
            hooks = node._tensor_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def detach(self):
        """A tensor sharing data (and the version counter) with this one, outside the graph."""
        t = Tensor._wrap(self._data)
        t._version = self._version
        return t

    def detach_(self):
        if self.grad_fn is not None:
            self.grad_fn, self._output_nr = None, 0
        self._requires_grad = False
        return self

    # ---- introspection -----------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dt._BY_NUMPY[self._data.dtype]

    device = property(lambda self: _CPU)

    is_cuda = False

    ndim = property(lambda self: self._data.ndim)

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy meeting a Tensor, as in torch (see _numpy_interop.py)."""
        return _array_ufunc(Tensor, ufunc, method, inputs, kwargs)

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {list(self._data.shape)})")
        return bool(self._data.item())

    def __format__(self, spec):
        """As torch: a 0-d plain Tensor formats as its Python number (f"{t}" is 0.5, f"{t:.3f}"
        0.500); anything else formats as its repr and takes no format spec."""
        if self._data.ndim == 0 and type(self) is Tensor:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string passed to {type(self).__name__}.__format__")
        return repr(self)

    def __repr__(self):
        return format_tensor(self)

    __hash__ = object.__hash__

    def __reduce__(self):
        raise TypeError("tinygrad_edu tensors are not pickled; use tinygrad_edu.save / tinygrad_edu.load")

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment")
        t = type(self)._wrap(self._data.copy(), self._requires_grad)
        if self.grad is not None:
            t.grad = Tensor._wrap(self.grad._data.copy())
        memo[id(self)] = t
        return t

    # ---- device (dtype conversions are in tensor_methods.py: they are ops) ---------------------
    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        check_device("cuda" if device is None else device, copy=True, fname="cuda")  # raises: CPU only


class _RemovableHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
