"""torch.device, and the one check every function that takes `device=` makes.

A `device` object can name any device type torch knows (`device("cuda:1")` prints
`device(type='cuda', index=1)`), exactly as in torch's CPU-only build: scripts build devices, print
them and pass them around. Only *placing data* on a device other than the CPU fails, in
`check_device`, with the exception class torch's CPU build raises for that device type.
"""
import numbers
import re
import threading

import numpy as np

_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
          "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([a-z]+)(?::(0|[1-9][0-9]*))?")


def _index(value, position):
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"device(): argument 'index' (position {position}) must be int, not {type(value).__name__}")
    if value < 0:
        raise RuntimeError(f"Device index must not be negative, got {int(value)}")
    return int(value)


def _parse(text):
    """(type, index) of a device string such as 'cpu', 'cuda:1'; torch's RuntimeErrors otherwise."""
    match = _DEVICE_STRING.fullmatch(text)
    if match is None:
        raise RuntimeError(f"Invalid device string: {text!r}")
    kind, index = match.group(1), match.group(2)
    if kind not in _TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device string: {text}")
    if index is not None and len(index) > 9:
        raise RuntimeError(f"Could not parse device index '{index}' in device string '{text}'")
    return kind, None if index is None else int(index)


class device:
    """torch.device: a device type ('cpu', 'cuda', ...) and an optional index; immutable and hashable.

    device('cuda'), device('cuda:1'), device('cuda', 1) and device(other_device) as in torch. An integer
    (device(0)) means "accelerator number 0", which a CPU-only build does not have: RuntimeError.
    """
    __slots__ = ("_type", "_index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): argument 'type' (position 1) must be str, not device")
            kind, idx = type._type, type._index
        elif isinstance(type, (str, bytes)):
            kind, idx = _parse(type.decode() if isinstance(type, bytes) else type)
            if index is not None:
                if idx is not None:
                    raise RuntimeError(f"type (string) must not include an index because index was passed "
                                       f"explicitly: {type}")
                idx = _index(index, 2)
        elif isinstance(type, (numbers.Integral, np.integer)) and not isinstance(type, bool):
            _index(type, 1)
            raise RuntimeError(f"Cannot access accelerator device when none is available (device {int(type)}): "
                               "tinygrad_edu runs on the CPU only")
        else:
            raise TypeError(f"device() expects a device, a string such as 'cpu' or 'cuda:0', or an integer "
                            f"index, not {_typename(type)}")
        object.__setattr__(self, "_type", kind)
        object.__setattr__(self, "_index", idx)

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'device' objects is not writable")

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self):
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (str(self),))

    def __repr__(self):
        index = "" if self._index is None else f", index={self._index}"
        return f"device(type='{self._type}'{index})"

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __format__(self, spec):
        return format(str(self), spec)


_Device = device   # for the functions below whose `device` argument hides the class


def _typename(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


# What torch's CPU build raises when data is placed on each device type it knows but has no backend for.
_NOT_COMPILED = {"cuda": "CUDA", "xpu": "XPU", "mtia": "MTIA"}         # AssertionError
_NO_MODULE = ("hpu", "privateuseone")                                  # ModuleNotFoundError (torch.hpu, ...)
_ALWAYS_RUNTIME = ("mkldnn", "opengl", "opencl", "ideep")              # RuntimeError
_NO_KERNELS = ("lazy",)                                                # NotImplementedError


def check_device(dev, *, copy=False, fname=None, default=True):
    """Validate a `device=` argument: None or the CPU passes (returns None); anything else raises.

    `device=None` means the default device (set_default_device), unless `default=False` (Tensor.to,
    where None means "keep the tensor where it is").

    `copy=True` for functions that copy existing data to the device (tensor, as_tensor, Tensor.to)
    rather than allocate on it (zeros, arange, ...): for some device types torch's CPU build raises a
    different class in the two cases, and this follows it. `fname` names the calling function in the
    TypeError for a value that is not a device at all.
    """
    if dev is None:
        dev = _default.device if default else None
        if dev is None:
            return None
    if isinstance(dev, bool) or not isinstance(dev, (device, str, bytes, numbers.Integral, np.integer)):
        where = f"{fname}(): argument 'device'" if fname else "argument 'device'"
        raise TypeError(f"{where} must be tinygrad_edu.device, a string or an int, not {_typename(dev)}")
    dev = dev if isinstance(dev, device) else device(dev)
    kind = dev.type
    if kind == "cpu":
        return None
    unavailable = f"device {str(dev)!r}: tinygrad_edu runs on the CPU only"
    if kind in _NOT_COMPILED:
        raise AssertionError(f"Torch not compiled with {_NOT_COMPILED[kind]} enabled ({unavailable})")
    if kind in _NO_MODULE:
        raise ModuleNotFoundError(f"No module named 'torch.{kind}' ({unavailable})")
    if kind == "meta":
        raise NotImplementedError(f"tinygrad_edu has no 'meta' device (tensors without data); {unavailable}")
    if kind in _ALWAYS_RUNTIME or (copy and dev.index is None and kind not in _NO_KERNELS):
        raise RuntimeError(f"PyTorch is not linked with support for {kind} devices ({unavailable})")
    raise NotImplementedError(f"Could not run 'aten::empty' with arguments from the '{kind.upper()}' backend "
                              f"({unavailable})")


# ---- the default device (torch.set_default_device / get_default_device), one per thread, as in torch --------
class _DefaultDevice(threading.local):
    device = None       # None: the CPU


_default = _DefaultDevice()


def set_default_device(device_):
    """torch.set_default_device: the device factory functions use when given no `device=`.

    Any device type torch knows is accepted here (as in torch); creating a tensor on anything but
    the CPU then raises torch's CPU-build error. None restores the CPU.
    """
    if device_ is None:
        _default.device = None
        return
    if isinstance(device_, bool) or not isinstance(device_, (device, str, bytes, numbers.Integral, np.integer)):
        raise TypeError(f"set_default_device(): expected a device, a string or None, not {_typename(device_)}")
    dev = device_ if isinstance(device_, device) else device(device_)
    _default.device = None if dev.type == "cpu" and dev.index is None else dev


def get_default_device():
    """torch.get_default_device; a device type this build has no backend for raises, as torch's does."""
    dev = _default.device
    if dev is None:
        return device("cpu")
    if dev.type != "meta":      # torch names 'meta' (creating a tensor there raises here, see check_device)
        check_device(dev, copy=True, fname="get_default_device")
    return dev


# ---- pinned memory: page-locked host memory for copies to an accelerator, which this build has none of -----
_NO_ACCELERATOR = "Cannot access accelerator device when none is available."


def check_pin_memory(pin_memory, fname):
    """The `pin_memory=` keyword of the creation functions: True raises torch's CPU-build RuntimeError."""
    if type(pin_memory) is not bool:
        raise TypeError(f"{fname}(): argument 'pin_memory' must be bool, not {_typename(pin_memory)}")
    if pin_memory:
        raise RuntimeError(f"{fname}(): pin_memory=True requires a CUDA or other accelerator backend; no pinned "
                           "memory allocator is available on this system.")


def tensor_pin_memory(self, device=None):
    """Tensor.pin_memory: there is no accelerator to pin memory for, so torch's CPU build raises."""
    if device is not None and _Device(device).type == "cpu":
        raise RuntimeError("CPU device type not an accelerator.")
    raise RuntimeError(_NO_ACCELERATOR)


def tensor_is_pinned(self, device=None):
    """Tensor.is_pinned: always False here (the `device` argument is deprecated in torch, and warns)."""
    if device is not None:
        import warnings
        warnings.warn("The argument 'device' of Tensor.is_pinned() is deprecated. Please do not pass this "
                      "argument.", DeprecationWarning, stacklevel=2)
    return False
