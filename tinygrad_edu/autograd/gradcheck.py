"""gradcheck / gradgradcheck: compare derivatives with central finite differences (torch semantics).

For every input that requires grad and every element j of it, the numerical Jacobian column is
(f(x + eps e_j) - f(x - eps e_j)) / (2 eps), perturbing the input's own memory in place (so a
transposed or sliced input is perturbed where the function reads it; gradcheck_numeric.py). The
analytical Jacobian comes from backward (one backward pass per output element: its rows) and,
with `check_forward_ad=True`, from forward-mode AD too (one jvp per input element: its columns,
gradcheck_forward.py). They must agree within |a - n| <= atol + rtol |n| (a NaN on either side is
a mismatch, as in torch). Use float64 inputs: in float32 the finite differences are too noisy.

As torch's, the backward check also runs backward twice and requires the same result (within
`nondet_tol`: "reentrant"), and runs it with zero output gradients and requires zero input
gradients ("backward multiplied by grad_output"). That is also what `check_undefined_grad` checks
for backward here: torch feeds backward *undefined* output gradients, and in this engine an output
that receives no gradient reaches backward as zeros (as it reaches a torch custom Function, whose
result then agrees). For forward mode it checks that an input with a zero tangent and one with no
tangent give the same output tangents. `fast_mode=True` compares v^T J u for random unit vectors
u, v (backward) and J u (forward) instead of the whole Jacobians. `check_batched_grad` and
`check_batched_forward_grad` compare vmap'd vjps (jvps) with looped ones; `check_backward_ad=False`
leaves only the forward-mode checks. `masked` changes nothing for the dense tensors this engine has
(as in torch, where it only concerns sparse inputs). gradgradcheck's `check_fwd_over_rev` is the
forward-mode check of the gradient (forward-over-reverse), `check_rev_over_rev` the backward one.
The keywords are torch 2.13's, with its defaults.
"""
import warnings

import numpy as np

from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor
from .grad import grad as autograd_grad
from . import gradcheck_forward as fw
from .gradcheck_numeric import (GradcheckError, compare_jacobians, mismatch, numerical_directional,  # noqa: F401
                                numerical_jacobian, outputs_of as _outputs, unit_vector, writable)


def _vjp(out, inputs, diff_idx, seed, check_dtypes):
    """The gradients of (out * seed).sum() with respect to the differentiable inputs (None: unused)."""
    grads = autograd_grad(out, [inputs[i] for i in diff_idx], Tensor._wrap(seed), retain_graph=True,
                          allow_unused=True)
    for i, g in zip(diff_idx, grads):
        if check_dtypes and g is not None and g._data.dtype != inputs[i]._data.dtype:
            raise GradcheckError(f"Gradient has dtype mismatch: input {i} is {inputs[i].dtype}, its gradient "
                                 f"is {g.dtype}")
    return grads


def _analytical(outs, inputs, diff_idx, check_dtypes):
    """{input index: Jacobian (input elements x all output elements)}, one backward per output element."""
    total = sum(o._data.size for o in outs)
    jac = {i: np.zeros((inputs[i]._data.size, total)) for i in diff_idx}
    col = 0
    for o in outs:
        for k in range(o._data.size):
            if o.requires_grad:
                seed = np.zeros(o._data.shape, o._data.dtype)
                seed.reshape(-1)[k] = 1
                for i, g in zip(diff_idx, _vjp(o, inputs, diff_idx, seed, check_dtypes)):
                    if g is not None:
                        jac[i][:, col] = g._data.astype(np.float64).ravel()
            col += 1
    return jac


def _check_reentrant(first, second, nondet_tol):
    for i in first:
        diff = np.abs(first[i] - second[i])
        if not (diff <= nondet_tol).all():      # NaN fails, as in torch
            raise GradcheckError(f"Backward is not reentrant, i.e., running backward with same input and "
                                 f"grad_output multiple times gives different values, although analytical gradient "
                                 f"matches numerical gradient. The tolerance for nondeterminism was {nondet_tol} "
                                 f"(largest difference {diff.max():.3g}, input {i}).")


def _slow_check(func, inputs, diff_idx, eps, atol, rtol, nondet_tol, check_dtypes, forward=False):
    """Whole Jacobians: by backward (rows; then reentrancy) or, with forward, by forward mode (columns)."""
    outs = _outputs(func, inputs)
    sizes = np.cumsum([o._data.size for o in outs])
    n_out = int(sizes[-1]) if len(sizes) else 0
    analytical = None if forward else _analytical(outs, inputs, diff_idx, check_dtypes)
    for i in diff_idx:
        a = fw.forward_jacobian(func, inputs, diff_idx, i, check_dtypes) if forward else analytical[i]
        compare_jacobians(i, a, numerical_jacobian(func, inputs, i, eps, n_out), sizes, atol, rtol, forward)
    if not forward:
        _check_reentrant(analytical, _analytical(outs, inputs, diff_idx, check_dtypes), nondet_tol)


def _slow_jacobians(func, inputs, diff_idx, i, k, eps, outs, forward=False):
    """What a fast-mode failure recomputes, as torch's message does: the whole Jacobians of output k
    with respect to input i, and their largest element-wise difference."""
    sizes = [o._data.size for o in outs]
    start = sum(sizes[:k])
    whole = fw.forward_jacobian(func, inputs, diff_idx, i, False) if forward else \
        _analytical(outs, inputs, diff_idx, False)[i]
    analytical = whole[:, start:start + sizes[k]].T
    numerical = numerical_jacobian(func, inputs, i, eps, sum(sizes))[:, start:start + sizes[k]].T
    what = "J u" if forward else "v^T J u"
    return (f"recomputed in slow mode, the whole Jacobians are\nNumerical:\n{numerical}\nAnalytical:\n{analytical}\n"
            f"The max per-element difference (slow mode) is: {np.abs(numerical - analytical).max(initial=0.0)}.\n"
            f"The quantities {what} below are those of fast mode:\n")


def _fast_check(func, inputs, diff_idx, eps, atol, rtol, nondet_tol, check_dtypes, forward=False):
    """torch's fast mode: v_k^T J_ik u_i, numerically (one directional difference per input) and
    analytically (one backward per output), for random positive unit vectors u_i, v_k; with forward,
    J_ik u_i by one jvp per input, element-wise against the directional difference."""
    if forward:
        return _fast_forward_check(func, inputs, diff_idx, eps, atol, rtol, check_dtypes)
    rng = np.random.default_rng(0)      # a generator of its own: the user's random stream is untouched
    u = {i: unit_vector(rng, inputs[i]._data.size) for i in diff_idx}
    outs = _outputs(func, inputs)
    v = [unit_vector(rng, o._data.size) for o in outs]

    def analytical():
        a = np.zeros((len(diff_idx), len(outs)))
        for k, o in enumerate(outs):
            if o.requires_grad:
                seed = v[k].reshape(o._data.shape).astype(o._data.dtype)
                for n, g in enumerate(_vjp(o, inputs, diff_idx, seed, check_dtypes)):
                    a[n, k] = 0.0 if g is None else g._data.astype(np.float64).ravel() @ u[diff_idx[n]]
        return a
    a = analytical()
    for n, i in enumerate(diff_idx):
        for k, ju in enumerate(numerical_directional(func, inputs, i, u[i], eps)):
            num = ju @ v[k]
            if not abs(a[n, k] - num) <= atol * u[i].sum() * v[k].sum() + rtol * abs(num):
                raise mismatch(i, k, num, a[n, k], atol, rtol, "fast mode compares v^T J u for random unit "
                               "vectors u, v; " + _slow_jacobians(func, inputs, diff_idx, i, k, eps, outs))
    _check_reentrant({0: a}, {0: analytical()}, nondet_tol)


def _fast_forward_check(func, inputs, diff_idx, eps, atol, rtol, check_dtypes):
    rng = np.random.default_rng(0)
    u = {i: unit_vector(rng, inputs[i]._data.size) for i in diff_idx}
    outs = _outputs(func, inputs)
    for i in diff_idx:
        analytical = fw.forward_directional(func, inputs, diff_idx, i, u[i], check_dtypes)
        for k, (a, num) in enumerate(zip(analytical, numerical_directional(func, inputs, i, u[i], eps))):
            if not (np.abs(a - num) <= atol * u[i].sum() + rtol * np.abs(num)).all():
                raise mismatch(i, k, num, a, atol, rtol, "fast mode compares J u for a random unit vector u; " +
                               _slow_jacobians(func, inputs, diff_idx, i, k, eps, outs, forward=True), forward=True)


def _check_zero_grad_outputs(func, inputs, diff_idx):
    """Zero output gradients must give zero input gradients ("backward not multiplied by grad_output")."""
    outs = [o for o in _outputs(func, inputs) if o.requires_grad]
    if not outs:
        return
    seeds = [Tensor._wrap(np.zeros(o._data.shape, o._data.dtype)) for o in outs]
    grads = autograd_grad(outs, [inputs[i] for i in diff_idx], seeds, allow_unused=True)
    for i, g in zip(diff_idx, grads):
        if g is not None and np.any(g._data != 0):
            raise GradcheckError(f"backward not multiplied by grad_output: input {i} got a nonzero gradient from "
                                 "zero output gradients (expected all input grads to be undefined or zero when "
                                 "all output grads are undefined or zero)")


def _prepare(inputs):
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i]._data.dtype != np.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point.")
    return inputs, diff_idx


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """True if the derivatives (backward, and forward mode with check_forward_ad) match finite
    differences for every input that requires grad (torch's keywords; see the module docstring)."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    for flag, needed, name in ((check_batched_grad, check_backward_ad, "check_backward_ad"),
                               (check_batched_forward_grad, check_forward_ad, "check_forward_ad")):
        if flag and not needed:
            what = "check_batched_grad" if name == "check_backward_ad" else "check_batched_forward_grad"
            raise AssertionError(f"Setting {what}=True requires {name} to be True")
    inputs, diff_idx = _prepare(inputs)
    try:
        _run_checks(func, inputs, diff_idx, dict(
            eps=eps, atol=atol, rtol=rtol, nondet_tol=nondet_tol, check_dtypes=check_grad_dtypes),
            fast_mode, check_backward_ad, check_forward_ad, check_undefined_grad, check_batched_grad,
            check_batched_forward_grad)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _run_checks(func, inputs, diff_idx, tol, fast_mode, backward, forward, undefined, batched, batched_forward):
    """The checks in torch's order: Jacobians (backward, forward), undefined tangents, batched
    forward grads; then, when backward is checked, batched grads and zero output gradients."""
    check = _fast_check if fast_mode else _slow_check
    rng = np.random.default_rng(0)
    if backward:
        check(func, inputs, diff_idx, **tol)
    if forward:
        check(func, inputs, diff_idx, **tol, forward=True)
        if undefined:
            fw.check_undefined_forward(func, inputs, diff_idx, rng)
    if batched_forward:
        fw.check_batched_forward_grad(func, inputs, diff_idx, rng)
    if not backward:
        return
    if batched:
        with enable_grad():
            outs = [o for o in _outputs(func, inputs) if o.requires_grad]
        for k, o in enumerate(outs):
            fw.check_batched_grad(inputs, diff_idx, o, k, rng)
    _check_zero_grad_outputs(func, inputs, diff_idx)   # also what check_undefined_grad asks (docstring)


def _random_grad_outputs(outs, non_contiguous):
    """Random gradients for func's outputs (requiring grad), strided views of bigger arrays if asked."""
    rng = np.random.default_rng(0)
    grads = []
    for o in outs:
        shape = o._data.shape
        if non_contiguous and o._data.size > 1:
            data = rng.standard_normal(shape + (2,)).astype(o._data.dtype)[..., 0]   # every other element
        else:
            data = rng.standard_normal(shape).astype(o._data.dtype)
        grads.append(Tensor._wrap(data, True))
    return grads


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False,
                  check_rev_over_rev=True, fast_mode=False, masked=False):
    """gradcheck of the function inputs -> d(func)/d(inputs) . grad_outputs (second derivatives)."""
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if grad_outputs is None:
        grad_outputs = _random_grad_outputs(_outputs(func, inputs), gen_non_contig_grad_outputs)
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    n = len(inputs)
    diff_go = {j for j, g in enumerate(grad_outputs) if isinstance(g, Tensor) and g.requires_grad}

    def first_derivatives(*args):
        # the forward-mode check passes detached dual tensors: give them back their requires_grad
        xs = tuple(x.requires_grad_() if i in diff_idx and not x.requires_grad else x for i, x in enumerate(args[:n]))
        gos = tuple(g.requires_grad_() if j in diff_go and not g.requires_grad else g
                    for j, g in enumerate(args[n:]))
        with enable_grad():  # gradcheck evaluates this under no_grad for its finite differences
            ys = [o for o in _outputs(func, xs) if o.requires_grad]
            return autograd_grad(ys, [xs[i] for i in diff_idx], gos[:len(ys)], create_graph=True,
                                 allow_unused=True, materialize_grads=True)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, fast_mode=fast_mode, masked=masked)
