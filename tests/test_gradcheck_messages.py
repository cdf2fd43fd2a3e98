"""gradcheck's failure message for a wrong custom Function, beside real torch's (issue 15).

torch's GradcheckError shows the numerical and analytical Jacobians; in fast mode it also recomputes
them in slow mode and gives the largest element-wise difference. Ours must show the same matrices
and the same largest difference, for the same wrong Function on the same input, in either mode.
"""
import re

import numpy as np
import pytest

import tinygrad_edu as tg
from helpers import wrong_square


def message(lib, fast_mode, values=(1.0, 2.0, -0.5)):
    x = lib.from_numpy(np.array(values)).requires_grad_()
    with pytest.raises(RuntimeError) as info:      # both GradcheckErrors are RuntimeErrors
        lib.autograd.gradcheck(wrong_square(lib).apply, (x,), fast_mode=fast_mode)
    assert type(info.value).__name__ == "GradcheckError"
    return str(info.value)


def numbers(text):
    return [float(v) for v in re.findall(r"-?\d+\.\d*(?:e[-+]?\d+)?|-?\d+(?=[.,\]\s])", text)]


def matrices(msg):
    """The numerical and analytical Jacobians' entries as flat float lists (either library's print)."""
    num = re.search(r"[Nn]umerical:\s*(?:tensor\()?(\[\[.*?\]\])", msg, re.S).group(1)
    ana = re.search(r"[Aa]nalytical:\s*(?:tensor\()?(\[\[.*?\]\])", msg, re.S).group(1)
    return numbers(num), numbers(ana)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_message_shows_the_jacobians_torch_shows(torch_ref, fast_mode):
    ours, theirs = message(tg, fast_mode), message(torch_ref, fast_mode)
    first = "Jacobian mismatch for output 0 with respect to input 0,"
    assert ours.startswith(first) and theirs.startswith(first)
    (n1, a1), (n2, a2) = matrices(ours), matrices(theirs)
    assert len(n1) == len(n2) == len(a1) == len(a2) == 9
    assert np.allclose(n1, n2, atol=1e-4) and np.allclose(a1, a2, atol=1e-4)
    assert np.allclose(np.reshape(a1, (3, 3)), np.diag([3.0, 6.0, -1.5]))


def test_fast_mode_gives_torchs_largest_difference(torch_ref):
    pattern = r"max per-element difference \(slow mode\) is: ([-\d.e+]+)\."
    ours = float(re.search(pattern, message(tg, True)).group(1))
    theirs = float(re.search(pattern, message(torch_ref, True)).group(1))
    assert ours == pytest.approx(theirs, rel=1e-6) and ours == pytest.approx(2.0, rel=1e-6)


def test_slow_mode_names_the_worst_element():
    msg = message(tg, False)
    assert "worst element: d out[flat 1] / d input0[flat 1] numerical=4 analytical=6" in msg
