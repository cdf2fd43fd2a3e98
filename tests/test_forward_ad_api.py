"""autograd.forward_ad's API and custom Functions in forward mode (issue 15), against torch 2.13.

Every scenario is written once and run on both libraries (`lib` is torch or tinygrad_edu); the
outcome, values or exception class and message, must be torch's. Values are float64.
"""
import numpy as np
import pytest

import tinygrad_edu as tg

import torch


def outcome(scenario, lib):
    """What the scenario gives with `lib`: its result with tensors as (shape, dtype name, values) and
    None as None, or (exception class name, message) with the library's dtype prefix normalised."""
    try:
        return _plain(scenario(lib))
    except Exception as e:  # noqa: BLE001  (class and message are what is compared)
        return type(e).__name__, str(e).replace("tinygrad_edu.", "torch.")


def _plain(x):
    if isinstance(x, (tuple, list)):
        return tuple(_plain(e) for e in x)
    if hasattr(x, "detach") and hasattr(x, "shape"):
        arr = x.detach().numpy()
        return tuple(arr.shape), str(arr.dtype), tuple(np.round(arr.ravel(), 12))
    if isinstance(x, str):
        return x.replace("tinygrad_edu.", "torch.")
    return x


def like_torch(scenario):
    theirs, ours = outcome(scenario, torch), outcome(scenario, tg)
    assert ours == theirs
    return theirs


def P(lib):
    return lib.tensor([1.0, 2.0], dtype=lib.float64)


def T(lib):
    return lib.tensor([0.5, -1.0], dtype=lib.float64)


# ---- dual_level / make_dual / unpack_dual ------------------------------------------------------------

def _no_level(lib):
    return lib.autograd.forward_ad.make_dual(P(lib), T(lib))


def _nested(lib):
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        with fw.dual_level():
            pass


def _size_mismatch(lib):
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        fw.make_dual(P(lib), lib.ones(3, dtype=lib.float64))


def _int_primal(lib):
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        fw.make_dual(lib.tensor([1, 2]), T(lib))


def _int_tangent(lib):
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        fw.make_dual(P(lib), lib.tensor([1, 2]))


def _already_dual(lib):
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        fw.make_dual(fw.make_dual(P(lib), T(lib)), T(lib))


def _invalid_level(lib):
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        fw.make_dual(P(lib), T(lib), level=5)


def _exit_wrong_level(lib):
    fw = lib.autograd.forward_ad
    level = fw.enter_dual_level()
    try:
        fw.exit_dual_level(level=level + 1)
    finally:
        fw.exit_dual_level()


ERRORS = {"no level": _no_level, "nested level": _nested, "size mismatch": _size_mismatch,
          "int primal": _int_primal, "int tangent": _int_tangent, "already dual": _already_dual,
          "invalid level": _invalid_level, "exit a level that is not the last": _exit_wrong_level}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_like_torch(name):
    kind, message = like_torch(ERRORS[name])
    assert kind in ("RuntimeError", "ValueError") and message


def test_level_numbers_like_torch():
    def levels(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level() as first:
            pass
        with fw.dual_level() as second:
            pass
        third = fw.enter_dual_level()
        fw.exit_dual_level(level=third)
        return first, second, third
    assert like_torch(levels) == (0, 0, 0)


def test_make_and_unpack_like_torch():
    def scenario(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            p = P(lib)
            d = fw.make_dual(p, T(lib) * 3)
            u = fw.unpack_dual(d)
            plain = fw.unpack_dual(P(lib))          # not dual: tangent None
            return (d is p, u.primal is d, u.tangent, fw.unpack_dual(u.primal).tangent, type(u).__name__,
                    u._fields, plain.tangent, fw.unpack_dual(d, level=0).tangent)
    result = like_torch(scenario)
    assert result[2][2] == (1.5, -3.0)


def test_tangent_is_gone_after_the_level():
    def scenario(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(P(lib), T(lib))
            y = d * d + d
            inside = fw.unpack_dual(y).tangent
        return inside, fw.unpack_dual(d).tangent, fw.unpack_dual(y).tangent, fw.unpack_dual(d)
    result = like_torch(scenario)
    assert result[0][2] == (1.5, -5.0) and result[1] is None and result[2] is None


def test_repr_shows_the_tangent():
    def scenario(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(P(lib), T(lib) * 3)
            inside = repr(d), repr(d * 2)
        return (*inside, repr(d))
    inside, doubled, after = like_torch(scenario)
    assert "tangent=tensor([ 1.5000, -3.0000], dtype=torch.float64)" in inside
    assert "tangent=" in doubled and "tangent=" not in after


def test_dual_of_a_tensor_requiring_grad_and_reverse_over_forward():
    """The tangent of y = d * d is 2 d t: its gradient with respect to the primal is 2 t."""
    def scenario(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            p = P(lib).requires_grad_()
            d = fw.make_dual(p, T(lib).requires_grad_())
            tangent = fw.unpack_dual(d * d).tangent
            flags = d.requires_grad, d.grad_fn is not None, d.is_leaf, tangent.requires_grad
            return flags, lib.autograd.grad(tangent.sum(), p)
    flags, (grad,) = like_torch(scenario)
    assert flags == (True, True, False, True) and grad[2] == (1.0, -2.0)


def test_float32_tangent_on_float64_primal_keeps_its_dtype():
    def scenario(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            return fw.unpack_dual(fw.make_dual(P(lib), lib.ones(2, dtype=lib.float32))).tangent
    assert like_torch(scenario)[1] == "float32"


# ---- custom Functions ---------------------------------------------------------------------------------

def custom(lib):
    """Custom Functions of `lib`: jvp with save_for_forward, torch 2's split form (one and two outputs),
    no jvp, a non-differentiable output."""
    Function = lib.autograd.Function

    class SaveForForward(Function):     # x * y; jvp reads what save_for_forward kept
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_forward(x, y)
            ctx.save_for_backward(y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y, None

        @staticmethod
        def jvp(ctx, tx, ty):
            x, y = ctx.saved_tensors
            return tx * y + x * ty

    class Split(Function):              # k x^2, split form
        @staticmethod
        def forward(x, k):
            return x * x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            ctx.k = k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x * ctx.k, None

        @staticmethod
        def jvp(ctx, t, tk):
            (x,) = ctx.saved_tensors
            return t * 2 * x * ctx.k

    class SplitTwo(Function):           # (x y, x + y), split form
        @staticmethod
        def forward(x, y):
            return x * y, x + y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)
            ctx.save_for_forward(*inputs)

        @staticmethod
        def backward(ctx, g1, g2):
            x, y = ctx.saved_tensors
            return g1 * y + g2, g1 * x + g2

        @staticmethod
        def jvp(ctx, tx, ty):
            x, y = ctx.saved_tensors
            return tx * y + ty * x, tx + ty

    class NoJvp(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class NonDifferentiable(Function):  # (3x, a 0/1 mask marked non-differentiable)
        @staticmethod
        def forward(ctx, x):
            mask = (x > 1.5).to(x.dtype)
            ctx.mark_non_differentiable(mask)
            return x * 3, mask

        @staticmethod
        def backward(ctx, g, g_mask):
            return g * 3

        @staticmethod
        def jvp(ctx, t):
            return t * 3, None

    return {"save": SaveForForward, "split": Split, "split_two": SplitTwo, "no_jvp": NoJvp,
            "nondiff": NonDifferentiable}


def test_jvp_reads_save_for_forward_and_backward_reads_save_for_backward():
    def scenario(lib):
        fw, f = lib.autograd.forward_ad, custom(lib)["save"]
        with fw.dual_level():
            out = f.apply(fw.make_dual(P(lib).requires_grad_(), T(lib)), P(lib) * 2)
            tangent = fw.unpack_dual(out).tangent
        x = P(lib).requires_grad_()
        f.apply(x, T(lib)).sum().backward()
        return tangent, x.grad
    tangent, grad = like_torch(scenario)
    assert tangent[2] == (1.0, -4.0) and grad[2] == (0.5, -1.0)


def test_split_form_with_backward_and_forward_ad():
    def scenario(lib):
        fw, f = lib.autograd.forward_ad, custom(lib)["split"]
        x = P(lib).requires_grad_()
        y = f.apply(x, 3.0)
        y.sum().backward()
        with fw.dual_level():
            tangent = fw.unpack_dual(f.apply(fw.make_dual(P(lib), T(lib)), 3.0)).tangent
        return y, x.grad, y.grad_fn.name(), tangent
    y, grad, name, tangent = like_torch(scenario)
    assert grad[2] == (6.0, 12.0) and tangent[2] == (3.0, -12.0) and name == "SplitBackward"


def test_split_form_two_outputs_with_backward_and_forward_ad():
    def scenario(lib):
        fw, f = lib.autograd.forward_ad, custom(lib)["split_two"]
        x, y = P(lib).requires_grad_(), T(lib).requires_grad_()
        a, b = f.apply(x, y)
        (a.sum() + (b * b).sum()).backward()
        with fw.dual_level():
            a2, b2 = f.apply(fw.make_dual(P(lib), T(lib)), P(lib))
            tangents = fw.unpack_dual(a2).tangent, fw.unpack_dual(b2).tangent
        return x.grad, y.grad, tangents
    assert like_torch(scenario)[2][1][2] == (0.5, -1.0)


def test_custom_function_without_jvp_under_a_dual_level():
    def scenario(lib):
        fw, f = lib.autograd.forward_ad, custom(lib)["no_jvp"]
        with fw.dual_level():
            plain = f.apply(P(lib))           # no input carries a tangent: no jvp needed
            return plain, f.apply(fw.make_dual(P(lib), T(lib)))
    kind, message = like_torch(scenario)
    assert kind == "NotImplementedError" and "jvp" in message


def test_mark_non_differentiable_output_has_no_tangent():
    def scenario(lib):
        fw, f = lib.autograd.forward_ad, custom(lib)["nondiff"]
        with fw.dual_level():
            y, mask = f.apply(fw.make_dual(P(lib), T(lib)))
            forward = fw.unpack_dual(y).tangent, fw.unpack_dual(mask).tangent, mask.requires_grad
        x = P(lib).requires_grad_()
        y, mask = f.apply(x)
        return forward, y.requires_grad, mask.requires_grad
    forward, y_rg, mask_rg = like_torch(scenario)
    assert forward[1] is None and y_rg is True and mask_rg is False


def test_jvp_returning_a_tangent_for_a_non_differentiable_output_is_an_error():
    def scenario(lib):
        class Bad(custom(lib)["nondiff"]):
            @staticmethod
            def jvp(ctx, t):
                return t * 3, t
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            return fw.unpack_dual(Bad.apply(fw.make_dual(P(lib), T(lib)))[1]).tangent
    assert like_torch(scenario)[0] == "RuntimeError"


def test_unpack_dual_of_a_number_inside_a_level_is_a_type_error():
    def scenario(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            return fw.unpack_dual(3.0)
    assert like_torch(scenario)[0] == "TypeError"


def test_unpack_dual_with_an_invalid_level_is_an_error():
    def scenario(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            return fw.unpack_dual(fw.make_dual(P(lib), T(lib)), level=5)
    assert like_torch(scenario)[0] == "RuntimeError"


# ---- the functional API on forward mode (functions of ops with forward rules: mul, add, div, maximum) ---

X, Y, V, W = [0.5, -1.2, 2.0], [1.5, 0.4, -0.3], [0.3, 0.1, -0.7], [-0.2, 0.9, 0.4]


def vec(lib, values, requires_grad=False):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


def f2(lib):
    return lambda x, y: (x * x * y + x / (y * y + 1), lib.maximum(x, y) * x)


@pytest.mark.parametrize("create_graph", [False, True])
def test_functional_jvp_like_torch(create_graph):
    def scenario(lib):
        out, jv = lib.autograd.functional.jvp(f2(lib), (vec(lib, X), vec(lib, Y)), (vec(lib, V), vec(lib, W)),
                                              create_graph=create_graph)
        return out, jv, [t.requires_grad for t in out + jv]
    like_torch(scenario)


def test_functional_jvp_keeps_the_outer_graph_with_create_graph():
    def scenario(lib):
        x = vec(lib, X, requires_grad=True)
        _, jv = lib.autograd.functional.jvp(lambda a: a * a * a, x, vec(lib, V), create_graph=True)
        return lib.autograd.grad((jv * vec(lib, V)).sum(), x)          # d/dx (3 x^2 v) . v = 6 x v^2
    assert like_torch(scenario)[0][2] == (0.27, -0.072, 5.88)


STRICT = {"unused input": lambda x, y: x * x, "linear": lambda x, y: x * 2 + y,
          "independent output": lambda x, y: vec(tg if isinstance(x, tg.Tensor) else torch, X) * 2}


@pytest.mark.parametrize("name", list(STRICT))
def test_functional_jvp_strict_like_torch(name):
    def scenario(lib):
        return lib.autograd.functional.jvp(STRICT[name], (vec(lib, X), vec(lib, Y)), (vec(lib, V), vec(lib, W)),
                                           strict=True)
    like_torch(scenario)


def test_functional_jacobian_forward_mode_like_torch():
    def scenario(lib):
        return lib.autograd.functional.jacobian(f2(lib), (vec(lib, X), vec(lib, Y)), vectorize=True,
                                                strategy="forward-mode")
    like_torch(scenario)


def test_hvp_forward_over_reverse_like_torch_and_vhp():
    """hvp is the tangent of the gradient on dual inputs; a Hessian is symmetric, so it equals vhp."""
    def scenario(lib):
        fn = lambda a, b: a * a * a * b + b * b / a   # noqa: E731  (one-element inputs: a scalar output)
        inputs, v = (vec(lib, [0.7]), vec(lib, [-1.3])), (vec(lib, [0.2]), vec(lib, [1.0]))
        return lib.autograd.functional.hvp(fn, inputs, v), lib.autograd.functional.vhp(fn, inputs, v)[1]
    (value, hv), vh = like_torch(scenario)
    assert hv == vh


def test_func_jvp_and_jacfwd_like_torch():
    def scenario(lib):
        F = lib.func
        x, y = vec(lib, X), vec(lib, Y)
        out, jv, aux = F.jvp(lambda a: (a * a, a + 1), (x,), (vec(lib, V),), has_aux=True)
        jac = F.jacfwd(f2(lib), argnums=(0, 1))(x, y)
        jac_aux = F.jacfwd(lambda a: (a * a, a * 3), has_aux=True)(x)
        return out, jv, aux, jac, jac_aux
    like_torch(scenario)


def test_reverse_over_forward_jacrev_of_jacfwd_like_torch():
    def scenario(lib):
        f = lambda x, y: x * x * y + lib.maximum(x, y) * x   # noqa: E731
        return lib.func.jacrev(lib.func.jacfwd(f))(vec(lib, X), vec(lib, Y))
    like_torch(scenario)


def test_jvp_is_forward_mode_not_a_double_vjp():
    """A Function with a jvp and no backward: forward mode needs only the jvp (torch's own
    autograd.functional.jvp, a double vjp, could not do this), the result is torch's forward AD's."""
    def square(lib):
        class Square(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_forward(x)
                return x * x

            @staticmethod
            def jvp(ctx, t):
                (x,) = ctx.saved_tensors
                return 2 * x * t
        return Square
    Ours, Theirs = square(tg), square(torch)
    with torch.autograd.forward_ad.dual_level():
        d = torch.autograd.forward_ad.make_dual(vec(torch, X), vec(torch, V))
        expected = torch.autograd.forward_ad.unpack_dual(Theirs.apply(d)).tangent.numpy()
    np.testing.assert_allclose(tg.autograd.functional.jvp(Ours.apply, vec(tg, X), vec(tg, V))[1].numpy(), expected)
    np.testing.assert_allclose(tg.func.jvp(Ours.apply, (vec(tg, X),), (vec(tg, V),))[1].numpy(), expected)
    np.testing.assert_allclose(np.diag(tg.func.jacfwd(Ours.apply)(vec(tg, X)).numpy()), 2 * np.array(X))
