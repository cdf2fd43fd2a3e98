"""torch.einsum as one op: Einstein summation over subscript labels, computed by np.einsum.

    out[output labels] = sum over every other label of  prod_k  operand_k[labels of k]

'ij,jk->ik' is a matrix product, 'bij,bjk->bik' a batched one, 'i,j->ij' an outer product, 'ii->'
a trace, 'ii->i' a diagonal, 'ij->ji' a transpose; without '->' the output is the labels that
appear once, in alphabetical order (upper case first), after the '...' dims; '...' stands for the
dims an operand has beyond its labels, broadcast across operands (aligned from the right).

The gradient for one operand is again an einsum: the output gradient times every OTHER operand,
summed into that operand's labels. Two cases need a constant operand more:

- a label that only this operand has (it was summed away): the gradient is the same along it, so
  a vector of ones of its size joins the einsum (d/dx_ij of sum_j x_ij is 1 for every j);
- a label repeated in this operand ('ii'): only the diagonal was read, so the gradient lives on
  the diagonal; the repeat gets a fresh label and an identity matrix joins the einsum to tie the
  two together (off-diagonal entries get 0).

A label of size 1 in this operand but larger in others (broadcast) is summed back to size 1.
"""
import numpy as np

from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from ..tensor import Tensor

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _split_terms(equation, n_operands):
    """The equation's input terms (each a list of labels and '...') and its output term or None."""
    lhs, arrow, rhs = equation.partition("->")
    terms, term = [], []
    i = 0
    while i < len(lhs):
        c = lhs[i]
        if c == ",":
            terms.append(term)
            term = []
        elif c == ".":
            if lhs[i:i + 3] != "...":
                raise RuntimeError(f"einsum(): found '.' for operand {len(terms)} that is not part of any ellipsis")
            if "..." in term:
                raise RuntimeError(f"einsum(): found '.' for operand {len(terms)} for which an ellipsis was "
                                   f"already found")
            term.append("...")
            i += 2
        elif c in _LETTERS:
            term.append(c)
        elif c != " ":
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, subscripts "
                               f"must be in [a-zA-Z]")
        i += 1
    terms.append(term)
    if len(terms) > n_operands:
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < n_operands:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if not arrow:
        return terms, None
    out = []
    for j, c in enumerate(rhs.replace("...", "\0")):
        if c == "\0":
            out.append("...")
        elif c in _LETTERS:
            if c in out:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            out.append(c)
        elif c != " ":
            raise RuntimeError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + j} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    return terms, out


def _expand_ellipses(terms, out, shapes):
    """Labels per operand and for the output, each a string of letters ('...' given letters of its own)."""
    n_ell = 0
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        explicit = len(term) - ("..." in term)
        if "..." not in term and explicit != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({explicit}) does not match the "
                               f"number of dimensions ({len(shape)}) for operand {k} and no ellipsis was given")
        if explicit > len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({explicit}) is more than the "
                               f"number of dimensions ({len(shape)}) for operand {k}")
        if "..." in term:
            n_ell = max(n_ell, len(shape) - explicit)
    used = {c for term in terms for c in term} | set(out or ())
    ell = "".join([c for c in _LETTERS if c not in used][:n_ell])
    labels = []
    for term, shape in zip(terms, shapes):
        n = len(shape) - (len(term) - 1) if "..." in term else 0
        labels.append("".join(ell[n_ell - n:] if c == "..." else c for c in term))
    everything = "".join(labels)
    if out is None:  # implicit: the '...' dims, then the labels seen once, alphabetically
        output = ell + "".join(sorted(c for c in set(everything) if c not in ell and everything.count(c) == 1))
    else:
        for c in out:
            if c != "..." and c not in everything:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   f"operand")
        output = "".join(ell if c == "..." else c for c in out)
    return labels, output


def _check_sizes(labels, shapes):
    """{label: size}; torch's errors for a repeated label of two sizes or sizes that do not broadcast."""
    sizes = {}
    for k, (lab, shape) in enumerate(zip(labels, shapes)):
        mine = {}
        for c, n in zip(lab, shape):
            if c in mine and mine[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't match, "
                                   f"{n} != {mine[c]}")
            mine[c] = n
        for c, n in mine.items():
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which does not broadcast "
                                   f"with previously seen size {seen}")
            sizes[c] = max(seen, n) if n and seen else 0
    return sizes


def _einsum_arrays(labels, output, arrays):
    spec = ",".join(labels) + "->" + output
    big = len(arrays) > 1 and max(a.size for a in arrays) > 512  # a BLAS path pays for finding it
    return np.einsum(spec, *arrays, optimize=big)


class Einsum(Function):
    """torch's node: SumBackward1 (one operand, a label summed), PermuteBackward0 (one operand,
    none summed), ViewBackward0 (several operands, a label contracted), MulBackward0 (several, none
    contracted). forward(labels, output, sizes, *operands); the maths is in the module docstring."""

    @staticmethod
    def forward(ctx, labels, output, sizes, *operands):
        ctx.labels, ctx.output, ctx.sizes = labels, output, sizes
        ctx.save_for_backward(*operands)
        summed = any(c not in output for c in "".join(labels))
        ctx.torch_name = ("ViewBackward0" if summed else "MulBackward0") if len(labels) > 1 else \
            ("SumBackward1" if summed else "PermuteBackward0")
        return _einsum_arrays(labels, output, [t._data for t in operands])

    @staticmethod
    def backward(ctx, grad):
        return (None, None, None) + _grads(ctx, grad, ctx.saved_tensors, lambda a: Tensor._wrap(a), einsum_tensors)

    @staticmethod
    def backward_arrays(ctx, grad):
        return (None, None, None) + _grads(ctx, grad, ctx.saved_arrays, lambda a: a, _einsum_arrays)

    @staticmethod
    def jvp(ctx, labels, output, sizes, *tangents):
        """d einsum(x_1, ..., x_n) = sum_k einsum(x_1, .., dx_k, .., x_n): a product is linear in each operand."""
        operands = ctx.primals[3:]
        terms = [Einsum.apply(ctx.labels, ctx.output, ctx.sizes, *operands[:k], t, *operands[k + 1:])
                 for k, t in enumerate(tangents) if t is not None]
        return tangent_sum(*terms)


def einsum_tensors(labels, output, tensors):
    """An einsum of Tensors with labels already resolved (a recorded Einsum node)."""
    sizes = {}
    for lab, t in zip(labels, tensors):
        for c, n in zip(lab, t._data.shape):
            sizes[c] = max(sizes.get(c, n), n)
    return Einsum.apply(labels, output, sizes, *tensors)


def _grads(ctx, grad, operands, const, contract):
    """The gradient of each operand that needs one, as the einsum of the module docstring."""
    labels, output, sizes = ctx.labels, ctx.output, ctx.sizes
    grads = []
    for k, (lab, x) in enumerate(zip(labels, operands)):
        if not ctx.needs_input_grad[3 + k]:
            grads.append(None)
            continue
        terms, inputs = [output], [grad]
        terms += [labels[j] for j in range(len(labels)) if j != k]
        inputs += [operands[j] for j in range(len(labels)) if j != k]
        target, fresh = [], iter(c for c in _LETTERS if c not in "".join(labels) + output)
        elsewhere = set("".join(terms))
        for c in dict.fromkeys(lab):
            if c not in elsewhere:  # summed only here: the gradient is constant along it
                terms.append(c)
                inputs.append(const(np.ones(sizes[c], x.dtype if isinstance(x, np.ndarray) else x._data.dtype)))
        for c in lab:
            if c in target:  # a repeat: a fresh label, tied to the first by an identity matrix
                f = next(fresh)
                terms.append(c + f)
                inputs.append(const(np.eye(sizes[c], dtype=x.dtype if isinstance(x, np.ndarray) else x._data.dtype)))
                c = f
            target.append(c)
        g = contract(terms, "".join(target), inputs)
        shape = tuple(x.shape)
        ones = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        grads.append(g.sum(ones, keepdims=True) if ones else g)
    return tuple(grads)


def einsum(*args):
    """torch.einsum(equation, *operands), also einsum(equation, [operands])."""
    if len(args) < 2 or not isinstance(args[0], str):
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for k, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, not {type(t).__name__}")
        if t.dtype != operands[0].dtype:
            raise RuntimeError(f"expected scalar type {operands[0].dtype.scalar_name} but found {t.dtype.scalar_name}")
    shapes = [t._data.shape for t in operands]
    terms, out = _split_terms(equation, len(operands))
    labels, output = _expand_ellipses(terms, out, shapes)
    sizes = _check_sizes(labels, shapes)
    return Einsum.apply(labels, output, sizes, *operands)
