"""The architecture of issue 10, checked on the source: layers, import circles, sizes, the reader's walk.

These are acceptance tests of the renovation (issue 10, point 8 and "Acceptance"). They read the
package's files (tinygrad_edu/, and nn/ and optim/, which setup.cfg installs as tinygrad_edu.nn and
tinygrad_edu.optim) and fail with a message that names every offender.

How imports are counted (the layering tests):

- every `import` and `from ... import` statement in a file counts, wherever it stands: at the top,
  inside a function, under `if` (TYPE_CHECKING included) or `try`;
- relative imports are resolved to files. `from X import name` points at X/name.py (or X/name/) when
  `name` is a submodule of X, otherwise at X's own file; `import a.b.c` points at a/b/c;
- a file is NOT counted as importing its parent packages' __init__.py: Python runs them, but counting
  that would make every file circular with its own package's __init__;
- imports done through strings (`importlib.import_module(...)` or `__import__(...)`, e.g. in a lazy
  module `__getattr__`) are not `ast` import statements and are not counted: this is how
  tinygrad_edu/__init__.py offers `tinygrad_edu.nn` and `tinygrad_edu.optim` on first use, and the
  test does not see it.
"""
import ast
import configparser
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
ENGINE, NN, OPTIM = "tinygrad_edu", "tinygrad_edu.nn", "tinygrad_edu.optim"
MAX_FILE_LINES, MAX_FUNCTION_LINES, MAX_WALK_FILES, MAX_CORE_LINES = 400, 60, 8, 1000
CORE = ["tinygrad_edu/tensor.py", "tinygrad_edu/autograd/function.py", "tinygrad_edu/autograd/engine.py",
        "tinygrad_edu/autograd/grad.py", "tinygrad_edu/autograd/broadcast.py", "tinygrad_edu/grad_mode.py"]
CORE_REQUIRED = {"tinygrad_edu/tensor.py", "tinygrad_edu/autograd/engine.py", "tinygrad_edu/autograd/function.py"}


# ----------------------------------------------------------------------------------------------
# the checker: files -> modules -> import edges -> circles


def package_roots(repo=REPO):
    """setup.cfg's package_dir as {dotted package: directory}, e.g. {'tinygrad_edu.nn': REPO/'nn'}."""
    cfg = configparser.ConfigParser()
    cfg.read(repo / "setup.cfg")
    roots = {}
    for line in cfg["options"]["package_dir"].strip().splitlines():
        package, _, directory = (part.strip() for part in line.partition("="))
        roots[package] = repo / directory
    return roots


def collect_modules(roots):
    """{dotted module name: (file, is_package)} for every .py file under the roots."""
    modules = {}
    for prefix, directory in roots.items():
        for path in sorted(directory.rglob("*.py")):
            parts = list(path.relative_to(directory).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            modules[".".join([prefix, *parts])] = (path.resolve(), is_package)
    return modules


def _from_base(node, module, is_package):
    """The absolute module an ImportFrom node imports from."""
    if not node.level:
        return node.module
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[:len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _targets(node, module, is_package, modules):
    """The absolute dotted modules one import statement points at."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = _from_base(node, module, is_package)
    found = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        found.append(sub if alias.name != "*" and sub in modules else base)
    return found


def import_records(modules, repo=REPO):
    """Every package-internal import: dicts with src, line, text, target (dotted) and file (or None)."""
    tops = {name.split(".")[0] for name in modules}
    records = []
    for module, (path, is_package) in modules.items():
        source = path.read_text()
        for node in ast.walk(ast.parse(source, filename=str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            text = " ".join((ast.get_source_segment(source, node) or ast.unparse(node)).split())
            for target in dict.fromkeys(_targets(node, module, is_package, modules)):
                if target.split(".")[0] not in tops:
                    continue  # numpy, the standard library, ...
                file = modules[target][0] if target in modules else None
                records.append(dict(src=path, line=node.lineno, text=text, target=target, file=file))
    return records


def find_circles(records):
    """Strongly connected components of the file import graph of size > 1, and self-imports."""
    graph = {}
    for r in records:
        graph.setdefault(r["src"], set())
        if r["file"] is not None:
            graph[r["src"]].add(r["file"])
    reach = {}
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        reach[start] = seen
    circles = []
    for node in graph:
        component = {node} | {other for other in reach[node] if node in reach.get(other, ())}
        if (len(component) > 1 or node in graph[node]) and component not in circles:
            circles.append(component)
    return circles


def _rel(path, repo):
    try:
        return str(Path(path).relative_to(repo))
    except ValueError:
        return str(path)


def describe_circles(circles, records, repo=REPO):
    out = []
    for i, component in enumerate(circles, 1):
        files = sorted(_rel(f, repo) for f in component)
        out.append(f"circle {i}: {len(files)} file(s): " + ", ".join(files))
        for r in sorted(records, key=lambda r: (str(r["src"]), r["line"])):
            if r["src"] in component and r["file"] in component:
                out.append(f"    {_rel(r['src'], repo)}:{r['line']}  {r['text']}  -> {_rel(r['file'], repo)}")
    return "\n".join(out)


def _under(name, package):
    return name == package or name.startswith(package + ".")


def back_arrows(records, modules, repo=REPO):
    """Layer violations: engine -> nn/optim, nn -> optim, tensor.py -> ops/autograd."""
    module_of = {path: name for name, (path, _) in modules.items()}
    tensor_py = (repo / "tinygrad_edu" / "tensor.py").resolve()
    found = []
    for r in records:
        src = module_of[r["src"]]
        layer = OPTIM if _under(src, OPTIM) else NN if _under(src, NN) else ENGINE
        bad = ((layer == ENGINE and (_under(r["target"], NN) or _under(r["target"], OPTIM)))
               or (layer == NN and _under(r["target"], OPTIM))
               or (r["src"] == tensor_py and (_under(r["target"], "tinygrad_edu.ops")
                                             or _under(r["target"], "tinygrad_edu.autograd"))))
        if bad:
            found.append(f"{_rel(r['src'], repo)}:{r['line']}  {r['text']}  -> {r['target']}")
    return found


def package_files(repo=REPO):
    return sorted({path for path, _ in collect_modules(package_roots(repo)).values()})


# ----------------------------------------------------------------------------------------------
# 1. layering


def test_checker_finds_a_known_circle(tmp_path):
    """The checker itself can fail: a fake package with a circle, a self-import and a back-arrow."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("from . import b\n\ndef f():\n    return b.g()\n")
    (pkg / "b.py").write_text("def g():\n    try:\n        from .sub.c import h\n    except ImportError:\n"
                              "        h = None\n    return h\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("import pkg.a\nfrom pkg import sub\n\ndef h():\n"
                                      "    return pkg.a\n")
    (pkg / "d.py").write_text("if True:\n    from pkg.d import x\nx = 1\n")
    (pkg / "e.py").write_text("import pkg.sub\nfrom pkg.sub import c\n")  # no circle: sub/ does not import e
    modules = collect_modules({"pkg": pkg})
    records = import_records(modules, tmp_path)
    circles = find_circles(records)
    names = sorted(sorted(_rel(f, tmp_path) for f in c) for c in circles)
    assert names == [["pkg/a.py", "pkg/b.py", "pkg/sub/c.py"], ["pkg/d.py"]], describe_circles(
        circles, records, tmp_path)
    # `from pkg import sub` points at sub/__init__.py; no implicit edge from c.py to pkg/__init__.py
    c_targets = {_rel(r["file"], tmp_path) for r in records if r["src"].name == "c.py"}
    assert c_targets == {"pkg/a.py", "pkg/sub/__init__.py"}
    assert "pkg/b.py:3  from .sub.c import h  -> pkg/sub/c.py" in describe_circles(circles, records, tmp_path)
    # and the layer rule: a fake engine file importing the fake nn package
    (pkg / "a.py").write_text("from tinygrad_edu.nn import functional\nimport tinygrad_edu.optim.sgd\n")
    (tmp_path / "nn").mkdir()
    (tmp_path / "nn" / "functional.py").write_text("")
    fake = collect_modules({"tinygrad_edu": pkg, NN: tmp_path / "nn"})
    arrows = back_arrows(import_records(fake, tmp_path), fake, tmp_path)
    assert arrows == ["pkg/a.py:1  from tinygrad_edu.nn import functional  -> tinygrad_edu.nn.functional",
                      "pkg/a.py:2  import tinygrad_edu.optim.sgd  -> tinygrad_edu.optim.sgd"]


def test_the_package_is_where_the_checker_looks():
    modules = collect_modules(package_roots())
    for name in ("tinygrad_edu", "tinygrad_edu.tensor", NN, "tinygrad_edu.nn.modules", OPTIM):
        assert name in modules, f"{name} not found under {package_roots()}"


def test_no_import_circles_between_files():
    records = import_records(collect_modules(package_roots()))
    circles = find_circles(records)
    assert not circles, f"{len(circles)} import circle(s) between files:\n" + describe_circles(circles, records)


def test_no_import_against_the_layers():
    """engine (tinygrad_edu/) never imports nn or optim; nn never imports optim; tensor.py imports
    nothing from ops/ or autograd/."""
    modules = collect_modules(package_roots())
    arrows = back_arrows(import_records(modules), modules)
    assert not arrows, f"{len(arrows)} import(s) against the layers:\n    " + "\n    ".join(arrows)


# ----------------------------------------------------------------------------------------------
# 2. sizes


def test_no_file_over_400_lines():
    sizes = {_rel(p, REPO): len(p.read_text().splitlines()) for p in package_files()}
    over = {name: n for name, n in sizes.items() if n > MAX_FILE_LINES}
    assert not over, f"files over {MAX_FILE_LINES} lines:\n    " + "\n    ".join(
        f"{name}: {n}" for name, n in sorted(over.items(), key=lambda kv: -kv[1]))


def _long_functions(path):
    """(qualified name, line, length) of every function or method longer than the limit."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}."
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = child.end_lineno - child.lineno + 1  # `def` line to last line; decorators excluded
                if length > MAX_FUNCTION_LINES:
                    found.append((name[:-1], child.lineno, length))
            visit(child, name)

    visit(ast.parse(path.read_text(), filename=str(path)), "")
    return found


def test_no_function_over_60_lines():
    over = [f"{_rel(p, REPO)}:{line} {name}: {n} lines"
            for p in package_files() for name, line, n in _long_functions(p)]
    assert not over, f"functions over {MAX_FUNCTION_LINES} lines:\n    " + "\n    ".join(over)


# ----------------------------------------------------------------------------------------------
# 3. the reader's walk


def _walk_files(run):
    """The package files whose frames run during run(), traced with sys.settrace."""
    dirs, seen = [directory.resolve() for directory in package_roots().values()], set()

    def tracer(frame, event, arg):
        if event == "call":
            seen.add(frame.f_code.co_filename)
        return None  # no line events: only which frames run

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(previous)
    files = set()
    for name in seen:
        path = Path(name).resolve()
        if path.suffix == ".py" and any(path.is_relative_to(d) for d in dirs):
            files.add(_rel(path, REPO))
    return sorted(files)


def test_reader_walk_touches_at_most_8_files():
    """((a*b + c).relu() @ d).sum().backward(), forward and backward, touches at most 8 files.

    The expression runs once untraced first, so that one-time lazy imports do not count (the walk is
    the code a reader follows, not module bodies run on first use) and the figure does not depend on
    which tests ran before.
    """
    import tinygrad_edu as tg
    assert Path(tg.__file__).resolve().is_relative_to(REPO / "tinygrad_edu"), tg.__file__

    def leaves():
        rng = np.random.default_rng(0)
        a, b, c = (tg.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
                   for _ in range(3))
        d = tg.tensor(rng.standard_normal((4, 2)).astype(np.float32), requires_grad=True)
        return a, b, c, d

    a, b, c, d = leaves()
    ((a * b + c).relu() @ d).sum().backward()  # warm-up, untraced
    a, b, c, d = leaves()
    files = _walk_files(lambda: ((a * b + c).relu() @ d).sum().backward())
    assert a.grad is not None and d.grad is not None and files, "the traced walk did not run"
    assert len(files) <= MAX_WALK_FILES, (
        f"the walk touches {len(files)} files (at most {MAX_WALK_FILES}):\n    " + "\n    ".join(files))


# ----------------------------------------------------------------------------------------------
# 4. the engine core


def test_engine_core_under_1000_lines():
    missing = sorted(f for f in CORE_REQUIRED if not (REPO / f).is_file())
    assert not missing, f"engine core files missing: {missing}"
    sizes = {f: len((REPO / f).read_text().splitlines()) if (REPO / f).is_file() else 0 for f in CORE}
    total = sum(sizes.values())
    assert total < MAX_CORE_LINES, f"engine core is {total} lines (under {MAX_CORE_LINES} wanted):\n    " + \
        "\n    ".join(f"{f}: {n}" + ("" if (REPO / f).is_file() else " (missing)") for f, n in sizes.items())
