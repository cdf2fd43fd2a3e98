"""clamp/clip take two tensor bounds or two number bounds (None allowed for either), not one of
each: torch's TypeError for the mix; every accepted form gives torch's values."""
import numpy as np
import pytest

import torch
import tinygrad_edu as tg  # noqa: E402

X = np.array([-2.0, -0.5, 0.25, 3.0], dtype=np.float32)
LO, HI = np.full(4, -1.0, np.float32), np.full(4, 1.0, np.float32)

CALLS = {
    "tensor-min-number-max": lambda L, x: L.clamp(x, min=L.tensor(LO), max=1.0),
    "number-min-tensor-max": lambda L, x: L.clamp(x, -1.0, L.tensor(HI)),
    "method-mixed": lambda L, x: x.clamp(L.tensor(LO), 1),
    "clip-mixed": lambda L, x: L.clip(x, -1, L.tensor(HI)),
    "in-place-mixed": lambda L, x: x.clone().clamp_(L.tensor(LO), 1.0),
}
ACCEPTED = {
    "tensor-bounds": lambda L, x: L.clamp(x, L.tensor(LO), L.tensor(HI)),
    "tensor-min-none-max": lambda L, x: L.clamp(x, L.tensor(LO), None),
    "number-bounds": lambda L, x: x.clip(-1, 1),
    "min-only": lambda L, x: x.clamp(min=0),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_mixed_bounds_refused_as_torch(name):
    for L in (torch, tg):
        with pytest.raises(TypeError, match="received an invalid combination of arguments"):
            CALLS[name](L, L.tensor(X))


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_accepted_forms_give_torchs_values(name):
    ours, theirs = ACCEPTED[name](tg, tg.tensor(X)), ACCEPTED[name](torch, torch.tensor(X))
    np.testing.assert_array_equal(np.asarray(ours.tolist()), theirs.numpy())
