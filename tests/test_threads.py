"""set_num_threads / get_num_threads (and the inter-op pair): torch's argument errors, and the
BLAS thread count really changing, as threadpoolctl (an independent reader of the loaded BLAS
libraries) reports it."""
import pytest
import threadpoolctl
import torch

import tinygrad_edu as tg


@pytest.fixture
def restore_threads():
    before = tg.get_num_threads()
    yield
    tg.set_num_threads(before)


def _blas_threads():
    return [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"
            and "numpy" in info["filepath"]]


def test_set_num_threads_reaches_numpys_blas(restore_threads):
    assert _blas_threads(), "threadpoolctl finds no BLAS under numpy: nothing to compare with"
    for n in (1, 2):
        tg.set_num_threads(n)
        assert tg.get_num_threads() == n
        assert _blas_threads() == [n]


@pytest.mark.parametrize("name", ["set_num_threads", "set_num_interop_threads"])
@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True])
def test_bad_counts_refused_as_torch(name, value):
    caught = []
    for lib in (torch, tg):
        try:
            getattr(lib, name)(value)
            caught.append(None)
        except Exception as e:  # noqa: BLE001 (the class is what is compared)
            caught.append((type(e), str(e)))
    if caught[0] is None:  # torch accepts it (True is an int to torch): so must we
        assert caught[1] is None, caught[1]
    else:
        assert caught[1] == caught[0]


def test_interop_count_is_remembered():
    tg.set_num_interop_threads(3)
    assert tg.get_num_interop_threads() == 3
