"""Forward-mode AD on the op registry (tests/opinfo/), float64: every output tangent equals torch's
forward AD (torch.autograd.forward_ad) for the same primal and tangents; where torch has no forward
rule for an op, it equals a float64 central difference instead. test_forward_ad_vs_fd checks every
smooth sample against the central difference as well, independently of torch."""
import numpy as np
import pytest

import torch  # noqa: F401  (the oracle: a required test dependency)

import opinfo  # noqa: E402
from opinfo.core import grad_leaf_count  # noqa: E402
from opinfo.forward import (assert_dual_to_torch_vjp, assert_tangents, central_difference,  # noqa: E402
                            forward_tangents, tangents_for,
                            torch_tangents)
from opinfo.checks import all_float64, leaf_sizes  # noqa: E402
import tinygrad_edu as tg  # noqa: E402

CASES = [(op, s, dt) for op, s, dt in opinfo.cases() if op.grad and s.grad and grad_leaf_count(s) and dt == "float64"]
FD = [c for c in CASES if c[1].fd and all_float64(c[1]) and leaf_sizes(c[1]) <= 4096]


# Samples where torch's forward AD is less exact than the derivative. Mixed float32/float64
# operands: torch computes the float32 operand's term in float32, so the comparison uses float32's
# tolerance. Otherwise ours is checked against torch's reverse mode (<u, J t> = <J^T u, t>).
TORCH_FLOAT32_TERMS = {("hypot", "other-float-dtype"), ("hypot", "0d-other-dtype")}
TORCH_INEXACT = {("logcumsumexp", "wide-range"): "torch's tangent underflows to 0 at x = -1000 (the exact one is dx)"}


def _ids(cases):
    return [f"{op.name}-{s.name}" for op, s, _ in cases]


@pytest.mark.parametrize("op, sample, dt", CASES, ids=_ids(CASES))
def test_forward_ad_vs_torch(op, sample, dt):
    tangents = tangents_for(sample)
    outs, ours = forward_tangents(tg, op, sample, tangents)
    if (op.name, sample.name) in TORCH_INEXACT:
        assert_dual_to_torch_vjp(op, sample, tangents, ours)
        return
    theirs = torch_tangents(op, sample, tangents)
    if theirs is None:  # torch has no forward rule here: the central difference is the oracle
        assert sample.fd, "torch has no forward rule and the sample is not smooth: nothing to compare with"
        theirs = central_difference(op, sample, tangents)
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert o is not None and np.allclose(o, t, rtol=1e-5, atol=1e-6), f"output {i} vs finite difference"
        return
    silent = [i for i, (o, t) in enumerate(zip(ours, theirs)) if t is None and o is not None and np.any(o)]
    if silent:  # torch gives no tangent (scatter_reduce "prod" has no forward rule there): ours must be right
        assert sample.fd, f"outputs {silent}: torch gives no tangent and the sample is not smooth"
        numeric = central_difference(op, sample, tangents)
        for i in silent:
            assert np.allclose(ours[i], numeric[i], rtol=1e-5, atol=1e-6), f"output {i} vs finite difference"
            theirs[i] = ours[i]
    loose = (op.name, sample.name) in TORCH_FLOAT32_TERMS
    assert_tangents(ours, theirs, ["float32" if loose else str(o.dtype) for o in outs], "torch")


@pytest.mark.parametrize("op, sample, dt", FD, ids=_ids(FD))
def test_forward_ad_vs_fd(op, sample, dt):
    tangents = tangents_for(sample)
    _, ours = forward_tangents(tg, op, sample, tangents)
    numeric = central_difference(op, sample, tangents)
    assert len(ours) == len(numeric)
    for i, (o, n) in enumerate(zip(ours, numeric)):
        if o is None:  # fine only where torch has none either (batch_norm's updated running statistics)
            theirs = torch_tangents(op, sample, tangents)
            assert not np.any(n) or (theirs is not None and theirs[i] is None), \
                f"output {i}: no tangent, finite difference {n.ravel()[:6]}"
            continue
        assert np.allclose(o, n, rtol=1e-5, atol=1e-6), \
            f"output {i}: tangent {o.ravel()[:6]} vs finite difference {n.ravel()[:6]}"
