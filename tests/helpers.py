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


# The lecture's two models, built from any torch-like `nn` and function namespace `lib`.
def lecture_model(nn, lib):
    """The first lecture's Model: 3 -> 3 -> 2 -> 2 with ReLU and softmax."""
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Linear(3, 3)
            self.layer2 = nn.Linear(3, 2)
            self.output = nn.Linear(2, 2)

        def forward(self, x):
            x = lib.relu(self.layer1(x))
            x = lib.relu(self.layer2(x))
            return lib.softmax(self.output(x), dim=-1)
    return Model()


def phone_model(nn, lib):
    """The phone-price case: 20 -> 64 -> 32 -> 4."""
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Linear(20, 64)
            self.layer2 = nn.Linear(64, 32)
            self.layer3 = nn.Linear(32, 4)

        def forward(self, x):
            return self.layer3(lib.relu(self.layer2(lib.relu(self.layer1(x)))))
    return Model()


def wrong_square(lib):
    """A custom Function of `lib` (torch or tinygrad_edu) whose backward is wrong: d(x^2)/dx is 2x,
    it returns 3x. gradcheck in every mode must catch it."""
    class WrongSquare(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x
    return WrongSquare
