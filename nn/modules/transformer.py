"""torch.nn.TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder and
Transformer ("Attention Is All You Need"), with torch 2.13's arguments, submodule names and state_dict keys.

An encoder layer is self-attention then a feed-forward network (linear1 -> activation -> dropout ->
linear2), each with a residual connection and a LayerNorm:
    post-norm (norm_first=False):  x = norm1(x + SA(x));         x = norm2(x + FF(x))
    pre-norm  (norm_first=True):   x = x + SA(norm1(x));         x = x + FF(norm2(x))
A decoder layer adds cross-attention over the encoder's output `memory` between the two (norm2 there,
norm3 after the feed-forward). Shapes: (S, N, E), or (N, S, E) with batch_first, or unbatched (S, E).

Masks (shapes as nn.MultiheadAttention's): attn masks (L, S) or (N*nhead, L, S), key padding masks
(N, S); a bool mask marks with True what may not be attended, a float mask is added to the scores.
TransformerEncoder and TransformerEncoderLayer first turn bool masks into float ones (True -> -inf), as
torch does; `is_causal=None` in the stacks means: detect whether the mask is the causal one.

Where torch 2.13 computes something surprising, this computes the same (tests/test_transformer.py checks
each against torch): in eval mode without gradients an encoder layer follows torch's fused kernel (NaN
for a query row with no key to attend to, a GELU module run as exact gelu), TransformerEncoder zeroes the
padded positions of a key-padded batch (torch's nested tensors), and the copies inside a
TransformerDecoder of a layer whose activation is a Module run relu (torch's __setstate__).
"""
import copy
import warnings

from .. import functional as F
from .. import init
from . import _transformer_masks as masks
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _activation_fn(activation):
    """The activation function: "relu" and "gelu" name F.relu and F.gelu, any callable is kept."""
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


def _clones(module, n):
    """A ModuleList of n independent deep copies of module (the original is not one of them)."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _add_feed_forward_and_norms(layer, d_model, dim_feedforward, dropout, layer_norm_eps, norm_first, bias,
                                n_blocks, factory):
    """Register, in torch's order, linear1, dropout, linear2, then norm1..n and dropout1..n (one each per
    block of the layer)."""
    layer.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
    layer.dropout = Dropout(dropout)
    layer.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
    layer.norm_first = norm_first
    for i in range(1, n_blocks + 1):
        setattr(layer, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
    for i in range(1, n_blocks + 1):
        setattr(layer, f"dropout{i}", Dropout(dropout))


def _attend(attn, x, mem, attn_mask, key_padding_mask, is_causal, dropout):
    """dropout(attention of x over mem); torch's layers never ask for the weights."""
    out = attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
               is_causal=is_causal)[0]
    return dropout(out)


def _feed_forward(layer, x, activation, dropout):
    """dropout(linear2(dropout(activation(linear1(x)))))."""
    return dropout(layer.linear2(layer.dropout(activation(layer.linear1(x)))))


class TransformerEncoderLayer(Module):
    """Self-attention and feed-forward, each with residual and LayerNorm (after it, or with norm_first
    before it). Submodules: self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **factory)
        _add_feed_forward_and_norms(self, d_model, dim_feedforward, dropout, layer_norm_eps, norm_first, bias, 2,
                                    factory)
        activation = _activation_fn(activation)
        # torch records whether its fused inference kernel knows the activation (1 relu, 2 gelu, 0 other)
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        src_key_padding_mask = masks.canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                                    masks.dtype_or_none(src_mask), "src_mask", src.dtype)
        src_mask = masks.canonical_mask(src_mask, "src_mask", None, "", src.dtype, check_other=False)
        if masks.uses_fast_path(self, src):
            return self._fused_inference(src, src_mask, src_key_padding_mask)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal=is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal=is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        return _attend(self.self_attn, x, x, attn_mask, key_padding_mask, is_causal, self.dropout1)

    def _ff_block(self, x):
        return _feed_forward(self, x, self.activation, self.dropout2)

    def _fused_inference(self, src, src_mask, key_padding_mask):
        """What torch's fused inference kernel (eval mode, no gradient, batch_first, ...) computes: the
        same maths, but it knows only exact relu and gelu (a GELU(approximate="tanh") module runs as
        exact gelu), and a query row that may attend to no key comes out NaN."""
        act = F.relu if self.activation_relu_or_gelu == 1 else F.gelu
        x = src
        if self.norm_first:
            y = self.norm1(x)
            x = x + _attend(self.self_attn, y, y, src_mask, key_padding_mask, False, self.dropout1)
            x = x + _feed_forward(self, self.norm2(x), act, self.dropout2)
        else:
            x = self.norm1(x + _attend(self.self_attn, x, x, src_mask, key_padding_mask, False, self.dropout1))
            x = self.norm2(x + _feed_forward(self, x, act, self.dropout2))
        return masks.fast_path_nan_rows(x, src_mask, key_padding_mask)


class TransformerDecoderLayer(Module):
    """Self-attention over tgt, cross-attention over memory, feed-forward; each with residual and
    LayerNorm. Submodules: self_attn, multihead_attn, linear1, dropout, linear2, norm1..3, dropout1..3."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        attention = {"dropout": dropout, "batch_first": batch_first, "bias": bias, **factory}
        self.self_attn = MultiheadAttention(d_model, nhead, **attention)
        self.multihead_attn = MultiheadAttention(d_model, nhead, **attention)
        _add_feed_forward_and_norms(self, d_model, dim_feedforward, dropout, layer_norm_eps, norm_first, bias, 3,
                                    factory)
        self.activation = _activation_fn(activation)

    def __setstate__(self, state):
        # torch's rule for copies and unpickling: a state without an "activation" entry gets F.relu (for
        # layers saved before the argument existed). A Module activation is kept in state["_modules"],
        # not in that entry, so a deep copy of such a layer (each layer of a TransformerDecoder) runs
        # relu, while its repr still lists the module: what torch 2.13 computes
        if "activation" not in state:
            state = dict(state, activation=F.relu)
        self.__dict__.update(state)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        return _attend(self.self_attn, x, x, attn_mask, key_padding_mask, is_causal, self.dropout1)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        return _attend(self.multihead_attn, x, mem, attn_mask, key_padding_mask, is_causal, self.dropout2)

    def _ff_block(self, x):
        return _feed_forward(self, x, self.activation, self.dropout3)


def _nested_tensor_reason(layer):
    """Why torch's TransformerEncoder would not use nested tensors with this layer ('' if it would):
    torch's checks in torch's order, with its words."""
    if not isinstance(layer, TransformerEncoderLayer):
        return "encoder_layer was not TransformerEncoderLayer"
    attn = layer.self_attn
    checks = [
        (layer.norm_first, "norm_first was True"),
        (not attn.batch_first, "self_attn.batch_first was not True(use batch_first for better inference performance)"),
        (not getattr(attn, "_qkv_same_embed_dim", True), "self_attn._qkv_same_embed_dim was not True"),
        (attn.in_proj_bias is None, "self_attn was passed bias=False"),
        (not layer.activation_relu_or_gelu, "activation_relu_or_gelu was not True"),
        (layer.norm1.eps != layer.norm2.eps, "norm1.eps was not equal to encoder_layer.norm2.eps"),
        (attn.num_heads % 2 == 1, "self_attn.num_heads is odd"),
    ]
    return next((f"encoder_layer.{why}" for failed, why in checks if failed), "")


class TransformerEncoder(Module):
    """num_layers deep copies of encoder_layer (`layers`, a ModuleList) applied in turn, then `norm`
    if given."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor   # as given
        self.use_nested_tensor = enable_nested_tensor      # whether torch would run nested tensors
        self.mask_check = mask_check
        reason = _nested_tensor_reason(encoder_layer)
        if enable_nested_tensor and reason:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {reason}",
                          stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        src_key_padding_mask = masks.canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                                    masks.dtype_or_none(mask), "mask", src.dtype)
        mask = masks.canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        batch_first = self.layers[0].self_attn.batch_first
        lengths = masks.nested_lengths(self, src, mask, src_key_padding_mask)
        if lengths is not None:        # torch runs the kept prefix of each sequence as a nested tensor
            src_key_padding_mask = masks.padding_from_lengths(lengths, src.shape[1], src.dtype)
        is_causal = masks.detect_is_causal(mask, is_causal, masks.seq_len(src, batch_first))
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        if lengths is not None:
            output = masks.zero_padding(output, lengths)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """num_layers deep copies of decoder_layer (`layers`, a ModuleList) applied in turn to tgt, each
    attending to the same memory, then `norm` if given."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        length = masks.seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = masks.detect_is_causal(tgt_mask, tgt_is_causal, length)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """An encoder (num_encoder_layers layers and a final LayerNorm) and a decoder (likewise) built from
    the same settings, or the custom ones given. Every parameter with more than one dimension starts
    xavier_uniform_."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=F.relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                      norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args, **factory), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args, **factory), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        batch_dim = 0 if self.batch_first else 1
        if src.dim() == 3 and src.size(batch_dim) != tgt.size(batch_dim):
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask: (sz, sz) float, -inf above the diagonal (a later position), 0.0 elsewhere."""
        return masks.square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
