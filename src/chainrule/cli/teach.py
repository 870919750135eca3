"""The networks and data of the teaching commands (``explain``, ``trace``, ``graph``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chainrule.cli.settings import hidden_activations, parse_sizes
from chainrule.core.network import Network
from chainrule.core.validation import check_memory, check_positive_int
from chainrule.errors import DataError, plural
from chainrule.io.datasets import load_data
from chainrule.io.modelfile import network_from_file, read_model_file
from chainrule.model import Classes, Standardizer, Values
from chainrule.train.optimizers import Optimizer, get_optimizer

DEFAULT_LAYERS = "3,4,2,1"


def network_of(
    model: Path | None, layers: str, activation: str, output: str, seed: int, dtype: str
) -> Network:
    """The network of a model file (any kind: a network, a CLI run, an estimator) in
    ``dtype``, or a new one from the options (``activation``: one name, or one per hidden
    layer, comma-separated)."""
    if model is not None:
        return network_from_file(model, *read_model_file(model)).copy(dtype=dtype)
    sizes = parse_sizes(layers, "--layers")
    activations = hidden_activations(activation, sizes[1:-1], "--layers")
    return Network(sizes, activations, output, seed=seed, dtype=dtype)


def training_of(model: Path | None) -> tuple[Optimizer | None, int | None]:
    """``(optimizer, batch size)`` a model file was trained with, as far as it says
    (``None`` for what it does not record; a batch size of ``None`` is the full batch)."""
    if model is None:
        return None, None
    training = read_model_file(model)[0].get("training") or {}
    saved = training.get("optimizer")
    optimizer = None if saved is None else get_optimizer(saved["name"], **saved["hyperparameters"])
    return optimizer, (training.get("settings") or {}).get("batch_size")


def random_data(net: Network, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``X`` ``(n[0], m)`` standard normal and ``Y`` suited to the output, every class (or
    both labels of a sigmoid unit) present when ``m`` allows, drawn from a generator of their
    own, so that they share no random numbers with the weights of a network of ``seed``."""
    n0, n_out = net.layer_sizes[0], net.layer_sizes[-1]
    check_memory(8 * (n0 + n_out) * m, f"random data of {plural(m, 'example')}")
    rng = np.random.default_rng([seed, 1])
    X = rng.normal(size=(n0, m))
    if net.output.name == "identity":
        return X, rng.normal(size=(n_out, m))
    k = n_out if net.output.name == "softmax" else 2
    labels = rng.permutation(np.arange(m) % k)
    if net.output.name == "softmax":
        return X, np.eye(n_out)[labels].T
    flips = np.array([rng.permutation(labels) for _ in range(n_out - 1)]).reshape(-1, m)
    return X, np.vstack([labels, *flips]).astype(float)


def every_class_first(y: np.ndarray, m: int) -> np.ndarray:
    """Indices of ``m`` rows of labels ``y``, taking the classes in turn (each class's rows
    in file order), so that ``m`` at least the number of classes contains every class."""
    queues = [list(np.flatnonzero(y == c)) for c in np.unique(y)]
    picked: list[int] = []
    while len(picked) < min(m, len(y)):
        for queue in queues:
            if queue and len(picked) < m:
                picked.append(queue.pop(0))
    return np.array(sorted(picked))


def trace_problem(
    layers: str | None,
    activation: str,
    output: str,
    examples: int | None,
    seed: int,
    data: str | None,
    model: Path | None,
    dtype: str,
) -> tuple[Network, np.ndarray, np.ndarray]:
    """``(net, X, Y)`` for ``chainrule trace`` and ``graph --values``: the network of a model
    file or a new one from the options (biases zero, as every new network starts), on
    ``examples`` examples of a data set (every class among them, features standardised over
    the whole set) or on random data suited to its output (see :func:`random_data`).
    ``examples`` ``None`` is 5, or the number of classes if more."""
    if data is None:
        net = network_of(model, layers or DEFAULT_LAYERS, activation, output, seed, dtype)
        n_out = net.layer_sizes[-1]
        m = check_positive_int("--examples", examples or max(5, n_out))
        return (net, *random_data(net, m, seed))
    rows = load_data(data, seed=seed)
    classes = np.unique(rows.y)
    n_out = len(classes) if output == "softmax" else 1
    default = f"{rows.X.shape[1]},4,{n_out}"
    net = network_of(model, layers or default, activation, output, seed, dtype)
    if net.layer_sizes[0] != rows.X.shape[1]:
        raise DataError(
            f"{data} has {plural(rows.X.shape[1], 'feature')}; the network expects "
            f"{net.layer_sizes[0]}"
        )
    name, n_out = net.output.name, net.layer_sizes[-1]
    expected = {"identity": 1, "sigmoid": 1}.get(name, len(classes))
    if n_out != expected or (name == "sigmoid" and len(classes) != 2):
        raise DataError(
            f"{data} has {plural(len(classes), 'class', 'classes')}, which a {name} output of "
            f"{plural(n_out, 'unit')} cannot "
            "take; for several classes use --output-activation softmax"
        )
    if name == "identity":
        chosen = np.arange(min(check_positive_int("--examples", examples or 5), len(rows.y)))
    else:
        m = check_positive_int("--examples", examples or max(5, len(classes)))
        chosen = every_class_first(rows.y, m)
    X_rows = Standardizer.fit(rows.X).transform(rows.X[chosen])
    targets = Values() if name == "identity" else Classes(classes, softmax=name == "softmax")
    return net, X_rows.T, targets.encode(rows.y[chosen])
