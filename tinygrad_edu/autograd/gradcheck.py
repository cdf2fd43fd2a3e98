"""gradcheck / gradgradcheck: compare backward with central finite differences (torch semantics).

For every input that requires grad and every element j of it, the numerical Jacobian column is
(f(x + eps e_j) - f(x - eps e_j)) / (2 eps), perturbing the input's own memory in place (so a
transposed or sliced input is perturbed where the function reads it); the analytical Jacobian
rows come from one backward pass per output element. They must agree within
|a - n| <= atol + rtol |n| (a NaN on either side is a mismatch, as in torch). Use float64 inputs:
in float32 the finite differences themselves are too noisy.

As torch's, the check also runs backward twice and requires the same result (within `nondet_tol`:
"reentrant"), and runs it with zero output gradients and requires zero input gradients ("backward
multiplied by grad_output"). That is also what `check_undefined_grad` checks here: torch feeds
backward *undefined* output gradients, and in this engine an output that receives no gradient
reaches backward as zeros (as it reaches a torch custom Function, whose result then agrees).
`fast_mode=True` compares v^T J u for random unit vectors u, v instead of the whole Jacobians.

The keywords are torch 2.13's, with its defaults. Those that need forward-mode AD or vmap
(check_forward_ad, check_batched_grad, check_batched_forward_grad, check_fwd_over_rev) raise
NotImplementedError when turned on; `masked` changes nothing for the dense tensors this engine has.
"""
import warnings

import numpy as np

from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor
from .grad import grad as autograd_grad


class GradcheckError(RuntimeError):
    pass


def _refuse_unimplemented(fname, **flags):
    for name, (value, why) in flags.items():
        if value:
            raise NotImplementedError(f"{fname}({name}=True) is not implemented: {why}")


def _outputs(fn, inputs):
    out = fn(*inputs)
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    return [o for o in outs if isinstance(o, Tensor)]


def _flat_outputs(fn, inputs):
    return np.concatenate([o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)] or [np.zeros(0)])


def _writable(x, i):
    data = x._data
    if data.size and (not data.flags.writeable or any(s == 0 and n > 1 for s, n in zip(data.strides, data.shape))):
        raise RuntimeError(f"The {i}th input has a dimension with stride 0 (or is read-only): gradcheck only "
                           "supports inputs that are non-overlapping to be able to compute the numerical "
                           "gradients correctly; pass x.contiguous()")
    return data


def _numerical(fn, inputs, i, eps, n_out):
    """d outputs / d input i, one central difference per element, written into the input's memory."""
    data = _writable(inputs[i], i)
    flat = data.flat        # C order over the input's own strides: no copy, even when non-contiguous
    cols = np.zeros((data.size, n_out))
    with no_grad():
        for j in range(data.size):
            orig = data.item(j) if data.ndim else data.item()
            flat[j] = orig + eps
            plus = _flat_outputs(fn, inputs)
            flat[j] = orig - eps
            minus = _flat_outputs(fn, inputs)
            flat[j] = orig
            cols[j] = (plus - minus) / (2 * eps)
    return cols


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


def _mismatch(i, k, numerical, analytical, atol, rtol, detail):
    return GradcheckError(f"Jacobian mismatch for output {k} with respect to input {i},\n{detail}"
                          f"numerical:\n{numerical}\nanalytical:\n{analytical}\n(tolerance: |analytical - numerical| "
                          f"<= atol {atol} + rtol {rtol} * |numerical|)")


def _slow_check(func, inputs, diff_idx, eps, atol, rtol, nondet_tol, check_dtypes):
    outs = _outputs(func, inputs)
    sizes = np.cumsum([o._data.size for o in outs])
    analytical = _analytical(outs, inputs, diff_idx, check_dtypes)
    for i in diff_idx:
        a, numerical = analytical[i], _numerical(func, inputs, i, eps, int(sizes[-1]) if len(sizes) else 0)
        bad = ~(np.abs(a - numerical) <= atol + rtol * np.abs(numerical))     # a NaN anywhere is a mismatch
        if bad.any():
            err = np.nan_to_num(np.abs(a - numerical) - (atol + rtol * np.abs(numerical)), nan=np.inf)
            j, col = np.unravel_index(np.argmax(np.where(bad, err, -np.inf)), a.shape)
            k = int(np.searchsorted(sizes, col, side="right"))
            detail = (f"worst element: d out[flat {col}] / d input{i}[flat {j}] numerical={numerical[j, col]:.8g} "
                      f"analytical={a[j, col]:.8g}; {int(bad.sum())} of {bad.size} entries differ.\n")
            raise _mismatch(i, k, numerical.T, a.T, atol, rtol, detail)
    _check_reentrant(analytical, _analytical(outs, inputs, diff_idx, check_dtypes), nondet_tol)


def _slow_jacobians(func, inputs, diff_idx, i, k, eps, outs):
    """What a fast-mode failure recomputes, as torch's message does: the whole Jacobians of output k
    with respect to input i, and their largest element-wise difference."""
    sizes = [o._data.size for o in outs]
    start = sum(sizes[:k])
    analytical = _analytical(outs, inputs, diff_idx, False)[i][:, start:start + sizes[k]].T
    numerical = _numerical(func, inputs, i, eps, sum(sizes))[:, start:start + sizes[k]].T
    return (f"recomputed in slow mode, the whole Jacobians are\nNumerical:\n{numerical}\nAnalytical:\n{analytical}\n"
            f"The max per-element difference (slow mode) is: {np.abs(numerical - analytical).max(initial=0.0)}.\n"
            "The quantities v^T J u below are those of fast mode:\n")


def _unit_vector(rng, n):
    v = rng.random(n)
    return v / np.linalg.norm(v) if n else v


def _fast_check(func, inputs, diff_idx, eps, atol, rtol, nondet_tol, check_dtypes):
    """torch's fast mode: v_k^T J_ik u_i, numerically (one directional difference per input) and
    analytically (one backward per output), for random positive unit vectors u_i, v_k."""
    rng = np.random.default_rng(0)      # a generator of its own: the user's random stream is untouched
    u = {i: _unit_vector(rng, inputs[i]._data.size) for i in diff_idx}
    outs = _outputs(func, inputs)
    v = [_unit_vector(rng, o._data.size) for o in outs]

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
        data = _writable(inputs[i], i)
        orig, step = data.copy(), (eps * u[i]).reshape(data.shape)
        with no_grad():
            data[...] = orig + step
            plus = [o._data.astype(np.float64).ravel() for o in _outputs(func, inputs)]
            data[...] = orig - step
            minus = [o._data.astype(np.float64).ravel() for o in _outputs(func, inputs)]
            data[...] = orig
        for k in range(len(outs)):
            num = (plus[k] - minus[k]) / (2 * eps) @ v[k]
            if not abs(a[n, k] - num) <= atol * u[i].sum() * v[k].sum() + rtol * abs(num):
                raise _mismatch(i, k, num, a[n, k], atol, rtol, "fast mode compares v^T J u for random unit "
                                "vectors u, v; " + _slow_jacobians(func, inputs, diff_idx, i, k, eps, outs))
    _check_reentrant({0: a}, {0: analytical()}, nondet_tol)


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
    """True if backward matches finite differences for every input that requires grad (torch's keywords)."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    _refuse_unimplemented("gradcheck", check_forward_ad=(check_forward_ad, "tinygrad_edu has no forward-mode AD"),
                          check_batched_forward_grad=(check_batched_forward_grad, "it needs forward-mode AD and vmap"),
                          check_batched_grad=(check_batched_grad, "tinygrad_edu has no vmap"))
    inputs, diff_idx = _prepare(inputs)
    try:
        check = _fast_check if fast_mode else _slow_check
        check(func, inputs, diff_idx, eps, atol, rtol, nondet_tol, check_grad_dtypes)
        _check_zero_grad_outputs(func, inputs, diff_idx)   # also what check_undefined_grad asks (docstring)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


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
    _refuse_unimplemented("gradgradcheck",
                          check_fwd_over_rev=(check_fwd_over_rev, "tinygrad_edu has no forward-mode AD"),
                          check_batched_grad=(check_batched_grad, "tinygrad_edu has no vmap"))
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if grad_outputs is None:
        grad_outputs = _random_grad_outputs(_outputs(func, inputs), gen_non_contig_grad_outputs)
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        xs, gos = args[:n], args[n:]
        with enable_grad():  # gradcheck evaluates this under no_grad for its finite differences
            ys = [o for o in _outputs(func, xs) if o.requires_grad]
            return autograd_grad(ys, [xs[i] for i in diff_idx], gos[:len(ys)], create_graph=True,
                                 allow_unused=True, materialize_grads=True)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     fast_mode=fast_mode, masked=masked)
