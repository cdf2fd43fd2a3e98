"""Every op class of the project has a forward-mode rule: a Function subclass defined in
tinygrad_edu (any module, nn included) that still has the default `jvp` (forward_ad.missing_jvp)
would raise "Trying to use forward AD with ... that does not support it" in forward mode."""
import importlib
import pkgutil

import tinygrad_edu
from tinygrad_edu.autograd.forward_ad import missing_jvp
from tinygrad_edu.autograd.function import Function

SKIP = {"tinygrad_edu.utils.tensorboard"}  # an optional extra; it defines no op


def _import_everything():
    """Every module of tinygrad_edu and of its packages that live in other folders (nn, optim)."""
    for name in ("tinygrad_edu", "tinygrad_edu.nn", "tinygrad_edu.optim", "tinygrad_edu.utils"):
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            if not any(info.name.startswith(s) for s in SKIP):
                importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_op_class_has_a_jvp():
    _import_everything()
    ours = [c for c in _subclasses(Function) if c.__module__.startswith("tinygrad_edu.")]
    assert len(ours) > 100, f"only {len(ours)} op classes found: the walk missed modules"
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in ours if c.jvp is missing_jvp)
    assert not missing, f"op classes without a forward-mode rule: {missing}"


def test_missing_rule_error_names_the_op():
    class Unfinished(Function):  # a class of ours without jvp gives torch's RuntimeError, naming the op
        @staticmethod
        def forward(ctx, x):
            return x._data * 2
    Unfinished.__module__ = "tinygrad_edu.ops.example"
    fw = tinygrad_edu.autograd.forward_ad
    with fw.dual_level():
        x = fw.make_dual(tinygrad_edu.ones(2), tinygrad_edu.ones(2))
        try:
            Unfinished.apply(x)
        except RuntimeError as e:
            assert str(e).startswith("Trying to use forward AD with unfinished that does not support it")
        else:
            raise AssertionError("no error for an op without jvp")
