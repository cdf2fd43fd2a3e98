"""The constraints the distributions check their parameters and values against (torch.distributions.
constraints), as far as Categorical needs them: each has check(value) -> bool Tensor and torch's repr."""
import numpy as np

from ..tensor import Tensor


class Constraint:
    """A region of valid values; `check(value)` says, per sample (event), whether value lies in it."""
    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__.lstrip("_") + "()"


class _Real(Constraint):
    """Any real number, NaN excluded (value == value)."""

    def check(self, value):
        return value == value


class _Simplex(Constraint):
    """Non-negative vectors in the last dim that sum to 1 (within 1e-6)."""
    event_dim = 1

    def check(self, value):
        data = value._data
        return Tensor._wrap(np.all(data >= 0, axis=-1) & (np.abs(data.sum(-1) - 1) < 1e-6))


class _IndependentConstraint(Constraint):
    """`base` for every element of the last `reinterpreted_batch_ndims` dims at once."""

    def __init__(self, base, reinterpreted_batch_ndims):
        self.base, self.reinterpreted_batch_ndims = base, reinterpreted_batch_ndims
        self.event_dim = base.event_dim + reinterpreted_batch_ndims

    def check(self, value):
        ok = self.base.check(value)._data
        return Tensor._wrap(ok.reshape(ok.shape[:ok.ndim - self.reinterpreted_batch_ndims] + (-1,)).all(-1))

    def __repr__(self):
        return f"IndependentConstraint({self.base!r}, {self.reinterpreted_batch_ndims})"


class _IntegerInterval(Constraint):
    """Integers in [lower_bound, upper_bound]."""
    is_discrete = True

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        data = value._data
        return Tensor._wrap((data % 1 == 0) & (self.lower_bound <= data) & (data <= self.upper_bound))

    def __repr__(self):
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


real = _Real()
simplex = _Simplex()
independent = _IndependentConstraint
integer_interval = _IntegerInterval
