"""Utilities, as ``torch.utils``: ``tinygrad_edu.utils.data`` holds datasets and the DataLoader,
``tinygrad_edu.utils.tensorboard`` the SummaryWriter (it needs the optional ``tensorboard`` package).

Submodules load on first use (``tinygrad_edu.utils.data`` or ``from tinygrad_edu.utils import data``)
so that ``import tinygrad_edu`` stays fast and free of import cycles.
"""
import importlib

_SUBMODULES = ("data", "tensorboard")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
