"""chainrule: neural networks from the chain rule up, in NumPy.

``import chainrule`` loads NumPy and nothing else::

    import chainrule as cr
    net = cr.Network([30, 16, 1], hidden_activation="relu", output_activation="sigmoid", seed=0)
    history = cr.fit(net, X, Y, epochs=1000, learning_rate=0.1)  # X: (n[0], m), Y: (n[L], m)
    cr.save(net, "model.npz")

The package is layered, each layer importing only those below it::

    errors < core < io < model, train < parallel < sklearn, learn < cli

``core`` is the derivation (the network, activations, outputs, gradcheck); ``io`` model
files and data; ``model`` the model users predict with (a network, its standardisation and
its targets); ``train`` optimisers and the trainer; ``parallel`` MPI; ``sklearn`` the
estimators; ``learn`` the teaching tools; ``cli`` the command. This module only gathers
their public names.
"""

from os import PathLike
from typing import Any

from chainrule.core import Network, gradcheck
from chainrule.errors import (
    ChainruleError,
    ConfigurationError,
    DataError,
    ModelFileError,
    TrainingDivergedError,
)
from chainrule.extras import needs
from chainrule.io import modelfile
from chainrule.model import Model, Standardizer
from chainrule.train import (
    SGD,
    Adam,
    AdamW,
    Adaptive,
    Constant,
    ExponentialDecay,
    GradientDescent,
    History,
    Optimizer,
    RMSprop,
    Schedule,
    StepDecay,
    Trainer,
    fit,
)
from chainrule.version import __version__

_ESTIMATORS = ("MLPClassifier", "MLPRegressor")


def save(net: Network, path: str | PathLike[str]) -> None:
    """Write ``net`` to one model file, atomically (see :mod:`chainrule.io.modelfile`)."""
    modelfile.save_network(net, path)


def load(path: str | PathLike[str]) -> Any:
    """Load what a model file holds: a :class:`Network`, a :class:`Model` (the files of
    ``chainrule train``: predict on raw rows), or the estimator that saved it."""
    header, arrays = modelfile.read_model_file(path)
    if header.get("kind") in _ESTIMATORS:
        import chainrule.sklearn  # noqa: F401  (registers the estimators' kinds)
    return modelfile.build(path, header, arrays)


def export_onnx(model: Any, path: str | PathLike[str]) -> dict[str, Any]:
    """Write ``model`` (a :class:`Network`, a :class:`Model`, or a fitted ``MLPClassifier`` /
    ``MLPRegressor``) to the ONNX file ``path``: one float32 input ``(batch, n_features)``; a
    network returns ``A_L``, a classifier ``label`` and ``probabilities``, a regressor
    ``values``. See :mod:`chainrule.model.onnx`; needs the ``onnx`` extra. An estimator that
    is not fitted is scikit-learn's ``NotFittedError``."""
    from chainrule.model import onnx

    if isinstance(model, Network):
        model = Model(model)
    elif type(model).__name__ in _ESTIMATORS:
        model = model.model_  # scikit-learn's NotFittedError for an estimator not fitted
    if not isinstance(model, Model):
        raise ConfigurationError(
            "export_onnx takes a chainrule Network, Model or fitted estimator, not "
            f"{type(model).__name__}"
        )
    return onnx.export(model, path)


def __getattr__(name: str) -> Any:
    # The estimators need scikit-learn; import them only when asked for.
    if name in _ESTIMATORS:
        try:
            import chainrule.sklearn
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("sklearn"):
                raise
            raise ModuleNotFoundError(
                needs(f"chainrule.{name}", "sklearn", exc.name), name=exc.name
            ) from None
        return getattr(chainrule.sklearn, name)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")


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
    "Model",
    "ModelFileError",
    "Network",
    "Optimizer",
    "RMSprop",
    "Schedule",
    "StepDecay",
    "Standardizer",
    "Trainer",
    "TrainingDivergedError",
    "__version__",
    "export_onnx",
    "fit",
    "gradcheck",
    "load",
    "save",
]
