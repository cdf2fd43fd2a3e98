"""torch's keyword names, size= and out= on the top-level functions and methods, each call run in torch too."""
import inspect
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg


def run(expr, lib):
    """Evaluate `expr` with `m` = the library; a = (2, 3) values, b = (3, 2), v = (3,), i = int64 index."""
    a = lib.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    env = {"m": lib, "a": a, "b": a.T.contiguous(), "v": lib.tensor([1.0, 2.0, 3.0]),
           "i": lib.tensor([[0, 1, 0]]), "j": lib.tensor([1, 0])}
    try:
        return eval(expr, env)
    except Exception as e:  # noqa: BLE001  (the class is what is compared)
        return type(e)


def agree(ours, theirs):
    if isinstance(theirs, type) and issubclass(theirs, Exception):
        assert ours is theirs, (ours, theirs)
    elif isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            agree(o, t)
    elif isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), ours
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    elif isinstance(theirs, torch.dtype):
        assert str(ours).split(".")[-1] == str(theirs).split(".")[-1]
    else:
        assert ours == theirs


KEYWORD_CALLS = [
    # the list
    "m.matmul(input=a, other=b)", "m.bmm(input=a[None], mat2=b[None])", "m.max(input=a, other=a * 2)",
    "m.min(input=a, other=a * 2)", "m.max(input=a, dim=0).values", "m.cat(tensors=[a, a], axis=1)",
    "m.cat([a, a], axis=1)", "m.cat([a, a], dim=1)", "m.cumsum(a, axis=1)", "m.cumsum(input=a, dim=0)",
    "m.cumprod(a, axis=1)", "m.reshape(a, shape=(3, 2))", "m.reshape(input=a, shape=(3, 2))", "a.reshape(shape=(3, 2))",
    "a.reshape(3, 2)", "a.reshape((3, 2))", "m.stack([a, a], axis=0)", "m.stack(tensors=[a], dim=1)",
    # size=
    "m.randn(size=(2, 3)).shape", "m.rand(size=(2, 3)).shape", "m.zeros(size=(2, 3))", "m.empty(size=(2, 3)).shape",
    "m.ones(size=[2, 3])", "m.full(size=(2,), fill_value=3.0)", "m.randint(0, 5, size=(2,)).shape",
    "m.randint(5, size=(2,)).shape", "m.randint(high=5, size=(2,)).shape", "m.randn(size=2)", "m.randn(2, size=(2,))",
    "m.randperm(n=3).shape", "m.arange(end=3)", "m.arange(start=1, end=3)", "m.linspace(start=0, end=1, steps=3)",
    "m.eye(n=2, m=3)",
    # methods
    "a.matmul(other=b)", "a.add(other=a)", "a.mul(other=2)", "a.max(other=a)", "a.cumsum(axis=0)", "a.sum(axis=0)",
    "a.transpose(dim0=0, dim1=1)", "a.add(a, alpha=2)", "a.sub(other=a, alpha=2)", "a.div(other=2)",
    "a.pow(exponent=2)", "a.mm(mat2=b)", "v.dot(tensor=v)", "a.mv(vec=v)",
    # top-level keyword names
    "m.add(input=a, other=a, alpha=2)", "m.sub(input=a, other=1)", "m.mul(input=a, other=a)",
    "m.div(input=a, other=2, rounding_mode='floor')", "m.floor_divide(input=a, other=2)", "m.remainder(input=a, other=2)",
    "m.pow(input=a, exponent=2)", "m.maximum(input=a, other=a)", "m.minimum(input=a, other=a)",
    "m.eq(input=a, other=a)", "m.lt(input=a, other=a)", "m.logical_not(input=a)", "m.logical_and(input=a, other=a)",
    "m.where(condition=a > 0, input=a, other=a * 0)", "m.exp(input=a)", "m.log1p(input=a.abs())", "m.abs(input=a)",
    "m.neg(input=a)", "m.sqrt(input=a.abs())", "m.sigmoid(input=a)", "m.tanh(input=a)", "m.relu(input=a)",
    "m.clamp(input=a, min=0)", "m.clip(input=a, max=1)", "m.clone(input=a)", "m.isnan(input=a)", "m.isfinite(input=a)",
    "m.sum(input=a, dim=0)", "m.mean(input=a, axis=0)", "m.prod(input=a, dim=0)", "m.amax(input=a, dim=0)",
    "m.argmax(input=a, dim=0)", "m.var(input=a, dim=0)", "m.std(input=a)", "m.norm(input=a)",
    "m.any(input=a, dim=0)", "m.all(input=a)", "m.logsumexp(input=a, dim=0)", "m.softmax(input=a, dim=0)",
    "m.log_softmax(input=a, dim=0)", "m.sum(a, axis=0, keepdims=True)",
    "m.transpose(input=a, dim0=0, dim1=1)", "m.squeeze(input=a, dim=0)", "m.unsqueeze(input=a, dim=0)",
    "m.permute(a, (1, 0))", "m.permute(input=a, dims=(1, 0))", "m.flatten(input=a)", "m.flip(input=a, dims=(0,))",
    "m.chunk(input=a, chunks=2)",
    "m.narrow(input=a, dim=0, start=0, length=1)", "m.movedim(input=a, source=0, destination=1)", "m.t(input=a)",
    "m.unbind(input=a, dim=0)", "m.split(tensor=a, split_size_or_sections=1)",
    "m.gather(input=a, dim=0, index=i)", "m.index_select(input=a, dim=0, index=j)",
    "m.masked_fill(input=a, mask=a > 0, value=0.0)", "m.masked_select(input=a, mask=a > 0)",
    "m.mm(input=a, mat2=b)", "m.mv(input=a, vec=v)", "m.dot(input=v, tensor=v)", "m.dot(input=v, other=v)",
    "m.arange()", "m.add(a, 1, alpha=2)", "m.sub(a, 1, alpha=2)", "m.sort(input=a, dim=0).values",
    "m.topk(input=a, k=1).values", "m.tril(input=a)", "m.roll(input=a, shifts=1)",
    # refusals
    "m.max(a, 0, other=a)", "m.cumsum(a)", "m.reshape(a, (3, 2), shape=(3, 2))",
]


@pytest.mark.parametrize("expr", KEYWORD_CALLS)
def test_keyword_call_as_torch(expr):
    agree(run(expr, tg), run(expr, torch))


# ---- out= ------------------------------------------------------------------------------------------------------
OUT_CALLS = [
    ("m.matmul(a, b, out={o})", "m.empty(0)"), ("m.matmul(a, b, out={o})", "m.empty(5)"),
    ("m.matmul(a, b, out={o})", "m.empty(2, 2, dtype=m.float64)"), ("m.mm(a, b, out={o})", "m.empty(0)"),
    ("m.bmm(a[None], b[None], out={o})", "m.empty(0)"), ("m.mv(a, v, out={o})", "m.empty(0, dtype=m.float64)"),
    ("m.add(a, a, out={o})", "m.empty(2, 3, dtype=m.float64)"), ("m.add(a, a, out={o})", "m.empty(2, 3, dtype=m.int64)"),
    ("m.add(a.long(), a.long(), out={o})", "m.empty(2, 3)"), ("m.add(a, 1, alpha=2, out={o})", "m.empty(0)"),
    ("m.add(a, v, out={o})", "m.empty(3)"), ("m.mul(a, 2, out={o})", "m.empty(3, 2)"),
    ("m.sub(a, 2, out={o})", "m.empty(0)"), ("m.div(a, 2, out={o})", "m.empty(0)"),
    ("m.pow(a, 2, out={o})", "m.empty(0)"), ("m.maximum(a, a, out={o})", "m.empty(0)"),
    ("m.eq(a, a, out={o})", "m.empty(0)"), ("m.eq(a, a, out={o})", "m.empty(0, dtype=m.int64)"),
    ("m.logical_and(a, a, out={o})", "m.empty(0)"), ("m.exp(a, out={o})", "m.empty(2, 3, dtype=m.float64)"),
    ("m.exp(a.long(), out={o})", "m.empty(2, 3, dtype=m.int64)"), ("m.sqrt(a.abs(), out={o})", "m.empty(0)"),
    ("m.abs(a, out={o})", "m.empty(0)"), ("m.neg(a, out={o})", "m.empty(0)"), ("m.sigmoid(a, out={o})", "m.empty(0)"),
    ("m.tanh(a, out={o})", "m.empty(0)"), ("m.square(a, out={o})", "m.empty(0, dtype=m.int64)"),
    ("m.clamp(a, 0, 1, out={o})", "m.empty(0)"), ("m.clamp(a, 0, 1, out={o})", "m.empty(0, dtype=m.int64)"),
    ("m.where(a > 0, a, a, out={o})", "m.empty(0)"), ("m.where(a > 0, a, a, out={o})", "m.empty(0, dtype=m.float64)"),
    ("m.cat([a, a], out={o})", "m.empty(0)"), ("m.cat([a, a], dim=1, out={o})", "m.empty(1)"),
    ("m.cat([a, a], out={o})", "m.empty(4, 3, dtype=m.int64)"), ("m.cat([a, a], out={o})", "m.empty(4, 3, dtype=m.float64)"),
    ("m.stack([a, a], out={o})", "m.empty(0)"), ("m.stack([a, a], out={o})", "m.empty(0, dtype=m.int64)"),
    ("m.sum(a, 0, out={o})", "m.empty(0)"), ("m.sum(a, dim=0, out={o})", "m.empty(3, dtype=m.float64)"),
    ("m.sum(a, dim=0, out={o})", "m.empty(3, dtype=m.int64)"), ("m.mean(a, 0, out={o})", "m.empty(0)"),
    ("m.mean(a, 0, out={o})", "m.empty(0, dtype=m.int64)"), ("m.prod(a, 0, out={o})", "m.empty(0, dtype=m.float64)"),
    ("m.cumsum(a, 0, out={o})", "m.empty(0)"), ("m.cumsum(a, 0, out={o})", "m.empty(0, dtype=m.int64)"),
    ("m.amax(a, 0, out={o})", "m.empty(0)"), ("m.amax(a, 0, out={o})", "m.empty(0, dtype=m.float64)"),
    ("m.argmax(a, 0, out={o})", "m.empty(0, dtype=m.int64)"), ("m.argmax(a, 0, out={o})", "m.empty(0)"),
    ("m.tril(a, out={o})", "m.empty(0)"), ("m.tril(a, out={o})", "m.empty(0, dtype=m.int64)"),
    ("m.gather(a, 0, i, out={o})", "m.empty(0)"), ("m.index_select(a, 0, j, out={o})", "m.empty(0)"),
    ("m.masked_select(a, a > 0, out={o})", "m.empty(0)"), ("m.logsumexp(a, 0, out={o})", "m.empty(0)"),
    ("m.norm(a, out={o})", "m.empty(0)"),
    ("m.add(a.requires_grad_(), 1, out={o})", "m.empty(2, 3)"), ("m.add(a, 1, out={o})", "m.empty(2, 3, requires_grad=True)"),
    ("m.cat([a.requires_grad_(), a], out={o})", "m.empty(0)"),
    ("m.all(a, 0, out={o})", "m.empty(0)"), ("m.all(a, 0, out={o})", "m.empty(0, dtype=m.bool)"),
    ("m.any(a, out={o})", "m.empty(0, dtype=m.int64)"), ("m.var(a, 0, out={o})", "m.empty(0, dtype=m.float64)"),
    ("m.std(a, 0, out={o})", "m.empty(0)"), ("m.max(a, out={o})", "m.empty(0)"), ("m.max(a, a, out={o})", "m.empty(0)"),
    ("m.max(a, 0, out={o})", "(m.empty(0), m.empty(0, dtype=m.int64))"),
    ("m.min(a, 1, keepdim=True, out={o})", "(m.empty(0), m.empty(5, dtype=m.int64))"),
    ("m.max(a, 0, out={o})", "(m.empty(0, dtype=m.float64), m.empty(0, dtype=m.int64))"),
    ("m.max(a, 0, out={o})", "(m.empty(0), m.empty(0))"), ("m.max(a, 0, out={o})", "m.empty(0)"),
    ("m.sort(a, 0, out={o})", "(m.empty(0), m.empty(0, dtype=m.int64))"),
    ("m.topk(a, 1, out={o})", "(m.empty(0), m.empty(0, dtype=m.int64))"),
    ("m.multinomial(m.ones(3), 3, out={o}).sort().values", "m.empty(0, dtype=m.int64)"),
    ("m.zeros(2, out={o})", "m.empty(0, dtype=m.int64)"), ("m.zeros(2, dtype=m.float64, out={o})", "m.empty(0)"),
    ("m.ones(2, 3, out={o})", "m.empty(0)"), ("m.empty(2, out={o}).shape", "m.empty(0, dtype=m.int64)"),
    ("m.randn(2, out={o}).dtype", "m.empty(0, dtype=m.float64)"), ("m.rand(size=(2,), out={o}).shape", "m.empty(0)"),
    ("m.arange(3, out={o})", "m.empty(0)"), ("m.arange(3, out={o})", "m.empty(0, dtype=m.int64)"),
    ("m.full((2,), 1.5, out={o})", "m.empty(0, dtype=m.int64)"), ("m.eye(2, out={o})", "m.empty(5)"),
    ("m.linspace(0, 1, 3, out={o})", "m.empty(0)"), ("m.randint(3, (2,), out={o}).dtype", "m.empty(0)"),
    ("m.randperm(3, out={o}).sort().values", "m.empty(0)"), ("m.zeros(2, out={o})", "m.empty(0, requires_grad=True)"),
    # (out=5: torch's parser reads the int as a tensor and raises a dtype RuntimeError; ours is a TypeError)
]


def _run_out(expr, out_expr, lib):
    out = run(out_expr, lib)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _eval_with_out(expr, out, lib)
    return result, out, [w.category for w in caught if "resized" in str(w.message)]


def _eval_with_out(expr, out, lib):
    a = lib.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    env = {"m": lib, "a": a, "b": a.T.contiguous(), "v": lib.tensor([1.0, 2.0, 3.0]), "o": out,
           "i": lib.tensor([[0, 1, 0]]), "j": lib.tensor([1, 0])}
    try:
        return eval(expr.format(o="o"), env)
    except Exception as e:  # noqa: BLE001
        return type(e)


@pytest.mark.parametrize("expr,out_expr", OUT_CALLS)
def test_out_as_torch(expr, out_expr):
    ours, ours_out, ours_warned = _run_out(expr, out_expr, tg)
    theirs, theirs_out, theirs_warned = _run_out(expr, out_expr, torch)
    agree(ours, theirs)
    assert ours_warned == theirs_warned
    if isinstance(theirs, torch.Tensor) and expr.endswith("out={o})"):
        assert ours is ours_out and theirs is theirs_out   # the result is out itself


def test_out_writes_in_place_and_bumps_the_version():
    o = tg.zeros(2, 3)
    view = o[0]
    version = o._version[0]
    tg.add(tg.ones(2, 3), 1, out=o)
    assert view.tolist() == [2.0, 2.0, 2.0] and o._version[0] == version + 1
    x = tg.ones(2, 3)
    tg.add(x, x, out=x)                       # out may be an input, as in torch
    assert x.tolist() == [[2.0] * 3] * 2
    with tg.no_grad():
        w = tg.ones(2, requires_grad=True)
        tg.mul(w, 3, out=w)                    # no autograd to refuse under no_grad
    assert w.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "matmul", "bmm", "mm", "cat", "stack", "exp", "sum",
                                  "cumsum", "clamp", "where", "maximum", "eq"])
def test_out_is_in_the_signature(name):
    parameter = inspect.signature(getattr(tg, name)).parameters["out"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None


@pytest.mark.parametrize("name,params", [
    ("add", ["input", "other", "alpha"]), ("sub", ["input", "other", "alpha"]), ("mul", ["input", "other"]),
    ("div", ["input", "other", "rounding_mode"]), ("pow", ["input", "exponent"]), ("matmul", ["input", "other"]),
    ("mm", ["input", "mat2"]), ("bmm", ["input", "mat2"]), ("mv", ["input", "vec"]), ("dot", ["input", "tensor"]),
    ("where", ["condition", "input", "other"]), ("exp", ["input"]), ("sum", ["input", "dim", "keepdim", "dtype"]),
    ("cat", ["tensors", "dim"]), ("split", ["tensor", "split_size_or_sections", "dim"]),
    ("transpose", ["input", "dim0", "dim1"]), ("gather", ["input", "dim", "index"]),
])
def test_signatures_name_torchs_parameters(name, params):
    """The names torch documents (torch's C functions have no inspect signature: the calls above run them)."""
    ours = [p for p in inspect.signature(getattr(tg, name)).parameters if p not in ("out", "axis", "keepdims")]
    assert ours[:len(params)] == params


@pytest.mark.parametrize("expr", [
    "m.round(x, decimals=1)", "m.round(x, decimals=2)", "m.round(x, decimals=3)", "m.round(x, decimals=-1)",
    "m.round(x, decimals=-2)", "m.round(x.double(), decimals=2)", "x.round(decimals=1)", "m.round(x)",
    "m.round(m.tensor([1.25, 0.35], dtype=m.float16), decimals=1)", "m.round(m.tensor([15, 25]), decimals=-1)",
    "m.round(x, decimals=1, out=m.empty(0))", "m.gather(x[None], 1, m.tensor([[0, 2]]), sparse_grad=True)",
])
def test_round_decimals_and_gather_sparse_grad(expr):
    def call(lib):
        x = lib.tensor([1.2345, 2.5, -0.125, 1e30, 0.0049999, -7.55, 0.5, 1.5])
        try:
            return eval(expr, {"m": lib, "x": x})
        except Exception as e:  # noqa: BLE001
            return type(e)
    agree(call(tg), call(torch))


def test_round_decimals_graph():
    for lib in (tg, torch):
        y = lib.tensor([1.26, 2.0], requires_grad=True)
        r = lib.round(y, decimals=1)
        assert r.grad_fn.name() == "RoundBackward1"
        r.sum().backward()
        assert y.grad.tolist() == [0.0, 0.0]


# ---- every keyword torch documents for a function we have is accepted --------------------------------------
NOT_KEYWORDS = {"layout", "memory_format", "names",   # torch options without meaning here (strided, no named dims)
                "equation", "ndarray", "tensor1", "tensor2",   # torch refuses these as keywords itself
                "LongTensor",                                  # "-> (Tensor, LongTensor)" read as a parameter
                "Tensor",                                      # "-> (Tensor, Tensor)" (qr, svd, slogdet, std_mean)
                "values",                                      # searchsorted's docs; its parser takes `input`
                "dividend", "divisor"}                         # true_divide's docstring names; its parser refuses them


def _documented_parameters(name):
    """Parameter names from the signature lines at the top of torch's docstring for `name`."""
    import re
    found = []
    for line in (getattr(torch, name).__doc__ or "").split("\n")[:4]:
        match = re.match(rf"{name}\((.*)\)\s*(->.*)?$", line.strip())
        if match:
            for part in match.group(1).split(","):
                word = part.split("=")[0].split(":")[0].strip()
                if word.isidentifier() and word not in NOT_KEYWORDS:
                    found.append(word)
    return found


def test_every_documented_keyword_is_a_parameter():
    checked, missing = 0, {}
    for name in dir(tg):
        fn = getattr(tg, name)
        if name.startswith("_") or isinstance(fn, type) or not callable(fn) or not hasattr(torch, name):
            continue
        documented = _documented_parameters(name)
        if not documented:
            continue
        params = inspect.signature(fn).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            continue
        checked += 1
        absent = [p for p in documented if p not in params]
        if absent:
            missing[name] = absent
    assert checked > 80 and not missing, missing


METHOD_CALLS = [
    "a.div(other=2)", "a.remainder(other=2)", "v.dot(tensor=v)", "a[None].bmm(mat2=a.T[None])",
    "a.narrow(dim=0, start=0, length=1)", "a.swapaxes(axis0=0, axis1=1)", "a.type_as(other=v.double())",
    "a.where(a > 0, other=a * 0)", "a.where(condition=a > 0, other=a * 0)", "a.clamp(min=0)", "a.sum(dim=0)",
    "a.view(3, 2)", "a.permute(dims=(1, 0))", "a.flatten(start_dim=0)",
    "a.squeeze(dim=0)", "a.unsqueeze(dim=0)", "a.chunk(chunks=2)", "a.topk(k=1).values",
    "a.sort(dim=0).values", "a.gather(dim=0, index=i)", "a.masked_fill(mask=a > 0, value=0.0)",
    "a.index_select(dim=0, index=j)", "a.to(dtype=m.float64)", "a.softmax(dim=0)", "a.pow(exponent=2)",
    "a.max(dim=0).values", "a.argmax(dim=0)", "a.mean(dim=0, keepdim=True)", "a.std(dim=0)", "a.norm(p=2)",
    "a.roll(shifts=1)", "a.flip(dims=(0,))", "a.movedim(source=0, destination=1)", "a.tril(diagonal=0)",
    "a.unbind(dim=0)", "a.cumsum(dim=0)", "a.clone().add_(other=1)", "a.clone().mul_(other=2)",
    "a.clone().clamp_(min=0)", "a.clone().fill_(value=1)", "a.clone().masked_fill_(mask=a > 0, value=0.0)",
    # torch refuses these (its docstrings name them, its parser does not)
    "a.div(value=2)", "a.mul(value=2)", "v.dot(other=v)", "a.matmul(tensor2=a.T)",
]


@pytest.mark.parametrize("expr", METHOD_CALLS)
def test_method_keywords_as_torch(expr):
    agree(run(expr, tg), run(expr, torch))
