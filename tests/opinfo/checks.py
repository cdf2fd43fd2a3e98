"""The checks the test_opinfo_*.py files run on each (op, sample): forward against torch, gradients
against torch, against our gradcheck and against a finite difference written here, second order.

Everything that involves a random upstream gradient draws it from numpy's RandomState(seed) on the
output's shape and dtype, so both libraries receive the same numbers."""
import numpy as np
import torch

import tinygrad_edu as tg

from .compare import TOLERANCES, assert_same, differentiable, dtype_name, ours_array, tensors_of, torch_array
from .core import T, run, wants_grad

GRAD_TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-9, 1e-11)}


def run_torch(op, sample):
    """torch's result; a sample torch refuses is a bug of the registry, reported as such."""
    try:
        return run(op, sample, torch)
    except Exception as e:  # noqa: BLE001 (any refusal by torch means the sample is wrong)
        raise AssertionError(f"registry bug: torch refuses this sample: {type(e).__name__}: {e}") from e


def check_values(op, sample):
    theirs, _ = run_torch(op, sample)
    ours, _ = run(op, sample, tg)
    assert_same(ours, theirs, compare=sample.compare or op.compare)


def check_contiguity(op, sample):
    """Every output tensor is contiguous exactly when torch's is (`view` works on one iff on the other)."""
    theirs, _ = run_torch(op, sample)
    ours, _ = run(op, sample, tg)
    t_list, o_list = tensors_of(theirs), tensors_of(ours)
    assert len(o_list) == len(t_list), f"{len(o_list)} output tensors vs torch {len(t_list)}"
    for i, (o, th) in enumerate(zip(o_list, t_list)):
        assert o.is_contiguous() == th.is_contiguous(), \
            f"output {i} (shape {tuple(th.shape)}): is_contiguous() {o.is_contiguous()} vs torch {th.is_contiguous()}"


def upstream(outputs, seed=1234):
    """One random upstream gradient per output, as numpy arrays of the output's shape and dtype."""
    rng = np.random.RandomState(seed)
    return [np.asarray(rng.standard_normal(tuple(o.shape))).astype(dtype_name(o.dtype)) for o in outputs]


def _first_order(lib, op, sample, us=None, create_graph=False):
    out, leaves = run(op, sample, lib)
    outs = differentiable(out)
    if us is None:
        us = upstream(outs)
    gs = [lib.from_numpy(u.copy()) for u in us]
    if create_graph:
        gs = [g.requires_grad_(True) for g in gs]
    if not outs:
        return outs, leaves, gs, None
    grads = lib.autograd.grad(outs, leaves, gs, allow_unused=True, create_graph=create_graph)
    return outs, leaves, gs, grads


def _tolerance(*dtypes):
    """The loosest tolerance among the dtypes involved (a float64 input of a float32 op gets a float32-
    precision gradient in torch too)."""
    tols = [GRAD_TOLERANCES.get(d, TOLERANCES.get(d, (0, 0))) for d in dtypes]
    return max(t[0] for t in tols), max(t[1] for t in tols)


def _assert_grads(o_grads, t_grads, leaves, what, compute_dtypes=(), none_is_zero=False):
    """Gradients agree: None where torch's is None (or, with none_is_zero, None counts as zeros),
    else same dtype, shape and values."""
    for i, (go, gt, leaf) in enumerate(zip(o_grads, t_grads, leaves)):
        where = f"{what} of input {i} (shape {tuple(leaf.shape)})"
        if none_is_zero and (go is None or gt is None):
            zeros = np.zeros(tuple(leaf.shape))
            o = zeros if go is None else ours_array(go)
            t = zeros if gt is None else torch_array(gt)
            d = dtype_name(leaf.dtype)
        else:
            if gt is None or go is None:
                assert gt is None and go is None, f"{where}: ours {'None' if go is None else 'a tensor'}, torch " \
                                                  f"{'None' if gt is None else 'a tensor'}"
                continue
            d = dtype_name(gt.dtype)
            assert dtype_name(go.dtype) == d, f"{where}: dtype {dtype_name(go.dtype)} vs torch {d}"
            o, t = ours_array(go), torch_array(gt)
        rtol, atol = _tolerance(d, *compute_dtypes)
        assert o.shape == t.shape, f"{where}: shape {o.shape} vs torch {t.shape}"
        o64, t64 = o.astype(np.float64), t.astype(np.float64)
        ok = np.isclose(o64, t64, rtol=rtol, atol=atol, equal_nan=True)
        assert ok.all(), (f"{where}: {int((~ok).sum())} of {ok.size} differ (max |diff| "
                          f"{np.nanmax(np.abs(o64 - t64)):.3g})\nours  {o.ravel()[:6]}\ntorch {t.ravel()[:6]}")


def check_grad_vs_torch(op, sample):
    run_torch(op, sample)
    t_outs, t_leaves, _, t_grads = _first_order(torch, op, sample)
    o_outs, o_leaves, _, o_grads = _first_order(tg, op, sample, upstream(t_outs))
    assert len(o_outs) == len(t_outs), f"{len(o_outs)} outputs require grad, torch {len(t_outs)}"
    assert len(o_leaves) == len(t_leaves)
    if t_grads is not None:
        _assert_grads(o_grads, t_grads, t_leaves, "gradient", [dtype_name(o.dtype) for o in t_outs])


def check_grad2_vs_torch(op, sample, seed=77):
    """d/d(inputs, upstream) of sum(grad_i * w_i): second derivatives against torch (None and zeros alike)."""
    results, us, compute = {}, None, []
    for lib in (torch, tg):
        outs, leaves, gs, grads = _first_order(lib, op, sample, us, create_graph=True)
        us = us or upstream(outs)
        compute = compute or [dtype_name(o.dtype) for o in outs]
        if grads is None:
            results[lib.__name__] = None
            continue
        rng = np.random.RandomState(seed)
        ws = [np.asarray(rng.standard_normal(tuple(x.shape))).astype(dtype_name(x.dtype)) for x in leaves]
        terms = [(g * lib.from_numpy(w)).sum() for g, w in zip(grads, ws) if g is not None and g.requires_grad]
        targets = list(leaves) + list(gs)
        second = [None] * len(targets)
        if terms:
            second = lib.autograd.grad(sum(terms[1:], terms[0]), targets, allow_unused=True)
        results[lib.__name__] = (second, targets)
    t_res, o_res = results["torch"], results["tinygrad_edu"]
    assert (t_res is None) == (o_res is None)
    if t_res is not None:
        _assert_grads(o_res[0], t_res[0], t_res[1], "second derivative", compute, none_is_zero=True)


def ours_as_function(op, sample):
    """(f, leaves): f(*leaves) runs the sample on tinygrad_edu with the given leaves and returns the
    outputs that require grad when it runs with grad on (not, e.g., batch_norm's running statistics)."""
    out, leaves = run(op, sample, tg)
    index = [i for i, o in enumerate(tensors_of(out)) if o.requires_grad]
    assert index, "no output requires grad"

    def f(*xs):
        res = tensors_of(run(op, sample, tg, supply=iter(xs))[0])
        return tuple(res[i] for i in index)
    return f, leaves


def check_gradcheck(op, sample):
    f, leaves = ours_as_function(op, sample)
    assert tg.autograd.gradcheck(f, tuple(leaves), raise_exception=True)


def check_gradgradcheck(op, sample):
    f, leaves = ours_as_function(op, sample)
    assert tg.autograd.gradgradcheck(f, tuple(leaves), raise_exception=True)


def check_directional_fd(op, sample, eps=1e-6, seed=5):
    """Our own central difference, independent of autograd.gradcheck: along a random direction v,
    (phi(x + eps v) - phi(x - eps v)) / 2 eps with phi = sum(u * f(x)) must equal sum(grad . v)."""
    out, leaves = run(op, sample, tg)
    index = [i for i, o in enumerate(tensors_of(out)) if o.requires_grad]
    outs = [tensors_of(out)[i] for i in index]
    assert outs, "no output requires grad"
    us = upstream(outs)
    grads = tg.autograd.grad(outs, leaves, [tg.from_numpy(u.copy()) for u in us], allow_unused=True)
    rng = np.random.RandomState(seed)
    vs = [rng.standard_normal(tuple(x.shape)) for x in leaves]
    analytic = sum(float((ours_array(g) * v).sum()) for g, v in zip(grads, vs) if g is not None)

    def phi(sign):
        xs = [tg.from_numpy(np.asarray(ours_array(x) + sign * eps * v)) for x, v in zip(leaves, vs)]
        with tg.no_grad():
            res, _ = run(op, sample, tg, supply=iter(xs))
        res = tensors_of(res)
        return sum(float((ours_array(res[i]).astype(np.float64) * u).sum()) for i, u in zip(index, us))
    numeric = (phi(1) - phi(-1)) / (2 * eps)
    assert abs(numeric - analytic) <= 1e-6 + 1e-5 * abs(numeric), \
        f"directional derivative: finite difference {numeric!r} vs backward {analytic!r}"


def leaf_arrays(sample):
    """The arrays of the sample's grad-requiring leaves."""
    out = []

    def walk(spec):
        if isinstance(spec, T) and wants_grad(spec):
            out.append(spec.array)
        elif isinstance(spec, (list, tuple)):
            for s in spec:
                walk(s)
        elif isinstance(spec, dict):
            for s in spec.values():
                walk(s)
    walk((tuple(sample.args), dict(sample.kwargs)))
    return out


def leaf_sizes(sample):
    """Total number of elements in the sample's grad-requiring leaves (for the cost of gradcheck)."""
    return sum(a.size for a in leaf_arrays(sample))


def all_float64(sample):
    """Finite differences need float64: every grad-requiring leaf of the sample is float64."""
    return all(a.dtype == np.float64 for a in leaf_arrays(sample))


__all__ = ["check_values", "check_contiguity", "check_grad_vs_torch", "check_grad2_vs_torch", "check_gradcheck",
           "check_gradgradcheck", "check_directional_fd", "leaf_sizes", "all_float64"]
