"""Forward mode where an operand without tangent holds inf or nan: torch's rules leave that
operand's term out (so d(x * y) with y = inf and no dy is dx * y, not dx * y + x * 0 = nan), and ours
must give the same tangents (forward_ad.carry's ctx.has_tangent). Compared with torch.autograd.forward_ad."""
import warnings

import numpy as np
import pytest

import torch
import tinygrad_edu as tg  # noqa: E402

X = np.array([0.5, -1.5, 2.0, 0.0])
T = np.array([1.0, 0.25, -2.0, 0.5])
Y = np.array([np.inf, -np.inf, np.nan, 3.0])

CASES = {
    "mul": lambda L, x, y: x * y,
    "mul-left": lambda L, x, y: y * x,
    "div": lambda L, x, y: x / y,
    "div-left": lambda L, x, y: y / (x + 3.0),
    "pow-base": lambda L, x, y: (x.abs() + 1) ** y,
    "hypot": lambda L, x, y: L.hypot(x, y),
    "addcmul": lambda L, x, y: L.addcmul(x, y, x),
    "addcmul-dual-input": lambda L, x, y: L.addcmul(x, y, y),
    "addcdiv": lambda L, x, y: L.addcdiv(x, y, x + 3.0),
    "lerp-weight": lambda L, x, y: L.lerp(x, x * 2, y),
    "lerp-end": lambda L, x, y: L.lerp(x, y, L.full_like(x, 0.3)),
}


def tangent(L, f):
    fw = L.autograd.forward_ad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fw.dual_level():
            x = fw.make_dual(L.tensor(X), L.tensor(T))
            out = fw.unpack_dual(f(L, x, L.tensor(Y))).tangent
    return out.numpy() if L is torch else out._data


@pytest.mark.parametrize("name", list(CASES))
def test_tangent_with_inf_or_nan_in_an_operand_without_tangent(name):
    ours, theirs = tangent(tg, CASES[name]), tangent(torch, CASES[name])
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
