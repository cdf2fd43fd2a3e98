"""The op registry (tests/opinfo/) against real torch, forward: for every (op, sample, dtype) the result
has torch's structure, Python types, shapes, dtypes (exactly), requires_grad and values; and, for
the samples with a non-contiguous input and for the shape ops (whose results are views), each output
tensor is contiguous exactly when torch's is (so `.view` works on one iff on the other)."""
import pytest

import torch  # noqa: F401  (the oracle: a required test dependency)

import opinfo  # noqa: E402 (tests/ is on sys.path)
from opinfo.checks import check_contiguity, check_values  # noqa: E402
from opinfo.core import has_view_input  # noqa: E402
from opinfo.shape import OPS as SHAPE_OPS  # noqa: E402

CASES = opinfo.cases()
IDS = [f"{op.name}-{dt}-{sample.name}" for op, sample, dt in CASES]


@pytest.mark.parametrize("op, sample, dt", CASES, ids=IDS)
def test_values(op, sample, dt):
    check_values(op, sample)


VIEW_OPS = {op.name for op in SHAPE_OPS}
LAYOUT_CASES = [(op, s, dt) for op, s, dt in CASES
                if op.compare != "meta" and s.compare != "meta" and (has_view_input(s) or op.name in VIEW_OPS)]


@pytest.mark.parametrize("op, sample, dt", LAYOUT_CASES, ids=[f"{o.name}-{dt}-{s.name}" for o, s, dt in LAYOUT_CASES])
def test_contiguity(op, sample, dt):
    check_contiguity(op, sample)
