"""The numpy floor: each workload's forward, backward and update written out by hand in numpy.

No graph, no Tensor objects, no dispatch: only the numpy calls that the maths needs, written
naturally (one new array per operation, in-place parameter updates as an optimizer does). This is
the speed any numpy-based engine could at best approach; the ratio tinygrad_edu/numpy is the price
of the engine's bookkeeping. Data loading uses the fastest loader: one index array per epoch and one
fancy index per batch. The maths matches torchlike.py exactly, so the first unit's result agrees.
"""
import random

import numpy as np

from . import common


def _mlp_loss_and_grads(params, x, y):
    """Mean cross-entropy of a ReLU MLP (params = [W1, b1, W2, b2, ...], W of shape (out, in)) on
    (x, y) and the gradient of every parameter, in the order of ``params``.

    Forward: h_{k+1} = relu(h_k W_k^T + b_k), logits z = h_L W_L^T + b_L,
    loss = mean_i(logsumexp(z_i) - z_i[y_i]).
    Backward: dL/dz = (softmax(z) - onehot(y)) / B; for a linear layer dW = g^T h_in, db = sum_rows(g),
    g_in = g W; through ReLU g is masked by (relu output > 0).
    """
    n_layers = len(params) // 2
    inputs = [x]
    h = x
    for k in range(n_layers):
        z = h @ params[2 * k].T + params[2 * k + 1]
        if k < n_layers - 1:
            h = np.maximum(z, 0)
            inputs.append(h)
    rows = np.arange(len(y))
    shifted = z - z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = (np.log(total[:, 0]) - shifted[rows, y]).mean()
    g = exp / total
    g[rows, y] -= 1
    g /= len(y)
    grads = [None] * len(params)
    for k in reversed(range(n_layers)):
        h_in = inputs[k]
        grads[2 * k] = g.T @ h_in
        grads[2 * k + 1] = g.sum(axis=0)
        if k:
            g = (g @ params[2 * k]) * (h_in > 0)
    return loss, grads


def _flat(layers):
    return [p.copy() for pair in layers for p in pair]


def phone_mlp():
    d = common.phone_data()
    params = _flat(d.layers)
    buffers = [None] * len(params)
    rng = np.random.default_rng(common.SEED)
    n, batch, lr, momentum = len(d.y), 16, 0.001, 0.9

    def epoch():
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss, grads = _mlp_loss_and_grads(params, d.x[idx], d.y[idx])
            # torch.optim.SGD with momentum: buf = g on the first step, then buf = momentum*buf + g
            for i, (p, g) in enumerate(zip(params, grads)):
                if buffers[i] is None:
                    buffers[i] = g.copy()
                else:
                    buffers[i] *= momentum
                    buffers[i] += g
                p -= lr * buffers[i]
            total += float(loss)
        return total / ((n + batch - 1) // batch)

    return common.Bench(epoch)


def linreg():
    d = common.linreg_data()
    w, b = d.w0.copy(), d.b0.copy()
    shuffler = random.Random(common.SEED)  # the same Python shuffle as the lecture's data_provider
    n, batch, lr = len(d.y), 16, 0.001

    def epoch():
        nonlocal w, b  # updated in place, as the lecture's sgd() does
        indices = list(range(n))
        shuffler.shuffle(indices)
        order = np.array(indices)
        data_loss = 0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            x, y = d.x[idx], d.y[idx]
            diff = x @ w + b - y
            # loss = sum|diff| / m, so dloss/ddiff = sign(diff) / m
            data_loss += np.abs(diff).sum() / len(y)
            g = np.sign(diff) / len(y)
            w -= (g @ x) * lr
            b -= g.sum() * lr
        return float(data_loss)

    return common.Bench(epoch)


def op_overhead():
    a, b, c, d = common.op_data()
    ga, gb, gc, gd = (np.zeros_like(m) for m in (a, b, c, d))

    def block():
        nonlocal ga, gb, gc, gd  # accumulated in place, as .grad is
        for _ in range(common.OP_ITERS_PER_UNIT):
            s = a * b + c
            r = np.maximum(s, 0)
            out = r @ d
            out.sum()
            g_out = np.ones_like(out)  # d sum / d out
            g_s = (g_out @ d.T) * (r > 0)
            gd += r.T @ g_out
            ga += g_s * b
            gb += g_s * a
            gc += g_s
        return float(ga.sum())

    return common.Bench(block, per_unit=common.OP_ITERS_PER_UNIT)


def big_mlp():
    d = common.big_mlp_data()
    params = _flat(d.layers)

    def step():
        loss, grads = _mlp_loss_and_grads(params, d.x, d.y)
        for p, g in zip(params, grads):
            p -= common.BIG_MLP_LR * g
        return float(loss)

    return common.Bench(step)


def deep_chain():
    start = common.chain_data()

    def chain(length):
        y = start.copy()
        for _ in range(length):
            y = y * 0.999 + 0.001
        y.sum()
        # backward: d y_{k+1} / d y_k = 0.999, applied once per link, from d sum / d y = 1
        g = np.ones_like(y)
        for _ in range(length):
            g = g * 0.999
        return float(g.sum())

    return common.Bench(lambda: chain(common.DEEP_CHAIN_LENGTH), warmup=lambda: chain(1000))


BUILDERS = {"phone_mlp": phone_mlp, "linreg": linreg, "op_overhead": op_overhead, "big_mlp": big_mlp,
            "deep_chain": deep_chain}

from . import numpy_floor_nets  # noqa: E402  (the CNN and GRU chapters' workloads, issue 12)
BUILDERS.update(numpy_floor_nets.BUILDERS)
