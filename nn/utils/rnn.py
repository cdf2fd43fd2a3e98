"""Sequence packing for recurrent networks (torch.nn.utils.rnn).

A batch of B sequences of lengths L_0 >= L_1 >= ... >= L_{B-1} is *packed* time step by time step:
step t holds the rows of the sequences still running at t, so
    batch_sizes[t] = #{b : L_b > t},        data = concat_t  x_b[t]  for b < batch_sizes[t].
An RNN then runs step t on the first batch_sizes[t] rows of its state, without computing on padding.
When the lengths are not sorted, the batch is first permuted by `sorted_indices` (lengths in
decreasing order) and `unsorted_indices` is the inverse permutation that brings it back.

Every conversion here is one gather: a numpy index, computed once from the lengths, picks the rows
of the packed data out of the padded tensor (or the other way round, with one extra row holding the
padding value). Indexing is differentiable, so gradients flow back through packing and padding.
"""
from typing import NamedTuple, Optional

import numpy as np

import tinygrad_edu
from tinygrad_edu.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]


def _init_args(data, batch_sizes, sorted_indices, unsorted_indices):
    """(data, batch_sizes, sorted, unsorted); `data` may be a (data, batch_sizes) pair; a missing
    unsorted_indices is the inverse of sorted_indices."""
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                             "created manually. They should be instantiated by functions like pack_sequence and "
                             "pack_padded_sequences in nn.utils.rnn.")
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError("Expected data to be a list or tuple of length 2")
    return data[0], data[1], sorted_indices, unsorted_indices


class PackedSequence(PackedSequence_):
    """The packed form of a batch of variable-length sequences (a named tuple, as in torch):
    data (sum of lengths, *), batch_sizes (int64, one per time step, on the CPU),
    sorted_indices / unsorted_indices (int64 permutations of the batch, or None when the input was
    already sorted). Built by pack_padded_sequence / pack_sequence, not by hand."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, *_init_args(data, batch_sizes, sorted_indices, unsorted_indices))

    def to(self, *args, **kwargs):
        """The data converted like Tensor.to; the index tensors follow to its device, keep int64.
        Returns self when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = None if self.sorted_indices is None else self.sorted_indices.to(data.device)
        unsorted_indices = None if self.unsorted_indices is None else self.unsorted_indices.to(data.device)
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs):
        return self.to("cuda", *args, **kwargs)

    def cpu(self, *args, **kwargs):
        return self.to("cpu", *args, **kwargs)

    def pin_memory(self):
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def double(self):
        return self.to(dtype=tinygrad_edu.float64)

    def float(self):
        return self.to(dtype=tinygrad_edu.float32)

    def half(self):
        return self.to(dtype=tinygrad_edu.float16)

    def long(self):
        return self.to(dtype=tinygrad_edu.int64)

    def int(self):
        return self.to(dtype=tinygrad_edu.int32)

    def short(self):
        return self.to(dtype=tinygrad_edu.int16)

    def char(self):
        return self.to(dtype=tinygrad_edu.int8)

    def byte(self):
        return self.to(dtype=tinygrad_edu.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The inverse permutation p^-1 with p^-1[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    perm = np.asarray(permutation._data)
    out = np.empty_like(perm)
    out[perm] = np.arange(perm.size, dtype=perm.dtype)
    return tinygrad_edu.tensor(out)


def _lengths_array(lengths):
    """lengths (list, tuple, numpy array or Tensor) as a 1-D int64 numpy array, as
    torch.as_tensor(lengths, dtype=torch.int64) (fractions truncate)."""
    arr = lengths._data if isinstance(lengths, Tensor) else np.asarray(lengths)
    arr = np.asarray(arr).astype(np.int64)
    if arr.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {arr.ndim}D cpu Long tensor")
    return arr


def _check_lengths(input, lengths, batch_first, selected):
    """torch's checks of the packing kernel, in its order; `selected` is the batch size the kernel
    sees (the number of sorted indices when the batch was permuted first)."""
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    steps = input.size(1) if batch_first else input.size(0)
    batch = input.size(0) if batch_first else input.size(1)
    batch = batch if selected is None else selected
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                           f"(batch_size={batch})")
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                           "sidestep this requirement if you do not need ONNX exportability.")
    if lengths[0] > steps:  # torch reads past the end of the input here; we refuse
        raise RuntimeError(f"Expected every length to be at most the input's sequence length {steps}, "
                           f"but got a length of {int(lengths[0])}")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the given
    lengths. With enforce_sorted=False the batch is first sorted by decreasing length (stable),
    and the permutation is kept in sorted_indices. data is one gather of the input's rows."""
    lengths = _lengths_array(lengths)
    order = sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        batch = input.size(0) if batch_first else input.size(1)
        if order.size and order.max() >= batch:
            bad = order[order >= batch][0]
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={batch}")
        lengths = lengths[order]
        sorted_indices = tinygrad_edu.tensor(order.astype(np.int64))
    _check_lengths(input, lengths, batch_first, None if order is None else order.size)
    running = lengths[None, :] > np.arange(lengths[0])[:, None]     # (T, B): sequence b still runs at t
    steps, rows = np.nonzero(running)                                # time-major, then batch order
    if order is not None:
        rows = order[rows]
    data = input[rows, steps] if batch_first else input[steps, rows]
    batch_sizes = tinygrad_edu.tensor(running.sum(axis=1).astype(np.int64))
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths int64) with the
    batch back in its original order; T = total_length if given, else the longest length."""
    batch_sizes = np.asarray(sequence.batch_sizes._data)
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    data = sequence.data
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    cols = np.arange(batch)
    starts = np.cumsum(batch_sizes) - batch_sizes                    # where step t begins in data
    index = np.full((steps, batch), data.shape[0], dtype=np.int64)  # row data.shape[0] = padding
    valid = cols[None, :] < batch_sizes[:, None]
    index[:batch_sizes.size][valid] = (starts[:, None] + cols[None, :])[valid]
    lengths = valid.sum(axis=0).astype(np.int64)
    if sequence.unsorted_indices is not None:
        unsorted = np.asarray(sequence.unsorted_indices._data)
        index, lengths = index[:, unsorted], lengths[unsorted]
    pad = tinygrad_edu.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = tinygrad_edu.cat([data, pad])[index.T if batch_first else index]
    return padded, tinygrad_edu.tensor(lengths)


def _broadcast_into(slot, shape, seq_index):
    """Check that a sequence of `shape` can be copied into an output slot of shape `slot` (torch
    copies with broadcasting), raising torch's error otherwise."""
    if len(shape) == 0:
        raise RuntimeError(f"ArrayRef: invalid slice, N = 1; size = 0 (sequence {seq_index} is 0-dimensional)")
    ndim = max(len(slot), len(shape))
    a, b = (1,) * (ndim - len(slot)) + tuple(slot), (1,) * (ndim - len(shape)) + tuple(shape)
    for dim in range(ndim - 1, -1, -1):
        if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
            raise RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) "
                               f"at non-singleton dimension {dim}")
    full = tuple(max(x, y) for x, y in zip(a, b))
    if full != tuple(slot):
        raise RuntimeError(f"output with shape {list(slot)} doesn't match the broadcast shape {list(full)}")


def _check_pad_args(sequences, padding_value, padding_side):
    try:
        sequences = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    except TypeError:
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}") from None
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(s).__name__}")
    if not isinstance(padding_value, (int, float)):
        raise TypeError("pad_sequence(): argument 'padding_value' (position 3) must be float, not "
                        f"{type(padding_value).__name__}")
    if not isinstance(padding_side, str):
        raise TypeError("pad_sequence(): argument 'padding_side' (position 4) must be str, not "
                        f"{type(padding_side).__name__}")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    return sequences


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of lengths L_i (each (L_i, *)) into (max L, B, *) (or (B, max L, *)),
    filling the rest with padding_value on the right (or left). The output has the first
    sequence's dtype and trailing shape; each sequence is copied in with broadcasting, as torch
    does. One gather from the concatenated sequences plus a padding row."""
    sequences = _check_pad_args(sequences, padding_value, padding_side)
    first = sequences[0]
    trailing, dtype = tuple(first.shape[1:]), first.dtype
    lengths = np.array([s.shape[0] if s.ndim else 0 for s in sequences], dtype=np.int64)
    pieces = []
    for i, s in enumerate(sequences):
        slot = (int(lengths[i]),) + trailing
        _broadcast_into(slot, tuple(s.shape), i)
        s = s.to(dtype)
        pieces.append((s if tuple(s.shape) == slot else s.expand(*slot)).reshape((slot[0],) + trailing))
    longest = int(lengths.max())
    total = int(lengths.sum())
    starts = np.cumsum(lengths) - lengths
    steps = np.arange(longest)[:, None]                              # (T, 1)
    shift = longest - lengths if padding_side == "left" else np.zeros_like(lengths)
    inside = (steps >= shift) & (steps < shift + lengths)           # (T, B)
    index = np.where(inside, starts + steps - shift, total)          # row `total` = padding
    pad = tinygrad_edu.full((1,) + trailing, padding_value, dtype=dtype)
    return tinygrad_edu.cat(pieces + [pad])[index.T if batch_first else index]


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences of a padded batch, the i-th cut to lengths[i] (a copy, as torch's)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = lengths._data if isinstance(lengths, Tensor) else np.asarray(lengths)
    return [seq[np.arange(int(n))] for seq, n in zip(padded_sequences, lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (each (L_i, *)): pad_sequence, then pack_padded_sequence."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences held by a PackedSequence, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
