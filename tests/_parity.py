"""Side-by-side runner for parity tests: one expression, evaluated with T = torch and T = tinygrad_edu.

`outcome(expr, T)` is either ("raises", exception class, message) or ("value", summary), where the
summary of a Tensor is (dtype name, shape, values as float64/object array, requires_grad) and of
anything else the value itself. `assert_same(expr)` checks that tinygrad_edu raises the class torch
raises, or returns what torch returns (values exact, NaN equal to NaN); `values=False` compares only
dtype, shape and requires_grad (random draws differ between the two libraries by design).
"""
import warnings

import numpy as np

import tinygrad_edu


def _summary(result, values):
    if hasattr(result, "grad_fn") and hasattr(result, "dtype"):
        arr = np.asarray(result.detach().numpy())
        return ("tensor", str(result.dtype).split(".")[-1], tuple(result.shape),
                arr.astype(np.float64 if arr.dtype.kind in "fiub" else object) if values else None,
                bool(result.requires_grad))
    if isinstance(result, tuple):               # torch.Size / tinygrad_edu.Size
        return ("value", tuple(result))
    text = repr(result)
    if text.startswith(("torch.", "tinygrad_edu.")) and text.count("(") == 0:   # dtypes
        return ("value", "dtype " + text.split(".", 1)[1])
    return ("value", result)


def outcome(expr, T, values=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = eval(expr, {"T": T, "np": np, "nan": float("nan"), "inf": float("inf")})
        except Exception as e:  # noqa: BLE001  (the class is what is compared)
            return ("raises", type(e), str(e))
    return _summary(result, values)


def _same_value(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is None and b is None or np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return type(a) is type(b) and a == b


def assert_same(torch, expr, values=True):
    theirs, ours = outcome(expr, torch, values), outcome(expr, tinygrad_edu, values)
    if theirs[0] == "raises":
        assert ours[0] == "raises", f"{expr}: torch raises {theirs[1].__name__} ({theirs[2][:120]}), we return {ours}"
        assert ours[1] is theirs[1], (f"{expr}: torch raises {theirs[1].__name__} ({theirs[2][:120]}), "
                                      f"we raise {ours[1].__name__} ({ours[2]})")
        return ours[2]
    assert ours[0] != "raises", f"{expr}: torch returns {theirs}, we raise {ours[1].__name__}: {ours[2]}"
    assert ours[0] == theirs[0], f"{expr}: torch {theirs}, ours {ours}"
    if ours[0] == "tensor":
        assert ours[1:3] == theirs[1:3] and ours[4] == theirs[4], f"{expr}: torch {theirs}, ours {ours}"
        assert _same_value(ours[3], theirs[3]), f"{expr}: values differ:\ntorch {theirs[3]}\nours  {ours[3]}"
    else:
        assert _same_value(ours[1], theirs[1]), f"{expr}: torch {theirs[1]!r}, ours {ours[1]!r}"
    return None
