"""torch.backends, as a CPU-only build has it: the switches exist and can be set, none changes anything.

    torch.backends.cudnn.benchmark = True            # cudnn.py: benchmark, deterministic, allow_tf32, enabled
    torch.backends.cuda.matmul.allow_tf32 = True     # cuda.py
    torch.backends.mps.is_available()                # mps.py: False

Scripts written for a GPU set these at the top; here they are remembered (so reading one back gives
what was set) and validated as torch validates them (a non-bool flag is a RuntimeError), but
tinygrad_edu computes on numpy in float32/float64 whatever they say.
"""
from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
