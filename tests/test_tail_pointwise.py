"""The long tail of torch's element-wise and reduction functions, beyond what the op registry
(tests/opinfo/tail_*.py) checks: in-place forms and augmented operators (values, dtypes, version
counters, grad_fn names, gradients through the rebased history, torch's refusals), integer shifts,
clamp_min/clamp_max, isclose/allclose, reprs of the named results, erfinv's accuracy over the whole
domain, and the nodes torch records. Everything is compared with real torch 2.13."""
import numpy as np
import pytest

import torch

import tinygrad_edu as tg  # noqa: E402

RNG = np.random.RandomState(14)


def both(array, requires_grad=False):
    """The same data as a torch and a tinygrad_edu tensor (private copies)."""
    t, o = torch.from_numpy(array.copy()), tg.from_numpy(array.copy())
    if requires_grad:
        t.requires_grad_(True)
        o.requires_grad_(True)
    return t, o


def assert_same(ours, theirs, rtol=1e-6, atol=1e-7):
    assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (ours.dtype, theirs.dtype)
    o, t = np.asarray(ours.detach().numpy()), theirs.detach().numpy(force=True)  # force: a ZeroTensor grad
    if o.dtype.kind == "f":
        np.testing.assert_allclose(o, t, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(o, t)


def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (the class is what is compared)
        return e
    return None


def assert_same_error(fn_t, fn_o):
    theirs, ours = raised(fn_t), raised(fn_o)
    assert theirs is not None, "torch accepts this"
    assert ours is not None, f"accepted; torch raises {type(theirs).__name__}: {theirs}"
    assert isinstance(ours, type(theirs)), f"ours {type(ours).__name__}: {ours}; torch {type(theirs).__name__}: {theirs}"
    return ours, theirs


# ---- in-place forms -----------------------------------------------------------------------------------
X = RNG.uniform(0.2, 0.8, (3, 4))
Y = RNG.uniform(0.5, 2.0, (3, 4))
UNARY_INPLACE = ["exp_", "log_", "log1p_", "sqrt_", "rsqrt_", "sigmoid_", "tanh_", "abs_", "absolute_", "neg_",
                 "negative_", "sin_", "cos_", "floor_", "ceil_", "round_", "sign_", "sgn_", "square_", "reciprocal_",
                 "expm1_", "exp2_", "trunc_", "fix_", "frac_", "erfinv_", "logit_", "nan_to_num_", "erf_"]
BINARY_INPLACE = [("fmod_", (1.5,)), ("remainder_", ("Y",)), ("true_divide_", ("Y",)), ("divide_", ("Y",)),
                  ("multiply_", ("Y",)), ("subtract_", ("Y",)), ("hypot_", ("Y",)), ("xlogy_", ("Y",)),
                  ("copysign_", (-1.0,)), ("float_power_", (2.0,)), ("clamp_min_", (0.4,)), ("clamp_max_", (0.6,)),
                  ("lerp_", ("Y", 0.3)), ("addcmul_", ("Y", "Y")), ("addcdiv_", ("Y", "Y")), ("cumsum_", (1,)),
                  ("cumprod_", (0,)), ("fmod_", ("Y",)), ("remainder_", (0.3,)), ("lerp_", ("Y", "Y"))]


def _args(args, lib_y):
    return tuple(lib_y if a == "Y" else a for a in args)


@pytest.mark.parametrize("name", UNARY_INPLACE)
def test_unary_inplace_matches_torch(name):
    data = X if name != "erfinv_" else X - 0.5
    if name == "float_power_":
        data = data.astype(np.float64)
    (t, o), (tt, oo) = both(data), both(data, requires_grad=True)
    for lib_x in (t, o):
        assert getattr(lib_x, name)() is lib_x  # returns self
    assert_same(o, t)
    assert o._version[0] == t._version  # (ours is the shared counter cell)
    # recorded: the tensor takes the op's node (torch's name) and backward goes through it
    tn, on = tt * 1, oo * 1
    getattr(tn, name)()
    getattr(on, name)()
    assert on.grad_fn.name() == tn.grad_fn.name()
    g = RNG.standard_normal(data.shape)
    tn.backward(torch.from_numpy(g))
    on.backward(tg.from_numpy(g))
    assert_same(oo.grad, tt.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, args", BINARY_INPLACE, ids=[f"{n}-{a}" for n, a in BINARY_INPLACE])
def test_binary_inplace_matches_torch(name, args):
    data = X.astype(np.float64)
    (t, o), (ty, oy) = both(data, requires_grad=True), both(Y, requires_grad=True)
    tn, on = t * 1, o * 1
    getattr(tn, name)(*_args(args, ty))
    getattr(on, name)(*_args(args, oy))
    assert_same(on, tn, rtol=1e-12, atol=1e-12)
    assert on.grad_fn.name() == tn.grad_fn.name()
    g = RNG.standard_normal(data.shape)
    tn.backward(torch.from_numpy(g))
    on.backward(tg.from_numpy(g))
    assert_same(o.grad, t.grad, rtol=1e-10, atol=1e-12)
    if "Y" in args:
        assert_same(oy.grad, ty.grad, rtol=1e-10, atol=1e-12)


def test_inplace_refusals_match_torch():
    ti, oi = both(np.array([1, 2, 3]))
    for name in ("exp_", "sqrt_", "sigmoid_", "expm1_", "logit_", "erfinv_", "reciprocal_"):
        ours, theirs = assert_same_error(lambda: getattr(ti.clone(), name)(), lambda: getattr(oi.clone(), name)())
        assert str(ours) == str(theirs)  # "result type Float can't be cast to the desired output type Long"
    leaf_t, leaf_o = both(X, requires_grad=True)
    for name in ("exp_", "frac_", "trunc_"):
        ours, theirs = assert_same_error(lambda: getattr(leaf_t, name)(), lambda: getattr(leaf_o, name)())
        assert "leaf Variable" in str(ours)
    assert_same_error(lambda: ti.clone().frac_(), lambda: oi.clone().frac_())


def test_inplace_on_a_view_changes_the_base():
    t, o = both(np.arange(6.0).reshape(2, 3))
    t[0].exp_()
    o[0].exp_()
    t[:, 1].fmod_(2.0)
    o[:, 1].fmod_(2.0)
    assert_same(o, t)


def test_comparison_and_logical_inplace():
    t, o = both(X.copy())
    ty, oy = both(Y)
    for name, arg_t, arg_o in (("lt_", ty, oy), ("ge_", 0.5, 0.5), ("eq_", 1.0, 1.0), ("logical_not_", None, None),
                               ("ne_", ty, oy), ("logical_or_", ty, oy), ("logical_and_", ty, oy),
                               ("logical_xor_", ty, oy), ("gt_", 0.0, 0.0), ("le_", 0.0, 0.0)):
        for lib_x, arg in ((t, arg_t), (o, arg_o)):
            getattr(lib_x, name)(*(() if arg is None else (arg,)))
        assert_same(o, t)
    tt, oo = both(X, requires_grad=True)
    tn, on = tt * 1, oo * 1
    tn.lt_(0.5)
    on.lt_(0.5)
    assert on.grad_fn.name() == tn.grad_fn.name() == "LtBackward0"
    tn.sum().backward()
    on.sum().backward()
    assert_same(oo.grad, tt.grad)


# ---- augmented assignment and integer operators ------------------------------------------------------------
INTS = np.array([[7, -3, 12], [5, 0, -9]])
SHIFTS = np.array([[1, 2, 0], [3, 1, 2]])


@pytest.mark.parametrize("op", ["%=", "//=", "**=", "&=", "|=", "^=", "<<=", ">>=", "+=", "*="])
def test_augmented_assignment_is_in_place(op):
    for other in (SHIFTS, 2):
        t, o = both(INTS)
        t_alias, o_alias = t, o
        ot, oo = (both(other + 1) if isinstance(other, np.ndarray) else (other, other))  # no zero divisor
        scope_t, scope_o = {"x": t, "y": ot}, {"x": o, "y": oo}
        exec(f"x {op} y", scope_t)
        exec(f"x {op} y", scope_o)
        assert scope_o["x"] is o_alias and scope_t["x"] is t_alias
        assert_same(o_alias, t_alias)


def test_float_augmented_assignment_and_refusals():
    t, o = both(X.copy())
    for op in ("%=", "//=", "**="):
        exec(f"x {op} 0.3", {"x": t})
        exec(f"x {op} 0.3", {"x": o})
        assert_same(o, t)
    tf, of = both(X.copy())
    for expr in ("x << 1", "x >> 1", "x & x", "1 << x"):
        assert_same_error(lambda: eval(expr, {"x": tf}), lambda: eval(expr, {"x": of}))
    ti, oi = both(INTS)
    assert_same_error(lambda: ti.__imul__(0.5), lambda: oi.__imul__(0.5))  # float result into int64


@pytest.mark.parametrize("expr", ["x << 2", "x >> 1", "2 << y", "64 >> y", "x << y", "x >> y", "x.bitwise_left_shift(y)",
                                  "x.bitwise_right_shift(2)", "5 % x", "5.5 % x", "-7 % y", "x % y", "x % -4",
                                  "x.remainder(y)", "x.fmod(y)", "x.bitwise_and(y)", "x.bitwise_or(3)"])
def test_integer_operators(expr):
    x = INTS.copy()
    x[x == 0] = 1
    (tx, ox), (ty, oy) = both(x), both(SHIFTS + 1)
    assert_same(eval(expr, {"x": ox, "y": oy}), eval(expr, {"x": tx, "y": ty}))


def test_rmod_of_a_float_tensor_and_its_node():
    t, o = both(Y, requires_grad=True)
    rt, ro = 5 % t, 5 % o
    assert_same(ro, rt)
    assert ro.grad_fn.name() == rt.grad_fn.name()  # torch::autograd::NotImplemented
    ours, theirs = assert_same_error(lambda: rt.sum().backward(), lambda: ro.sum().backward())
    assert str(ours) == str(theirs)
    mt, mo = t % 1.5, o % 1.5
    assert mo.grad_fn.name() == mt.grad_fn.name() == "RemainderBackward0"


@pytest.mark.parametrize("expr", ["x // 2", "x // y", "3.0 // x", "x.floor_divide(y)"])
def test_floor_divide_records_a_node_without_a_derivative(expr):
    (t, o), (ty, oy) = both(X * 5, requires_grad=True), both(Y)
    rt, ro = eval(expr, {"x": t, "y": ty}), eval(expr, {"x": o, "y": oy})
    assert_same(ro, rt)
    assert ro.grad_fn.name() == rt.grad_fn.name()
    ours, theirs = assert_same_error(lambda: rt.sum().backward(), lambda: ro.sum().backward())
    assert str(ours) == str(theirs)
    dt, do = torch.div(t, 2, rounding_mode="floor"), tg.div(o, 2, rounding_mode="floor")  # DivBackward2: zeros
    dt.sum().backward()
    do.sum().backward()
    assert_same(o.grad, t.grad)


def test_heaviside_records_a_node_without_a_derivative():
    (t, o), (tv, ov) = both(X - 0.5, requires_grad=True), both(np.full((3, 4), 0.5))
    rt, ro = torch.heaviside(t, tv), tg.heaviside(o, ov)
    assert_same(ro, rt)
    ours, theirs = assert_same_error(lambda: rt.sum().backward(), lambda: ro.sum().backward())
    assert str(ours) == str(theirs)


# ---- clamp_min, clamp_max, isclose, allclose ---------------------------------------------------------------
@pytest.mark.parametrize("fn", ["clamp_min", "clamp_max"])
@pytest.mark.parametrize("bound", ["number", "tensor", "int-tensor-float-bound"])
def test_clamp_min_max(fn, bound):
    data = X if bound != "int-tensor-float-bound" else INTS
    (t, o) = both(data, requires_grad=bound != "int-tensor-float-bound")
    if bound == "tensor":
        (bt, bo) = both(Y[0] - 1.0, requires_grad=True)
    else:
        bt = bo = 0.5
    rt, ro = getattr(torch, fn)(t, bt), getattr(tg, fn)(o, bo)
    assert_same(ro, rt)
    assert_same(getattr(o, fn)(bo), getattr(t, fn)(bt))
    if bound == "int-tensor-float-bound":
        return
    assert ro.grad_fn.name() == rt.grad_fn.name()
    g = RNG.standard_normal(data.shape)
    rt.backward(torch.from_numpy(g))
    ro.backward(tg.from_numpy(g))
    assert_same(o.grad, t.grad)
    if bound == "tensor":
        assert_same(bo.grad, bt.grad)


def test_isclose_allclose():
    a = np.array([1.0, 2.0, np.nan, np.inf, -np.inf, 1e-9, 1.0])
    b = np.array([1.0 + 1e-6, 2.1, np.nan, np.inf, np.inf, 0.0, 1.0 + 2e-5])
    (ta, oa), (tb, ob) = both(a), both(b)
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 1e-3, "rtol": 0}):
        assert_same(tg.isclose(oa, ob, **kw), torch.isclose(ta, tb, **kw))
        assert_same(oa.isclose(ob, **kw), ta.isclose(tb, **kw))
        assert tg.allclose(oa[:2], ob[:2], **kw) == torch.allclose(ta[:2], tb[:2], **kw)
        assert oa.allclose(oa, **kw) == ta.allclose(ta, **kw)
    assert_same(tg.isclose(oa, ob[:1]), torch.isclose(ta, tb[:1]))  # broadcasting
    ti, oi = both(np.array([1, 2, 3]))
    assert_same(tg.isclose(oi, oi), torch.isclose(ti, ti))
    assert_same_error(lambda: torch.isclose(ta, ti), lambda: tg.isclose(oa, oi))
    assert_same_error(lambda: torch.allclose(ta, ta.float()), lambda: tg.allclose(oa, oa.float()))
    assert_same_error(lambda: torch.isclose(ta, 1.0), lambda: tg.isclose(oa, 1.0))
    assert_same_error(lambda: torch.isclose(ta, tb[:2]), lambda: tg.isclose(oa, ob[:2]))


# ---- named results, nodes, reprs ----------------------------------------------------------------------------
def test_named_results_as_torch():
    t, o = both(np.array([[3.0, 1.0, 2.0, 1.0], [0.0, 5.0, 5.0, 4.0]]))
    for name, call in (("median", lambda L, x: L.median(x, 1)), ("nanmedian", lambda L, x: L.nanmedian(x, 0)),
                       ("mode", lambda L, x: L.mode(x)), ("cummax", lambda L, x: L.cummax(x, 1)),
                       ("cummin", lambda L, x: x.cummin(0)), ("aminmax", lambda L, x: L.aminmax(x, dim=1))):
        rt, ro = call(torch, t), call(tg, o)
        assert type(ro).__name__ == type(rt).__name__ == name
        fields = ("min", "max") if name == "aminmax" else ("values", "indices")
        assert ro._fields == fields
        for f in fields:
            assert_same(getattr(ro, f), getattr(rt, f))
        assert repr(ro).replace("tinygrad_edu.", "torch.") == repr(rt)
        assert getattr(tg.return_types, name) is type(ro)


# next_functions agree in length (options such as a number operand, a dim or eps are no graph inputs);
# std_mean/var_mean/aminmax are two nodes here (README), so their edges differ
SAME_EDGES = {"log1p", "reciprocal", "float_power", "nanmean", "lerp-tensor", "xlogy-scalar-x", "xlogy-scalar-y",
              "copysign", "square", "nansum-dim", "median-all", "nanmedian-all", "logit"}


def test_nodes_torch_records():
    t, o = both(X, requires_grad=True)
    (ty, oy) = both(Y, requires_grad=True)
    calls = {"log1p": lambda L, x, y: L.log1p(x), "reciprocal": lambda L, x, y: x.reciprocal(),
             "square": lambda L, x, y: L.square(x), "xlogy-scalar-x": lambda L, x, y: L.xlogy(2.0, y),
             "xlogy-scalar-y": lambda L, x, y: L.xlogy(x, 2.0), "copysign": lambda L, x, y: L.copysign(x, -1.0),
             "float_power": lambda L, x, y: L.float_power(x, y), "nanmean": lambda L, x, y: L.nanmean(x),
             "std_mean": lambda L, x, y: L.std_mean(x, 0)[0], "var_mean": lambda L, x, y: L.var_mean(x)[1],
             "aminmax": lambda L, x, y: L.aminmax(x).max, "nansum-dim": lambda L, x, y: x.nansum(1),
             "median-all": lambda L, x, y: x.median(), "nanmedian-all": lambda L, x, y: x.nanmedian(),
             "lerp-tensor": lambda L, x, y: L.lerp(x, y, x), "logit": lambda L, x, y: x.logit(eps=0.1)}
    for label, call in calls.items():
        rt, ro = call(torch, t, ty), call(tg, o, oy)
        assert ro.grad_fn.name() == rt.grad_fn.name(), label
        if label in SAME_EDGES:
            assert len(ro.grad_fn.next_functions) == len(rt.grad_fn.next_functions), label


def test_reprs_of_results():
    t, o = both(X[:2, :3].astype(np.float32), requires_grad=True)
    assert repr(tg.hypot(o, o)).replace("tinygrad_edu", "torch") == repr(torch.hypot(t, t))
    assert repr(o.cummax(0)).replace("tinygrad_edu", "torch") == repr(t.cummax(0))


# ---- values at the edges -----------------------------------------------------------------------------------------
def test_erfinv_over_its_domain():
    for dt, rtol in ((np.float32, 2.5e-7), (np.float64, 1e-12)):
        tails = 1 - np.logspace(-1, -7 if dt == np.float32 else -15.5, 40)
        y = np.concatenate([np.linspace(-1, 1, 4001), tails, -tails, [0.0, -0.0, 1e-30, 1.5, -2.0, np.nan]]).astype(dt)
        t, o = both(y)
        ours, theirs = tg.erfinv(o).numpy(), torch.erfinv(t).numpy()
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=0, equal_nan=True)
        number = ~np.isnan(theirs)
        assert np.array_equal(np.signbit(ours[number]), np.signbit(theirs[number]))


def test_edges_against_torch():
    nan, inf = float("nan"), float("inf")
    special = np.array([[nan, 1.0, inf, -inf, 0.0, -0.0], [2.0, nan, nan, -1.0, 3.0, 3.0]])
    t, o = both(special)
    calls = [lambda L, x: L.nan_to_num(x), lambda L, x: L.nan_to_num(x, nan=2.0, posinf=1e3),
             lambda L, x: L.nansum(x, 1), lambda L, x: L.nanmean(x, 1), lambda L, x: L.median(x, 1).values,
             lambda L, x: L.median(x, 1).indices, lambda L, x: L.nanmedian(x, 1).indices,
             lambda L, x: L.nanmedian(x), lambda L, x: L.median(x), lambda L, x: L.cummax(x, 1).indices,
             lambda L, x: L.cummin(x, 1).values, lambda L, x: L.fmax(x, x.flip(1)), lambda L, x: L.fmin(x, x.flip(0)),
             lambda L, x: L.signbit(x), lambda L, x: L.sgn(x), lambda L, x: L.trunc(x), lambda L, x: L.frac(x),
             lambda L, x: L.xlogy(x, x), lambda L, x: L.xlogy(L.zeros(2, 6, dtype=L.float64), x),
             lambda L, x: L.copysign(L.ones(2, 6, dtype=L.float64), x), lambda L, x: L.logaddexp(x, x),
             lambda L, x: L.count_nonzero(x, 0), lambda L, x: L.nanquantile(x, 0.5, 1),
             lambda L, x: L.quantile(x, 0.5, 1), lambda L, x: L.logcumsumexp(x, 1), lambda L, x: L.diff(x, 2, 1),
             lambda L, x: L.hypot(x, x), lambda L, x: L.exp2(x), lambda L, x: L.expm1(x)]
    for i, call in enumerate(calls):
        assert_same(call(tg, o), call(torch, t), rtol=1e-12, atol=1e-12), i
    ti, oi = both(np.array([[3, 1, 3, 1, 2], [0, 0, 7, 7, 7]]))
    for call in (lambda L, x: L.mode(x).values, lambda L, x: L.mode(x).indices, lambda L, x: L.median(x),
                 lambda L, x: L.median(x, 1).indices, lambda L, x: L.cummax(x, 1).indices,
                 lambda L, x: L.nansum(x), lambda L, x: L.diff(x, prepend=x[:, :1]), lambda L, x: L.sgn(x),
                 lambda L, x: L.count_nonzero(x, (0, 1)), lambda L, x: L.aminmax(x).min, lambda L, x: L.trunc(x),
                 lambda L, x: L.sgn(x > 2), lambda L, x: L.sign(x > 2), lambda L, x: np.float64(5) % x,
                 lambda L, x: np.int64(1) << (x + 3), lambda L, x: L.reciprocal(x)):
        assert_same(call(tg, oi), call(torch, ti))


def test_signature_refusals_as_torch():
    (t, o), (ti, oi) = both(X), both(INTS)
    for call in (lambda L, x, i: L.median(x, keepdim=True), lambda L, x, i: x.nanmedian(keepdim=False),
                 lambda L, x, i: L.quantile(x, [0.5]), lambda L, x, i: L.hypot(x, 2.0),
                 lambda L, x, i: L.fmax(x, 0.5), lambda L, x, i: L.heaviside(x, 0.5), lambda L, x, i: L.frac(i),
                 lambda L, x, i: L.logcumsumexp(i, 0), lambda L, x, i: L.nanmean(i), lambda L, x, i: L.std_mean(i),
                 lambda L, x, i: L.lerp(i, i, 0.5), lambda L, x, i: L.addcdiv(i, i, i),
                 lambda L, x, i: L.diff(x, n=-1), lambda L, x, i: L.quantile(x, 2.0),
                 lambda L, x, i: L.fmod(i, L.zeros_like(i)), lambda L, x, i: L.remainder(i, 0),
                 lambda L, x, i: L.float_power(x, "a"), lambda L, x, i: L.copysign(1.0, x),
                 lambda L, x, i: L.positive(i > 0), lambda L, x, i: L.absolute(i > 0)):
        assert_same_error(lambda: call(torch, t, ti), lambda: call(tg, o, oi))


@pytest.mark.parametrize("expr", ["L.fmod(x, 0.3, out=o)", "L.hypot(x, x, out=o)", "L.lerp(x, x * 2, 0.5, out=o)",
                                  "L.addcmul(x, x, x, value=2, out=o)", "L.expm1(x, out=o)", "L.logit(x, out=o)",
                                  "L.nan_to_num(x, out=o)", "L.clamp_min(x, 0.5, out=o)", "L.remainder(x, 0.3, out=o)",
                                  "L.square(x, out=o)", "L.logcumsumexp(x, 1, out=o)", "L.erfinv(x - 0.5, out=o)",
                                  "L.trunc(x * 4, out=o)", "L.fix(x * 4, out=o)"])
def test_out_keyword_as_torch(expr):
    (t, o) = both(X)
    outs = {lib: lib.empty(3, 4, dtype=lib.float64) for lib in (torch, tg)}
    rt = eval(expr, {"L": torch, "x": t, "o": outs[torch]})
    ro = eval(expr, {"L": tg, "x": o, "o": outs[tg]})
    assert rt is outs[torch] and ro is outs[tg]
    assert_same(ro, rt)


def test_out_keyword_pairs_as_torch():
    t, o = both(X)
    for name, args in (("median", (0,)), ("cummax", (1,)), ("mode", ()), ("aminmax", ())):
        pt = (torch.empty(0, dtype=torch.float64), torch.empty(0, dtype=torch.int64 if name != "aminmax" else torch.float64))
        po = (tg.empty(0, dtype=tg.float64), tg.empty(0, dtype=tg.int64 if name != "aminmax" else tg.float64))
        rt, ro = getattr(torch, name)(t, *args, out=pt), getattr(tg, name)(o, *args, out=po)
        assert ro[0] is po[0] and ro[1] is po[1]  # (torch names the pair median_out, ...: ours keeps median)
        for a, b in zip(ro, rt):
            assert_same(a, b)
    for name in ("std_mean", "var_mean"):  # documented, refused by torch's parser
        assert_same_error(lambda: getattr(torch, name)(t, out=(torch.empty(()), torch.empty(()))),
                          lambda: getattr(tg, name)(o, out=(tg.empty(()), tg.empty(()))))


def test_inplace_tail_ops_on_views_of_a_graph_tensor():
    """x.fmod_/lerp_/hypot_ on views of a computed tensor: the base's history is rewritten (main's
    CopySlices), gradients as torch's."""
    grads = {}
    for lib in (torch, tg):
        x = lib.tensor([[0.5, 0.2], [0.3, 0.9]], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([1.5, 2.5], dtype=lib.float64, requires_grad=True)
        y = x * 1
        y[0].fmod_(0.4)
        y[:, 1].lerp_(w, 0.3)
        y[1].hypot_(w)
        (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64)).sum().backward()
        grads[lib.__name__] = (y.detach().numpy(), x.grad.numpy(), w.grad.numpy())
    for ours, theirs in zip(grads["tinygrad_edu"], grads["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
