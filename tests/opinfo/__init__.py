"""An OpInfo-style registry of tinygrad_edu's public ops, checked against real torch by the
tests/test_opinfo_*.py files. One entry per name in README.md's "From PyTorch" table rows listed
in COVERED_ROWS; tests/test_opinfo_coverage.py fails when the README names an op that has none."""
import re
from pathlib import Path

from . import (creation, creation_random, functional_a, functional_b, math_binary, math_misc, math_unary,
               reductions, reductions_select, shape, sorting)
from . import functional_fold, math_trig, shape_extra
from . import products
from . import index_put

README = Path(__file__).resolve().parents[2] / "README.md"
COVERED_ROWS = ("creation", "math", "reductions", "shape", "nn.functional")
COVERED_ROWS += ("products",)

MODULES = (creation, creation_random, math_unary, math_binary, math_misc, reductions, reductions_select, shape,
           functional_a, functional_b, sorting, math_trig, shape_extra, functional_fold)
MODULES += (products,)
MODULES += (index_put,)
REGISTRY = {op.name: op for module in MODULES for op in module.OPS}


def readme_names(rows=None):
    """{row: [names]} read from README.md's "From PyTorch" table (the COVERED_ROWS by default)."""
    rows = COVERED_ROWS if rows is None else rows
    section = README.read_text().split("## From PyTorch", 1)[1].split("What is different", 1)[0]
    names = {}
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) >= 3 and cells[1].strip() in rows:
            names[cells[1].strip()] = re.findall(r"`([^`]+)`", cells[2])
    return names


# the long tail of element-wise ops and reductions (README rows "math, more" and "reductions, more")
from . import tail_pointwise, tail_reductions  # noqa: E402
COVERED_ROWS += ("math, more", "reductions, more")
MODULES += (tail_pointwise, tail_reductions)
REGISTRY.update({op.name: op for module in (tail_pointwise, tail_reductions) for op in module.OPS})


def cases(dt_list=("float32", "float64")):
    """Every (op, sample, dtype name) in the registry, in a fixed order."""
    import numpy as np
    out = []
    for op in REGISTRY.values():
        for dt in dt_list:
            for sample in op.samples(getattr(np, dt)):
                out.append((op, sample, dt))
    return out
