"""Layer 3, training: optimisers, schedules, the trainer and its checkpoints, the hold-out split.

Imports the core and :mod:`chainrule.io` (checkpoints are model files).
"""

from chainrule.train.history import History
from chainrule.train.optimizers import SGD, Adam, AdamW, GradientDescent, Optimizer, RMSprop
from chainrule.train.schedules import Adaptive, Constant, ExponentialDecay, Schedule, StepDecay
from chainrule.train.split import hold_out, hold_out_indices
from chainrule.train.steps import LocalGradient, StepStrategy
from chainrule.train.trainer import Trainer, fit

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "Adaptive",
    "Constant",
    "ExponentialDecay",
    "GradientDescent",
    "History",
    "LocalGradient",
    "Optimizer",
    "RMSprop",
    "Schedule",
    "StepDecay",
    "StepStrategy",
    "Trainer",
    "fit",
    "hold_out",
    "hold_out_indices",
]
