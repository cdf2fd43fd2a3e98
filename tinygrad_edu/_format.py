"""torch-like printing of tensors: `tensor([[0.2000, 6.0000]], requires_grad=True)`."""
import numpy as np


def _float_formatter(values):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return lambda v: f"{v}"
    absvals = np.abs(finite)
    nonzero = absvals[absvals > 0]
    integral = bool(np.all(finite == np.round(finite)))
    big, small = float(absvals.max()), float(nonzero.min()) if nonzero.size else 0.0
    wide = big > 1e8 or (small > 0 and big / small > 1000)  # torch switches to scientific notation here
    if integral and not wide:
        fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else f"{v}"
    elif wide or (small > 0 and small < 1e-4):
        fmt = lambda v: f"{v:.4e}" if np.isfinite(v) else f"{v}"
    else:
        fmt = lambda v: f"{v:.4f}" if np.isfinite(v) else f"{v}"
    width = max(len(fmt(float(v))) for v in values.ravel()[:2000])
    return lambda v: fmt(float(v)).rjust(width)


def format_tensor(t):
    data = t._data
    prefix = "tensor("
    if data.size == 0:
        body = "[]" if data.ndim <= 1 else "[]"
        extras = [f"size={tuple(data.shape)}"] if data.ndim > 1 else []
    else:
        formatter = {}
        if data.dtype.kind == "f":
            formatter = {"float_kind": _float_formatter(data.astype(np.float64))}
        elif data.dtype.kind == "b":
            width = 5 if not data.all() else 4  # torch right-aligns True under False
            formatter = {"bool": lambda v: ("True" if v else "False").rjust(width)}
        body = np.array2string(data, separator=", ", prefix=prefix, formatter=formatter,
                               threshold=1000, edgeitems=3, max_line_width=80)
        body = body.replace(", ...,", ",  ...,")  # torch's in-row ellipsis is " ..."
        extras = []
    if data.dtype not in (np.float32, np.int64, np.bool_) or (data.size == 0 and data.dtype != np.float32):
        extras.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
