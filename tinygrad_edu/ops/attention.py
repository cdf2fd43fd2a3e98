"""Scaled dot-product attention (torch.nn.functional.scaled_dot_product_attention) as ONE op.

With queries Q (..., L, E), keys K (..., S, E) and values V (..., S, Ev):

    S = Q K^T * scale (+ M)         scores (..., L, S); scale = 1/sqrt(E) by default; M the mask
    P = softmax(S) along the keys    each query's weights over the keys, rows sum to 1
    O = (P * D) V                    (..., L, Ev); D the dropout mask (0 or 1/(1-p)), D = 1 without

A float mask M is added to S; a bool mask keeps the scores where it is True and puts -inf where it
is False; is_causal is the bool mask tril(ones(L, S)) (query i sees keys 0..i). A row whose scores
are all -inf (a query that may see no key) gives P = 0 there, so O = 0 and no gradient, as torch's
CPU kernels give (not the NaN of a plain softmax).

Backward, with dO the gradient of O and Pd = P * D:

    dV = Pd^T dO                     (every key's value is used by every query, weighted by Pd)
    dP = (dO V^T) * D
    dS = P * (dP - rowsum(dP * P))   the softmax's vector-Jacobian product, row by row
    dQ = dS K * scale,   dK = dS^T Q * scale,   dM = dS (a float mask that requires grad)

The same formulas serve the plain pass (on numpy arrays, with the P saved by forward) and the
recorded one (create_graph=True: P is recomputed from Q, K and M with Tensor ops, so that second
derivatives flow through it). Grouped-query attention (enable_gqa) repeats each key/value head for
its group of query heads in forward and sums the group's gradients back in backward.
"""
import functools
import math

import numpy as np

from ..autograd.function import Function
from ..random import numpy_rng
from ..tensor import Tensor
from .elementwise import where
from .softmax import softmax

_wrap = Tensor._wrap


@functools.lru_cache(maxsize=64)
def causal_bias(L, S, dtype):
    """The causal mask as a keys-first (S, L) array: 0 where key j <= query i, -inf where j > i
    (read-only, cached)."""
    bias = np.tril(np.full((S, L), -np.inf, dtype), -1)
    bias.flags.writeable = False
    return bias


def repeat_heads(x, groups):
    """Repeat each head (dim -3) `groups` times, head h becoming heads h*groups .. h*groups+groups-1."""
    if groups == 1:
        return x
    if isinstance(x, np.ndarray):
        return np.repeat(x, groups, axis=-3)
    return x.repeat_interleave(groups, dim=-3)


def sum_heads(g, groups):
    """The adjoint of repeat_heads: sum each group of `groups` consecutive heads."""
    if groups == 1:
        return g
    shape = tuple(g.shape)
    return g.reshape(shape[:-3] + (shape[-3] // groups, groups) + shape[-2:]).sum(-3)


def softmax_columns(st):
    """softmax along axis -2 of the keys-first scores st (..., S, L), in place: each column is one
    query's scores. A column that is all -inf (a query that sees no key) gives 0."""
    m = st.max(-2, keepdims=True)
    dead = None
    if not np.isfinite(m).all():
        dead = m == -np.inf
        m = np.where(dead, 0, m)
    st -= m
    np.exp(st, out=st)
    total = st.sum(-2, keepdims=True)
    if dead is not None:
        total[dead] = 1  # their exps are all 0: P = 0
    st /= total
    return st


def attention_grads(PT, DT, dO, q, k, v, scale):
    """(dQ, dK, dV, dS^T) from the module docstring's formulas, for arrays or Tensors alike, with
    P^T, D^T and dS^T keys-first (..., S, L)."""
    PdT = PT if DT is None else PT * DT
    dV = PdT @ dO                                            # dV = Pd^T dO
    dPT = v @ dO.mT                                          # dP^T = (dO V^T)^T
    if DT is not None:
        dPT = dPT * DT
    dST = PT * (dPT - (dPT * PT).sum(-2, keepdims=True))     # dS = P * (dP - rowsum(dP * P))
    dQ = (dST.mT @ k) * scale                                # dQ = dS K * scale
    dK = (dST @ q) * scale                                   # dK = dS^T Q * scale
    return dQ, dK, dV, dST


class ScaledDotProductAttention(Function):
    """torch's node: UnsafeViewBackward0 for the math path's 3-D or wider inputs (MmBackward0 for 2-D
    ones), ScaledDotProductFlashAttentionForCpuBackward0 where torch's fused CPU kernel runs (4-D
    inputs of one head size, no dropout, no mask that requires grad). Maths in the module docstring.

    The weights are kept keys-first, P^T (..., S, L): numpy reduces across the rows of an array (one
    vectorised pass) much faster than along each short row, and P^T is what dV = P^T dO multiplies.

    forward(q, k, v, mask, bias, scale, dropout_p, groups): `mask` is a float mask Tensor (..., L, S)
    (added, and differentiated) or None; `bias` a constant keys-first array added to the scores (a
    bool or causal mask as 0/-inf) or None; groups the number of query heads per key/value head."""

    @staticmethod
    def forward(ctx, q, k, v, mask, bias, scale, dropout_p, groups):
        kk, vv = repeat_heads(k._data, groups), repeat_heads(v._data, groups)
        qt = np.multiply(np.swapaxes(q._data, -1, -2), scale, order="C")  # (Q * scale)^T: matmul is faster
        st = np.matmul(kk, qt)                             # S^T = K Q^T * scale, (..., S, L)   on contiguous
        for extra in (np.swapaxes(mask._data, -1, -2) if mask is not None else None, bias):
            if extra is not None:
                if np.broadcast_shapes(st.shape, extra.shape) == st.shape:
                    st += extra
                else:
                    st = st + extra
        PT = softmax_columns(st)
        DT = None
        if dropout_p > 0:
            keep = numpy_rng().random(PT.shape, dtype=PT.dtype if PT.dtype == np.float64 else np.float32)
            DT = np.zeros(PT.shape, PT.dtype) if dropout_p >= 1 else \
                (keep >= dropout_p) * PT.dtype.type(1 / (1 - dropout_p))
        out = np.matmul(np.swapaxes(PT if DT is None else PT * DT, -1, -2), vv)   # O = (P * D) V
        ctx.scale, ctx.groups, ctx.bias = scale, groups, bias
        ctx.save_for_backward(q, k, v, mask, PT, DT)
        ctx.torch_name = _torch_name(q, k, v, mask, dropout_p)
        return out

    @staticmethod
    def backward(ctx, grad):
        q, k, v, mask, _, DT = ctx.saved_tensors
        g = ctx.groups
        kk, vv = repeat_heads(k, g), repeat_heads(v, g)
        PT = _probabilities_keys_first(q, kk, mask, ctx.bias, ctx.scale)
        dQ, dK, dV, dST = attention_grads(PT, DT, grad, q, kk, vv, ctx.scale)
        dM = dST.mT if ctx.needs_input_grad[3] else None
        return dQ, sum_heads(dK, g), sum_heads(dV, g), dM, None, None, None, None

    @staticmethod
    def backward_arrays(ctx, grad):
        q, k, v, mask, PT, DT = ctx.saved_arrays
        g = ctx.groups
        dQ, dK, dV, dST = attention_grads(PT, DT, grad, q, repeat_heads(k, g), repeat_heads(v, g), ctx.scale)
        dM = dST.mT if ctx.needs_input_grad[3] else None
        return dQ, sum_heads(dK, g), sum_heads(dV, g), dM, None, None, None, None

    @staticmethod
    def jvp(ctx, tq, tk, tv, tmask, *unused):
        """dS = (dQ K^T + Q dK^T) * scale + dM,  dP = P * (dS - rowsum(P * dS)),  dO = (dP * D) V + (P * D) dV
        (keys-first here, as forward: dS^T = (K dQ^T + dK Q^T) * scale + dM^T)."""
        q, k, v, mask = ctx.primals[:4]
        g, scale, DT = ctx.groups, ctx.scale, ctx.saved_tensors[5]
        kk, vv, tkk, tvv = (repeat_heads(t, g) for t in (k, v, tk, tv))
        PT = _probabilities_keys_first(q, kk, mask, ctx.bias, scale)
        dST = (kk @ tq.mT + tkk @ q.mT) * scale
        if tmask is not None:
            dST = dST + tmask.mT
        dPT = PT * (dST - (PT * dST).sum(-2, keepdim=True))
        if DT is not None:
            dPT, PT = dPT * DT, PT * DT
        return dPT.mT @ vv + PT.mT @ tvv


def _probabilities_keys_first(q, k, mask, bias, scale):
    """P^T = softmax(K Q^T * scale + M^T) over the keys, as recorded Tensor ops (for create_graph);
    a query that sees no key gets 0."""
    st = (k @ q.mT) * scale
    if mask is not None:
        st = st + mask.mT
    if bias is not None:
        st = st + _wrap(bias)
    alive = (st._data > -np.inf).any(-2, keepdims=True)
    if alive.all():
        return softmax(st, -2)
    st = where(_wrap(alive), st, 0.0)  # a dead query's scores become 0 (no inf - inf in softmax) ...
    return softmax(st, -2) * _wrap(alive.astype(st._data.dtype))  # ... and its weights 0


def _torch_name(q, k, v, mask, dropout_p):
    shapes = (q._data.shape, k._data.shape, v._data.shape)
    if len(shapes[0]) == 2:
        return "MmBackward0"
    fused = (all(len(s) == 4 for s in shapes) and shapes[0][-1] == shapes[1][-1] == shapes[2][-1]
             and shapes[0][0] == shapes[1][0] == shapes[2][0] and dropout_p == 0
             and (mask is None or not mask._requires_grad))
    return "ScaledDotProductFlashAttentionForCpuBackward0" if fused else "UnsafeViewBackward0"


# ---- the public function ---------------------------------------------------------------------------
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _cpp(t):
    """torch's C++ name of a tensor's dtype, as its messages print it."""
    return _CPP_NAMES.get(t._data.dtype.name, t._data.dtype.name)


def _check(q, k, v, attn_mask, dropout_p, is_causal, enable_gqa):
    for name, t in (("query", q), ("key", k), ("value", v)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' (position "
                            f"{['query', 'key', 'value'].index(name) + 1}) must be Tensor, not {type(t).__name__}")
    if not (q.dtype == k.dtype == v.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_cpp(q)} key.dtype: {_cpp(k)} and value.dtype: {_cpp(v)} instead.")
    if attn_mask is not None and is_causal:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if attn_mask is not None and attn_mask.dtype.numpy_dtype.kind != "b" and attn_mask.dtype != q.dtype:
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_cpp(attn_mask)} and  query.dtype: {_cpp(q)} instead.")
    qs, ks, vs = q._data.shape, k._data.shape, v._data.shape
    if qs[-1] != ks[-1] or ks[-2] != vs[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query {list(qs)}, key {list(ks)} and value "
                           f"{list(vs)} do not fit: query and key need one embedding size (dim -1), key and "
                           f"value one number of keys (dim -2)")
    if enable_gqa and len(qs) >= 3 and (qs[-3] % ks[-3] or qs[-3] % vs[-3] or ks[-3] != vs[-3]):
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")  # torch's words


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(Q K^T * scale + mask) V, one node (ScaledDotProductAttention above)."""
    _check(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    L, S = query._data.shape[-2], key._data.shape[-2]
    dt = query._data.dtype
    scale = 1.0 / math.sqrt(query._data.shape[-1]) if scale is None else scale
    mask = bias = None
    if is_causal:
        bias = causal_bias(L, S, dt)
    elif attn_mask is not None and attn_mask._data.dtype == np.bool_:
        bias = np.where(np.swapaxes(attn_mask._data, -1, -2), dt.type(0), dt.type(-np.inf))  # keys-first
    elif attn_mask is not None:
        mask = attn_mask
    groups = query._data.shape[-3] // key._data.shape[-3] if enable_gqa and query._data.ndim >= 3 else 1
    _check_broadcast(query, key, value, attn_mask, groups)
    return ScaledDotProductAttention.apply(query, key, value, mask, bias, scale, dropout_p, groups)


def _check_broadcast(q, k, v, attn_mask, groups):
    """torch's message when the batch dims of q, k, v (and the mask against the scores) do not broadcast."""
    qs, ks, vs = q._data.shape, k._data.shape, v._data.shape
    if groups > 1:
        ks, vs = ks[:-3] + (ks[-3] * groups,) + ks[-2:], vs[:-3] + (vs[-3] * groups,) + vs[-2:]
    _same_or_one(qs[:-2], ks[:-2])
    _same_or_one(qs[:-2], vs[:-2])
    if attn_mask is not None:
        _same_or_one(np.broadcast_shapes(qs[:-2], ks[:-2]) + (qs[-2], ks[-2]), attn_mask._data.shape)


def _same_or_one(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for dim in range(n):
        if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
            raise RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) "
                               f"at non-singleton dimension {dim}")
