"""torch.compile's stand-in (tinygrad_edu.compiler.compile): the model comes back unchanged, with a
one-time UserWarning, in every calling form torch accepts; torch's argument checks, compared with
real torch (exception class names, messages).

That the package exports it as `tinygrad_edu.compile` is test_exported_as_tinygrad_edu_compile."""
import inspect
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
from tinygrad_edu import compiler

import torch


@pytest.fixture
def fresh_note(monkeypatch):
    """Each test sees the note as a fresh process would (it is shown once per process)."""
    monkeypatch.setattr(compiler, "_noted", False)


def caught(fn):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = fn()
    return result, [(w.category, str(w.message)) for w in seen]


def outcome(fn):
    try:
        fn()
        return ("ok",)
    except Exception as e:  # noqa: BLE001  (class and message are compared)
        return (type(e).__name__, str(e))


def test_exported_as_tinygrad_edu_compile():
    assert tg.compile is compiler.compile


def test_signature_is_torchs():
    ours, theirs = inspect.signature(compiler.compile).parameters, inspect.signature(torch.compile).parameters
    assert list(ours) == list(theirs)
    assert [(p.kind, p.default) for p in ours.values()] == [(p.kind, p.default) for p in theirs.values()]


def test_module_returned_unchanged_with_one_note(fresh_note):
    model = nn.Linear(3, 2)
    same, notes = caught(lambda: compiler.compile(model))
    assert same is model
    assert len(notes) == 1 and notes[0][0] is UserWarning and "no compiler yet" in notes[0][1]
    again, notes = caught(lambda: compiler.compile(nn.Linear(2, 2), mode="max-autotune"))
    assert notes == []  # once per process
    x = tg.ones(4, 3)
    np.testing.assert_array_equal(same(x).detach().numpy(), model(x).detach().numpy())


def test_decorator_forms(fresh_note):
    def body(x):
        return x * 2

    with pytest.warns(UserWarning, match="no compiler yet"):
        bare = compiler.compile(body)
    called = compiler.compile()(body)
    with_args = compiler.compile(fullgraph=True, dynamic=False, backend="inductor", mode="reduce-overhead")(body)
    assert bare is called is with_args is body

    class Model(nn.Module):
        @compiler.compile
        def forward(self, x):
            return x + 1
    assert Model()(tg.ones(2)).tolist() == [2.0, 2.0]


def test_disable_returns_the_model_silently(fresh_note):
    model = nn.Linear(2, 2)
    same, notes = caught(lambda: compiler.compile(model, disable=True))
    assert same is model and notes == []


def _fn(x):
    return x


# each case as the text of (args, kwargs), evaluated with _fn in scope
BAD = ["(_fn,), dict(mode='default', options={})", "(5,), dict(mode='default', options={})",
       "(_fn,), dict(backend='nope')", "(5,), dict(backend='nope')", "(_fn,), dict(mode='bogus')",
       "(5,), dict(mode='bogus')", "(_fn,), dict(dynamic='x')", "(5,), dict(dynamic='x')", "(5,), dict()",
       "(5,), dict(disable=True)", "(_fn,), dict(disable=True, dynamic='x')",
       "(_fn,), dict(disable=True, backend='nope')", "(_fn,), dict(backend='eager', mode='bogus')",
       "(_fn,), dict(backend='nope', dynamic='x')", "(_fn,), dict(mode='lite')", "(_fn,), dict(backend='aot_eager')",
       "(_fn,), dict(backend=lambda gm, ex: gm)"]

# torch.compile is run in a child process: once it gets past its checks, dynamo patches torch for
# the rest of the process (it turns off torch.distributions' argument validation, for one), which
# would change what later tests in this run see
_TORCH_SIDE = """
import json, sys, torch
def _fn(x):
    return x
cases, results = json.loads(sys.stdin.read()), []
for case in cases:
    args, kwargs = eval(case)
    try:
        torch.compile(*args, **kwargs)
        results.append(["ok"])
    except Exception as e:
        results.append([type(e).__name__, str(e)])
model = torch.nn.Linear(2, 2)
results.append(torch.compile(model, disable=True) is model)
from torch._dynamo.exc import InvalidBackend
results.append([c.__name__ for c in InvalidBackend.__mro__])
results.append(torch._dynamo.list_backends(exclude_tags=()))
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def torch_outcomes():
    import json
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-c", _TORCH_SIDE], input=json.dumps(BAD), capture_output=True,
                         text=True, timeout=300, check=True)
    results = json.loads(run.stdout.strip().splitlines()[-1])
    return {case: tuple(r) for case, r in zip(BAD, results)}, *results[len(BAD):]


def test_torch_disable_returns_the_model_too(torch_outcomes):
    assert torch_outcomes[1] is True


@pytest.mark.parametrize("case", BAD)
def test_argument_checks_match_torch(case, torch_outcomes, fresh_note):
    args, kwargs = eval(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert outcome(lambda: compiler.compile(*args, **kwargs)) == torch_outcomes[0][case]


def test_invalid_backend_is_a_runtime_error_as_torch(torch_outcomes):
    assert "RuntimeError" in torch_outcomes[2] and issubclass(compiler.InvalidBackend, RuntimeError)
    with pytest.raises(RuntimeError, match="Invalid backend: 'nope'"):
        compiler.compile(_fn, backend="nope")


def test_modes_and_backends_are_torchs(torch_outcomes):
    names = set(torch_outcomes[3])
    assert set(compiler._BACKENDS) == {n for n in names if not n.endswith("TESTING_ONLY")}
