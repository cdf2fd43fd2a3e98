"""tinygrad_edu.autograd: the machinery of reverse-mode differentiation, and of forward mode.

    function.py   Function (the custom-op API and every op's base), edges, saved tensors
    engine.py     the backward loop
    forward_ad.py forward mode: dual levels, tangents, how each op's jvp rule is applied
    grad.py       backward() and grad(), the entry points
    broadcast.py  unbroadcast: a broadcast input's gradient summed back to its shape
    gradcheck.py (+ gradcheck_numeric.py, gradcheck_forward.py), anomaly.py, trace.py   checking and
                  watching a pass (trace.py: topological_order too)
    functional.py torch.autograd.functional (vjp, jvp, jacobian, hessian, hvp, vhp), loaded on first use
    variable.py   Variable, the pre-0.4 wrapper (it returns a Tensor)
"""
from .function import Function
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .grad import backward, grad
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from .trace import trace_backward, topological_order
from .variable import Variable

__all__ = ["Function", "backward", "grad", "gradcheck", "gradgradcheck", "GradcheckError", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled", "trace_backward", "topological_order", "Variable"]


def __getattr__(name):
    """autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) is loaded on first use."""
    if name == "functional":
        import importlib
        return importlib.import_module("tinygrad_edu.autograd.functional")
    raise AttributeError(f"module 'tinygrad_edu.autograd' has no attribute {name!r}")
