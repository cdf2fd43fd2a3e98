"""torch.accelerator, torch.cuda, torch.backends, the default device, pinned memory and 'meta', against torch's
CPU-only build (the oracle here has no accelerator either)."""
import subprocess
import sys
import threading
import warnings

import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu.utils.data import DataLoader, TensorDataset


def outcome(fn, lib):
    try:
        return fn(lib)
    except Exception as e:  # noqa: BLE001  (the class is what is compared)
        return type(e)


@pytest.fixture(autouse=True)
def _restore_default_device():
    yield
    tg.set_default_device(None)
    torch.set_default_device(None)


@pytest.mark.parametrize("call", [
    lambda m: m.accelerator.is_available(), lambda m: m.accelerator.current_accelerator(),
    lambda m: m.accelerator.current_accelerator(check_available=True), lambda m: m.accelerator.device_count(),
    lambda m: m.accelerator.current_device_index(), lambda m: m.accelerator.synchronize(),
    lambda m: m.accelerator.set_device_index(0),
    lambda m: m.cuda.is_available(), lambda m: m.cuda.device_count(), lambda m: m.cuda.manual_seed(0),
    lambda m: m.cuda.manual_seed_all(3), lambda m: m.cuda.manual_seed("a"), lambda m: m.cuda.seed(),
    lambda m: m.cuda.seed_all(), lambda m: m.cuda.synchronize(), lambda m: m.cuda.current_device(),
    lambda m: m.cuda.get_device_name(), lambda m: m.cuda.get_device_properties(0), lambda m: m.cuda.empty_cache(),
    lambda m: m.cuda.is_initialized(), lambda m: m.cuda.initial_seed(), lambda m: m.cuda.memory_allocated(),
    lambda m: m.cuda.max_memory_allocated(), lambda m: m.cuda.get_rng_state(), lambda m: m.cuda.is_bf16_supported(),
    lambda m: m.backends.cudnn.benchmark, lambda m: m.backends.cudnn.deterministic,
    lambda m: m.backends.cudnn.allow_tf32, lambda m: m.backends.cudnn.enabled, lambda m: m.backends.cudnn.is_available(),
    lambda m: m.backends.cudnn.version(), lambda m: m.backends.cuda.matmul.allow_tf32,
    lambda m: m.backends.cuda.matmul.allow_fp16_reduced_precision_reduction, lambda m: m.backends.cuda.is_built(),
    lambda m: m.backends.mps.is_available(), lambda m: m.backends.mps.is_built(),
    lambda m: m.get_default_device().type, lambda m: m.ones(2).is_pinned(),
    lambda m: m.ones(2).pin_memory(), lambda m: m.ones(2).pin_memory("cpu"),
    lambda m: m.ones(2, pin_memory=True), lambda m: m.tensor([1.0], pin_memory=True),
    lambda m: m.zeros(2, pin_memory=True), lambda m: m.empty(2, pin_memory=True), lambda m: m.rand(2, pin_memory=True),
    lambda m: m.randn(2, pin_memory=True), lambda m: m.full((2,), 1.0, pin_memory=True),
    lambda m: m.arange(3, pin_memory=True), lambda m: m.zeros(2, pin_memory=False).shape[0],
])
def test_answers_and_errors_as_torchs_cpu_build(call):
    ours, theirs = outcome(call, tg), outcome(call, torch)
    if isinstance(theirs, type) and issubclass(theirs, Exception):
        assert ours is theirs
    else:
        assert ours == theirs


def test_pin_memory_cpu_message_and_is_pinned_warning():
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        tg.ones(2).pin_memory()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert tg.ones(2).is_pinned("cpu") is False
    assert [w.category for w in caught] == [DeprecationWarning]


@pytest.mark.parametrize("name,value", [("benchmark", True), ("deterministic", True), ("allow_tf32", False),
                                        ("enabled", False)])
def test_cudnn_switches_are_remembered_and_validated(name, value):
    for lib in (tg, torch):
        old = getattr(lib.backends.cudnn, name)
        try:
            setattr(lib.backends.cudnn, name, value)
            assert getattr(lib.backends.cudnn, name) is value
            with pytest.raises(RuntimeError):
                setattr(lib.backends.cudnn, name, 1)
        finally:
            setattr(lib.backends.cudnn, name, old)


def test_cublas_switch_and_cudnn_import_form():
    import tinygrad_edu.backends.cudnn as cudnn
    assert cudnn is tg.backends.cudnn
    for lib in (tg, torch):
        lib.backends.cuda.matmul.allow_tf32 = True
        assert lib.backends.cuda.matmul.allow_tf32 is True
        with pytest.raises(RuntimeError):
            lib.backends.cuda.matmul.allow_tf32 = "yes"
        with pytest.raises(AttributeError):
            lib.backends.cuda.matmul.no_such_switch = True
        lib.backends.cuda.matmul.allow_tf32 = False
    x = tg.ones(2, 3)
    assert (x @ x.T).tolist() == [[3.0, 3.0], [3.0, 3.0]]   # no effect on the maths


@pytest.mark.parametrize("dev", ["cpu", "cuda", "meta", "mps", None])
def test_default_device(dev):
    for lib in (tg, torch):
        lib.set_default_device(dev)
    for call in (lambda m: m.get_default_device().type, lambda m: m.zeros(2).tolist(), lambda m: m.tensor([1.0]).tolist(),
                 lambda m: m.randn(2).shape[0], lambda m: m.ones(2).to(m.float64).dtype is m.float64):
        ours, theirs = outcome(call, tg), outcome(call, torch)
        if isinstance(theirs, type) or dev == "meta" and isinstance(ours, type):
            # meta tensors do not exist here: a clear NotImplementedError where torch makes a tensor without data
            assert ours is theirs or (dev == "meta" and ours is NotImplementedError), (dev, ours, theirs)
        else:
            assert ours == theirs


def test_default_device_refusals_and_threads():
    assert outcome(lambda m: m.set_default_device("foo"), tg) is outcome(lambda m: m.set_default_device("foo"), torch)
    assert outcome(lambda m: m.set_default_device(3), tg) is outcome(lambda m: m.set_default_device(3), torch)
    tg.set_default_device("meta")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(tg.get_default_device()))
    thread.start()
    thread.join()
    assert seen == [tg.device("cpu")] and tg.get_default_device() == tg.device("meta")


def test_dataloader_pin_memory_warns_and_works():
    for lib, loader in ((tg, DataLoader), (torch, torch.utils.data.DataLoader)):
        data = (TensorDataset if lib is tg else torch.utils.data.TensorDataset)(lib.arange(4.0).reshape(4, 1))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            batches = list(loader(data, batch_size=2, pin_memory=True))
        assert any("pin_memory" in str(w.message) for w in caught)
        assert [b[0].tolist() for b in batches] == [[[0.0], [1.0]], [[2.0], [3.0]]]
        assert not batches[0][0].is_pinned()


META_PROGRAM = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))   # 3 GiB: a 96 TiB allocation cannot hide
import tinygrad_edu as torch, tinygrad_edu.nn as nn
N = 1 << 45
calls = [lambda: torch.zeros(N, device="meta"), lambda: torch.empty(N, device="meta"),
         lambda: torch.ones(N, device="meta"), lambda: torch.randn(N, device="meta"),
         lambda: torch.rand(N, device="meta"), lambda: torch.randint(0, 3, (N,), device="meta"),
         lambda: torch.full((N,), 1.0, device="meta"), lambda: torch.arange(N, device="meta"),
         lambda: torch.linspace(0, 1, N, device="meta"), lambda: torch.eye(1 << 23, device="meta"),
         lambda: torch.randperm(N, device="meta"), lambda: torch.zeros(2).to("meta"),
         lambda: nn.Linear(1 << 22, 1 << 23, device="meta"), lambda: nn.Embedding(1 << 22, 1 << 23, device="meta"),
         lambda: nn.Conv2d(1 << 15, 1 << 15, 1 << 7, device="meta"), lambda: nn.LSTM(1 << 20, 1 << 20, device="meta"),
         lambda: nn.LayerNorm(N, device="meta"), lambda: nn.BatchNorm1d(N, device="meta"),
         lambda: nn.MultiheadAttention(1 << 20, 1, device="meta")]
torch.set_default_device("meta")
calls += [lambda: torch.zeros(N), lambda: torch.randn(N), lambda: nn.Linear(1 << 22, 1 << 23)]
for i, call in enumerate(calls):
    try:
        call()
        sys.exit(f"call {i} made a tensor")
    except NotImplementedError as e:
        assert "meta" in str(e), e
print("ok", len(calls))
"""


def test_meta_never_allocates():
    """device='meta' (explicit or the default device) raises a clear NotImplementedError before any allocation."""
    done = subprocess.run([sys.executable, "-c", META_PROGRAM], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stdout + done.stderr
