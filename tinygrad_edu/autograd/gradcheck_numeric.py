"""What gradcheck's backward-mode (gradcheck.py) and forward-mode (gradcheck_forward.py) checks
share: the error class, the function's outputs, the finite differences, the mismatch message.

Central differences: the numerical Jacobian column of element j of input i is
(f(x + eps e_j) - f(x - eps e_j)) / (2 eps), and its product with a direction u is
(f(x + eps u) - f(x - eps u)) / (2 eps) (fast mode), both computed by perturbing the input's own
memory in place, so that a transposed or sliced input is perturbed where the function reads it.
"""
import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor


class GradcheckError(RuntimeError):
    pass


GradcheckError.__module__ = "tinygrad_edu.autograd.gradcheck"   # where torch users look for it


def outputs_of(fn, inputs):
    """fn's Tensor outputs, as a list."""
    out = fn(*inputs)
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    return [o for o in outs if isinstance(o, Tensor)]


def flat_outputs(fn, inputs):
    """All of fn's Tensor outputs, float64, flattened and concatenated."""
    return np.concatenate([o._data.astype(np.float64).ravel() for o in outputs_of(fn, inputs)] or [np.zeros(0)])


def writable(x, i):
    data = x._data
    if data.size and (not data.flags.writeable or any(s == 0 and n > 1 for s, n in zip(data.strides, data.shape))):
        raise RuntimeError(f"The {i}th input has a dimension with stride 0 (or is read-only): gradcheck only "
                           "supports inputs that are non-overlapping to be able to compute the numerical "
                           "gradients correctly; pass x.contiguous()")
    return data


def numerical_jacobian(fn, inputs, i, eps, n_out):
    """d outputs / d input i (input elements x all output elements), one central difference per element."""
    data = writable(inputs[i], i)
    flat = data.flat        # C order over the input's own strides: no copy, even when non-contiguous
    cols = np.zeros((data.size, n_out))
    with no_grad():
        for j in range(data.size):
            orig = data.item(j) if data.ndim else data.item()
            flat[j] = orig + eps
            plus = flat_outputs(fn, inputs)
            flat[j] = orig - eps
            minus = flat_outputs(fn, inputs)
            flat[j] = orig
            cols[j] = (plus - minus) / (2 * eps)
    return cols


def numerical_directional(fn, inputs, i, u, eps):
    """J_i u numerically: one float64 flat array per output of fn."""
    data = writable(inputs[i], i)
    orig, step = data.copy(), (eps * u).reshape(data.shape)
    with no_grad():
        data[...] = orig + step
        plus = [o._data.astype(np.float64).ravel() for o in outputs_of(fn, inputs)]
        data[...] = orig - step
        minus = [o._data.astype(np.float64).ravel() for o in outputs_of(fn, inputs)]
        data[...] = orig
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def unit_vector(rng, n):
    v = rng.random(n)
    return v / np.linalg.norm(v) if n else v


def mismatch(i, k, numerical, analytical, atol, rtol, detail, forward=False):
    """torch's "Jacobian [computed with forward mode ]mismatch for output k with respect to input i"."""
    mode = "computed with forward mode " if forward else ""
    return GradcheckError(f"Jacobian {mode}mismatch for output {k} with respect to input {i},\n{detail}"
                          f"numerical:\n{numerical}\nanalytical:\n{analytical}\n(tolerance: |analytical - numerical| "
                          f"<= atol {atol} + rtol {rtol} * |numerical|)")


def compare_jacobians(i, a, numerical, sizes, atol, rtol, forward=False):
    """Raise the mismatch for input i unless |a - numerical| <= atol + rtol |numerical| everywhere
    (a and numerical: input elements x all output elements; sizes: cumulative output sizes)."""
    bad = ~(np.abs(a - numerical) <= atol + rtol * np.abs(numerical))     # a NaN anywhere is a mismatch
    if not bad.any():
        return
    err = np.nan_to_num(np.abs(a - numerical) - (atol + rtol * np.abs(numerical)), nan=np.inf)
    j, col = np.unravel_index(np.argmax(np.where(bad, err, -np.inf)), a.shape)
    k = int(np.searchsorted(sizes, col, side="right"))
    detail = (f"worst element: d out[flat {col}] / d input{i}[flat {j}] numerical={numerical[j, col]:.8g} "
              f"analytical={a[j, col]:.8g}; {int(bad.sum())} of {bad.size} entries differ.\n")
    raise mismatch(i, k, numerical.T, a.T, atol, rtol, detail, forward)
