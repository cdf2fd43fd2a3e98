"""The backward engine: reverse-mode differentiation over the recorded graph.

Nodes are `Function` instances (the `grad_fn` of tensors). Each node has one *edge* per forward
argument: `(target, output_nr, shape, dtype)` where target is the producing node, or the leaf
tensor itself. Every node also carries `_seq`, a number that grows with creation order.

Running backward (no recursion anywhere, so graphs 100,000 nodes deep are fine):

1. Gradients are accumulated per node in a dict, one slot per output of the node.
2. Ready nodes wait in a heap ordered by `_seq`, largest first. A node is always created after the
   nodes that feed it, so every node that sends gradient to node N has a larger `_seq` and is
   processed before N: popping the largest `_seq` is a topological order, found in one pass
   (this is how torch orders its ready queue too). A node enters the heap when its first
   gradient arrives, so the gradient dict doubles as the "already queued" set.
3. Each node is processed once: its tensor hooks run, retained gradients are stored, its backward
   is called (grad mode = create_graph) and the results are sent along the edges. Gradients
   reaching a leaf are summed; when the pass is done each leaf's hooks see that total once and
   the result is added to `.grad`.
4. Unless `retain_graph`, the node's saved tensors are released after use.
"""
import sys
from heapq import heappop, heappush

import numpy as np

from ..grad_mode import _state
from ..ops.broadcast import unbroadcast
from ..tensor import Tensor
from . import anomaly
from .function import _FREED

# Observers (see autograd.trace_backward) get called as observer(node, grad_outputs, grad_inputs).
_observers = []


def topological_order(roots):
    """All nodes reachable from `roots`, each before every node it sends gradient to (for tools
    such as viz; backward itself orders nodes with the heap described above)."""
    seen, stack = set(roots), list(roots)
    while stack:
        node = stack.pop()
        for edge in node._edges or ():
            if edge is not None and not isinstance(edge[0], Tensor) and edge[0] not in seen:
                seen.add(edge[0])
                stack.append(edge[0])
    return sorted(seen, key=lambda n: -n._seq)


def _add(a, b):
    return b if a is None else a + b


def _refs_when_unshared():
    """How many references _own_array sees on an array that nothing but the engine holds: the
    same call chain (_to_leaf's parameter, then np.asarray(...) passed on) on a fresh array.
    Measured rather than written down, since it differs between Python versions."""
    def to_leaf(g):
        return own_array(np.asarray(g))

    def own_array(data):
        return sys.getrefcount(data)

    return to_leaf(np.empty(1))


# More references than this means someone else holds the gradient array (a saved tensor, the
# user's `gradient=` tensor). Like torch's AccumulateGrad, the engine then stores a copy as .grad,
# since later backward passes add into .grad in place.
_UNSHARED_REFS = _refs_when_unshared()


def _own_array(data, seen):
    """The array to store as a leaf's .grad: copied if it may be shared with anything else."""
    shared = sys.getrefcount(data) > _UNSHARED_REFS  # first: `data.flags` below holds a reference too
    flags = data.flags
    if shared or not flags.writeable or not flags.owndata or id(data) in seen:
        data = data.copy()
    seen.add(id(data))
    return data


def run_backward(roots, retain_graph=False, create_graph=False, capture=None, only_inputs=None):
    """Propagate gradients from `roots` [(tensor, grad_tensor), ...].

    capture: for autograd.grad, a dict {tensor: None} whose gradients are collected instead of
    being accumulated into any `.grad`. only_inputs: backward(inputs=...) restricts accumulation.

    With create_graph=False nothing needs recording, so gradients travel as plain ndarrays and
    nodes whose backward is written for both (Function.array_backward) run it on the arrays; other
    nodes get them wrapped as Tensors. With create_graph=True gradients are Tensors throughout.
    """
    arrays = not create_graph
    grads, ready, leaf_grads = {}, [], {}
    for t, g in roots:
        if arrays:
            g = g._data
        node = t.grad_fn
        if node is None:
            leaf_grads[t] = _add(leaf_grads.get(t), g)
            continue
        slots = grads.get(node)
        if slots is None:
            slots = grads[node] = [None] * _n_outputs(node)
            heappush(ready, (-node._seq, node))
        slots[t._output_nr] = _add(slots[t._output_nr], g)
    capture_nodes = {}
    if capture is not None:
        for t in capture:
            if t.grad_fn is not None:
                capture_nodes.setdefault(t.grad_fn, []).append(t)
    grad_type = np.ndarray if arrays else Tensor
    check_all = anomaly._enabled
    prev_mode = _state.enabled
    _state.enabled = create_graph
    # numpy warns about inf/nan (1/0, 0 * inf, ...) where torch is silent; inside backward such a
    # warning would point into the engine, not at the user's code. detect_anomaly() finds them.
    quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")
    quiet.__enter__()
    try:
        while ready:
            node = heappop(ready)[1]
            slots = grads.pop(node)
            if node._out_meta is not None or node._tensor_hooks or node._retained:
                slots = _prepare_outputs(node, slots, arrays)
            if capture_nodes and node in capture_nodes:
                for t in capture_nodes[node]:
                    capture[t] = _as_tensor(slots[t._output_nr])
            if arrays and not node.array_backward:
                result = _backward_with_tensors(node, slots)
            else:
                result = type(node).backward(node, *slots)
            if not retain_graph and node._saved is not None:
                node._saved = _FREED  # release what backward needed; a second backward raises
            if type(result) is not tuple:
                result = (result,)
            if _observers:
                for obs in _observers:
                    obs(node, [_as_tensor(g) for g in slots], [_as_tensor(g) for g in result])
            # zip stops at the shorter: trailing Nones that a backward leaves out are simply absent
            for edge, g in zip(node._edges, result):
                if edge is None or g is None:
                    continue
                if type(g) is not grad_type:
                    g = _as_grad(node, edge, g, arrays)
                data = g if arrays else g._data
                if data.shape != edge[2] or (data.dtype is not edge[3] and data.dtype != edge[3]) or check_all:
                    g = _check_grad(node, edge, g, arrays)
                target = edge[0]
                if isinstance(target, Tensor):  # a leaf: summed here, hooks run once at the end
                    leaf_grads[target] = g if target not in leaf_grads else leaf_grads[target] + g
                    continue
                tslots = grads.get(target)
                if tslots is None:
                    tslots = grads[target] = [None] * (1 if target._out_meta is None else len(target._out_meta))
                    heappush(ready, (-target._seq, target))
                nr = edge[1]
                tslots[nr] = g if tslots[nr] is None else tslots[nr] + g
        result = slots = g = data = None  # drop the loop's references: _own_array counts them
        seen = set()
        for leaf in list(leaf_grads):
            _to_leaf(leaf, leaf_grads.pop(leaf), create_graph, capture, only_inputs, seen)
    finally:
        quiet.__exit__(None, None, None)
        _state.enabled = prev_mode


def _n_outputs(node):
    return 1 if node._out_meta is None else len(node._out_meta)


def _as_tensor(g):
    """A gradient as a Tensor (the arrays of a plain pass are wrapped where users see them)."""
    return Tensor._wrap(np.asarray(g)) if g is not None and type(g) is not Tensor else g


def _backward_with_tensors(node, slots):
    """A plain pass reaching a node whose backward expects Tensors (e.g. a user's Function):
    wrap the incoming arrays, run it, and hand back arrays."""
    result = type(node).backward(node, *[_as_tensor(g) for g in slots])
    if type(result) is not tuple:
        return result._data if type(result) is Tensor else result
    return tuple([g._data if type(g) is Tensor else g for g in result])


def _prepare_outputs(node, slots, arrays):
    """Missing gradients of a multi-output node become zeros; tensor hooks and retain_grad run."""
    if node._out_meta is not None:
        for nr, (shape, dtype) in enumerate(node._out_meta):
            if slots[nr] is None:
                zeros = np.zeros(shape, dtype)
                slots[nr] = zeros if arrays else Tensor._wrap(zeros)
    if node._tensor_hooks:
        for nr, hooks in node._tensor_hooks.items():
            for hook in hooks:
                new = hook(_as_tensor(slots[nr]))
                if new is not None:
                    slots[nr] = new._data if arrays and isinstance(new, Tensor) else new
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None:
                g = slots[nr] if not arrays else Tensor._wrap(np.asarray(slots[nr]))
                t.grad = g if t.grad is None else t.grad + g
    return slots


def _input_index(node, edge):
    """Which forward argument an edge belongs to (for error messages)."""
    return next(i for i, e in enumerate(node._edges) if e is edge)


def _as_grad(node, edge, g, arrays):
    """A gradient of the wrong kind for this pass: ndarray <-> Tensor, numpy scalars made 0-d."""
    if isinstance(g, Tensor):
        return g._data if arrays else g
    if isinstance(g, (np.ndarray, np.generic)):
        return np.asarray(g) if arrays else Tensor._wrap(np.asarray(g))
    raise TypeError(f"{node.name()}.backward returned a {type(g).__name__} for input {_input_index(node, edge)}; "
                    "expected a Tensor or None")


def _check_grad(node, edge, g, arrays):
    """The slow path: sum a broadcast gradient down, cast dtype, anomaly check."""
    shape, dtype = edge[2], edge[3]
    data = g if arrays else g._data
    if data.shape != shape:
        if _expandable(shape, data.shape):
            g = unbroadcast(g, shape)
        else:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {_input_index(node, edge)} - got "
                f"{list(data.shape)} but expected shape compatible with {list(shape)}")
    data = g if arrays else g._data
    if data.dtype != dtype:
        g = g.astype(dtype) if arrays else g.to(dtype)
    if anomaly._enabled:
        anomaly.check_gradient(node, _input_index(node, edge), _as_tensor(g))
    return g


def _expandable(shape, target):
    if len(shape) > len(target):
        return False
    return all(s == 1 or s == t for s, t in zip(reversed(shape), reversed(target)))


def _to_leaf(leaf, g, create_graph, capture, only_inputs, seen):
    """Deliver a leaf's summed gradient: a Tensor when create_graph, else an ndarray."""
    if capture is not None:
        if leaf in capture:
            capture[leaf] = _add(capture[leaf], _as_tensor(g))
        return
    if only_inputs is not None and leaf not in only_inputs:
        return
    if not leaf._requires_grad:
        return
    if leaf._hooks:
        g = _as_tensor(g)
        for hook in leaf._hooks:
            new = hook(g)
            if new is not None:
                g = new
        if not create_graph:
            g = g._data
    if create_graph:
        if leaf.grad is not None:
            leaf.grad = leaf.grad + g
        else:  # a gradient that is no new node may be someone's tensor (gradient=): .grad gets a copy
            leaf.grad = g if g.grad_fn is not None else Tensor._wrap(g._data.copy())
    elif leaf.grad is None:
        leaf.grad = Tensor._wrap(_own_array(np.asarray(g), seen))
    elif leaf.grad.grad_fn is not None or not leaf.grad._data.flags.writeable:
        leaf.grad = Tensor._wrap(np.asarray(leaf.grad._data + g))
    else:
        leaf.grad._data += g
