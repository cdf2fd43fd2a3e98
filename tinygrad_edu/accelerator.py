"""torch.accelerator: the device-agnostic questions a script asks before choosing where to run.

There is no accelerator here: is_available() is False, current_accelerator() None, device_count()
0, and what needs an accelerator to exist raises the RuntimeError torch's CPU build raises.
"""
from .device import _NO_ACCELERATOR


def is_available():
    return False


def current_accelerator(check_available=False):
    """The accelerator's device type (torch.device('cuda'), ...): None, there is none."""
    return None


def device_count():
    return 0


def _none_available(*args, **kwargs):
    raise RuntimeError(_NO_ACCELERATOR)


def current_device_index():
    _none_available()


def set_device_index(device):
    _none_available()


def synchronize(device=None):
    _none_available()


current_device_idx, set_device_idx = current_device_index, set_device_index
