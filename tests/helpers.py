"""Small helpers shared by several test files (pytest puts tests/ on sys.path)."""
import importlib.util
import io
from pathlib import Path

import tinygrad_edu

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(filename):
    """Import examples/<filename> as a module (the examples are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(filename.removesuffix(".py") + "_example", EXAMPLES / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def through_save(obj):
    """obj after tinygrad_edu.save and tinygrad_edu.load through an in-memory file."""
    buffer = io.BytesIO()
    tinygrad_edu.save(obj, buffer)
    buffer.seek(0)
    return tinygrad_edu.load(buffer)
