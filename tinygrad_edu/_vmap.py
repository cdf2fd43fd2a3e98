"""torch.func.vmap as a loop over the batch (see vmap's docstring); offered as tinygrad_edu.func.vmap."""
from .tensor import Tensor
from .ops.shape import stack
from . import random as _random
from ._pytree import flatten as _flatten


def _leaf_dims(func, in_dims, args):
    """One batch dim (or None) per leaf of args, from in_dims (an int, or a tuple with one entry per arg)."""
    name = getattr(func, "__name__", repr(func))
    if isinstance(in_dims, int):
        in_dims = (in_dims,) * len(args)
    if not isinstance(in_dims, tuple):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    if len(in_dims) != len(args):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`: {len(in_dims)} in_dims for {len(args)} inputs.")
    dims = []
    for dim, arg in zip(in_dims, args):
        n = len(_flatten(arg)[0])
        dims += [dim] * n if dim is None or isinstance(dim, int) else _flatten(dim)[0]
    return dims


def _batch_size(func, leaves, dims):
    sizes = []
    for x, d in zip(leaves, dims):
        if d is not None:
            if not isinstance(x, Tensor):
                raise ValueError(f"vmap: in_dim={d} given for an input of type {type(x)}: only Tensors can be mapped")
            if not -x.dim() <= d < x.dim():
                raise ValueError(f"vmap: Tried to map over dim {d} of an input with {x.dim()} dims "
                                 f"(shape {tuple(x.shape)})")
            sizes.append(x.shape[d])
    if not sizes:
        raise ValueError(f"vmap({getattr(func, '__name__', repr(func))}, ...)(<inputs>): At least one of the "
                         "inputs must be batched (have a non-None in_dim)")
    if len(set(sizes)) != 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0]


def _stack_outputs(func, results, out_dims):
    leaves0, rebuild = _flatten(results[0])
    per = [_flatten(r)[0] for r in results]
    dims = [out_dims] * len(leaves0) if isinstance(out_dims, int) or out_dims is None else _flatten(out_dims)[0]
    if len(dims) != len(leaves0):
        raise ValueError(f"vmap: out_dims {out_dims} does not match the {len(leaves0)} outputs of the function")
    out = []
    for i, (leaf, d) in enumerate(zip(leaves0, dims)):
        if d is None:
            out.append(leaf)
            continue
        if not isinstance(leaf, Tensor):
            name = getattr(func, "__name__", repr(func))
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(leaf)}. Did "
                             "you mean to set out_dims= to None for output?")
        out.append(stack([p[i] for p in per], dim=d))
    return rebuild(out)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over a batch dimension: a Python loop over the batch entries (each call sees one slice)
    whose results are stacked along out_dims. Correct and composable (vmap(grad(f)), vmap(jacrev(f))), not
    vectorised; chunk_size is accepted and ignored. Keyword arguments are passed unbatched."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")

    def wrapper(*args, **kwargs):
        leaves, rebuild = _flatten(args)
        dims = _leaf_dims(func, in_dims, args)
        size = _batch_size(func, leaves, dims)
        gen = _random.default_generator
        state = gen.get_state()
        results = []
        for b in range(size):
            if randomness == "same":
                gen.set_state(state)
            sliced = [x if d is None else x[(slice(None),) * (d % x.dim()) + (b,)] for x, d in zip(leaves, dims)]
            results.append(func(*rebuild(sliced), **kwargs))
            if randomness == "error" and gen.get_state() != state:
                raise RuntimeError("vmap: called random operation while in randomness error mode. Please either "
                                   "use the 'same' or 'different' randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
        return _stack_outputs(func, results, out_dims)
    return wrapper
