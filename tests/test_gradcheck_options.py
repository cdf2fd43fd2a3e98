"""gradcheck / gradgradcheck against torch's (issue 11 items 8 and 18).

Item 8: non-contiguous inputs (a transposed or sliced leaf) are perturbed in their own memory, so a
correct function passes and a wrong backward still fails. Item 18: exactly torch 2.13's keywords
with its defaults; an unknown keyword is a TypeError; the forward-mode and batched options run
(more in tests/test_gradcheck_forward.py). Every case runs with torch and with
tinygrad_edu on the same function, written once for either library.
"""
import inspect

import numpy as np
import pytest

import tinygrad_edu as tg
from helpers import wrong_square


def functions(lib):
    """Test functions written against `lib` (torch or tinygrad_edu)."""
    Function = lib.autograd.Function

    WrongSquare = wrong_square(lib)       # d(x^2)/dx is 2x, not 3x

    class Nondeterministic(Function):     # right derivative, plus noise of 1e-9 relative to it
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * (2 + 1e-9 * lib.rand(g.shape, dtype=g.dtype))

    def offset(sign):                     # backward adds `sign` wherever no gradient came in
        class Offset(Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g + sign * (g == 0).to(g.dtype) * (g.abs().sum() == 0).to(g.dtype)
        return Offset

    class NanGradient(Function):          # forward is 0 * x, backward says NaN
        @staticmethod
        def forward(ctx, x):
            return x * 0

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    plus, minus = offset(1.0), offset(-1.0)
    return {
        "smooth": lambda x, y: (x.exp() * y.sin()).sum(0).sum() + x @ y.t(),
        "square": lambda x, y: x * x + y,
        "wrong": lambda x, y: WrongSquare.apply(x) + y,
        "nondet": lambda x, y: Nondeterministic.apply(x) + y,
        "cancelling": lambda x, y: (plus.apply(x), minus.apply(x) + y),
        "two_outputs": lambda x, y: (x.tanh(), (x * y).sum(1)),
        "nan_gradient": lambda x, y: NanGradient.apply(x) + y,
        "nan_values": lambda x, y: (-(x * x) - 1).sqrt() + y,
    }


def inputs(lib, layout):
    """Two float64 (4, 3) leaves: contiguous, x a transposed (3, 4) array, or both every other column
    of a (4, 6) array. from_numpy keeps the layout in both libraries."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    if layout == "transposed":
        x = np.ascontiguousarray(x.T).T
    elif layout == "sliced":
        x, y = (np.repeat(a, 2, axis=1)[:, ::2] for a in (x, y))
    return [lib.from_numpy(a).requires_grad_() for a in (x, y)]


def run(lib, name, layout="contiguous", check="gradcheck", **kw):
    fn, args = functions(lib)[name], inputs(lib, layout)
    checker = getattr(lib.autograd, check)
    try:
        return checker(fn, args, **kw)
    except Exception as e:  # noqa: BLE001  (the class is what is compared)
        return type(e).__name__


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("name", ["smooth", "square", "two_outputs", "wrong"])
def test_non_contiguous_inputs_like_torch(torch_ref, layout, fast_mode, name):
    args = inputs(tg, layout)
    if layout != "contiguous":
        assert not args[0]._data.flags.c_contiguous
    ours = run(tg, name, layout, fast_mode=fast_mode, raise_exception=False)
    assert ours == run(torch_ref, name, layout, fast_mode=fast_mode, raise_exception=False)
    assert ours is (name != "wrong")


@pytest.mark.parametrize("layout", ["transposed", "sliced"])
def test_gradgradcheck_non_contiguous_like_torch(torch_ref, layout):
    for name in ("smooth", "square", "two_outputs"):
        assert run(tg, name, layout, "gradgradcheck") is True
        assert run(torch_ref, name, layout, "gradgradcheck") is True


def test_inputs_are_restored_exactly_and_keep_their_layout():
    args = inputs(tg, "transposed")
    before = [a._data.copy() for a in args]
    strides = [a._data.strides for a in args]
    tg.autograd.gradcheck(functions(tg)["smooth"], args)
    tg.autograd.gradcheck(functions(tg)["smooth"], args, fast_mode=True)
    assert all(np.array_equal(a._data, b) for a, b in zip(args, before))
    assert [a._data.strides for a in args] == strides


def test_keywords_are_torchs(torch_ref):
    for name in ("gradcheck", "gradgradcheck"):
        ours = inspect.signature(getattr(tg.autograd, name)).parameters
        theirs = inspect.signature(getattr(torch_ref.autograd, name)).parameters
        assert list(ours) == list(theirs)
        assert [(p.kind, p.default) for p in ours.values()] == [(p.kind, p.default) for p in theirs.values()]


CASES = [  # (function, check, keywords): every keyword, at values whose effect is observable
    ("wrong", "gradcheck", {}), ("wrong", "gradcheck", {"raise_exception": False}),
    ("wrong", "gradcheck", {"atol": 10.0, "rtol": 10.0}), ("square", "gradcheck", {"atol": 0.0, "rtol": 1e-12}),
    ("square", "gradcheck", {"eps": 1e-3}), ("square", "gradcheck", {"eps": 1e-1, "atol": 1e-12, "rtol": 1e-12}),
    ("nondet", "gradcheck", {}), ("nondet", "gradcheck", {"nondet_tol": 1e-6}),
    ("nondet", "gradcheck", {"nondet_tol": 1e-6, "fast_mode": True}), ("nondet", "gradcheck", {"fast_mode": True}),
    ("cancelling", "gradcheck", {}), ("cancelling", "gradcheck", {"check_undefined_grad": False}),
    ("square", "gradcheck", {"check_grad_dtypes": True}), ("two_outputs", "gradcheck", {"check_grad_dtypes": True}),
    ("square", "gradcheck", {"check_batched_grad": False}), ("square", "gradcheck", {"check_forward_ad": False}),
    ("square", "gradcheck", {"check_batched_forward_grad": False}),
    ("square", "gradcheck", {"check_backward_ad": True}), ("square", "gradcheck", {"check_backward_ad": False}),
    ("square", "gradcheck", {"fast_mode": True}), ("wrong", "gradcheck", {"fast_mode": True}),
    ("smooth", "gradcheck", {"masked": True}), ("smooth", "gradcheck", {"masked": False}),
    ("smooth", "gradcheck", {"masked": None}), ("square", "gradcheck", {"foo": 1}),
    ("square", "gradcheck", {"grad_outputs": None}), ("wrong", "gradgradcheck", {}),
    ("wrong", "gradgradcheck", {"raise_exception": False}),
    ("smooth", "gradgradcheck", {"gen_non_contig_grad_outputs": True}),
    ("smooth", "gradgradcheck", {"fast_mode": True}),
    ("smooth", "gradgradcheck", {"eps": 1e-4, "atol": 1e-4, "rtol": 1e-2}),
    ("smooth", "gradgradcheck", {"masked": True}), ("smooth", "gradgradcheck", {"nondet_tol": 1e-9}),
    ("smooth", "gradgradcheck", {"check_undefined_grad": False}),
    ("smooth", "gradgradcheck", {"check_grad_dtypes": True}),
    ("smooth", "gradgradcheck", {"check_rev_over_rev": True}),
    ("smooth", "gradgradcheck", {"check_rev_over_rev": False}),
    ("smooth", "gradgradcheck", {"check_fwd_over_rev": False}),
    ("smooth", "gradgradcheck", {"check_batched_grad": False}),
    ("square", "gradgradcheck", {"check_forward_ad": True}), ("square", "gradgradcheck", {"bogus": True}),
    ("nan_gradient", "gradcheck", {}), ("nan_gradient", "gradcheck", {"fast_mode": True}),
    ("nan_values", "gradcheck", {}),
]


@pytest.mark.parametrize("name, check, kw", CASES, ids=[f"{c}-{n}-{sorted(k)}" for n, c, k in CASES])
def test_every_keyword_like_torch(torch_ref, name, check, kw):
    assert run(tg, name, check=check, **kw) == run(torch_ref, name, check=check, **kw)


def test_grad_outputs_given_explicitly(torch_ref):
    for lib in (tg, torch_ref):
        args = inputs(lib, "contiguous")
        go = lib.ones(4, 4, dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradgradcheck(functions(lib)["smooth"], args, go)
        assert lib.autograd.gradgradcheck(functions(lib)["smooth"], args, grad_outputs=[go])


FORWARD_OPTIONS = [  # formerly NotImplementedError here; now run, on a function whose ops have forward rules
    ("square", "gradcheck", {"check_batched_grad": True}), ("square", "gradcheck", {"check_forward_ad": True}),
    ("square", "gradcheck", {"check_batched_forward_grad": True}),
    ("square", "gradcheck", {"check_batched_forward_grad": True, "check_forward_ad": True}),
    ("square", "gradcheck", {"check_batched_grad": True, "check_forward_ad": True, "check_backward_ad": False}),
    ("square", "gradcheck", {"check_forward_ad": True, "check_backward_ad": False}),
    ("square", "gradcheck", {"check_forward_ad": True, "fast_mode": True}),
    ("square", "gradgradcheck", {"check_fwd_over_rev": True}),
    ("square", "gradgradcheck", {"check_batched_grad": True}),
    ("square", "gradgradcheck", {"check_fwd_over_rev": True, "check_rev_over_rev": False}),
    ("square", "gradgradcheck", {"check_batched_grad": True, "check_rev_over_rev": False,
                                 "check_fwd_over_rev": True}),
    ("square", "gradgradcheck", {"check_undefined_grad": False, "check_rev_over_rev": False,
                                 "check_fwd_over_rev": True}),
    ("wrong", "gradcheck", {"check_forward_ad": True, "check_backward_ad": False}),   # its jvp: missing
]


@pytest.mark.parametrize("name, check, kw", FORWARD_OPTIONS, ids=[f"{c}-{n}-{sorted(k)}" for n, c, k in FORWARD_OPTIONS])
def test_forward_ad_and_batched_options_like_torch(torch_ref, name, check, kw):
    ours = run(tg, name, check=check, **kw)
    assert ours == run(torch_ref, name, check=check, **kw)
    assert ours in (True, "AssertionError", "NotImplementedError")


def test_positional_options_and_unknown_keywords_are_type_errors():
    fn, args = functions(tg)["square"], inputs(tg, "contiguous")
    with pytest.raises(TypeError):
        tg.autograd.gradcheck(fn, args, 1e-6)
    with pytest.raises(TypeError, match="check_forward_ad"):
        tg.autograd.gradgradcheck(fn, args, check_forward_ad=True)
    with pytest.raises(TypeError, match="fast"):
        tg.autograd.gradcheck(fn, args, fastmode=True)


def test_overlapping_input_is_refused():
    x = tg.from_numpy(np.broadcast_to(np.ones(3), (2, 3))).requires_grad_()
    with pytest.raises(RuntimeError, match="stride 0"):
        tg.autograd.gradcheck(lambda a: a * 2, (x,))
