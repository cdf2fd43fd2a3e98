"""Grad-mode and inference-mode contexts, as context managers and as decorators of functions, methods
and generator functions (with and without parentheses), side by side with real torch: every snippet
is written once as a function of the library and the plain Python facts it returns are compared.

The snippets read tinygrad_edu's inference flag from tinygrad_edu.grad_mode; that the package
exports `tinygrad_edu.inference_mode` and `tinygrad_edu.is_inference_mode_enabled` as torch does is
test_exported_as_in_torch."""
import threading
import warnings

import pytest

import tinygrad_edu as tg
from tinygrad_edu import grad_mode

import torch


@pytest.fixture(autouse=True)
def grad_mode_restored():
    """Each test starts and ends with grad mode on in both libraries. (Making set_grad_enabled(False)
    switches grad off at once, and a decorator made from it restores only the mode seen when it was
    made, in torch as here: a snippet that builds several can leave the mode off.)"""
    for lib in (torch, tg):
        lib.set_grad_enabled(True)
    yield
    for lib in (torch, tg):
        lib.set_grad_enabled(True)


def both(snippet, *args):
    return snippet(torch, *args), snippet(tg, *args)


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001  (class and message are compared)
        return (type(e).__name__, str(e))


def modes(lib):
    inference = torch.is_inference_mode_enabled if lib is torch else grad_mode.is_inference_mode_enabled
    return (lib.is_grad_enabled(), inference())


def test_exported_as_in_torch():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
                 "is_inference_mode_enabled"):
        assert callable(getattr(torch, name))
        assert getattr(tg, name) is getattr(grad_mode, name), name


def graph_facts(lib):
    """What an operation on a tensor that requires grad records in the current mode."""
    x = lib.ones(3, requires_grad=True)
    y = x * 2
    return {"modes": modes(lib), "requires_grad": y.requires_grad, "no grad_fn": y.grad_fn is None}


NESTINGS = {
    "inference": lambda lib: [lib.inference_mode()],
    "inference(True)": lambda lib: [lib.inference_mode(True)],
    "inference(False)": lambda lib: [lib.inference_mode(False)],
    "inference > enable_grad": lambda lib: [lib.inference_mode(), lib.enable_grad()],
    "inference > no_grad": lambda lib: [lib.inference_mode(), lib.no_grad()],
    "inference > set_grad_enabled(True)": lambda lib: [lib.inference_mode(), lib.set_grad_enabled(True)],
    "inference > inference(False)": lambda lib: [lib.inference_mode(), lib.inference_mode(False)],
    "no_grad > inference(False)": lambda lib: [lib.no_grad(), lib.inference_mode(False)],
    "no_grad > inference": lambda lib: [lib.no_grad(), lib.inference_mode()],
    "enable_grad > inference > no_grad > enable_grad": lambda lib: [
        lib.enable_grad(), lib.inference_mode(), lib.no_grad(), lib.enable_grad()],
}


@pytest.mark.parametrize("name", sorted(NESTINGS))
def test_nested_modes_match_torch(name):
    def snippet(lib):
        facts = []
        contexts = NESTINGS[name](lib)

        def enter(level):
            if level == len(contexts):
                facts.append(graph_facts(lib))
                return
            with contexts[level] as value:
                facts.append(("as", value))
                facts.append(graph_facts(lib))
                enter(level + 1)
            facts.append(("after", modes(lib)))
        enter(0)
        return facts
    ref, ours = both(snippet)
    assert ours == ref


def test_inference_mode_attributes_and_clone_match_torch():
    def snippet(lib):
        a, b = lib.inference_mode(), lib.inference_mode(False)
        return a.mode, b.mode, a.clone().mode, b.clone().mode, type(a.clone()).__name__
    ref, ours = both(snippet)
    assert ours == ref


# ---- decorators ------------------------------------------------------------------------------------
def decorated_functions(lib):
    """The decorator forms torch accepts, each on a function reporting the mode inside. (Built in this
    order, the set_grad_enabled ones leave grad mode off afterwards, in torch as here.)"""
    forms = {"no_grad()": lib.no_grad(), "no_grad": lib.no_grad, "enable_grad()": lib.enable_grad(),
             "enable_grad": lib.enable_grad, "inference_mode()": lib.inference_mode(),
             "inference_mode": lib.inference_mode, "inference_mode(False)": lib.inference_mode(False),
             "set_grad_enabled(False)": lib.set_grad_enabled(False),
             "set_grad_enabled(True)": lib.set_grad_enabled(True)}
    out = {}
    for name, decorator in forms.items():
        def report(x, scale=2):
            """doc"""
            return graph_facts(lib), (x * scale).requires_grad
        out[name] = decorator(report)
    return out


@pytest.mark.parametrize("outer", ["none", "no_grad", "inference"])
def test_function_decorators_match_torch(outer):
    def snippet(lib):
        functions = decorated_functions(lib)  # building them must not change the mode
        facts = {"after building": modes(lib)}
        context = {"none": lib.enable_grad, "no_grad": lib.no_grad, "inference": lib.inference_mode}[outer]
        with context():
            for name, fn in functions.items():
                facts[name] = (fn(lib.ones(2, requires_grad=True), scale=3), fn.__name__, fn.__doc__,
                               modes(lib))
        facts["end"] = modes(lib)
        return facts
    ref, ours = both(snippet)
    assert ours == ref


def test_method_decorators_match_torch():
    def snippet(lib):
        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = lib.nn.Linear(2, 2)

            @lib.no_grad()
            def generate(self, x):
                return self(x), lib.is_grad_enabled()

            @lib.inference_mode()
            def predict(self, x):
                return self(x), modes(lib)

            @lib.no_grad
            def bare(self, x):
                return self(x)

            @lib.enable_grad()
            def train_step(self, x):
                return self(x)

            @staticmethod
            @lib.no_grad()
            def helper():
                return lib.is_grad_enabled()

            def forward(self, x):
                return self.lin(x)
        m, x = Model(), lib.ones(1, 2)
        gen, gen_mode = m.generate(x)
        pred, pred_modes = m.predict(x)
        with lib.no_grad():
            trained = m.train_step(x)
        return {"generate": (gen.requires_grad, gen.grad_fn is None, gen_mode),
                "predict": (pred.requires_grad, pred_modes), "bare": m.bare(x).requires_grad,
                "train_step": (trained.requires_grad, trained.grad_fn is None), "helper": Model.helper(),
                "name": Model.generate.__name__, "end": modes(lib)}
    ref, ours = both(snippet)
    assert ours == ref


def test_decorated_function_restores_the_mode_after_an_error():
    def snippet(lib):
        @lib.inference_mode()
        def fails():
            raise KeyError("boom")
        result = outcome(fails)
        return result, modes(lib)
    ref, ours = both(snippet)
    assert ours == ref


def test_decorated_recursion_runs_each_call_in_its_own_context():
    def snippet(lib):
        seen = []

        @lib.no_grad()
        def down(k):
            seen.append(lib.is_grad_enabled())
            if k:
                with lib.enable_grad():
                    seen.append(lib.is_grad_enabled())
                    down(k - 1)
                    seen.append(lib.is_grad_enabled())
            return k
        down(2)
        return seen, lib.is_grad_enabled()
    ref, ours = both(snippet)
    assert ours == ref


@pytest.mark.parametrize("value", [0, 1, None, "yes", 1.0, print])
def test_set_grad_enabled_takes_only_bools_as_torch(value):
    def snippet(lib):
        result = outcome(lambda: lib.set_grad_enabled(value))
        state = lib.is_grad_enabled()
        lib.set_grad_enabled(True)
        return result[0], result[1] if result[0] != "ok" else None, state
    ref, ours = both(snippet)
    assert ours == ref


def test_decorating_a_class_warns_as_torch():
    def snippet(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")

            @lib.no_grad()
            class Box:
                def __init__(self, x):
                    self.y = x * 2
        box = Box(lib.ones(1, requires_grad=True))
        return [(w.category.__name__, str(w.message)) for w in caught], box.y.requires_grad, type(Box).__name__
    ref, ours = both(snippet)
    assert ours == ref


# ---- generator functions -------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["no_grad()", "no_grad", "enable_grad()", "inference_mode()", "inference_mode",
                                  "set_grad_enabled(False)"])
def test_generator_functions_switch_mode_per_step(form):
    def snippet(lib):
        decorator = {"no_grad()": lib.no_grad, "no_grad": lambda: lib.no_grad, "enable_grad()": lib.enable_grad,
                     "inference_mode()": lib.inference_mode, "inference_mode": lambda: lib.inference_mode,
                     "set_grad_enabled(False)": lambda: lib.set_grad_enabled(False)}[form]()

        @decorator
        def steps(x):
            got = yield ("start", graph_facts(lib))
            while got is not None:
                try:
                    got = yield ("got", got, modes(lib), (x * 2).requires_grad)
                except ValueError as e:
                    got = yield ("caught", str(e), modes(lib))
            return "done"
        facts = []
        with lib.no_grad() if form.startswith("enable") else lib.enable_grad():
            gen = steps(lib.ones(2, requires_grad=True))
            facts.append(("before start", modes(lib)))
            facts.append(next(gen))
            facts.append(("between", modes(lib)))
            facts.append(gen.send(5))
            facts.append(gen.throw(ValueError("bad")))
            facts.append(gen.send(7))
            try:
                gen.send(None)
            except StopIteration as stop:
                facts.append(("stop", stop.value, modes(lib)))
            closing = steps(lib.ones(1))
            next(closing)
            closing.close()
            facts.append(("closed", modes(lib)))
        return facts, modes(lib), steps.__name__
    ref, ours = both(snippet)
    assert ours == ref


def test_generator_yield_from_gets_the_return_value():
    def snippet(lib):
        @lib.no_grad()
        def inner():
            yield lib.is_grad_enabled()
            return "value"

        def outer():
            result = yield from inner()
            yield result, lib.is_grad_enabled()
        return list(outer())
    ref, ours = both(snippet)
    assert ours == ref


# ---- threads -----------------------------------------------------------------------------------------
def test_inference_mode_is_thread_local():
    def snippet(lib):
        seen = {}
        inside, done = threading.Event(), threading.Event()

        def worker():
            with lib.inference_mode():
                seen["worker"] = modes(lib)
                inside.set()
                done.wait(5)
        thread = threading.Thread(target=worker)
        thread.start()
        inside.wait(5)
        seen["main"] = graph_facts(lib)
        done.set()
        thread.join()
        return seen
    ref, ours = both(snippet)
    assert ours == ref
