"""Products beyond matmul: outer, inner, cross, tensordot, trace, kron, matrix_power, and the fused
"scaled sum plus product" family addmm / addmv / addr / baddbmm / addbmm.

The fused family is one class, `AddProduct`: out = beta * C + alpha * P(A, B), where P is one of

    addmm    A (n,k) @ B (k,m)         dA = alpha g B^T            dB = alpha A^T g
    addmv    A (n,k) @ v (k)           dA = alpha g v^T (outer)    dv = alpha A^T g
    addr     a (n) outer b (m)         da = alpha g b              db = alpha a g   (as a row)
    baddbmm  A (b,n,k) @ B (b,k,m)     as addmm, batched
    addbmm   sum_b A_b @ B_b           dA_b = alpha g B_b^T        dB_b = alpha A_b^T g

and dC = beta g (summed back to C's shape by the engine where C was broadcast). With beta = 0
C's values are not read (a nan in C does not reach the result), as in torch.

outer, inner, tensordot, kron and matrix_power are compositions of existing ops (the
composition is the maths); Cross and Trace are classes of their own.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .reduce_checks import check_tensors
from .shape import Reshape


def _scalar_grad(scale, g):
    return g if scale == 1 else g * scale


class AddProduct(Function):
    """AddmmBackward0 / AddmvBackward0 / AddrBackward0 / BaddbmmBackward0 / AddbmmBackward0
    (named by `kind`). See the module docstring for the gradients."""
    _NAMES = {"addmm": "AddmmBackward0", "addmv": "AddmvBackward0", "addr": "AddrBackward0",
              "baddbmm": "BaddbmmBackward0", "addbmm": "AddbmmBackward0"}

    @staticmethod
    def forward(ctx, c, a, b, kind, beta, alpha):
        ad, bd = a._data, b._data
        prod = np.multiply.outer(ad, bd) if kind == "addr" else np.matmul(ad, bd)
        if kind == "addbmm":
            prod = prod.sum(0)
        out = prod if alpha == 1 else prod * np.asarray(alpha, prod.dtype)
        if beta != 0:
            cd = c._data if beta == 1 else c._data * np.asarray(beta, prod.dtype)
            out = out + cd
        else:
            out = np.broadcast_to(out, np.broadcast_shapes(out.shape, c._data.shape)).copy()
        if kind == "addr" and c._data.shape == out.shape and not c._data.flags.c_contiguous:
            laid = np.empty_like(c._data, dtype=prod.dtype)  # torch's addr keeps the input's memory layout
            laid[...] = out
            out = laid
        ctx.kind, ctx.beta, ctx.alpha = kind, beta, alpha
        ctx.torch_name = AddProduct._NAMES[kind]
        needs = ctx.needs_input_grad
        ctx.save_for_backward(a if needs[2] else None, b if needs[1] else None)
        return out.astype(prod.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        kind, needs = ctx.kind, ctx.needs_input_grad
        gc = (g * 0 if ctx.beta == 0 else _scalar_grad(ctx.beta, g)) if needs[0] else None
        ga_ = _scalar_grad(ctx.alpha, g)
        ga = gb = None
        if kind in ("addmm", "baddbmm"):
            ga = ga_ @ b.mT if needs[1] else None
            gb = a.mT @ ga_ if needs[2] else None
        elif kind == "addmv":
            ga = ga_.reshape(-1, 1) * b if needs[1] else None
            gb = a.mT @ ga_ if needs[2] else None
        elif kind == "addr":
            ga = ga_ @ b if needs[1] else None
            gb = a @ ga_ if needs[2] else None
        else:  # addbmm: the same g reaches every batch member
            gbatch = ga_.unsqueeze(0)
            ga = gbatch @ b.mT if needs[1] else None
            gb = a.mT @ gbatch if needs[2] else None
        return gc, ga, gb, None, None, None

    @staticmethod
    def jvp(ctx, tc, ta, tb, kind, beta, alpha):
        """d(beta C + alpha P(A, B)) = beta dC + alpha (P(dA, B) + P(A, dB)): the op itself twice,
        the second time with beta = 0 (dC not read)."""
        c, a, b = ctx.primals[:3]
        kind, beta, alpha = ctx.kind, ctx.beta, ctx.alpha
        return AddProduct.apply(tc, ta, b, kind, beta, alpha) + AddProduct.apply(tc, a, tb, kind, 0, alpha)


_NDIMS = {"addmm": (2, 2, 2), "addmv": (2, 1, 1), "addr": (1, 1, 2), "baddbmm": (3, 3, 3), "addbmm": (3, 3, 2)}
_ARGS = {"addmm": ("mat1", "mat2"), "addmv": ("mat", "vec"), "addr": ("vec1", "vec2"),
         "baddbmm": ("batch1", "batch2"), "addbmm": ("batch1", "batch2")}


def _add_product(kind, input, a, b, beta, alpha):
    check_tensors(kind, input, a, b)
    ad, bd = a._data, b._data
    na, nb, nout = _NDIMS[kind]
    names = _ARGS[kind]
    if kind in ("baddbmm", "addbmm") and (ad.ndim < 3 or bd.ndim < 3):  # torch reads size(2) first
        small = ad if ad.ndim < 3 else bd
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(small.ndim, 1)}, "
                         f"{max(small.ndim, 1) - 1}], but got 2)")
    if ad.ndim != na or bd.ndim != nb:
        raise RuntimeError(f"{names[0]} must be a {na}D tensor and {names[1]} a {nb}D tensor, got "
                           f"{ad.ndim}D and {bd.ndim}D")
    if kind in ("addmm", "addmv", "baddbmm", "addbmm") and ad.shape[-1] != bd.shape[-1 if nb == 1 else -2]:
        ra = "x".join(map(str, ad.shape[-2:]))
        rb = "x".join(map(str, bd.shape[-2:])) if nb > 1 else f"{bd.shape[0]}x1"
        raise RuntimeError(f"{names[0]} and {names[1]} shapes cannot be multiplied ({ra} and {rb})")
    if kind in ("baddbmm", "addbmm") and ad.shape[0] != bd.shape[0]:
        raise RuntimeError(f"{names[0]} and {names[1]} must have same number of batches, got {ad.shape[0]} "
                           f"and {bd.shape[0]}")
    dtypes = {input._data.dtype, ad.dtype, bd.dtype}
    if len(dtypes) > 1 and kind == "addr":  # addr promotes (an outer product is element-wise), the rest refuse
        from .. import dtypes as _dt
        dt = _dt.promote_arrays(_dt.promote_arrays(input._data.dtype, ad.dtype), bd.dtype)
        input, a, b = input.to(dt), a.to(dt), b.to(dt)
        ad, bd, dtypes = a._data, b._data, {dt}
    if len(dtypes) > 1:
        raise RuntimeError(f"expected m1, m2 and self to have the same dtype, but got: "
                           f"{', '.join(str(d) for d in (input._data.dtype, ad.dtype, bd.dtype))}")
    if kind == "addr":
        target = (ad.shape[0], bd.shape[0])
    elif kind == "addmv":
        target = (ad.shape[0],)
    elif kind == "addbmm":
        target = (ad.shape[1], bd.shape[2])
    else:
        target = ad.shape[:-1] + bd.shape[-1:]
    shape = input._data.shape
    if not _broadcasts_to(shape, tuple(target)):
        _expand_error(shape, tuple(target))
    for arg, value in (("beta", beta), ("alpha", alpha)):
        if ad.dtype.kind not in "fc" and isinstance(value, float):
            raise RuntimeError(f"For integral input tensors, argument {arg} must not be a floating point number.")
    return AddProduct.apply(input, a, b, kind, beta, alpha)


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _expand_error(shape, target):
    lead = len(target) - len(shape)
    for i in range(len(shape) - 1, -1, -1):
        if shape[i] != 1 and (i + lead < 0 or shape[i] != target[i + lead]):
            size = target[i + lead] if i + lead >= 0 else 1
            raise RuntimeError(f"The expanded size of the tensor ({size}) must match the existing size ({shape[i]}) "
                               f"at non-singleton dimension {i + lead}.  Target sizes: {list(target)}.  "
                               f"Tensor sizes: {list(shape)}")
    raise RuntimeError(f"expand: the number of sizes provided ({len(target)}) must be greater or equal to the "
                       f"number of dimensions in the tensor ({len(shape)})")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    return _add_product("addmm", input, mat1, mat2, beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _add_product("addmv", input, mat, vec, beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    return _add_product("addr", input, vec1, vec2, beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _add_product("baddbmm", input, batch1, batch2, beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _add_product("addbmm", input, batch1, batch2, beta, alpha)


# ---- outer, inner, tensordot, kron -----------------------------------------------------------------
def outer(input, vec2):
    check_tensors("outer", input, vec2)
    for name, v in (("self", input), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


def _contract(a, b, dims_a, dims_b):
    """sum over a's dims_a paired with b's dims_b: a permute + reshape to one matrix product."""
    sa, sb = a._data.shape, b._data.shape
    for da, db in zip(dims_a, dims_b):
        if sa[da] != sb[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa[da]} in dim {da} and "
                               f"second has size {sb[db]} in dim {db}")
    free_a = [d for d in range(len(sa)) if d not in dims_a]
    free_b = [d for d in range(len(sb)) if d not in dims_b]
    k = int(np.prod([sa[d] for d in dims_a]))
    left = a.permute(*free_a, *dims_a).reshape(-1, k)
    right = b.permute(*dims_b, *free_b).reshape(k, -1)
    shape = tuple([sa[d] for d in free_a] + [sb[d] for d in free_b])
    return Reshape.apply(left @ right, shape, True)  # always a view node (ViewBackward0), as torch's


def _same_dtype(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")


def tensordot(a, b, dims=2):
    check_tensors("tensordot", a, b)
    _same_dtype(a, b)
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > na or dims > nb:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(na - dims, na)), list(range(dims))
    else:
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
        if len(dims_a) != len(dims_b):
            raise RuntimeError(f"both dimension lists should have same length but got {len(dims_a)} and "
                               f"{len(dims_b)}")
    dims_a = [_wrap_dim(d, na) for d in dims_a]
    dims_b = [_wrap_dim(d, nb) for d in dims_b]
    return _contract(a, b, dims_a, dims_b)


def inner(input, other):
    check_tensors("inner", input, other)
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    _same_dtype(input, other)
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input._data.shape)} and {list(other._data.shape)}")
    return _contract(input, other, [input._data.ndim - 1], [other._data.ndim - 1])


def kron(input, other):
    """a (..., m, n) kron b (p, q) = the block matrix [a_ij b]: one broadcast product, then merged dims."""
    check_tensors("kron", input, other)
    n = max(input._data.ndim, other._data.ndim)
    a = input.reshape((1,) * (n - input._data.ndim) + input._data.shape)
    b = other.reshape((1,) * (n - other._data.ndim) + other._data.shape)
    sa, sb = a._data.shape, b._data.shape
    a = a.reshape([s for d in sa for s in (d, 1)])
    b = b.reshape([s for d in sb for s in (1, d)])
    return named((a * b).reshape([x * y for x, y in zip(sa, sb)]), "UnsafeViewBackward0")


# ---- cross, trace -----------------------------------------------------------------------------------
class LinalgCross(Function):
    """LinalgCrossBackward0. c = a x b along one dim of length 3: da = b x g, db = g x a."""

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.dim = dim
        ctx.save_for_backward(a, b)
        return np.ascontiguousarray(np.cross(a._data, b._data, axis=dim))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        needs = ctx.needs_input_grad
        ga = LinalgCross.apply(b, g, ctx.dim) if needs[0] else None
        gb = LinalgCross.apply(g, a, ctx.dim) if needs[1] else None
        return ga, gb, None

    @staticmethod
    def jvp(ctx, ta, tb, dim):
        """d(a x b) = da x b + a x db."""
        a, b = ctx.primals[:2]
        return LinalgCross.apply(ta, b, ctx.dim) + LinalgCross.apply(a, tb, ctx.dim)


def linalg_cross(input, other, *, dim=-1):
    check_tensors("linalg.cross", input, other)
    sa, sb = input._data.shape, other._data.shape
    if len(sa) != len(sb):
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, len(sa))
    if sa[d] != 3 or sb[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {sa[d]} and {sb[d]}")
    from .elementwise import _check_broadcast
    _check_broadcast(sa, sb)
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found {other.dtype.scalar_name}")
    return LinalgCross.apply(input, other, d)


def cross(input, other, dim=None):
    """torch.cross: without dim, the first dim of length 3 (torch warns that this default will change)."""
    check_tensors("cross", input, other)
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


class Trace(Function):
    """TraceBackward0. tr(A) = sum_i A_ii: dA = g * I (the rectangular identity of A's shape)."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x._data.shape
        d = x._data
        if d.dtype.kind in "biu":
            return np.asarray(np.trace(d, dtype=np.int64))
        return np.asarray(np.trace(d))

    @staticmethod
    def backward(ctx, g):
        eye = Tensor._wrap(np.eye(*ctx.shape, dtype=g._data.dtype))
        return g * eye

    @staticmethod
    def jvp(ctx, tx):
        """d tr(A) = tr(dA)."""
        return Trace.apply(tx)


def trace(input):
    check_tensors("trace", input)
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Trace.apply(input)


# ---- matrix_power -------------------------------------------------------------------------------------
def matrix_power(input, n):
    """A^n by repeated squaring (MmBackward0 nodes); A^0 = I, A^-n = inv(A)^n."""
    check_tensors("matrix_power", input)
    s = input._data.shape
    if len(s) < 2 or s[-1] != s[-2]:
        if len(s) < 2:
            raise RuntimeError(f"linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are {s[-2]} by "
                           f"{s[-1]} matrices")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if n == 0:
        eye = Tensor._wrap(np.broadcast_to(np.eye(s[-1], dtype=input._data.dtype), s).copy())
        return named(input * 0 + eye, "torch::autograd::CopyBackwards") if input.requires_grad else eye
    if n < 0:
        from .linalg import inv
        input, n = inv(input), -n
    if n == 1:
        return input.clone()
    result, base = None, input
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result
