"""Forward-mode AD (torch.autograd.forward_ad): dual numbers, carried along as the ops run.

Reverse mode (engine.py) records a graph and walks it backwards once, after the fact, giving the
gradient of one output with respect to every input: a vector-Jacobian product. Forward mode keeps
no graph. Every tensor x may carry a *tangent* dx (a direction, the same shape as x), and each op
computes, as it runs, its output's tangent from its inputs' tangents:

    y = f(x1, x2, ...)        dy = (df/dx1) dx1 + (df/dx2) dx2 + ...      (the Jacobian-vector product)

That is the op's `jvp` rule, written next to its forward and backward (`Mul.jvp` returns
`dx * y + x * dy`). A pair (x, dx) is a *dual tensor*, as a dual number a + b*eps with eps^2 = 0:
f(a + b eps) = f(a) + f'(a) b eps.

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)    # x carries `tangent`
        y = f(x)                                     # every op carries it on
        jvp = forward_ad.unpack_dual(y).tangent      # J_f(primal) @ tangent

How it is wired: the tangents of the open level live in one table here, {id(tensor): (weak
reference, tangent)}, dropped when the level closes (so every tangent disappears with it, as in
torch). While a level is open, `Function.apply` hands each op's result to `carry` below, which asks
the op's `jvp` for the output tangents when some input has one. The rules themselves run with the
level switched off (their own operations carry nothing) and under the caller's grad mode, so a
tangent can be differentiated in reverse mode (reverse-over-forward); and backward formulas run
on dual tensors carry tangents (forward-over-reverse: the tangent of a gradient is a
Hessian-vector product; the engine then takes its Tensor path, engine.py).

One level at a time, as torch ("Nested forward mode AD is not supported at the moment").
"""
import collections
import weakref

import numpy as np

from ..grad_mode import _state
from ..tensor import Tensor

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

UnpackedDualTensor = collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])
# How many levels are open, in all threads. Every op checks it before the open level of its own
# thread (_state.dual): a list item costs 10 ns to read, a thread-local attribute 40.
open_levels = [0]


class _Level:
    """The open level: its number and its table of tangents."""

    def __init__(self, number):
        self.number, self.tangents = number, {}

    def get(self, t):
        entry = self.tangents.get(id(t))
        if entry is not None and entry[0]() is t:
            return entry[1]
        if t._view is not None:  # a view made before its base got a tangent: its view of the base's
            root, make, _ = t._view
            root_tangent = self.get(root)
            if root_tangent is not None:
                _state.dual = None
                try:
                    return make(root_tangent)
                finally:
                    _state.dual = self
        return None

    def set(self, t, tangent):
        key, table = id(t), self.tangents
        if tangent is None:
            table.pop(key, None)
        else:  # the entry goes when t does: ids are reused
            table[key] = (weakref.ref(t, lambda _, key=key: table.pop(key, None)), tangent)


def enter_dual_level():
    """Open a level (torch allows one); returns its number."""
    if _state.dual is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _state.dual = _Level(0)
    open_levels[0] += 1
    return 0


def exit_dual_level(*, level=None):
    """Close the open level: every tangent made in it is dropped."""
    if _state.dual is None:
        raise RuntimeError("Dual level must be a positive number.")
    if level is not None and level != _state.dual.number:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. "
                           "This is not supported.")
    _state.dual = None
    open_levels[0] -= 1


class dual_level:
    """`with dual_level():` the scope of a forward-mode computation; `as` gives the level's number."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


def _open_level(level, what):
    current = _state.dual
    if current is None:
        raise RuntimeError(f"Trying to {what} for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if level is not None and level != current.number:
        raise RuntimeError(f"Invalid level given to _{'make' if 'create' in what else 'unpack'}_dual")
    return current


def make_dual(tensor, tangent, *, level=None):
    """A view of `tensor` that carries `tangent` (same size; both floating point)."""
    current = _open_level(level, "create a dual Tensor")
    for name, t in (("primal", tensor), ("tangent", tangent)):
        if not isinstance(t, Tensor):
            raise TypeError(f"make_dual(): argument '{name}' must be Tensor, not {type(t).__name__}")
        if t._data.dtype.kind not in "fc":
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {t.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if current.get(tensor) is not None:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at the "
                           f"same level {current.number} is not supported.")
    _state.dual = None  # the view itself carries nothing
    try:
        dual = tensor.view(tensor.shape)
    finally:
        _state.dual = current
    current.set(dual, tangent)
    return dual


def unpack_dual(tensor, *, level=None):
    """(primal, tangent): a view of `tensor` without tangent, and its tangent (None if it has none)."""
    current = _state.dual
    if current is None:
        return UnpackedDualTensor(tensor, None)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"_unpack_dual(): argument 'dual' (position 1) must be Tensor, not {type(tensor).__name__}")
    tangent = current.get(tensor)
    if tangent is not None and level is not None and level != current.number:
        raise RuntimeError("Invalid level given to _fw_primal")
    _state.dual = None
    try:
        primal = tensor.view(tensor.shape)  # an alias, as torch's
    finally:
        _state.dual = current
    return UnpackedDualTensor(primal, tangent)


def tangent_of(t):
    """t's tangent at the open level, or None (used by repr and by in-place ops)."""
    return _state.dual.get(t) if _state.dual is not None and isinstance(t, Tensor) else None


# ---- how ops carry tangents (called from Function.apply while a level is open) -------------------
def carry(ctx, args, result):
    """Give the op's outputs their tangents: `type(ctx).jvp(ctx, *input_tangents)`, with
    ctx.primals = the arguments and ctx.result = the output(s). A tensor argument without tangent
    gets zeros (torch does the same for custom Functions); non-tensor arguments get None.
    ctx.has_tangent tells which arguments really had one: torch's own rules leave out the terms of
    the others, which matters where the term would be 0 * inf = nan (Mul, Div, Pow, Lerp)."""
    level = _state.dual
    if not level.tangents:
        return result
    tangents = [level.get(a) if isinstance(a, Tensor) else None for a in args]
    if not any(t is not None for t in tangents):
        return result
    ctx.has_tangent = tuple([t is not None for t in tangents])  # a rule may skip the zero terms (0 * inf)
    tangents = [_zeros_like(a) if t is None and isinstance(a, Tensor) and a._data.dtype.kind in "fc" else t
                for a, t in zip(args, tangents)]
    ctx.primals, ctx.result = args, result
    fw_saved = ctx._fw_saved
    if fw_saved is not None:  # a custom Function's save_for_forward: what saved_tensors gives its jvp
        kept, ctx._saved, ctx._to_save = (ctx._saved, ctx._to_save), None, fw_saved
    _state.dual = None
    try:
        out_tangents = type(ctx).jvp(ctx, *tangents)
    finally:
        _state.dual = level
        if fw_saved is not None:
            ctx._saved, ctx._to_save = kept
    outputs = result if type(result) is tuple else (result,)
    if type(out_tangents) is not tuple:
        out_tangents = (out_tangents,)
    ours = type(ctx).__module__.startswith("tinygrad_edu.")
    if not ours:
        _check_users_tangents(ctx, outputs, out_tangents)
    for nr, (out, tangent) in enumerate(zip(outputs, out_tangents)):
        if tangent is not None and out._data.dtype.kind in "fc" and not _non_differentiable(ctx, out):
            level.set(out, _fitted(out, tangent))
            _keep_saved_output(ctx, nr, out)
    return result


def _non_differentiable(ctx, out):
    return any(out._data is (nd._data if isinstance(nd, Tensor) else nd) for nd in ctx._non_differentiable)


def _check_users_tangents(ctx, outputs, tangents):
    """A custom Function's jvp gets torch's checks: one tangent (a Tensor or None) per output, None
    for an output marked non-differentiable."""
    if len(tangents) != len(outputs):
        raise RuntimeError(f"Function's jvp returned an invalid number of forward gradients (expected "
                           f"{len(outputs)} but got {len(tangents)})")
    for nr, (out, tangent) in enumerate(zip(outputs, tangents)):
        if tangent is not None and not isinstance(tangent, Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(tangent).__name__}) for grad output {nr}.")
        if tangent is not None and _non_differentiable(ctx, out):
            raise RuntimeError(f"Function's jvp returned a gradient at position {nr}, but  the corresponding "
                               "forward output is not a differentiable Tensor.You should return None at that "
                               "position instead.")


def _zeros_like(a):
    return Tensor._wrap(np.zeros(a._data.shape, a._data.dtype))


def _fitted(out, tangent):
    """A rule's tangent as the output's shape: broadcast if it broadcasts (d(x + 1) = dx of a
    smaller x), else torch's error."""
    if not isinstance(tangent, Tensor):
        tangent = Tensor._wrap(np.asarray(tangent, out._data.dtype))
    shape = out._data.shape
    if tangent._data.shape != shape:
        try:
            fits = np.broadcast_shapes(tangent._data.shape, shape) == shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError("Trying to set a forward gradient that has a different size than that of the "
                               f"original Tensor, this is not supported. Tensor is of size {list(out.shape)} "
                               f"while the given forward gradient is of size {list(tangent.shape)}.")
        tangent = tangent.expand(shape)
    return tangent


def _keep_saved_output(ctx, nr, out):
    """A node that saved its own output keeps the tensor itself (not just its array), so that its
    backward, run on dual tensors, sees the output's tangent."""
    saved = ctx._saved
    if saved:
        ctx._saved = tuple([(out, None, out._version, s[3], None) if type(s) is tuple and s[0] is None
                            and s[4] == nr else s for s in saved])


def missing_jvp(ctx, *tangents):
    """The default `jvp`: a user's Function gets torch's NotImplementedError, one of ours torch's
    RuntimeError for an op without a forward-mode rule."""
    cls = type(ctx)
    if cls.__module__.startswith("tinygrad_edu."):
        raise RuntimeError(f"Trying to use forward AD with {_op_name(ctx)} that does not support it because it "
                           "has not been implemented yet.\nPlease file an issue for tinygrad_edu so that its "
                           "implementation can be prioritized.")
    raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                              "with forward mode AD.")


def _op_name(ctx):
    """torch names the aten op (`nll_loss2d`); ours from the node's name: NllLossBackward0 ->
    nll_loss, Log1PBackward0 -> log1p, MaxPool2DWithIndicesBackward0 -> max_pool2d_with_indices."""
    name = ctx.name().split("Backward")[0]
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and (name[i - 1].islower() or (name[i - 1].isupper() and name[i + 1:i + 2].islower())):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


class DualFunctionAPI:
    """What Function adds for forward mode: `jvp` (the rule; default: torch's errors),
    `save_for_forward`, and torch 2's split form, in which `forward(*args)` takes no ctx and
    `setup_context(ctx, inputs, output)` saves what backward needs."""
    _fw_saved = None
    jvp = staticmethod(missing_jvp)

    def save_for_forward(self, *tensors):
        """Keep tensors for `jvp` (it reads them as ctx.saved_tensors)."""
        self._fw_saved = tensors

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "setup_context" in vars(cls) and "forward" in vars(cls):
            plain, setup = cls.forward, cls.setup_context

            def forward(ctx, *args):
                out = plain(*args)
                setup(ctx, args, out)
                return out
            forward.plain_forward = plain
            cls.forward = staticmethod(forward)


def tangent_sum(*terms):
    """The sum of the terms that are not None (a Python-number argument has no tangent), or None."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total
