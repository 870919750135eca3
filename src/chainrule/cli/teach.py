"""The data of the teaching commands (``trace``): a network and a few examples to step on."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chainrule.cli.commands import encode
from chainrule.cli.preprocessing import Standardizer
from chainrule.cli.settings import parse_sizes
from chainrule.core.gradcheck import gradcheck_problem
from chainrule.core.network import Network
from chainrule.core.validation import check_positive_int
from chainrule.errors import DataError
from chainrule.io.datasets import load_data
from chainrule.io.modelfile import network_from_file, read_model_file

DEFAULT_LAYERS = "3,4,2,1"


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
    hidden = activation.split(",") if "," in activation else activation
    saved = None if model is None else network_from_file(model, *read_model_file(model))
    if data is None:
        if saved is None:
            sizes = parse_sizes(layers or DEFAULT_LAYERS, "--layers")
            return gradcheck_problem(sizes, hidden, output, m, seed)
        _, X, Y = gradcheck_problem(saved.layer_sizes, "relu", saved.output.name, m, seed)
        return saved.copy(dtype=dtype), X, Y
    rows = load_data(data, seed=seed)
    X_rows = Standardizer.fit(rows.X).transform(rows.X[:m])
    classes = np.unique(rows.y)
    if saved is None:
        n_out = len(classes) if output == "softmax" else 1
        sizes = parse_sizes(layers, "--layers") if layers else [X_rows.shape[1], 4, n_out]
        net = Network(sizes, hidden, output, seed=seed, dtype=dtype)
    else:
        net = saved.copy(dtype=dtype)
    if net.layer_sizes[0] != X_rows.shape[1]:
        raise DataError(
            f"{data} has {X_rows.shape[1]} features; the network expects {net.layer_sizes[0]}"
        )
    name, n_out = net.output.name, net.layer_sizes[-1]
    expected = {"identity": 1, "sigmoid": 1}.get(name, len(classes))
    if n_out != expected or (name == "sigmoid" and len(classes) != 2):
        raise DataError(
            f"{data} has {len(classes)} classes, which a {name} output of {n_out} units cannot "
            "take; for several classes use --output softmax"
        )
    return net, X_rows.T, encode(rows.y[:m], name, None if name == "identity" else classes)
