"""The backward engine: reverse-mode differentiation over the recorded graph.

The graph's nodes are `Function` objects (the `grad_fn` of tensors); each has one edge per forward
argument, to the node that made the argument or to the leaf tensor itself, and a creation number
`_seq`. `run_backward` below is the whole algorithm; every other concern is a named step after it.

Order: a node is created after every node that feeds it, so each consumer of a node has a larger
`_seq`. Ready nodes wait in a heap keyed by -_seq: the node popped is the newest one with gradient
waiting, and by then all of its gradient has arrived (every consumer, newer, was popped before): a
topological order in one pass, without recursion (a chain 100,000 deep is fine; torch does so too).

Two kinds of pass. With create_graph=False nothing is recorded, so gradients travel as bare
ndarrays and a node runs its backward on them where it can (Function.array_backward or
backward_arrays); otherwise, or while forward_ad has a level open, they are Tensors.
"""
import threading
from heapq import heappop, heappush

import numpy as np

from ..grad_mode import _state
from ..tensor import Tensor
from . import anomaly
from .broadcast import unbroadcast
from .function import _FREED

class _Watchers(threading.local):
    """Per thread, as grad mode: functions called as observer(node, grad_outputs, grad_inputs) at
    every node of this thread's backward passes (see autograd.trace_backward)."""
    observers = ()


watchers = _Watchers()
_wrap = Tensor._wrap


def run_backward(roots, retain_graph=False, create_graph=False, capture=None, inputs=None):
    """Propagate gradients from `roots`, a list of (tensor, gradient Tensor).

    capture: for autograd.grad, a dict {tensor: None} that receives the tensors' gradients instead
    of any `.grad`. inputs: backward(inputs=...), the only leaves whose `.grad` is written.
    """
    arrays = not create_graph and _state.dual is None  # (forward mode: Tensors carry tangents)
    kind = np.ndarray if arrays else Tensor
    pending, ready, leaf_grads = {}, [], {}  # node -> [gradient per output]; heap of (-seq, node); leaf -> sum
    owned = set()                            # leaves whose summed gradient is the engine's own array
    for t, g in roots:
        _seed(t, g._data if arrays else g, pending, ready, leaf_grads)
    captured = _nodes_to_capture(capture) if capture else None
    check_all, observers = anomaly._enabled, watchers.observers
    with _BackwardMode(create_graph):  # grad mode = create_graph; numpy's shape errors become RuntimeError
        while ready:
            node = heappop(ready)[1]                    # the newest node with gradient waiting
            grads = pending.pop(node)
            if node._outputs_meta is not None or node._tensor_hooks or node._retained:
                grads = _prepare_outputs(node, grads, arrays)
            if captured and node in captured:
                _capture_outputs(captured[node], grads, capture)
            op = type(node)                             # the node's own derivative, on arrays if it can:
            if not arrays or op.array_backward:
                results = op.backward(node, *grads)
            elif op.backward_arrays is not None:
                results = op.backward_arrays(node, *grads)
            else:
                results = _tensor_backward_in_plain_pass(node, grads)
            if type(results) is not tuple:
                results = (results,)
            if not retain_graph and node._saved is not None:
                node._saved = _FREED                    # a second backward through this node raises
            if observers:
                _observe(observers, node, grads, results)
            for edge, g in zip(node._edges, results):   # zip: trailing Nones a backward left out are absent
                if edge is None or g is None:
                    continue
                target, nr, shape, dtype = edge
                if type(g) is not kind:
                    g = _as_kind(node, edge, g, arrays)
                data = g if arrays else g._data
                if data.shape != shape or (data.dtype is not dtype and data.dtype != dtype) or check_all:
                    g = _fit(node, edge, g, arrays)     # sum a broadcast gradient down, cast, check
                if isinstance(target, Tensor):          # a leaf: summed, delivered when the pass is over
                    _to_leaf(leaf_grads, owned, target, g, node if arrays else None, grads)
                    continue
                slots = pending.get(target)
                if slots is None:                       # the node's first gradient: it joins the heap
                    slots = pending[target] = [None] * target._n_outputs
                    heappush(ready, (-target._seq, target))
                slots[nr] = g if slots[nr] is None else slots[nr] + g
    _deliver_to_leaves(leaf_grads, owned, create_graph, capture, inputs)


# ---- the named steps ----------------------------------------------------------------------------
def _seed(t, g, pending, ready, leaf_grads):
    """A root's gradient: to the node that made t, or to t itself if it is a leaf."""
    if t.grad_fn is None:
        leaf_grads[t] = g if t not in leaf_grads else leaf_grads[t] + g
    else:
        node = t.grad_fn
        slots = pending.get(node)
        if slots is None:
            slots = pending[node] = [None] * node._n_outputs
            heappush(ready, (-node._seq, node))
        slots[t._output_nr] = g if slots[t._output_nr] is None else slots[t._output_nr] + g


def _to_leaf(leaf_grads, owned, leaf, g, node, grads):
    """Sum the gradients reaching a leaf. `owned` collects the leaves whose gradient is a new array
    that this pass made and nobody else holds, so that .grad may keep it without a copy (big
    weights: megabytes a step): a sum of several, or (plain passes: `node` given) what one of our
    own ops' numpy formulas returned, unless it is, or is a view of, a gradient that came in (Add
    passes its gradient on, Reshape returns a view of it). A user's Function or a hook may return
    any array, so theirs are copied."""
    old = leaf_grads.get(leaf)
    if old is not None:
        leaf_grads[leaf] = old + g
        owned.add(leaf)
        return
    leaf_grads[leaf] = g
    if node is None or g.base is not None or node._tensor_hooks:
        return
    op = type(node)
    if op.array_backward or op.backward_arrays is not None:
        for incoming in grads:
            if g is incoming:
                return
        owned.add(leaf)


class _BackwardMode:
    """Inside a pass: grad mode is create_graph, and numpy's inf/nan warnings are off (torch is
    silent; inside backward the warning would point into the engine; detect_anomaly finds them)."""

    def __init__(self, create_graph):
        self.create_graph = create_graph

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = self.create_graph
        self.token = _quiet_numpy()

    def __exit__(self, kind, error, tb):
        _restore_numpy(self.token)
        _state.enabled = self.prev
        if kind is ValueError:  # numpy's shape errors in a backward (after `x.data = t` of a new shape)
            raise RuntimeError(f"backward: {error}") from error


try:  # numpy 2 keeps its error state in a context variable: setting it directly costs 0.5 us a pass,
    # np.errstate's Python layer 2 us (3% of a small model's step)
    from numpy._core._ufunc_config import _extobj_contextvar as _np_errors, _make_extobj
    _quiet_numpy = lambda: _np_errors.set(_make_extobj(divide="ignore", invalid="ignore", over="ignore"))  # noqa: E731
    _restore_numpy = _np_errors.reset
except ImportError:  # another numpy layout: the public, slower way
    _quiet_numpy = lambda: np.seterr(divide="ignore", invalid="ignore", over="ignore")  # noqa: E731
    _restore_numpy = lambda old: np.seterr(**old)  # noqa: E731


def _tensor_backward_in_plain_pass(node, grads):
    """A plain pass reaching a node whose backward is written for Tensors only (e.g. a user's
    Function): wrap the arrays, run it, and unwrap what it returns."""
    result = type(node).backward(node, *[_as_tensor(g) for g in grads])
    if type(result) is not tuple:
        return result._data if type(result) is Tensor else result
    return tuple([g._data if type(g) is Tensor else g for g in result])


def _as_tensor(g):
    """A gradient as a Tensor (a plain pass's arrays are wrapped where users see them)."""
    return _wrap(np.asarray(g)) if g is not None and type(g) is not Tensor else g


def _nodes_to_capture(capture):
    """For autograd.grad: {node: [non-leaf tensors whose gradient is wanted]}."""
    nodes = {}
    for t in capture or ():
        if t.grad_fn is not None:
            nodes.setdefault(t.grad_fn, []).append(t)
    return nodes


def _capture_outputs(tensors, grads, capture):
    for t in tensors:
        capture[t] = _as_tensor(grads[t._output_nr])


def _prepare_outputs(node, grads, arrays):
    """Before a node's backward: zeros for outputs that got no gradient, then the hooks registered
    on its output tensors, then retain_grad()."""
    for nr, (shape, dtype) in enumerate(node._outputs_meta or ()):
        if grads[nr] is None:
            grads[nr] = np.zeros(shape, dtype) if arrays else _wrap(np.zeros(shape, dtype))
    for nr, hooks in (node._tensor_hooks or {}).items():
        for hook in hooks:
            new = hook(_as_tensor(grads[nr]))
            if new is not None:
                grads[nr] = new._data if arrays and isinstance(new, Tensor) else new
    for nr, ref in (node._retained or {}).items():
        t = ref()
        if t is not None:
            g = _as_tensor(grads[nr]) if not arrays else _wrap(np.array(grads[nr]))
            t.grad = g if t.grad is None else t.grad + g
    return grads


def _observe(observers, node, grads, results):
    for observer in observers:
        observer(node, [_as_tensor(g) for g in grads], [_as_tensor(g) for g in results])


def _input_index(node, edge):
    """Which forward argument an edge belongs to (for error messages)."""
    return next(i for i, e in enumerate(node._edges) if e is edge)


def _as_kind(node, edge, g, arrays):
    """A gradient of the other kind for this pass (ndarray <-> Tensor); numpy scalars made 0-d."""
    if isinstance(g, Tensor):
        return g._data if arrays else g
    if isinstance(g, (np.ndarray, np.generic)):
        return np.asarray(g) if arrays else _wrap(np.asarray(g))
    raise TypeError(f"{node.name()}.backward returned a {type(g).__name__} for input {_input_index(node, edge)}; "
                    "expected a Tensor or None")


def _fit(node, edge, g, arrays):
    """A gradient whose shape or dtype is not its input's: sum a broadcast gradient down, cast it
    back; and, under detect_anomaly, check it for nan/inf."""
    _, _, shape, dtype = edge
    data = g if arrays else g._data
    if data.shape != shape:
        if not _expandable(shape, data.shape):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {_input_index(node, edge)} - got "
                f"{list(data.shape)} but expected shape compatible with {list(shape)}")
        g = unbroadcast(g, shape)
    if (g if arrays else g._data).dtype != dtype:
        g = g.astype(dtype) if arrays else g.to(dtype)
    if anomaly._enabled:
        anomaly.check_gradient(node, _input_index(node, edge), _as_tensor(g))
    return g


def _expandable(shape, target):
    return len(shape) <= len(target) and all(s == 1 or s == t for s, t in zip(reversed(shape), reversed(target)))


def _deliver_to_leaves(leaf_grads, owned, create_graph, capture, inputs):
    """The pass is over: each leaf's total gradient runs the leaf's hooks, then lands in `.grad`
    (or in `capture`, for autograd.grad)."""
    kept = set()  # ids of the engine's arrays a .grad now holds: one array sent to two leaves is copied once
    for leaf, g in leaf_grads.items():
        if capture is not None:
            if leaf in capture:
                capture[leaf] = _as_tensor(g) if capture[leaf] is None else capture[leaf] + _as_tensor(g)
        elif leaf._requires_grad and (inputs is None or leaf in inputs):
            fresh = leaf in owned and id(g) not in kept
            if fresh:
                kept.add(id(g))
            _accumulate_grad(leaf, g, create_graph, fresh)


def _accumulate_grad(leaf, g, create_graph, fresh):
    """Add g into leaf.grad. The first time, .grad gets an array of its own (a copy unless the
    engine made it), never one that someone else holds: later passes add into it in place."""
    if leaf._hooks:
        g = _as_tensor(g)
        for hook in leaf._hooks:
            new = hook(g)
            if new is not None:
                g, fresh = new, False
        g = g if create_graph else g._data
    if create_graph:
        if leaf.grad is not None:
            leaf.grad = leaf.grad + g
        else:  # a gradient that is no new node may be someone's tensor (gradient=): .grad gets a copy
            leaf.grad = g if g.grad_fn is not None else _wrap(g._data.copy())
    elif leaf.grad is None:
        leaf.grad = _wrap(g if fresh and type(g) is np.ndarray else np.array(g))  # (0-d sums are numpy scalars)
    elif leaf.grad.grad_fn is not None or not leaf.grad._data.flags.writeable:
        leaf.grad = _wrap(np.asarray(leaf.grad._data + g))
    else:
        leaf.grad._data += g
