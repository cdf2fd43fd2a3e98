"""README.md stays true: every name in its "From PyTorch" table exists, its commands name real files."""
import importlib
import re
from pathlib import Path

import pytest

import tinygrad_edu

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _table_names():
    section = README.split("## From PyTorch", 1)[1].split("What is different", 1)[0]
    names = []
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---") and "| names |" not in line:
            cells = line.split("|")
            names += re.findall(r"`([^`]+)`", cells[2])
    return names


def _resolve(dotted):
    obj = tinygrad_edu
    for i, part in enumerate(dotted.split(".")):
        if not hasattr(obj, part) and i < len(dotted.split(".")) - 1:
            importlib.import_module("tinygrad_edu." + ".".join(dotted.split(".")[: i + 1]))
        obj = getattr(obj, part)
    return obj


NAMES = _table_names()


def test_table_is_not_empty():
    assert len(NAMES) > 150


@pytest.mark.parametrize("name", NAMES)
def test_every_listed_name_exists(name):
    assert _resolve(name) is not None


def test_the_two_commands_come_first_and_name_real_files():
    first_block = README.split("```bash", 1)[1].split("```", 1)[0]
    commands = [ln for ln in first_block.splitlines() if ln and not ln.startswith("#")]
    assert commands[0] == "pip install -e . && python examples/phone_price.py"
    assert commands[1] == 'pip install -e ".[test,tensorboard]" && python -m pytest -q'
    root = Path(__file__).resolve().parents[1]
    assert (root / "examples" / "phone_price.py").exists()
    ci = (root / ".ci" / "run").read_text()
    assert "python -m pytest -q" in ci and '-e ".[test,tensorboard]"' in ci  # CI runs the SummaryWriter's tests too


def test_pictures_in_readme_exist():
    root = Path(__file__).resolve().parents[1]
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (root / path).exists(), path


def test_the_custom_op_example_runs():
    """The README's "Testing your own op" snippet, executed as written."""
    snippet = README.split("## Testing your own op", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    namespace["test_cube"]()  # runs the hypothesis test (bounded by the active profile)


def test_the_custom_op_example_runs_and_its_gradients_match_torch():
    """The 'Testing your own op' block runs as written (its hypothesis test too), and the Cube it
    defines gives torch's gradient of x**3, first and second order."""
    import numpy as np
    import torch
    code = README.split("## Testing your own op", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    namespace["test_cube"]()
    values = np.array([[-1.5, 0.25], [2.0, 3.0]])
    x = tinygrad_edu.tensor(values, requires_grad=True)
    (g,) = tinygrad_edu.autograd.grad(namespace["Cube"].apply(x).sum(), x, create_graph=True)
    (gg,) = tinygrad_edu.autograd.grad(g.sum(), x)
    xt = torch.tensor(values, requires_grad=True)
    (gt,) = torch.autograd.grad((xt ** 3).sum(), xt, create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy())
    np.testing.assert_allclose(gg.numpy(), ggt.numpy())
