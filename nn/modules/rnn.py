"""torch.nn.RNN, LSTM and GRU: stacks of recurrent layers, one op per layer and direction.

Parameters are torch's, in torch's order and with torch's names, so a state_dict moves between the
two unchanged: for each layer l and direction (suffix "" or "_reverse") weight_ih_l{l}, weight_hh_l{l},
bias_ih_l{l}, bias_hh_l{l} (if bias), weight_hr_l{l} (LSTM with proj_size); all start U(-k, k) with
k = 1/sqrt(hidden_size). Gates are stacked in torch's order (LSTM i, f, g, o; GRU r, z, n).

Each layer in each direction is one node, ops/rnn.py's RNNLayer / GRULayer / LSTMLayer, whose forward
runs the whole sequence on numpy arrays and whose backward is backpropagation through time written out
once (`_bptt` there: the steps in reverse, carrying dL/dh; then the weight gradients as three GEMMs).
The choice was measured (2026-12-04, a shared 2-core machine, one thread, torch and ours interleaved
in one process, medians of 30 runs): GRU(64, 128) forward + backward on 32 x 48 takes 38-48 ms fused,
92-128 ms composed of the cell's Tensor ops step by step (~1000 recorded nodes), 40-41 ms in torch;
the whole char_rnn training step (Embedding(2488, 64) -> GRU -> Linear(128, 2488), CrossEntropyLoss,
Adam) takes 0.87-0.99x torch's time fused and 1.17-1.25x composed. `tinygrad_edu.ops.rnn.FUSED = False` switches to
the composed version, whose graph shows every step's ops; the cells (nn.GRUCell, ...) are composed
so, from the same step formulas.

The layer ops read sequences in torch's packed layout: a (T, B, input) batch is the case of
batch_sizes [B] * T (the op views it as T*B rows and returns (T, B, hidden)); a PackedSequence's data
is already rows. Between layers (not after the last) dropout applies in training mode.
"""
import math

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.autograd.names import named
from tinygrad_edu.device import check_device
from tinygrad_edu.ops.rnn import recurrent_layer
from tinygrad_edu.tensor import Tensor
from .. import functional as F
from .. import init
from .._rnn_args import check_hidden, check_hidden_dims, check_input, check_layer_args
from ..utils.rnn import PackedSequence
from .linear import _empty_parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters, their checks, the loop over layers and directions.
    Fused, not composed, because the fused layer op is ~3x faster than the step-by-step composition and
    brings the char_rnn step below torch's time (numbers in the module docstring); its backward is BPTT
    in one readable function (ops/rnn.py `_bptt` and the cells' `_*_back`)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        check_device(device, fname=type(self).__name__)  # only the CPU holds data here
        super().__init__()
        check_layer_args(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        self._flat_weights_names, self._all_weights = [], []
        gates, out_size = _GATES[mode] * hidden_size, proj_size or hidden_size
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:self.num_directions]:
                shapes = {"weight_ih": (gates, input_size if layer == 0 else out_size * self.num_directions),
                          "weight_hh": (gates, out_size)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = [f"{kind}_l{layer}{suffix}" for kind in shapes]
                for name, shape in zip(names, shapes.values()):
                    setattr(self, name, _empty_parameter(shape, dtype))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """Does nothing, as torch's on the CPU (it packs the weights for cuDNN there)."""

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- forward ---------------------------------------------------------------------------------
    def _layer_weights(self, index):
        """(w_ih, w_hh, b_ih, b_hh, extra) of layer-and-direction number `index`."""
        names = self._all_weights[index]
        params = [getattr(self, n) for n in names]
        w_ih, w_hh = params[:2]
        b_ih, b_hh = params[2:4] if self.bias else (None, None)
        extra = self.mode == "RNN_RELU" if self.mode.startswith("RNN") else (params[-1] if self.proj_size else None)
        return w_ih, w_hh, b_ih, b_hh, extra

    def _state_sizes(self):
        """The sizes of the state tensors' last dim: (h,) or (h, c)."""
        out = self.proj_size or self.hidden_size
        return (out, self.hidden_size) if self.mode == "LSTM" else (out,)

    def _run(self, x, batch_sizes, states):
        """All layers over x, (T, B, input) or (N, input) in the packed row layout: (out, [final states])."""
        mode = "RNN" if self.mode.startswith("RNN") else self.mode
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                index = layer * self.num_directions + d
                start = [s[index] for s in states]
                out, final = recurrent_layer(mode, x, start, self._layer_weights(index), batch_sizes, d == 1)
                outs.append(out)
                finals.append(final)
            x = outs[0] if len(outs) == 1 else ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        return x, [ops.stack([f[k] for f in finals], 0) for k in range(len(states))]

    def _zeros(self, batch, dtype):
        shape = (self.num_layers * self.num_directions, batch)
        return [Tensor._wrap(np.zeros(shape + (size,), dtype)) for size in self._state_sizes()]

    def _as_states(self, hx):
        return list(hx) if self.mode == "LSTM" else [hx]

    def _check_states(self, states, batch):
        expected = [(self.num_layers * self.num_directions, batch, size) for size in self._state_sizes()]
        if self.mode != "LSTM":
            return check_hidden(states[0], expected[0])
        for k, (h, shape) in enumerate(zip(states, expected)):
            check_hidden(h, shape, f"Expected hidden[{k}] size {{}}, got {{}}")

    def _result(self, states):
        return tuple(states) if self.mode == "LSTM" else states[0]

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if input.dim() not in (2, 3):
            tensor = " tensor" if name == "RNN" else ""
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tensor} instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1 if not self.batch_first else 0)
        if hx is not None:
            check_hidden_dims(self.mode, hx, batched)
            states = self._as_states(hx) if batched else [h.unsqueeze(1) for h in self._as_states(hx)]
        check_input(self, input, packed=False)
        x = input.transpose(0, 1) if self.batch_first else input
        steps, batch = x.shape[0], x.shape[1]
        if hx is None:
            states = self._zeros(batch, input._data.dtype)
        self._check_states(states, batch)
        if steps == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        out, finals = self._run(x, np.full(steps, batch), states)
        if self.batch_first:
            out = named(out.transpose(0, 1), "TransposeBackward1")  # torch's node: transpose(int, int)
        if not batched:
            return out.squeeze(1 if not self.batch_first else 0), self._result([f.squeeze(1) for f in finals])
        return out, self._result(finals)

    def _forward_packed(self, input, hx):
        data, batch_sizes, sorted_indices, unsorted_indices = input
        sizes = np.asarray(batch_sizes._data, dtype=np.int64)
        batch = int(sizes[0])
        if hx is None:
            states = self._zeros(batch, data._data.dtype)
        else:
            states = self._as_states(hx)
            if sorted_indices is not None:  # the user's state is in the user's order: sort it as the data
                states = [ops.index_select(h, 1, sorted_indices) for h in states]
        check_input(self, data, packed=True)
        self._check_states(states, batch)
        out, finals = self._run(data, sizes, states)
        if unsorted_indices is not None:
            finals = [ops.index_select(f, 1, unsorted_indices) for f in finals]
        return PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices), self._result(finals)


class RNN(RNNBase):
    """torch.nn.RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), or relu with nonlinearity='relu'."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.__dict__["nonlinearity"] = args[3]
            args = args[:3] + args[4:]
        else:
            self.__dict__["nonlinearity"] = kwargs.pop("nonlinearity", "tanh")
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if self.nonlinearity not in modes:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(modes[self.nonlinearity], *args, **kwargs)


class LSTM(RNNBase):
    """torch.nn.LSTM: c_t = f c_{t-1} + i g, h_t = o tanh(c_t) (projected by W_hr when proj_size > 0)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """torch.nn.GRU: h_t = (1 - z) n + z h_{t-1}, n = tanh(W_in x + b_in + r (W_hn h + b_hn))."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)
