"""The two ways into the engine: `backward` (gradients accumulate into the leaves' `.grad`) and
`grad` (gradients are returned). Both check their arguments, pair every output with its starting
gradient, and hand over to `engine.run_backward`."""
import numpy as np

from ..tensor import Tensor
from .engine import run_backward


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _root_grads(outputs, grad_outputs):
    """Pair every output with its starting gradient (ones for a scalar output)."""
    if grad_outputs is None and len(outputs) == 1:  # loss.backward(): the common case, checked quickly
        out = outputs[0]
        if out._requires_grad and out._data.size == 1:
            return [(out, Tensor._wrap(np.ones(out._data.shape, out._data.dtype)))]
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one gradient per output: got {len(grad_outputs)} gradients for "
                           f"{len(outputs)} outputs")
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs (output {i} has "
                                   f"shape {list(out._data.shape)})")
            g = Tensor._wrap(np.ones(out._data.shape, out._data.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._wrap(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {list(g._data.shape)} and "
                               f"output[{i}] has a shape of {list(out._data.shape)}.")
        roots.append((out, g))
    return roots


def tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Tensor.backward: accumulate d(self)/d(leaf) into every leaf's `.grad`."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """torch.autograd.backward: accumulate gradients of `tensors` into the leaves' `.grad`."""
    tensors = _as_tuple(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    only = None if inputs is None else set(_as_tuple(inputs))
    run_backward(_root_grads(tensors, grad_tensors), retain_graph, create_graph, inputs=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """torch.autograd.grad: the gradients of `outputs` w.r.t. `inputs`, returned (not accumulated)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture = {t: None for t in inputs}
    run_backward(_root_grads(outputs, grad_outputs), retain_graph, create_graph, capture=capture)
    result = []
    for i, t in enumerate(inputs):
        g = capture[t]
        if g is None:
            if materialize_grads:
                g = Tensor._wrap(np.zeros(t._data.shape, t._data.dtype))
            elif not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not have been used "
                                   "in the graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph and g.grad_fn is not None:
            g = g.detach()
        result.append(g)
    return tuple(result)
