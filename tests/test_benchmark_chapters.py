"""benchmarks/: the digits_cnn, char_rnn and char_gpt workloads (issues 12 and 13). The hand-written numpy
floor must compute torch's loss, gradients and Adam steps (else its timing means nothing), and the torch-like
workload must run on tinygrad_edu (or be reported unavailable, as before nn.GRU existed) and agree."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from workloads import build, common, numpy_floor_nets, torchlike  # noqa: E402

import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # small tensors: more threads only add contention on a busy CI box
    yield
    torch.set_num_threads(threads)


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


def _torch_cnn_loss(params, x, y):
    f = torch.nn.functional
    h = f.max_pool2d(torch.relu(f.conv2d(torch.from_numpy(x), params[0], params[1], padding=1)), 2)
    h = f.max_pool2d(torch.relu(f.conv2d(h, params[2], params[3], padding=1)), 2)
    return f.cross_entropy(h.flatten(1) @ params[4].T + params[5], torch.from_numpy(y))


def test_numpy_cnn_floor_is_torchs_maths_for_three_adam_steps():
    d = common.digits_data()
    assert d.x.shape == (1437, 1, 8, 8) and d.x.max() == 1.0
    ours = [p.copy() for pair in d.layers for p in pair]
    theirs = [torch.tensor(p, requires_grad=True) for p in ours]
    adam, ref = numpy_floor_nets.Adam(ours, 3e-3), torch.optim.Adam(theirs, lr=3e-3)
    for step in range(3):
        x, y = d.x[64 * step:64 * step + 64], d.y[64 * step:64 * step + 64]
        loss, grads = numpy_floor_nets._digits_loss_and_grads(ours, x, y)
        ref.zero_grad()
        expected = _torch_cnn_loss(theirs, x, y)
        expected.backward()
        np.testing.assert_allclose(loss, expected.item(), rtol=1e-5)
        for g, p in zip(grads, theirs):
            np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-4, atol=1e-7)
        adam.step(grads)
        ref.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p, q.detach().numpy(), rtol=1e-5, atol=1e-5)   # 0.3% of an lr step


def test_numpy_gru_floor_is_torchs_maths():
    d = common.char_rnn_data()
    assert d.x.shape == d.y.shape == (32, 48) and (d.x[:, 1:] == d.y[:, :-1]).all()
    loss, grads = numpy_floor_nets._char_loss_and_grads(d.weights, d.x, d.y)
    mods = torch.nn.ModuleDict({"embed": torch.nn.Embedding(2488, 64),
                                "gru": torch.nn.GRU(64, 128, batch_first=True), "fc": torch.nn.Linear(128, 2488)})
    mods.load_state_dict({k: torch.from_numpy(v) for k, v in d.weights.items()})
    out, _ = mods["gru"](mods["embed"](torch.from_numpy(d.x)))
    expected = torch.nn.functional.cross_entropy(mods["fc"](out).reshape(-1, 2488), torch.from_numpy(d.y).reshape(-1))
    expected.backward()
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-5)
    for name, p in mods.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-4, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("workload", ["digits_cnn", "char_rnn"])
def test_workloads_agree_on_the_first_result(workload):
    """The first unit from the shared state, tinygrad_edu against the numpy floor (which the tests above
    hold to torch's maths): char_rnn's first loss is the same; digits_cnn's epoch mean differs only by
    the shuffle order (so only loosely)."""
    floor = build("numpy", workload).warmup()
    try:
        ours = build("tinygrad_edu", workload).warmup()
    except common.Unavailable as why:   # a tinygrad_edu without nn.GRU
        assert workload == "char_rnn" and "GRU" in str(why)
        assert not hasattr(torchlike.load_library("tinygrad_edu").nn, "GRU")
        return
    np.testing.assert_allclose(ours, floor, rtol=1e-5 if workload == "char_rnn" else 0.1)


def test_char_gpt_runs_the_same_steps_on_both_libraries():
    """char_gpt has no numpy floor: its first two AdamW steps on tinygrad_edu must give torch's losses,
    and its weights cover exactly the model's parameters (torch's names)."""
    d = common.char_gpt_data()
    assert d.x.shape == d.y.shape == (32, 64) and (d.x[:, 1:] == d.y[:, :-1]).all() and d.x.max() < 2488
    lib = torchlike.load_library("torch")
    assert sorted(n for n, _ in torchlike._gpt_model(lib).named_parameters()) == sorted(d.weights)
    ours, theirs = build("tinygrad_edu", "char_gpt"), build("torch", "char_gpt")
    first = ours.warmup()
    assert first == pytest.approx(theirs.warmup(), rel=1e-5) and abs(first - np.log(2488)) < 0.1
    second = ours.unit()
    assert second == pytest.approx(theirs.unit(), rel=1e-5) and second < first
