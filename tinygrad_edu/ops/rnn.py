"""Recurrent layers: one layer, one direction, the whole sequence in one node (torch.nn.RNN / GRU / LSTM
call these once per layer and direction; nn/modules/rnn.py loops over both).

The cells, with gates in torch's order (W_ih x + b_ih and W_hh h + b_hh cut into equal blocks):

    RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)              (or relu)
    GRU   r = s(.._r),  z = s(.._z),  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = n + z (h - n)
    LSTM  i, f, o = s(.._i), s(.._f), s(.._o),  g = tanh(.._g),  c' = f c + i g,  h' = o tanh(c')
          (with proj_size: h' = W_hr (o tanh(c')))

where s is the sigmoid and `.._r` means W_ir x + b_ir + W_hr h + b_hr.

Sequences are read in torch's packed layout: `x` is (N, input) with the rows of step t at
x[start_t : start_t + batch_sizes[t]], the longest sequences first (a padded (T, B, input) batch is
the case batch_sizes = [B] * T, reshaped for free). At step t only the first batch_sizes[t] rows of
the state move; the rest keep their state, so every sequence's final state is the one of its own
last step (forward), and the reverse direction starts each sequence at its own last step.

Backpropagation through time (BPTT), written once in `_bptt`: walk the steps in the reverse of the
order they ran, carrying dL/dstate. At each step the gradient arriving at h' is what the output got
(grad_out rows) plus what the next step sent back; the cell's local derivative (`_*_back`) turns it
into the gradients of the gate pre-activations, dG (N, gates), and of the previous state. The weights
then need no loop at all: dW_ih = dG_i^T X, dW_hh = dG_h^T H_prev, db = column sums, dX = dG_i W_ih.

Why fused (measured on the char_rnn benchmark step, see nn/modules/rnn.py's docstring: ~3x faster
than the composition): composing the layer from the cell's Tensor ops records ~20 nodes per step;
the fused op runs the same formulas on numpy arrays, precomputes X W_ih^T for all steps in one GEMM
and does the weight gradients as three GEMMs. The step formulas are shared: `_scan` and `_bptt`
take a namespace `m` (rnn_math.py) of the few functions numpy and Tensors spell differently, so the
same lines run on arrays (forward and a plain backward), on Tensors (the composed layer, the cells,
and a create_graph backward, which recomputes the forward in Tensor ops so that its tape depends on
the inputs and can be differentiated again) and on dual pairs (value, tangent): forward mode's `jvp`
runs the scan once on those, and the product rule in each operation gives the tangents.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .rnn_math import ArrayMath as _ArrayMath, Dual, DualMath, TensorMath as _TensorMath

FUSED = True  # False: layers are composed of the cells' Tensor ops step by step (for measuring)


# ---- one step of each cell: forward (state -> new state, tape) and its local derivative --------------
def _rnn_step(m, gi, state, w_hh_t, relu):
    """gi = W_ih x + b_ih + b_hh (both biases folded in before the loop); w_hh_t = W_hh^T."""
    (h,) = state
    pre = gi + h @ w_hh_t
    h1 = m.relu(pre) if relu else m.tanh(pre)
    return (h1,), (h, h1)


def _rnn_back(m, dstate, tape, w_hh, relu):
    """d pre = dh' * act'(pre), read off h' (tanh' = 1 - h'^2, relu' = [h' > 0]); dh = d pre W_hh."""
    (dh1,), (h, h1) = dstate, tape
    dpre = m.relu_grad(dh1, h1) if relu else dh1 * (1 - h1 * h1)
    return dpre, dpre, (dpre @ w_hh,), None


def _gru_step(m, gi, state, w_hh_t, b_hh):
    """gi = W_ih x + b_ih; w_hh_t = W_hh^T."""
    (h,) = state
    hid = h.shape[1]
    gh = h @ w_hh_t if b_hh is None else h @ w_hh_t + b_hh
    rz = m.sigmoid(gi[:, :2 * hid] + gh[:, :2 * hid])
    r, z, ghn = rz[:, :hid], rz[:, hid:], gh[:, 2 * hid:]
    n = m.tanh(gi[:, 2 * hid:] + r * ghn)
    return (n + z * (h - n),), (h, r, z, n, ghn)


def _gru_back(m, dstate, tape, w_hh, b_hh):
    """h' = n + z (h - n):  dn = dh' (1 - z),  dz = dh' (h - n),  dh = dh' z + dG_h W_hh;
    through n = tanh(a_n + r g_n):  da_n = dn (1 - n^2),  dr = da_n g_n,  dg_n = da_n r;
    through the sigmoids:  da_r = dr r (1 - r),  da_z = dz z (1 - z)."""
    (dh1,), (h, r, z, n, ghn) = dstate, tape
    dan = dh1 * (1 - z) * (1 - n * n)
    dar = dan * ghn * r * (1 - r)
    daz = dh1 * (h - n) * z * (1 - z)
    dgi = m.cat([dar, daz, dan], 1)
    dgh = m.cat([dar, daz, dan * r], 1)
    return dgi, dgh, (dh1 * z + dgh @ w_hh,), None


def _lstm_step(m, gi, state, w_hh_t, w_hr_t):
    """gi = W_ih x + b_ih + b_hh (both biases folded in before the loop); w_hh_t, w_hr_t = W_hh^T, W_hr^T."""
    h, c = state
    hid = c.shape[1]
    gates = gi + h @ w_hh_t
    i, f = m.sigmoid(gates[:, :hid]), m.sigmoid(gates[:, hid:2 * hid])
    g, o = m.tanh(gates[:, 2 * hid:3 * hid]), m.sigmoid(gates[:, 3 * hid:])
    c1 = f * c + i * g
    tc = m.tanh(c1)
    hh = o * tc
    h1 = hh if w_hr_t is None else hh @ w_hr_t
    return (h1, c1), (h, c, i, f, g, o, tc, hh)


def _lstm_back(m, dstate, tape, w_hh, w_hr):
    """h' = W_hr (o tanh c') (or o tanh c'): dhh = dh' W_hr;  do = dhh tanh c';  dc' += dhh o (1 - tanh^2 c');
    c' = f c + i g:  di = dc' g,  df = dc' c,  dg = dc' i,  dc = dc' f;  then each gate's activation'."""
    (dh1, dc1), (h, c, i, f, g, o, tc, hh) = dstate, tape
    dhh = dh1 if w_hr is None else dh1 @ w_hr
    dc = dc1 + dhh * o * (1 - tc * tc)
    dgates = m.cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), dhh * tc * o * (1 - o)], 1)
    return dgates, dgates, (dgates @ w_hh, dc * f), (None if w_hr is None else dh1)


CELLS = {"RNN": (_rnn_step, _rnn_back), "GRU": (_gru_step, _gru_back), "LSTM": (_lstm_step, _lstm_back)}


# ---- the sequence: forward scan and BPTT ------------------------------------------------------------
def _order(batch_sizes, reverse):
    """[(t, first row, rows)] in the order the steps run."""
    sizes = [int(b) for b in batch_sizes]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist() if sizes else []
    steps = list(zip(range(len(sizes)), starts, sizes))
    return steps[::-1] if reverse else steps


def _scan(m, step, gi_all, state, batch_sizes, reverse, w):
    """Run `step` over the sequence: (outputs (N, out) in row order, final state, tapes by step)."""
    full = state[0].shape[0]
    outs, tapes = [None] * len(batch_sizes), [None] * len(batch_sizes)
    for t, start, rows in _order(batch_sizes, reverse):
        active = state if rows == full else tuple(s[:rows] for s in state)
        new, tapes[t] = step(m, gi_all[start:start + rows], active, *w)
        outs[t] = new[0]
        state = new if rows == full else tuple(m.cat([a, s[rows:]]) for a, s in zip(new, state))
    return m.cat(outs), state, tapes


def _bptt(m, back, grad_out, dstate, tapes, batch_sizes, reverse, w):
    """Backpropagation through time: (dG_i, dG_h, d initial state, per-step extras), by row."""
    full = dstate[0].shape[0]
    dgi, dgh, extras = [None] * len(tapes), [None] * len(tapes), [None] * len(tapes)
    for t, start, rows in reversed(_order(batch_sizes, reverse)):
        active = dstate if rows == full else tuple(s[:rows] for s in dstate)
        active = (active[0] + grad_out[start:start + rows],) + active[1:]
        dgi[t], dgh[t], prev, extras[t] = back(m, active, tapes[t], *w)
        dstate = prev if rows == full else tuple(m.cat([p, s[rows:]]) for p, s in zip(prev, dstate))
    return m.cat(dgi), m.cat(dgh), dstate, extras


def _gate_inputs(m, mode, x, w_ih, b_ih, b_hh):
    """X W_ih^T + b for every step in one GEMM; RNN and LSTM fold b_hh in too (GRU needs it apart)."""
    if b_ih is not None and mode != "GRU":
        b_ih = b_ih + b_hh
    return m.linear(x, w_ih, b_ih)


def _step_weights(mode, w_hh, b_hh, extra):
    """What a step needs besides its input: (W_hh, relu?) / (W_hh, b_hh) / (W_hh, W_hr) (the forward
    step gets W_hh^T and W_hr^T instead, the backward W_hh and W_hr)."""
    return (w_hh, b_hh) if mode == "GRU" else (w_hh, extra)


def run_layer(m, mode, x, state, weights, batch_sizes, reverse):
    """One layer, one direction, on arrays (m = _ArrayMath) or Tensors (_TensorMath): (out, final state,
    tapes). weights = (w_ih, w_hh, b_ih, b_hh, extra), extra the relu flag (RNN) or W_hr (LSTM) or None."""
    w_ih, w_hh, b_ih, b_hh, extra = weights
    gi_all = _gate_inputs(m, mode, x, w_ih, b_ih, b_hh)
    extra_t = m.transposed(extra) if mode == "LSTM" else extra
    return _scan(m, CELLS[mode][0], gi_all, state, batch_sizes, reverse,
                 _step_weights(mode, m.transposed(w_hh), b_hh, extra_t))


def layer_gradients(m, mode, x, weights, tapes, grad_out, grad_state, batch_sizes, reverse, needs):
    """BPTT, then the weights' gradients as GEMMs: (dx, d state0..., dW_ih, dW_hh, db_ih, db_hh, dW_hr)."""
    w_ih, w_hh, b_ih, b_hh, extra = weights
    dgi, dgh, dstate0, extras = _bptt(m, CELLS[mode][1], grad_out, grad_state, tapes, batch_sizes, reverse,
                                      _step_weights(mode, w_hh, b_hh, extra))
    h_prev = m.cat([tape[0] for tape in tapes])
    dx = dgi @ w_ih if needs[0] else None
    dw_ih, dw_hh = dgi.mT @ x, dgh.mT @ h_prev
    db_ih, db_hh = (dgi.sum(0), dgh.sum(0)) if b_ih is not None else (None, None)
    dw_hr = None
    if mode == "LSTM" and extra is not None:
        dw_hr = m.cat(extras).mT @ m.cat([tape[7] for tape in tapes])
    return (dx,) + tuple(dstate0) + (dw_ih, dw_hh, db_ih, db_hh, dw_hr)


# ---- the three ops: forward on arrays, BPTT on arrays (plain pass) or Tensors (create_graph) -------------
def _forward(ctx, mode, x, state, weights, batch_sizes, reverse):
    """Run one layer on the arrays; keep the inputs (saved) and the tape (on ctx) for backward.
    x is (N, input) rows, or a (T, B, input) batch: then the output is (T, B, hidden) too."""
    w_ih, w_hh, b_ih, b_hh, extra = weights
    arrays = tuple(None if w is None else w._data for w in (w_ih, w_hh, b_ih, b_hh))
    extra_array = extra._data if mode == "LSTM" and extra is not None else extra
    xd = x._data
    out, final, tapes = run_layer(_ArrayMath, mode, xd.reshape(-1, xd.shape[-1]), tuple(s._data for s in state),
                                  arrays + (extra_array,), batch_sizes, reverse)
    ctx.mode, ctx.batch_sizes, ctx.reverse, ctx.tapes, ctx.n_state = mode, batch_sizes, reverse, tapes, len(state)
    ctx.extra = None if mode == "LSTM" else extra
    ctx.save_for_backward(x, *state, w_ih, w_hh, b_ih, b_hh, extra if mode == "LSTM" else None)
    return (out.reshape(xd.shape[:-1] + out.shape[-1:]),) + tuple(final)


def _unpack(ctx, saved):
    """(x as rows, x's shape, initial state, weights) from what forward saved."""
    n = ctx.n_state
    x, state, (w_ih, w_hh, b_ih, b_hh, w_hr) = saved[0], saved[1:1 + n], saved[1 + n:]
    shape = tuple(x.shape)
    return x.reshape(-1, shape[-1]), shape, state, (w_ih, w_hh, b_ih, b_hh, w_hr if ctx.mode == "LSTM" else ctx.extra)


def _shaped(grads, shape):
    """The input gradient back in the input's shape."""
    return (None if grads[0] is None else grads[0].reshape(shape),) + grads[1:]


def _backward_arrays(ctx, grads):
    x, shape, _, weights = _unpack(ctx, ctx.saved_arrays)
    grad_out = grads[0].reshape(-1, grads[0].shape[-1])
    return _shaped(layer_gradients(_ArrayMath, ctx.mode, x, weights, ctx.tapes, grad_out, grads[1:],
                                   ctx.batch_sizes, ctx.reverse, ctx.needs_input_grad), shape)


def _backward_tensors(ctx, grads):
    """create_graph: the forward again in Tensor ops, so the tape (gates, states) is a function of the
    inputs, then the same BPTT on Tensors: its result can be differentiated again."""
    x, shape, state, weights = _unpack(ctx, ctx.saved_tensors)
    _, _, tapes = run_layer(_TensorMath, ctx.mode, x, state, weights, ctx.batch_sizes, ctx.reverse)
    grad_out = grads[0].reshape(-1, grads[0].shape[-1])
    return _shaped(layer_gradients(_TensorMath, ctx.mode, x, weights, tapes, grad_out, grads[1:],
                                   ctx.batch_sizes, ctx.reverse, ctx.needs_input_grad), shape)


def _layer_jvp(ctx, tangents):
    """Forward mode: the layer run again on (value, tangent) pairs (DualMath), whose scan gives the
    output's and the final state's tangents by the product rule, step by step."""
    n = ctx.n_state
    duals = [Dual(a, t) if isinstance(a, Tensor) else None for a, t in zip(ctx.primals, tangents)]
    x, state, weights = duals[0], tuple(duals[1:1 + n]), tuple(duals[1 + n:5 + n])
    extra = duals[5 + n] if ctx.mode == "LSTM" else ctx.extra
    shape = tuple(x.shape)
    out, final, _ = run_layer(DualMath, ctx.mode, x.reshape(-1, shape[-1]), state, weights + (extra,),
                              ctx.batch_sizes, ctx.reverse)
    return (out.t.reshape(shape[:-1] + tuple(out.shape[-1:])),) + tuple(s.t for s in final)


class RNNLayer(Function):
    """StackBackward0 (torch's CPU graph of nn.RNN ends in a stack of the steps' outputs; here the whole
    layer is this one node). h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (relu=True: relu), for all t.
    BPTT: with dh_t = g_out_t + W_hh^T da_{t+1}, da_t = dh_t (1 - h_t^2) (relu: dh_t [h_t > 0]); then
    dW_ih = sum_t da_t x_t^T, dW_hh = sum_t da_t h_{t-1}^T, db_ih = db_hh = sum_t da_t, dx_t = W_ih^T da_t.
    Outputs (out (N, hidden), h_n (B, hidden)); see the module docstring for the packed row layout."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, reverse, relu):
        ctx.torch_name = "StackBackward0"
        return _forward(ctx, "RNN", x, (h0,), (w_ih, w_hh, b_ih, b_hh, relu), batch_sizes, reverse)

    @staticmethod
    def backward(ctx, grad_out, grad_h):
        return _backward_tensors(ctx, (grad_out, grad_h))

    @staticmethod
    def backward_arrays(ctx, grad_out, grad_h):
        return _backward_arrays(ctx, (grad_out, grad_h))

    @staticmethod
    def jvp(ctx, *tangents):
        """The scan on dual pairs (_layer_jvp): tangents of (out, h_n)."""
        return _layer_jvp(ctx, tangents)


class GRULayer(Function):
    """StackBackward0 (as torch's CPU nn.GRU graph ends; here one node per layer and direction).
    r, z = s(W_ir x + b_ir + W_hr h + b_hr), s(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h, at every step.
    BPTT per step (dh' = g_out + what step t+1 sent back): da_n = dh' (1 - z)(1 - n^2),
    da_r = da_n (W_hn h + b_hn) r (1 - r), da_z = dh' (h - n) z (1 - z); dG_i = [da_r, da_z, da_n],
    dG_h = [da_r, da_z, r da_n]; dh = z dh' + W_hh^T dG_h. dW_ih = dG_i^T X, dW_hh = dG_h^T H_prev."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, reverse):
        ctx.torch_name = "StackBackward0"
        return _forward(ctx, "GRU", x, (h0,), (w_ih, w_hh, b_ih, b_hh, None), batch_sizes, reverse)

    @staticmethod
    def backward(ctx, grad_out, grad_h):
        return _backward_tensors(ctx, (grad_out, grad_h))

    @staticmethod
    def backward_arrays(ctx, grad_out, grad_h):
        return _backward_arrays(ctx, (grad_out, grad_h))

    @staticmethod
    def jvp(ctx, *tangents):
        """The scan on dual pairs (_layer_jvp): tangents of (out, h_n)."""
        return _layer_jvp(ctx, tangents)


class LSTMLayer(Function):
    """MkldnnRnnLayerBackward0 (torch's CPU LSTM layer is one fused node too).
    i, f, g, o = s(a_i), s(a_f), tanh(a_g), s(a_o) with a = W_ih x + b_ih + W_hh h + b_hh;
    c' = f c + i g,  h' = o tanh(c')  (proj_size: h' = W_hr (o tanh(c'))), at every step.
    BPTT per step, carrying (dh', dc'): dm = dh' (W_hr^T dh' with projection), dc' += dm o (1 - tanh^2 c'),
    da = [dc' g i(1-i), dc' c f(1-f), dc' i (1-g^2), dm tanh(c') o(1-o)]; dh = W_hh^T da, dc = f dc'.
    dW_ih = dA^T X, dW_hh = dA^T H_prev, dW_hr = sum_t dh'_t m_t^T. Outputs (out, h_n, c_n)."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse):
        ctx.torch_name = "MkldnnRnnLayerBackward0"
        return _forward(ctx, "LSTM", x, (h0, c0), (w_ih, w_hh, b_ih, b_hh, w_hr), batch_sizes, reverse)

    @staticmethod
    def backward(ctx, grad_out, grad_h, grad_c):
        return _backward_tensors(ctx, (grad_out, grad_h, grad_c))

    @staticmethod
    def backward_arrays(ctx, grad_out, grad_h, grad_c):
        return _backward_arrays(ctx, (grad_out, grad_h, grad_c))

    @staticmethod
    def jvp(ctx, *tangents):
        """The scan on dual pairs (_layer_jvp): tangents of (out, h_n, c_n)."""
        return _layer_jvp(ctx, tangents)


_OPS = {"RNN": RNNLayer, "GRU": GRULayer}


def recurrent_layer(mode, x, state, weights, batch_sizes, reverse=False):
    """One layer in one direction: (out, final state tuple). x is (N, input) in the packed row layout
    (out (N, hidden)) or a (T, B, input) batch (out (T, B, hidden)); weights = (w_ih, w_hh, b_ih, b_hh,
    extra) with extra the relu flag (RNN) or W_hr or None (LSTM)."""
    if not FUSED:
        shape = tuple(x.shape)
        out, final, _ = run_layer(_TensorMath, mode, x.reshape(-1, shape[-1]), tuple(state), weights,
                                  batch_sizes, reverse)
        return out.reshape(shape[:-1] + tuple(out.shape[-1:])), tuple(final)
    w_ih, w_hh, b_ih, b_hh, extra = weights
    if mode == "LSTM":
        out, h, c = LSTMLayer.apply(x, state[0], state[1], w_ih, w_hh, b_ih, b_hh, extra, batch_sizes, reverse)
        return out, (h, c)
    args = (x, state[0], w_ih, w_hh, b_ih, b_hh, batch_sizes, reverse) + ((extra,) if mode == "RNN" else ())
    out, h = _OPS[mode].apply(*args)
    return out, (h,)


def cell_step(mode, x, state, w_ih, w_hh, b_ih, b_hh, relu=False):
    """One step of a cell in Tensor ops (nn.RNNCell / GRUCell / LSTMCell): the new state tuple."""
    gi = _gate_inputs(_TensorMath, mode, x, w_ih, b_ih, b_hh)
    extra = relu if mode == "RNN" else None
    new, _ = CELLS[mode][0](_TensorMath, gi, tuple(state), *_step_weights(mode, w_hh.mT, b_hh, extra))
    return new
