"""Gradient clipping and parameter flattening (torch.nn.utils).

clip_grad_norm_: with g the concatenation of all gradients and ||.||_p its p-norm,
    total = ||g||_p,   coef = min(max_norm / (total + 1e-6), 1),   every grad *= coef
so the gradients keep their direction and their joint norm becomes at most max_norm.
"""
import math

import numpy as np

import tinygrad_edu
from tinygrad_edu.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(arr, p):
    """||arr||_p of the flattened array, computed in the array's dtype."""
    a = arr.ravel()
    if p == math.inf:
        return np.abs(a).max(initial=0)
    if p == -math.inf:
        return np.abs(a).min()
    if p == 0:
        return np.asarray(np.count_nonzero(a), dtype=arr.dtype)
    if p == 2:
        return np.sqrt(np.dot(a, a))
    return (np.abs(a) ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The p-norm of the norms of `tensors` (= the norm of all of them concatenated)."""
    arrays = [t._data for t in _as_list(tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return tinygrad_edu.tensor(0.0)
    dtype = np.result_type(*arrays)
    total = _vector_norm(np.array([_vector_norm(a, norm_type) for a in arrays], dtype=dtype), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped. To disable this error and scale the gradients by the "
                           "non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor._wrap(np.asarray(total, dtype=dtype))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by min(max_norm / (total_norm + 1e-6), 1), in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    # in total's dtype (torch multiplies by a tensor of that dtype): no float64 upcast of float32 grads
    coef = np.minimum(total.dtype.type(float(max_norm)) / (total + total.dtype.type(1e-6)), total.dtype.type(1.0))
    for g in grads:
        g._data *= coef.astype(g._data.dtype)
        g._version[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients so their joint `norm_type`-norm is at most max_norm; returns the
    norm before clipping (a 0-d tensor)."""
    parameters = _as_list(parameters)
    total = get_total_norm([p.grad for p in parameters if p.grad is not None], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated torch alias of clip_grad_norm_."""
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            p.grad._version[0] += 1


def _check_tensor(obj):
    if not isinstance(obj, Tensor):
        from ..modules.module import _typename
        raise TypeError(f"expected torch.Tensor, but got: {_typename(obj)}")


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (differentiable, like torch)."""
    flat = []
    for p in parameters:
        _check_tensor(p)
        flat.append(p.reshape(-1))
    return tinygrad_edu.cat(flat)


def vector_to_parameters(vec, parameters):
    """Slice `vec` back into the parameters: each parameter's data becomes a view of its slice of
    `vec` (torch assigns `param.data` the same way)."""
    _check_tensor(vec)
    offset = 0
    for p in parameters:
        _check_tensor(p)
        n = p._data.size
        p._data = vec._data[offset:offset + n].reshape(p._data.shape)
        offset += n
