"""Matrix product with torch.matmul's rules: 1-D x 1-D is a dot product, a 1-D operand is treated
as a row (left) or column (right) vector, and leading (batch) dims broadcast.

For C = A B: dA = dC B^T and dB = A^T dC; batch dims that were broadcast are summed back.

Addmm is torch.nn.functional.linear, x W^T + b, fused in one node: the hot path of every training
step (nn/functional.py's linear calls it directly).
"""
import math

import numpy as np

from ..autograd.function import Function
from ..autograd.names import named
from ..autograd.broadcast import unbroadcast
from .reduce_checks import check_tensors


def _check(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a == k_b:
        if a.ndim > 2 or b.ndim > 2:
            _check_batch(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
        return
    if a.ndim == 1 and b.ndim == 1:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to have the same "
                           f"number of elements, but got {k_a} and {k_b} elements respectively")
    if a.ndim == 2 and b.ndim == 1:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), vec ({k_b})")
    ra = "x".join(map(str, (int(np.prod(a.shape[:-1])), k_a))) if a.ndim > 1 else f"1x{k_a}"
    rb = "x".join(map(str, (k_b, b.shape[-1]))) if b.ndim > 1 else f"{k_b}x1"
    raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({ra} and {rb})")


def _check_batch(sa, sb):
    """torch's message for batch dims that do not broadcast: the rightmost clash, counted in the
    broadcast batch shape."""
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if sa[i] != sb[i] and sa[i] != 1 and sb[i] != 1:
            raise RuntimeError(f"The size of tensor a ({sa[i]}) must match the size of tensor b ({sb[i]}) at "
                               f"non-singleton dimension {i}")


def _operands(name, a, b):
    """The two arrays, or torch's TypeError for a non-Tensor operand."""
    try:
        return a._data, b._data
    except AttributeError:
        check_tensors(name, a, b)
        raise


# torch.matmul dispatches on the operands' dims to mm, mv, dot, ...; the node is named after that
_MATMUL_NAMES = {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0", (1, 2): "SqueezeBackward4"}


class Matmul(Function):
    """MmBackward0 / MvBackward0 / BmmBackward0 / ... (named by the caller). C = A B:
    dA = G B^T, dB = A^T G (batched over leading dims, which the engine sums down where broadcast)."""
    array_backward = True

    @staticmethod
    def forward(ctx, a, b):
        _check(a._data, b._data)
        needs = ctx.needs_input_grad
        ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        ctx.shapes = (a._data.shape, b._data.shape)
        ctx.torch_name = _MATMUL_NAMES.get((a._data.ndim, b._data.ndim), "UnsafeViewBackward0")
        return np.matmul(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_values
        sa, sb = ctx.shapes
        ga = gb = None
        if len(sa) <= 2 and len(sb) <= 2:  # no batch dims: four small cases, no reshaping
            if len(sa) == 2 and len(sb) == 2:    # (m,k) @ (k,n)
                ga = grad @ b.mT if b is not None else None
                gb = a.mT @ grad if a is not None else None
            elif len(sa) == 2:                   # (m,k) @ (k,): a vector result of length m
                ga = grad.reshape(-1, 1) * b if b is not None else None      # outer product
                gb = a.mT @ grad if a is not None else None
            elif len(sb) == 2:                   # (k,) @ (k,n)
                ga = b @ grad if b is not None else None
                gb = a.reshape(-1, 1) * grad if a is not None else None
            else:                                # (k,) @ (k,): a dot product
                ga = grad * b if b is not None else None
                gb = grad * a if a is not None else None
            return ga, gb
        # Batched: lift 1-D operands to matrices (a row vector on the left, a column on the
        # right) so that one formula covers every case; broadcast batch dims are summed back.
        sa2 = (1,) + sa if len(sa) == 1 else sa
        sb2 = sb + (1,) if len(sb) == 1 else sb
        gs = tuple(grad.shape)
        if len(sa) == 1:
            g = grad.reshape(gs[:-1] + (1, gs[-1]))
        elif len(sb) == 1:
            g = grad.reshape(gs + (1,))
        else:
            g = grad
        if b is not None:
            ga = unbroadcast(g @ b.reshape(sb2).mT, sa2).reshape(sa)
        if a is not None:
            gb = unbroadcast(a.reshape(sa2).mT @ g, sb2).reshape(sb)
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        """d(A B) = dA B + A dB (the same matmul rules: batch dims broadcast, 1-D operands)."""
        a, b = ctx.primals
        return Matmul.apply(ta, b) + Matmul.apply(a, tb)


def matmul(input, other):
    try:
        return Matmul.apply(input, other)
    except AttributeError:  # a non-Tensor operand has no ._data: torch's TypeError instead
        check_tensors("matmul", input, other)
        raise


def mm(input, mat2):
    ad, bd = _operands("mm", input, mat2)
    if ad.ndim != 2 or bd.ndim != 2:
        raise RuntimeError(f"mm(): expected 2D tensors, got {ad.ndim}D and {bd.ndim}D")
    return Matmul.apply(input, mat2)


def bmm(input, mat2):
    ad, bd = _operands("bmm", input, mat2)
    if ad.ndim != 3 or bd.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor and batch2 a 3D tensor, got {ad.ndim}D and {bd.ndim}D")
    if ad.shape[0] != bd.shape[0] or ad.shape[2] != bd.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{ad.shape[0]}, {ad.shape[2]}] but got: [{bd.shape[0]}, {bd.shape[1]}].")
    return named(Matmul.apply(input, mat2), "BmmBackward0")


def dot(input, tensor):
    ad, bd = _operands("dot", input, tensor)
    if ad.ndim != 1 or bd.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {ad.ndim}D and {bd.ndim}D tensors")
    return Matmul.apply(input, tensor)


def mv(input, vec):
    ad, bd = _operands("mv", input, vec)
    if ad.ndim != 2 or bd.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {ad.ndim}D and {bd.ndim}D")
    return Matmul.apply(input, vec)


# ---- linear: x W^T + b as one node ---------------------------------------------------------------------
_SCALAR_NAMES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double", np.dtype(np.float16): "half"}


def _scalar_name(dt):
    """torch's C++ name of a dtype, as its dtype-mismatch messages print it."""
    return _SCALAR_NAMES.get(dt, str(dt))


class Addmm(Function):
    """AddmmBackward0 (torch.nn.functional.linear: torch.addmm(b, x, W^T) for a matrix x; MmBackward0
    without bias; other inputs end in a view or squeeze in torch and are named so).
    y = x W^T + b for x (..., in), W (out, in), b (out):  dx = g W,  dW = g^T x,  db = sum of g over
    every dim but the last (for N-D x the leading dims are flattened into one batch dim first, so
    dW is one GEMM and db one sum). One formula on arrays and Tensors alike."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        xd, w = x._data, weight._data
        if w.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != w.shape[1]:
            rows = math.prod(xd.shape[:-1]) if xd.ndim > 1 else 1
            cols = "x".join(map(str, w.shape[::-1])) if w.ndim == 2 else f"{w.shape}"
            k = xd.shape[-1] if xd.ndim else 1
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {cols})")
        if xd.dtype != w.dtype:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_scalar_name(xd.dtype)} != "
                               f"{_scalar_name(w.dtype)}")
        if xd.ndim == 2:  # fast path: one GEMM on W's transposed view, no reshapes
            out = xd @ w.T
        else:
            out = (xd.reshape(-1, w.shape[1]) @ w.T).reshape(xd.shape[:-1] + (w.shape[0],))
        if bias is not None:
            b = bias._data
            if b.shape not in ((w.shape[0],), (), (1,)):
                raise RuntimeError(f"The expanded size of the tensor ({w.shape[0]}) must match the existing size "
                                   f"({b.shape[-1]}) at non-singleton dimension {out.ndim - 1}.  Target sizes: "
                                   f"{list(out.shape)}.  Tensor sizes: {list(b.shape)}")
            if b.dtype != w.dtype:
                raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                                   f"{_scalar_name(b.dtype).capitalize()} and {_scalar_name(w.dtype).capitalize()}")
            out += b
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x if needs[1] else None, weight if needs[0] else None)
        if xd.ndim != 2:  # torch's linear: addmm/mm for a matrix; other inputs end in a view or squeeze
            ctx.torch_name = "ViewBackward0" if bias is not None else \
                "SqueezeBackward4" if xd.ndim == 1 else "UnsafeViewBackward0"
        elif bias is None:
            ctx.torch_name = "MmBackward0"
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_values
        needs = ctx.needs_input_grad
        gx = g @ weight if needs[0] else None
        if g.ndim != 2:  # flatten the batch dims so dW and db are one GEMM / one sum
            g = g.reshape(-1, g.shape[-1])
            x = x.reshape(-1, x.shape[-1]) if x is not None else None
        gw = g.mT @ x if needs[1] else None
        gb = g.sum(0) if len(needs) > 2 and needs[2] else None  # the engine sums it to a () or (1,) bias
        return gx, gw, gb

    @staticmethod
    def jvp(ctx, tx, tweight, tbias):
        """d(x W^T + b) = dx W^T + x dW^T + db."""
        x, weight = ctx.primals[:2]
        return Addmm.apply(tx, weight, None) + Addmm.apply(x, tweight, tbias)
