"""Categorical: a distribution over the categories 0 .. n-1 of the last dim (torch.distributions.Categorical),
given by probabilities (normalised to sum to 1) or by logits (normalised to logits - logsumexp(logits))."""
import numpy as np

from .. import ops
from ..grad_mode import no_grad
from ..random import multinomial
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, lazy_property, nan_full


class Categorical(Distribution):
    """Categorical(probs=None, logits=None, validate_args=None).

    log_prob(k) = logits[k] (the normalised logits: log p_k); entropy = -sum_k p_k log p_k; sample draws
    with multinomial (numpy's stream, not torch's). log_prob and entropy are differentiable with respect
    to probs or logits, as they are built from Tensor ops."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        with np.errstate(invalid="ignore", divide="ignore"):  # invalid parameters are reported by validation
            if probs is not None:
                if probs.dim() < 1:
                    raise ValueError("`probs` parameter must be at least one-dimensional.")
                self.probs = probs / probs.sum(-1, keepdim=True)
            else:
                if logits.dim() < 1:
                    raise ValueError("`logits` parameter must be at least one-dimensional.")
                self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        batch_shape = self._param.shape[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    @lazy_property
    def logits(self):
        """log of the probabilities, clamped to [eps, 1 - eps] first (torch's probs_to_logits)."""
        eps = float(np.finfo(self.probs._data.dtype).eps)
        return self.probs.clamp(min=eps, max=1 - eps).log()

    @lazy_property
    def probs(self):
        """softmax of the logits."""
        return ops.softmax(self.logits, -1)

    @property
    def param_shape(self):
        return self._param.shape

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self):
        return nan_full(self._extended_shape(), self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return nan_full(self._extended_shape(), self.probs.dtype)

    def sample(self, sample_shape=Size()):
        """Categories drawn with replacement, of shape sample_shape + batch_shape (int64)."""
        sample_shape = Size(sample_shape if isinstance(sample_shape, (tuple, list, Size)) else (sample_shape,))
        with no_grad():
            rows = self.probs.reshape(-1, self._num_events)
            drawn = multinomial(rows, sample_shape.numel(), True).T
            return drawn.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        """log p_value, broadcast between value and batch_shape."""
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        logits = self.logits
        shape = np.broadcast_shapes(tuple(value.shape), tuple(logits.shape))
        value = value.expand(shape)[..., :1]
        return logits.expand(shape).gather(-1, value).squeeze(-1)

    def entropy(self):
        """-sum_k p_k log p_k, with log p clamped at the dtype's smallest number (so that p = 0 gives 0)."""
        min_real = float(np.finfo(self.logits._data.dtype).min)
        return -(self.logits.clamp(min=min_real) * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        """0 .. n-1 along a new first dim, expanded over batch_shape (expand=False: size-1 dims)."""
        values = Tensor._wrap(np.arange(self._num_events, dtype=np.int64))
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over a larger batch_shape."""
        param_shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            return Categorical(probs=self.probs.expand(param_shape), validate_args=False)
        return Categorical(logits=self.logits.expand(param_shape), validate_args=False)
