"""erf and the normal CDF on numpy arrays (numpy has no erf and scipy is not a dependency).

Not ops: the array functions that the Erf and Gelu ops (activation.py) call in their forward.
"""
import math

import numpy as np

# erf is odd and equals 1 to double precision for |x| >= 6 (to float32 precision for |x| >= 4), so
# only [0, 6) needs an approximation. It is cut into pieces; on each piece a polynomial in
# (x - centre), fitted on first use to math.erf at Chebyshev points, is accurate to ~1e-14 in
# float64 (pieces of width 1/4, degree 12) and to ~1e-9 in float32 (width 1/8, degree 6: half the
# work). The first piece uses an odd polynomial in x itself (centre 0), so erf keeps full relative
# accuracy near 0.
_ERF_SHAPES = {np.dtype(np.float64): (0.25, 6.0, 12), np.dtype(np.float32): (0.125, 4.0, 6)}  # step, end, degree


def _erf_table(step, end, deg):
    k = np.arange(2 * deg + 2)
    nodes = np.cos(np.pi * (k + 0.5) / k.size)  # Chebyshev points of [-1, 1]
    half = step / 2
    # one-time setup (a few hundred math.erf calls), not a loop over tensor data
    first = nodes * step  # [-step, step]: least squares on the odd powers x, x^3, ...
    odd = np.linalg.lstsq(first[:, None] ** np.arange(1, deg, 2), np.array([math.erf(v) for v in first]),
                          rcond=None)[0]
    rows = [np.zeros(deg + 1)]
    rows[0][1:deg:2] = odd
    centres = np.arange(1, end / step) * step + half
    for c in centres:
        u = nodes * half
        rows.append(np.polynomial.polynomial.polyfit(u, [math.erf(c + v) for v in u], deg))
    rows.append(np.eye(1, deg + 1)[0])  # the piece [end, inf): the constant 1
    # kept transposed, one contiguous row per power: gathering each coefficient for every element
    # by its own `take` is 3x faster than gathering (..., deg + 1) rows at once
    return np.ascontiguousarray(np.array(rows).T), np.concatenate([[0.0], centres, [end]])


_ERF_TABLES = {}  # dtype -> (coefficients, centres, step, end, degree), filled on first use: the
                  # fit costs ~4 ms and loads numpy.linalg/polynomial, which `import tinygrad_edu` should not


def _erf_tables(dtype):
    table = _ERF_TABLES.get(dtype)
    if table is None:
        shape = _ERF_SHAPES[dtype]
        table = _ERF_TABLES[dtype] = tuple(a.astype(dtype) for a in _erf_table(*shape)) + shape
    return table


def erf_numpy(x):
    """erf(x) for a float array, vectorised (|error| < 3e-14 in float64; float16 computes in float32)."""
    dtype = x.dtype if x.dtype in _ERF_SHAPES else np.dtype(np.float32)
    coef_table, centres, step, end, deg = _erf_tables(dtype)
    a = np.fmin(np.abs(x), end).astype(dtype, copy=False)  # fmin maps nan to `end`; restored below
    piece = (a * (1 / step)).astype(np.intp)
    u = a - centres.take(piece)
    out = coef_table[deg].take(piece)
    for k in range(deg - 1, -1, -1):  # Horner's rule, each power's coefficient of each element's piece
        out *= u
        out += coef_table[k].take(piece)
    out = np.copysign(out, x).astype(x.dtype, copy=False)
    nan = np.isnan(x)
    if nan.any():
        out[nan] = np.nan
    return out


# ---- the normal CDF in float32, for gelu: Phi(x) = (1 + erf(x / sqrt 2)) / 2 ----------------------
# Gelu adds erf to 1, so only erf's *absolute* error matters there (float32 keeps ~6e-8 of it next
# to 1). That allows one formula for every x, with no table lookups (the 7 gathers of erf_numpy cost
# most of its time): erfc(z) = t exp(P(w) - z^2), z = |x| / sqrt 2 >= 0, t = 1 / (1 + z/2) and
# w = 1 - t = z t / 2, with P(w) = w (p1 + p2 w + ... + p9 w^8) fitted on first use to
# log(erfc(z) / t) + z^2, which is smooth on w in [0, 1) and 0 at w = 0 (so it has no constant
# term and keeps its accuracy near x = 0). Then erf = sign(x) (1 - erfc(z)) is added to 1 in
# float32, as torch's gelu does. In float32 the result is within 2 ulp of the exact Phi(x).
_CDF_DEGREE, _CDF_ZMAX = 9, 10.0
_CDF_COEFFICIENTS = []


def _cdf_coefficients():
    if not _CDF_COEFFICIENTS:
        k = np.arange(4 * _CDF_DEGREE + 4)
        t_min = 1 / (1 + _CDF_ZMAX / 2)
        t = t_min + (1 - t_min) * (np.cos(np.pi * (k + 0.5) / k.size) + 1) / 2  # Chebyshev points
        z, w = 2 / t - 2, 1 - t
        target = [math.log(math.erfc(zi) / ti) + zi * zi for zi, ti in zip(z, t)]
        fit = np.linalg.lstsq(w[:, None] ** np.arange(1, _CDF_DEGREE + 1), target, rcond=None)[0]
        # Python floats: numpy treats them as weak scalars, so float32 arrays stay float32
        _CDF_COEFFICIENTS.extend(float(c) for c in fit)  # p1 ... p9
    return _CDF_COEFFICIENTS


def normal_cdf_numpy(x):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 for a float array, as torch's gelu computes it (in float32:
    |error of erf| < 1e-7, one exp and a degree-9 polynomial; other dtypes go through erf_numpy)."""
    if x.dtype != np.float32:
        cdf = erf_numpy(x * (1 / math.sqrt(2)))
        cdf += 1
        cdf *= 0.5
        return cdf
    if x.ndim == 0:  # numpy's ufuncs turn 0-d arrays into scalars, which have no out=
        return normal_cdf_numpy(x.reshape(1)).reshape(())
    coefficients = _cdf_coefficients()
    z = np.abs(x)
    z *= 1 / math.sqrt(2)
    np.minimum(z, _CDF_ZMAX, out=z)  # erfc(10) = 2e-45 is 0 in float32 anyway; keeps inf out (nan stays)
    t = z * 0.5
    t += 1
    np.reciprocal(t, out=t)
    w = z * 0.5
    w *= t
    acc = w * coefficients[-1]
    for c in coefficients[-2::-1]:  # Horner's rule
        acc += c
        acc *= w
    z *= z
    acc -= z
    np.exp(acc, out=acc)
    acc *= t  # erfc(|x| / sqrt 2)
    np.subtract(1.0, acc, out=acc)
    np.copysign(acc, x, out=acc)  # erf(x / sqrt 2); nan stays nan
    acc += 1
    acc *= 0.5
    return acc
