"""torch.nn.RNNCell, LSTMCell and GRUCell: one step of a recurrent layer, composed of Tensor ops (the
graph shows the cell's matmuls, gates and products, as torch's CPU graph does). The step formulas are
ops/rnn.py's, the same lines the fused layers run on arrays."""
import math

import numpy as np

from tinygrad_edu.device import check_device
from tinygrad_edu.ops.rnn import cell_step
from tinygrad_edu.tensor import Tensor
from .. import init
from .._rnn_args import check_cell, check_cell_sizes
from .linear import _empty_parameter
from .module import Module

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """The parameters of a cell: weight_ih (chunks*hidden, input), weight_hh (chunks*hidden, hidden),
    bias_ih and bias_hh (chunks*hidden), all U(-1/sqrt(hidden), 1/sqrt(hidden)) as torch."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        check_device(device, fname=type(self).__name__)  # only the CPU holds data here
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = _empty_parameter((num_chunks * hidden_size, input_size), dtype)
        self.weight_hh = _empty_parameter((num_chunks * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _empty_parameter((num_chunks * hidden_size,), dtype)
            self.bias_hh = _empty_parameter((num_chunks * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _step(self, mode, name, input, hx, relu=False):
        """Checks, unbatched input made a batch of one, the step, and back."""
        check_cell(name, input, hx)
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = Tensor._wrap(np.zeros((input.shape[0], self.hidden_size), input._data.dtype))
            states = (zeros, zeros) if mode == "LSTM" else (zeros,)
        else:
            states = tuple(hx) if mode == "LSTM" else (hx,)
            if not batched:
                states = tuple(h.unsqueeze(0) for h in states)
        check_cell_sizes(input, states, self)
        new = cell_step(mode, input, states, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, relu)
        if not batched:
            new = tuple(h.squeeze(0) for h in new)
        return new if mode == "LSTM" else new[0]


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (nonlinearity='relu': relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            check_cell("RNNCell", input, hx)
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._step("RNN", "RNNCell", input, hx, relu=self.nonlinearity == "relu")


class LSTMCell(RNNCellBase):
    """i, f, g, o = s(.), s(.), tanh(.), s(.) of W_ih x + b_ih + W_hh h + b_hh; c' = f c + i g; h' = o tanh(c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step("LSTM", "LSTMCell", input, hx)


class GRUCell(RNNCellBase):
    """r, z = s(.), s(.); n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h' = (1 - z) n + z h."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step("GRU", "GRUCell", input, hx)
