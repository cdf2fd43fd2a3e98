"""examples/model_basics.py: the lecture's small snippets give torch's numbers and readable pictures.

The loss snippets are run twice -- as written (on tinygrad_edu) and with the module's `torch`/`nn`
swapped for real PyTorch -- and the printed values must agree; they are also checked against the
loss formulas in float64. Activation derivatives (from backward) are checked against the analytic
derivatives, initialiser samples against their theoretical bounds and standard deviations.
"""
import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import load_example

import tinygrad_edu

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "model_basics.py"


@pytest.fixture(scope="module")
def basics():
    return load_example("model_basics.py")


def _printed_numbers(text):
    """label -> number printed after it, for the loss lines ('...: 0.7' or '...: tensor(0.0845, ...')."""
    found = {}
    for line in text.splitlines():
        m = re.match(r"(\w+Loss[^:]*):\s+(?:tensor\()?([-+0-9.eE]+)", line)
        if m:
            found[m.group(1).strip()] = float(m.group(2))
    return found


def _run_losses(basics):
    return {**basics.cross_entropy_demo(), **basics.bce_demo(), **basics.regression_demo()}


def test_model_outputs_probabilities(basics, capsys):
    tinygrad_edu.manual_seed(0)
    out = basics.model_demo().detach().numpy()
    assert "Size([10, 2])" in capsys.readouterr().out
    assert out.shape == (10, 2) and (out >= 0).all()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_losses_equal_torch(basics, capsys, monkeypatch):
    import torch as torch
    ours = _run_losses(basics)
    ours_printed = _printed_numbers(capsys.readouterr().out)
    monkeypatch.setattr(basics, "torch", torch)
    monkeypatch.setattr(basics, "nn", torch.nn)
    theirs = _run_losses(basics)
    theirs_printed = _printed_numbers(capsys.readouterr().out)
    assert sorted(ours) == sorted(theirs) and len(ours) == 6
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-6, err_msg=name)
    assert sorted(ours_printed) == sorted(theirs_printed) and len(ours_printed) == 6
    for label in ours_printed:
        assert ours_printed[label] == pytest.approx(theirs_printed[label], rel=1e-4), label


def test_losses_follow_their_formulas(basics, capsys):
    values = _run_losses(basics)
    z = np.array([[0.2, 6, 0.2], [0.1, 0.8, 10]])
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    ce = -(log_softmax[0, 1] + log_softmax[1, 2]) / 2
    assert values["cross_entropy_class"] == pytest.approx(ce, rel=1e-5)
    assert values["cross_entropy_onehot"] == pytest.approx(ce, rel=1e-5)
    p, y = np.array([0.02, 0.8, 0.01]), np.array([0, 1, 0])
    assert values["bce"] == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-5)
    d = np.array([1.0, 1.0, 1.9]) - 2.0
    assert values["l1"] == pytest.approx(np.abs(d).mean(), rel=1e-6)
    assert values["mse"] == pytest.approx((d ** 2).mean(), rel=1e-6)
    d = np.abs(np.array([0.6, 0.4]) - np.array([0.0, 3.0]))
    assert values["smooth_l1"] == pytest.approx(np.where(d < 1, 0.5 * d ** 2, d - 0.5).mean(), rel=1e-6)


def test_activation_derivatives_equal_the_analytic_ones(basics):
    curves = basics.activation_curves()
    slope = basics.LEAKY_SLOPE
    formulas = {  # (f, f') in float64
        "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
        "tanh": (np.tanh, lambda x: 1 / np.cosh(x) ** 2),
        "ReLU": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
        "Leaky ReLU": (lambda x: np.where(x > 0, x, slope * x), lambda x: np.where(x > 0, 1.0, slope)),
    }
    assert len(curves) == 4
    for name, (x, y, dy) in curves.items():
        f, df = formulas[name.split(" (")[0]]
        x64 = x.astype(np.float64)
        assert len(x) == 1000 and not (x == 0).any()
        np.testing.assert_allclose(y, f(x64), rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(dy, df(x64), rtol=1e-5, atol=1e-6, err_msg=name)


def test_initialisers_follow_their_distributions(basics):
    tinygrad_edu.manual_seed(0)
    samples = basics.init_samples()
    assert len(samples) == 9
    for name, (w, (kind, value)) in samples.items():
        assert w.size == basics.FAN ** 2 and w.dtype == np.float32, name
        if kind == "value":
            assert (w == value).all(), name
        elif kind == "bounds":
            lo, hi = value
            width = hi - lo
            assert lo <= w.min() < lo + 0.01 * width and hi - 0.01 * width < w.max() <= hi, name
            assert w.std() == pytest.approx(width / math.sqrt(12), rel=0.03), name   # uniform's std
        else:
            assert abs(w.mean()) < 0.03 * value and w.std() == pytest.approx(value, rel=0.03), name


def _png_is_drawn(path):
    import matplotlib.image as mpimg
    img = mpimg.imread(str(path))
    return img.ndim == 3 and img.shape[0] > 300 and img[..., :3].std() > 0.05


def test_main_writes_readable_pngs(basics, tmp_path, capsys):
    res = basics.main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "CrossEntropyLoss" in out and "BCELoss" in out and "SmoothL1Loss" in out
    assert set(res["files"]) == {"activations", "init"}
    for path in res["files"].values():
        assert Path(path).stat().st_size > 20_000 and _png_is_drawn(path)
