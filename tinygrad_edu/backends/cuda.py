"""torch.backends.cuda: cuBLAS's matmul switches (`torch.backends.cuda.matmul.allow_tf32 = True`)."""
from ._flags import Flag


def is_built():
    """Whether this build has CUDA support: never."""
    return False


class _CuBLAS:
    """torch.backends.cuda.matmul: settable, remembered, without effect on numpy's matmul."""
    allow_tf32 = Flag(False, "set_allow_tf32_cublas")
    allow_fp16_reduced_precision_reduction = Flag(True, "set_allow_fp16_reduced_precision_reduction")
    allow_bf16_reduced_precision_reduction = Flag(True, "set_allow_bf16_reduced_precision_reduction")

    def __setattr__(self, name, value):
        if name not in type(self).__dict__:
            raise AttributeError(f"Unknown attribute {name}")
        object.__setattr__(self, name, value)


matmul = _CuBLAS()
