"""Tensor reprs against real torch 2.13, character for character (issue 14, printing parity).

A seeded table of shapes x dtypes x value ranges is built once as numpy arrays; each case makes the
same tensor in both libraries and compares repr() and str(). The only difference allowed is the
dtype's module name (`dtype=tinygrad_edu.float64` where torch prints `dtype=torch.float64`, as
`print(x.dtype)` also differs).
"""
import itertools
import re

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn


_SUFFIX = re.compile(r",\s+(?=(?:size|dtype|grad_fn|requires_grad)=)")


def _rewrap(head, suffixes, linewidth):
    """torch's rule for placing suffixes: each goes on a new line (indented under the first entry) when
    the current line plus ", suffix" would pass linewidth; the line is counted as torch counts it."""
    out, line_len = head, len(head) - head.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > linewidth:
            out, line_len = out + ",\n" + " " * 7 + suffix, 7 + len(suffix)
        else:
            out, line_len = out + ", " + suffix, line_len + len(suffix) + 2
    return out + ")"


def _theirs(text, linewidth=80):
    """torch's repr with the dtype spelt as ours is (tinygrad_edu.float64 for torch.float64), the
    suffixes re-placed by torch's rule for that longer spelling."""
    head, *suffixes = _SUFFIX.split(text[:-1])
    assert _rewrap(head, suffixes, linewidth) == text  # the parse is faithful
    return _rewrap(head, [s.replace("torch.", "tinygrad_edu.") for s in suffixes], linewidth)


SHAPES = [(), (1,), (5,), (8,), (12,), (3, 12), (2, 3, 4), (1, 1, 9), (0,), (0, 3), (2, 0, 4),
          (1001,), (40, 30), (3, 400), (11, 11, 11), (2, 2, 300), (7, 7), (4, 1, 2, 3)]

FLOAT_RANGES = {
    "normal": lambda rng, n: rng.standard_normal(n),
    "tiny": lambda rng, n: rng.standard_normal(n) * 1e-5,
    "huge": lambda rng, n: rng.standard_normal(n) * 1e9,
    "integral": lambda rng, n: rng.integers(-50, 50, n).astype(np.float64),
    "integral big": lambda rng, n: rng.integers(-3000, 3000, n) * 1000.0,
    "positive wide": lambda rng, n: np.exp(rng.uniform(-3, 9, n)),
    "hundreds": lambda rng, n: rng.uniform(-999.9, 999.9, n),
    "nonfinite mix": lambda rng, n: rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan, 1.5, -2.0], n),
    "zeros and -inf": lambda rng, n: rng.choice([0.0, -np.inf], n),
    "negative zero": lambda rng, n: rng.choice([-0.0, 0.0, 3.0], n),
    "all nan": lambda rng, n: np.full(n, np.nan),
    "rounding edge": lambda rng, n: rng.choice([9.99996, -9.99996, 0.00015, 99.99999], n),
}

INT_RANGES = {
    "small": lambda rng, n, info: rng.integers(max(info.min, -9), min(info.max, 9), n, endpoint=True),
    "full": lambda rng, n, info: rng.integers(info.min, info.max, n, endpoint=True),
}

FLOATS = ["float32", "float64", "float16"]
INTS = ["int64", "int32", "int16", "int8", "uint8"]


def _cases():
    rng = np.random.default_rng(14)
    cases = []
    for shape, (name, make) in itertools.product(SHAPES, FLOAT_RANGES.items()):
        values = make(rng, int(np.prod(shape)))
        for dtype in FLOATS:
            if dtype == "float16" and name in ("huge", "integral big"):
                values16 = np.clip(values, -6e4, 6e4)
                cases.append((f"{shape}-{name}-{dtype}", values16.reshape(shape).astype(dtype)))
            elif dtype == "float32" or len(cases) % 3 == 0:  # every float32 case, a third of the others
                cases.append((f"{shape}-{name}-{dtype}", values.reshape(shape).astype(dtype)))
    for shape, dtype, (name, make) in itertools.product(SHAPES, INTS, INT_RANGES.items()):
        values = make(rng, int(np.prod(shape)), np.iinfo(dtype)).astype(dtype)
        cases.append((f"{shape}-{name}-{dtype}", values.reshape(shape)))
    for shape in SHAPES:
        cases.append((f"{shape}-bool", rng.random(int(np.prod(shape))).reshape(shape) > 0.3))
        cases.append((f"{shape}-bool-all-true", np.ones(shape, dtype=bool)))
    return cases


CASES = _cases()


@pytest.mark.parametrize("name,values", CASES, ids=[c[0] for c in CASES])
def test_repr_matches_torch(name, values):
    ours, theirs = tg.tensor(values), torch.tensor(values)
    assert repr(ours) == _theirs(repr(theirs))
    assert str(ours) == _theirs(str(theirs))


def test_the_table_is_large():
    assert len(CASES) >= 300


def _pair(values, **kw):
    return tg.tensor(values, **kw), torch.tensor(values, **kw)


@pytest.mark.parametrize("shape", [(3, 12), (12,), (9,), (10,), (2, 7), (1001,), (5,), ()])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_requires_grad_and_grad_fn_suffixes_wrap_as_torchs(shape, dtype):
    values = np.random.default_rng(1).standard_normal(shape)
    ours = tg.tensor(values, dtype=getattr(tg, dtype), requires_grad=True)
    theirs = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    assert repr(ours) == _theirs(repr(theirs))
    assert repr(ours * 2) == _theirs(repr(theirs * 2))
    assert repr(ours.sum()) == _theirs(repr(theirs.sum()))


def test_a_long_vector_of_wide_values_moves_the_suffixes_to_new_lines():
    values = np.array([123456.789, -0.5, 7.25, 1.0, 3.0, 11.0, 2.0, 4.0, 5.0])  # widths near 80 columns
    for n in range(1, len(values) + 1):
        ours = tg.tensor(values[:n], dtype=tg.float64, requires_grad=True) * 1
        theirs = torch.tensor(values[:n], dtype=torch.float64, requires_grad=True) * 1
        assert repr(ours) == _theirs(repr(theirs))


def test_parameter_repr():
    values = np.random.default_rng(2).standard_normal((2, 3)).astype(np.float32)
    ours, theirs = tnn.Parameter(tg.tensor(values)), torch.nn.Parameter(torch.tensor(values))
    assert repr(ours) == repr(theirs)
    assert repr(ours).startswith("Parameter containing:\ntensor(")
    frozen = tnn.Parameter(tg.tensor(values), requires_grad=False)
    assert repr(frozen) == repr(torch.nn.Parameter(torch.tensor(values), requires_grad=False))


def test_a_linear_layers_weight_prints_as_torchs():
    torch.manual_seed(0)
    layer = torch.nn.Linear(12, 3)
    ours = tnn.Linear(12, 3)
    ours.weight.data = tg.tensor(layer.weight.detach().numpy())
    assert repr(ours.weight) == repr(layer.weight)


@pytest.fixture
def restore_printoptions():
    yield
    tg.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


OPTIONS = [dict(precision=2), dict(precision=8), dict(threshold=5), dict(threshold=50, edgeitems=1),
           dict(edgeitems=0, threshold=3), dict(edgeitems=5, threshold=20), dict(linewidth=40), dict(linewidth=200),
           dict(linewidth=10), dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"), dict(profile="full"),
           dict(profile="short", precision=6), dict(profile="default")]
OPTION_VALUES = {
    "normal (3, 12)": np.random.default_rng(3).standard_normal((3, 12)).astype(np.float32),
    "tiny (20,)": (np.random.default_rng(4).standard_normal(20) * 1e-6).astype(np.float32),
    "integral (30, 40)": np.random.default_rng(5).integers(-9, 9, (30, 40)).astype(np.float32),
    "int64 (2000,)": np.arange(2000),
    "bool (4, 300)": np.random.default_rng(6).random((4, 300)) > 0.5,
    "float64 (6, 7, 8)": np.random.default_rng(7).uniform(-100, 100, (6, 7, 8)),
    "zeros (3, 4)": np.zeros((3, 4), dtype=np.float32),
    "0-d": np.float32(2.5),
}


@pytest.mark.parametrize("options", OPTIONS, ids=[repr(o) for o in OPTIONS])
@pytest.mark.parametrize("name", list(OPTION_VALUES))
def test_set_printoptions_does_what_torchs_does(options, name, restore_printoptions):
    tg.set_printoptions(**options)
    torch.set_printoptions(**options)
    values, width = OPTION_VALUES[name], torch._tensor_str.PRINT_OPTS.linewidth
    assert repr(tg.tensor(values)) == _theirs(repr(torch.tensor(values)), width)
    assert repr(tg.tensor(values, dtype=tg.float64)) == _theirs(repr(torch.tensor(values, dtype=torch.float64)), width)


def test_set_printoptions_resets_sci_mode_and_keeps_the_others(restore_printoptions):
    from tinygrad_edu import _format
    tg.set_printoptions(precision=3, sci_mode=True)
    tg.set_printoptions(linewidth=50)
    assert _format.get_printoptions() == dict(precision=3, threshold=1000, edgeitems=3, linewidth=50, sci_mode=None)
    with _format.printoptions(precision=1):
        assert repr(tg.tensor([1.25, 2.5])) == "tensor([1.2, 2.5])"
    assert _format.get_printoptions()["precision"] == 3


def test_default_dtype_float64_shows_float32s_dtype():
    values = np.array([[1.5, 2.25], [3.0, -4.0]])
    old = tg.get_default_dtype(), torch.get_default_dtype()
    tg.set_default_dtype(tg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for dtype in ("float32", "float64", "int64"):
            ours = tg.tensor(values, dtype=getattr(tg, dtype))
            theirs = torch.tensor(values, dtype=getattr(torch, dtype))
            assert repr(ours) == _theirs(repr(theirs))
            assert repr(ours[:0]) == _theirs(repr(theirs[:0]))
    finally:
        tg.set_default_dtype(old[0])
        torch.set_default_dtype(old[1])
