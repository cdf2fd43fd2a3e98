"""The registry's vocabulary: an OpInfo per public op, its Samples and ErrorSamples, and how one
sample is built into real arguments for either library (torch, or tinygrad_edu).

A sample's arguments are plain Python values, with three markers that each library builds for
itself from the same numpy data:

- `T(array, grad, view)`: a tensor. Both sides wrap a private copy of `array` (from_numpy keeps its
  dtype), apply `view` ("T": transpose the last two dims, "step": every second element of the last
  dim) so that the result is non-contiguous on both sides, then make it a leaf (`detach()`) that
  requires grad when `grad` is set and the dtype is floating point.
- `A(array, view)`: a numpy array passed as is (a private copy on each side, `view` applied to it).
- `DT(name)`: the library's dtype of that name (`DT("float64")` is torch.float64 / tinygrad_edu.float64).

Python numbers, numpy scalars (np.float64(0.5)), lists, tuples and dicts pass through, their
markers built recursively.
"""
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(eq=False)
class T:
    array: np.ndarray
    grad: bool = True
    view: str | None = None


@dataclass(eq=False)
class A:
    array: np.ndarray
    view: str | None = None  # "T" or "step", applied to a private copy (a non-contiguous ndarray)


@dataclass(frozen=True)
class DT:
    name: str


@dataclass(eq=False, repr=False)
class Sample:
    """One call of an op. `call(lib, *args, **kwargs)` overrides the op's own call (an operator form,
    a method form, a wrapper that seeds a random stream ...). `fd`: the op is smooth around these
    values (finite differences are meaningful); `gradgrad`: second order is checked on this sample;
    `grad`: gradients are checked on this sample (False for a random draw); `compare` overrides
    the op's way of comparing results."""
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    call: Callable | None = None
    fd: bool = True
    gradgrad: bool = True
    grad: bool = True
    compare: object = None

    def __repr__(self):
        return f"Sample({self.name!r})"


@dataclass(eq=False, repr=False)
class ErrorSample:
    """A call torch refuses. `mentions`: strings (shape sizes, argument names) that torch's message
    contains and ours must contain too, compared case-insensitively."""
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    call: Callable | None = None
    mentions: tuple = ()

    def __repr__(self):
        return f"ErrorSample({self.name!r})"


@dataclass(eq=False, repr=False)
class OpInfo:
    """One public op. `name` is its README name ("add", "nn.functional.relu"). `samples(dt)` gives
    the samples for float dtype `dt` (np.float32 or np.float64). `compare`: "values" (allclose),
    "meta" (random ops: shape, dtype, requires_grad only), or a function(ours_np, torch_np) that
    raises on disagreement. `grad`: differentiable; `gradgrad`: second order is meaningful."""
    name: str
    samples: Callable
    errors: tuple = ()
    call: Callable | None = None
    grad: bool = True
    gradgrad: bool = True
    compare: object = "values"

    def __repr__(self):
        return f"OpInfo({self.name!r})"

    def invoke(self, sample, lib, args, kwargs):
        call = sample.call or self.call
        if call is None:
            return resolve(lib, self.name)(*args, **kwargs)
        return call(lib, *args, **kwargs)


def resolve(lib, dotted):
    """lib.<dotted> (e.g. resolve(torch, "nn.functional.relu"))."""
    obj = lib
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


# ---------------------------------------------------------------------------------------------
# deterministic data


def rng_for(name, dt):
    """A numpy RandomState with a fixed seed per (op name, dtype): adding an op changes no other's data."""
    return np.random.RandomState(zlib.crc32(f"{name}/{np.dtype(dt).name}".encode()))


def _base_shape(shape, view):
    shape = tuple(shape)
    if view == "T":
        return shape[:-2] + (shape[-1], shape[-2])
    if view == "step":
        return shape[:-1] + (2 * shape[-1],)
    return shape


def t(rng, shape, dt, lo=-2.0, hi=2.0, view=None, grad=True):
    """A float tensor marker of final shape `shape` with values uniform in [lo, hi)."""
    return T(np.asarray(rng.uniform(lo, hi, _base_shape(shape, view)), dtype=dt), grad, view)


def away(rng, shape, dt, lo=0.3, hi=2.0, view=None, grad=True):
    """Values with |x| in [lo, hi) and a random sign: away from the kink of abs, relu, sign ..."""
    base = _base_shape(shape, view)
    mag = rng.uniform(lo, hi, base)
    return T(np.asarray(mag * rng.choice([-1.0, 1.0], size=base), dtype=dt), grad, view)


def ints(rng, shape, lo, hi, dtype=np.int64, view=None):
    return T(np.asarray(rng.randint(lo, hi, _base_shape(shape, view)), dtype=dtype), False, view)


def mask(rng, shape, view=None):
    return T(np.asarray(rng.rand(*_base_shape(shape, view)) < 0.5), False, view)


def tag(dt):
    return "f32" if np.dtype(dt) == np.float32 else "f64"


# ---------------------------------------------------------------------------------------------
# building a sample for one library


def is_torch(lib):
    return lib.__name__ == "torch"


def _leaf(spec, lib, requires_grad):
    x = lib.from_numpy(spec.array.copy())
    if spec.view == "T":
        x = x.transpose(-2, -1)
    elif spec.view == "step":
        x = x[..., ::2]
    x = x.detach()
    if requires_grad:
        x.requires_grad_(True)
    return x


def wants_grad(spec):
    return spec.grad and np.issubdtype(spec.array.dtype, np.floating)


def build(spec, lib, leaves, supply=None):
    """`spec` with its markers built for `lib`. Each tensor that requires grad is appended to `leaves`;
    with `supply` (an iterator), those tensors are taken from it instead of being made (gradcheck)."""
    if isinstance(spec, T):
        if supply is not None and wants_grad(spec):
            x = next(supply)
        else:
            x = _leaf(spec, lib, wants_grad(spec))
        if wants_grad(spec):
            leaves.append(x)
        return x
    if isinstance(spec, A):
        array = spec.array.copy()
        return array.swapaxes(-2, -1) if spec.view == "T" else array[..., ::2] if spec.view == "step" else array
    if isinstance(spec, DT):
        return getattr(lib, spec.name)
    if isinstance(spec, (list, tuple)):
        return type(spec)(build(s, lib, leaves, supply) for s in spec)
    if isinstance(spec, dict):
        return {k: build(v, lib, leaves, supply) for k, v in spec.items()}
    return spec


def run(op, sample, lib, supply=None):
    """(output, leaves) of one sample on one library."""
    leaves = []
    args, kwargs = build((tuple(sample.args), dict(sample.kwargs)), lib, leaves, supply)
    return op.invoke(sample, lib, args, kwargs), leaves


def has_view_input(sample):
    """True if some tensor or array input of the sample is made non-contiguous (T or A with a view)."""
    def walk(spec):
        if isinstance(spec, (T, A)):
            return spec.view is not None
        if isinstance(spec, (list, tuple)):
            return any(walk(s) for s in spec)
        if isinstance(spec, dict):
            return any(walk(s) for s in spec.values())
        return False
    return walk((tuple(sample.args), dict(sample.kwargs)))


def grad_leaf_count(sample):
    """How many leaves of the sample require grad (no tensor is built)."""
    def count(spec):
        if isinstance(spec, T):
            return int(wants_grad(spec))
        if isinstance(spec, (list, tuple)):
            return sum(count(s) for s in spec)
        if isinstance(spec, dict):
            return sum(count(s) for s in spec.values())
        return 0
    return count((tuple(sample.args), dict(sample.kwargs)))
