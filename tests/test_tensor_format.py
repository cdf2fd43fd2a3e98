"""Tensor.__format__ as torch's (issue 11 item 19): a 0-d plain Tensor formats as its Python number."""
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn


def _format(lib, make, spec):
    try:
        return "ok", format(make(lib), spec)
    except Exception as e:  # the class and message are what is compared
        return type(e).__name__, str(e)


MAKERS = {
    "0-d float": lambda lib: lib.tensor(0.5),
    "0-d float64": lambda lib: lib.tensor(0.125, dtype=lib.float64),
    "0-d int": lambda lib: lib.tensor(3),
    "0-d bool": lambda lib: lib.tensor(True),
    "0-d requires grad": lambda lib: lib.tensor(0.5, requires_grad=True),
    "1 element": lambda lib: lib.tensor([0.5]),
}


@pytest.mark.parametrize("spec", ["", ".3f", "04d", "e", ">10"])
@pytest.mark.parametrize("name", list(MAKERS))
def test_format_matches_torch(name, spec):
    ours = _format(tg, MAKERS[name], spec)
    theirs = _format(torch, MAKERS[name], spec)
    assert ours[0] == theirs[0]
    if ours[0] == "ok" and not name.startswith("1 element"):
        assert ours == theirs
    elif ours[0] != "ok":
        assert ours[1] == theirs[1]


def test_a_parameter_takes_no_format_spec_like_torch():
    with pytest.raises(TypeError, match="Parameter.__format__"):
        format(tnn.Parameter(tg.tensor(0.5)), ".2f")
    with pytest.raises(TypeError, match="Parameter.__format__"):
        format(torch.nn.Parameter(torch.tensor(0.5)), ".2f")
