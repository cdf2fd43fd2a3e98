"""Argument checks of the recurrent layers, with torch's exception classes and messages (the layers
are nn/modules/rnn.py and rnn_cells.py)."""
import numbers
import warnings


def check_layer_args(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size):
    """torch.nn.RNNBase's constructor checks, in torch's order."""
    if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
        raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                         "element being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                      f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                      stacklevel=4)
    for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                              ("input_size", input_size, int)):
        if not isinstance(value, kind):
            raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")
    if input_size <= 0:
        raise ValueError("input_size must be greater than zero")
    if not isinstance(hidden_size, int):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if mode not in ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"):
        raise ValueError("Unrecognized RNN mode: " + mode)


def check_input(module, input, packed):
    """RNNBase.check_input: the weights' dtype, then the number of dims, then the feature size."""
    weight = module._flat_weights[0]
    if input.dtype != weight.dtype:
        raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). Convert "
                         f"input: input.to({weight.dtype}), or convert model: model.to({input.dtype})")
    expected = 2 if packed else 3
    if input.dim() != expected:
        raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
    if module.input_size != input.shape[-1]:
        raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {module.input_size}, "
                           f"got {input.shape[-1]}")


def check_hidden(hx, expected, message="Expected hidden size {}, got {}"):
    if tuple(hx.shape) != expected:
        raise RuntimeError(message.format(expected, list(hx.shape)))


def check_hidden_dims(mode, hx, batched):
    """The layers' checks that hx has as many dims as the input (3-D batched, 2-D unbatched)."""
    want = 3 if batched else 2
    kind = "batched 3-D" if batched else "unbatched 2-D"
    if mode == "LSTM":
        if hx[0].dim() != want or hx[1].dim() != want:
            raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                               f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
    elif hx.dim() != want:
        raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")


def check_cell(name, input, hx):
    """RNNCellBase's checks: 1-D or 2-D input and state, batch sizes, feature sizes and dtypes."""
    if input.dim() not in (1, 2):
        raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
    states = hx if isinstance(hx, tuple) else (hx,) if hx is not None else ()
    for i, h in enumerate(states):
        if h.dim() not in (1, 2):
            what = f"hx[{i}]" if isinstance(hx, tuple) else "hidden"
            raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {h.dim()}D instead")


def check_cell_sizes(input, states, module):
    """torch's rnn-cell kernel checks, on the batched (2-D) input and states."""
    if input.shape[1] != module.input_size:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {module.input_size}")
    for i, h in enumerate(states):
        if input.shape[0] != h.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size {h.shape[0]}")
        if h.shape[1] != module.hidden_size:
            raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.shape[1]}, expected "
                               f"{module.hidden_size}")
    weight = module.weight_ih
    for t in (input,) + tuple(states):
        if t.dtype != weight.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_scalar(t.dtype)} and "
                               f"{_scalar(weight.dtype)}")


def _scalar(dtype):
    """torch's C++ scalar name, as its dtype messages print it."""
    name = str(dtype).rsplit(".", 1)[-1]
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(name, name.capitalize())
