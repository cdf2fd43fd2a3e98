"""The autograd rules a PyTorch user relies on, each checked against a formula or finite differences:
leaves, .grad accumulation, hooks, retain_graph, create_graph, autograd.grad, grad mode, version
counters, in-place ops, deep graphs, memory release (custom Functions, anomaly detection and
tracing are in test_autograd_function.py)."""
import gc
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import autograd
from tinygrad_edu.testing import assert_close


def leaf(values, dtype=tg.float64):
    return tg.tensor(values, dtype=dtype, requires_grad=True)


# ---- leaves, requires_grad, .grad ------------------------------------------------------------------------
def test_leaf_and_non_leaf():
    x, c = leaf([1., 2.]), tg.tensor([3., 4.])
    y = x * c
    assert x.is_leaf and c.is_leaf and not y.is_leaf
    assert x.grad_fn is None and y.grad_fn is not None
    assert y.requires_grad and not (c * 2).requires_grad
    assert y.detach().is_leaf and not y.detach().requires_grad
    with pytest.raises(RuntimeError):
        y.requires_grad = False


def test_grad_is_none_until_backward_then_accumulates():
    x = leaf([1., 2., 3.])
    assert x.grad is None
    (x * x).sum().backward()
    assert_close(x.grad, 2 * x.detach())
    (x * x).sum().backward()  # a second backward adds to .grad, as torch does
    assert_close(x.grad, 4 * x.detach())
    x.grad.zero_()
    (3 * x).sum().backward()
    assert_close(x.grad, tg.full((3,), 3.0, dtype=tg.float64))


def test_non_leaf_grad_only_with_retain_grad():
    x = leaf([1., 2.])
    y, z = x * 3, x * 4
    z.retain_grad()
    assert z.retains_grad and not y.retains_grad
    ((y + z) ** 2).sum().backward()
    assert y.grad is None
    assert_close(z.grad, 2 * (7 * x.detach()))


def test_backward_with_gradient_argument():
    x = leaf([1., 2., 3.])
    g = tg.tensor([0.5, -1., 2.], dtype=tg.float64)
    (x * x).backward(gradient=g)
    assert_close(x.grad, 2 * x.detach() * g)


def test_backward_inputs_restricts_accumulation():
    a, b = leaf([1.]), leaf([2.])
    (a * b).sum().backward(inputs=[a])
    assert_close(a.grad, b.detach())
    assert b.grad is None


# ---- hooks -----------------------------------------------------------------------------------------------
def test_leaf_hook_replaces_gradient_and_can_be_removed():
    x = leaf([1., 2.])
    seen = []
    handle = x.register_hook(lambda g: seen.append(g._data.copy()) or g * 10)
    (x ** 2).sum().backward()
    assert_close(x.grad, 20 * x.detach())
    np.testing.assert_allclose(seen[0], 2 * x._data)
    handle.remove()
    x.grad = None
    (x ** 2).sum().backward()
    assert_close(x.grad, 2 * x.detach())
    assert len(seen) == 1


def test_leaf_hook_sees_the_total_gradient_once():
    x = leaf([1., 2.])
    seen = []
    x.register_hook(lambda g: seen.append(g._data.copy()) or g / g.norm())  # a non-linear hook
    (x * x + x).sum().backward()  # three edges into x
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 2 * x._data + 1)
    assert_close(x.grad, (2 * x.detach() + 1) / (2 * x.detach() + 1).norm())


def test_non_leaf_hook_changes_what_flows_upstream():
    x = leaf([1., 2.])
    y = x * 3
    handle = y.register_hook(lambda g: g * 0 + 1)  # pretend d(loss)/dy = 1
    (y * y).sum().backward()
    assert_close(x.grad, tg.full((2,), 3.0, dtype=tg.float64))
    handle.remove()
    x.grad = None
    y2 = x * 3
    (y2 * y2).sum().backward()
    assert_close(x.grad, 18 * x.detach())


def test_hook_needs_requires_grad():
    with pytest.raises(RuntimeError):
        tg.ones(2).register_hook(lambda g: g)


# ---- retain_graph and create_graph ----------------------------------------------------------------------
def test_second_backward_needs_retain_graph():
    x = leaf([1., 2.])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # allowed: the graph was retained
    assert_close(x.grad, 2 * (x.detach().exp() * (x.detach() + 1)))
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_second_derivative_of_cube():
    x = leaf([-1.5, 0.5, 2.0])
    (g,) = autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert_close(g, 3 * x.detach() ** 2)
    assert g.requires_grad
    (h,) = autograd.grad(g.sum(), x)
    assert_close(h, 6 * x.detach())


def test_backward_create_graph_gives_differentiable_grad():
    x = leaf([0.3, -0.7])
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert_close(x.grad, 6 * x.detach())


def _mlp_loss(w1, b1, w2, x, y):
    return ((((x @ w1) + b1).tanh() @ w2 - y) ** 2).mean()


def test_hessian_vector_product_of_mlp_matches_finite_differences():
    rng = np.random.default_rng(0)
    x, y = tg.tensor(rng.standard_normal((5, 3))), tg.tensor(rng.standard_normal((5, 1)))
    w1_0, b1, w2 = rng.standard_normal((3, 4)), tg.tensor(rng.standard_normal(4)), tg.tensor(rng.standard_normal((4, 1)))
    v = rng.standard_normal((3, 4))

    def grad_at(w):
        w = tg.tensor(w, requires_grad=True)
        return autograd.grad(_mlp_loss(w, b1, w2, x, y), w)[0]._data

    w1 = tg.tensor(w1_0, requires_grad=True)
    (g,) = autograd.grad(_mlp_loss(w1, b1, w2, x, y), w1, create_graph=True)
    (hv,) = autograd.grad((g * tg.tensor(v)).sum(), w1)
    eps = 1e-6
    numeric = (grad_at(w1_0 + eps * v) - grad_at(w1_0 - eps * v)) / (2 * eps)
    assert_close(hv, numeric, rtol=1e-5, atol=1e-7)


# ---- autograd.grad --------------------------------------------------------------------------------------
def test_grad_returns_without_accumulating():
    x = leaf([1., 2.])
    (g,) = autograd.grad((x * x).sum(), x)
    assert_close(g, 2 * x.detach())
    assert x.grad is None and not g.requires_grad


def test_grad_multiple_inputs_outputs_and_grad_outputs():
    a, b = leaf([1., 2.]), leaf([3., 4.])
    y1, y2 = a * b, a + b
    w1, w2 = tg.tensor([1., -1.], dtype=tg.float64), tg.tensor([2., 0.5], dtype=tg.float64)
    ga, gb = autograd.grad([y1, y2], [a, b], grad_outputs=[w1, w2])
    assert_close(ga, w1 * b.detach() + w2)
    assert_close(gb, w1 * a.detach() + w2)


def test_grad_allow_unused():
    a, unused = leaf([1.]), leaf([2.])
    out = (a * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd.grad(out, [a, unused], retain_graph=True)
    ga, gu = autograd.grad(out, [a, unused], allow_unused=True)
    assert_close(ga, tg.tensor([2.], dtype=tg.float64))
    assert gu is None


# ---- grad mode ---------------------------------------------------------------------------------------------
def test_grad_mode_context_managers():
    x = leaf([1.])
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with tg.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad and tg.is_grad_enabled()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with tg.no_grad():
            raise ValueError
    assert tg.is_grad_enabled()


def test_grad_mode_decorators():
    x = leaf([1.])

    @tg.no_grad()
    def f():
        return x * 2

    @tg.enable_grad()
    def g():
        return x * 2

    @tg.set_grad_enabled(False)
    def h():
        return x * 2

    assert tg.is_grad_enabled()  # defining h did not switch grad mode off
    assert not f().requires_grad and not h().requires_grad
    with tg.no_grad():
        assert g().requires_grad
    assert (x * 2).requires_grad


def test_grad_mode_is_thread_local():
    inside, release, result = threading.Event(), threading.Event(), {}

    def worker():
        with tg.no_grad():
            inside.set()
            release.wait(5)
            result["worker"] = tg.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    result["main"] = tg.is_grad_enabled() and (leaf([1.]) * 2).requires_grad
    release.set()
    t.join()
    assert result == {"main": True, "worker": False}


# ---- version counter and in-place operations --------------------------------------------------------------
def test_inplace_on_saved_tensor_raises_naming_the_op():
    x = leaf([0.5, -0.5])
    y = x.sigmoid()  # saves its output
    s = y.sum()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="(?s)modified by an inplace operation.*Sigmoid"):
        s.backward()


def test_views_share_the_version_counter():
    x = leaf([1., 2., 3., 4.])
    a = x * 1
    prod = (a * a).sum()  # Mul saves a
    a.view(2, 2)[0].add_(1)  # writes through a view of a
    assert_close(a.detach(), tg.tensor([2., 3., 3., 4.], dtype=tg.float64))
    with pytest.raises(RuntimeError, match="inplace"):
        prod.backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf([1., 2.])
    for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.__setitem__(0, 3.0)):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            op()


def test_lecture_sgd_step_under_no_grad():
    w = leaf([1.0, -2.0])
    lr = 0.1
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        expected = w.detach().clone() * (1 - 2 * lr)
        with tg.no_grad():
            w -= w.grad * lr
            w.grad.zero_()
        assert_close(w.detach(), expected)
        assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert_close(w.grad, tg.zeros(2, dtype=tg.float64))


def test_inplace_on_non_leaf_rebases_history():
    x = leaf([1., 2., 3.])
    y = x * 2
    y.add_(1)
    y[0] = 5.0  # differentiable: y[0] no longer depends on x
    assert not y.is_leaf
    (y * y).sum().backward()
    expected = 2 * (2 * x.detach() + 1) * 2
    expected[0] = 0.0
    assert_close(x.grad, expected)


# ---- deep graphs and memory --------------------------------------------------------------------------------
def test_deep_chain_has_no_recursion_limit():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.sum().backward()
    assert_close(x.grad, tg.tensor([1.0], dtype=tg.float64))
    del y  # freeing a 100,000-node chain must not overflow the stack either
    gc.collect()


def test_saved_tensors_are_released_after_backward():
    x = leaf([1., 2.])
    h = x * 2
    kept = weakref.ref(h)
    out = h.sin().sum()  # sin saves its input h
    del h
    assert kept() is not None  # held by the graph
    out.backward()
    assert kept() is None  # released by backward


def test_memory_does_not_grow_over_training_steps():
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    w = tg.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)

    def steps(n):
        for _ in range(n):
            loss = ((x @ w).tanh() ** 2).mean()
            loss.backward()
            with tg.no_grad():
                w.sub_(0.01 * w.grad)
                w.grad.zero_()

    steps(2000)  # warm up outside tracing: interpreter free lists fill up once (bounded, not a leak)
    tracemalloc.start()
    try:
        steps(500)
        first = tracemalloc.get_traced_memory()
        steps(1000)
        tracemalloc.reset_peak()
        steps(500)
        last = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last[0] <= first[0] + 16_384, f"memory grew from {first[0]} to {last[0]} bytes"
    assert last[1] <= first[1] + 16_384, f"peak grew from {first[1]} to {last[1]} bytes"


def test_trace_backward_sees_only_its_own_threads_passes():
    """trace_backward is thread-local, like grad mode: another thread's backward is not recorded."""
    import threading
    from tinygrad_edu.autograd import trace_backward

    def other_thread():
        w = tg.tensor([1.0, 2.0], requires_grad=True)
        for _ in range(20):
            (w * w).sum().backward()

    x = tg.tensor([3.0], requires_grad=True)
    with trace_backward() as trace:
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        (x * 2).sum().backward()
    assert [s["op"] for s in trace.steps] == ["SumBackward0", "MulBackward0"]
