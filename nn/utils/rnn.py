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
        raise AssertionError("PackedSequence expects data and batch_sizes, or a (data, batch_sizes) pair")
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
