"""numpy meeting a Tensor (Tensor.__array_ufunc__), as in torch.

An operator ufunc (what `np.float64(.5) * t`, `np.ones(3) + t` and `np.add(t, 1)` call) runs the
Tensor's own operator, or the reflected one when the Tensor is on the right: the graph is kept and a
numpy scalar is weak in promotion, as a Python number is. Any other ufunc (np.exp(t)) runs on the
arrays (refused, through __array__, for a tensor that requires grad) and its result comes back as a
Tensor (as an ndarray when out= is given). np.asarray(t) does not come here: it calls __array__.
"""
import numpy as np

# numpy's operator ufuncs -> the Tensor's operator, and the reflected one for a Tensor on the right
_UFUNC_METHODS = {
    "add": ("__add__", "__radd__"), "subtract": ("__sub__", "__rsub__"), "multiply": ("__mul__", "__rmul__"),
    "divide": ("__truediv__", "__rtruediv__"), "floor_divide": ("__floordiv__", "__rfloordiv__"),
    "power": ("__pow__", "__rpow__"), "remainder": ("__mod__", "__rmod__"), "matmul": ("__matmul__", "__rmatmul__"),
    "left_shift": ("__lshift__", "__rlshift__"), "right_shift": ("__rshift__", "__rrshift__"),
    "bitwise_and": ("__and__", "__rand__"), "bitwise_or": ("__or__", "__ror__"), "bitwise_xor": ("__xor__", "__rxor__"),
    "equal": ("__eq__", "__eq__"), "not_equal": ("__ne__", "__ne__"), "less": ("__lt__", "__gt__"),
    "less_equal": ("__le__", "__ge__"), "greater": ("__gt__", "__lt__"), "greater_equal": ("__ge__", "__le__"),
}


def array_ufunc(tensor_cls, ufunc, method, inputs, kwargs):
    names = _UFUNC_METHODS.get(ufunc.__name__) if method == "__call__" and not kwargs else None
    if names is not None and len(inputs) == 2:
        a, b = inputs
        if isinstance(a, tensor_cls):
            return getattr(a, names[0])(b)
        if names[1] is not None:
            return getattr(b, names[1])(a)
    arrays = [np.asarray(v) if isinstance(v, tensor_cls) else v for v in inputs]
    out = getattr(ufunc, method)(*arrays, **kwargs)
    if "out" in kwargs:
        return out
    if type(out) is tuple:
        return tuple(tensor_cls._wrap(np.asarray(o)) for o in out)
    return tensor_cls._wrap(np.asarray(out))
