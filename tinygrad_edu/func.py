"""torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, functional_call, vmap.

Function transforms built on the reverse-mode engine. Arguments may be pytrees (Tensors inside nested
tuples, lists and dicts), `argnums` picks the differentiated positional arguments (an int gives that
argument's gradient, a tuple gives a tuple), `has_aux=True` means f returns (output, aux).

How they compose: each transform differentiates fresh copies of its inputs and builds its gradients with
`create_graph=True`; a result stays attached to a graph only if it depends on a tensor from outside the
transform (an outer transform's input, a closed-over parameter that requires grad), so grad(grad(f)),
jacfwd(jacrev(f)) and vmap(grad(f)) work, and a top-level result is a plain tensor as torch's.

`jvp` and `jacfwd` use forward-mode AD (autograd/forward_ad.py): the primals become dual tensors
carrying the tangents, and every op computes its output's tangent as it runs (one evaluation of f per
jvp; jacfwd evaluates f once per element of the differentiated inputs). The tangent rules run under
grad mode, so reverse-over-forward (jacrev(jacfwd(f))) and forward-over-reverse (jacfwd(jacrev(f)),
`hessian`; jvp of a grad) work. Not as torch's, documented: forward_ad has one level, so forward
transforms do not nest in each other (jacfwd(jacfwd(f)) raises torch's "Nested forward mode AD is not
supported at the moment"); `vmap` runs `func` once per batch entry in a Python loop and stacks the results (correct,
not vectorised; `chunk_size` is accepted and ignored). `randomness="error"` raises when an iteration
draws from the default generator, "same" replays the generator state for every entry.
"""
import numpy as np

from .tensor import Tensor
from .grad_mode import enable_grad
from .autograd.grad import grad as _autograd_grad
from .ops.shape import stack
from ._pytree import flatten as _flatten, tree_map as _map
from ._vmap import vmap
from .autograd import forward_ad as _fwad

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "functional_call", "vmap"]


# ---- the machinery shared by the transforms --------------------------------------------------------------

def _fresh(x):
    """A differentiable stand-in for x: linked to x's graph when x requires grad (or carries a tangent,
    which a detached copy would lose), a new leaf otherwise."""
    if not isinstance(x, Tensor):
        return x
    if x.requires_grad:
        return x.view_as(x)
    if _fwad.tangent_of(x) is not None:
        return x.view_as(x).requires_grad_(True)
    return x.detach().requires_grad_(True)


def _reaches_outside(tensors, inside):
    """Does any tensor depend on a leaf requiring grad that is not one of `inside` (ids)?"""
    seen, todo = set(), []
    for t in tensors:
        if isinstance(t, Tensor) and t.requires_grad:
            if t.grad_fn is None:
                if id(t) not in inside:
                    return True
            else:
                todo.append(t.grad_fn)
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if var is not None and id(var) not in inside:
            return True
        todo.extend(n for n, _ in getattr(node, "next_functions", ()))
    return False


def _finish(trees, inside):
    """Detach every tensor of the result trees unless one of them depends on something outside."""
    leaves = [leaf for tree in trees for leaf in _flatten(tree)[0]]
    if _reaches_outside(leaves, inside):
        return trees
    return tuple(_map(lambda t: t.detach() if isinstance(t, Tensor) else t, tree) for tree in trees)


def _argnums_tuple(argnums, nargs):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for n in nums:
        if not isinstance(n, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
        if not -nargs <= n < nargs:
            raise RuntimeError(f"Got argnum={n}, but only {nargs} positional inputs")
    return tuple(n % nargs for n in nums)


def _prepare(args, argnums):
    """(args with fresh differentiated arguments, the differentiated part as a tree, its leaves)."""
    nums = _argnums_tuple(argnums, len(args))
    args = list(args)
    for n in nums:
        args[n] = _map(_fresh, args[n])
    diff = args[nums[0]] if isinstance(argnums, int) else tuple(args[n] for n in nums)
    return tuple(args), diff, _flatten(diff)


def _inside_ids(leaves):
    ids = set()
    for t in leaves:
        if isinstance(t, Tensor):
            ids.add(id(t))
    return ids


def _split_aux(out, has_aux, name):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{name}(f)(*args): output of function f should be a tuple: (output, aux) if has_aux "
                           "is True")
    return out


def _grads_or_zeros(outputs, inputs, grad_outputs=None):
    """autograd.grad with a graph, zeros where an input is not reached."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or [None] * len(outputs))
             if isinstance(o, Tensor) and o.requires_grad]
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    got = (_autograd_grad([o for o, _ in pairs], tensors, [g for _, g in pairs], create_graph=True,
                          retain_graph=True, allow_unused=True) if pairs and tensors else [None] * len(tensors))
    got, res = list(got), []
    for t in inputs:
        if isinstance(t, Tensor):
            g = got.pop(0)
            res.append(Tensor._wrap(np.zeros(t._data.shape, t._data.dtype)) if g is None else g)
        else:
            res.append(None)
    return res


# ---- grad, vjp, jvp --------------------------------------------------------------------------------------

def grad_and_value(func, argnums=0, has_aux=False):
    """f -> (lambda *args: (gradient of f w.r.t. args[argnums], f(*args))); f must return a scalar Tensor."""
    def wrapper(*args, **kwargs):
        with enable_grad():
            args, diff, (leaves, rebuild) = _prepare(args, argnums)
            out, aux = _split_aux(func(*args, **kwargs), has_aux, "grad_and_value")
            if not isinstance(out, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(out)}")
            if out.dim() != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs "
                                   "instead?")
            grads = rebuild(_grads_or_zeros([out], leaves))
        g, out, aux = _finish((grads, out, aux), _inside_ids(leaves))
        return ((g, (out, aux)) if has_aux else (g, out))
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """f -> (lambda *args: gradient of f w.r.t. args[argnums]) (with has_aux: (gradient, aux))."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]); vjp_fn(cotangents) returns one gradient per primal, as a tuple."""
    with enable_grad():
        primals = tuple(_map(_fresh, p) for p in primals)
        out, aux = _split_aux(func(*primals), has_aux, "vjp")
    leaves, rebuild = _flatten(primals)
    inside = _inside_ids(leaves)
    out_leaves = _flatten(out)[0]

    def vjp_fn(cotangents):
        ct_leaves = _flatten(cotangents)[0]
        if len(ct_leaves) != len(out_leaves):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function: got {len(ct_leaves)} cotangents for {len(out_leaves)} "
                               "outputs")
        with enable_grad():
            grads = rebuild(_grads_or_zeros(out_leaves, leaves, ct_leaves))
        return _finish((grads,), inside)[0]
    res, res_aux = _finish((out, aux), inside)
    return (res, vjp_fn, res_aux) if has_aux else (res, vjp_fn)


def _unpack_tree(tree):
    """(the tree, its tangents: zeros where a Tensor carries none), inside the open level. The tree's
    tensors themselves are the primals: their tangents go when the level closes."""
    leaves, rebuild = _flatten(tree)
    tangents = []
    for leaf in leaves:
        if isinstance(leaf, Tensor):
            t = _fwad.unpack_dual(leaf).tangent
            tangents.append(Tensor._wrap(np.zeros(leaf._data.shape, leaf._data.dtype)) if t is None else t)
        else:
            tangents.append(None)
    return tree, rebuild(tangents)


def _dual_call(func, args, kwargs, duals, has_aux, name):
    """func(*args) in a dual level, the tensors of `duals` ({id: tangent}) made dual:
    (output, output tangents, aux as primals)."""
    with _fwad.dual_level():
        call_args = _map(lambda t: _fwad.make_dual(t, duals[id(t)]) if isinstance(t, Tensor) and id(t) in duals
                         else t, args)
        out, aux = _split_aux(func(*call_args, **kwargs), has_aux, name)
        out, tangents = _unpack_tree(out)
        aux = _unpack_tree(aux)[0] if has_aux else None
    return out, tangents, aux


def _jvp_core(func, primals, tangents, has_aux):
    """(output, J t, aux, inside ids) by forward-mode AD: the primals, made dual with the tangents."""
    primals = tuple(_map(_fresh, p) for p in primals)
    leaves = _flatten(primals)[0]
    duals = {id(p): t for p, t in zip(leaves, _flatten(tangents)[0]) if isinstance(p, Tensor)}
    out, jv, aux = _dual_call(func, primals, {}, duals, has_aux, "jvp")
    return out, jv, aux, _inside_ids(leaves)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J tangents[, aux]): a Jacobian-vector product, by forward-mode AD."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be.")
    for p, t in zip(_flatten(primals)[0], _flatten(tangents)[0]):
        if isinstance(p, Tensor) and tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have the same shape, "
                               f"got {tuple(p.shape)} and {tuple(t.shape)}")
    with enable_grad():
        out, jv, aux, inside = _jvp_core(func, primals, tangents, has_aux)
    out, jv, aux = _finish((out, jv, aux), inside)
    return (out, jv, aux) if has_aux else (out, jv)


# ---- Jacobians and Hessians -------------------------------------------------------------------------------

def _basis(t, k):
    e = np.zeros(t._data.size, t._data.dtype)
    e[k] = 1
    return Tensor._wrap(e.reshape(t._data.shape))


def _stack_as(parts, shape, dtype, dim=0):
    if not parts:
        return Tensor._wrap(np.zeros(shape, dtype))
    return stack(parts, dim=dim).reshape(shape)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """f -> its Jacobian by reverse mode (one vjp per output element): out.shape + in.shape per pair, nested as
    the output's pytree with, at each leaf, the structure of args[argnums]. chunk_size is accepted, ignored."""
    def wrapper(*args, **kwargs):
        with enable_grad():
            args, diff, (leaves, rebuild) = _prepare(args, argnums)
            out, aux = _split_aux(func(*args, **kwargs), has_aux, "jacrev")
            out_leaves, out_rebuild = _flatten(out)
            jac = []
            for o in out_leaves:
                rows = [_grads_or_zeros([o], leaves, [_basis(o, k)]) for k in range(o.numel())]
                jac.append(rebuild([_stack_as([r[j] for r in rows], tuple(o.shape) + tuple(x.shape), x._data.dtype)
                                    for j, x in enumerate(leaves)]))
        jac, aux = _finish((out_rebuild(jac), aux), _inside_ids(leaves))
        return (jac, aux) if has_aux else jac
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """f -> its Jacobian column by column, by forward-mode AD (one evaluation of f per element of the
    differentiated inputs, that element's tangent 1); same layout as jacrev's."""
    def wrapper(*args, **kwargs):
        with enable_grad():
            args, diff, (leaves, rebuild) = _prepare(args, argnums)
            cols, out, aux = [], None, None
            for x in leaves:
                cols.append([])
                for k in range(x.numel()):
                    out, tangents, aux = _dual_call(func, args, kwargs, {id(x): _basis(x, k)}, has_aux, "jacfwd")
                    cols[-1].append(_flatten(tangents)[0])
            if out is None:   # no element to differentiate: f still runs once, for the shapes
                out, aux = _split_aux(func(*args, **kwargs), has_aux, "jacfwd")
            out_leaves, out_rebuild = _flatten(out)
            jac = [rebuild([_stack_as([c[i] for c in cols[j]], tuple(o.shape) + tuple(x.shape), x._data.dtype, -1)
                            for j, x in enumerate(leaves)]) for i, o in enumerate(out_leaves)]
        jac, aux = _finish((out_rebuild(jac), aux), _inside_ids(leaves))
        return (jac, aux) if has_aux else jac
    return wrapper


def hessian(func, argnums=0):
    """f -> its Hessian, jacfwd(jacrev(f, argnums), argnums) as torch's."""
    return jacfwd(jacrev(func, argnums), argnums)


# ---- functional_call ---------------------------------------------------------------------------------------

def _merge_dicts(dicts):
    if isinstance(dicts, dict):
        return dict(dicts)
    merged, seen = {}, set()
    dup = [k for d in dicts for k in d if k in seen or seen.add(k)]
    if dup:
        raise ValueError(f"{dup} appeared in multiple dictionaries; behavior of functional call is ambiguous")
    for d in dicts:
        merged.update(d)
    return merged


def _slot(module, dotted):
    """(the registry dict holding `dotted`, its last name), or (None, name) when there is no such slot."""
    *path, name = dotted.split(".")
    for part in path:
        module = module.__dict__.get("_modules", {}).get(part)
        if module is None:
            return None, name
    for registry in ("_parameters", "_buffers"):
        table = module.__dict__.get(registry, {})
        if name in table:
            return table, name
    return None, name


def _check_strict(module, values):
    names = [n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()]
    unexpected = [k for k in values if k not in names]
    missing = [n for n in names if n not in values]
    if unexpected or missing:
        msg = f"Error(s) in reparametrizing for {type(module).__name__}:"
        if unexpected:
            msg += "\n\tUnexpected key(s): " + ", ".join(repr(k) for k in unexpected) + "."
        if missing:
            msg += "\n\tMissing key(s): " + ", ".join(repr(k) for k in missing) + "."
        raise RuntimeError(msg)


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """module(*args, **kwargs) with its parameters and buffers replaced by the given tensors (by dotted name)
    for the call only; the originals are put back afterwards, also when the call raises. Tied weights (one
    tensor under several names) follow a replacement of any of their names when tie_weights=True. Keys that
    name no parameter or buffer are ignored (an error with strict=True)."""
    values = _merge_dicts(parameter_and_buffer_dicts)
    if strict:
        _check_strict(module, values)
    if tie_weights:
        named = [*module.named_parameters(remove_duplicate=False), *module.named_buffers(remove_duplicate=False)]
        by_id = {id(t): values[n] for n, t in named if n in values}
        values.update({n: by_id[id(t)] for n, t in named if n not in values and id(t) in by_id})
    saved = []
    try:
        for key, value in values.items():
            table, name = _slot(module, key)
            if table is not None:
                saved.append((table, name, table[name]))
                table[name] = value
        args = () if args is None else args if isinstance(args, tuple) else (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for table, name, old in reversed(saved):
            table[name] = old

