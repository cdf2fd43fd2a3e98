"""torch.cuda, as torch's CPU-only build answers it.

Questions get their answers (is_available() False, device_count() 0, memory_allocated() 0); the
seeding calls scripts make unconditionally (manual_seed, manual_seed_all, seed, seed_all) and
empty_cache() do nothing, as in torch; whatever needs a GPU to exist (synchronize, current_device,
get_device_name, ...) raises torch's AssertionError "Torch not compiled with CUDA enabled". The
legacy types (torch.cuda.FloatTensor, ...) exist, match no tensor, and refuse to construct.
"""

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def is_bf16_supported(including_emulation=True):
    return False


def _seed_value(seed):
    return int(seed)   # torch converts (int('a') is its ValueError); nothing is seeded: there is no GPU


def manual_seed(seed):
    _seed_value(seed)


def manual_seed_all(seed):
    _seed_value(seed)


def seed():
    return None


def seed_all():
    return None


def empty_cache():
    return None


def memory_allocated(device=None):
    return 0


max_memory_allocated = memory_reserved = max_memory_reserved = memory_allocated


def _not_compiled(*args, **kwargs):
    raise AssertionError(_NOT_COMPILED + " (tinygrad_edu runs on the CPU only)")


def _needs_gpu(name):
    def fn(*args, **kwargs):
        _not_compiled()
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.cuda.{name}: raises, there is no GPU (as in torch's CPU build)."
    return fn


synchronize, current_device, get_device_name, get_device_properties, get_device_capability, set_device, \
    initial_seed, get_rng_state, set_rng_state, get_rng_state_all = map(
        _needs_gpu, ("synchronize", "current_device", "get_device_name", "get_device_properties",
                     "get_device_capability", "set_device", "initial_seed", "get_rng_state", "set_rng_state",
                     "get_rng_state_all"))


class _CudaTensorType(type):
    """The metaclass of torch.cuda.FloatTensor & co: no tensor is one, and none can be made."""

    def __instancecheck__(cls, obj):
        return False

    def __call__(cls, *args, **kwargs):
        raise TypeError(f"type torch.cuda.{cls.__name__} not available. {_NOT_COMPILED}.")

    def __repr__(cls):
        return f"<class 'tinygrad_edu.cuda.{cls.__name__}'>"


def _cuda_type(name, dtype_name):
    return _CudaTensorType(name, (), {"dtype_name": dtype_name, "is_cuda": True, "__module__": __name__})


FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor = (
    _cuda_type(n, d) for n, d in (("FloatTensor", "float32"), ("DoubleTensor", "float64"), ("HalfTensor", "float16"),
                                  ("LongTensor", "int64"), ("IntTensor", "int32"), ("ShortTensor", "int16"),
                                  ("CharTensor", "int8"), ("ByteTensor", "uint8"), ("BoolTensor", "bool")))
