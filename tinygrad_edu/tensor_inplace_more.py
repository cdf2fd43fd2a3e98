"""The in-place forms (`x.exp_()`, `x.fmod_(y)`, `x %= y`, `x <<= 1`, ...) of element-wise ops that
tensor_inplace.py does not write out one by one. Each is the out-of-place op run through
InplaceMethods._inplace, so they share its rules: the version counter is bumped, a leaf that
requires grad refuses, a recorded tensor takes the new node as its grad_fn, and a result that
cannot be cast to the tensor's dtype (`int_tensor.exp_()`) raises torch's RuntimeError.
tensor_methods.py attaches METHODS to Tensor."""
import numpy as np

from . import ops
from .ops.unary import ZeroGrad
from .tensor import Tensor


def _inplace(op):
    def method(self, *args, **kwargs):
        if kwargs:
            return self._inplace(lambda x, *a: op(x, *a, **kwargs), *args)
        return self._inplace(op, *args)
    return method


def _compare(np_fn, node):
    """eq_/lt_/...: the comparison written into self as 0/1 of self's dtype; recorded, it is a
    zero-gradient node (torch's EqBackward0 for a number, EqBackward1 for a tensor)."""
    def op(x, other):
        return ZeroGrad.apply(x, np_fn, other, node + ("1" if isinstance(other, Tensor) else "0"))
    return _inplace(op)


def _logical(np_fn):
    def op(x, other=None):
        return ZeroGrad.apply(x, np_fn, other, "MulBackward0")  # torch's name for these nodes
    return _inplace(op)


def _square(x):
    return ops.pow(x, 2)  # PowBackward0, as torch's square_


_UNARY = {"exp_": ops.exp, "log_": ops.log, "log1p_": ops.log1p, "sqrt_": ops.sqrt, "rsqrt_": ops.rsqrt,
          "sigmoid_": ops.sigmoid, "tanh_": ops.tanh, "abs_": ops.abs, "absolute_": ops.absolute, "neg_": ops.neg,
          "negative_": ops.neg, "sin_": ops.sin, "cos_": ops.cos, "floor_": ops.floor, "ceil_": ops.ceil,
          "sign_": ops.sign, "sgn_": ops.sgn, "square_": _square, "reciprocal_": ops.reciprocal,
          "expm1_": ops.expm1, "exp2_": ops.exp2, "trunc_": ops.trunc, "fix_": ops.trunc, "frac_": ops.frac,
          "erfinv_": ops.erfinv, "logit_": ops.logit, "nan_to_num_": ops.nan_to_num, "round_": ops.round,
          "erf_": ops.erf}
_BINARY = {"fmod_": ops.fmod, "remainder_": ops.remainder, "true_divide_": ops.div, "divide_": ops.div,
           "multiply_": ops.mul, "subtract_": ops.sub, "floor_divide_": ops.floor_divide, "hypot_": ops.hypot,
           "xlogy_": ops.xlogy, "copysign_": ops.copysign, "heaviside_": ops.heaviside,
           "float_power_": ops.float_power, "clamp_min_": ops.clamp_min, "clamp_max_": ops.clamp_max,
           "lerp_": ops.lerp, "addcmul_": ops.addcmul, "addcdiv_": ops.addcdiv, "cumsum_": ops.cumsum,
           "cumprod_": ops.cumprod, "bitwise_and_": ops.bitwise_and, "bitwise_or_": ops.bitwise_or,
           "bitwise_xor_": ops.bitwise_xor, "bitwise_left_shift_": ops.bitwise_left_shift,
           "bitwise_right_shift_": ops.bitwise_right_shift}

METHODS = {name: _inplace(op) for name, op in {**_UNARY, **_BINARY}.items()}
METHODS.update({f"{name}_": _compare(fn, node) for name, fn, node in (
    ("eq", np.equal, "EqBackward"), ("ne", np.not_equal, "NeBackward"), ("lt", np.less, "LtBackward"),
    ("le", np.less_equal, "LeBackward"), ("gt", np.greater, "GtBackward"), ("ge", np.greater_equal, "GeBackward"))})
METHODS.update({"logical_not_": _logical(np.logical_not), "logical_and_": _logical(np.logical_and),
                "logical_or_": _logical(np.logical_or), "logical_xor_": _logical(np.logical_xor)})
METHODS.update({"__imod__": METHODS["remainder_"], "__ifloordiv__": METHODS["floor_divide_"],
                "__ipow__": lambda self, other: self.pow_(other), "__iand__": METHODS["bitwise_and_"],
                "__ior__": METHODS["bitwise_or_"], "__ixor__": METHODS["bitwise_xor_"],
                "__ilshift__": METHODS["bitwise_left_shift_"], "__irshift__": METHODS["bitwise_right_shift_"]})
