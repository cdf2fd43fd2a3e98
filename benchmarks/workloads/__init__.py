"""Benchmark workloads for tinygrad_edu, real PyTorch and a hand-written numpy floor.

``WORKLOADS`` describes what each workload measures (unit, display scale, targets from issues 6 and 12);
``build(lib, workload)`` returns a ready ``common.Bench`` for one library. numpy, torch and
tinygrad_edu are imported only inside ``build`` so that a worker process can first fix its thread
count (OMP/OPENBLAS/MKL_NUM_THREADS must be set before numpy is imported).
"""
from dataclasses import dataclass, field

LIBS = ("tinygrad_edu", "torch", "numpy")
MAIN = "tinygrad_edu"


@dataclass(frozen=True)
class Workload:
    id: str
    description: str
    unit: str                 # how times are displayed
    scale: float              # seconds -> unit
    min_units: int = 1        # timed units per measurement, at least
    # targets for the ratio tinygrad_edu / other library (lower is better), from issues 6 and 12
    targets: dict = field(default_factory=dict)


WORKLOADS = {w.id: w for w in [
    Workload("phone_mlp", "20->64->32->4 ReLU MLP, CrossEntropyLoss, SGD(momentum=0.9), "
             "DataLoader(TensorDataset, batch 16, shuffle) over 1600 rows, loss.item() per step",
             "s/epoch", 1.0, min_units=2, targets={"torch": 0.3}),
    Workload("linreg", "lecture linear regression: 500x4, batches of 16 via shuffled index list, "
             "MAE, manual SGD under no_grad", "s/epoch", 1.0, min_units=3, targets={"torch": 0.5}),
    Workload("op_overhead", "8x8: ((a*b + c).relu() @ d).sum().backward()", "us/iter", 1e6,
             targets={"torch": 0.5}),
    Workload("big_mlp", "batch 256, 784->1024->1024->10 ReLU, cross-entropy, one SGD step", "ms/step",
             1e3, min_units=3, targets={"torch": 1.0, "numpy": 1.15}),
    Workload("deep_chain", "y = y*0.999 + 0.001 x100,000 on a (16,) tensor, then backward", "s", 1.0,
             targets={"torch": 0.5}),
    Workload("digits_cnn", "examples/digits_cnn.py's model: Conv2d(1,16,3)-ReLU-MaxPool2d-Conv2d(16,32,3)-"
             "ReLU-MaxPool2d-Linear(128,10), CrossEntropyLoss, Adam, DataLoader(batch 64, shuffle) over "
             "1437 8x8 digits, loss.item() per step", "s/epoch", 1.0, min_units=2, targets={"torch": 1.0}),
    Workload("char_rnn", "Embedding(2488,64)-GRU(64,128,batch_first)-Linear(128,2488), batch 32 x 48 "
             "characters, CrossEntropyLoss, one Adam step", "ms/step", 1e3, min_units=3,
             targets={"torch": 1.0}),
    Workload("char_gpt", "character GPT: Embedding(2488,128)+position, 4 pre-norm blocks (4-head causal "
             "self-attention by masked_fill + softmax, GELU MLP), LayerNorm, Linear(128,2488); batch 32 x 64, "
             "cross-entropy, one AdamW step (decay/no-decay groups)", "ms/step", 1e3, min_units=3,
             targets={"torch": 1.0}),
    Workload("import", "`import X` in a fresh interpreter (tinygrad_edu vs torch vs numpy)", "ms", 1e3,
             targets={"numpy": 1.5}),
]}

# Peak resident memory of the phone_mlp worker process (all epochs it ran), absolute target.
RSS_WORKLOAD = "phone_mlp"
RSS_TARGET_MB = 60.0

# The module each library's import benchmark imports.
IMPORT_MODULE = {"tinygrad_edu": "tinygrad_edu", "torch": "torch", "numpy": "numpy"}


def build(lib, workload):
    """A ``Bench`` for ``workload`` on ``lib`` (one of LIBS); data and weights from common.SEED."""
    if lib == "numpy":
        from . import numpy_floor
        if workload not in numpy_floor.BUILDERS:
            from .common import Unavailable
            raise Unavailable(f"no hand-written numpy version of {workload}")
        return numpy_floor.BUILDERS[workload]()
    from . import torchlike
    return torchlike.BUILDERS[workload](torchlike.load_library(lib))
