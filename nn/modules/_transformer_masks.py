"""What the transformer layers do with masks before and after attention, as torch 2.13 does it.

- `canonical_mask`: a bool mask becomes a float one (True -> -inf, False -> 0.0) in the input's dtype;
  float masks pass unchanged; other dtypes are refused (AssertionError, as torch).
- `square_subsequent_mask(sz)`: the causal mask, -inf above the diagonal and 0.0 elsewhere.
- `detect_is_causal`: an explicit `is_causal` hint wins; with the hint None, a mask equal to the causal
  mask of the sequence's length counts as causal.
- torch's inference fast path (`uses_fast_path`: eval mode, no gradient needed, batch_first, ...)
  computes the same values as the ordinary path, with three visible differences that are copied here:
  * a GELU module activation runs as exact gelu (TransformerEncoderLayer._fused_inference);
  * `fast_path_nan_rows`: a query row whose attention scores are all masked comes out NaN (the ordinary
    path's attention gives 0.0 there);
  * `nested_lengths` / `zero_padding`: TransformerEncoder runs a batch with a key padding mask as a
    nested tensor of the sequences' first L_b positions (L_b = the count of unmasked keys of sample b), so
    every position from L_b on comes out 0.0 (before the final norm).
"""
import warnings

import tinygrad_edu
from tinygrad_edu.tensor import Tensor

_NEG_INF = float("-inf")


def canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """mask as a float additive mask of target_type (None stays None); warns when its dtype differs
    from other_type (the dtype of the other mask given with it)."""
    if mask is None:
        return None
    is_float = mask.is_floating_point()
    if mask.dtype != tinygrad_edu.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=2)
    if not is_float:
        mask = tinygrad_edu.zeros_like(mask, dtype=target_type).masked_fill_(mask, _NEG_INF)
    return mask


def dtype_or_none(mask):
    """The mask's dtype, None for no mask."""
    if mask is None:
        return None
    if isinstance(mask, Tensor):
        return mask.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def square_subsequent_mask(sz, device=None, dtype=None):
    """(sz, sz) float mask: -inf where the column is after the row (j > i), 0.0 elsewhere."""
    return tinygrad_edu.triu(tinygrad_edu.full((sz, sz), _NEG_INF, dtype=dtype, device=device), diagonal=1)


def seq_len(src, batch_first):
    """The sequence length of src: (S, E) unbatched, (S, N, E) or with batch_first (N, S, E)."""
    if src.dim() == 2:
        return src.size(0)
    return src.size(1 if batch_first else 0)


def detect_is_causal(mask, is_causal=None, size=None):
    """True if the hint says so; with no hint, whether mask equals the causal mask of `size` rows
    (of the mask's own second-to-last size if size is None), compared in the mask's dtype."""
    if is_causal is not None or mask is None:
        return is_causal is True
    sz = size if size is not None else mask.size(-2)
    causal = square_subsequent_mask(sz, dtype=mask.dtype)
    if tuple(mask.shape) != tuple(causal.shape):
        return False
    return bool((mask == causal).all())


# ---- torch's inference fast path ------------------------------------------------------------------
def _needs_grad(tensors):
    return tinygrad_edu.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


def _layer_tensors(layer, src):
    """The tensors whose requires_grad decides against torch's fast path: input, attention, norms, FF."""
    attn = layer.self_attn
    return (src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias,
            layer.norm1.weight, layer.norm1.bias, layer.norm2.weight, layer.norm2.bias,
            layer.linear1.weight, layer.linear1.bias, layer.linear2.weight, layer.linear2.bias)


def uses_fast_path(layer, src):
    """Whether torch 2.13 runs this encoder layer's fused inference kernel on src: a batch, eval mode,
    batch_first, biases, equal q/k/v sizes, relu or gelu, equal norm eps, an even number of heads, no
    forward hooks, and no gradient needed. The cheap checks come first (training stops at the second)."""
    attn = layer.self_attn
    if src.dim() != 3 or layer.training or not attn.batch_first or attn.in_proj_bias is None:
        return False
    if not attn._qkv_same_embed_dim or not layer.activation_relu_or_gelu or layer.norm1.eps != layer.norm2.eps:
        return False
    if attn.num_heads % 2 == 1 or any(m._forward_hooks or m._forward_pre_hooks for m in layer.modules()):
        return False
    return not _needs_grad(_layer_tensors(layer, src))


def fast_path_nan_rows(out, src_mask, key_padding_mask):
    """out with NaN in each (batch, query) row whose attention is masked for every key in some head
    (out is (N, L, E); src_mask (L, S) or (N*H, L, S), key_padding_mask (N, S), both float)."""
    if src_mask is None and key_padding_mask is None:
        return out
    n, length = out.shape[0], out.shape[1]
    blocked = None                                          # (N or 1, H or 1, L or 1, S): -inf scores
    if src_mask is not None:
        rows = src_mask == _NEG_INF
        blocked = rows.reshape(n, -1, length, rows.shape[-1]) if rows.dim() == 3 else rows.reshape(1, 1, length, -1)
    if key_padding_mask is not None:
        keys = (key_padding_mask == _NEG_INF).reshape(n, 1, 1, -1)
        blocked = keys if blocked is None else tinygrad_edu.logical_or(blocked, keys)
    full_rows = blocked.all(-1).any(1)                      # (N or 1, L or 1)
    if not bool(full_rows.any()):
        return out
    return out.masked_fill(full_rows.unsqueeze(-1), float("nan"))


def nested_lengths(encoder, src, mask, key_padding_mask):
    """The kept length of each sample if torch's TransformerEncoder would run src as a nested tensor
    (an int64 (N,) Tensor), else None. key_padding_mask is float here (0.0 marks a kept key)."""
    first = encoder.layers[0]
    if not getattr(encoder, "use_nested_tensor", False) or first.training or src.dim() != 3 \
            or key_padding_mask is None or mask is not None:
        return None
    kept = key_padding_mask == 0
    if getattr(encoder, "mask_check", True) and not _left_aligned(kept):
        return None
    if _needs_grad(_layer_tensors(first, src)):
        return None
    return kept.sum(-1)


def _left_aligned(kept):
    """Whether each row of the bool (N, S) matrix is some True values followed only by False ones."""
    if kept.shape[-1] < 2:
        return True
    return not bool(tinygrad_edu.logical_and(kept[:, 1:], kept[:, :-1].logical_not()).any())


def padding_from_lengths(lengths, size, dtype):
    """The float key padding mask of kept lengths: -inf from position lengths[b] on, 0.0 before."""
    positions = tinygrad_edu.arange(size).reshape(1, size)
    padded = positions >= lengths.reshape(-1, 1)
    return tinygrad_edu.zeros(tuple(padded.shape), dtype=dtype).masked_fill_(padded, _NEG_INF)


def zero_padding(out, lengths):
    """out (N, S, E) with every position from lengths[b] on set to 0.0."""
    positions = tinygrad_edu.arange(out.shape[1]).reshape(1, -1)
    padded = positions >= lengths.reshape(-1, 1)
    return out.masked_fill(padded.unsqueeze(-1), 0.0)
