"""The in-place random fills of Tensor beyond uniform_/normal_ (bernoulli_, random_, exponential_,
geometric_, cauchy_, log_normal_) and torch.bernoulli. Each draws from the numpy Generator that
random.py keeps (the default one, or `generator=`'s), writes into the tensor without recording a
graph, bumps its version, and refuses a leaf that requires grad, as torch does. The numbers are
numpy's (PCG64), not torch's: the distributions are the same."""
import numpy as np

from . import dtypes as _dt
from .random import numpy_rng
from .tensor import Tensor

_INT_TOP = {np.dtype(np.int64): 2 ** 63 - 1, np.dtype(np.int32): 2 ** 31 - 1, np.dtype(np.int16): 2 ** 15 - 1,
            np.dtype(np.int8): 2 ** 7 - 1, np.dtype(np.uint8): 2 ** 8 - 1, np.dtype(np.bool_): 1}
_FLOAT_TOP = {np.dtype(np.float16): 2 ** 11, np.dtype(np.float32): 2 ** 24, np.dtype(np.float64): 2 ** 53}


def _scalar_name(t):
    return _dt.from_numpy_dtype(t._data.dtype).scalar_name


def _continuous(name, t, kernel):
    if t._data.dtype.kind != "f":
        if kernel:
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{_scalar_name(t)}'")
        long_name = {"Long": "Long", "Int": "Int"}.get(_scalar_name(t), _scalar_name(t))
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {long_name}")


class RandomFillMethods:
    """Attached to Tensor by tensor_methods.py."""

    def bernoulli_(self, p=0.5, *, generator=None):
        """1 with probability p (a number, or a tensor broadcast to self's shape), else 0."""
        if isinstance(p, Tensor):
            prob = np.broadcast_to(p._data, self._data.shape)
        else:
            if not 0 <= p <= 1:
                raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
            prob = p
        return self._fill_random(numpy_rng(generator).random(self._data.shape) < prob)

    def random_(self, *bounds, generator=None, **names):
        """Integers uniform in [from, to - 1]: random_(from, to), random_(to) (from 0), or random_()
        spanning the dtype (up to 2^mantissa for floats, so that every value is exact)."""
        bounds = list(bounds)
        if "from" in names:
            bounds.insert(0, names.pop("from"))
        if "to" in names:
            bounds.append(names.pop("to"))
        if names or len(bounds) > 2:
            raise TypeError(f"random_() received an invalid combination of arguments - got {len(bounds)} bounds "
                            f"and {sorted(names)}, but expected (from, to), (to) or ()")
        dt = self._data.dtype
        if not bounds:
            lo, hi = 0, _FLOAT_TOP[dt] + 1 if dt.kind == "f" else _INT_TOP[dt] + 1
        else:
            lo, hi = (0, bounds[0]) if len(bounds) == 1 else bounds
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
        return self._fill_random(numpy_rng(generator).integers(lo, hi, self._data.shape, dtype=np.int64))

    def exponential_(self, lambd=1.0, *, generator=None):
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        _continuous("Exponential", self, None)
        return self._fill_random(numpy_rng(generator).exponential(1.0 / lambd, self._data.shape))

    def geometric_(self, p, *, generator=None):
        """The number of Bernoulli(p) trials up to and including the first success (1, 2, ...)."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        return self._fill_random(numpy_rng(generator).geometric(p, self._data.shape))

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        if self._data.dtype.kind != "f":
            raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {_scalar_name(self).lower()} int")
        return self._fill_random(median + sigma * numpy_rng(generator).standard_cauchy(self._data.shape))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        _continuous("LogNormal", self, "log_normal_cpu")
        return self._fill_random(numpy_rng(generator).lognormal(mean, std, self._data.shape))

    def bernoulli(self, p=None, *, generator=None):
        return bernoulli(self, p, generator=generator)


def bernoulli(input, p=None, *, generator=None):
    """A new tensor of input's shape and dtype: 1 with probability input (or p, when given), else 0."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    out = Tensor._wrap(np.empty(input._data.shape, input._data.dtype))
    if p is not None:
        return out.bernoulli_(p, generator=generator)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_scalar_name(input)}'")
    probs = input._data
    if probs.size and not (probs.min() >= 0 and probs.max() <= 1):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    return out.bernoulli_(input.detach(), generator=generator)
