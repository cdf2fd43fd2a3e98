"""The op registry (tests/opinfo/) against real torch and finite differences, backward:

- test_grad_vs_torch: gradients of every input for the same random upstream gradient (float32, float64);
- test_gradcheck: float64 central differences through tinygrad_edu.autograd.gradcheck (the samples whose
  grad-requiring inputs are all float64);
- test_directional_fd: a central difference along a random direction written in the test itself, so the
  check does not rely only on our gradcheck;
- test_gradgradcheck / test_grad2_vs_torch: second order, where it is meaningful.

Samples whose leaves hold more than MAX_GRADCHECK (MAX_GRADGRAD) elements skip the finite-difference
checks (they cost one forward pass per element); their gradients are still compared with torch."""
import pytest

import torch  # noqa: F401  (the oracle: a required test dependency)

import opinfo  # noqa: E402 (tests/ is on sys.path)
from opinfo.checks import (check_directional_fd, check_grad2_vs_torch, check_grad_vs_torch,  # noqa: E402
                           check_gradcheck, check_gradgradcheck, leaf_sizes, all_float64)
from opinfo.core import grad_leaf_count  # noqa: E402

MAX_GRADCHECK, MAX_GRADGRAD = 160, 48


def _ids(cases):
    return [f"{op.name}-{dt}-{s.name}" for op, s, dt in cases]


GRAD = [(op, s, dt) for op, s, dt in opinfo.cases() if op.grad and s.grad and grad_leaf_count(s)]
FD = [(op, s, dt) for op, s, dt in GRAD if dt == "float64" and s.fd and all_float64(s)]
GRADCHECK = [c for c in FD if leaf_sizes(c[1]) <= MAX_GRADCHECK]
SECOND = [c for c in FD if c[0].gradgrad and c[1].gradgrad]
GRADGRAD = [c for c in SECOND if leaf_sizes(c[1]) <= MAX_GRADGRAD]


@pytest.mark.parametrize("op, sample, dt", GRAD, ids=_ids(GRAD))
def test_grad_vs_torch(op, sample, dt):
    check_grad_vs_torch(op, sample)


@pytest.mark.parametrize("op, sample, dt", GRADCHECK, ids=_ids(GRADCHECK))
def test_gradcheck(op, sample, dt):
    check_gradcheck(op, sample)


@pytest.mark.parametrize("op, sample, dt", FD, ids=_ids(FD))
def test_directional_fd(op, sample, dt):
    check_directional_fd(op, sample)


@pytest.mark.parametrize("op, sample, dt", GRADGRAD, ids=_ids(GRADGRAD))
def test_gradgradcheck(op, sample, dt):
    check_gradgradcheck(op, sample)


@pytest.mark.parametrize("op, sample, dt", SECOND, ids=_ids(SECOND))
def test_grad2_vs_torch(op, sample, dt):
    check_grad2_vs_torch(op, sample)
