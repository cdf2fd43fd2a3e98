"""Collation (torch.utils.data._utils.collate): ``default_collate`` merges a list of samples into a
batch, ``default_convert`` turns one un-batched sample's numpy arrays into tensors."""
import collections.abc
import numbers

import numpy as np

import tinygrad_edu as _tg

__all__ = ["default_collate", "default_convert"]

_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_text_array(x):
    return x.dtype.kind in "OUSV"   # object, unicode, bytes, void: nothing a tensor can hold


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _like(example, value):
    """``value`` rebuilt as ``type(example)`` when that type accepts it (as torch tries), else as is."""
    try:
        return type(example)(value)
    except TypeError:
        return value


def _stacked(arrays):
    """One batch tensor from equally shaped arrays (torch.stack's error when they are not)."""
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, but got shapes {sorted(shapes)}")
    return _tg.Tensor._wrap(np.stack(arrays))


def default_collate(batch):
    """Merge a list of samples into a batch (torch.utils.data.default_collate).

    Tensors and numpy arrays are stacked along a new first dimension (numpy dtypes are kept);
    Python ints -> int64, bools -> bool and floats -> float64 tensors (exactly torch's rule);
    strings stay a list; dicts, namedtuples, tuples and lists are collated field by field
    (tuples come back as lists, as in torch).
    """
    elem = batch[0]
    if isinstance(elem, _tg.Tensor):
        if any(t.requires_grad for t in batch):
            return _tg.stack(list(batch), 0)     # keep the graph, like torch.stack
        return _stacked([t._data for t in batch])
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if _is_text_array(np.asarray(elem)):
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return _stacked([np.asarray(b) for b in batch])
    if isinstance(elem, float):
        return _tg.tensor(batch, dtype=_tg.float64)
    if isinstance(elem, numbers.Integral):       # includes bool: torch.tensor infers bool/int64
        return _tg.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _like(elem, {key: default_collate([sample[key] for sample in batch]) for key in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(field)) for field in zip(*batch)]
        return fields if isinstance(elem, tuple) else _like(elem, fields)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """Convert one un-batched sample (batch_size=None): numpy arrays/scalars -> tensors, recursively.

    Like torch.utils.data.default_convert: arrays share memory with the result, Python numbers and
    strings are left alone, tuples become lists.
    """
    if isinstance(data, _tg.Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        return data if _is_text_array(np.asarray(data)) else _tg.Tensor._wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _like(data, {key: default_convert(value) for key, value in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _like(data, [default_convert(d) for d in data])
    return data

