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
    """Real PyTorch, the reference oracle (a required test dependency: CI installs it)."""
    import torch
    return torch


@pytest.fixture
def rng():
    return np.random.default_rng(0)
