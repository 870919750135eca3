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
from chainrule.network import Network
from chainrule.optimizers import GradientDescent, Optimizer
from chainrule.training import History

__version__ = "0.1.0"

__all__ = [
    "ChainruleError",
    "ConfigurationError",
    "DataError",
    "GradientDescent",
    "History",
    "ModelFileError",
    "Network",
    "Optimizer",
    "TrainingDivergedError",
    "gradcheck",
]
