"""gradcheck's forward-mode checks (check_forward_ad, check_batched_forward_grad) and its batched
backward check (check_batched_grad), as torch's.

Forward mode gives Jacobian *columns*: with every differentiable input made dual (forward_ad.py)
with a zero tangent, except one element set to 1, the output tangents are the column of the
Jacobian for that element; one evaluation of the function per input element builds J, which is
compared with the central differences (gradcheck_numeric.py). In fast mode the tangent of input i
is a random unit vector u and J_i u is compared with (f(x + eps u) - f(x - eps u)) / (2 eps).

The batched checks run a vjp (a jvp) once per random cotangent (tangent) in a loop and once
through `func.vmap` over the stacked cotangents (tangents), and require the same results. Our vmap
is itself a loop (_vmap.py), so this catches what changes between two runs of the function or a
vmap that mis-slices or mis-stacks, not a faulty batching rule (there are none).
"""
import numpy as np

from ..tensor import Tensor
from . import forward_ad as fwad
from .grad import grad as autograd_grad
from .gradcheck_numeric import GradcheckError, outputs_of

_FAILED_BATCHED = ("gradcheck or gradgradcheck failed while testing batched gradient computation.\n"
                   "If the test manually invokes gradcheck/gradgradcheck, then call it with "
                   "`check_batched_grad=False` as a keyword argument.")
_FAILED_BATCHED_FWD = ("gradcheck failed while testing batched gradient computation with forward-mode AD.\n"
                       "If the test manually invokes gradcheck/gradgradcheck, then call it with "
                       "`check_batched_forward_grad=False` as a keyword argument.")


def _wrap(array):
    return Tensor._wrap(np.array(array, order="C"))   # a copy (ascontiguousarray would make 0-d 1-d)


def output_tangents(func, inputs, tangents, check_dtypes=False):
    """Run func on dual inputs: input i carries tangents[i] (an array; inputs without an entry are
    passed detached and carry nothing); the output tangents as float64 flat arrays (zeros for an
    output without tangent), one per Tensor output."""
    with fwad.dual_level():
        duals = tuple(fwad.make_dual(x.detach(), _wrap(tangents[i])) if i in tangents else
                      x.detach() if isinstance(x, Tensor) else x for i, x in enumerate(inputs))
        res = []
        for o in outputs_of(func, duals):
            primal, t = fwad.unpack_dual(o)
            if check_dtypes and t is not None and t._data.dtype != primal._data.dtype:
                raise GradcheckError("Forward AD gradient has dtype mismatch.")
            res.append(np.zeros(o._data.size) if t is None else t._data.astype(np.float64).ravel())
    return res


def _stacked(tensors):
    return Tensor._wrap(np.stack([t._data for t in tensors]))


def _zero_tangents(inputs, diff_idx):
    return {i: np.zeros(inputs[i]._data.shape, inputs[i]._data.dtype) for i in diff_idx}


def forward_jacobian(func, inputs, diff_idx, i, check_dtypes):
    """d outputs / d input i (input elements x all output elements), one jvp per element of input i,
    every differentiable input dual (zero tangents but the one element), as torch's."""
    tangents = _zero_tangents(inputs, diff_idx)
    flat = tangents[i].reshape(-1)
    cols = []
    for j in range(flat.size):
        flat[j] = 1
        outs = output_tangents(func, inputs, tangents, check_dtypes)
        flat[j] = 0
        cols.append(np.concatenate(outs) if outs else np.zeros(0))
    total = sum(o._data.size for o in outputs_of(func, inputs))
    return np.array(cols).reshape(flat.size, total)


def forward_directional(func, inputs, diff_idx, i, u, check_dtypes):
    """J_i u by forward mode (u: input i's tangent, the other differentiable inputs' zero)."""
    tangents = _zero_tangents(inputs, diff_idx)
    tangents[i] = u.reshape(inputs[i]._data.shape).astype(inputs[i]._data.dtype)
    return output_tangents(func, inputs, tangents, check_dtypes)


def check_undefined_forward(func, inputs, diff_idx, rng):
    """An input with a zero tangent and one with no tangent at all must give the same output
    tangents (torch's check_undefined_grad for forward mode); the others carry random tangents."""
    base = {i: rng.random(inputs[i]._data.shape).astype(inputs[i]._data.dtype) for i in diff_idx}
    for i in diff_idx:
        zero = {**base, i: np.zeros_like(base[i])}
        absent = {k: v for k, v in base.items() if k != i}
        for k, (r1, r2) in enumerate(zip(output_tangents(func, inputs, zero), output_tangents(func, inputs, absent))):
            if not np.allclose(r1, r2):
                raise GradcheckError(f"Mismatch in tangent values for output with index: {k} when input: {inputs[i]} "
                                     f"has an undefined tangent value. Got: {r1} but expected: {r2}")


def _batched_failure(output_idx, input_idx, got, expected, forward):
    return GradcheckError(f"For output {output_idx} and input {input_idx}:\n\n"
                          f"{_FAILED_BATCHED_FWD if forward else _FAILED_BATCHED}\n\nGot:\n{got}\n\nExpected:\n{expected}")


def _compare_batched(result, expected, output_idx, forward):
    for idx, (res, exp) in enumerate(zip(result, expected)):
        if not np.allclose(res._data, exp._data, rtol=1e-5, atol=1e-8):
            raise _batched_failure(idx if forward else output_idx, output_idx if forward else idx, res, exp, forward)


def _vmapped(fn, batch, forward):
    from .._vmap import vmap    # here, not at the top: ops (which vmap uses) load after autograd
    try:
        return vmap(fn)(batch)
    except RuntimeError as ex:
        raise GradcheckError(f"While computing batched gradients, got: {ex}\n\n"
                             f"{_FAILED_BATCHED_FWD if forward else _FAILED_BATCHED}") from ex


def check_batched_grad(inputs, diff_idx, output, output_idx, rng):
    """vmap of the vjp over two stacked random cotangents == the two vjps one by one."""
    diff = [inputs[i] for i in diff_idx]

    def vjp(v):
        grads = autograd_grad(output, diff, v, retain_graph=True, allow_unused=True)
        return tuple(_wrap(np.zeros(x._data.shape, x._data.dtype)) if g is None else g for g, x in zip(grads, diff))
    cotangents = [_wrap(rng.standard_normal(output._data.shape).astype(output._data.dtype)) for _ in range(2)]
    expected = [_stacked(shards) for shards in zip(*[vjp(c) for c in cotangents])]
    _compare_batched(_vmapped(vjp, _stacked(cotangents), False), expected, output_idx, False)


def check_batched_forward_grad(func, inputs, diff_idx, rng):
    """For each differentiable input, vmap of the jvp over two stacked random tangents == the two jvps."""
    for i in diff_idx:
        if inputs[i]._data.dtype.kind not in "fc":
            continue

        def jvp(tangent, i=i):
            with fwad.dual_level():
                duals = tuple(fwad.make_dual(x.detach(), tangent) if n == i else x.detach() if isinstance(x, Tensor)
                              else x for n, x in enumerate(inputs))
                res = []
                for o in outputs_of(func, duals):
                    t = fwad.unpack_dual(o).tangent
                    res.append(_wrap(np.zeros(o._data.shape, o._data.dtype)) if t is None else t)
                return tuple(res)
        shape, dtype = inputs[i]._data.shape, inputs[i]._data.dtype
        tangents = [_wrap(rng.standard_normal(shape).astype(dtype)) for _ in range(2)]
        expected = [_stacked(shards) for shards in zip(*[jvp(t) for t in tangents])]
        _compare_batched(_vmapped(jvp, _stacked(tangents), True), expected, i, True)
