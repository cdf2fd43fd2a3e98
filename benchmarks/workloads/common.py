"""Shared pieces of the benchmark workloads: fixed-seed data, initial weights and the timing loop.

Every library (tinygrad_edu, torch, the numpy floor) gets exactly the same float32 arrays, generated
here with numpy from ``SEED``; each implementation converts them to its own tensors. So the three
runs differ only in the engine that does the arithmetic.
"""
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import numpy as np

SEED = 0
F32 = np.float32


def mlp_weights(rng, sizes):
    """(W, b) per layer for an MLP with layer widths ``sizes``, as torch's nn.Linear initialises them:
    W of shape (out, in) and b of shape (out,), both uniform on [-1/sqrt(in), 1/sqrt(in)]."""
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(F32)
        b = rng.uniform(-bound, bound, (fan_out,)).astype(F32)
        layers.append((w, b))
    return layers


def _classification(rows, sizes):
    """``rows`` standard-normal float32 samples of width sizes[0], int64 labels in [0, sizes[-1]) and
    the weights of an MLP with layer widths ``sizes``."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((rows, sizes[0]), dtype=F32)
    y = rng.integers(0, sizes[-1], rows).astype(np.int64)
    return SimpleNamespace(x=x, y=y, layers=mlp_weights(rng, sizes))


def phone_data():
    """The phone-price classifier's training split: 1600 rows x 20 features, 4 classes, 20->64->32->4."""
    return _classification(1600, [20, 64, 32, 4])


def linreg_data():
    """The lecture's create_data(true_w=[8.1, 2, 2, 4], true_b=1.1, n=500) plus its initial w_0, b_0."""
    rng = np.random.default_rng(SEED)
    true_w = np.array([8.1, 2, 2, 4], dtype=F32)
    x = rng.standard_normal((500, 4), dtype=F32)
    y = x @ true_w + F32(1.1)
    y += rng.normal(0, 0.01, y.shape).astype(F32)
    w0 = rng.normal(0, 0.01, (4,)).astype(F32)
    b0 = np.array(rng.normal(0.01), dtype=F32)  # a 0-d float32 array: torch.normal(0.01) is a scalar
    return SimpleNamespace(x=x, y=y, w0=w0, b0=b0)


def op_data():
    """Four 8x8 float32 matrices a, b, c, d for ((a*b + c).relu() @ d).sum()."""
    rng = np.random.default_rng(SEED)
    return [rng.standard_normal((8, 8), dtype=F32) for _ in range(4)]


def big_mlp_data():
    """One batch of 256 MNIST-sized rows (784 features, 10 classes) and a 784->1024->1024->10 MLP."""
    return _classification(256, [784, 1024, 1024, 10])


def chain_data():
    """The (16,) starting vector of the deep chain."""
    return np.random.default_rng(SEED).standard_normal(16, dtype=F32)


DIGITS_CSV = Path(__file__).resolve().parents[2] / "examples" / "data" / "digits.csv.gz"
DIGITS_TRAIN_ROWS = 1437     # the size of the example's training split: 80% of the 1,797 images
DIGITS_BATCH, DIGITS_LR = 64, 3e-3


def digits_data():
    """An epoch of examples/digits_cnn.py's training: the first 1437 digits (as many as its split
    trains on) as (N, 1, 8, 8) float32
    pixels / 16 with int64 labels, and the weights of Conv2d(1, 16, 3) -> Conv2d(16, 32, 3) ->
    Linear(128, 10), uniform on +-1/sqrt(fan_in) as torch initialises them."""
    table = np.loadtxt(DIGITS_CSV, delimiter=",", dtype=np.int64)[:DIGITS_TRAIN_ROWS]
    x = (table[:, :64].reshape(-1, 1, 8, 8) / 16).astype(F32)
    rng = np.random.default_rng(SEED)
    layers = []
    for shape in [(16, 1, 3, 3), (32, 16, 3, 3), (10, 128)]:
        bound = 1.0 / np.sqrt(np.prod(shape[1:]))
        layers.append((rng.uniform(-bound, bound, shape).astype(F32),
                       rng.uniform(-bound, bound, shape[:1]).astype(F32)))
    return SimpleNamespace(x=x, y=np.ascontiguousarray(table[:, 64]), layers=layers)


CHAR_VOCAB, CHAR_EMBED, CHAR_HIDDEN, CHAR_BATCH, CHAR_SEQ, CHAR_LR = 2488, 64, 128, 32, 48, 1e-3


def char_rnn_data():
    """One batch of the poem model's training: (32, 48) int64 inputs and the next characters as
    targets, and torch-named initial weights of Embedding(2488, 64) -> GRU(64, 128) ->
    Linear(128, 2488): embedding N(0, 1), the rest uniform on +-1/sqrt(128), as torch's defaults."""
    rng = np.random.default_rng(SEED)
    tokens = rng.integers(0, CHAR_VOCAB, (CHAR_BATCH, CHAR_SEQ + 1)).astype(np.int64)
    v, e, h = CHAR_VOCAB, CHAR_EMBED, CHAR_HIDDEN
    bound = 1.0 / np.sqrt(h)
    shapes = {"gru.weight_ih_l0": (3 * h, e), "gru.weight_hh_l0": (3 * h, h), "gru.bias_ih_l0": (3 * h,),
              "gru.bias_hh_l0": (3 * h,), "fc.weight": (v, h), "fc.bias": (v,)}
    weights = {"embed.weight": rng.standard_normal((v, e), dtype=F32)}
    weights.update({k: rng.uniform(-bound, bound, s).astype(F32) for k, s in shapes.items()})
    return SimpleNamespace(x=tokens[:, :-1].copy(), y=tokens[:, 1:].copy(), weights=weights)


GPT_VOCAB, GPT_EMBED, GPT_HEADS, GPT_LAYERS, GPT_CONTEXT, GPT_BATCH = 2488, 128, 4, 4, 64, 32
GPT_LR, GPT_WEIGHT_DECAY = 1e-3, 0.1


def char_gpt_data():
    """One batch of a character GPT's training, (32, 64) int64 inputs and the next characters as
    targets, and torch-named initial weights of the 4-layer, 4-head, C = 128 model of
    torchlike.char_gpt, as GPT-2 initialises them: Linear and Embedding weights N(0, 0.02), biases 0,
    LayerNorm weight 1 and bias 0."""
    rng = np.random.default_rng(SEED)
    tokens = rng.integers(0, GPT_VOCAB, (GPT_BATCH, GPT_CONTEXT + 1)).astype(np.int64)
    c = GPT_EMBED
    normal = {"tok_emb.weight": (GPT_VOCAB, c), "pos_emb.weight": (GPT_CONTEXT, c)}
    zeros, ones = {}, {}
    for i in range(GPT_LAYERS):
        b = f"blocks.{i}."
        for ln in ("ln1", "ln2"):
            ones[b + ln + ".weight"], zeros[b + ln + ".bias"] = (c,), (c,)
        for name, (fan_out, fan_in) in {"attn.qkv": (3 * c, c), "attn.proj": (c, c), "mlp.0": (4 * c, c),
                                        "mlp.2": (c, 4 * c)}.items():
            normal[b + name + ".weight"], zeros[b + name + ".bias"] = (fan_out, fan_in), (fan_out,)
    ones["ln_f.weight"], zeros["ln_f.bias"] = (c,), (c,)
    normal["head.weight"] = (GPT_VOCAB, c)
    weights = {k: (0.02 * rng.standard_normal(s)).astype(F32) for k, s in normal.items()}
    weights.update({k: np.zeros(s, F32) for k, s in zeros.items()})
    weights.update({k: np.ones(s, F32) for k, s in ones.items()})
    return SimpleNamespace(x=tokens[:, :-1].copy(), y=tokens[:, 1:].copy(), weights=weights)


class Unavailable(Exception):
    """The library lacks something the workload needs (e.g. nn.GRU): reported, not a crash."""


# Sizes that the workloads share across libraries.
DEEP_CHAIN_LENGTH = 100_000
OP_ITERS_PER_UNIT = 200      # op_overhead times blocks of this many forward+backward passes
BIG_MLP_LR = 0.01


@dataclass
class Bench:
    """A prepared workload: ``unit()`` runs one timed unit (an epoch, a step, ...) and returns a float
    that should agree across libraries on the first call; ``warmup()`` is what runs before timing
    (by default one unit); the reported time is time-per-unit / ``per_unit``."""
    unit: Callable[[], float]
    warmup: Callable[[], float] = None
    per_unit: int = 1

    def __post_init__(self):
        if self.warmup is None:
            self.warmup = self.unit


def measure(bench, min_time, min_units=1):
    """Run ``bench`` (after its warm-up) for at least ``min_units`` units and ``min_time`` seconds.

    Returns (first, units, wall_per_op, cpu_per_op): ``first`` is the warm-up's return value (computed
    from the fresh initial state, so comparable across libraries), the times are per operation
    (per unit divided by ``bench.per_unit``) in seconds. ``cpu`` is time.process_time, i.e. CPU time of
    all threads of this process, so it can exceed wall time when BLAS runs on two threads.
    """
    first = float(bench.warmup())
    units = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while True:
        bench.unit()
        units += 1
        wall = time.perf_counter() - wall0
        if units >= min_units and wall >= min_time:
            break
    cpu = time.process_time() - cpu0
    ops = units * bench.per_unit
    return first, units, wall / ops, cpu / ops
