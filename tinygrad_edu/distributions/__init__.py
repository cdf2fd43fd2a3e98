"""torch.distributions, as far as sampling text needs it: Categorical (probs or logits; sample,
log_prob, entropy). Loaded on first use of `tinygrad_edu.distributions`."""
from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["Categorical", "Distribution", "constraints"]
