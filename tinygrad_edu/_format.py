"""Printing tensors as torch prints them, and torch's print options.

    tensor([[ 0.2000, -6.0000]], requires_grad=True)

The layout, step by step (each step is torch's documented behaviour, reproduced here):

1. Summarising: a tensor of more than `threshold` elements shows only `edgeitems` entries at each
   end of every dimension, with `...` between them.
2. One formatter for the whole tensor (or for the part shown when summarised) picks the notation and
   a common width from the finite nonzero values: integers-only floats print as `3.`; scientific
   notation (`1.0000e+05`) when the largest magnitude is over 1e8, under 1e-4 at the smallest, or
   over 1000 times the smallest; otherwise `precision` decimals. Every entry is right-aligned to the
   widest formatted finite nonzero value (so `inf`, `nan` and zeros do not widen the columns).
3. Rows wrap so that a line holds as many `width + 2` wide entries as fit in `linewidth` minus the
   indent.
4. Suffixes (`size=`, `dtype=`, `grad_fn=` / `requires_grad=True`) follow, each moving to a new
   line of its own when it would pass `linewidth`.
"""
import contextlib
import math

import numpy as np

from . import dtypes as _dt
from .grad_mode import _state


class _PrintOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision, self.threshold, self.edgeitems, self.linewidth, self.sci_mode = 4, 1000, 3, 80, None


PRINT_OPTS = _PrintOptions()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions: a `profile` ('default', 'short', 'full') sets the first four options,
    then any option given explicitly overrides it. `sci_mode` (True, False, or None to let the
    formatter choose) is set on every call, as in torch."""
    if profile in _PROFILES:
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = _PROFILES[profile]
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options as a dict that `set_printoptions(**options)` accepts."""
    return {name: getattr(PRINT_OPTS, name) for name in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a `with` block only (torch._tensor_str.printoptions)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


def _summarized(a, edge):
    """The entries a summarised print shows: `edge` at each end of every dimension."""
    if a.ndim == 1:
        # torch keeps every entry of a 1-d tensor when edgeitems is 0 (a[-0:] is all of it)
        return np.concatenate((a[:edge], a[-edge:])) if a.shape[0] > 2 * edge else a
    if edge == 0:
        return a[(slice(0, 0),) * a.ndim]
    for axis, n in enumerate(a.shape):
        if n > 2 * edge:
            a = np.take(a, np.r_[0:edge, n - edge:n], axis=axis)
    return a


class _Formatter:
    """Notation and width for every entry of one tensor (step 2 of the module docstring)."""

    def __init__(self, a, precision, sci_option):
        self.floating = a.dtype.kind == "f"
        self.precision, self.int_mode, self.sci_mode, self.width = precision, True, False, 1
        flat = a.reshape(-1)
        if not self.floating:
            if flat.size:
                ends = (bool(flat.min()), bool(flat.max())) if a.dtype == np.bool_ else (flat.min(), flat.max())
                self.width = max(len(str(v)) for v in ends)
            return
        values = flat[np.isfinite(flat) & (flat != 0)]
        if values.size == 0:
            return
        magnitudes = np.abs(values.astype(np.float64))
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(values == np.ceil(values)))
        if sci_option is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = bool(sci_option)
        self.width = max(len(self._notation(v)) + (self.int_mode and not self.sci_mode)
                         for v in _widest_candidates(values))

    def _notation(self, value):
        if self.sci_mode:
            return f"{value:.{self.precision}e}"
        if self.int_mode:
            return f"{value:.0f}"
        return f"{value:.{self.precision}f}"

    def format(self, value):
        if not self.floating:
            text = str(value)
        else:
            text = self._notation(value)
            if self.int_mode and not self.sci_mode and math.isfinite(value):
                text += "."
        return text.rjust(self.width)


def _widest_candidates(values):
    """The values whose formatted text can be the longest: the largest and smallest magnitude of each
    sign. (Rounding is monotone in the magnitude, so the digits before the point and the exponent's
    digits are longest at one of these.)"""
    out = []
    for part in (values[values > 0], values[values < 0]):
        if part.size:
            out += [float(part.min()), float(part.max())]
    return out


def _vector_str(a, indent, summarize, formatter, opts):
    per_line = max(1, math.floor((opts.linewidth - indent) / (formatter.width + 2)))
    edge = opts.edgeitems
    if summarize and not edge:
        entries = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        entries = ([formatter.format(v) for v in a[:edge].tolist()] + [" ..."]
                   + [formatter.format(v) for v in a[-edge:].tolist()])
    else:
        entries = [formatter.format(v) for v in a.tolist()]
    lines = [", ".join(entries[i:i + per_line]) for i in range(0, len(entries), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a, indent, summarize, formatter, opts):
    if a.ndim == 0:
        return formatter.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, formatter, opts)
    n, edge = a.shape[0], opts.edgeitems
    if summarize and n > 2 * edge:
        rows = [_nested_str(a[i], indent + 1, summarize, formatter, opts) for i in range(edge)] + ["..."]
        rows += [_nested_str(a[i], indent + 1, summarize, formatter, opts) for i in range(n - edge, n)]
    else:
        rows = [_nested_str(a[i], indent + 1, summarize, formatter, opts) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _contents(a, indent, opts):
    summarize = a.size > opts.threshold
    formatter = _Formatter(_summarized(a, opts.edgeitems) if summarize else a, opts.precision, opts.sci_mode)
    return _nested_str(a, indent, summarize, formatter, opts)


def _add_suffixes(text, suffixes, indent, linewidth):
    parts = [text]
    line_len = len(text) - text.rfind("\n") + 1  # torch's count (2 more than the line without a newline)
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_len += len(suffix) + 2
    return "".join(parts) + ")"


def format_tensor(t):
    """repr(t) and str(t), as torch's."""
    a, dtype, opts = t._data, t.dtype, PRINT_OPTS
    prefix, suffixes = "tensor(", []
    default = _dt.get_default_dtype()
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dtype != default:
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        if not opts.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if dtype not in (default, _dt.int64, _dt.bool_):
            suffixes.append(f"dtype={dtype}")
        body = _contents(a, len(prefix), opts)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    if _state.dual is not None and _state.dual.get(t) is not None:  # a dual tensor (autograd/forward_ad.py)
        suffixes.append(f"tangent={format_tensor(_state.dual.get(t))}")
    return _add_suffixes(prefix + body, suffixes, len(prefix), opts.linewidth)
