"""torch.set_num_threads / get_num_threads (and the inter-op pair), on numpy's BLAS.

The only multi-threaded work here is numpy's matrix products, done by the OpenBLAS library that
numpy loaded. Its thread count is set by calling that library's own `set_num_threads` function
through ctypes: the library is found among those the process has loaded (/proc/self/maps) or
beside numpy, and the function under the names OpenBLAS builds use (numpy's wheels prefix them:
`scipy_openblas_set_num_threads64_`). Without OpenBLAS (another BLAS, another OS) the count is
remembered and reported but changes nothing. Inter-op threads (torch's pool for independent ops)
do not exist here: that count is only remembered.
"""
import os

import numpy as np

_PREFIXES = ("scipy_openblas_", "openblas_", "scipy_")
_SUFFIXES = ("64_", "_64_", "")
_state = {"blas": None, "intra": None, "inter": None}


def _blas_candidates():
    import glob  # (here, not at import: `import tinygrad_edu` should not pay for it)
    paths = []
    try:
        with open("/proc/self/maps") as maps:  # "address perms offset dev inode path" per mapping
            files = [parts[5] for parts in (line.split() for line in maps) if len(parts) >= 6]
        paths = [f for f in files if "openblas" in os.path.basename(f)]
    except OSError:
        pass
    here = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    return list(dict.fromkeys(paths + glob.glob(os.path.join(here, "*openblas*"))))


def _blas():
    """(set, get) of numpy's OpenBLAS thread count, or None; looked up once."""
    if _state["blas"] is None:
        import ctypes
        _state["blas"] = False
        for path in _blas_candidates():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix in _PREFIXES:
                for suffix in _SUFFIXES:
                    setter = getattr(lib, f"{prefix}set_num_threads{suffix}", None)
                    getter = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
                    if setter is not None and getter is not None:
                        setter.argtypes, getter.restype = [ctypes.c_int], ctypes.c_int
                        _state["blas"] = (setter, getter)
                        return _state["blas"]
    return _state["blas"] or None


def _check(name, n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return int(n)


def set_num_threads(int):  # noqa: A002 (torch's parameter name)
    """The number of threads numpy's matrix products use (OpenBLAS's own setting)."""
    n = _check("set_num_threads", int)
    blas = _blas()
    if blas is not None:
        blas[0](n)
    _state["intra"] = n


def get_num_threads():
    blas = _blas()
    if blas is not None:
        return int(blas[1]())
    return _state["intra"] or os.cpu_count() or 1


def set_num_interop_threads(int):  # noqa: A002 (torch's parameter name)
    """Remembered only: nothing here runs independent ops in parallel."""
    _state["inter"] = _check("set_num_interop_threads", int)


def get_num_interop_threads():
    return _state["inter"] or os.cpu_count() or 1
