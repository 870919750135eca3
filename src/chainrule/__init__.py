"""chainrule: neural networks from the chain rule up, in NumPy.

The core (this namespace) imports NumPy alone::

    import chainrule as cr
    net = cr.Network([30, 16, 1], hidden_activation="relu", output_activation="sigmoid", seed=0)
    history = net.fit(X, Y, epochs=1000, learning_rate=0.1)   # X: (n[0], m), Y: (n[L], m)
"""

from chainrule.errors import (
    ChainruleError,
    ConfigurationError,
    DataError,
    ModelFileError,
    TrainingDivergedError,
)
from chainrule.gradcheck import gradcheck
from chainrule.modelfile import load
from chainrule.network import Network
from chainrule.optimizers import SGD, Adam, AdamW, GradientDescent, Optimizer, RMSprop
from chainrule.schedules import Adaptive, Constant, ExponentialDecay, Schedule, StepDecay
from chainrule.training import History, Trainer

_ESTIMATORS = ("MLPClassifier", "MLPRegressor")


def __getattr__(name: str):
    # The estimators need scikit-learn; import them only when asked for.
    if name in _ESTIMATORS:
        from chainrule import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "Adaptive",
    "ChainruleError",
    "ConfigurationError",
    "Constant",
    "DataError",
    "ExponentialDecay",
    "GradientDescent",
    "History",
    "MLPClassifier",
    "MLPRegressor",
    "ModelFileError",
    "Network",
    "Optimizer",
    "RMSprop",
    "Schedule",
    "StepDecay",
    "Trainer",
    "TrainingDivergedError",
    "gradcheck",
    "load",
]
