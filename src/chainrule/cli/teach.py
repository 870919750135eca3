"""The networks and data of the teaching commands (``explain``, ``trace``, ``graph``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chainrule.cli.settings import parse_sizes
from chainrule.core.gradcheck import gradcheck_problem
from chainrule.core.network import Network
from chainrule.core.validation import check_positive_int
from chainrule.errors import DataError, plural
from chainrule.io.datasets import load_data
from chainrule.io.modelfile import network_from_file, read_model_file
from chainrule.model import Classes, Standardizer, Values

DEFAULT_LAYERS = "3,4,2,1"


def hidden_activations(text: str) -> str | list[str]:
    """``relu`` for every hidden layer, or ``relu,tanh``: one per hidden layer."""
    return text.split(",") if "," in text else text


def network_of(
    model: Path | None, layers: str, activation: str, output: str, seed: int, dtype: str
) -> Network:
    """The network of a model file (any kind: a network, a CLI run, an estimator) in
    ``dtype``, or a new one from the options (``activation``: one name, or one per hidden
    layer, comma-separated)."""
    if model is not None:
        return network_from_file(model, *read_model_file(model)).copy(dtype=dtype)
    sizes = parse_sizes(layers, "--layers")
    return Network(sizes, hidden_activations(activation), output, seed=seed, dtype=dtype)


def trace_problem(
    layers: str | None,
    activation: str,
    output: str,
    examples: int,
    seed: int,
    data: str | None,
    model: Path | None,
    dtype: str,
) -> tuple[Network, np.ndarray, np.ndarray]:
    """``(net, X, Y)`` for ``chainrule trace``: the network of a model file or of the options,
    on the first ``examples`` of a data set (features standardised over the whole set) or on
    random data suited to its output (with random biases, as after some training)."""
    m = check_positive_int("--examples", examples)
    if data is None:
        if model is None:
            sizes = parse_sizes(layers or DEFAULT_LAYERS, "--layers")
            return gradcheck_problem(sizes, hidden_activations(activation), output, m, seed)
        net = network_of(model, "", activation, output, seed, dtype)
        _, X, Y = gradcheck_problem(net.layer_sizes, "relu", net.output.name, m, seed)
        return net, X, Y
    rows = load_data(data, seed=seed)
    X_rows = Standardizer.fit(rows.X).transform(rows.X[:m])
    classes = np.unique(rows.y)
    n_out = len(classes) if output == "softmax" else 1
    default = f"{X_rows.shape[1]},4,{n_out}"
    net = network_of(model, layers or default, activation, output, seed, dtype)
    if net.layer_sizes[0] != X_rows.shape[1]:
        raise DataError(
            f"{data} has {plural(X_rows.shape[1], 'feature')}; the network expects "
            f"{net.layer_sizes[0]}"
        )
    name, n_out = net.output.name, net.layer_sizes[-1]
    expected = {"identity": 1, "sigmoid": 1}.get(name, len(classes))
    if n_out != expected or (name == "sigmoid" and len(classes) != 2):
        raise DataError(
            f"{data} has {plural(len(classes), 'class', 'classes')}, which a {name} output of "
            f"{plural(n_out, 'unit')} cannot "
            "take; for several classes use --output softmax"
        )
    targets = Values() if name == "identity" else Classes(classes, softmax=name == "softmax")
    return net, X_rows.T, targets.encode(rows.y[:m])
