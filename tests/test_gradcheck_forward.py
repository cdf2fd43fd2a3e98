"""gradcheck's forward-mode and batched options (issue 15), against torch 2.13's gradcheck on the same
custom Functions, written once for either library; and check_op(modes=("forward",)).

The Functions use only ops whose forward rules exist (mul, add), so what is checked is gradcheck's own
forward-mode machinery: a planted wrong `jvp` (with a right backward) must be caught with torch's
exception class and message, in slow and fast mode, and a right one must pass.
"""
import numpy as np
import pytest
from hypothesis import settings

import tinygrad_edu as tg
from tinygrad_edu.testing import check_op, tensors

import torch
FEW = settings(settings.default, max_examples=6, deadline=None)


def functions(lib):
    """Custom Functions of `lib`: f(x) = x^2 with a right or wrong backward / jvp, two-input and
    two-output ones, and a cube whose backward uses a square with a wrong jvp (fwd-over-rev)."""
    Function = lib.autograd.Function

    def square(jvp_factor, backward_factor):
        class Square(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                ctx.save_for_forward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * backward_factor * x

            @staticmethod
            def jvp(ctx, t):
                (x,) = ctx.saved_tensors
                return t * jvp_factor * x
        return Square

    class Product(Function):              # x * y, its jvp wrong in y only
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            ctx.x, ctx.y = x, y
            return x * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x

        @staticmethod
        def jvp(ctx, tx, ty):
            return tx * ctx.y + ty * ctx.x * 2

    class TwoOutputs(Function):           # (2x, x^2), the second tangent wrong
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.x = x
            return x * 2, x * x

        @staticmethod
        def backward(ctx, g1, g2):
            (x,) = ctx.saved_tensors
            return g1 * 2 + g2 * 2 * x

        @staticmethod
        def jvp(ctx, t):
            return t * 2, t * ctx.x

    class NoBackward(Function):           # forward mode only
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_forward(x)
            return x * x

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return t * 2 * x

    class ThreeSquares(Function):         # 3x^2: right backward (6x), wrong jvp (9x)
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.x = x
            return x * x * 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 6 * x

        @staticmethod
        def jvp(ctx, t):
            return t * 9 * ctx.x

    class Cube(Function):                 # x^3, right backward and jvp; its backward uses ThreeSquares
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.x = x
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ThreeSquares.apply(x)

        @staticmethod
        def jvp(ctx, t):
            return t * 3 * ctx.x * ctx.x

    class Noisy(Function):                # x^2, backward / jvp with random noise (batched checks)
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x * (1 + 1e-3 * lib.rand(x.shape, dtype=x.dtype))

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return t * 2 * x * (1 + 1e-3 * lib.rand(x.shape, dtype=x.dtype))

    return {"right": square(2, 2).apply, "wrong_jvp": square(3, 2).apply, "wrong_backward": square(2, 3).apply,
            "product": Product.apply, "two_outputs": TwoOutputs.apply, "no_backward": NoBackward.apply,
            "cube": Cube.apply, "noisy": Noisy.apply}


def leaves(lib, n=1, layout="contiguous"):
    rng = np.random.default_rng(1)
    arrays = [rng.uniform(0.5, 2.0, (3, 2)) for _ in range(n)]
    if layout == "transposed":
        arrays = [np.ascontiguousarray(a.T).T for a in arrays]
    return tuple(lib.from_numpy(a).requires_grad_() for a in arrays)


def outcome(lib, name, check="gradcheck", n=1, layout="contiguous", **kw):
    """True / False, or (exception class name, first line of its message)."""
    try:
        return getattr(lib.autograd, check)(functions(lib)[name], leaves(lib, n, layout), **kw)
    except Exception as e:  # noqa: BLE001  (class and message are what is compared)
        return type(e).__name__, str(e).split("\n")[0]


FORWARD = "Jacobian computed with forward mode mismatch for output {} with respect to input {},"
CASES = [  # (function, inputs, check, keywords, what torch gives)
    ("wrong_jvp", 1, "gradcheck", {"check_forward_ad": True}, ("GradcheckError", FORWARD.format(0, 0))),
    ("wrong_jvp", 1, "gradcheck", {"check_forward_ad": True, "fast_mode": True},
     ("GradcheckError", FORWARD.format(0, 0))),
    ("wrong_jvp", 1, "gradcheck", {"check_forward_ad": True, "check_backward_ad": False},
     ("GradcheckError", FORWARD.format(0, 0))),
    ("wrong_jvp", 1, "gradcheck", {"check_forward_ad": True, "raise_exception": False}, False),
    ("wrong_jvp", 1, "gradcheck", {"check_forward_ad": True, "fast_mode": True, "raise_exception": False}, False),
    ("wrong_jvp", 1, "gradcheck", {"check_forward_ad": True, "atol": 10.0, "rtol": 10.0}, True),
    ("wrong_jvp", 1, "gradcheck", {}, True),                            # backward alone is right
    ("wrong_jvp", 1, "gradcheck", {"fast_mode": True}, True),
    ("right", 1, "gradcheck", {"check_forward_ad": True}, True),
    ("right", 1, "gradcheck", {"check_forward_ad": True, "fast_mode": True}, True),
    ("right", 1, "gradcheck", {"check_forward_ad": True, "check_backward_ad": False, "fast_mode": True}, True),
    ("right", 1, "gradcheck", {"check_forward_ad": True, "check_undefined_grad": False}, True),
    ("right", 1, "gradcheck", {"check_forward_ad": True, "check_grad_dtypes": True}, True),
    ("right", 1, "gradcheck", {"check_forward_ad": True, "masked": True}, True),
    ("wrong_jvp", 1, "gradcheck", {"check_forward_ad": True, "masked": True}, ("GradcheckError", FORWARD.format(0, 0))),
    ("wrong_backward", 1, "gradcheck", {"check_forward_ad": True, "check_backward_ad": False}, True),
    ("wrong_backward", 1, "gradcheck", {"check_forward_ad": True, "fast_mode": True},
     ("GradcheckError", "Jacobian mismatch for output 0 with respect to input 0,")),
    ("wrong_backward", 1, "gradcheck", {"fast_mode": True, "masked": True},
     ("GradcheckError", "Jacobian mismatch for output 0 with respect to input 0,")),
    ("product", 2, "gradcheck", {"check_forward_ad": True}, ("GradcheckError", FORWARD.format(0, 1))),
    ("product", 2, "gradcheck", {"check_forward_ad": True, "fast_mode": True},
     ("GradcheckError", FORWARD.format(0, 1))),
    ("two_outputs", 1, "gradcheck", {"check_forward_ad": True}, ("GradcheckError", FORWARD.format(1, 0))),
    ("two_outputs", 1, "gradcheck", {"check_forward_ad": True, "fast_mode": True},
     ("GradcheckError", FORWARD.format(1, 0))),
    ("no_backward", 1, "gradcheck", {"check_forward_ad": True, "check_backward_ad": False}, True),
    ("no_backward", 1, "gradcheck", {"check_forward_ad": True, "check_backward_ad": False,
                                     "check_batched_forward_grad": True}, True),
    ("right", 1, "gradcheck", {"check_forward_ad": True, "check_batched_forward_grad": True,
                               "check_batched_grad": True}, True),
    ("cube", 1, "gradgradcheck", {}, True),                             # reverse over reverse: right
    ("cube", 1, "gradcheck", {"check_forward_ad": True}, True),
    ("cube", 1, "gradgradcheck", {"check_fwd_over_rev": True}, ("GradcheckError", FORWARD.format(0, 0))),
    ("cube", 1, "gradgradcheck", {"check_fwd_over_rev": True, "check_rev_over_rev": False,
                                  "check_undefined_grad": False}, ("GradcheckError", FORWARD.format(0, 0))),
    ("cube", 1, "gradgradcheck", {"check_fwd_over_rev": True, "fast_mode": True},
     ("GradcheckError", FORWARD.format(0, 0))),
    ("right", 1, "gradgradcheck", {"check_fwd_over_rev": True, "check_batched_grad": True}, True),
]


@pytest.mark.parametrize("name, n, check, kw, expected", CASES,
                         ids=[f"{c}-{name}-{sorted(kw)}" for name, _, c, kw, _ in CASES])
def test_forward_mode_options_like_torch(name, n, check, kw, expected):
    assert outcome(torch, name, check, n, **kw) == expected          # the expectation is torch's
    assert outcome(tg, name, check, n, **kw) == expected


@pytest.mark.parametrize("fast_mode", [False, True])
def test_transposed_input_in_forward_mode(fast_mode):
    for lib in (torch, tg):
        assert outcome(lib, "right", layout="transposed", check_forward_ad=True, fast_mode=fast_mode) is True
        assert outcome(lib, "wrong_jvp", layout="transposed", check_forward_ad=True,
                       fast_mode=fast_mode) == ("GradcheckError", FORWARD.format(0, 0))


def test_failure_shows_the_forward_jacobian():
    """The analytical Jacobian in the message is the forward-mode one (3x on the diagonal), as torch's."""
    x = leaves(tg)[0]
    with pytest.raises(tg.autograd.GradcheckError) as ours:
        tg.autograd.gradcheck(functions(tg)["wrong_jvp"], (x,), check_forward_ad=True)
    diag = 3 * x.detach().numpy().ravel()          # analytical: the planted 3x; numerical: 2x
    analytical = str(ours.value).split("analytical:\n")[1]
    rows = np.array([[float(v) for v in line.strip(" []").split()] for line in analytical.split("\n")[:6]])
    np.testing.assert_allclose(np.diag(rows), diag, rtol=1e-6)
    tx = torch.from_numpy(x.detach().numpy()).requires_grad_()
    with pytest.raises(RuntimeError, match="(?s)numerical:.*analytical:"):
        torch.autograd.gradcheck(functions(torch)["wrong_jvp"], (tx,), check_forward_ad=True)
    assert type(ours.value).__name__ == "GradcheckError" and isinstance(ours.value, RuntimeError)


@pytest.mark.parametrize("option", ["check_batched_grad", "check_batched_forward_grad"])
def test_batched_checks_catch_randomness_like_torch(option):
    """vmap in randomness='error' mode refuses a draw from the generator, in torch and here: the batched
    check fails with 'While computing batched gradients' (the Jacobian checks pass: loose tolerances)."""
    kw = {option: True, "check_forward_ad": True, "nondet_tol": 1.0, "atol": 1e-1, "rtol": 1e-1}
    expected = outcome(torch, "noisy", **kw)
    assert expected[0] == "GradcheckError" and expected[1].startswith("While computing batched gradients, got:")
    ours = outcome(tg, "noisy", **kw)
    assert ours[0] == "GradcheckError" and ours[1].startswith("While computing batched gradients, got:")


def test_batched_check_catches_a_batched_mismatch(monkeypatch):
    """A vmap that mis-stacks (here: the entries in reverse order) is caught by check_batched_grad,
    with torch's message layout ("For output 0 and input 0:", Got / Expected)."""
    from tinygrad_edu import _vmap
    real = _vmap.vmap

    def reversed_vmap(fn, *a, **k):
        mapped = real(fn, *a, **k)
        return lambda batch: tuple(r.flip(0) for r in mapped(batch))
    monkeypatch.setattr(_vmap, "vmap", reversed_vmap)
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    with pytest.raises(tg.autograd.GradcheckError, match=r"(?s)For output 0 and input 0:.*Got:.*Expected:"):
        tg.autograd.gradcheck(lambda a: a * a, (x,), check_batched_grad=True)


def test_forward_dtype_mismatch_with_check_grad_dtypes():
    class Float32Tangent(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

        @staticmethod
        def jvp(ctx, t):
            return (t * 2).float()
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    with pytest.raises(tg.autograd.GradcheckError, match="Forward AD gradient has dtype mismatch."):
        tg.autograd.gradcheck(Float32Tangent.apply, (x,), check_forward_ad=True, check_grad_dtypes=True)


def test_argument_errors_like_torch():
    for kw in ({"check_batched_forward_grad": True}, {"check_batched_grad": True, "check_backward_ad": False,
                                                      "check_forward_ad": True},
               {"check_forward_ad": False, "check_backward_ad": False}):
        expected = outcome(torch, "right", **kw)
        assert expected[0] == "AssertionError" and outcome(tg, "right", **kw) == expected
    for kw in ({"check_rev_over_rev": False, "check_fwd_over_rev": True},
               {"check_rev_over_rev": False, "check_fwd_over_rev": True, "check_undefined_grad": False,
                "check_batched_grad": True}):
        expected = outcome(torch, "right", "gradgradcheck", **kw)
        assert expected[0] == "AssertionError" and outcome(tg, "right", "gradgradcheck", **kw) == expected


def test_missing_jvp_is_torchs_not_implemented_error():
    for lib in (torch, tg):
        class NoJvp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        x = lib.ones(2, dtype=lib.float64, requires_grad=True)
        with pytest.raises(NotImplementedError, match="You must implement the jvp function for custom "
                                                      "autograd.Function to use it with forward mode AD."):
            lib.autograd.gradcheck(NoJvp.apply, (x,), check_forward_ad=True)


# ---- check_op(modes=("forward",)) ----------------------------------------------------------------------

def test_check_op_forward_mode_catches_a_planted_wrong_jvp():
    fns = functions(tg)
    check_op(fns["wrong_jvp"], tensors((3,), min_value=0.5), orders=1, settings=FEW)   # reverse: right
    check_op(fns["right"], tensors((3,), min_value=0.5), orders=1, modes=("reverse", "forward"), settings=FEW)
    with pytest.raises(tg.autograd.GradcheckError, match=r"check_op\(Square.apply\): gradcheck with forward-mode "
                                                         r"AD \(first derivatives, check_forward_ad\) fails") as err:
        check_op(fns["wrong_jvp"], tensors(shapes_of(3)), orders=1, modes=("reverse", "forward"), settings=FEW)
    assert err.value.mode == "forward" and err.value.order == 1
    (x,) = err.value.counterexample
    assert x.shape == (1,)                       # shrunk to a single element
    assert FORWARD.format(0, 0) in str(err.value)


def test_check_op_forward_over_reverse_second_order():
    cube = functions(tg)["cube"]
    check_op(cube, tensors((2,), min_value=0.5), orders=2, settings=FEW)                # reverse: right
    with pytest.raises(tg.autograd.GradcheckError, match=r"gradgradcheck forward-over-reverse") as err:
        check_op(cube, tensors((2,), min_value=0.5), orders=2, modes="forward", settings=FEW)
    assert err.value.order == 2 and err.value.mode == "forward"


def shapes_of(max_side):
    from tinygrad_edu.testing import shapes
    return shapes(min_dims=1, max_dims=1, max_side=max_side)


def test_readme_forward_mode_example_catches_the_planted_jvp(capsys):
    import re
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "check_op(BadCube.apply" in b]
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {})      # noqa: S102
    out = capsys.readouterr().out
    assert "check_op(BadCube.apply): gradcheck with forward-mode AD" in out
    assert "Jacobian computed with forward mode mismatch for output 0 with respect to input 0" in out


@pytest.mark.parametrize("fast_mode", [False, True])
def test_zero_dim_input_in_forward_mode(fast_mode):
    for lib in (torch, tg):
        fns = functions(lib)
        x = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradcheck(fns["right"], (x,), check_forward_ad=True, fast_mode=fast_mode,
                                      check_batched_forward_grad=True)
        assert not lib.autograd.gradcheck(fns["wrong_jvp"], (x,), check_forward_ad=True, fast_mode=fast_mode,
                                          raise_exception=False)
