"""torch.nn.functional.multi_head_attention_forward: the functional form of nn.MultiheadAttention.

Shapes (sequence first, as torch's functional form): query (L, N, E), key (S, N, kdim), value
(S, N, vdim); unbatched inputs drop the N. With H heads of size hd = E / H:

    q, k, v = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v      (in_proj_weight = [W_q; W_k; W_v])
    each split into H heads: (N*H, L, hd), (N*H, S, hd), (N*H, S, hd)
    head_i = softmax(q_i k_i^T / sqrt(hd) + mask) v_i                    (the attention op, ops/attention.py)
    out = concat(heads) W_o^T + b_o                                      (L, N, E)

Masks follow torch's convention here: a bool attn_mask or key_padding_mask is True where attention
is NOT allowed (the opposite of scaled_dot_product_attention's bool mask); both become float masks
of 0 and -inf ("canonical" masks) and are added. need_weights=True computes the weights as plain
ops (matmul, softmax) so that they can be returned; otherwise the fused op runs.
"""
import math
import warnings

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.ops.attention import scaled_dot_product_attention
from tinygrad_edu.ops.matmul import Addmm
from tinygrad_edu.tensor import Tensor
from ._dropout import dropout


def canonical_mask(mask, mask_name, target_dtype, other=None, other_name=""):
    """A bool mask as floats (-inf where True, 0 elsewhere); a float mask as it is. torch warns when
    the `other` mask is of the other kind (bool against float)."""
    if mask is None:
        return None
    kind = mask._data.dtype.kind
    if other is not None and (other._data.dtype.kind == "b") != (kind == "b"):
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      f"instead.", UserWarning, stacklevel=3)
    if kind == "b":
        return Tensor._wrap(np.where(mask._data, -np.inf, 0).astype(target_dtype.numpy_dtype))
    if kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    return mask


def mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) inputs, False for unbatched (2-D) ones; torch's AssertionErrors otherwise."""
    qd, kd, vd = query._data.ndim, key._data.ndim, value._data.ndim
    if qd == 3:
        if kd != 3 or vd != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask._data.ndim != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask._data.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask._data.ndim not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask._data.ndim}-D tensor instead")
        return True
    if qd == 2:
        if kd != 2 or vd != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask._data.ndim != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                                 f"but found {key_padding_mask._data.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask._data.ndim == 3:
            want = (num_heads, query._data.shape[0], key._data.shape[0])
            if attn_mask._data.shape != want:
                raise AssertionError(f"Expected `attn_mask` shape to be {want} but got {tuple(attn_mask._data.shape)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {qd}-D query tensor")


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate):
    """q, k, v = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v: three linears on slices of the
    packed weight (or on the separate ones); each comes out contiguous, ready to split into heads."""
    E = query._data.shape[-1]
    b = (None, None, None) if in_proj_bias is None else (in_proj_bias[:E], in_proj_bias[E:2 * E], in_proj_bias[2 * E:])
    w = separate or (in_proj_weight[:E], in_proj_weight[E:2 * E], in_proj_weight[2 * E:])
    return Addmm.apply(query, w[0], b[0]), Addmm.apply(key, w[1], b[1]), Addmm.apply(value, w[2], b[2])


def _attn_mask_4d(attn_mask, L, S, bsz, num_heads):
    """attn_mask (L, S) or (N*H, L, S), checked as torch does, as (1, 1, L, S) or (N, H, L, S)."""
    if attn_mask is None:
        return None
    shape = tuple(attn_mask._data.shape)
    if len(shape) == 2:
        if shape != (L, S):
            raise RuntimeError(f"The shape of the 2D attn_mask is torch.Size({list(shape)}), but should be ({L}, {S}).")
        return attn_mask.reshape(1, 1, L, S)
    if len(shape) == 3:
        if shape != (bsz * num_heads, L, S):
            raise RuntimeError(f"The shape of the 3D attn_mask is torch.Size({list(shape)}), but should be "
                               f"({bsz * num_heads}, {L}, {S}).")
        return attn_mask.reshape(bsz, num_heads, L, S)
    raise RuntimeError(f"attn_mask's dimension {len(shape)} is not supported")


def _pad_last(mask):
    """One more key that every query may see (a 0 column), for bias_k/bias_v and add_zero_attn."""
    return None if mask is None else ops.cat([mask, Tensor._wrap(np.zeros(mask._data.shape[:-1] + (1,),
                                                                           mask._data.dtype))], -1)


def _heads(x, batch_first, num_heads):
    """(n, N, E) or (N, n, E) -> (N, H, n, hd): a reshape and a permute, both views."""
    a, b, E = x._data.shape
    x = x.reshape(a, b, num_heads, E // num_heads)
    return x.permute(0, 2, 1, 3) if batch_first else x.permute(1, 2, 0, 3)


def _key_value(k, v, bias_k, bias_v, add_zero_attn, static_k, static_v, sizes, masks):
    """Keys and values as (N, H, S, hd), with bias_k/bias_v appended (a key every query sees), the
    static ones in their place, and a zero key/value appended; the masks padded to match."""
    batch_first, bsz, num_heads, head_dim = sizes
    attn_mask, key_padding_mask = masks
    if bias_k is not None and bias_v is not None:
        reps, dim = ((bsz, 1, 1), 1) if batch_first else ((1, bsz, 1), 0)
        k, v = ops.cat([k, bias_k.repeat(*reps)], dim), ops.cat([v, bias_v.repeat(*reps)], dim)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    k = _heads(k, batch_first, num_heads) if static_k is None else static_k.reshape(bsz, num_heads, -1, head_dim)
    v = _heads(v, batch_first, num_heads) if static_v is None else static_v.reshape(bsz, num_heads, -1, head_dim)
    if add_zero_attn:
        zeros = Tensor._wrap(np.zeros((bsz, num_heads, 1, head_dim), k._data.dtype))
        k, v = ops.cat([k, zeros], 2), ops.cat([v, zeros], 2)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    S = k._data.shape[2]
    if key_padding_mask is not None:
        if tuple(key_padding_mask._data.shape) != (bsz, S):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, S)}, but got "
                                 f"torch.Size({list(key_padding_mask._data.shape)})")
        kpm = key_padding_mask.reshape(bsz, 1, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    return k, v, attn_mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False, *, batch_first=False):
    """torch.nn.functional.multi_head_attention_forward (the module docstring has the maths).
    batch_first (this project's keyword, for nn.MultiheadAttention): batched inputs are (N, L, E)."""
    batched = mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        key_padding_mask = key_padding_mask.unsqueeze(0) if key_padding_mask is not None else None
    batch_first = batch_first and batched
    (bsz, L, embed_dim), S = query._data.shape, key._data.shape[1]
    if not batch_first:
        (L, bsz, embed_dim), S = query._data.shape, key._data.shape[0]
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask", query.dtype, attn_mask, "attn_mask")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint says attn_mask is causal: the fused op's is_causal replaces it
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", query.dtype)
        is_causal = is_causal and key_padding_mask is None
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    separate = (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight else None
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)
    attn_mask = _attn_mask_4d(attn_mask, L, S, bsz, num_heads)
    k, v, attn_mask = _key_value(k, v, bias_k, bias_v, add_zero_attn, static_k, static_v,
                                 (batch_first, bsz, num_heads, head_dim), (attn_mask, key_padding_mask))
    out, weights = _attend(_heads(q, batch_first, num_heads), k, v, attn_mask, dropout_p if training else 0.0,
                           need_weights, average_attn_weights, is_causal)
    out = out.permute(0, 2, 1, 3) if batch_first else out.permute(2, 0, 1, 3)  # (N, L, H, hd) or (L, N, H, hd)
    shape = out._data.shape[:2] + (embed_dim,)
    out = Addmm.apply(out.reshape(-1, embed_dim), out_proj_weight, out_proj_bias).reshape(shape)
    if not batched:
        out = out.squeeze(1)
        weights = weights.squeeze(0) if weights is not None else None
    return out, weights


def _attend(q, k, v, attn_mask, p, need_weights, average, is_causal):
    """(N, H, L, hd) queries over (N, H, S, hd) keys and values -> ((N, H, L, hd), weights or None)."""
    if not need_weights:
        return scaled_dot_product_attention(q, k, v, attn_mask, p, is_causal), None
    scores = (q * math.sqrt(1.0 / q._data.shape[-1])) @ k.transpose(-2, -1)
    if attn_mask is not None:
        scores = attn_mask + scores
    weights = ops.softmax(scores, -1)  # (N, H, L, S)
    out = (dropout(weights, p) if p > 0 else weights) @ v
    return out, (weights.mean(1) if average else weights)
