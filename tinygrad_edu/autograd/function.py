"""`Function`: one differentiable operation, its forward next to its backward.

This is the public custom-op API (torch.autograd.Function) and the engine's own ops are written
with it. Calling `MyOp.apply(*args)`:

1. creates the context object `ctx` (an instance of `MyOp`; after the call it *is* the graph node,
   found as `output.grad_fn`),
2. runs `MyOp.forward(ctx, *args)` with grad mode off; forward may compute on `x._data` (the numpy array) with numpy
   and return an ndarray, or use Tensor operations and return a Tensor,
3. if grad mode is on and some Tensor argument requires grad, records an *edge* per argument
   (where that argument's gradient must go) and packs the tensors saved with
   `ctx.save_for_backward`.

During backward the engine calls `MyOp.backward(ctx, *grad_outputs)`, which returns one gradient per
forward argument (None where there is none), written with Tensor operations so that it can itself
be differentiated when `create_graph=True`.

`array_backward = True` on a class says more: its backward uses only what numpy arrays and Tensors
have in common (arithmetic operators, `@`, `.mT`, `.reshape`, `.sum`, `.shape`, and the helpers
of ops/broadcast.py: unbroadcast, expand_to, as_array). A plain backward pass (no create_graph)
has nothing to record, so the engine then runs that same formula directly on the ndarrays:
`ctx.saved_tensors` and the incoming gradients are arrays, and no Tensor or graph node is made.
With create_graph=True the formula gets Tensors and is recorded, as any other. Most of the
engine's own ops set it; a custom Function may too, and by default (False) its backward always
sees Tensors.
"""
import itertools
import traceback

import numpy as np

from ..grad_mode import _state
from ..tensor import Tensor
from . import anomaly

_FREED = object()  # marks saved tensors released after a backward pass
_NO_GRAD_NEEDED = [(False,) * n for n in range(8)]
_wrap = Tensor._wrap
_next_seq = itertools.count().__next__


class Function:
    # Class-level defaults, so creating a node only sets what differs.
    _to_save = None        # what forward passed to save_for_backward, until apply packs it
    _edges = None          # per forward argument: None, or (target, output_nr, shape, np dtype)
    _saved = None          # packed saved tensors (see _pack_saved), or _FREED
    _non_differentiable = ()
    _tensor_hooks = None   # {output_nr: [hook, ...]} registered on non-leaf outputs
    _retained = None       # {output_nr: weakref to the output tensor} for retain_grad()
    _out_meta = None       # [(shape, np dtype)] of the outputs, for multi-output nodes
    _forward_stack = None  # where the forward ran, recorded under detect_anomaly()
    needs_input_grad = ()
    array_backward = False  # True: backward also runs on raw ndarrays (see the module docstring)
    torch_name = None       # the name torch gives this node (grad_fn.name()), where it is not the default

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
        """Keep tensors (or ndarrays) for backward.

        Input tensors are saved with their version, checked when backward reads them. Saving the
        very object forward returns saves the *output*, stored without a reference cycle
        (node -> output -> node) and rebuilt as a tensor of this node on demand, so double backward
        flows through it. Any other ndarray is a constant: no gradient flows through it.
        """
        self._to_save = items

    def mark_non_differentiable(self, *outputs):
        self._non_differentiable = outputs

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:  # nothing was packed: no graph was recorded (forward under no_grad)
            return self._to_save or ()
        if saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                "backward through the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        # a plain pass through an array_backward op: the arrays themselves (see the module docstring)
        arrays = not _state.enabled and type(self).array_backward
        out = []
        for slot in saved:  # the slot kinds are described in _pack_saved
            kind = type(slot)
            if kind is tuple:
                t, version = slot
                if t._version[0] != version:
                    self._raise_modified(len(out), t._version[0], version)
                out.append(t._data if arrays else t)
            elif kind is _SavedOutput:
                if slot.version[0] != 0:
                    self._raise_modified(len(out), slot.version[0], 0)
                if arrays:
                    out.append(slot._data)
                else:
                    t = Tensor._wrap(slot._data, True)  # rebuilt on demand, pointing at this node
                    t.grad_fn, t._output_nr, t._version = self, slot.nr, slot.version
                    out.append(t)
            elif kind is np.ndarray:
                out.append(slot if arrays else Tensor._wrap(slot))
            else:
                out.append(slot)
        return tuple(out)

    def saved_shapes(self):
        """Shapes of what is saved, without unpacking (for tools such as viz); None once freed."""
        if self._saved is _FREED:
            return None
        shapes = []
        for slot in self._saved or ():
            if type(slot) is tuple:
                shapes.append(slot[0]._data.shape)
            elif type(slot) is _SavedOutput:
                shapes.append(slot._data.shape)
            elif slot is not None:
                shapes.append(np.shape(slot))
        return shapes

    def _raise_modified(self, index, now, expected):
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: saved tensor {index} of {self.name()} is at version {now}; expected "
            f"version {expected} instead. Hint: the in-place change happened after {self.name()} "
            f"saved it; use an out-of-place operation (x = x + y instead of x += y) or clone() first.")

    def name(self):
        """What torch calls this node: its own ops' nodes are named after the ATen function (with an
        overload number: SumBackward0 for sum(), SumBackward1 for sum(dim)), which our ops set in
        `torch_name` where it is not simply the class name; a custom Function's node is
        `<class name>Backward`."""
        if self.torch_name is not None:
            return self.torch_name
        own_op = type(self).__module__.startswith("tinygrad_edu.")
        return type(self).__name__ + ("Backward0" if own_op else "Backward")

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self):
        """As in torch: ((node, output_nr), ...); a leaf's slot holds an AccumulateGrad."""
        out = []
        for edge in self._edges or ():
            if edge is None:
                out.append((None, 0))
            elif isinstance(edge[0], Tensor):
                out.append((AccumulateGrad(edge[0]), 0))
            else:
                out.append((edge[0], edge[1]))
        return tuple(out)

    def register_hook(self, hook):
        raise NotImplementedError("register hooks on tensors (tensor.register_hook) in tinygrad_edu")

    # ---- apply: run forward and record the node --------------------------------------------
    @classmethod
    def apply(cls, *args):
        ctx = cls.__new__(cls)
        if _state.enabled:
            needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
            ctx.needs_input_grad = needs
            record = True in needs
            if record:
                _state.enabled = False  # forward never records: its Tensor ops are not part of the graph
                try:
                    out = cls.forward(ctx, *args)
                finally:
                    _state.enabled = True
            else:  # no input requires grad: nothing forward does could be recorded anyway
                out = cls.forward(ctx, *args)
        else:
            record = False
            n = len(args)
            ctx.needs_input_grad = _NO_GRAD_NEEDED[n] if n < 8 else (False,) * n
            out = cls.forward(ctx, *args)
        if type(out) is tuple:
            return ctx._wrap_outputs(out, args) if record else tuple(_as_tensor_out(o) for o in out)
        data = out._data if isinstance(out, Tensor) else out
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        if not record:
            return _wrap(data)
        result = _wrap(data, True)
        result.grad_fn = ctx
        ctx._seq = _next_seq()  # creation order: backward processes larger numbers first
        # One edge per argument: where its gradient goes (its grad_fn, or the leaf itself).
        ctx._edges = tuple([(a.grad_fn or a, a._output_nr, a._data.shape, a._data.dtype) if n else None
                            for a, n in zip(args, needs)])
        if ctx._to_save is not None:
            ctx._saved = ctx._pack_saved(((out, data, result),))
        if anomaly._enabled:
            ctx._forward_stack = traceback.format_stack()[:-1]
        return result

    def _wrap_outputs(self, outs, args):
        results, triples = [], []
        for nr, o in enumerate(outs):
            data = o._data if isinstance(o, Tensor) else np.asarray(o)
            diff = data.dtype.kind == "f" and not any(o is nd for nd in self._non_differentiable)
            t = Tensor._wrap(data, diff)
            if diff:
                t.grad_fn, t._output_nr = self, nr
            results.append(t)
            triples.append((o, data, t))
        self._edges = tuple([(a.grad_fn or a, a._output_nr, a._data.shape, a._data.dtype) if n else None
                             for a, n in zip(args, self.needs_input_grad)])
        self._out_meta = [(t._data.shape, t._data.dtype) for t in results]
        self._seq = _next_seq()
        if self._to_save is not None:
            self._saved = self._pack_saved(triples)
        return tuple(results)

    def _pack_saved(self, outputs):
        """Turn what forward saved into slots. Kinds, chosen so unpacking is one type check:
        an input tensor -> (tensor, its version now); this node's own output -> _SavedOutput (data
        only, no reference to the output tensor, so no cycle node -> output -> node); an ndarray ->
        itself (a constant); None or a Python number -> itself.
        `outputs` holds, per output, (what forward returned, its array, the output tensor)."""
        packed = []
        for item in self._to_save:
            if item is None:
                packed.append(None)
                continue
            for nr, (raw, data, t) in enumerate(outputs):
                if item is raw or item is data or item is t:
                    packed.append(_SavedOutput(data, nr, t._version))
                    break
            else:
                if isinstance(item, Tensor):
                    packed.append((item, item._version[0]))
                elif type(item) is np.ndarray or isinstance(item, (int, float)):
                    packed.append(item)
                else:
                    raise TypeError(f"save_for_backward can only save tensors, arrays, numbers or None, but "
                                    f"argument {len(packed)} is of type {type(item).__name__}")
        self._to_save = None
        return tuple(packed)  # a tuple: the garbage collector stops tracking one that holds no tensors


def named(out, name, src=None):
    """Give the node that made `out` torch's name for the public function that made it (one
    Function serves several: Reshape is view, flatten, squeeze and unsqueeze). Nothing is renamed
    when no new node was made (out is the input `src` itself, or nothing requires grad)."""
    if out.grad_fn is not None and (src is None or out.grad_fn is not src.grad_fn):
        out.grad_fn.torch_name = name
    return out


class _SavedOutput:
    """A node's own output, saved as its array: rebuilt into a tensor of the node when unpacked."""
    __slots__ = ("_data", "nr", "version")

    def __init__(self, data, nr, version):
        self._data, self.nr, self.version = data, nr, version


def _as_tensor_out(o):
    if isinstance(o, Tensor):
        return Tensor._wrap(o._data)
    return Tensor._wrap(np.asarray(o))


class AccumulateGrad:
    """Stands for a leaf in `next_functions` (as in torch): its gradient is added to `.grad`."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"
