"""Forward-mode rules (jvp) of ops/unary.py, unary_more.py, trig.py and clamp.py where the registry
(tests/test_opinfo_forward_ad.py, float64 samples) does not reach: neg, casts between dtypes, clone's
own tangent, the piecewise-constant ops (zero tangents), clamp's ties and tensor bounds, logit and
nan_to_num off their domain, atan2 with mixed dtypes, float32 tangents. Each output tangent (values,
dtype, or its absence) is compared with torch.autograd.forward_ad on the same numbers. Then
reverse-over-forward: the gradient of a tangent with respect to the primal and to the tangent,
against torch's."""
import warnings

import numpy as np
import pytest

import torch

import tinygrad_edu as tg  # noqa: E402

NAN, INF = float("nan"), float("inf")
RNG = np.random.RandomState(7)


def _arr(values, dtype="float64"):
    return np.asarray(values, dtype=dtype)


def _rand(shape, dtype="float64", lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(dtype)


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


def _numpy(t):
    return t.detach().numpy(force=True) if isinstance(t, torch.Tensor) else t.detach().numpy()


def _forward(lib, f, primals, tangents):
    """f(lib, *args) in a dual level, args[i] dual with tangents[i] (plain where it is None; a
    non-array primal, a number or dtype, is passed as it is): (value, dtype, tangent or None, dtype)."""
    fw = lib.autograd.forward_ad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 and NaN casts, as torch computes them silently
        with fw.dual_level():
            args = []
            for p, t in zip(primals, tangents):
                if not isinstance(p, np.ndarray):
                    args.append(p)
                    continue
                x = lib.from_numpy(p.copy())
                args.append(x if t is None else fw.make_dual(x, lib.from_numpy(t.copy())))
            out = f(lib, *args)
            tangent = fw.unpack_dual(out).tangent
            return (_numpy(out), _dtype_name(out), None if tangent is None else _numpy(tangent),
                    None if tangent is None else _dtype_name(tangent))


def _check(f, primals, tangents, rtol=1e-9, atol=1e-12):
    ours, theirs = _forward(tg, f, primals, tangents), _forward(torch, f, primals, tangents)
    assert ours[1] == theirs[1], f"output dtype {ours[1]} vs torch {theirs[1]}"
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, atol=atol, equal_nan=True)
    assert (ours[2] is None) == (theirs[2] is None), f"tangent {ours[2]} vs torch {theirs[2]}"
    if theirs[2] is not None:
        assert ours[3] == theirs[3], f"tangent dtype {ours[3]} vs torch {theirs[3]}"
        assert ours[2].shape == theirs[2].shape, f"tangent shape {ours[2].shape} vs torch {theirs[2].shape}"
        np.testing.assert_allclose(ours[2], theirs[2], rtol=rtol, atol=atol, equal_nan=True)
    return ours


SPECIAL = _arr([-1.5, -0.0, 0.0, 0.5, 2.5, -2.5, NAN, INF, -INF])
SPECIAL_T = _arr([1.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.5, 0.25, -0.75])
TIE_X = _arr([0.0, 1.0, 2.0, 3.0, 1.5, 5.0])
TIE_LO = _arr([1.0, 1.0, 1.0, 4.0, 2.0, 3.0])
TIE_HI = _arr([2.0, 2.0, 2.0, 4.0, 1.0, 3.0])
TX, TLO, THI = _arr(np.ones(6)), _arr(np.full(6, 10.0)), _arr(np.full(6, 100.0))

CASES = {
    # neg (the registry has no neg entry) and abs at 0, NaN, inf (torch: sign(NaN) = 0)
    "neg": (lambda L, x: -x, [_rand((2, 3))], [_rand((2, 3))]),
    "neg-fn-float32": (lambda L, x: L.neg(x), [_rand((3,), "float32")], [_rand((3,), "float32")]),
    "abs-specials": (lambda L, x: L.abs(x), [SPECIAL], [SPECIAL_T]),
    # casts: the tangent is cast with the value; an integer result has none
    "float-of-float64": (lambda L, x: x.float(), [_rand((2, 3))], [_rand((2, 3))]),
    "double-of-float32": (lambda L, x: x.double(), [_rand((4,), "float32")], [_rand((4,), "float32")]),
    "to-float16": (lambda L, x: x.to(L.float16), [_rand((3,))], [_rand((3,))]),
    "half-to-float32": (lambda L, x: x.to(L.float32), [_rand((3,), "float16")], [_rand((3,), "float16")]),
    "to-int64": (lambda L, x: x.to(L.int64), [_rand((3,))], [_rand((3,))]),
    "to-bool": (lambda L, x: x.bool(), [_rand((3,))], [_rand((3,))]),
    "add-float32-float64": (lambda L, x, y: x + y, [_rand((2, 3), "float32"), _rand((3,))],
                            [_rand((2, 3), "float32"), _rand((3,))]),
    "mul-float64-by-float32-no-tangent": (lambda L, x, y: x * y, [_rand((3,)), _rand((3,), "float32")],
                                          [_rand((3,)), None]),
    "exp-of-int-cast": (lambda L, x, i: x * L.exp(i), [_rand((3,)), np.arange(3)], [_rand((3,)), None]),
    # clone and contiguous
    "clone": (lambda L, x: L.clone(x), [_rand((2, 2))], [_rand((2, 2))]),
    # piecewise constant: zero tangents of the output's dtype
    "floor": (lambda L, x: L.floor(x), [SPECIAL], [SPECIAL_T]),
    "ceil-float32": (lambda L, x: L.ceil(x), [_rand((3,), "float32")], [_rand((3,), "float32")]),
    "round": (lambda L, x: L.round(x), [_rand((2, 3))], [_rand((2, 3))]),
    "round-decimals": (lambda L, x: L.round(x, decimals=2), [_rand((2, 3))], [_rand((2, 3))]),
    "trunc": (lambda L, x: L.trunc(x), [_rand((4,))], [_rand((4,))]),
    "fix-method": (lambda L, x: x.fix(), [_rand((4,))], [_rand((4,))]),
    "sign": (lambda L, x: L.sign(x), [SPECIAL], [SPECIAL_T]),
    "sgn": (lambda L, x: L.sgn(x), [_rand((3,))], [_rand((3,))]),
    "frac-specials": (lambda L, x: L.frac(x), [SPECIAL], [SPECIAL_T]),
    "div-floor-tensors": (lambda L, x, y: L.div(x, y, rounding_mode="floor"), [_rand((2, 3)), _rand((3,), lo=0.5)],
                          [_rand((2, 3)), _rand((3,))]),
    "div-trunc-divisor-dual": (lambda L, x, y: L.div(x, y, rounding_mode="trunc"), [_rand((3,)), _rand((3,), lo=0.5)],
                               [None, _rand((3,))]),
    # clamp: number bounds are inclusive; tensor bounds follow torch's forward rule at ties
    "clamp-number-ties": (lambda L, x: L.clamp(x, 1.0, 2.0), [TIE_X], [TX]),
    "clamp-number-min-above-max": (lambda L, x: L.clamp(x, 2.0, 1.0), [TIE_X], [TX]),
    "clamp-number-min-tie": (lambda L, x: L.clamp(x, min=1.0), [TIE_X], [TX]),
    "clamp-tensor-ties": (lambda L, x, lo, hi: L.clamp(x, lo, hi), [TIE_X, TIE_LO, TIE_HI], [TX, TLO, THI]),
    "clamp-tensor-min-ties": (lambda L, x, lo: L.clamp(x, min=lo), [TIE_X, TIE_LO], [TX, TLO]),
    "clamp-tensor-max-ties": (lambda L, x, hi: L.clamp(x, max=hi), [TIE_X, TIE_HI], [TX, THI]),
    "clamp-bounds-dual-only": (lambda L, x, lo, hi: L.clamp(x, lo, hi), [TIE_X, TIE_LO, TIE_HI], [None, TLO, THI]),
    "clamp-x-dual-only": (lambda L, x, lo, hi: L.clamp(x, lo, hi), [TIE_X, TIE_LO, TIE_HI], [TX, None, None]),
    "clamp-broadcast-bounds": (lambda L, x, lo, hi: L.clamp(x, lo, hi), [_rand((3,)), _rand((2, 3)), _rand((2, 1), lo=2)],
                               [_rand((3,)), _rand((2, 3)), _rand((2, 1))]),
    "clamp-float32": (lambda L, x, lo: L.clamp(x, min=lo), [_rand((4,), "float32"), _rand((4,), "float32")],
                      [_rand((4,), "float32"), _rand((4,), "float32")]),
    "clamp-min-tensor": (lambda L, x, lo: L.clamp_min(x, lo), [TIE_X, TIE_LO], [TX, TLO]),
    "clamp-max-tensor": (lambda L, x, hi: L.clamp_max(x, hi), [TIE_X, TIE_HI], [TX, THI]),
    "clip-method": (lambda L, x: x.clip(-0.5, 0.5), [_rand((5,))], [_rand((5,))]),
    # logit (NaN off [0, 1]; with eps, 0 outside [eps, 1 - eps], NaN input included) and nan_to_num
    "logit-off-domain": (lambda L, x: L.logit(x), [_arr([-0.5, 0.0, 0.05, 0.5, 0.97, 1.5, NAN, INF])],
                         [_arr(np.linspace(1, 2, 8))]),
    "logit-eps": (lambda L, x: L.logit(x, eps=0.1), [_arr([-0.5, 0.0, 0.05, 0.1, 0.5, 0.9, 0.97, NAN])],
                  [_arr(np.linspace(1, 2, 8))]),
    "nan-to-num": (lambda L, x: L.nan_to_num(x, nan=1.0, posinf=9.0), [SPECIAL], [SPECIAL_T]),
    # atan2 with operands of two dtypes, an integer operand, the origin (NaN, as torch's forward rule)
    "atan2-float32-float64": (lambda L, y, x: L.atan2(y, x), [_rand((2, 3), "float32"), _rand((3,))],
                              [_rand((2, 3), "float32"), _rand((3,))]),
    "atan2-int-other": (lambda L, y, x: L.atan2(y, x), [_rand((3,), "float32"), np.arange(1, 4)],
                        [_rand((3,), "float32"), None]),
    "atan2-origin": (lambda L, y, x: L.atan2(y, x), [_arr([0.0, 1.0]), _arr([0.0, 2.0])], [_arr([1.0, 1.0]), None]),
}
FLOAT32_UNARY = ["exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "log2", "log10", "tan", "asin",
                 "acos", "atan", "sinh", "cosh", "asinh", "atanh", "expm1", "exp2", "erfinv", "reciprocal"]


@pytest.mark.parametrize("name", list(CASES))
def test_tangent_vs_torch(name):
    f, primals, tangents = CASES[name]
    _check(f, primals, tangents, rtol=1e-3 if "16" in name else 1e-6, atol=1e-3 if "16" in name else 1e-7)


@pytest.mark.parametrize("name", FLOAT32_UNARY)
def test_float32_tangent_stays_float32(name):
    x, t = _rand((2, 3), "float32", 0.1, 0.9), _rand((2, 3), "float32")
    ours = _check(lambda L, a: getattr(L, name)(a), [x], [t], rtol=1e-5, atol=1e-6)
    assert ours[3] == "float32"


def test_acosh_float32():
    x, t = _rand((4,), "float32", 1.2, 3.0), _rand((4,), "float32")
    assert _check(lambda L, a: L.acosh(a), [x], [t], rtol=1e-5, atol=1e-6)[3] == "float32"


def test_integer_input_has_no_tangent_but_float_output_works():
    """exp of an int64 tensor is float32 (a cast first, no tangent there): the output has no tangent."""
    assert _check(lambda L, i: L.exp(i), [np.arange(3)], [None], rtol=1e-6)[2] is None


def test_clone_tangent_has_its_own_memory():
    fw = tg.autograd.forward_ad
    x, v = tg.from_numpy(_rand((3,))), tg.from_numpy(_rand((3,)))
    with fw.dual_level():
        t = fw.unpack_dual(tg.clone(fw.make_dual(x, v))).tangent
        assert not np.shares_memory(t.numpy(), v.numpy())
        np.testing.assert_array_equal(t.numpy(), v.numpy())


def test_contiguous_of_a_transposed_dual_is_a_clone():
    """x.contiguous() of a non-contiguous x copies (Clone): the tangent comes along, as torch's."""
    p, t = _rand((2, 3)), _rand((2, 3))
    outs = []
    for lib in (tg, torch):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(lib.from_numpy(p.T), lib.from_numpy(t.T))  # from_numpy keeps the strides
            assert not d.is_contiguous()
            out = d.contiguous()
            assert out.is_contiguous()
            outs.append(_numpy(fw.unpack_dual(out).tangent))
    np.testing.assert_array_equal(outs[0], t.T)
    np.testing.assert_array_equal(outs[1], t.T)


def test_rules_run_without_the_level_and_leave_no_tangent_on_the_rule_s_own_ops():
    """A jvp's own operations (cos(x) in sin's rule) run with the level off: the tangent itself has
    no tangent of its own."""
    fw = tg.autograd.forward_ad
    with fw.dual_level():
        d = fw.make_dual(tg.from_numpy(_rand((3,))), tg.from_numpy(_rand((3,))))
        t = fw.unpack_dual(tg.sin(d)).tangent
        assert fw.unpack_dual(t).tangent is None


# ---- reverse over forward: the gradient of a tangent -------------------------------------------------
def _reverse_over_forward(lib, f, primals, tangents, weights):
    """d/d(primals, tangents) of sum(weights * tangent of f): gradients as arrays (None where unused)."""
    fw = lib.autograd.forward_ad
    xs = [lib.from_numpy(p.copy()).requires_grad_(True) for p in primals]
    vs = [lib.from_numpy(t.copy()).requires_grad_(True) for t in tangents]
    with fw.dual_level():
        tangent = fw.unpack_dual(f(lib, *[fw.make_dual(x, v) for x, v in zip(xs, vs)])).tangent
        grads = lib.autograd.grad((tangent * lib.from_numpy(weights)).sum(), xs + vs, allow_unused=True)
    return [None if g is None else (_numpy(g), _dtype_name(g)) for g in grads]


ROF = {
    "exp": (lambda L, x: L.exp(x), [_rand((2, 3))]),
    "sin": (lambda L, x: L.sin(x), [_rand((2, 3))]),
    "tanh-of-cos": (lambda L, x: L.tanh(L.cos(x)), [_rand((2, 3))]),
    "sqrt": (lambda L, x: L.sqrt(x), [_rand((4,), lo=0.3)]),
    "rsqrt": (lambda L, x: L.rsqrt(x), [_rand((4,), lo=0.3)]),
    "log1p": (lambda L, x: L.log1p(x), [_rand((4,), lo=-0.5)]),
    "tan": (lambda L, x: L.tan(x), [_rand((4,), lo=-1.2, hi=1.2)]),
    "asin": (lambda L, x: L.asin(x), [_rand((4,), lo=-0.9, hi=0.9)]),
    "asinh": (lambda L, x: L.asinh(x), [_rand((4,))]),
    "cosh": (lambda L, x: L.cosh(x), [_rand((4,))]),
    "erfinv": (lambda L, x: L.erfinv(x), [_rand((4,), lo=-0.9, hi=0.9)]),
    "reciprocal": (lambda L, x: L.reciprocal(x), [_rand((4,), lo=0.5)]),
    "exp2": (lambda L, x: L.exp2(x), [_rand((4,))]),
    "logit-eps": (lambda L, x: L.logit(x, eps=0.2), [_rand((6,), lo=0.05, hi=0.95)]),
    "abs": (lambda L, x: L.abs(x), [_rand((4,))]),  # torch: a zero gradient for x (not unused)
    "atan2": (lambda L, y, x: L.atan2(y, x), [_rand((2, 3)), _rand((3,))]),
    "clamp-tensor-bounds": (lambda L, x, lo, hi: L.clamp(x, lo, hi), [_rand((5,)), _rand((5,), hi=0), _rand((5,), lo=0)]),
    "float-cast-then-exp": (lambda L, x: L.exp(x.float()), [_rand((3,))]),
    "double-cast": (lambda L, x: L.sin(x).double(), [_rand((3,), "float32")]),
}


@pytest.mark.parametrize("name", list(ROF))
def test_reverse_over_forward_vs_torch(name):
    f, primals = ROF[name]
    tangents = [_rand(p.shape, str(p.dtype)) for p in primals]
    shape = np.broadcast_shapes(*[p.shape for p in primals])
    weights = _rand(shape, "float32" if name == "float-cast-then-exp" else "float64")
    ours = _reverse_over_forward(tg, f, primals, tangents, weights)
    theirs = _reverse_over_forward(torch, f, primals, tangents, weights)
    tol = 1e-5 if "float" in name or "double" in name else 1e-9
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert (o is None) == (t is None), f"gradient {i}: {o} vs torch {t}"
        if t is not None:
            assert o[1] == t[1], f"gradient {i}: dtype {o[1]} vs torch {t[1]}"
            np.testing.assert_allclose(o[0], t[0], rtol=tol, atol=tol, err_msg=f"gradient {i}")


def test_reverse_over_forward_vs_finite_difference():
    """Independently of torch: d/dx of sin's tangent v cos(x) is -v sin(x), and for atan2 the gradient
    of the tangent, by a float64 central difference of the tangent itself."""
    x, v = _rand((4,)), _rand((4,))
    gx = _reverse_over_forward(tg, lambda L, a: L.sin(a), [x], [v], np.ones(4))[0][0]
    np.testing.assert_allclose(gx, -v * np.sin(x), rtol=1e-12)
    y, xx, vy, vx = _rand((3,)), _rand((3,)), _rand((3,)), _rand((3,))

    def tangent_sum(y_, x_):
        return float(_forward(tg, lambda L, a, b: L.atan2(a, b), [y_, x_], [vy, vx])[2].sum())
    grads = _reverse_over_forward(tg, lambda L, a, b: L.atan2(a, b), [y, xx], [vy, vx], np.ones(3))
    eps = 1e-6
    for k in range(3):
        e = np.zeros(3)
        e[k] = eps
        np.testing.assert_allclose(grads[0][0][k], (tangent_sum(y + e, xx) - tangent_sum(y - e, xx)) / (2 * eps),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(grads[1][0][k], (tangent_sum(y, xx + e) - tangent_sum(y, xx - e)) / (2 * eps),
                                   rtol=1e-6, atol=1e-8)


def test_every_op_class_of_these_files_has_a_rule():
    """No class of these files falls back to the missing-rule error."""
    import importlib
    from tinygrad_edu.autograd.function import Function
    mods = [importlib.import_module(f"tinygrad_edu.ops.{m}") for m in ("unary", "unary_more", "trig", "clamp")]
    classes = [c for m in mods for c in vars(m).values()
               if isinstance(c, type) and issubclass(c, Function) and c.__module__ == m.__name__]
    assert len(classes) >= 30
    missing = [c.__name__ for c in classes if "jvp" not in vars(c)]
    assert not missing, missing


@pytest.mark.parametrize("call", [lambda L, x, b: L.clamp(x, -0.5, 0.5), lambda L, x, b: L.clamp(x, b),
                                  lambda L, x, b: L.clamp(x, None, b), lambda L, x, b: L.clamp(x, b, b + 1),
                                  lambda L, x, b: L.clamp_min(x, b), lambda L, x, b: L.clamp_max(x, b),
                                  lambda L, x, b: L.clamp_min(x, 0.0), lambda L, x, b: x.clamp_max(1)])
def test_clamp_node_name_and_operands_as_torch(call):
    """Clamp now takes clamp_min/clamp_max's node name as an argument (their forward rule settles
    ties differently), and lists the operands torch's node lists: x alone for number bounds, (x, min,
    max) for clamp's tensor overload, x and the one bound for clamp_min/clamp_max."""
    def node(lib):
        x, b = lib.ones(3, requires_grad=True), lib.zeros(3, requires_grad=True)
        fn = call(lib, x, b).grad_fn
        return fn.name(), [None if f is None else f.name().split("::")[-1] for f, _ in fn.next_functions]
    assert node(tg) == node(torch)


# ---- reverse mode at the same edges (found while writing the rules above) ------------------------------
@pytest.mark.parametrize("call, values", [
    (lambda L, x: L.abs(x), [1.0, -2.0, 0.0, NAN, INF, -INF]),          # torch: sign(NaN) = 0
    (lambda L, x: L.logit(x), [-0.5, 0.0, 0.05, 0.5, 1.0, 1.5, NAN, INF]),  # torch: NaN off [0, 1]
    (lambda L, x: L.logit(x, eps=0.1), [-0.5, 0.05, 0.5, 0.95, 1.5, NAN]),
])
def test_backward_at_the_edges_as_torch(call, values):
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            call(lib, x).sum().backward()
        grads.append(_numpy(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, equal_nan=True)
