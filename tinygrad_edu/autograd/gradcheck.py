"""gradcheck / gradgradcheck: compare backward with central finite differences (torch semantics).

For every input that requires grad and every element j of it, the numerical Jacobian column is
(f(x + eps e_j) - f(x - eps e_j)) / (2 eps); the analytical Jacobian rows come from one backward
pass per output element. They must agree within |a - n| <= atol + rtol |n|. Use float64 inputs:
in float32 the finite differences themselves are too noisy.
"""
import warnings

import numpy as np

from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor
from .grad import grad as autograd_grad


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    out = fn(*inputs)
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    return [o for o in outs if isinstance(o, Tensor)]


def _numerical(fn, inputs, i, eps, n_out_elems):
    x = inputs[i]
    flat = x._data.reshape(-1)  # a view: perturbing it perturbs the input
    cols = np.zeros((x._data.size, n_out_elems))
    with no_grad():
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = np.concatenate([o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)])
            flat[j] = orig - eps
            minus = np.concatenate([o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)])
            flat[j] = orig
            cols[j] = (plus - minus) / (2 * eps)
    return cols


def _analytical(fn, inputs, diff_idx):

    outs = _outputs(fn, inputs)
    sizes = [o._data.size for o in outs]
    total = sum(sizes)
    jac = {i: np.zeros((inputs[i]._data.size, total)) for i in diff_idx}
    col = 0
    for o in outs:
        for k in range(o._data.size):
            if o.requires_grad:
                seed = np.zeros(o._data.shape, o._data.dtype)
                seed.reshape(-1)[k] = 1
                grads = autograd_grad(o, [inputs[i] for i in diff_idx], Tensor._wrap(seed),
                                      retain_graph=True, allow_unused=True)
                for i, g in zip(diff_idx, grads):
                    if g is not None:
                        jac[i][:, col] = g._data.astype(np.float64).ravel()
            col += 1
    return jac, total


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **unused):
    """True if backward matches finite differences for every input that requires grad."""
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
    analytical, total = _analytical(func, inputs, diff_idx)
    for i in diff_idx:
        numerical = _numerical(func, inputs, i, eps, total)
        a = analytical[i]
        bad = np.abs(a - numerical) > atol + rtol * np.abs(numerical)
        if bad.any():
            err = np.abs(a - numerical) - (atol + rtol * np.abs(numerical))
            j, k = np.unravel_index(np.argmax(np.where(bad, err, -np.inf)), a.shape)
            msg = (f"Jacobian mismatch for output {_which_output(func, inputs, k)} with respect to input {i},\n"
                   f"worst element: d out[flat {k}] / d input{i}[flat {j}] numerical={numerical[j, k]:.8g} "
                   f"analytical={a[j, k]:.8g} (|diff| {abs(a[j, k] - numerical[j, k]):.3g} > "
                   f"atol {atol} + rtol {rtol} * |numerical|); {int(bad.sum())} of {bad.size} entries differ.\n"
                   f"numerical:\n{numerical.T}\nanalytical:\n{a.T}\n")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def _which_output(func, inputs, flat_col):
    with no_grad():
        sizes = np.cumsum([o._data.size for o in _outputs(func, inputs)])
    return int(np.searchsorted(sizes, flat_col, side="right"))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **unused):
    """gradcheck of the function inputs -> d(func)/d(inputs) . grad_outputs (second derivatives)."""

    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor._wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype), True) for o in outs]
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        xs, gos = args[:n], args[n:]
        with enable_grad():  # gradcheck evaluates this under no_grad for its finite differences
            ys = [o for o in _outputs(func, xs) if o.requires_grad]
            return autograd_grad(ys, [xs[i] for i in diff_idx], gos[:len(ys)], create_graph=True,
                                 allow_unused=True, materialize_grads=True)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
