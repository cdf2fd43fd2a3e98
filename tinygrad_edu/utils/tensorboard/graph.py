"""add_graph's GraphDef, read from the autograd graph that one forward pass of the model records.

torch's writer traces the model with torch.jit; there is no tracer here, but a forward pass with
grad enabled records every differentiable operation as a node (``grad_fn``) with edges to its
inputs, and that is the model's data flow read backwards. The GraphDef TensorBoard draws has:

- one node per recorded operation, named ``<scope>/<Op>_<k>`` with op = the forward operation
  (``AddmmBackward0`` -> ``Addmm``) and its output shape in ``_output_shapes``; the scope is the
  innermost module whose forward created it, spelled as torch's (``Net/Sequential[seq]/Linear[1]``),
  found with forward pre- and post-hooks that note the node counter around each module's call;
- one node per parameter (``Net/Linear[fc1]/weight``, op ``Parameter``), one per model input
  (``input/input.<i>``) and one per output (``output/output.<i>``), op ``IO Node``, as torch's;
  any other leaf that requires grad is ``leaf/leaf.<k>``. A plain function may stand for the model
  (it has no module scopes).

What it cannot show: values that need no gradient do not enter the autograd graph, so integer
inputs (Embedding indices), buffers (BatchNorm's running statistics) and constants are not drawn,
and the operations on them only (no input that requires grad) are not either. Floating point
inputs are drawn: the pass runs on detached copies of them that require grad.
"""
import re

import numpy as np
from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ...autograd.function import _next_seq
from ...autograd.trace import topological_order
from ...grad_mode import enable_grad
from ...tensor import Tensor

_DEVICE = "/device:CPU:0"


def _shape_attr(*shapes):
    dims = [TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(s)) for s in shape]) for shape in shapes]
    return AttrValue(list=AttrValue.ListValue(shape=dims))


def _node(name, op, inputs=(), shapes=None, text=""):
    attr = {"attr": AttrValue(s=text.encode())}
    if shapes is not None:
        attr["_output_shapes"] = _shape_attr(*shapes)
    return NodeDef(name=name, op=op, input=list(inputs), device=_DEVICE, attr=attr)


def _as_inputs(input_to_model):
    if input_to_model is None:
        return ()
    return tuple(input_to_model) if isinstance(input_to_model, (list, tuple)) else (input_to_model,)


def _leaf_input(x):
    """A floating point Tensor input as a fresh leaf that requires grad (so that it is drawn)."""
    if isinstance(x, Tensor) and x.dtype.is_floating_point:
        return x.detach().requires_grad_(True)
    return x


def _scopes(model):
    """[(dotted module name, module, torch's scope string)]: '' -> 'Net', 'seq.1' ->
    'Net/Sequential[seq]/Linear[1]' (nothing for a model that is not a Module)."""
    if not hasattr(model, "named_modules"):
        return []
    root, by_name, found = type(model).__name__, {}, []
    for name, module in model.named_modules():
        parent, _, attr = name.rpartition(".")
        scope = by_name[name] = f"{by_name.get(parent, root)}/{type(module).__name__}[{attr}]" if name else root
        found.append((name, module, scope))
    return found


def _run_scoped(model, inputs, scopes):
    """model(*inputs) with grad enabled; returns (output, [(first_seq, last_seq, scope), ...]):
    each module call's range of node numbers, noted by a forward pre-hook and a forward hook."""
    calls, open_calls, handles = [], {}, []

    def before(module, scope):
        open_calls.setdefault(id(module), []).append(_next_seq())

    def after(module, scope):
        calls.append((open_calls[id(module)].pop(), _next_seq(), scope))

    try:
        for _, module, scope in scopes:
            handles.append(module.register_forward_pre_hook(lambda m, a, s=scope: before(m, s)))
            handles.append(module.register_forward_hook(lambda m, a, o, s=scope: after(m, s)))
        with enable_grad():
            output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return output, calls


class _Scopes:
    """The innermost module call whose node-counter range holds a node's number ('' for none)."""

    def __init__(self, calls):
        self.first = np.array([c[0] for c in calls], dtype=np.int64)
        self.last = np.array([c[1] for c in calls], dtype=np.int64)
        self.names = [c[2] for c in calls]

    def of(self, seq):
        inside = np.flatnonzero((self.first < seq) & (seq < self.last))
        return self.names[inside[np.argmax(self.first[inside])]] if inside.size else ""


def _outputs(output):
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (list, tuple)):
        return [t for item in output for t in _outputs(item)]
    return []


def _leaf_names(model, inputs, scopes):
    """{id(leaf tensor): node name} for the parameters and the inputs."""
    names = {id(x): f"input/input.{i}" for i, x in enumerate(inputs) if isinstance(x, Tensor)}
    scope_of = {name: scope for name, _, scope in scopes}
    for dotted, p in (model.named_parameters() if hasattr(model, "named_parameters") else ()):
        owner, _, attr = dotted.rpartition(".")
        names.setdefault(id(p), f"{scope_of.get(owner, type(model).__name__)}/{attr}")
    return names


def _known_shapes(outs, order):
    """{(id(node), output_nr): shape} from the model's outputs and from the edges into each node."""
    shapes = {(id(t.grad_fn), t._output_nr): tuple(t.shape) for t in outs if t.grad_fn is not None}
    for node in order:
        for edge in node._edges or ():
            if edge is not None and not isinstance(edge[0], Tensor):
                shapes.setdefault((id(edge[0]), edge[1]), tuple(edge[2]))
    return shapes


class _Builder:
    """Names and NodeDefs for the nodes of one autograd graph, inputs before their users."""

    def __init__(self, leaf_names, calls, shapes):
        self.leaf_names, self.scopes, self.shapes = leaf_names, _Scopes(calls), shapes
        self.names, self.counts, self.leaves = {}, {}, {}  # leaves: {node name: leaf tensor}
        self.other_leaves = 0

    def source(self, target, nr):
        """The node name an edge's target is drawn as: an op's name (":nr" for outputs after the
        first), or a leaf's (parameters and inputs by name, other leaves as leaf/leaf.<k>)."""
        if not isinstance(target, Tensor):
            return self.names[id(target)] + (f":{nr}" if nr else "")
        name = self.leaf_names.get(id(target))
        if name is None:  # a leaf that is neither a parameter nor an input: numbered on first use
            name = self.leaf_names[id(target)] = f"leaf/leaf.{self.other_leaves}"
            self.other_leaves += 1
        self.leaves[name] = target
        return name

    def op_node(self, node):
        op = re.sub(r"Backward\d*$", "", node.name()) or node.name()
        scope = self.scopes.of(node._seq)
        k = self.counts[(scope, op)] = self.counts.get((scope, op), -1) + 1
        name = self.names[id(node)] = f"{scope}/{op}_{k}" if scope else f"{op}_{k}"
        inputs = [self.source(e[0], e[1]) for e in node._edges or () if e is not None]
        if node._outputs_meta is not None:
            shapes = [s for s, _ in node._outputs_meta]
        else:
            shapes = [self.shapes.get((id(node), 0), ())]
        return _node(name, op, inputs, shapes, f"grad_fn: {node.name()}")

    def leaf_nodes(self):
        return [_node(name, "IO Node" if name.startswith("input/") else "Parameter", (), [tuple(t.shape)])
                for name, t in self.leaves.items()]


def graph(model, input_to_model=None, verbose=False):
    """GraphDef of model(*input_to_model) (see the module docstring)."""
    inputs = tuple(_leaf_input(x) for x in _as_inputs(input_to_model))
    scopes = _scopes(model)
    output, calls = _run_scoped(model, inputs, scopes)
    outs = [t for t in _outputs(output) if t.grad_fn is not None]
    if not outs:
        raise RuntimeError("add_graph: the model's output records no operation (no input or parameter "
                           "requires grad), so there is no graph to draw")
    order = topological_order([t.grad_fn for t in outs])[::-1]  # every node after its inputs
    build = _Builder(_leaf_names(model, inputs, scopes), calls, _known_shapes(outs, order))
    ops = [build.op_node(node) for node in order]
    ends = [_node(f"output/output.{i}", "IO Node", [build.source(t.grad_fn, t._output_nr)], [tuple(t.shape)])
            for i, t in enumerate(outs)]
    graph_def = GraphDef(node=build.leaf_nodes() + ops + ends, versions=VersionDef(producer=22))
    if verbose:
        print(graph_def)
    return graph_def
