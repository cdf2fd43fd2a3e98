"""examples/phone_price.py (+ phone_data.py): the lecture's phone price case.

* the synthetic table has the real schema and the documented rule; bad CSVs stop with exit code 2
  and a message naming the problem;
* training matches real PyTorch step for step: same split, same initial weights (copied through
  numpy), same batches (recorded from our DataLoader), compared per epoch and on the predictions;
* on the real CSV (../shared/data/phone_price.csv beside the repository) the lecture recipe does
  not learn and the example reports the dead layer, while the improved recipe reaches >= 0.90.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import load_example

import tinygrad_edu

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "phone_price.py"
REAL_CSV = ROOT.parent / "shared" / "data" / "phone_price.csv"


def real_csv():
    """The lecture's real data, beside the repository as CI has it (../shared/data): required, not skipped."""
    assert REAL_CSV.exists(), f"the real phone_price.csv is not at {REAL_CSV} (clone the repository beside ../shared)"
    return str(REAL_CSV)


@pytest.fixture(scope="module")
def phone():
    return load_example("phone_price.py")


@pytest.fixture(scope="module")
def synthetic(phone):
    return phone.phone_data.make_synthetic(2000, seed=0)


def _png_is_drawn(path):
    import matplotlib.image as mpimg
    img = mpimg.imread(str(path))
    return img.ndim == 3 and img.shape[0] > 100 and img[..., :3].std() > 0.05


# ----------------------------------------------------------------------------- data
def test_synthetic_table_has_the_real_schema(phone, synthetic):
    data = phone.phone_data
    assert list(synthetic.columns) == data.COLUMNS and len(data.COLUMNS) == 21
    for name, kind, low, high in data.SCHEMA:
        col = synthetic[name].to_numpy()
        if kind == "flag":
            assert set(np.unique(col)) == {0, 1} and abs(col.mean() - high) < 0.05, name
            continue
        assert low <= col.min() and col.max() <= high, name
        if kind == "int":
            assert np.issubdtype(col.dtype, np.integer), name
        else:  # one decimal
            np.testing.assert_allclose(col * 10, np.round(col * 10), atol=1e-9, err_msg=name)
    labels = synthetic[data.LABEL].to_numpy()
    assert np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(labels), [500, 500, 500, 500])
    assert (synthetic["px_height"] <= synthetic["px_width"]).all()


def test_synthetic_rule_ram_dominates_then_battery_and_pixels(phone, synthetic):
    y = synthetic["price_range"].to_numpy().astype(float)

    def corr(name):  # Spearman: Pearson on ranks
        r = synthetic[name].rank().to_numpy()
        return np.corrcoef(r, y)[0, 1]
    assert corr("ram") > 0.8
    assert 0.15 < corr("battery_power") < corr("ram")
    assert 0.03 < corr("px_width") < corr("battery_power") and 0.03 < corr("px_height")
    for unused in ("talk_time", "mobile_wt", "wifi", "m_dep"):
        assert abs(corr(unused)) < 0.08, unused


def test_load_csv_round_trips_the_synthetic_table(phone, synthetic, tmp_path):
    path = tmp_path / "phones.csv"
    synthetic.to_csv(path, index=False)
    loaded = phone.phone_data.load_csv(path)
    np.testing.assert_allclose(loaded.to_numpy(dtype=float), synthetic.to_numpy(dtype=float))
    assert loaded["price_range"].dtype == np.int64


def _bad_csvs(table):
    head = table.head(20)
    text = head.to_csv(index=False)
    lines = text.splitlines()
    cells = lines[3].split(",")
    yield "missing", head.drop(columns=["ram"]).to_csv(index=False), "missing column(s) ram"
    cells_bad = list(cells)
    cells_bad[0] = "abc"
    yield "text", "\n".join(lines[:3] + [",".join(cells_bad)] + lines[4:]) + "\n", \
        "non-numeric value 'abc' in column 'battery_power' at line 4"
    cells_gap = list(cells)
    cells_gap[13] = ""
    yield "gap", "\n".join(lines[:3] + [",".join(cells_gap)] + lines[4:]) + "\n", \
        "empty cell in column 'ram' at line 4"
    for label in ("4", "-1", "1.5"):
        cells_label = cells[:-1] + [label]
        yield f"label{label}", "\n".join(lines[:3] + [",".join(cells_label)] + lines[4:]) + "\n", \
            "'price_range' must be an integer class 0..3"
    yield "empty", "", "the file is empty"
    yield "header", lines[0] + "\n", "no data rows"


@pytest.mark.parametrize("case", ["missing", "text", "gap", "label4", "label-1", "label1.5", "empty", "header",
                                  "nofile"])
def test_bad_csv_stops_with_a_clear_message(phone, synthetic, tmp_path, capsys, case):
    path = tmp_path / f"{case}.csv"
    cases = {name: (content, message) for name, content, message in _bad_csvs(synthetic)}
    if case == "nofile":
        message = "no such file"
    else:
        content, message = cases[case]
        path.write_text(content)
    with pytest.raises(SystemExit) as stop:
        phone.main(["--csv", str(path), "--epochs", "1"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err and "Traceback" not in err


def test_bad_csv_from_the_command_line(synthetic, tmp_path):
    path = tmp_path / "bad.csv"
    synthetic.head(10).drop(columns=["wifi", "ram"]).to_csv(path, index=False)
    run = subprocess.run([sys.executable, str(EXAMPLE), "--csv", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2
    assert "missing column(s) ram, wifi" in run.stderr and "Traceback" not in run.stderr


def test_standardisation_uses_the_training_split_only(phone, synthetic):
    tinygrad_edu.manual_seed(3)
    raw_train, raw_test = phone.create_dataset(synthetic, standardize=False)
    tinygrad_edu.manual_seed(3)
    std_train, std_test = phone.create_dataset(synthetic, standardize=True)
    x, x_test = raw_train.tensors[0].numpy().astype(np.float64), raw_test.tensors[0].numpy().astype(np.float64)
    assert raw_train.tensors[0].dtype == tinygrad_edu.float32 and raw_train.tensors[1].dtype == tinygrad_edu.int64
    assert len(raw_train) == 1600 and len(raw_test) == 400
    mean, std = x.mean(axis=0), x.std(axis=0)
    np.testing.assert_allclose(std_train.tensors[0].numpy(), (x - mean) / std, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(std_test.tensors[0].numpy(), (x_test - mean) / std, rtol=1e-5, atol=1e-5)
    assert std_train.tensors[0].dtype == tinygrad_edu.float32


# ----------------------------------------------------------------------------- reporting
def test_confusion_matrix_counts_pairs(phone):
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    expected = [[int(((t == i) & (p == j)).sum()) for j in range(4)] for i in range(4)]
    assert phone.confusion_matrix(t, p).tolist() == expected


def test_dead_units_and_diagnosis(phone, synthetic):
    tinygrad_edu.manual_seed(0)
    train_ds, _ = phone.create_dataset(synthetic, standardize=True)
    model = phone.Model()
    assert phone.dead_units(model, train_ds)[0] == (0, 64)   # a fresh layer on standardised inputs lives
    with tinygrad_edu.no_grad():
        model.layer1.bias._data[:10] = -1e9     # ten units that no input can switch on
    dead = phone.dead_units(model, train_ds)
    assert dead[0] == (10, 64) and dead[1][1] == 32
    with tinygrad_edu.no_grad():
        model.layer1.bias._data[:] = -1e9
    assert phone.dead_units(model, train_ds)[0] == (64, 64)

    stuck = [{"loss": 5.0}, {"loss": math.log(4) + 0.001}]
    notes = phone.diagnose(stuck, [(64, 64), (3, 32)], np.full(10, 2))
    assert any("layer 1 is dead" in n for n in notes) and any("ln(4)" in n for n in notes)
    assert any("predicts class 2" in n for n in notes)
    assert phone.diagnose([{"loss": 0.3}], [(2, 64), (0, 32)], np.array([0, 1, 2, 3])) == []


def test_default_run_on_synthetic_data_writes_its_outputs(phone, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)   # pretend a terminal: the progress bar shows
    res = phone.main(["--epochs", "2", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "synthetic" in out and "Linear-1" in out and "Total params: 3,556" in out
    assert "\r  epoch 1/2 [" in out and "#" in out
    assert "epoch   2/2  loss" in out and "confusion matrix" in out and "dead ReLU units" in out
    assert len(res["history"]) == 2 and res["settings"]["recipe"] == "lecture"
    assert np.array(res["confusion_matrix"]).sum() == 400
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["settings"]["lr"] == 0.001 and run["settings"]["momentum"] == 0.9
    assert run["test_accuracy"] == res["test_accuracy"] and _png_is_drawn(tmp_path / "curves.png")
    # the saved weights are the ones evaluated
    state = tinygrad_edu.load(tmp_path / "phone.pth")
    assert sorted(state) == sorted(res["model"].state_dict())
    for name, value in res["model"].state_dict().items():
        np.testing.assert_array_equal(state[name].numpy(), value.numpy())


def test_improved_recipe_learns_the_synthetic_rule(phone, capsys):
    res = phone.main(["--recipe", "improved", "--epochs", "5"])
    assert res["test_accuracy"] > 0.7 and res["diagnosis"] == []
    assert res["settings"]["optimizer"] == "Adam" and res["settings"]["standardize"]
    assert "WARNING" not in capsys.readouterr().out


# ----------------------------------------------------------------------------- parity with PyTorch
def _torch_model(torch):
    class TorchPhoneModel(torch.nn.Module):   # the lecture's model, in real torch
        def __init__(self):
            super().__init__()
            self.layer1 = torch.nn.Linear(20, 64)
            self.layer2 = torch.nn.Linear(64, 32)
            self.layer3 = torch.nn.Linear(32, 4)

        def forward(self, x):
            return self.layer3(torch.relu(self.layer2(torch.relu(self.layer1(x)))))
    return TorchPhoneModel()


def _train_ours_recording(phone, table, recipe, epochs, seed, monkeypatch):
    """Train with the example's code; return initial weights, the batches of every epoch, the model."""
    tinygrad_edu.manual_seed(seed)
    train_ds, valid_ds = phone.create_dataset(table, recipe["standardize"])
    model = phone.Model()
    initial = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    epochs_seen = []

    class RecordingLoader(phone.DataLoader):
        def __iter__(self):
            epochs_seen.append([])
            for x, y in super().__iter__():
                epochs_seen[-1].append((x.numpy().copy(), y.numpy().copy()))
                yield x, y
    monkeypatch.setattr(phone, "DataLoader", RecordingLoader)
    history = phone.train(model, train_ds, valid_ds, phone.make_optimizer(model, recipe, recipe["lr"]),
                          epochs, recipe["batch_size"], log=lambda *a: None)
    monkeypatch.undo()
    return initial, epochs_seen, model, history, valid_ds


@pytest.mark.parametrize("source,recipe_name,epochs", [
    ("synthetic", "lecture", 2), ("synthetic", "improved", 2),
    ("real", "lecture", 10), ("real", "improved", 3)])
def test_training_matches_torch(phone, synthetic, monkeypatch, source, recipe_name, epochs):
    import torch as torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # tiny matrices: extra threads only add contention on a busy CI box
    try:
        _check_against_torch(phone, synthetic, monkeypatch, torch, source, recipe_name, epochs)
    finally:
        torch.set_num_threads(threads)


def _check_against_torch(phone, synthetic, monkeypatch, torch, source, recipe_name, epochs):
    table = synthetic if source == "synthetic" else phone.phone_data.load_csv(real_csv())
    recipe = phone.RECIPES[recipe_name]
    initial, batches, model, history, valid_ds = _train_ours_recording(phone, table, recipe, epochs, 0, monkeypatch)
    assert len(batches) == epochs and len(batches[0]) == 100   # 1600 rows / 16

    ref = _torch_model(torch)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in initial.items()})
    if recipe["optimizer"] == "SGD":
        opt = torch.optim.SGD(ref.parameters(), lr=0.001, momentum=0.9)
    else:
        opt = torch.optim.Adam(ref.parameters(), lr=1e-3)
    loss_fn, losses = torch.nn.CrossEntropyLoss(), []
    for epoch in batches:   # the lecture's loop in real torch, on our batches
        total = 0.0
        for x, y in epoch:
            loss = loss_fn(ref(torch.from_numpy(x)), torch.from_numpy(y))
            total += loss.item()
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(total / len(epoch))

    np.testing.assert_allclose([h["loss"] for h in history], losses, rtol=1e-4)
    for name, value in ref.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[name].numpy(), value.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=name)
    with torch.no_grad():
        theirs = ref(torch.from_numpy(valid_ds.tensors[0].numpy())).argmax(dim=1).numpy()
    assert (phone.predict(model, valid_ds) == theirs).mean() >= 0.995


# ----------------------------------------------------------------------------- the lesson, on the real data
def test_lecture_recipe_does_not_learn_on_the_real_data(phone, capsys):
    for seed in (0, 1, 2):
        res = phone.main(["--csv", real_csv(), "--seed", str(seed)])
        assert res["test_accuracy"] <= 0.30, seed
        assert max(res["dead_share"]) == 1.0, (seed, res["dead_units"])   # a whole hidden layer is dead
        assert any("is dead" in note for note in res["diagnosis"])
        assert abs(res["history"][-1]["loss"] - math.log(4)) < 0.01
    out = capsys.readouterr().out
    assert "--recipe improved" in out and "WARNING: hidden layer" in out


def test_improved_recipe_learns_on_the_real_data(phone, capsys):
    # 50 epochs x 100 steps x 3 seeds: about 10-20 s on a laptop core
    accs = [phone.main(["--csv", real_csv(), "--recipe", "improved", "--seed", str(seed)])["test_accuracy"]
            for seed in (0, 1, 2)]
    assert np.mean(accs) >= 0.90, accs
    assert "WARNING" not in capsys.readouterr().out
