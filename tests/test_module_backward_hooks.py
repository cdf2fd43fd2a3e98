"""Module.register_full_backward_hook / register_full_backward_pre_hook against torch: what the hooks
see, what replacing grad_input or grad_output does upstream, the order of calls and the edge cases."""
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

import torch

rng = np.random.default_rng(0)
W1, B1, W2, B2 = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((2, 3)), rng.standard_normal(2)
X = rng.standard_normal((5, 4))


def model(L):
    net = L.nn.Sequential(L.nn.Linear(4, 3), L.nn.ReLU(), L.nn.Linear(3, 2)).double()
    with L.no_grad():
        for lin, (w, b) in zip((net[0], net[2]), ((W1, B1), (W2, B2))):
            lin.weight.copy_(L.tensor(w))
            lin.bias.copy_(L.tensor(b))
    return net


def arrays(grads):
    return [None if g is None else g.detach().numpy() for g in grads]


def run(L, register):
    net, log = model(L), []
    register(net, log)
    x = L.tensor(X, requires_grad=True)
    (net(x) ** 2).sum().backward()
    return log, x.grad.numpy(), net[0].weight.grad.numpy()


def assert_same(ours, theirs):
    (log_a, xg_a, wg_a), (log_b, xg_b, wg_b) = ours, theirs
    assert [entry[0] for entry in log_a] == [entry[0] for entry in log_b]  # which hooks, in which order
    for a, b in zip(log_a, log_b):
        for ga, gb in zip(a[1:], b[1:]):
            assert len(ga) == len(gb)
            for x, y in zip(ga, gb):
                assert (x is None) == (y is None)
                if x is not None:
                    np.testing.assert_allclose(x, y, rtol=1e-10)
    np.testing.assert_allclose(xg_a, xg_b, rtol=1e-10)
    np.testing.assert_allclose(wg_a, wg_b, rtol=1e-10)


def test_hooks_see_torchs_gradients_and_can_replace_them():
    def register(net, log):
        net[2].register_full_backward_pre_hook(lambda m, go: log.append(("pre2", arrays(go))) or (go[0] * 3,))
        net[2].register_full_backward_hook(lambda m, gi, go: log.append(("full2", arrays(gi), arrays(go))))
        net[0].register_full_backward_hook(
            lambda m, gi, go: log.append(("full0", arrays(gi), arrays(go))) or (gi[0] * 0.5,))
        net.register_full_backward_hook(lambda m, gi, go: log.append(("seq", arrays(gi), arrays(go))))
    assert_same(run(tg, register), run(torch, register))


def test_no_input_requires_grad_runs_hooks_at_the_output_with_a_warning():
    outs = []
    for L in (tg, torch):
        lin, log = model(L)[0], []
        lin.register_full_backward_hook(lambda m, gi, go: log.append((gi, arrays(go))))
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            lin(L.tensor(X)).sum().backward()
        outs.append(log)
    assert outs[0][0][0] == (None,) and outs[1][0][0] == (None,)
    np.testing.assert_allclose(outs[0][0][1][0], outs[1][0][1][0])


def test_non_tensor_arguments_get_none_and_removed_hooks_stop():
    class Scale(tg.nn.Module):
        def forward(self, x, factor):
            return x * factor

    m, log = Scale(), []
    handle = m.register_full_backward_hook(lambda mod, gi, go: log.append(gi))
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    m(x, 3.0).sum().backward()
    assert len(log) == 1 and log[0][1] is None and np.allclose(log[0][0].numpy(), [3.0, 3.0])
    handle.remove()
    m(x, 3.0).sum().backward()
    assert len(log) == 1
    assert m(x, 3.0).grad_fn.name() == "MulBackward0"  # no identity node once no hook is left


def test_a_hook_returning_the_wrong_number_of_gradients_raises():
    lin = tg.nn.Linear(4, 3)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="^Backward hook returned an invalid number of grad_input, got 2, but "
                                           "expected 1$"):
        lin(tg.tensor(X.astype(np.float32), requires_grad=True)).sum().backward()
    pre = tg.nn.Linear(4, 3)
    pre.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
    with pytest.raises(RuntimeError, match="^Backward pre hook returned an invalid number of grad_output, got 2, "
                                           "but expected 1$"):
        pre(tg.tensor(X.astype(np.float32), requires_grad=True)).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when an input requires grad
        plain = tg.nn.Linear(4, 3)
        plain.register_full_backward_hook(lambda m, gi, go: None)
        plain(tg.tensor(X.astype(np.float32), requires_grad=True)).sum().backward()
