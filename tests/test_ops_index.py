"""ops/__init__.py's docstring is the index of the derivative table: it must name every Function
class defined in tinygrad_edu/ops/, with the file that holds it, and no class that is gone."""
import ast
import re
from pathlib import Path

import tinygrad_edu.ops as ops

OPS_DIR = Path(ops.__file__).parent


def _classes():
    found = {}
    for path in sorted(OPS_DIR.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "Function" for b in node.bases):
                found[node.name] = path.name
    return found


def _index_rows():
    rows = {}
    for line in ops.__doc__.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 4 and cells[1].endswith(".py"):
            rows[cells[2]] = cells[1]
    return rows


def test_every_op_class_is_in_the_index_with_its_file():
    classes, rows = _classes(), _index_rows()
    assert len(classes) > 50
    assert {c: f for c, f in classes.items() if rows.get(c) != f} == {}
    assert sorted(set(rows) - set(classes)) == []


def test_every_op_class_docstring_names_a_torch_node_and_some_maths():
    for path in sorted(OPS_DIR.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "Function" for b in node.bases):
                doc = ast.get_docstring(node) or ""
                assert "Backward" in doc, f"{path.name}:{node.name} has no torch node name in its docstring"
