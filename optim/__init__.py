"""Optimizers and learning-rate schedules (torch equivalent: ``torch.optim``).

``import tinygrad_edu.optim as optim`` then ``optim.SGD(model.parameters(), lr=0.1)``,
``optim.lr_scheduler.StepLR(opt, step_size=10)`` exactly as with torch.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler", "Adadelta"]
