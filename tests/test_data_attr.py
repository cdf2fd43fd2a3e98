"""`.data` behaves as in real torch: each snippet is written once as a function of the library and
run on torch and on tinygrad_edu; the plain Python values they return (lists, bools, names,
version counts) are compared. Random draws are compared by their properties only (our streams are
numpy's, not torch's).
"""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.autograd  # noqa: F401  (autograd.Function, gradcheck)
import tinygrad_edu.nn  # noqa: F401

import torch


def both(snippet, *args):
    """snippet(lib, *args) on torch, then on tinygrad_edu: (torch's result, ours)."""
    return snippet(torch, *args), snippet(tg, *args)


def outcome(fn):
    """('ok', fn()) or the name of the exception class fn raised."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001  (the class is what we compare)
        return (type(e).__name__,)


def version(t):
    """The version count: torch's `_version` is an int, ours a one-element list."""
    v = t._version
    return v if isinstance(v, int) else v[0]


def shares(a, b):
    """Whether two tensors of the same library share memory (read through detached numpy views)."""
    return bool(np.shares_memory(a.detach().numpy(), b.detach().numpy()))


def _graph_facts(t):
    return {"requires_grad": t.requires_grad, "grad_fn": t.grad_fn is None, "is_leaf": t.is_leaf}


# ---- what x.data is ---------------------------------------------------------------------------
@pytest.mark.parametrize("make", ["tensor", "parameter", "non_leaf", "view"])
def test_data_is_a_plain_detached_tensor_sharing_the_array(make):
    def snippet(lib):
        x = root = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        if make == "parameter":
            x = lib.nn.Parameter(lib.ones(2, 3))
        elif make == "non_leaf":
            x = x * 2
        elif make == "view":
            x = x[1]
        d = x.data
        facts = {"plain Tensor": type(d) is lib.Tensor, "is Parameter": isinstance(d, lib.nn.Parameter),
                 "fresh object": d is not x and x.data is not d, "shape": list(d.shape),
                 "dtype": str(d.dtype).split(".")[-1], "shares": shares(d, x), "repr": repr(d),
                 **_graph_facts(d), "x keeps its place": _graph_facts(x),
                 "ops on it record": (d * 2).requires_grad}
        d[0] = 7.0  # writes through it show in x
        d.mul_(2)
        facts["x after writes"], facts["root after writes"] = x.tolist(), root.tolist()
        facts["root stays a leaf"] = _graph_facts(root)
        return facts
    ref, ours = both(snippet)
    assert ours == ref


def test_data_has_its_own_version_counter():
    def snippet(lib):
        x = lib.ones(3, requires_grad=True)
        d = x.data
        d.add_(1)
        d.mul_(3)
        counts = {"x after d ops": version(x), "d after two ops": version(d), "new .data": version(x.data)}
        d2 = x.data
        with lib.no_grad():
            x.add_(1)  # bumps x's own counter, not the one of a .data taken before
        counts.update({"x after own op": version(x), "d2": version(d2), "values": d2.tolist()})
        return counts
    ref, ours = both(snippet)
    assert ours == ref


# ---- in-place changes through .data are not seen by autograd -----------------------------------
@pytest.mark.parametrize("case", ["mul_saves_inputs", "exp_saves_output", "sigmoid_saves_output"])
def test_inplace_through_data_is_invisible_to_autograd(case):
    def snippet(lib):
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        if case == "mul_saves_inputs":
            y, change = (w * w).sum(), w
        else:
            h = w.exp() if case == "exp_saves_output" else w.sigmoid()
            y, change = (h * 3).sum(), h
        change.data.mul_(2)
        y.backward()  # succeeds, and uses the modified values
        return w.grad.tolist(), version(w), version(change)
    ref, ours = both(snippet)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-6)
    assert ours[1:] == ref[1:]


def test_the_same_change_made_on_the_tensor_itself_is_refused_by_backward():
    def snippet(lib):
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        y = (w * w).sum()
        with lib.no_grad():
            w.mul_(2)
        return outcome(y.backward)
    ref, ours = both(snippet)
    assert ref == ("RuntimeError",)
    assert ours == ref


# ---- x.data = t ----------------------------------------------------------------------------------
@pytest.mark.parametrize("new", ["same_shape", "new_shape_float64", "parameter"])
def test_assigning_data_replaces_the_values_and_keeps_the_place_in_the_graph(new):
    def snippet(lib):
        w = lib.nn.Parameter(lib.zeros(3))
        t = {"same_shape": lambda: lib.tensor([4.0, 5.0, 6.0]),
             "new_shape_float64": lambda: lib.ones(2, 2, dtype=lib.float64),
             "parameter": lambda: lib.nn.Parameter(lib.full((4,), 2.0))}[new]()
        w.data = t
        facts = {"type": type(w).__name__, "shape": list(w.shape), "dtype": str(w.dtype).split(".")[-1],
                 "values": w.tolist(), "shares with t": shares(w, t), "version": version(w),
                 **_graph_facts(w)}
        (w * w).sum().backward()  # a new graph on the new values
        facts["grad"] = w.grad.tolist()
        return facts
    ref, ours = both(snippet)
    assert ours == ref


@pytest.mark.parametrize("value", ["list", "ndarray", "float", "None", "int_tensor", "bool_tensor",
                                   "int_tensor_on_plain_tensor"])
def test_assigning_data_refuses_what_torch_refuses(value):
    def snippet(lib):
        w = lib.ones(2, requires_grad=value != "int_tensor_on_plain_tensor")
        new = {"list": lambda: [1.0, 2.0], "ndarray": lambda: np.ones(2), "float": lambda: 3.0,
               "None": lambda: None, "bool_tensor": lambda: lib.tensor([True, False])
               }.get(value, lambda: lib.tensor([1, 2]))()
        result = outcome(lambda: setattr(w, "data", new))
        return result, w.tolist(), str(w.dtype).split(".")[-1], w.requires_grad
    ref, ours = both(snippet)
    assert ref[0][0] == ("ok" if value == "int_tensor_on_plain_tensor" else
                         "TypeError" if "tensor" not in value else "RuntimeError")
    assert ours == ref


@pytest.mark.parametrize("value", [[1.0, 2.0], np.ones(2), 3.0, None], ids=["list", "ndarray", "float", "None"])
def test_assigning_a_non_tensor_gives_torchs_message(value):
    def message(lib):
        with pytest.raises(TypeError) as info:
            lib.ones(2, requires_grad=True).data = value
        return str(info.value)
    ref, ours = both(message)
    assert ours == ref


@pytest.mark.parametrize("new", [[5.0, 5.0, 5.0], [5.0, 5.0]], ids=["same_shape", "new_shape"])
def test_an_old_graph_uses_the_assigned_values_at_backward(new):
    def snippet(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (w * w).sum()
        w.data = lib.tensor(new)
        return outcome(lambda: (y.backward(), w.grad.tolist())[1])  # torch: RuntimeError on a new shape
    ref, ours = both(snippet)
    assert ref[0] == ("ok" if len(new) == 3 else "RuntimeError")
    assert ours == ref


# ---- the everyday idioms ----------------------------------------------------------------------
def test_grad_data_zero_then_backward_accumulates_into_the_same_grad():
    def snippet(lib):
        p = lib.tensor([1.0, 2.0], requires_grad=True)
        (p * 3).sum().backward()
        g = p.grad
        g.data.zero_()
        zeroed = p.grad.tolist()
        (p * p).sum().backward()
        return zeroed, p.grad.tolist(), p.grad is g, g.tolist()
    ref, ours = both(snippet)
    assert ours == ref


@pytest.mark.parametrize("method", ["clone", "cpu"])
def test_data_clone_copies_and_data_cpu_shares(method):
    def snippet(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        c = getattr(x.data, method)()
        facts = (type(c) is lib.Tensor, _graph_facts(c), shares(c, x))
        c.add_(1)
        return facts, x.tolist(), c.tolist(), _graph_facts(x)
    ref, ours = both(snippet)
    assert ours == ref


@pytest.mark.parametrize("make", ["tensor", "parameter"])
def test_data_numpy_works_on_a_tensor_that_requires_grad_and_shares_memory(make):
    def snippet(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        if make == "parameter":
            x = lib.nn.Parameter(lib.tensor([1.0, 2.0, 3.0]))
        direct = outcome(x.numpy)[0]  # refused: x requires grad
        a = x.data.numpy()
        a[0] = 7.0  # writes through the array show in x
        same = bool(np.shares_memory(a, x.detach().numpy()))
        return direct, type(a).__name__, str(a.dtype), x.tolist(), same
    ref, ours = both(snippet)
    assert ref[0] == "RuntimeError"
    assert ours == ref


@pytest.mark.parametrize("src", ["broadcast_int", "requires_grad", "wrong_shape"])
def test_data_copy_fills_x_without_recording(src):
    def snippet(lib):
        x = lib.zeros(2, 3, requires_grad=True)
        s = {"broadcast_int": lambda: lib.tensor([1, 2, 3]),
             "requires_grad": lambda: lib.ones(2, 3, requires_grad=True),
             "wrong_shape": lambda: lib.ones(4)}[src]()
        result = outcome(lambda: x.data.copy_(s).requires_grad)
        return (result, x.tolist(), str(x.dtype).split(".")[-1], _graph_facts(x), version(x))
    ref, ours = both(snippet)
    assert ours == ref


# each fill: the call, and the check of the values it left (torch's own draws pass it too)
FILLS = {"uniform_": (lambda d: d.uniform_(-2.0, 3.0),
                      lambda a: a.min() >= -2.0 and a.max() < 3.0 and abs(a.mean() - 0.5) < 0.1
                      and abs(a.std() - 5 / np.sqrt(12)) < 0.05),
         "normal_": (lambda d: d.normal_(0, 0.02),
                     lambda a: abs(a.mean()) < 0.001 and abs(a.std() - 0.02) < 0.001),
         "fill_": (lambda d: d.fill_(2.5), lambda a: bool((a == 2.5).all()))}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fill", list(FILLS))
def test_data_fills_in_place_and_records_nothing(fill, dtype):
    def snippet(lib):
        lib.manual_seed(0)
        u = lib.zeros(20000, dtype=getattr(lib, dtype), requires_grad=True)
        returned = FILLS[fill][0](u.data)
        facts = {"values ok": bool(FILLS[fill][1](u.detach().numpy())),
                 "returns a tensor on u": shares(returned, u), "dtype": str(u.dtype).split(".")[-1],
                 "shape": list(u.shape), "version": version(u), **_graph_facts(u)}
        (u * 2).sum().backward()  # u is usable as a leaf afterwards
        facts["grad"] = np.unique(u.grad.numpy()).tolist()
        return facts
    ref, ours = both(snippet)
    assert ref["values ok"]
    assert ours == ref


def test_linear_weight_data_normal_and_bias_data_zero():
    def snippet(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(200, 100)
        m.weight.data.normal_(0, 0.02)
        m.bias.data.zero_()
        w = m.weight.detach().numpy()
        facts = {"types": [type(p).__name__ for p in m.parameters()], "version": version(m.weight),
                 "bias": m.bias.tolist() == [0.0] * 100,
                 "params": [_graph_facts(p) for p in m.parameters()],
                 "mean ok": abs(w.mean()) < 0.001, "std ok": abs(w.std() - 0.02) < 0.001}
        m(lib.ones(3, 200)).sum().backward()
        facts["grad shapes"] = [list(p.grad.shape) for p in m.parameters()]
        return facts
    ref, ours = both(snippet)
    assert ours == ref


@pytest.mark.parametrize("style", ["add_alpha", "add_alpha_grad_data", "isub", "reassign"])
def test_manual_sgd_steps_through_data_give_torchs_numbers(style):
    def snippet(lib):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x = lib.tensor([[0.5, -1.0], [2.0, 1.0]])
        lr, steps = 0.1, []
        for _ in range(3):
            ((x @ w) ** 2).mean().backward()
            if style == "add_alpha":
                w.data.add_(w.grad, alpha=-lr)
            elif style == "add_alpha_grad_data":
                w.data.add_(w.grad.data, alpha=-lr)
            elif style == "isub":
                w.data -= lr * w.grad
            else:
                w.data = w.data - lr * w.grad.data
            w.grad.data.zero_()
            steps.append(w.tolist())
        return steps, _graph_facts(w), version(w)
    ref, ours = both(snippet)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-6)
    assert ours[1:] == ref[1:]


def test_setitem_through_data_on_a_leaf_that_requires_grad():
    def snippet(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        direct = outcome(lambda: w.__setitem__(0, 5.0))[0]  # refused on the leaf itself
        w.data[0] = 5.0
        w.data[w.data > 2.5] = 0.0
        w.data *= 0.5  # getter, in-place multiply, then the setter with the same storage
        return direct, w.tolist(), _graph_facts(w), version(w)
    ref, ours = both(snippet)
    assert ref[0] == "RuntimeError"
    assert ours == ref


# ---- a custom autograd.Function written the way a torch user writes one ------------------------
def _user_functions(lib, seen):
    """The torch tutorial's MyReLU and LegendrePolynomial3, and a two-input op with a constant."""
    def note(where, *tensors):
        seen[where] = [type(t).__name__ for t in tensors]  # torch: plain Tensors throughout

    class MyReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            note("relu forward", x)
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            note("relu backward", x, grad_output)
            grad_input = grad_output.clone()
            grad_input[x < 0] = 0
            return grad_input

    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x ** 2 - 1)

    class ScaledMulExp(lib.autograd.Function):  # k * a * exp(b), k a plain float
        @staticmethod
        def forward(ctx, a, b, k):
            note("mulexp forward", a, b)
            seen["grad mode in forward"] = lib.is_grad_enabled()
            e = b.exp()
            ctx.save_for_backward(a, e)
            ctx.k = k
            return k * a * e

        @staticmethod
        def backward(ctx, grad_output):
            a, e = ctx.saved_tensors
            note("mulexp backward", a, e, grad_output)
            seen["needs_input_grad"] = tuple(ctx.needs_input_grad)
            ga = grad_output * ctx.k * e if ctx.needs_input_grad[0] else None
            gb = grad_output * ctx.k * a * e if ctx.needs_input_grad[1] else None
            return ga, gb, None

    return MyReLU, LegendrePolynomial3, ScaledMulExp


def test_custom_function_gets_tensors_and_gives_torchs_values_and_gradients():
    def snippet(lib):
        seen = {}
        relu, legendre, mulexp = _user_functions(lib, seen)
        x = lib.tensor([1.0, -2.0, 0.5, -0.25], requires_grad=True)
        b = lib.tensor([0.3, -1.0, 2.0, 0.0], requires_grad=True)
        outs = [relu.apply(x), legendre.apply(x), mulexp.apply(x, b, 1.5)]
        sum(o.sum() for o in outs).backward()
        c = lib.tensor([2.0, 3.0, 4.0, 5.0])  # a second input that needs no gradient
        (mulexp.apply(x, c, 2.0) * 2).sum().backward()
        return {"values": [o.tolist() for o in outs], "x.grad": x.grad.tolist(), "b.grad": b.grad.tolist(),
                "names": [o.grad_fn.name() for o in outs], "seen": seen,
                "outputs": [_graph_facts(o) for o in outs]}
    ref, ours = both(snippet)
    for key in ("values", "x.grad", "b.grad"):
        np.testing.assert_allclose(ours[key], ref[key], rtol=1e-6, err_msg=key)
    assert {k: ours[k] for k in ("names", "seen", "outputs")} == \
           {k: ref[k] for k in ("names", "seen", "outputs")}


@pytest.mark.parametrize("which", ["MyReLU", "LegendrePolynomial3", "ScaledMulExp"])
def test_gradcheck_passes_on_a_torch_style_function_in_float64(which):
    def snippet(lib):
        relu, legendre, mulexp = _user_functions(lib, {})
        x = lib.tensor([0.7, -1.3, 0.4, 2.1], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([0.3, -1.0, 0.5, 0.1], dtype=lib.float64, requires_grad=True)
        fn, inputs = {"MyReLU": (relu.apply, (x,)), "LegendrePolynomial3": (legendre.apply, (x,)),
                      "ScaledMulExp": (lambda a, c: mulexp.apply(a, c, 1.5), (x, b))}[which]
        first = outcome(lambda: lib.autograd.gradcheck(fn, inputs))
        second = outcome(lambda: lib.autograd.gradgradcheck(fn, inputs)) if which != "MyReLU" else None
        return first, second
    ref, ours = both(snippet)
    assert ref[0] == ("ok", True)
    assert ours == ref
