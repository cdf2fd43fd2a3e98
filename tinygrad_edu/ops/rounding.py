"""torch.round with `decimals=` (round to d decimal places); plain round is unary.py's ZeroGrad on np.round."""
import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from .unary import ZeroGrad, _round_half_even


def _round_decimals(x, decimals):
    """x * 10^d rounded half to even, then / 10^d (10^-d the other way round), each step in x's dtype as torch."""
    scale = np.asarray(10.0 ** abs(decimals), x.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.rint(x * scale) / scale if decimals > 0 else np.rint(x / scale) * scale


def round(input, *, decimals=0):
    """torch.round: to the nearest integer, halves to even; `decimals=d` rounds to d decimal places."""
    if decimals == 0:
        return _round_half_even(input)
    if not isinstance(input, Tensor):
        raise _dt.not_tensor_error("round", input)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{input.dtype.scalar_name.capitalize()}' "
                                  f"(round with decimals={decimals})")
    return ZeroGrad.apply(input, lambda x: _round_decimals(x, decimals), None, "RoundBackward1")
