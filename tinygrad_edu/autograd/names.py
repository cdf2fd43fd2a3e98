"""A graph node as torch shows it (`grad_fn.name()`, `next_functions`, AccumulateGrad), so that
printed and drawn graphs read like a torch tutorial's. A node is named, in this order:

1. by its forward, where torch has several overloads of one op and the arguments decide which ran:
   `ctx.torch_name = "SumBackward1"` (sum over dims), MeanBackward1, ProdBackward1, PowBackward1/2,
   ClampBackward0 (tensor bounds), UnsafeViewBackward0 (a reshape that copied), MmBackward0 /
   ViewBackward0 (F.linear without bias or on N-d input), AddBackward0 / DivBackward1 / NegBackward0
   (cross-entropy variants); or by `named(out, ...)` below, where one op class serves several
   public functions (Reshape is view, flatten, squeeze, unsqueeze, ...);
2. by the table TORCH_NAMES, for the project's op classes whose name is not torch's kernel name;
3. by default, the class name + "Backward0" for the project's ops (Mul -> MulBackward0), and the
   class name + "Backward" for a user's custom Function (as torch names them).
"""

from ..tensor import Tensor

TORCH_NAMES = {
    "Reshape": "ViewBackward0",
    "Cast": "ToCopyBackward0",
    "Clamp": "ClampBackward1",                  # clamp(Tensor, Scalar, Scalar)
    "Norm2": "LinalgVectorNormBackward0",
    "GeluTanh": "GeluBackward0",                # gelu(approximate="tanh") is the same kernel
    "CrossEntropyIndex": "NllLossBackward0",    # fused log_softmax + nll_loss: torch's last node
    "EmbeddingLookup": "EmbeddingBackward0",
    "BackwardHookFunction": "BackwardHookFunctionBackward",
    "ViewScatter": "CopySlices",                # an in-place op on a view, seen from its base
}


def node_name(node):
    """What torch calls this node (see the module docstring)."""
    if node.torch_name is not None:
        return node.torch_name
    cls = type(node)
    if cls.__module__.startswith("tinygrad_edu."):
        return TORCH_NAMES.get(cls.__name__) or cls.__name__ + "Backward0"
    return cls.__name__ + "Backward"


def named(out, name, src=None):
    """Give the node that made `out` torch's name for the public function that made it (one
    Function serves several: Reshape is view, flatten, squeeze and unsqueeze). Nothing is renamed
    when no new node was made (out is the input `src` itself, or nothing requires grad)."""
    if out.grad_fn is not None and (src is None or out.grad_fn is not src.grad_fn):
        out.grad_fn.torch_name = name
    return out


class GradFnView:
    """What torch's grad_fn objects offer for looking at the graph; Function inherits it."""

    # the positions of the forward arguments that are graph inputs, where some are options (a shape,
    # a reduction, a Python-number exponent): next_functions lists those only, as torch's does.
    # None: every argument. A class sets it, or forward sets it on the node when the call decides.
    graph_inputs = None

    def name(self):
        """torch's name for this node: MulBackward0, SumBackward1, ... (see the module docstring)."""
        return node_name(self)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self):
        """As in torch: ((node, output_nr), ...); a leaf's slot holds an AccumulateGrad."""
        edges = self._edges or ()  # an edge is (target, output_nr, shape, dtype), None: no gradient
        if self.graph_inputs is not None:
            edges = [edges[i] for i in self.graph_inputs if i < len(edges)]
        return tuple((None, 0) if e is None else (AccumulateGrad(e[0]), 0) if isinstance(e[0], Tensor)
                     else (e[0], e[1]) for e in edges)

    def register_hook(self, hook):
        raise NotImplementedError("register hooks on tensors (tensor.register_hook) in tinygrad_edu")


class AccumulateGrad:
    """Stands for a leaf in `next_functions` (as in torch): its gradient is added to `.grad`."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"
