"""The data of the teaching commands (``trace``): a network and a few examples to step on."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chainrule.core.gradcheck import gradcheck_problem
from chainrule.core.network import Network
from chainrule.core.validation import check_positive_int
from chainrule.errors import ConfigurationError, DataError
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
    """``(net, X, Y)`` for ``chainrule trace``: from a model file or the options, on the
    first examples of a data set (features standardised over the whole set) or random data."""
    from chainrule.cli.settings import parse_sizes

    m = check_positive_int("--examples", examples)
    hidden = activation.split(",") if "," in activation else activation
    if model is not None:
        net = network_from_file(model, *read_model_file(model)).copy(dtype=dtype)
    elif data is None:
        sizes = parse_sizes(layers or DEFAULT_LAYERS, "--layers")
        return gradcheck_problem(sizes, hidden, output, m, seed)
    if data is None:
        _, X, Y = gradcheck_problem(net.layer_sizes, "relu", net.output.name, m, seed)
        return net, X, Y
    rows = load_data(data, seed=seed)
    X_rows = (rows.X - rows.X.mean(axis=0)) / np.where(
        rows.X.std(axis=0) > 0, rows.X.std(axis=0), 1
    )
    classes = np.unique(rows.y)
    if model is None:
        n_out = 1 if output != "softmax" else len(classes)
        if layers is None:
            sizes = [X_rows.shape[1], 4, n_out]
        else:
            sizes = parse_sizes(layers, "--layers")
        if sizes[0] != X_rows.shape[1]:
            raise DataError(
                f"{data} has {X_rows.shape[1]} features but --layers starts with {sizes[0]}"
            )
        net = Network(sizes, hidden, output, seed=seed, dtype=dtype)
    if net.layer_sizes[0] != X_rows.shape[1]:
        raise DataError(
            f"{data} has {X_rows.shape[1]} features; the network expects {net.layer_sizes[0]}"
        )
    X, y = X_rows[:m].T, rows.y[:m]
    n_out = net.layer_sizes[-1]
    if net.output.name == "identity":
        Y = y.astype(float).reshape(1, -1)
        if n_out != 1:
            raise ConfigurationError("an identity output traced on data needs n[L] = 1")
    elif net.output.name == "sigmoid":
        if len(classes) != 2 or n_out != 1:
            raise DataError(f"{data} has {len(classes)} classes: trace it with --output softmax")
        Y = (y == classes[1]).astype(float).reshape(1, -1)
    else:
        if n_out != len(classes):
            raise DataError(f"{data} has {len(classes)} classes but n[L] = {n_out}")
        Y = (y[None, :] == classes[:, None]).astype(float)
    return net, X, Y
