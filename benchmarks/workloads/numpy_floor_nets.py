"""The numpy floor of the two chapter workloads (issue 12): the CNN's and the GRU's forward, backward
and Adam update written out by hand, in the style of numpy_floor.py (no graph, one array per step).

Conv2d by im2col: the 3x3 windows of the padded input are copied into a contiguous (N*H*W, 9*C)
matrix (one slice copy per kernel offset, not per pixel), so the convolution, dW and the window
gradients are plain matrix products; dX adds the window gradients back at the nine offsets (col2im).
Measured here, this is about 2x faster than a tensordot over a sliding_window_view. Max pooling
2x2 takes np.maximum of four strided views (about 10x faster than an argmax over a copied
(..., 4) axis).
"""
import numpy as np

from . import common


class Adam:
    """torch.optim.Adam's update (betas 0.9, 0.999, eps 1e-8, no weight decay), in place:
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, grads):
        b1, b2 = self.betas
        self.t += 1
        step_size = self.lr / (1 - b1 ** self.t)
        root2 = np.sqrt(1 - b2 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= step_size * m / (np.sqrt(v) / root2 + self.eps)


def _cross_entropy(z, y):
    """Mean cross-entropy of logits z (B, K) against labels y and its gradient (softmax - onehot) / B."""
    rows = np.arange(len(y))
    shifted = z - z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = (np.log(total[:, 0]) - shifted[rows, y]).mean()
    g = exp / total
    g[rows, y] -= 1
    g /= len(y)
    return loss, g


def _conv3x3(x, w, b):
    """3x3 convolution, padding 1, stride 1: (N, C, H, W) -> (N, O, H, W). im2col copies the nine
    shifted (N, H, W, C) slices of the padded input side by side, so the convolution is one matrix
    product (N*H*W, 9C) @ (9C, O). Returns the output and the columns (for the backward pass)."""
    n, c, h, wd = x.shape
    xp = np.zeros((n, h + 2, wd + 2, c), dtype=x.dtype)
    xp[:, 1:-1, 1:-1] = x.transpose(0, 2, 3, 1)
    cols = np.empty((n, h, wd, 3, 3, c), dtype=x.dtype)
    for i in range(3):
        for j in range(3):
            cols[:, :, :, i, j] = xp[:, i:i + h, j:j + wd]
    cols = cols.reshape(n * h * wd, 9 * c)
    out = cols @ w.transpose(2, 3, 1, 0).reshape(9 * c, -1) + b
    return out.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols


def _conv3x3_backward(g, cols, w, need_input_grad):
    """dW = cols^T g, db = sum g, and dX: g W^T gives each window's gradient, added back (col2im)
    at the nine offsets the windows were read from."""
    n, o, h, wd = g.shape
    c = w.shape[1]
    gm = g.transpose(0, 2, 3, 1).reshape(-1, o)
    dw = (cols.T @ gm).reshape(3, 3, c, o).transpose(3, 2, 0, 1)
    db = gm.sum(axis=0)
    if not need_input_grad:
        return None, dw, db
    dcols = (gm @ w.transpose(2, 3, 1, 0).reshape(9 * c, o).T).reshape(n, h, wd, 3, 3, c)
    dxp = np.zeros((n, h + 2, wd + 2, c), dtype=g.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i:i + h, j:j + wd] += dcols[:, :, :, i, j]
    return dxp[:, 1:-1, 1:-1].transpose(0, 3, 1, 2), dw, db


_OFFSETS = ((0, 0), (0, 1), (1, 0), (1, 1))   # a 2x2 window's positions, in torch's scan order


def _pool2(x):
    """2x2 max pooling, stride 2: the largest of the four strided (N, C, H/2, W/2) views; returns the
    output and the views (for the backward pass)."""
    views = [x[:, :, i::2, j::2] for i, j in _OFFSETS]
    return np.maximum(np.maximum(views[0], views[1]), np.maximum(views[2], views[3])), views


def _pool2_backward(g, out, views, shape):
    """g goes to the first position of each window that holds its max (torch's rule on ties)."""
    dx = np.zeros(shape, dtype=g.dtype)
    free = np.ones(out.shape, dtype=bool)
    for (i, j), view in zip(_OFFSETS, views):
        hit = (view == out) & free
        dx[:, :, i::2, j::2] = g * hit
        free &= ~hit
    return dx


def _digits_loss_and_grads(params, x, y):
    """conv-relu-pool, conv-relu-pool, flatten, linear, cross-entropy; gradients in params' order."""
    w1, b1, w2, b2, w3, b3 = params
    z1, cols1 = _conv3x3(x, w1, b1)
    a1 = np.maximum(z1, 0)
    p1, views1 = _pool2(a1)
    z2, cols2 = _conv3x3(p1, w2, b2)
    a2 = np.maximum(z2, 0)
    p2, views2 = _pool2(a2)
    flat = p2.reshape(len(x), -1)
    loss, g = _cross_entropy(flat @ w3.T + b3, y)
    dw3, db3 = g.T @ flat, g.sum(axis=0)
    g = _pool2_backward((g @ w3).reshape(p2.shape), p2, views2, a2.shape) * (z2 > 0)
    g, dw2, db2 = _conv3x3_backward(g, cols2, w2, need_input_grad=True)
    g = _pool2_backward(g, p1, views1, a1.shape) * (z1 > 0)
    _, dw1, db1 = _conv3x3_backward(g, cols1, w1, need_input_grad=False)
    return loss, [dw1, db1, dw2, db2, dw3, db3]


def digits_cnn():
    d = common.digits_data()
    params = [p.copy() for pair in d.layers for p in pair]
    opt = Adam(params, common.DIGITS_LR)
    rng = np.random.default_rng(common.SEED)
    n, batch = len(d.y), common.DIGITS_BATCH

    def epoch():
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss, grads = _digits_loss_and_grads(params, d.x[idx], d.y[idx])
            opt.step(grads)
            total += float(loss)
        return total / ((n + batch - 1) // batch)

    return common.Bench(epoch)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _gru_forward(x_gates, w_hh, b_hh):
    """torch's GRU over time (gates r, z, n in that order) from h0 = 0:
    r = s(gi_r + gh_r), z = s(gi_z + gh_z), n = tanh(gi_n + r * gh_n), h' = (1 - z) n + z h,
    with gi = W_ih x + b_ih precomputed for all steps and gh = W_hh h + b_hh. Returns all h and a tape."""
    batch, steps, three_h = x_gates.shape
    hidden = three_h // 3
    h = np.zeros((batch, hidden), dtype=x_gates.dtype)
    outs, tape = np.empty((batch, steps, hidden), dtype=x_gates.dtype), []
    for t in range(steps):
        gi, gh = x_gates[:, t], h @ w_hh.T + b_hh
        r = _sigmoid(gi[:, :hidden] + gh[:, :hidden])
        z = _sigmoid(gi[:, hidden:2 * hidden] + gh[:, hidden:2 * hidden])
        n = np.tanh(gi[:, 2 * hidden:] + r * gh[:, 2 * hidden:])
        tape.append((h, r, z, n, gh[:, 2 * hidden:]))
        h = (1 - z) * n + z * h
        outs[:, t] = h
    return outs, tape


def _gru_backward(d_out, tape, w_hh):
    """Backpropagation through time: the gradient of the gate pre-activations gi (B, T, 3H) and of
    W_hh and b_hh, from d_out = dL/dh_t for every step."""
    batch, steps, hidden = d_out.shape
    d_gi = np.empty((batch, steps, 3 * hidden), dtype=d_out.dtype)
    d_whh, d_bhh = np.zeros_like(w_hh), np.zeros(3 * hidden, dtype=d_out.dtype)
    dh = np.zeros((batch, hidden), dtype=d_out.dtype)
    for t in reversed(range(steps)):
        h_prev, r, z, n, gh_n = tape[t]
        dh = dh + d_out[:, t]
        dn = dh * (1 - z) * (1 - n * n)                         # through tanh
        dz = dh * (h_prev - n) * z * (1 - z)                    # through sigmoid
        dr = dn * gh_n * r * (1 - r)
        d_gi[:, t] = np.concatenate([dr, dz, dn], axis=1)
        d_gh = np.concatenate([dr, dz, dn * r], axis=1)
        d_whh += d_gh.T @ h_prev
        d_bhh += d_gh.sum(axis=0)
        dh = dh * z + d_gh @ w_hh
    return d_gi, d_whh, d_bhh


def _char_loss_and_grads(p, x, y):
    """Embedding -> GRU -> Linear -> cross-entropy over all B*T positions; gradients by name."""
    emb = p["embed.weight"][x]                                             # (B, T, E)
    x_gates = emb @ p["gru.weight_ih_l0"].T + p["gru.bias_ih_l0"]
    outs, tape = _gru_forward(x_gates, p["gru.weight_hh_l0"], p["gru.bias_hh_l0"])
    flat = outs.reshape(-1, outs.shape[-1])
    loss, g = _cross_entropy(flat @ p["fc.weight"].T + p["fc.bias"], y.reshape(-1))
    grads = {"fc.weight": g.T @ flat, "fc.bias": g.sum(axis=0)}
    d_gi, grads["gru.weight_hh_l0"], grads["gru.bias_hh_l0"] = _gru_backward(
        (g @ p["fc.weight"]).reshape(outs.shape), tape, p["gru.weight_hh_l0"])
    d_gi = d_gi.reshape(-1, d_gi.shape[-1])
    grads["gru.weight_ih_l0"] = d_gi.T @ emb.reshape(-1, emb.shape[-1])
    grads["gru.bias_ih_l0"] = d_gi.sum(axis=0)
    d_emb = np.zeros_like(p["embed.weight"])
    np.add.at(d_emb, x.reshape(-1), d_gi @ p["gru.weight_ih_l0"])
    grads["embed.weight"] = d_emb
    return loss, grads


def char_rnn():
    d = common.char_rnn_data()
    params = {k: v.copy() for k, v in d.weights.items()}
    names = list(params)
    opt = Adam([params[k] for k in names], common.CHAR_LR)

    def step():
        loss, grads = _char_loss_and_grads(params, d.x, d.y)
        opt.step([grads[k] for k in names])
        return float(loss)

    return common.Bench(step)


BUILDERS = {"digits_cnn": digits_cnn, "char_rnn": char_rnn}
