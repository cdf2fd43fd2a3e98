"""examples/digits_cnn.py, the course's CNN chapter: data, a short run with its figures, and training
step by step against real PyTorch from the same initial weights and batches."""
import gzip
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu
from helpers import EXAMPLES, load_example

EXAMPLE = EXAMPLES / "digits_cnn.py"


@pytest.fixture(scope="module")
def digits():
    return load_example("digits_cnn.py")


@pytest.fixture(autouse=True)
def one_blas_thread():
    """These small matrices gain nothing from a second BLAS thread, and on a busy 2-core box OpenBLAS's
    waiting threads make them several times slower (threadpoolctl, where installed, limits them)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _png_is_drawn(path):
    import matplotlib.image as mpimg
    img = mpimg.imread(str(path))
    return img.ndim == 3 and img.shape[0] > 100 and img[..., :3].std() > 0.05


# ----------------------------------------------------------------------------- data
def test_shipped_data_and_its_licence_note():
    with gzip.open(EXAMPLES / "data" / "digits.csv.gz", "rt") as f:
        rows = [line.split(",") for line in f.read().splitlines()]
    assert len(rows) == 1797 and {len(r) for r in rows} == {65}
    labels = np.array([int(r[-1]) for r in rows])
    # the counts the data README states (UCI's test set)
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    note = (EXAMPLES / "data" / "README.md").read_text()
    assert "CC BY 4.0" in note and "https://doi.org/10.24432/C50P49" in note and "Alpaydin" in note


def test_load_digits_scales_and_shapes(digits):
    images, labels = digits.load_digits()
    raw = np.loadtxt(EXAMPLES / "data" / "digits.csv.gz", delimiter=",")
    assert tuple(images.shape) == (1797, 1, 8, 8) and images.dtype == tinygrad_edu.float32
    assert labels.dtype == tinygrad_edu.int64
    np.testing.assert_allclose(images.numpy().reshape(1797, 64), raw[:, :64] / 16, rtol=1e-6)
    np.testing.assert_array_equal(labels.numpy(), raw[:, 64])
    assert tuple(digits.load_digits(limit=50)[0].shape) == (50, 1, 8, 8)


def test_split_is_a_seeded_partition(digits):
    images, labels = digits.load_digits(limit=200)
    train, test = digits.make_datasets(images, labels, 0.2, seed=3)
    assert (len(train), len(test)) == (160, 40)
    assert sorted(train.indices + test.indices) == list(range(200))
    again, _ = digits.make_datasets(images, labels, 0.2, seed=3)
    other, _ = digits.make_datasets(images, labels, 0.2, seed=4)
    assert again.indices == train.indices and other.indices != train.indices


def test_confusion_matrix_counts_pairs(digits):
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    expected = [[int(((t == i) & (p == j)).sum()) for j in range(10)] for i in range(10)]
    assert digits.confusion_matrix(t, p).tolist() == expected
    assert "rows: true digit" in digits.format_confusion(np.array(expected))


# ----------------------------------------------------------------------------- the command line
def test_every_option_is_explained(digits):
    parser = digits.build_parser()
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert len(options) >= 9
    for action in options:
        assert action.help and len(action.help) > 15, action.option_strings
    text = parser.format_help()
    for action in options:
        assert action.option_strings[-1] in text


@pytest.mark.parametrize("argv,message", [(["--epochs", "0"], "must be >= 1"), (["--lr", "-1"], "--lr must be > 0"),
                                          (["--test-fraction", "1.5"], "--test-fraction must be in (0, 1)"),
                                          (["--data", "/no/such.csv.gz"], "no such file")])
def test_bad_options_stop_with_a_message(digits, capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        digits.main(argv)
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_short_run_prints_and_draws(digits, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)   # pretend a terminal: the progress bar shows
    res = digits.main(["--epochs", "3", "--limit", "500", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "\r  epoch 1/3 [" in out and "epoch   3/3  loss" in out and "held-out acc" in out
    assert "Conv2d(1, 16, kernel_size=(3, 3)" in out and "confusion matrix" in out
    assert len(res["history"]) == 3 and res["confusion_matrix"].sum() == 100
    assert res["history"][-1]["loss"] < res["history"][0]["loss"]
    assert res["test_accuracy"] > 0.5            # 3 short epochs already beat chance (0.1) by far
    assert _png_is_drawn(tmp_path / "filters.png") and _png_is_drawn(tmp_path / "misclassified.png")
    assert sorted(res["files"]) == ["filters", "misclassified"]


def test_help_from_the_command_line():
    run = subprocess.run([sys.executable, str(EXAMPLE), "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "--batch-size" in run.stdout and "8x8" in run.stdout


# ----------------------------------------------------------------------------- parity with PyTorch
def _torch_model(torch, channels=(16, 32)):
    nn = torch.nn
    c1, c2 = channels

    class TorchDigitsCNN(nn.Module):   # the example's model, in real torch
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                          nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c2 * 4, 10))

        def forward(self, x):
            return self.classifier(self.features(x))
    return TorchDigitsCNN()


LR = 3e-3   # the example's default learning rate (checked below)


def test_the_parity_tests_use_the_examples_defaults(digits):
    parser = digits.build_parser()
    assert parser.get_default("lr") == LR and parser.get_default("batch_size") == 64


def _train_ours_recording(digits, monkeypatch, limit, epochs, seed=0):
    """Train with the example's own train(); record the initial weights, every batch, every loss and
    the weights after every optimizer step."""
    tinygrad_edu.manual_seed(seed)
    train_set, test_set = digits.make_datasets(*digits.load_digits(limit=limit), 0.2, seed)
    model = digits.DigitsCNN()
    initial = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    batches, after_step, losses = [], [], []

    class RecordingLoader(digits.DataLoader):
        def __iter__(self):
            for x, y in super().__iter__():
                if self.batch_size == 64:   # the training loader (evaluation uses 512)
                    batches.append((x.numpy().copy(), y.numpy().copy()))
                yield x, y

    class RecordingAdam(digits.optim.Adam):
        def step(self, closure=None):
            out = super().step(closure)
            after_step.append({k: v.numpy().copy() for k, v in model.state_dict().items()})
            return out

    criterion_cls = digits.nn.CrossEntropyLoss

    class RecordingLoss(criterion_cls):
        def forward(self, input, target):
            loss = super().forward(input, target)
            losses.append(loss.item())
            return loss
    monkeypatch.setattr(digits, "DataLoader", RecordingLoader)
    monkeypatch.setattr(digits.nn, "CrossEntropyLoss", RecordingLoss)
    opt = RecordingAdam(model.parameters(), lr=LR)
    digits.train(model, train_set, test_set, opt, epochs, 64, log=lambda *a: None)
    monkeypatch.undo()
    return initial, batches, losses, after_step, model, test_set


@pytest.mark.parametrize("limit,epochs", [(400, 2), (None, 1)])
def test_training_matches_torch_step_by_step(digits, monkeypatch, limit, epochs):
    import torch as torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _check_against_torch(digits, monkeypatch, torch, limit, epochs)
    finally:
        torch.set_num_threads(threads)


def _check_against_torch(digits, monkeypatch, torch, limit, epochs):
    initial, batches, losses, after_step, model, test_set = _train_ours_recording(digits, monkeypatch, limit, epochs)
    n_train = len(test_set.dataset) - len(test_set)
    assert len(batches) == len(losses) == len(after_step) == epochs * -(-n_train // 64)

    ref = _torch_model(torch)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in initial.items()})   # same names and shapes
    opt = torch.optim.Adam(ref.parameters(), lr=LR)
    criterion = torch.nn.CrossEntropyLoss()
    for step, (x, y) in enumerate(batches):
        opt.zero_grad()
        loss = criterion(ref(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        opt.step()
        np.testing.assert_allclose(losses[step], loss.item(), rtol=1e-5, atol=1e-6, err_msg=f"step {step}")
        for name, value in ref.state_dict().items():
            np.testing.assert_allclose(after_step[step][name], value.numpy(), rtol=1e-4, atol=1e-5,
                                       err_msg=f"{name} after step {step}")
    x_test = torch.from_numpy(test_set.dataset.tensors[0].numpy()[test_set.indices])
    with torch.no_grad():
        theirs = ref(x_test).argmax(dim=1).numpy()
    assert (digits.predict(model, test_set)[1] == theirs).mean() >= 0.99
