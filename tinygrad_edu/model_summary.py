"""summary(model, input_size, batch_size=-1): the layer table of the `torchsummary` package.

    from tinygrad_edu import summary      # torchsummary.summary
    summary(model, input_size=(20,), batch_size=4)

One forward pass on a random batch records, through forward hooks, the output shape and the
parameter count of every module except the model itself and the Sequential/ModuleList containers
(torchsummary's rule), in the order the modules run. The sizes use torchsummary's formulas with
4 bytes per number (MB = 1024^2 bytes):

    Input size              = |prod(input dims) * batch_size| * 4 / MB
    Forward/backward size   = |2 * sum over rows of prod(output shape)| * 4 / MB   (x2: gradients)
    Params size             = total params * 4 / MB

With batch_size=-1 the batch dimension prints as -1 and the sizes are per sample. The one
difference from torchsummary: a row counts all of its module's own parameters (torchsummary only
looks at attributes named `weight` and `bias`), and "trainable" means requires_grad per parameter.

Only the model's own methods are used (named_modules, register_forward_hook, train), so the engine
does not import tinygrad_edu.nn.
"""
import numpy as np

from . import dtypes as _dt
from .creation import rand, zeros
from .grad_mode import no_grad
from .device import check_device
from .tensor import Tensor

_RULE, _DOUBLE_RULE = "-" * 64, "=" * 64
_MB = 1024 ** 2.0
_CONTAINERS = ("Sequential", "ModuleList")


def _is_container(module):
    return any(c.__name__ in _CONTAINERS for c in type(module).__mro__)


def _shape_with_batch(t, batch_size):
    shape = list(t.shape)
    if shape:
        shape[0] = batch_size
    return shape


def _make_inputs(input_size, batch, dtypes):
    sizes = [tuple(input_size)] if not input_size or isinstance(input_size[0], int) else \
        [tuple(s) for s in input_size]
    if dtypes is None:
        dtypes = [_dt.float32] * len(sizes)
    inputs = []
    for size, dtype in zip(sizes, dtypes):
        np_dtype = _dt.to_numpy_dtype(dtype)
        inputs.append(rand(batch, *size).to(dtype) if np_dtype.kind == "f" else zeros(batch, *size, dtype=dtype))
    return sizes, inputs


def summary(model, input_size, batch_size=-1, dtypes=None, device=None):
    """Print torchsummary's table for `model` and return it as a dict:
    {"rows": [{"layer", "name", "type", "output_shape", "nb_params", "trainable_params"}, ...],
     "total_params", "trainable_params", "non_trainable_params", "input_size_mb",
     "forward_backward_size_mb", "params_size_mb", "total_size_mb", "text"}."""
    check_device(device, fname="summary")  # only the CPU holds data here
    sizes, inputs = _make_inputs(input_size, batch_size if batch_size > 0 else 2, dtypes)
    rows, hooks = [], []

    def make_hook(name):
        def hook(module, args, output):
            own = list(module.named_parameters(recurse=False))
            outs = output if isinstance(output, (list, tuple)) else [output]
            shapes = [_shape_with_batch(o, -1 if isinstance(output, (list, tuple)) else batch_size)
                      for o in outs if isinstance(o, Tensor)]
            rows.append({"layer": f"{type(module).__name__}-{len(rows) + 1}", "name": name,
                         "type": type(module).__name__,
                         "output_shape": shapes if isinstance(output, (list, tuple)) else shapes[0],
                         "nb_params": sum(p.numel() for _, p in own),
                         "trainable_params": sum(p.numel() for _, p in own if p.requires_grad)})
        return hook

    modes = [(m, m.training) for _, m in model.named_modules()]
    try:
        for name, module in model.named_modules():
            if module is not model and not _is_container(module):
                hooks.append(module.register_forward_hook(make_hook(name)))
        model.eval()  # so that e.g. BatchNorm's running statistics are not changed by the probe
        with no_grad():
            model(*inputs)
    finally:
        for h in hooks:
            h.remove()
        for m, mode in modes:
            m.training = mode
    return _report(rows, sizes, batch_size)


def _report(rows, sizes, batch_size):
    total = sum(r["nb_params"] for r in rows)
    trainable = sum(r["trainable_params"] for r in rows)
    total_output = 0
    for r in rows:
        shapes = r["output_shape"]
        for shape in (shapes if shapes and isinstance(shapes[0], list) else [shapes]):
            total_output += int(np.prod(shape, dtype=np.int64))
    input_mb = abs(int(np.prod([d for s in sizes for d in s], dtype=np.int64)) * batch_size * 4.0 / _MB)
    output_mb = abs(2.0 * total_output * 4.0 / _MB)
    params_mb = abs(total * 4.0 / _MB)
    lines = [_RULE, "{:>20}  {:>25} {:>15}".format("Layer (type)", "Output Shape", "Param #"), _DOUBLE_RULE]
    lines += ["{:>20}  {:>25} {:>15}".format(r["layer"], str(r["output_shape"]), f"{r['nb_params']:,}")
              for r in rows]
    lines += [_DOUBLE_RULE, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", _RULE,
              "Input size (MB): %0.2f" % input_mb, "Forward/backward pass size (MB): %0.2f" % output_mb,
              "Params size (MB): %0.2f" % params_mb,
              "Estimated Total Size (MB): %0.2f" % (input_mb + output_mb + params_mb), _RULE]
    text = "\n".join(lines)
    print(text)
    return {"rows": rows, "total_params": total, "trainable_params": trainable,
            "non_trainable_params": total - trainable, "input_size_mb": input_mb,
            "forward_backward_size_mb": output_mb, "params_size_mb": params_mb,
            "total_size_mb": input_mb + output_mb + params_mb, "text": text}
