"""tinygrad_edu.testing's strategies for gradient verifiers and check_op (issue 15).

The strategies must draw what they promise (domains, dtypes, strided layouts, broadcastable groups,
checked with numpy's and torch's broadcasting rules); check_op must pass correct ops and catch a
planted wrong first or second derivative, with a shrunk counterexample that torch's gradcheck
rejects too; without hypothesis the module still imports and the strategies say how to get it.
"""
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_edu as tg
from tinygrad_edu.autograd import GradcheckError
from tinygrad_edu.testing import (away_from, broadcastable_groups, broadcastable_tensors, check_op, distinct,
                                  float_dtypes, positive, tensors, unit_interval)

FEW = settings(settings.default, max_examples=8)     # check_op runs many gradchecks per example


# ---- the strategies draw what they promise -----------------------------------------------------------------
@given(positive())
def test_positive_is_positive(x):
    assert x.dtype == tg.float64 and x.requires_grad and (x._data >= 0.1).all() and (x._data <= 3).all()


@given(away_from([0.0, 1.0], margin=0.2))
def test_away_from_keeps_the_margin(x):
    d = x._data
    assert (np.abs(d) >= 0.2 - 1e-12).all() and (np.abs(d - 1.0) >= 0.2 - 1e-12).all()   # 1 - 0.8 rounds


@given(unit_interval(margin=0.05))
def test_unit_interval(x):
    assert ((x._data >= 0.05) & (x._data <= 0.95)).all()


@given(distinct(shape=st.sampled_from([(5,), (2, 3)])))
def test_distinct_values_are_apart(x):
    v = np.sort(x._data.ravel())
    assert (np.diff(v) >= 1 / 64).all()


@given(tensors(shape=(2, 3), dtype=float_dtypes()))
def test_dtype_strategy(x):
    assert x.dtype in (tg.float64, tg.float32, tg.float16)
    assert x._data.dtype == {tg.float64: np.float64, tg.float32: np.float32, tg.float16: np.float16}[x.dtype]


@pytest.mark.parametrize("layout", ["transposed", "sliced"])
@given(data=st.data())
def test_layouts_are_really_strided(layout, data):
    x = data.draw(tensors(shape=(3, 4), layout=layout))
    assert tuple(x.shape) == (3, 4) and not x.is_contiguous() and not x._data.flags.c_contiguous
    assert x.is_leaf and x.requires_grad


def test_unknown_layout_is_a_value_error():
    with pytest.raises(ValueError, match="layout must be one of"):
        tensors(layout="diagonal")


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@given(data=st.data())
def test_broadcastable_groups_broadcast_like_torch(n, data):
    import torch as torch_ref
    group = data.draw(broadcastable_groups(n, max_dims=3, max_side=4))
    assert len(group) == n and all(len(s) <= 3 and all(1 <= d <= 4 for d in s) for s in group)
    assert tuple(torch_ref.broadcast_shapes(*group)) == np.broadcast_shapes(*group)


@given(broadcastable_tensors(3))
def test_broadcastable_tensors_add_like_torch(xs):
    import torch as torch_ref
    ours = xs[0] + xs[1] + xs[2]
    t = [torch_ref.from_numpy(np.array(x._data)) for x in xs]
    assert ours._data.shape == tuple((t[0] + t[1] + t[2]).shape)


# ---- check_op -------------------------------------------------------------------------------------------------
def bad_functions(lib):
    Function = lib.autograd.Function

    class BadLog(Function):                 # first derivative wrong: 1/x^2 for 1/x
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.log()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g / (x * x)

    class FlatSquare(Function):             # first derivative right, second wrong (x detached: 0, not 2)
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x.detach()
    return BadLog, FlatSquare


def test_correct_ops_pass():
    check_op(tg.log, positive(layout="any"), settings=FEW)
    check_op(lambda x: x.abs(), away_from(0), settings=FEW)
    check_op(lambda x: x.max(), distinct(layout="any"), orders=1, settings=FEW)
    check_op(tg.atanh, unit_interval(), settings=FEW)
    check_op(lambda a, b, c: a * b - c, broadcastable_tensors(3), settings=FEW)
    check_op(tg.mul, broadcastable_tensors(2, layout="any"), settings=FEW)
    check_op(lambda a, b: a * b.sin(), *[tensors((2, 3), layout="any")] * 2, settings=FEW)


def test_planted_first_derivative_is_caught_with_a_shrunk_counterexample_torch_rejects_too(torch_ref):
    BadLog, _ = bad_functions(tg)
    with pytest.raises(GradcheckError) as info:
        check_op(BadLog.apply, positive(), orders=1, settings=FEW)
    message = str(info.value)
    assert message.startswith("check_op(BadLog.apply): gradcheck (first derivatives) fails")
    assert "numerical:" in message and "analytical:" in message
    assert info.value.order == 1 and len(info.value.counterexample) == 1
    shrunk = info.value.counterexample[0]
    assert f"input 0: {shrunk!r}" in message
    x = torch_ref.from_numpy(np.array(shrunk._data)).requires_grad_()
    assert not torch_ref.autograd.gradcheck(bad_functions(torch_ref)[0].apply, (x,), raise_exception=False)


def test_planted_second_derivative_is_caught_only_at_order_two(torch_ref):
    _, FlatSquare = bad_functions(tg)
    check_op(FlatSquare.apply, tensors((3,)), orders=1, settings=FEW)
    with pytest.raises(GradcheckError, match=r"gradgradcheck \(second derivatives\) fails"):
        check_op(FlatSquare.apply, tensors((3,)), orders=2, settings=FEW)
    x = torch_ref.rand(3, dtype=torch_ref.float64, requires_grad=True)
    flat = bad_functions(torch_ref)[1].apply
    assert torch_ref.autograd.gradcheck(flat, (x,))
    assert not torch_ref.autograd.gradgradcheck(flat, (x,), raise_exception=False)


def test_modes_and_orders():   # modes=("forward",) itself: tests/test_gradcheck_forward.py
    with pytest.raises(ValueError, match="modes"):
        check_op(tg.sin, tensors(), modes=("sideways",))
    with pytest.raises(ValueError, match="orders"):
        check_op(tg.sin, tensors(), orders=3)
    with pytest.raises(TypeError, match="at least one strategy"):
        check_op(tg.sin)


def test_gradcheck_keywords_reach_both_checks():
    BadLog, _ = bad_functions(tg)           # so loose a tolerance that the wrong derivative passes
    check_op(BadLog.apply, positive(min_value=0.5, max_value=2), orders=1, atol=10.0, rtol=10.0, settings=FEW)
    with pytest.raises(GradcheckError, match="fast mode"):
        check_op(BadLog.apply, positive(), orders=1, fast_mode=True, settings=FEW)


# ---- without hypothesis; the README's example ---------------------------------------------------------------
def test_imports_without_hypothesis():
    code = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "hypothesis" or name.startswith("hypothesis."):
                    raise ModuleNotFoundError("No module named 'hypothesis'", name=name)
        sys.meta_path.insert(0, Block())
        import tinygrad_edu
        from tinygrad_edu.testing import assert_close, positive, check_op
        assert_close(tinygrad_edu.ones(2), tinygrad_edu.ones(2))
        for f in (positive, check_op):
            try:
                f()
            except ImportError as e:
                assert "pip install hypothesis" in str(e), e
            else:
                raise SystemExit("no ImportError")
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_readme_example_catches_the_planted_derivative(capsys):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "check_op(BadLog.apply" in b]
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {})      # noqa: S102
    assert "check_op(BadLog.apply): gradcheck (first derivatives) fails" in capsys.readouterr().out
