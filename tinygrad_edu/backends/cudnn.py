"""torch.backends.cudnn: cuDNN's switches (there is no cuDNN here: is_available() is False)."""
import types

from ._flags import Flag, install


def is_available():
    return False


def version():
    """The cuDNN version: None, as in torch's CPU build."""
    return None


class _CudnnModule(types.ModuleType):
    enabled = Flag(True, "set_enabled_cudnn")
    benchmark = Flag(False, "set_benchmark_cudnn")
    deterministic = Flag(False, "set_deterministic_cudnn")
    allow_tf32 = Flag(True, "set_allow_tf32_cudnn")


benchmark_limit = None   # torch's CPU build reports None (an int where cuDNN exists)
install(__name__, _CudnnModule)
