"""The backward engine: reverse-mode differentiation over the recorded graph.

Nodes are `Function` instances (the `grad_fn` of tensors). Each node has one *edge* per forward
argument: `(target, output_nr, shape, dtype)` where target is the producing node, or the leaf tensor
itself. Running backward:

1. `topological_order` walks the graph from the roots with an explicit stack (no recursion, so a
   graph 100,000 nodes deep is fine) and returns the nodes so that every node comes before the
   nodes it feeds gradient into.
2. Gradients are accumulated per node in a dict, one slot per output of the node.
3. Each node is visited once: its tensor hooks run, retained gradients are stored, its backward is
   called (grad mode = create_graph) and the results are sent along the edges; a leaf's gradient
   is added to `.grad` after the leaf's hooks.
4. Unless `retain_graph`, the node's saved tensors are released after use.
"""
import numpy as np

from ..grad_mode import _state
from ..tensor import Tensor
from . import anomaly

# Observers (see autograd.trace_backward) get called as observer(node, grad_outputs, grad_inputs).
_observers = []


def topological_order(roots):
    """Nodes reachable from `roots`, each before every node it sends gradient to."""
    visited = set()
    post = []
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root._edges or ()))]
        while stack:
            node, edges = stack[-1]
            for edge in edges:
                if edge is not None:
                    child = edge[0]
                    if not isinstance(child, Tensor) and child not in visited:
                        visited.add(child)
                        stack.append((child, iter(child._edges or ())))
                        break
            else:
                stack.pop()
                post.append(node)
    post.reverse()
    return post


def _add(a, b):
    return b if a is None else a + b


def _own_array(g, seen):
    """The array to store as a leaf's .grad: copied if it may be shared with anything else."""
    data = g.data
    if not data.flags.writeable or not data.flags.owndata or id(data) in seen:
        data = data.copy()
    seen.add(id(data))
    return data


def run_backward(roots, retain_graph=False, create_graph=False, capture=None, only_inputs=None):
    """Propagate gradients from `roots` [(tensor, grad_tensor), ...].

    capture: for autograd.grad, a dict {tensor: None} whose gradients are collected instead of
    being accumulated into any `.grad`. only_inputs: backward(inputs=...) restricts accumulation.
    """
    grads = {}
    for t, g in roots:
        if t.grad_fn is None:
            _to_leaf(t, g, create_graph, capture, only_inputs, set())
        else:
            slots = grads.setdefault(t.grad_fn, [None] * _n_outputs(t.grad_fn))
            slots[t._output_nr] = _add(slots[t._output_nr], g)
    order = topological_order([t.grad_fn for t, _ in roots if t.grad_fn is not None])
    capture_nodes = {}
    if capture is not None:
        for t in capture:
            if t.grad_fn is not None:
                capture_nodes.setdefault(t.grad_fn, []).append(t)
    seen = set()
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        for node in order:
            slots = grads.pop(node, None)
            if slots is None:
                continue
            slots = _prepare_outputs(node, slots)
            if node in capture_nodes:
                for t in capture_nodes[node]:
                    capture[t] = slots[t._output_nr]
            result = type(node).backward(node, *slots)
            if not retain_graph:
                node._release()
            if type(result) is not tuple:
                result = (result,)
            edges = node._edges
            if len(result) < len(edges):
                result = _pad_result(node, result, edges)
            if _observers:
                for obs in _observers:
                    obs(node, slots, result)
            for i, (edge, g) in enumerate(zip(edges, result)):
                if edge is None or g is None:
                    continue
                g = _check_grad(node, i, edge, g)
                target = edge[0]
                if isinstance(target, Tensor):
                    _to_leaf(target, g, create_graph, capture, only_inputs, seen)
                else:
                    slots = grads.get(target)
                    if slots is None:
                        slots = grads[target] = [None] * _n_outputs(target)
                    nr = edge[1]
                    slots[nr] = g if slots[nr] is None else slots[nr] + g
    finally:
        _state.enabled = prev_mode


def _n_outputs(node):
    return 1 if node._out_meta is None else len(node._out_meta)


def _prepare_outputs(node, slots):
    """Missing gradients of a multi-output node become zeros; tensor hooks and retain_grad run."""
    if node._out_meta is not None:
        for nr, (shape, dtype) in enumerate(node._out_meta):
            if slots[nr] is None:
                slots[nr] = Tensor._wrap(np.zeros(shape, dtype))
    if node._tensor_hooks:
        for nr, hooks in node._tensor_hooks.items():
            for hook in hooks:
                new = hook(slots[nr])
                if new is not None:
                    slots[nr] = new
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None:
                g = slots[nr] if _state.enabled else Tensor._wrap(slots[nr].data)
                t.grad = g if t.grad is None else t.grad + g
    return slots


def _pad_result(node, result, edges):
    result = result + (None,) * (len(edges) - len(result))
    return result


def _check_grad(node, i, edge, g):
    if not isinstance(g, Tensor):
        if isinstance(g, np.ndarray):
            g = Tensor._wrap(g)
        else:
            raise TypeError(f"{node.name()}.backward returned a {type(g).__name__} for input {i}; "
                            "expected a Tensor or None")
    shape, dtype = edge[2], edge[3]
    if g.data.shape != shape:
        if _expandable(shape, g.data.shape):
            from ..ops.broadcast import unbroadcast
            g = unbroadcast(g, shape)
        else:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(g.data.shape)} but expected shape compatible with {list(shape)}")
    if g.data.dtype != dtype:
        g = g.to(dtype)
    if anomaly._enabled:
        anomaly.check_gradient(node, i, g)
    return g


def _expandable(shape, target):
    if len(shape) > len(target):
        return False
    return all(s == 1 or s == t for s, t in zip(reversed(shape), reversed(target)))


def _to_leaf(leaf, g, create_graph, capture, only_inputs, seen):
    if capture is not None:
        if leaf in capture:
            capture[leaf] = _add(capture[leaf], g)
        return
    if only_inputs is not None and leaf not in only_inputs:
        return
    if not leaf._requires_grad:
        return
    if leaf._hooks:
        for hook in leaf._hooks:
            new = hook(g)
            if new is not None:
                g = new
    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    elif leaf.grad is None:
        leaf.grad = Tensor._wrap(_own_array(g, seen))
    elif leaf.grad.grad_fn is not None or not leaf.grad.data.flags.writeable:
        leaf.grad = Tensor._wrap(leaf.grad.data + g.data)
    else:
        leaf.grad.data += g.data
