"""torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp of a whole function.

Conventions as torch's: `inputs` is a Tensor or a tuple of Tensors and `func(*inputs)` returns a Tensor
or a tuple of Tensors; every result keeps the nesting of what it was computed from (a tuple only where
a tuple went in). Results are detached unless `create_graph=True`; an output that does not depend on an
input gives zeros, or an error with `strict=True`.

`jvp`, `hvp` and `jacobian(strategy="forward-mode")` use forward-mode AD (forward_ad.py): the inputs
become dual tensors carrying the tangent v, and each op computes its output's tangent as it runs, so
`jvp` is one evaluation of func (torch's own `jvp` uses the double-vjp trick instead: the same values).
`hvp` is forward-over-reverse: the tangent of the gradient, computed on dual inputs, is H v.
`jacobian(strategy="forward-mode")` evaluates func once per input element (a Jacobian column).
`vectorize=True` is accepted and runs a Python loop over the rows (or columns) of the Jacobian: the
results are the same, it is not faster.
"""
import numpy as np

from ..tensor import Tensor
from ..grad_mode import enable_grad
from ..ops.shape import stack
from .grad import grad as _grad
from . import forward_ad as _fwad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(x, arg_name, fn_name):
    """(was it a tuple, the tuple); TypeError as torch's when an entry is not a Tensor."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                            f"but {where} has type {type(el)}.")
    return is_tuple, items


def _tuple_post(res, to_unpack):
    """Undo _as_tuple: one flag (a tuple of results) or two (a tuple of tuples [output][input])."""
    if isinstance(to_unpack, tuple):
        out_tuple, in_tuple = to_unpack
        if not in_tuple:
            res = tuple(el[0] for el in res)
        return res if out_tuple else res[0]
    return res if to_unpack else res[0]


def _prep(inputs, create_graph, need_graph):
    """Fresh differentiable copies of the inputs (still linked to the outer graph when create_graph)."""
    out = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            out.append(inp.view_as(inp) if need_graph else inp)
        elif need_graph and _fwad.tangent_of(inp) is not None:   # a detached copy would lose the tangent
            out.append(inp.view_as(inp) if inp.requires_grad else inp.view_as(inp).requires_grad_(True))
        else:
            out.append(inp.detach().requires_grad_(need_graph))
    return tuple(out)


def _post(x, create_graph):
    if isinstance(x, Tensor):
        return x if create_graph else x.detach()
    return tuple(_post(el, create_graph) for el in x)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}.")


_STRICT = {
    "hessian": "The hessian of the user-provided function with respect to input {i} is independent of the input. "
               "This is not allowed in strict mode. You should ensure that your function is thrice differentiable "
               "and that the hessian depends on the inputs.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with respect "
                "to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
                "that your function is twice differentiable and that the jacobian depends on the inputs (this would "
                "be violated by a linear function for example).",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided "
                   "function. This is not allowed in strict mode.",
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be computed "
               "in a differentiable manner from the input when running in strict mode.",
}


def _check_requires_grad(tensors, kind, strict):
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_STRICT[kind].format(i=i))


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad; None for inputs they do not reach."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _grad([o for o, _ in pairs], inputs, [g for _, g in pairs], allow_unused=True,
                 create_graph=create_graph, retain_graph=retain_graph)


_FILL = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict "
            "mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in strict "
                  "mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed "
                   "in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    """Zeros for the missing gradients; with strict, errors as torch's instead."""
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_FILL[stage].format(i=i))
            g = Tensor._wrap(np.zeros(ref._data.shape, ref._data.dtype))
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode when create_graph=True.")
        res.append(g)
    return tuple(res)


def _zeros_like(t, requires_grad=False):
    return Tensor._wrap(np.zeros(t._data.shape, t._data.dtype)).requires_grad_(requires_grad)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product of `func` at `inputs`."""
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prep(inputs, create_graph, need_graph=True)
        is_out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _prep(v, create_graph, need_graph=False)
            _validate_v(v, outputs, is_out_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
        grads = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grads, inputs, strict, create_graph, "back")
    return _tuple_post(_post(outputs, create_graph), is_out_tuple), _tuple_post(_post(res, create_graph), is_in_tuple)


def _jvp_v(v, inputs, is_in_tuple, create_graph):
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        return (Tensor._wrap(np.ones(inputs[0]._data.shape, inputs[0]._data.dtype)),)
    _, v = _as_tuple(v, "v", "jvp")
    v = _prep(v, create_graph, need_graph=False)
    _validate_v(v, inputs, is_in_tuple)
    return v


def _unpack_all(outputs):
    """(the outputs, their tangents or None), inside the open level. The outputs themselves (not
    unpack_dual's views of them) are the primals: their tangents go when the level closes."""
    return tuple(outputs), tuple(_fwad.unpack_dual(o).tangent for o in outputs)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by forward-mode AD (see the module docstring)."""
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prep(inputs, create_graph, need_graph=True)
        v = _jvp_v(v, inputs, is_in_tuple, create_graph)
        with _fwad.dual_level():
            duals = tuple(_fwad.make_dual(inp, t) for inp, t in zip(inputs, v))
            is_out_tuple, outputs = _as_tuple(func(*duals), "outputs of the user-provided function", "jvp")
            _check_requires_grad(outputs, "outputs", strict)
            if strict:   # torch's strict errors name the inputs no output depends on: found in reverse mode
                dummy = tuple(_zeros_like(o, requires_grad=True) for o in outputs)   # as torch's trick
                _check_requires_grad(_autograd_grad(outputs, duals, dummy, create_graph=True), "grad_inputs", True)
            outputs, tangents = _unpack_all(outputs)
        res = _fill_in_zeros(tangents, outputs, strict, create_graph, "back_trick")
    return (_tuple_post(_post(outputs, create_graph), is_out_tuple),
            _tuple_post(_post(res, create_graph), is_out_tuple))


def _check_jacobian_args(strategy, vectorize, strict, create_graph):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and `strategy='
                                      '"forward-mode"` are not supported together (yet). Please either set '
                                      '`create_graph=False` or `strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    if vectorize and strict:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                           "supported together. Please either set `strict=False` or `vectorize=False`.")


def _basis(t, k):
    """The k-th one-hot tensor of t's shape and dtype."""
    e = np.zeros(t._data.size, t._data.dtype)
    e[k] = 1
    return Tensor._wrap(e.reshape(t._data.shape))


def _jac_reverse(outputs, inputs, strict, create_graph):
    """jac[i][j] of shape out_i.shape + in_j.shape, one vjp per element of every output."""
    jac = []
    for i, out in enumerate(outputs):
        rows = [[] for _ in inputs]
        for k in range(out.numel()):
            grads = _autograd_grad((out,), inputs, (_basis(out, k),), create_graph=create_graph, retain_graph=True)
            for j, g in enumerate(grads):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is independent of input {j}. "
                                           "This is not allowed in strict mode.")
                    g = _zeros_like(inputs[j])
                elif strict and create_graph and not g.requires_grad:
                    raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. "
                                       "This is not allowed in strict mode when create_graph=True.")
                rows[j].append(g)
        jac.append(tuple(_stack_rows(r, out, inp) for r, inp in zip(rows, inputs)))
    return tuple(jac)


def _stack_rows(rows, out, inp):
    shape = tuple(out.shape) + tuple(inp.shape)
    return stack(rows).reshape(shape) if rows else Tensor._wrap(np.zeros(shape, inp._data.dtype))


def _jac_forward(func, inputs):
    """(is_out_tuple, outputs, jac) by columns: one forward-mode evaluation of func per element of
    every input (its tangent 1, every other tangent absent)."""
    cols, first = [[] for _ in inputs], None
    for j, inp in enumerate(inputs):
        for k in range(inp.numel()):
            with _fwad.dual_level():
                args = tuple(_fwad.make_dual(x, _basis(x, k)) if n == j else x for n, x in enumerate(inputs))
                is_out_tuple, outputs = _as_tuple(func(*args), "outputs of the user-provided function", "jacobian")
                outputs, tangents = _unpack_all(outputs)
            first = first or (is_out_tuple, outputs)
            cols[j].append([_zeros_like(o) if t is None else t for o, t in zip(outputs, tangents)])
    if first is None:   # no input element: func still runs once, for the outputs' shapes
        first = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
    is_out_tuple, outputs = first
    jac = tuple(tuple(_stack_as([c[i] for c in cols[j]], tuple(out.shape) + tuple(inp.shape), inp._data.dtype)
                      for j, inp in enumerate(inputs)) for i, out in enumerate(outputs))
    return is_out_tuple, outputs, jac


def _stack_as(parts, shape, dtype):
    """Jacobian columns (each of the output's shape) stacked last, as out.shape + in.shape."""
    return stack(parts, dim=-1).reshape(shape) if parts else Tensor._wrap(np.zeros(shape, dtype))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of `func` at `inputs`: d out_i / d in_j of shape out_i.shape + in_j.shape, nested as
    torch's (a Tensor, a tuple over the inputs or the outputs, or a tuple of tuples [output][input])."""
    _check_jacobian_args(strategy, vectorize, strict, create_graph)
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prep(inputs, create_graph, need_graph=True)
        if strategy == "forward-mode":   # never strict (it needs vectorize=True, which refuses strict)
            is_out_tuple, outputs, jac = _jac_forward(func, inputs)
        else:
            is_out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
            _check_requires_grad(outputs, "outputs", strict)
            jac = _jac_reverse(outputs, inputs, strict, create_graph)
    return _tuple_post(_post(jac, create_graph), (is_out_tuple, is_in_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar `func`: a Tensor of shape in.shape + in.shape, or a tuple of tuples [i][j]."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def scalar(*inp):
        out = func(*inp)
        if isinstance(out, tuple) or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(scalar, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_post(res, (is_in_tuple, is_in_tuple))


def _hessian_setup(func, inputs, v, create_graph, name):
    """(is_in_tuple, fresh inputs, v) of vhp/hvp, with torch's errors."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _prep(inputs, create_graph, need_graph=True)
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        v = _prep(v, create_graph, need_graph=False)
        _validate_v(v, inputs, is_in_tuple)
    elif len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                           "Tensor with a single element.")
    else:
        v = (Tensor._wrap(np.ones(inputs[0]._data.shape, inputs[0]._data.dtype)),)
    return is_in_tuple, inputs, v


def _scalar_and_gradient(func, inputs, strict, name):
    """(func's one output, its gradient with a graph) at `inputs`."""
    is_out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", name)
    if is_out_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict)
    return outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H): a vector-Hessian product of a scalar function (a vjp of its gradient)."""
    with enable_grad():
        is_in_tuple, inputs, v = _hessian_setup(func, inputs, v, create_graph, "vhp")
        outputs, jac = _scalar_and_gradient(func, inputs, strict, "vhp")
        grads = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back")
    return _post(outputs[0], create_graph), _tuple_post(_post(res, create_graph), is_in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v): a Hessian-vector product, forward-over-reverse: the tangent, along v, of the
    gradient computed on dual inputs."""
    with enable_grad():
        is_in_tuple, inputs, v = _hessian_setup(func, inputs, v, create_graph, "hvp")
        with _fwad.dual_level():
            duals = tuple(_fwad.make_dual(inp, t) for inp, t in zip(inputs, v))
            outputs, jac = _scalar_and_gradient(func, duals, strict, "hvp")
            outputs = _unpack_all(outputs)[0]
            tangents = tuple(None if g is None else _fwad.unpack_dual(g).tangent for g in jac)
        if strict:
            _check_requires_grad(jac, "hessian", strict)
        res = _fill_in_zeros(tangents, inputs, strict, create_graph, "double_back_trick")
    return _post(outputs[0], create_graph), _tuple_post(_post(res, create_graph), is_in_tuple)
