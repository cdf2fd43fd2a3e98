"""tinygrad_edu.nn: modules, layers, losses, init and functional, mirroring torch.nn."""
from .modules import *  # noqa: F401,F403
from .parameter import Parameter  # noqa: F401
from . import functional, init, utils  # noqa: F401
