"""Random creation functions against torch (issue 11 items 10-12): dtypes, shapes and refusals.

The draws themselves differ from torch's by design (numpy's PCG64, not torch's Mersenne Twister),
so values are compared only where they are determined (a permutation's sorted values, bounds);
everything else, and every refusal, is compared with torch side by side (tests/_parity.py).
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from _parity import assert_same

REFUSALS = [
    "T.normal(0., nan, (3,))", "T.normal(0., -1., (3,))", "T.normal(T.zeros(2), nan)", "T.normal(T.zeros(2), -1.)",
    "T.normal(T.zeros(2), T.tensor([1., -1.]))", "T.normal(T.zeros(2), T.tensor([1., nan]))",
    "T.normal(0., T.tensor([1., -1.]))", "T.normal(0., 1.)", "T.normal(T.zeros(2), T.ones(3))",
    "T.normal(T.zeros(2, dtype=T.int64), 1.)", "T.normal(0., 1., (2,), dtype=T.int64)",
    "T.normal(T.zeros(2), T.ones(2), size=(2,))", "T.normal(T.zeros(2), 1., size=(2,))", "T.normal('a', 1., (2,))",
    "T.normal(0., 'a', (2,))", "T.normal(0., None, (2,))", "T.normal(0., 1., 2)",
    "T.normal(T.zeros(2), 1., requires_grad=True)", "T.normal(T.zeros(2), 1., dtype=T.float64)",
    "T.normal(0., 1., (-1,))", "T.normal(0., 1., (2,), requires_grad='a')", "T.randperm(-3)", "T.randperm(2.5)",
    "T.randperm(3.0)", "T.randperm(True)", "T.randperm('a')", "T.randperm(None)", "T.randperm(np.bool_(True))",
    "T.randperm(T.tensor(3.))", "T.randperm(3, dtype=T.bool)", "T.randperm(300, dtype=T.uint8)",
    "T.randperm(129, dtype=T.int8)", "T.randperm(3, requires_grad=True)", "T.randperm(3, requires_grad='a')",
    "T.randperm(3, dtype=np.int64)", "T.randperm(2**70)", "T.randint(0, 2.5, (3,))", "T.randint(0.5, 2, (3,))",
    "T.randint(2.0, (3,))", "T.randint(3, (3.5,))", "T.randint(3, 3)", "T.randint(3, (3,), dtype=T.bool)",
    "T.randint(5, 3, (3,))", "T.randint(3, 3, (3,))", "T.randint(-3, (3,))", "T.randint(0, (3,))",
    "T.randint(3, (3,), requires_grad=True)", "T.randint(True, (3,))", "T.randint(300, (3,), dtype=T.uint8)",
    "T.randint(-1, 3, (3,), dtype=T.uint8)", "T.randint(3)", "T.randint(0, 'a', (3,))", "T.randint(0, None, (3,))",
    "T.randint(3, None)", "T.randint(0, 2**40, (2,), dtype=T.int32)", "T.randint(0, 129, (2,), dtype=T.int8)",
    "T.randint(0, 2**60, (3,), dtype=T.float16)", "T.randint(0, 257, (2,), dtype=T.uint8)",
    "T.randint(0, np.float64(3), (2,))", "T.randint(3, (2,), dtype=np.int64)",
    "T.randint(3, (2,), requires_grad='a')", "T.randint(3, (-1,))", "T.rand(2, dtype=T.int64)",
    "T.rand(2, dtype=T.bool)", "T.randn(2, dtype=T.int64)", "T.randn(2, dtype=T.bool)", "T.rand(True)",
    "T.randn(2.5)", "T.rand(2, -1)", "T.randn(2, -1)", "T.randn(2, dtype=np.float32)",
    "T.randn(2, requires_grad='abc')", "T.rand_like(T.zeros(2, dtype=T.int64))",
    "T.randn_like(T.zeros(2, dtype=T.int64))", "T.rand_like(T.zeros(2), dtype=np.float32)",
    "T.rand_like(np.zeros(2))",
]
SAMPLES = [
    "T.normal(nan, 1., (3,))", "T.normal(0., inf, (3,))", "T.normal(0, 1, (2,))",
    "T.normal(0., 1., (2,), dtype=T.float64)", "T.normal(T.zeros(2, dtype=T.float64), 1.)", "T.normal(0., 1., [2])",
    "T.normal(mean=0., std=1., size=(2,))", "T.normal(mean=T.zeros(2))", "T.normal(T.zeros(2))",
    "T.normal(0., 1., (2,), requires_grad=True)", "T.normal(T.zeros(2, requires_grad=True), 1.)",
    "T.normal(T.zeros(2), T.ones(1))", "T.normal(T.zeros(2, 1), T.ones(3))",
    "T.normal(0., T.ones(2, dtype=T.float64))", "T.normal(T.zeros(2), T.ones(2, dtype=T.float64))",
    "T.normal(T.zeros(2), 1., generator=T.Generator())", "T.normal(np.float64(0.), 1., (2,))",
    "T.normal(T.tensor(0.), 1., (2,))", "T.normal(0., T.tensor(1.), (2,))", "T.normal(0., True, (2,))",
    "T.normal(T.zeros(3), T.ones(3, requires_grad=True))", "T.randperm(np.int64(3))", "T.randperm(T.tensor(3))",
    "T.randperm(T.tensor([3]))", "T.randperm(0)", "T.randperm(3, dtype=T.float32)",
    "T.randperm(2049, dtype=T.float16)", "T.randperm(128, dtype=T.int8)",
    "T.randperm(3, dtype=T.float32, requires_grad=True)", "T.randperm(np.int32(3), dtype=T.int8)",
    "T.randint(3, (3,), dtype=T.float32)", "T.randint(3, (3,), dtype=T.float32, requires_grad=True)",
    "T.randint(np.int64(3), (3,))", "T.randint(3, size=(3,))", "T.randint(low=0, high=3, size=(3,))",
    "T.randint(high=3, size=(3,))", "T.randint(0, 3, (2,), dtype=T.float64)", "T.randint(0, 128, (2,), dtype=T.int8)",
    "T.randint(-2, 2, (3,), dtype=T.float32)", "T.randint(0, 2, (3,), dtype=T.bool)",
    "T.randint(0, 1, (3,), dtype=T.bool)", "T.randint(3, T.Size([2]))", "T.randint(3, [2])", "T.randint(3, ())",
    "T.randint(T.tensor(3), (2,))", "T.randint(np.int32(0), np.int64(3), (2,))",
    "T.randint(0, 65504, (2,), dtype=T.float16)", "T.randint(0, 256, (2,), dtype=T.uint8)",
    "T.randint(-2**63, 2**63 - 1, (2,))", "T.rand(2, 3)", "T.rand((2, 3), dtype=T.float64)",
    "T.randn(2, dtype=T.float16)", "T.rand(2, requires_grad=True)", "T.rand_like(T.zeros(2, dtype=T.float64))",
    "T.randn_like(T.zeros(2, 3), requires_grad=True)",
]


@pytest.mark.parametrize("expr", REFUSALS + SAMPLES)
def test_random_creation_like_torch(torch_ref, expr):
    assert_same(torch_ref, expr, values=False)


@pytest.mark.parametrize("expr", ["sorted(T.randperm(50).tolist())", "sorted(T.randperm(7, dtype=T.float16).tolist())",
                                  "T.randint(0, 1, (4,))", "T.normal(2.5, 0., (3,))", "T.normal(T.ones(2), 0.)"])
def test_determined_values_like_torch(torch_ref, expr):
    assert_same(torch_ref, expr)


def test_normal_joins_the_graph_with_zero_derivatives_as_torch(torch_ref):
    """torch does not reparameterize normal(mean, std): the output requires grad, the gradients are zero."""
    for lib in (tg, torch_ref):
        mean = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        std = lib.tensor([1.0, 0.5, 2.0], dtype=lib.float64, requires_grad=True)
        outs = [lib.normal(mean, std), lib.normal(mean, 2.0), lib.normal(1.0, std)]
        assert [o.grad_fn.name() for o in outs] == ["NormalBackward3", "NormalBackward1", "NormalBackward2"]
        sum(o.sum() for o in outs).backward()
        assert np.array_equal(mean.grad.numpy(), np.zeros(3)) and np.array_equal(std.grad.numpy(), np.zeros(3))
    with tg.no_grad():
        assert not tg.normal(tg.zeros(2, requires_grad=True), 1.).requires_grad


def test_rand_stays_below_one_in_every_float_dtype():
    tg.manual_seed(0)
    for dtype in (tg.float16, tg.float32, tg.float64):
        x = tg.rand(200_000, dtype=dtype).numpy()
        assert x.dtype == dtype.numpy_dtype and x.min() >= 0 and x.max() < 1


def test_randint_and_randperm_cover_their_ranges():
    tg.manual_seed(0)
    x = tg.randint(-3, 4, (5000,)).numpy()
    assert x.dtype == np.int64 and set(x.tolist()) == set(range(-3, 4))
    assert sorted(tg.randperm(100).tolist()) == list(range(100))


def test_a_seed_reproduces_every_random_function():
    def draws():
        tg.manual_seed(123)
        return [tg.rand(3), tg.randn(3), tg.randint(0, 9, (3,)), tg.randperm(5), tg.normal(0., 2., (3,)),
                tg.normal(tg.zeros(3), tg.ones(3)), tg.rand_like(tg.zeros(2)), tg.randn_like(tg.zeros(2))]
    for a, b in zip(draws(), draws()):
        assert np.array_equal(a.numpy(), b.numpy())
