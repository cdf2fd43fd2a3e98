"""examples/linear_regression.py: the lecture's script converges, matches real torch step for step,
and its pictures are written.

The torch parity test runs the example's own functions with the module's global `torch` swapped
for real PyTorch, on the same data, initial weights and shuffles (Python's `random`, reseeded).
"""
import pathlib
import random

import numpy as np
import pytest
from helpers import load_example

import tinygrad_edu

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "linear_regression.py"
TRUE_W, TRUE_B = np.array([8.1, 2, 2, 4]), 1.1


@pytest.fixture(scope="module")
def linreg():
    return load_example("linear_regression.py")


def _problem(linreg, seed=0, n=500):
    tinygrad_edu.manual_seed(seed)
    X, Y = linreg.create_data(tinygrad_edu.tensor(TRUE_W.tolist()), tinygrad_edu.tensor(TRUE_B), n)
    w_0 = tinygrad_edu.normal(0, 0.01, (4,))
    return X.numpy().copy(), Y.numpy().copy(), w_0.numpy().copy()


def _run(linreg, lib, X, Y, w_0, lr, epochs, seed=0):
    """The example's training loop on library `lib` (tinygrad_edu or torch), from numpy inputs."""
    linreg.torch = lib
    w = lib.tensor(w_0, requires_grad=True)
    b = lib.tensor(0.01, requires_grad=True)
    random.seed(seed)
    losses = linreg.train(lib.tensor(X), lib.tensor(Y), w, b, lr, epochs, 16)
    return np.array(losses), w.detach().numpy().copy(), b.item()


def test_create_data_follows_the_model(linreg):
    X, Y, _ = _problem(linreg)
    assert X.shape == (500, 4) and Y.shape == (500,) and X.dtype == Y.dtype == np.float32
    noise = Y - (X.astype(np.float64) @ TRUE_W + TRUE_B)
    assert abs(noise.std() - 0.01) < 0.002 and abs(noise.mean()) < 0.003  # N(0, 0.01^2), 500 draws
    assert abs(X.std() - 1) < 0.05


def test_data_provider_visits_every_sample_once(linreg):
    X, Y, _ = _problem(linreg, n=50)
    random.seed(3)
    batches = list(linreg.data_provider(tinygrad_edu.tensor(X), tinygrad_edu.tensor(Y), 16))
    assert [len(by) for _, by in batches] == [16, 16, 16, 2]
    xs = np.concatenate([bx.numpy() for bx, _ in batches])
    ys = np.concatenate([by.numpy() for _, by in batches])
    order = [int(np.nonzero((X == row).all(axis=1))[0][0]) for row in xs]
    assert sorted(order) == list(range(50)) and order != list(range(50))  # a permutation, shuffled
    np.testing.assert_array_equal(ys, Y[order])  # labels stay with their rows


def test_loss_and_sgd_follow_their_formulas(linreg):
    rng = np.random.default_rng(1)
    p, y = rng.normal(size=7).astype(np.float32), rng.normal(size=7).astype(np.float32)
    loss = linreg.maeLoss(tinygrad_edu.tensor(p), tinygrad_edu.tensor(y))
    assert loss.item() == pytest.approx(np.abs(p.astype(np.float64) - y).mean(), rel=1e-6)

    w = tinygrad_edu.tensor(p, requires_grad=True)
    (w * tinygrad_edu.tensor(y)).sum().backward()  # d/dw = y
    linreg.sgd([w], 0.5)
    np.testing.assert_allclose(w.detach().numpy(), p - 0.5 * y, rtol=1e-6)
    assert w.is_leaf and w.requires_grad and not w.grad.numpy().any()


def test_loss_trajectory_matches_torch(linreg, monkeypatch):
    import torch as torch
    monkeypatch.setattr(linreg, "torch", tinygrad_edu)  # restored after the test
    X, Y, w_0 = _problem(linreg)
    ours, w_ours, b_ours = _run(linreg, tinygrad_edu, X, Y, w_0, lr=0.01, epochs=20)
    ref, w_ref, b_ref = _run(linreg, torch, X, Y, w_0, lr=0.01, epochs=20)
    np.testing.assert_allclose(ours, ref, rtol=1e-5)
    np.testing.assert_allclose(w_ours, w_ref, rtol=1e-5, atol=1e-6)
    assert b_ours == pytest.approx(b_ref, rel=1e-5, abs=1e-6)


def test_main_converges(linreg, capsys):
    result = linreg.main(["--epochs", "150", "--lr", "0.01", "--print-every", "50"])
    assert np.abs(result["w"] - TRUE_W).max() < 0.05
    assert abs(result["b"] - TRUE_B) < 0.05
    assert len(result["losses"]) == 150 and result["final_loss"] == result["losses"][-1]
    assert result["losses"][-1] < result["losses"][0] / 100
    assert result["epochs_to_tol"] is not None and result["epochs_to_tol"] <= 150
    out = capsys.readouterr().out
    printed = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert [line[6:9] for line in printed] == ["000", "049", "099", "149"]
    assert float(printed[-1].split("loss: ")[1]) == pytest.approx(result["final_loss"], abs=1e-6)


def test_plot_and_graph_files(linreg, tmp_path):
    from matplotlib import image
    png, svg = tmp_path / "fit.png", tmp_path / "graph.svg"
    linreg.main(["--epochs", "5", "--print-every", "0", "--plot", str(png), "--graph", str(svg)])
    pixels = image.imread(png)
    assert pixels.ndim == 3 and pixels.shape[0] > 200 and pixels.shape[1] > 2 * pixels.shape[0]
    assert pixels[..., :3].std() > 0.05  # not a blank canvas
    text = svg.read_text()
    assert "<svg" in text and "MvBackward0" in text and "w_0" in text  # matrix @ vector: torch.s mv


def test_bad_arguments_exit(linreg):
    for argv in (["--lr", "0"], ["--epochs", "0"], ["--plot-feature", "4"]):
        with pytest.raises(SystemExit):
            linreg.parse_args(argv)
