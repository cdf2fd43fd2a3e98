"""Shared test configuration: hypothesis profiles (bounded, no deadline) and the torch oracle."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# "ci" bounds the example count so the suite stays within CI's time; "dev" explores more.
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def torch_ref():
    """Real PyTorch as the reference oracle (skipped where it is not installed; CI installs it)."""
    return pytest.importorskip("torch")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---- issue 11's open to-do list -------------------------------------------------------------------
# tests/opinfo/known_disagreements.txt lists, one test id a line, the registry checks where
# tinygrad_edu still disagrees with torch. They run, and are marked xfail(strict=True): each one must
# still fail, and one that starts to pass fails the run until its line is removed, so the list can
# only shrink and always tells the truth. Lines starting with # are comments.
_KNOWN = os.path.join(os.path.dirname(__file__), "opinfo", "known_disagreements.txt")


def pytest_collection_modifyitems(config, items):
    if not os.path.exists(_KNOWN):
        return
    with open(_KNOWN) as f:
        known = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    for item in items:
        if item.nodeid in known:
            item.add_marker(pytest.mark.xfail(strict=True, reason="known disagreement with torch (issue 11)"))
