"""The differentiable operations, one Function class each (forward next to backward), and the
functions that call them with torch's argument handling and type promotion."""
from .elementwise import (add, sub, mul, div, pow, maximum, minimum, where, eq, ne, lt, le, gt, ge,
                          bitwise_and, bitwise_or, bitwise_xor, logical_and, logical_or, logical_xor,
                          logical_not, floor_divide, remainder)
from .unary import (neg, abs, exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, clamp, clip, sign, floor, ceil,
                    round, cast, clone, isnan, isinf, isfinite)
from .activation import (relu, leaky_relu, hardtanh, sigmoid, erf, gelu, elu, selu, softplus, silu, mish)
from .reduce import sum, mean, max, min, amax, amin, argmax, argmin, prod, var, std, norm, cumsum, all, any
from .softmax import softmax, log_softmax, logsumexp
from .shape import (reshape, view, flatten, squeeze, unsqueeze, permute, transpose, t, expand, repeat, cat,
                    stack, split, chunk, narrow, unbind, flip, contiguous, movedim)
from .index import getitem, index_put, write_index, gather, index_select, masked_fill, masked_select
from .matmul import matmul, mm, bmm, dot, mv
