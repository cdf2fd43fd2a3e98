"""tinygrad_edu.nn.functional: the stateless layer functions (torch.nn.functional).

This is torch's Python layer: signatures, defaults, argument checks and messages. The derivatives
are all in tinygrad_edu/ops/ (the index is ops/__init__.py's docstring): `linear` is one fused
Addmm node (the hot path of every training loop), activations are in ops/activation.py. Here,
convolution, pooling and normalisation forms are in _conv.py, _pool.py and _norm.py (their
argument parsing in _conv_args.py), dropout in _dropout.py, losses in losses.py.
"""
import warnings

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.ops.index import EmbeddingLookup
from tinygrad_edu.ops.matmul import Addmm
from tinygrad_edu.ops.pad import ConstantPadNd, gather_pad
from tinygrad_edu.tensor import Tensor

from ._dropout import dropout, dropout1d, dropout2d, dropout3d  # noqa: F401
from ._conv import conv1d, conv2d  # noqa: F401
from ._pool import (max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d,  # noqa: F401
                    adaptive_avg_pool2d)
from ._attention import multi_head_attention_forward  # noqa: F401
from tinygrad_edu.ops.attention import scaled_dot_product_attention  # noqa: F401
from ._norm import batch_norm, layer_norm, group_norm, rms_norm  # noqa: F401
from ._fold import unfold, fold  # noqa: F401
from .losses import (cross_entropy, nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401
                     mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div)

# ---- linear ------------------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """torch.nn.functional.linear: input @ weight.T + bias, one node (ops/matmul.py's Addmm)."""
    return Addmm.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """torch.nn.functional.bilinear: y[..., o] = sum_ij x1[..., i] A[o, i, j] x2[..., j] + b[o], i.e.
    x1^T A_o x2 for each output o, with x1 (*, in1), x2 (*, in2), A (out, in1, in2), b (out).

    As two ordinary ops, so the engine gives every gradient (dx1 = A x2 . g, dA = g x1 x2^T, ...):
    first z = x1 A, a matmul with A's (in1) dim moved first, giving (*, out, in2); then y = sum_j z x2."""
    s1, s2, sw = input1._data.shape, input2._data.shape, weight._data.shape
    if len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(s1)} and {len(s2)}")
    for i, (a, b) in enumerate(zip(s1[:-1], s2[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {a} and {b}")
    for name, got, want in (("input1", s1[-1], sw[1]), ("input2", s2[-1], sw[2]),
                            ("bias", bias._data.shape[0] if bias is not None else sw[0], sw[0])):
        if got != want:
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {got} but expected {want}")
    out_f, in1, in2 = sw
    z = (input1 @ weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(s1[:-1] + (out_f, in2))
    out = (z * input2.unsqueeze(-2)).sum(-1)
    return out + bias if bias is not None else out


# ---- activations -----------------------------------------------------------------------------------------
def _apply(input, inplace, fn, *args):
    """fn(input, *args), written into input when inplace=True (as torch's `relu_` etc.)."""
    return input._inplace(fn, *args) if inplace else fn(input, *args)


def relu(input, inplace=False):
    return input._inplace(ops.relu) if inplace else ops.relu(input)  # the hot path: no _apply layer


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(input, inplace, ops.hardtanh, min_val, max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _apply(input, inplace, ops.leaky_relu, negative_slope)


def sigmoid(input):
    return ops.sigmoid(input)


def tanh(input):
    return ops.tanh(input)


def gelu(input, approximate="none"):
    """x Phi(x) (Phi the normal CDF, via erf); approximate='tanh' uses torch's tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return ops.gelu(input, approximate)


def elu(input, alpha=1.0, inplace=False):
    return _apply(input, inplace, ops.elu, alpha)


def selu(input, inplace=False):
    return _apply(input, inplace, ops.selu)


def softplus(input, beta=1.0, threshold=20.0):
    return ops.softplus(input, beta, threshold)


def logsigmoid(input):
    """log sigmoid(x) = -softplus(-x)."""
    return -softplus(-input)


def silu(input, inplace=False):
    return _apply(input, inplace, ops.silu)


def mish(input, inplace=False):
    return _apply(input, inplace, ops.mish)


def erf(input):
    return ops.erf(input)


def _softmax_dim(name, ndim, stacklevel):
    """torch's legacy rule when dim is not given (with its deprecation warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  f"as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input._data.ndim, _stacklevel)
    return ops.softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input._data.ndim, _stacklevel)
    return ops.softmax(-input if dtype is None else -input.to(dtype), dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input._data.ndim, _stacklevel)
    return ops.log_softmax(input, dim, dtype=dtype)


# ---- embedding and one_hot ----------------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """torch.nn.functional.embedding: rows of `weight` picked by the integer tensor `input` (one node,
    ops/index.py's EmbeddingLookup). sparse=True is accepted but the gradient is always dense."""
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding)")
    n = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < n, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -n, "Padding_idx must be within num_embeddings"
            padding_idx += n
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:  # renormalise the looked-up rows in place, as torch does (no gradient)
        rows = np.unique(idx)
        w = weight._data
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1, keepdims=True)
        w[rows] *= np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
        weight._version[0] += 1  # an in-place change: a node that saved weight must refuse to backward
    return EmbeddingLookup.apply(weight, idx, padding_idx, scale_grad_by_freq)


def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape (*, num_classes) with a 1 at each value's position."""
    idx = tensor._data
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not idx.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    if not idx.flags.c_contiguous:  # so that the result is contiguous, as torch's
        idx = np.ascontiguousarray(idx)
    return Tensor._wrap((idx[..., None] == np.arange(num_classes)).astype(np.int64))


# ---- pad -----------------------------------------------------------------------------------------------
def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad. `pad` lists (before, after) amounts starting from the LAST dim."""
    ndim, k = input._data.ndim, len(pad) // 2
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if k > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {ndim}")
    amounts = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(k)][::-1]  # first padded dim first
    if mode == "constant":
        pairs = ((0, 0),) * (ndim - k) + tuple(amounts)
        return ConstantPadNd.apply(input, pairs, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {ndim}D input tensor.\nSupported combinations for "
            f"non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            f"padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    dim_amounts = list(zip(range(ndim - k, ndim), amounts))
    for dim, (before, after) in dim_amounts:
        n = input._data.shape[dim]
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({before}, {after}) at dimension {dim} of input {list(input.shape)}")
    return gather_pad(input, dim_amounts, mode)  # one gather per padded dim


# ---- normalisation of vectors -------------------------------------------------------------------------------
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along dim."""
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1/max(||x1||, eps) * x2/max(||x2||, eps)) along dim (x1, x2 broadcast)."""
    n1 = x1.norm(2, dim, keepdim=True).clamp(min=eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)
