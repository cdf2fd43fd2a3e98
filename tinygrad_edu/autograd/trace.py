"""trace_backward(): record every step of a backward pass, to follow back-propagation by eye.

    with trace_backward() as trace:
        loss.backward()
    trace.print()

Only the backward passes of the thread that entered the block are recorded. Each step is one node: its op, the gradient arriving at it (shape, norm) and the gradients it sent
to its inputs (shape, norm, or None where an input needs no gradient).
"""
import numpy as np

from ..tensor import Tensor
from . import engine


def _describe(g):
    if g is None:
        return None
    return {"shape": tuple(g._data.shape), "norm": float(np.linalg.norm(g._data.astype(np.float64).ravel()))}


class trace_backward:
    def __init__(self):
        self.steps = []

    def _observe(self, node, grad_outputs, grad_inputs):
        self.steps.append({"op": node.name(),
                           "grad_in": [_describe(g) for g in grad_outputs],
                           "grads_out": [_describe(g) for g in grad_inputs]})

    def __enter__(self):
        engine.watchers.observers = engine.watchers.observers + (self._observe,)
        return self

    def __exit__(self, *exc):
        engine.watchers.observers = tuple(o for o in engine.watchers.observers if o != self._observe)
        return False

    def table(self):
        def fmt(d):
            return "-" if d is None else f"{list(d['shape'])} |{d['norm']:.4g}|"
        rows = [f"{'step':>4}  {'op':<22} {'incoming grad':<26} outgoing grads"]
        for i, s in enumerate(self.steps):
            rows.append(f"{i:>4}  {s['op']:<22} {', '.join(fmt(d) for d in s['grad_in']):<26} "
                        f"{'; '.join(fmt(d) for d in s['grads_out'])}")
        return "\n".join(rows)

    def print(self):
        print(self.table())


def topological_order(roots):
    """All nodes reachable from `roots`, each before every node it sends gradient to (for tools
    such as viz; backward itself orders nodes with the heap)."""
    seen, stack = set(roots), list(roots)
    while stack:
        for edge in stack.pop()._edges or ():
            target = edge[0] if edge is not None else None  # an edge is (target, output_nr, shape, dtype)
            if target is not None and not isinstance(target, Tensor) and target not in seen:
                seen.add(target)
                stack.append(target)
    return sorted(seen, key=lambda n: -n._seq)
