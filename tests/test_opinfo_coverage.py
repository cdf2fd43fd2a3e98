"""The op registry (tests/opinfo/) itself: it has an entry for every name in README.md's "From PyTorch"
rows creation, math, reductions, shape and nn.functional (so it cannot silently fall behind the
README), and no entry the README does not list; its samples are deterministic, their "non-contiguous"
inputs really are non-contiguous on both sides, and each op is sampled on 0-d, empty, size-1 and
non-contiguous tensors, in float32 and float64, with Python and numpy scalars on both sides of the
two-operand ops, except where an exemption below says why not."""
import numpy as np
import pytest

import torch

import tinygrad_edu as tg  # noqa: E402
import opinfo  # noqa: E402 (tests/ is on sys.path)
from opinfo.compare import tensors_of  # noqa: E402
from opinfo.core import A, T, _leaf, build, run  # noqa: E402
from opinfo.math_binary import SYMBOL  # noqa: E402

README_NAMES = opinfo.readme_names()
LISTED = [name for row in opinfo.COVERED_ROWS for name in README_NAMES.get(row, [])]

# kinds of sample an op cannot take, and why (every other op must have each kind)
NO_TENSOR_INPUT = {"tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
                   "eye", "rand", "randn", "randint", "randperm", "normal", "manual_seed"}
REFUSES_0D = "torch refuses a 0-d input (an error sample where cheap)"
EXEMPT = {  # op: ({kinds}, why)
    "manual_seed": ({"0d", "empty", "size1", "float64-output"}, "takes and returns no tensor"),
    "arange": ({"0d"}, "always 1-D"), "linspace": ({"0d"}, "always 1-D"), "randperm": ({"0d"}, "always 1-D"),
    "eye": ({"0d"}, "always 2-D"),
    "argmax": ({"float64-output"}, "int64 by definition"), "argmin": ({"float64-output"}, "int64 by definition"),
    "nn.functional.one_hot": ({"float64-output"}, "int64 by definition"),
    "nonzero": ({"float64-output"}, "int64 by definition"), "argwhere": ({"float64-output"}, "int64 by definition"),
    "diag": ({"0d"}, REFUSES_0D), "diagonal": ({"0d"}, REFUSES_0D), "diag_embed": ({"0d"}, REFUSES_0D),
    "mm": ({"0d"}, REFUSES_0D), "bmm": ({"0d"}, REFUSES_0D), "cat": ({"0d"}, REFUSES_0D),
    "chunk": ({"0d"}, REFUSES_0D), "split": ({"0d"}, REFUSES_0D), "nn.functional.pad": ({"0d"}, REFUSES_0D),
    "nn.functional.bilinear": ({"0d"}, REFUSES_0D), "nn.functional.layer_norm": ({"0d"}, REFUSES_0D),
    "nn.functional.rms_norm": ({"0d"}, REFUSES_0D), "nn.functional.group_norm": ({"0d", "size1"}, "needs (N, C, ...) "
                                                                              "and more than one value per group"),
    **{n: ({"0d"}, REFUSES_0D) for n in ("outer", "ger", "trace", "matrix_power")},
    "cross": ({"0d", "size1"}, "needs a dim of length 3"),
    **{f"nn.functional.{n}": ({"0d"}, "needs (N, C, ...) or (C, ...) input")
       for n in ("batch_norm", "conv1d", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "dropout2d",
                 "unfold")},
    "nn.functional.fold": ({"0d"}, "needs (N, C*kh*kw, L) or (C*kh*kw, L) input"),
}

EXEMPT.update({"count_nonzero": ({"float64-output"}, "int64 by definition"),
               "signbit": ({"float64-output"}, "bool by definition"), "diff": ({"0d"}, REFUSES_0D),
               "isclose": ({"float64-output"}, "bool by definition"),
               "allclose": ({"float64-output", "0d", "empty", "size1"}, "returns a Python bool")})


def _specs(spec):
    if isinstance(spec, (T, A)):
        yield spec
    elif isinstance(spec, (list, tuple)):
        for s in spec:
            yield from _specs(s)
    elif isinstance(spec, dict):
        for s in spec.values():
            yield from _specs(s)


def _final_shape(spec):
    shape = spec.array.shape
    if spec.view == "T":
        return shape[:-2] + (shape[-1], shape[-2])
    if spec.view == "step":
        return shape[:-1] + ((shape[-1] + 1) // 2,)
    return shape


def _kinds(op, sample, dt):
    """The kinds a sample covers, read from its inputs and from torch's outputs."""
    kinds = set()
    specs = list(_specs((tuple(sample.args), dict(sample.kwargs))))
    shapes = [_final_shape(s) for s in specs]
    outs = tensors_of(run(op, sample, torch)[0])
    shapes += [tuple(o.shape) for o in outs]
    kinds |= {"0d"} if any(len(s) == 0 for s in shapes) else set()
    kinds |= {"empty"} if any(0 in s for s in shapes) else set()
    kinds |= {"size1"} if any(len(s) and int(np.prod(s)) == 1 for s in shapes) else set()
    kinds |= {"noncontiguous"} if any(s.view for s in specs) else set()
    kinds |= {"float64-output"} if dt == "float64" and any(o.dtype == torch.float64 for o in outs) else set()
    return kinds


def test_readme_rows_are_found():
    for row in opinfo.COVERED_ROWS:
        assert README_NAMES.get(row), f"README's 'From PyTorch' table has no (or an empty) {row!r} row"


@pytest.mark.parametrize("name", LISTED)
def test_every_readme_name_has_an_entry(name):
    assert name in opinfo.REGISTRY, f"README lists {name!r} (row of the covered areas) but the registry has no entry"


def test_no_entry_the_readme_does_not_list():
    assert sorted(set(opinfo.REGISTRY) - set(LISTED)) == []


@pytest.mark.parametrize("name", sorted(opinfo.REGISTRY))
def test_sample_kinds(name):
    op = opinfo.REGISTRY[name]
    covered = set()
    for dt in ("float32", "float64"):
        samples = op.samples(getattr(np, dt))
        assert samples, f"no {dt} samples"
        for s in samples:
            covered |= _kinds(op, s, dt)
    wanted = {"0d", "empty", "size1", "noncontiguous", "float64-output"} - EXEMPT.get(name, (set(), ""))[0]
    if name in NO_TENSOR_INPUT:
        wanted.discard("noncontiguous")
    assert wanted <= covered, f"{name}: no sample of kind {sorted(wanted - covered)}"
    assert op.errors, f"{name}: no bad call in the registry"


def _scalars(sample):
    """{(kind, position)} of the Python and numpy scalars among a sample's positional arguments."""
    out = set()
    for i, a in enumerate(sample.args):
        if isinstance(a, np.generic):
            out.add(("numpy", i))
        elif isinstance(a, (int, float)) and not isinstance(a, bool):
            out.add(("python", i))
    return out


@pytest.mark.parametrize("name", sorted(SYMBOL))
def test_two_operand_ops_take_scalars_on_both_sides(name):
    op = opinfo.REGISTRY[name]
    for dt in (np.float32, np.float64):
        found = set().union(*(_scalars(s) for s in op.samples(dt)))
        assert {("python", 0), ("python", 1), ("numpy", 0), ("numpy", 1)} <= found, (dt, found)


def test_views_are_non_contiguous_on_both_sides():
    bad = []
    for op, sample, dt in opinfo.cases():
        for spec in _specs((tuple(sample.args), dict(sample.kwargs))):
            if isinstance(spec, T) and spec.view:
                if _leaf(spec, torch, False).is_contiguous() or _leaf(spec, tg, False)._data.flags.c_contiguous:
                    bad.append(f"{op.name}/{dt}/{sample.name}")
            elif isinstance(spec, A) and spec.view:
                if build(spec, None, []).flags.c_contiguous:
                    bad.append(f"{op.name}/{dt}/{sample.name}")
    assert not bad, f"inputs marked non-contiguous that are contiguous: {bad}"


def test_samples_are_deterministic():
    first = [[a.array for a in _specs((s.args, s.kwargs))] for _, s, _ in opinfo.cases()]
    again = [[a.array for a in _specs((s.args, s.kwargs))] for _, s, _ in opinfo.cases()]
    assert all(np.array_equal(x, y, equal_nan=x.dtype.kind == "f") for xs, ys in zip(first, again) for x, y in zip(xs, ys))
