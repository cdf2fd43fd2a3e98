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

torch = pytest.importorskip("torch")


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
    theirs = torch.nn.Linear(2, 2)
    assert torch.compile(theirs, disable=True) is theirs


def _fn(x):
    return x


BAD = [((_fn,), dict(mode="default", options={})), ((5,), dict(mode="default", options={})),
       ((_fn,), dict(backend="nope")), ((5,), dict(backend="nope")), ((_fn,), dict(mode="bogus")),
       ((5,), dict(mode="bogus")), ((_fn,), dict(dynamic="x")), ((5,), dict(dynamic="x")), ((5,), dict()),
       ((5,), dict(disable=True)), ((_fn,), dict(disable=True, dynamic="x")), ((_fn,), dict(disable=True, backend="nope")),
       ((_fn,), dict(backend="eager", mode="bogus")), ((_fn,), dict(backend="nope", dynamic="x")),
       ((_fn,), dict(mode="lite")), ((_fn,), dict(backend="aot_eager")), ((_fn,), dict(backend=lambda gm, ex: gm))]


@pytest.mark.parametrize("args,kwargs", BAD)
def test_argument_checks_match_torch(args, kwargs, fresh_note):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert outcome(lambda: compiler.compile(*args, **kwargs)) == outcome(lambda: torch.compile(*args, **kwargs))


def test_invalid_backend_is_a_runtime_error_as_torch():
    from torch._dynamo.exc import InvalidBackend
    assert issubclass(compiler.InvalidBackend, RuntimeError) and issubclass(InvalidBackend, RuntimeError)
    with pytest.raises(RuntimeError, match="Invalid backend: 'nope'"):
        compiler.compile(_fn, backend="nope")


def test_modes_and_backends_are_torchs():
    import torch._dynamo
    names = set(torch._dynamo.list_backends(exclude_tags=()))
    assert set(compiler._BACKENDS) == {n for n in names if not n.endswith("TESTING_ONLY")}
