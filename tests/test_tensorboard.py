"""tinygrad_edu.utils.tensorboard.SummaryWriter: the event files it writes, read back.

Two kinds of check:
- read back with TensorBoard's own reader (EventAccumulator, as `tensorboard --logdir` reads them),
  the values must be the ones written, computed here independently (the numbers, float32-rounded
  where TensorBoard stores float32; histogram statistics from numpy; image pixels decoded from the
  PNG against the input scaled by hand);
- the same calls made on real torch's SummaryWriter (torch.utils.tensorboard, on the same
  `tensorboard` package) must give the same records, field for field, apart from the wall time.

The `tensorboard` extra is part of the test install (README's command 2, CI): without it these
tests fail at import, they are not skipped. The missing-package test simulates its absence.
"""
import glob
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn

import tensorboard  # noqa: F401  (the [tensorboard] extra: required by the tests, see above)
REPO = Path(__file__).resolve().parents[1]


# ---- helpers ---------------------------------------------------------------------------------------

def raw_records(logdir):
    """{run subdirectory ('' for logdir itself): [(step, Event without wall_time), ...]} of every
    event file under logdir, the file-version header left out."""
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto.event_pb2 import Event
    runs = {}
    for path in sorted(glob.glob(os.path.join(str(logdir), "**", "events.out.tfevents.*"), recursive=True)):
        run = os.path.relpath(os.path.dirname(path), str(logdir))
        run = "" if run == "." else run
        for raw in RawEventFileLoader(path).Load():
            event = Event.FromString(raw)
            if event.HasField("file_version") and not event.HasField("session_log") and event.step == 0:
                continue
            event.ClearField("wall_time")
            runs.setdefault(run, []).append(event)
    return runs


def accumulator(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def both_writers(tmp_path, torch_ref, calls, **kwargs):
    """Run calls(writer, lib) on our writer (lib = tinygrad_edu) and on torch's (lib = torch);
    return the two logdirs' raw records."""
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from tinygrad_edu.utils.tensorboard import SummaryWriter
    ours, theirs = tmp_path / "ours", tmp_path / "torch"
    with SummaryWriter(str(ours), **kwargs) as w:
        calls(w, tg)
    with TorchWriter(str(theirs), **kwargs) as w:
        calls(w, torch_ref)
    return raw_records(ours), raw_records(theirs)


def assert_same_records(ours, theirs):
    assert ours and all(ours.values()), "nothing was written"
    assert sorted(ours) == sorted(theirs), (sorted(ours), sorted(theirs))
    for run in ours:
        assert len(ours[run]) == len(theirs[run]), run
        for a, b in zip(ours[run], theirs[run]):
            assert a == b, f"run {run!r}:\nours:  {a}\ntorch: {b}"


def writer(tmp_path, **kwargs):
    from tinygrad_edu.utils.tensorboard import SummaryWriter
    return SummaryWriter(str(tmp_path), **kwargs)


# ---- the optional dependency ---------------------------------------------------------------------

def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(REPO))


def test_without_tensorboard_the_package_imports_and_the_writer_says_what_to_install():
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "import tinygrad_edu, tinygrad_edu.nn, tinygrad_edu.optim, tinygrad_edu.utils.data\n"
            "try:\n    from tinygrad_edu.utils.tensorboard import SummaryWriter\n"
            "except ImportError as e:\n    print('ImportError:', e)\n")
    result = _run(code)
    assert result.returncode == 0, result.stderr
    message = result.stdout
    assert message.startswith("ImportError:"), message
    assert "pip install tensorboard" in message and 'pip install -e ".[tensorboard]"' in message


def test_import_tinygrad_edu_does_not_load_tensorboard():
    result = _run("import sys, tinygrad_edu, tinygrad_edu.utils, tinygrad_edu.nn\n"
                  "print([m for m in sys.modules if m.split('.')[0] in ('tensorboard', 'google')])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ---- scalars ---------------------------------------------------------------------------------------

def test_scalars_read_back_from_every_kind_of_value(tmp_path):
    w_ = tg.tensor(2.0, requires_grad=True)
    values = [w_ * 1.25, tg.tensor([0.1], dtype=tg.float64), np.float32(-3.5), np.array(7), 1e-3, 4,
              tg.tensor(True), np.array([[2.5]])]
    with writer(tmp_path) as w:
        for step, v in enumerate(values):
            w.add_scalar("loss", v, step * 10)
    events = accumulator(tmp_path).Scalars("loss")
    expected = [2.5, 0.1, -3.5, 7.0, 1e-3, 4.0, 1.0, 2.5]
    assert [e.step for e in events] == [0, 10, 20, 30, 40, 50, 60, 70]
    assert [e.value for e in events] == [float(np.float32(x)) for x in expected]  # stored as float32


def test_scalar_records_equal_torchs(tmp_path, torch_ref):
    def calls(w, lib):
        x = lib.tensor(0.3, requires_grad=True)
        w.add_scalar("a", x * 3, 1)
        w.add_scalar("a", 1 / 3, 2, walltime=5.0)
        w.add_scalar("b/new", lib.tensor([2.5]), 3, new_style=True)
        w.add_scalar("b/double", 1 / 3, 4, new_style=True, double_precision=True)
        w.add_scalar("c", np.float64(2.0) ** 0.5, np.int64(5))
        w.add_scalar("c", lib.tensor(2.0, dtype=lib.float64) ** 0.5, lib.tensor(8))  # a Tensor as the step
        w.add_scalars("run/loss", {"train": lib.tensor(1.5), "test": 2.5}, 6)
        w.add_scalars("run/loss", {"train": 1.0, "test": np.float32(2.0)}, 7)
    ours, theirs = both_writers(tmp_path, torch_ref, calls)
    assert sorted(ours) == ["", "run_loss_test", "run_loss_train"]
    assert_same_records(ours, theirs)


def test_add_scalars_writes_one_run_per_key(tmp_path):
    with writer(tmp_path) as w:
        for step in range(3):
            w.add_scalars("loss/all", {"train": 1.0 / (step + 1), "val": tg.tensor(2.0 * step)}, step)
    for key, expected in (("train", [1.0, 0.5, 1 / 3]), ("val", [0.0, 2.0, 4.0])):
        acc = accumulator(tmp_path / f"loss_all_{key}")
        assert [e.value for e in acc.Scalars("loss/all")] == [float(np.float32(v)) for v in expected]


def test_scalar_errors_are_torchs(tmp_path, torch_ref):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    ours, theirs = writer(tmp_path / "a"), TorchWriter(str(tmp_path / "b"))
    for bad_ours, bad_theirs in ((tg.ones(3), torch_ref.ones(3)), ([1.0, 2.0], [1.0, 2.0])):
        with pytest.raises(Exception) as expected:
            theirs.add_scalar("x", bad_theirs)
        with pytest.raises(expected.type) as got:
            ours.add_scalar("x", bad_ours)
        if expected.type is AssertionError:
            assert "size: 3 and 1 dimensions" in str(got.value)
    ours.close()
    theirs.close()


# ---- histograms ------------------------------------------------------------------------------------

def test_histogram_reads_back_with_numpys_statistics_and_all_counts(tmp_path):
    values = np.random.default_rng(0).normal(size=(40, 25)).astype(np.float32)
    with writer(tmp_path) as w:
        w.add_histogram("weights", tg.tensor(values, requires_grad=True), 3)
        w.add_histogram("ten_bins", values, 4, bins=10)
    h = accumulator(tmp_path).Histograms("weights")[0]
    assert h.step == 3
    v = values.astype(np.float64).ravel()
    hv = h.histogram_value
    assert (hv.num, hv.min, hv.max) == (1000, v.min(), v.max())
    assert hv.sum == pytest.approx(v.sum(), rel=1e-12) and hv.sum_squares == pytest.approx(v @ v, rel=1e-12)
    assert sum(hv.bucket) == 1000 and hv.bucket[0] == 0  # the empty bucket whose upper edge is the lower edge
    limits = np.array(hv.bucket_limit)
    assert limits[0] <= v.min() and limits[-1] >= v.max() and np.all(np.diff(limits) > 0)
    # every value counted in the bucket (previous upper edge, upper edge] that holds it
    counts = np.bincount(np.searchsorted(limits, v, side="left"), minlength=len(limits))
    assert np.abs(counts - np.array(hv.bucket)).sum() <= 2 * np.isin(v, limits).sum()
    ten = accumulator(tmp_path).Histograms("ten_bins")[0].histogram_value
    edges = np.linspace(v.min(), v.max(), 11)
    assert list(ten.bucket_limit) == pytest.approx(edges.tolist(), rel=1e-12)
    assert list(ten.bucket) == [0.0] + np.histogram(v, bins=edges)[0].tolist()


def test_histogram_records_equal_torchs(tmp_path, torch_ref):
    data = np.random.default_rng(1).normal(2.0, 3.0, size=500)

    def calls(w, lib):
        w.add_histogram("f32", lib.tensor(data.astype(np.float32), requires_grad=True), 0)
        w.add_histogram("f64", lib.tensor(data), 1, bins="auto")
        w.add_histogram("ints", lib.tensor([0, 1, 1, 5, 9]), 2)
        w.add_histogram("numpy", data, 3, bins=13, max_bins=4)
        w.add_histogram("number", 0.25, 4)
        w.add_histogram("zeros", np.zeros(4), 5)
        w.add_histogram_raw("raw", 0.0, 3.0, 6, 9.0, 19.0, [1.0, 2.0, 3.0], [1, 2, 3], 6)
        w.add_histogram_raw("raw_t", lib.tensor(0.5), lib.tensor(3.0), 6, lib.tensor(9.5), 19.0,
                            lib.tensor([1.0, 2.0, 3.0]), lib.tensor([1, 2, 3]), 7)
    assert_same_records(*both_writers(tmp_path, torch_ref, calls))


def test_default_bins_are_torchs(tmp_path, torch_ref):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    theirs = TorchWriter(str(tmp_path / "t"))
    with writer(tmp_path / "o") as ours:
        assert ours.default_bins == theirs.default_bins
    theirs.close()


def test_histogram_of_nothing_raises_valueerror(tmp_path):
    with writer(tmp_path) as w, pytest.raises(ValueError, match="no element"):
        w.add_histogram("empty", tg.zeros(0))


# ---- images ----------------------------------------------------------------------------------------

def _decoded(acc, tag):
    from PIL import Image
    import io
    event = acc.Images(tag)[0]
    return event, np.asarray(Image.open(io.BytesIO(event.encoded_image_string)).convert("RGB"))


def test_images_read_back_with_their_pixels(tmp_path):
    rng = np.random.default_rng(2)
    chw = rng.random((3, 5, 7), dtype=np.float32) * 1.2 - 0.1  # a little outside 0..1: clipped
    grey = rng.random((1, 4, 6))
    hwc8 = rng.integers(0, 256, size=(4, 3, 3), dtype=np.uint8)
    batch = rng.random((10, 3, 2, 3), dtype=np.float32)
    with writer(tmp_path) as w:
        w.add_image("chw", tg.tensor(chw, requires_grad=True), 1)
        w.add_image("grey", tg.tensor(grey), 2)
        w.add_image("hwc", hwc8, 3, dataformats="HWC")
        w.add_image("hw", tg.tensor(grey[0]), 4, dataformats="HW")
        w.add_images("batch", tg.tensor(batch), 5)
    acc = accumulator(tmp_path)
    to8 = lambda a: np.clip(a.astype(np.float32) * 255, 0, 255).astype(np.uint8)  # noqa: E731
    event, pixels = _decoded(acc, "chw")
    assert (event.step, event.height, event.width) == (1, 5, 7)
    np.testing.assert_array_equal(pixels, to8(chw).transpose(1, 2, 0))
    _, pixels = _decoded(acc, "grey")
    np.testing.assert_array_equal(pixels, np.repeat(to8(grey).transpose(1, 2, 0), 3, axis=2))
    _, pixels = _decoded(acc, "hwc")
    np.testing.assert_array_equal(pixels, hwc8)
    _, pixels = _decoded(acc, "hw")
    np.testing.assert_array_equal(pixels, np.repeat(to8(grey[0])[:, :, None], 3, axis=2))
    event, pixels = _decoded(acc, "batch")
    assert (event.height, event.width) == (2 * 2, 8 * 3)  # 8 columns, 2 rows, the last 6 cells black
    for i in range(10):
        r, c = divmod(i, 8)
        np.testing.assert_array_equal(pixels[2 * r:2 * r + 2, 3 * c:3 * c + 3], to8(batch[i]).transpose(1, 2, 0))
    assert not pixels[2:, 6:].any()


def test_image_records_equal_torchs(tmp_path, torch_ref):
    rng = np.random.default_rng(3)
    rgba = rng.random((5, 4, 4))
    batch = rng.random((3, 1, 6, 5))

    def calls(w, lib):
        w.add_image("chw", lib.tensor(rng_chw), 0)
        w.add_image("rgba", rgba, 1, dataformats="HWC")
        w.add_image("wh", lib.tensor(rgba[:, :, 0]), 2, dataformats="WH")
        w.add_image("uint8", lib.tensor((rgba * 255).astype(np.uint8)), 3, dataformats="HWC")
        w.add_images("nhwc", batch.transpose(0, 2, 3, 1), 4, dataformats="NHWC")
        w.add_images("nchw", lib.tensor(batch, requires_grad=True), 5)
    rng_chw = rng.random((3, 6, 2)).astype(np.float32)
    assert_same_records(*both_writers(tmp_path, torch_ref, calls))


def test_figures_equal_torchs(tmp_path, torch_ref):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def figure(k):
        fig, ax = plt.subplots(figsize=(2, 1.5), dpi=40)
        ax.plot([0, 1, 2], [k, 1, 0])
        return fig

    def calls(w, lib):
        w.add_figure("one", figure(0), 1)
        w.add_figure("list", [figure(1), figure(2)], 2)
    ours, theirs = both_writers(tmp_path, torch_ref, calls)
    image = ours[""][0].summary.value[0].image
    assert (image.height, image.width) == (60, 80)
    assert_same_records(ours, theirs)
    assert not plt.get_fignums()  # closed


def test_image_layout_errors_are_torchs(tmp_path):
    with writer(tmp_path) as w:
        with pytest.raises(AssertionError, match=r"tensor shape: \(5, 4\), input_format: CHW"):
            w.add_image("bad", np.zeros((5, 4)))
        with pytest.raises(AssertionError, match="same dimension shorthand twice"):
            w.add_image("bad", np.zeros((5, 4, 3)), dataformats="HHW")


# ---- text, hparams, purge_step, graph --------------------------------------------------------------

def test_text_reads_back_and_equals_torchs(tmp_path, torch_ref):
    with writer(tmp_path / "t") as w:
        w.add_text("notes", "loss **falls**: 0.25 → 0.125", 7)
    event = accumulator(tmp_path / "t").Tensors("notes/text_summary")[0]
    assert event.step == 7 and event.tensor_proto.string_val == ["loss **falls**: 0.25 → 0.125".encode()]

    def calls(w, lib):
        w.add_text("a", "hello", 1)
        w.add_text("b/c", "", 2)
    assert_same_records(*both_writers(tmp_path, torch_ref, calls))


def test_hparams_records_equal_torchs(tmp_path, torch_ref):
    def calls(w, lib):
        w.add_hparams({"lr": 0.1, "layers": 3, "opt": "adam", "bn": True, "none": None},
                      {"hp/accuracy": 0.75, "hp/loss": lib.tensor(0.5)},
                      hparam_domain_discrete={"opt": ["adam", "sgd"], "layers": [2, 3]},
                      run_name="trial0", global_step=4)
    ours, theirs = both_writers(tmp_path, torch_ref, calls)
    assert sorted(ours) == ["trial0"]
    assert_same_records(ours, theirs)
    assert [e.value for e in accumulator(tmp_path / "ours" / "trial0").Scalars("hp/accuracy")] == [0.75]


def test_hparams_errors(tmp_path):
    with writer(tmp_path) as w:
        with pytest.raises(TypeError, match="should be dictionary"):
            w.add_hparams([("lr", 0.1)], {})
        with pytest.raises(ValueError, match="value should be one of"):
            w.add_hparams({"lr": [0.1]}, {}, run_name="x")


def test_purge_step_records_equal_torchs(tmp_path, torch_ref):
    ours, theirs = both_writers(tmp_path, torch_ref, lambda w, lib: w.add_scalar("x", 1.0, 5), purge_step=5)
    assert len(ours[""]) == 3 and ours[""][1].session_log.status == 1  # START
    assert_same_records(ours, theirs)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.seq = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.seq(self.fc1(x))


def test_add_graph_draws_the_modules_operations_parameters_and_io(tmp_path):
    model = Net()
    with writer(tmp_path) as w:
        w.add_graph(model, tg.randn(5, 3))
    graph = accumulator(tmp_path).Graph()
    nodes = {n.name: n for n in graph.node}
    shape = lambda n: [[d.size for d in s.dim] for s in n.attr["_output_shapes"].list.shape]  # noqa: E731
    fc1, fc2 = "Net/Linear[fc1]", "Net/Sequential[seq]/Linear[1]"
    assert set(nodes) == {"input/input.0", f"{fc1}/weight", f"{fc1}/bias", f"{fc2}/weight", f"{fc2}/bias",
                          f"{fc1}/Addmm_0", "Net/Sequential[seq]/ReLU[0]/Relu_0", f"{fc2}/Addmm_0", "output/output.0"}
    assert list(nodes[f"{fc1}/Addmm_0"].input) == ["input/input.0", f"{fc1}/weight", f"{fc1}/bias"]
    assert list(nodes["Net/Sequential[seq]/ReLU[0]/Relu_0"].input) == [f"{fc1}/Addmm_0"]
    assert list(nodes[f"{fc2}/Addmm_0"].input) == ["Net/Sequential[seq]/ReLU[0]/Relu_0", f"{fc2}/weight", f"{fc2}/bias"]
    assert list(nodes["output/output.0"].input) == [f"{fc2}/Addmm_0"]
    assert shape(nodes[f"{fc1}/Addmm_0"]) == [[5, 4]] and shape(nodes["output/output.0"]) == [[5, 2]]
    assert shape(nodes[f"{fc2}/weight"]) == [[2, 4]]
    assert nodes["input/input.0"].op == nodes["output/output.0"].op == "IO Node"
    assert all(not p.requires_grad or p.grad is None for p in model.parameters())  # no backward was run


def test_add_graph_of_a_reused_module_and_multiple_outputs(tmp_path):
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x, y):
            h = self.lin(self.lin(x) * y)
            return h, h.sum()

    with writer(tmp_path) as w:
        w.add_graph(Twice(), (tg.randn(4, 2), tg.randn(4, 2)))
    nodes = {n.name: n for n in accumulator(tmp_path).Graph().node}
    assert {"Twice/Linear[lin]/Addmm_0", "Twice/Linear[lin]/Addmm_1", "Twice/Mul_0", "Twice/Sum_0",
            "input/input.0", "input/input.1", "output/output.0", "output/output.1"} <= set(nodes)
    assert list(nodes["Twice/Mul_0"].input) == ["Twice/Linear[lin]/Addmm_0", "input/input.1"]
    assert list(nodes["output/output.1"].input) == ["Twice/Sum_0"]


def test_add_graph_of_a_function_other_leaves_and_nothing_to_draw(tmp_path):
    w_ = tg.randn(3, requires_grad=True)  # a leaf that is neither a parameter nor an input
    emb = nn.Embedding(5, 3)
    with writer(tmp_path) as w:
        w.add_graph(lambda i: (emb(i) * w_).relu(), tg.tensor([1, 4]))
        with pytest.raises(RuntimeError, match="records no operation"):
            w.add_graph(lambda x: x * 2, tg.tensor([1, 2]))
    nodes = {n.name: n for n in accumulator(tmp_path).Graph().node}
    # no module scopes for a function; the int input does not enter the autograd graph
    assert set(nodes) == {"leaf/leaf.0", "leaf/leaf.1", "Embedding_0", "Mul_0", "Relu_0", "output/output.0"}
    assert list(nodes["Mul_0"].input) == ["Embedding_0", "leaf/leaf.1"]
    assert [[d.size for d in s.dim] for s in nodes["leaf/leaf.0"].attr["_output_shapes"].list.shape] == [[5, 3]]


# ---- precision-recall curves and embeddings ----------------------------------------------------

def test_pr_curve_reads_back_with_the_counts_at_each_threshold(tmp_path):
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, size=200)
    predictions = np.clip(np.round(rng.random(200) * 10) / 10 + 0.05, 0, 1)  # no value on a threshold
    with writer(tmp_path) as w:
        w.add_pr_curve("pr", tg.tensor(labels), tg.tensor(predictions, requires_grad=True), 3, num_thresholds=11)
    event = accumulator(tmp_path).Tensors("pr")[0]
    assert event.step == 3
    rows = np.array(event.tensor_proto.float_val).reshape([d.size for d in event.tensor_proto.tensor_shape.dim])
    thresholds = np.arange(11) / 10
    above = predictions[None, :] >= thresholds[:, None]
    tp, fp = (above & (labels == 1)).sum(1), (above & (labels == 0)).sum(1)
    fn, tn = (labels == 1).sum() - tp, (labels == 0).sum() - fp
    np.testing.assert_array_equal(rows[:4], np.stack([tp, fp, tn, fn]))
    np.testing.assert_allclose(rows[4], tp / np.maximum(tp + fp, 1e-7), rtol=1e-6)
    np.testing.assert_allclose(rows[5], tp / (tp + fn), rtol=1e-6)


def test_pr_curve_records_equal_torchs(tmp_path, torch_ref):
    rng = np.random.default_rng(5)
    labels, predictions, weights = rng.integers(0, 2, size=50), rng.random(50), rng.random(50)

    def calls(w, lib):
        w.add_pr_curve("a", lib.tensor(labels), lib.tensor(predictions), 0)
        w.add_pr_curve("b", labels.astype(bool), predictions.astype(np.float32), 1, num_thresholds=300,
                       weights=weights)
        w.add_pr_curve_raw("raw", [5, 3, 0], [4, 1, 0], [0, 3, 4], [0, 2, 5], [0.55, 0.75, 0.0], [1.0, 0.6, 0.0],
                           2, num_thresholds=3)
    assert_same_records(*both_writers(tmp_path, torch_ref, calls))


def test_embedding_files_read_back_and_equal_torchs(tmp_path, torch_ref):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    rng = np.random.default_rng(6)
    mat = rng.normal(size=(5, 3)).astype(np.float32)
    images = rng.random((5, 1, 4, 4)).astype(np.float32)
    rows = [["a", 1], ["b", 2], ["c", 3], ["d", 4], ["e", 5]]
    for lib, cls, folder in ((tg, None, "ours"), (torch_ref, TorchWriter, "torch")):
        with (cls(str(tmp_path / folder)) if cls else writer(tmp_path / folder)) as w:
            w.add_embedding(lib.tensor(mat), metadata=list("vwxyz"), label_img=lib.tensor(images), tag="feat/1")
            w.add_embedding(mat, metadata=rows, metadata_header=["name", "k"], global_step=7)
    files = sorted(str(p.relative_to(tmp_path / "ours")) for p in (tmp_path / "ours").rglob("*")
                   if p.is_file() and "tfevents" not in p.name)
    assert files == ["00000/feat%2f1/metadata.tsv", "00000/feat%2f1/sprite.png", "00000/feat%2f1/tensors.tsv",
                     "00007/default/metadata.tsv", "00007/default/tensors.tsv", "projector_config.pbtxt"]
    for f in files:
        assert (tmp_path / "ours" / f).read_bytes() == (tmp_path / "torch" / f).read_bytes(), f
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "ours" / "00000/feat%2f1/tensors.tsv", dtype=np.float32), mat)
    assert (tmp_path / "ours" / "00007/default/metadata.tsv").read_text().splitlines()[:2] == ["name\tk", "a\t1"]


# ---- the writer's files --------------------------------------------------------------------------

def test_default_log_dir_is_torchs(tmp_path, monkeypatch):
    from tinygrad_edu.utils.tensorboard import SummaryWriter
    monkeypatch.chdir(tmp_path)
    before = time.time()
    with SummaryWriter(comment="_lr0.1") as w:
        logdir = w.get_logdir()
    m = re.fullmatch(r"runs/([A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2})_(.+)_lr0\.1", logdir)
    assert m and m.group(2) == socket.gethostname(), logdir
    stamp = time.strptime(time.strftime("%Y ", time.localtime(before)) + m.group(1), "%Y %b%d_%H-%M-%S")
    assert abs(time.mktime(stamp) - before) < 5
    assert glob.glob(str(tmp_path / logdir / "events.out.tfevents.*"))


def test_flush_close_reopen_and_context_manager(tmp_path):
    w = writer(tmp_path, max_queue=1000, flush_secs=1000, filename_suffix=".mine")
    files = glob.glob(str(tmp_path / "events.out.tfevents.*.mine"))
    assert len(files) == 1  # made by the constructor, as torch's
    w.add_scalar("x", 1.0, 0)
    w.flush()
    assert [e.value for e in accumulator(tmp_path).Scalars("x")] == [1.0]
    w.close()
    w.close()  # a second close does nothing
    w.add_scalar("x", 2.0, 1)  # after close: a new event file, as torch
    w.close()
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*.mine"))) == 2
    assert [e.value for e in accumulator(tmp_path).Scalars("x")] == [1.0, 2.0]
    with writer(tmp_path / "ctx") as w2:
        w2.add_scalar("y", tg.tensor(3.0), 2)
    assert [(e.step, e.value) for e in accumulator(tmp_path / "ctx").Scalars("y")] == [(2, 3.0)]


def test_signature_is_torchs(torch_ref):
    import inspect
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from tinygrad_edu.utils.tensorboard import SummaryWriter
    for name in ("__init__", "add_scalar", "add_scalars", "add_histogram", "add_histogram_raw", "add_image",
                 "add_images", "add_figure", "add_text", "add_embedding", "add_pr_curve", "add_pr_curve_raw", "add_graph", "add_hparams", "flush", "close"):
        ours, theirs = (inspect.signature(getattr(cls, name)).parameters for cls in (SummaryWriter, TorchWriter))
        plain = lambda ps: [(p.name, p.kind, p.default) for p in ps.values()]  # noqa: E731 (no annotations)
        assert plain(ours) == plain(theirs), name
