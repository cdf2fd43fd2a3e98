"""`Function`: one differentiable operation, its forward next to its backward (torch.autograd.Function).

This is the public custom-op API, and every op of the project (tinygrad_edu/ops/) is written with
it. Calling `MyOp.apply(*args)`:

1. creates the context object `ctx`, an instance of `MyOp`; if a graph is recorded, `ctx` *is*
   the graph node afterwards (`output.grad_fn`);
2. runs `MyOp.forward(ctx, *args)` with grad mode off. Forward gets the arguments as they were
   passed (Tensors stay Tensors) and returns an ndarray or a Tensor, or a tuple of them;
3. if grad mode is on and some Tensor argument requires grad, records the node: one edge per
   argument (where that argument's gradient goes), and one saved tensor per tensor that forward
   passed to `ctx.save_for_backward` (plain tuples, described below the imports; a view whose base
   changed in place first has its history redone, autograd/views.py);
4. inside a forward_ad.dual_level(), gives the outputs their tangents with `MyOp.jvp` (forward_ad.py).

During backward the engine calls `MyOp.backward(ctx, *grad_outputs)`: one gradient per forward
argument (None where there is none), from Tensors, written with Tensor operations so that it can
itself be differentiated (`create_graph=True`).

A plain `backward()` records nothing, so the engine may run a node's backward on the bare
ndarrays instead (no Tensor or node made at all). A class opts in explicitly, in one of two ways:

- `array_backward = True`: its one `backward` formula uses only what arrays and Tensors share
  (`*`, `@`, `.mT`, `.reshape`, `.sum`, `.shape`, the helpers of autograd/broadcast.py) and reads
  `ctx.saved_values`, which holds arrays in a plain pass and Tensors in a recorded one;
- a second method `backward_arrays(ctx, *grad_arrays)`, written in numpy, reading `ctx.saved_arrays`.

Everything else (a user's Function, by default) always sees Tensors.
"""
import itertools
import traceback

import numpy as np

from ..grad_mode import _state
from ..tensor import Tensor
from . import anomaly
from .forward_ad import DualFunctionAPI, carry, open_levels as _open_levels
from .views import current_grad_fn
from .names import GradFnView

_wrap = Tensor._wrap
_next_seq = itertools.count().__next__
_FREED = ()  # what a node's _saved becomes once backward used it (not None: None means "never saved")
_NOTHING_NEEDED = [(False,) * n for n in range(8)]

# An EDGE is where the gradient of one forward argument goes, a plain tuple read by unpacking:
#     target, output_nr, shape, dtype = edge
# `target` is the argument's grad_fn (and `output_nr` which of its outputs the argument was), or,
# for a leaf, the leaf Tensor itself; `shape` and `dtype` are the argument's, so that the engine
# can sum a broadcast gradient down (autograd/broadcast.py) and cast it back. A node holds one per
# forward argument, None where no gradient is wanted.
#
# A SAVED TENSOR (what forward passed to save_for_backward) is a plain tuple too:
#     tensor, array, version, saved_version, output_nr = saved
# either an input tensor (`tensor`), checked when unpacked against the version counter value it
# had when saved, or this node's own output (`array` and `output_nr`; not the tensor itself, so
# that there is no cycle node -> output -> node), rebuilt into a tensor of this node when
# unpacked. A constant ndarray, a Python number and None are kept as they are.
# Plain tuples because every op makes some: a tuple is the cheapest object Python builds, and a
# `_saved` of constants only is untracked by the garbage collector (graphs of 100,000 nodes).


def _unpack_saved(node, saved, as_tensor):
    """One saved tensor as a Tensor (as_tensor) or as its array, after the version check."""
    tensor, array, version, saved_version, output_nr = saved
    if version[0] != saved_version:
        node._raise_modified(next(i for i, s in enumerate(node._saved) if s is saved), version[0], saved_version)
    if tensor is not None:
        return tensor if as_tensor else tensor._data
    if not as_tensor:
        return array
    t = _wrap(array, True)
    t.grad_fn, t._output_nr, t._version = node, output_nr, version
    return t


class Function(GradFnView, DualFunctionAPI):  # forward mode's part: autograd/forward_ad.py
    # Class-level defaults, so creating a node sets only what differs.
    _to_save = None         # what forward passed to save_for_backward, until the node is recorded
    _edges = None           # one edge (or None: no gradient wanted) per forward argument
    _saved = None           # saved tensors (constants, numbers and None as they are); _FREED after backward
    _outputs_meta = None    # [(shape, np dtype)] per output, for multi-output nodes only
    _n_outputs = 1
    _non_differentiable = ()
    _tensor_hooks = None    # {output_nr: [hook, ...]} registered on non-leaf outputs
    _retained = None        # {output_nr: weakref to the output tensor} for retain_grad()
    _forward_stack = None   # where forward ran, recorded under detect_anomaly()
    needs_input_grad = ()
    array_backward = False  # True: `backward` also runs on bare ndarrays (see the module docstring)
    backward_arrays = None  # or a numpy version of backward for plain passes
    torch_name = None       # set by a forward that picks one of torch's overload names (autograd/names.py)

    def __init__(self, *args, **kwargs):
        pass

    # ---- the two methods a subclass writes -------------------------------------------------
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    # ---- ctx API used inside forward/backward ----------------------------------------------
    def save_for_backward(self, *items):
        """Keep tensors (inputs, or what forward returns) and ndarrays (constants) for backward."""
        self._to_save = items

    def mark_non_differentiable(self, *outputs):
        self._non_differentiable = outputs

    @property
    def saved_tensors(self):
        """What forward saved, as Tensors (a constant ndarray comes back wrapped)."""
        return self._unpack(True)

    @property
    def saved_arrays(self):
        """What forward saved, as ndarrays (for backward_arrays)."""
        return self._unpack(False)

    @property
    def saved_values(self):
        """For array_backward formulas: arrays in a plain pass (grad mode off), Tensors otherwise."""
        return self._unpack(_state.enabled or _open_levels[0] > 0 and _state.dual is not None)  # (tangents)

    def _unpack(self, as_tensors):
        saved = self._saved
        if saved is None:  # never recorded (forward ran without a graph): what forward passed
            return tuple(_wrap(s) if type(s) is np.ndarray else s for s in self._to_save or ())
        if saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                "backward through the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        if as_tensors:
            return tuple([_unpack_saved(self, s, True) if type(s) is tuple else _wrap(s) if type(s) is np.ndarray
                          else s for s in saved])
        arrays = []  # the plain pass's hot path: _unpack_saved(self, s, False), inline
        for s in saved:
            if type(s) is tuple:
                tensor, array, version, saved_version, _ = s
                if version[0] != saved_version:
                    _unpack_saved(self, s, False)  # raises, naming the op
                s = tensor._data if tensor is not None else array
            arrays.append(s)
        return tuple(arrays)

    def _raise_modified(self, index, now, expected):
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: saved tensor {index} of {self.name()} is at version {now}; expected "
            f"version {expected} instead. Hint: the in-place change happened after {self.name()} "
            f"saved it; use an out-of-place operation (x = x + y instead of x += y) or clone() first.")

    # ---- apply: run forward, then record the node ------------------------------------------
    @classmethod
    def apply(cls, *args):
        """Run forward; when grad mode is on and an input requires grad, record the node."""
        ctx = cls.__new__(cls)
        record = False
        if _state.enabled:
            needs = ctx.needs_input_grad = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
            record = True in needs
        else:
            n = len(args)
            ctx.needs_input_grad = _NOTHING_NEEDED[n] if n < 8 else (False,) * n
        if not record:
            out = cls.forward(ctx, *args)
            if type(out) is tuple:
                result = tuple([_wrap(_array_of(o)) for o in out])
            else:
                data = out._data if isinstance(out, Tensor) else out  # _array_of(out), inline: every no_grad op
                result = _wrap(data if type(data) is np.ndarray else np.asarray(data))
            return result if not _open_levels[0] or _state.dual is None else carry(ctx, args, result)
        _state.enabled = False  # forward's own Tensor operations are not part of the graph
        try:
            out = cls.forward(ctx, *args)
        finally:
            _state.enabled = True
        # Record: the outputs become this node's, and it keeps its edges and saved tensors.
        ctx._edges = tuple([((a.grad_fn if a._view is None else current_grad_fn(a)) or a, a._output_nr,
                             a._data.shape, a._data.dtype) if n else None for a, n in zip(args, needs)])
        ctx._seq = _next_seq()  # creation order, after any view's redone node: larger is popped first
        if type(out) is tuple:
            result = tuple([ctx._output(nr, o, multi=True) for nr, o in enumerate(out)])
            ctx._outputs_meta = [(t._data.shape, t._data.dtype) for t in result]
            ctx._n_outputs = len(result)
        else:  # one output, the common case: _output's work, inline
            data = out._data if isinstance(out, Tensor) else out
            result = _wrap(data if type(data) is np.ndarray else np.asarray(data), True)
            result.grad_fn = ctx
        if ctx._to_save is not None:
            ctx._saved = _save(ctx._to_save, out, result)
            ctx._to_save = None
        if anomaly._enabled:
            ctx._forward_stack = traceback.format_stack()[:-1]
        return result if not _open_levels[0] or _state.dual is None else carry(ctx, args, result)  # forward mode

    def _output(self, nr, o, multi=False):
        """Output number nr as a tensor of this node (of a multi-output node, only if it is
        floating point and was not marked non-differentiable)."""
        data = o._data if isinstance(o, Tensor) else o
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        if multi and (data.dtype.kind != "f" or any(o is nd for nd in self._non_differentiable)):
            return _wrap(data)
        t = _wrap(data, True)
        t.grad_fn, t._output_nr = self, nr
        return t


def _array_of(o):
    data = o._data if isinstance(o, Tensor) else o
    return data if type(data) is np.ndarray else np.asarray(data)


def _save(items, out, result):
    """What forward passed to save_for_backward, as it is kept: saved-tensor tuples (see the top of
    this file), constant ndarrays, Python numbers and None as they are. `out` is what forward
    returned, `result` the output tensor(s)."""
    multi = type(out) is tuple
    saved = []
    for item in items:
        if item is not None and type(item) is not float and type(item) is not int:
            nr = _output_number(item, out, result) if multi else \
                (0 if item is out or item is result or item is result._data else None)
            if nr is not None:  # the node's own output (numpy may have made it a scalar)
                t = result[nr] if multi else result
                item = (None, t._data, t._version, 0, nr)
            elif isinstance(item, Tensor):
                item = (item, None, item._version, item._version[0], None)
            elif isinstance(item, (np.ndarray, np.generic)):
                item = np.asarray(item)
            elif not isinstance(item, (int, float)):
                raise TypeError(f"save_for_backward can only save tensors, arrays, numbers or None, but got "
                                f"an argument of type {type(item).__name__}")
        saved.append(item)
    return tuple(saved)


def _output_number(item, outs, results):
    """Which output of a multi-output node `item` is (what forward returned, its tensor or its
    array), or None."""
    return next((nr for nr, (o, t) in enumerate(zip(outs, results)) if item is o or item is t or item is t._data),
                None)
