"""Random numbers: one seeded default generator, as torch.manual_seed expects, and the random
creation functions (rand, randn, randint, randperm, normal, rand_like, randn_like).

Draws go through numpy's PCG64 generator. The numbers differ from torch's (different algorithms),
but a seed makes every run of tinygrad_edu reproducible. Arguments, dtypes and refusals are
torch's (checked in _creation_args.py).
"""
import numbers

import numpy as np

from . import dtypes as _dt
from ._creation_args import creation_size, finish, int_arg, number_arg, options, size_keyword, tuple_size
from .autograd.function import Function
from .device import device as _device
from .tensor import Tensor

_DEFAULT_SEED = 67280421310721  # torch's default initial seed


class Generator:
    """torch.Generator: an independent stream of random numbers."""

    def __init__(self, device="cpu"):
        kind = _device(device).type
        if kind != "cpu":
            raise RuntimeError(f"Cannot get a {kind} generator (device {str(device)!r}): tinygrad_edu runs on "
                               "the CPU only")
        self.device = _device("cpu")
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = None  # made on first draw: importing numpy.random costs ~10 ms of import time
        return self

    @property
    def rng(self):
        """The numpy Generator (PCG64) this stream draws from."""
        if self._rng is None:
            self._rng = np.random.Generator(np.random.PCG64(self._seed & 0xFFFFFFFFFFFFFFFF))
        return self._rng

    def initial_seed(self):
        return self._seed

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (torch.manual_seed); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def numpy_rng(generator=None):
    """The numpy Generator to draw from: `generator`'s, or the default one."""
    return (generator or default_generator).rng


# ---- random creation functions (re-exported by creation.py) ------------------------------------------------
def _float_dtype(np_dtype, kernel):
    """The dtype of a floating sample (default float when None); torch has no integer kernel for it."""
    np_dtype = np_dtype if np_dtype is not None else _dt.get_default_dtype().numpy_dtype
    if np_dtype.kind != "f":
        d = _dt.from_numpy_dtype(np_dtype)
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{d.scalar_name}' (dtype={d.name}): "
                                  "draw a floating-point sample and convert it")
    return np_dtype


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Uniform on [0, 1)."""
    size = size_keyword("rand", sizes, size)
    np_dtype = _float_dtype(options("rand", dtype, device, requires_grad, pin_memory=pin_memory),
                            "check_uniform_bounds")
    values = numpy_rng(generator).random(creation_size("rand", size), dtype=np.float64).astype(np_dtype)
    # a double just below 1 can round up to 1 in float32/float16: keep [0, 1) open at the top
    return finish(np.minimum(values, np.nextafter(np_dtype.type(1), np_dtype.type(0))), requires_grad)


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Standard normal."""
    size = size_keyword("randn", sizes, size)
    np_dtype = _float_dtype(options("randn", dtype, device, requires_grad, pin_memory=pin_memory),
                            "normal_kernel_cpu")
    return finish(numpy_rng(generator).standard_normal(creation_size("randn", size)).astype(np_dtype),
                  requires_grad)


def _bounds(np_dtype):
    if np_dtype.kind == "b":
        return 0, 1
    if np_dtype.kind == "f":
        top = float(np.finfo(np_dtype).max)
        return -top, top
    info = np.iinfo(np_dtype)
    return int(info.min), int(info.max)


class _Omitted:
    """randint's `high` when not given (randint(high, size)); an explicit None is refused as in torch."""

    def __repr__(self):
        return "<omitted>"


_OMITTED = _Omitted()


def randint(low=0, high=_OMITTED, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
            pin_memory=False):
    """Integers uniform on [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None and high is not _OMITTED and not isinstance(high, (numbers.Number, np.generic, Tensor)):
        low, high, size = 0, low, high          # randint(high, size)
    elif high is _OMITTED:
        low, high = 0, low                      # randint(high, size=...) or randint(high)
    if size is None:
        raise TypeError(f"randint() missing required argument 'size' (got low={low!r}, high={high!r})")
    np_dtype = options("randint", dtype, device, requires_grad, pin_memory=pin_memory)
    low, high = int_arg(low, "randint", "low", 1), int_arg(high, "randint", "high", 2)
    shape = tuple_size(size, "randint", 3)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    np_dtype = np_dtype if np_dtype is not None else np.dtype(np.int64)
    smallest, largest = _bounds(np_dtype)
    name = _dt.from_numpy_dtype(np_dtype).name
    if low < smallest:
        raise RuntimeError(f"from is out of bounds for {name}: from={low}")
    if high - 1 > largest:
        raise RuntimeError(f"to - 1 is out of bounds for {name}: to={high}")
    values = numpy_rng(generator).integers(low, high, shape, dtype=np.int64)
    return finish(values.astype(np_dtype), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A random permutation of 0 .. n-1."""
    np_dtype = options("randperm", dtype, device, requires_grad, pin_memory=pin_memory)
    n = int_arg(n, "randperm", "n", 1)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    np_dtype = np_dtype if np_dtype is not None else np.dtype(np.int64)
    if np_dtype.kind == "b":
        raise NotImplementedError("\"randperm\" not implemented for 'Bool' (dtype=bool)")
    if np_dtype.kind in "iu" and n > _bounds(np_dtype)[1] + 1:
        raise RuntimeError(f"value cannot be converted to type {_dt.from_numpy_dtype(np_dtype).name} without "
                           f"overflow: randperm({n}) holds {n - 1}")
    return finish(numpy_rng(generator).permutation(n).astype(np_dtype), requires_grad)


def _check_std(std):
    if isinstance(std, Tensor):
        if not (std._data >= 0).all():
            raise RuntimeError(f"normal expects all elements of std >= 0.0 (std has {int((~(std._data >= 0)).sum())} "
                               "negative or NaN elements)")
    elif not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
           pin_memory=False):
    """normal(mean, std, size) with numbers; normal(mean, std) element-wise when either is a Tensor.

    The element-wise form joins the graph of mean and std with zero derivatives, as in torch (Normal).
    """
    if size is not None:
        np_dtype = _float_dtype(options("normal", dtype, device, requires_grad, pin_memory=pin_memory),
                                "normal_kernel_cpu")
        mean, std = number_arg(mean, "normal", "mean", 1), number_arg(std, "normal", "std", 2)
        shape = tuple_size(size, "normal", 3)
        _check_std(std)
        values = mean + std * numpy_rng(generator).standard_normal(shape)
        return finish(np.asarray(values).astype(np_dtype), requires_grad)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        raise TypeError(f"normal() needs a size when mean and std are numbers (got mean={mean!r}, std={std!r})")
    if dtype is not None or device is not None or requires_grad:
        raise TypeError("normal(): dtype, device and requires_grad are only accepted with numbers and a size; "
                        "with a Tensor mean or std the result takes its dtype and its graph")
    for name, value, pos in (("mean", mean, 1), ("std", std, 2)):
        if not isinstance(value, Tensor):
            number_arg(value, "normal", name, pos)
    _check_std(std)
    out = mean if isinstance(mean, Tensor) else std
    np_dtype = _float_dtype(out._data.dtype, "normal_kernel_cpu")
    shapes = [value._data.shape if isinstance(value, Tensor) else () for value in (mean, std)]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean {list(shapes[0])} and std {list(shapes[1])} do not "
                           "broadcast") from None
    noise = Tensor._wrap(numpy_rng(generator).standard_normal(shape).astype(np_dtype))
    if isinstance(std, Tensor) and std._data.dtype != np_dtype:
        std = std.to(_dt.from_numpy_dtype(np_dtype))
    return Normal.apply(mean, std, noise)


class Normal(Function):
    """out = mean + std * noise, element-wise (torch.normal with a Tensor mean and/or std).

    The output belongs to the graph when mean or std requires grad, but torch does not
    reparameterize the sample: its derivative with respect to mean and to std is zero, and so is
    ours (use `mean + std * randn_like(mean)` for a differentiable sample).
    """

    @staticmethod
    def forward(ctx, mean, std, noise):
        ctx.torch_name = "NormalBackward" + ("3" if isinstance(mean, Tensor) and isinstance(std, Tensor)
                                             else "1" if isinstance(mean, Tensor) else "2")
        ctx.input_shapes = [(v._data.shape, v._data.dtype) if isinstance(v, Tensor) else None for v in (mean, std)]
        return mean + std * noise

    @staticmethod
    def backward(ctx, grad):
        zeros = [None if meta is None else Tensor._wrap(np.zeros(*meta)) for meta in ctx.input_shapes]
        return zeros[0], zeros[1], None

    @staticmethod
    def jvp(ctx, tmean, tstd, tnoise):
        """Zero, as backward: the draw is not reparameterised (torch's forward AD gives zeros too)."""
        out = ctx.result._data
        return Tensor._wrap(np.zeros(out.shape, out.dtype))


def _random_like(fn):
    def like(input, *, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
        if not isinstance(input, Tensor):
            raise TypeError(f"{fn.__name__}_like(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return fn(input._data.shape, generator=generator, dtype=dtype if dtype is not None else input.dtype,
                  device=device, requires_grad=requires_grad, pin_memory=pin_memory)
    like.__name__ = like.__qualname__ = fn.__name__ + "_like"
    like.__doc__ = f"torch.{like.__name__}: {fn.__name__} with the shape (and, by default, the dtype) of input."
    return like


rand_like, randn_like = _random_like(rand), _random_like(randn)


# ---- sampling from weights --------------------------------------------------------------------------------
def _check_weights(input, num_samples, replacement):
    """torch's refusals of multinomial's arguments; returns the weights as a 2-D float64 array."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    w = input._data
    if w.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dt.from_numpy_dtype(w.dtype).scalar_name}")
    if w.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (got {w.ndim} dims, shape {list(w.shape)})")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (n_sample = {num_samples})")
    if not replacement and num_samples > w.shape[-1]:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({num_samples} > {w.shape[-1]})")
    rows = w.reshape(-1, w.shape[-1]).astype(np.float64)
    if rows.size and not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    sums = rows.sum(axis=1)
    if rows.shape[0] and (rows.shape[1] == 0 or (sums <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return rows, sums


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """torch.multinomial: for each row of non-negative weights (1-D: one row), `num_samples` category
    indices drawn with probability weight / row sum (int64, shape (rows, num_samples) or
    (num_samples,)). A zero weight is never drawn.

    With replacement, each draw inverts the row's cumulative distribution at a uniform number u
    (the first category whose cumulative weight exceeds u). Without replacement, a category's key
    is E / w with E ~ Exponential(1), and the num_samples smallest keys win: this draws exactly as
    picking one category at a time and removing it (Efraimidis and Spirakis' weighted sampling).
    The streams differ from torch's; a seed (manual_seed, or generator=) makes them reproducible."""
    rows, sums = _check_weights(input, num_samples, replacement)
    rng = numpy_rng(generator)
    n_rows, n_cat = rows.shape
    if replacement:
        cdf = np.cumsum(rows, axis=1) / sums[:, None]
        cdf[:, -1] = 1.0  # rounding must not leave a gap at the top
        u = rng.random((n_rows, num_samples))
        # one searchsorted over all rows: row r's cumulative weights are shifted into [r, r + 1]
        offsets = np.arange(n_rows, dtype=np.float64)[:, None]
        flat = np.searchsorted((cdf + offsets).ravel(), (u + offsets).ravel(), side="right")
        picked = np.minimum(flat.reshape(n_rows, num_samples) - np.arange(n_rows)[:, None] * n_cat, n_cat - 1)
    else:
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential((n_rows, n_cat)) / rows  # zero weight: key inf, never first
        picked = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    picked = picked.astype(np.int64)
    return Tensor._wrap(np.ascontiguousarray(picked.reshape(input._data.shape[:-1] + (num_samples,))))
