"""torch.nn.utils: gradient clipping and parameter flattening (clip_grad.py); recurrent-network
sequence packing lives in nn.utils.rnn."""
from .clip_grad import (clip_grad_norm_, clip_grad_norm, clip_grad_value_, get_total_norm, clip_grads_with_norm_,
                        parameters_to_vector, vector_to_parameters)
from . import rnn

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters"]
