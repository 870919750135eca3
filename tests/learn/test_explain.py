"""explain() states the shapes the network really computes with."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.learn.explain import explain

from conftest import make_targets


def resolve(name, net, cache, grads):
    """The array a symbol of the explanation names, from a real forward/backward pass."""
    transposed = name.endswith("ᵀ")
    base = name.rstrip("ᵀ")
    symbol, index = base[:-1].split("[")
    l = int(index)
    table = {
        "Z": cache.Z,
        "A": cache.A,
        "W": net.W,
        "b": net.b,
        "dW": grads[0],
        "db": grads[1],
        "dZ": cache.dA,  # the backward pass writes dA[l], then dZ[l] in place, here
        "dA": cache.dA,
    }
    array = table[symbol][l]
    return array.T if transposed else array


@pytest.mark.parametrize("sizes", [[30, 16, 1], [5, 7, 6, 4], [3, 2]])
@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
def test_every_printed_shape_matches_the_arrays(sizes, output, rng):
    if output == "softmax" and sizes[-1] < 2:
        sizes = [*sizes[:-1], 2]
    net = cr.Network(sizes, "tanh", output, seed=0, dtype="float64")
    m = 7
    X = rng.normal(size=(sizes[0], m))
    cache = net.forward_pass(X)
    Y = make_targets(output, sizes[-1], m, rng)
    grads = net.unflatten(net.batch_gradient(cache, Y, np.full_like(net.theta, np.nan)))
    explanation = explain(net)
    checked = 0
    for section in (explanation.forward, explanation.backward, explanation.update):
        for equation in section:
            for name, shape in equation.shapes.items():
                expected = tuple(m if s == "m" else s for s in shape)
                assert resolve(name, net, cache, grads).shape == expected, (equation.text, name)
                checked += 1
    assert checked > 4 * net.L
    assert sum(explanation.parameters) == net.n_params


def test_the_seeds_network_reads_as_the_derivation():
    text = explain(cr.Network([30, 16, 1], "relu", "sigmoid")).render("text")
    for line in (
        "Z[1] = W[1] A[0] + b[1]",
        "A[2] = sigmoid(Z[2])",
        "dZ[2] = (A[2] - Y) / m",
        "dW[2] = dZ[2] A[1]ᵀ",
        "dA[1] = W[2]ᵀ dZ[2]",
        "db[1] = Σᵢ dZ[1]",
        "W[1] -= α dW[1]",
        "513 parameters",
        "layer 1: 496, layer 2: 17",
    ):
        assert line in text
    assert "dA[0]" not in text  # nothing is learned from dX


def test_json_shape_of_the_explanation():
    data = explain(cr.Network([4, 3, 2], "relu", "softmax")).as_dict()
    assert data["parameters"] == 4 * 3 + 3 + 3 * 2 + 2
    assert data["forward"][0]["shapes"]["W[1]"] == [3, 4]
    assert data["forward"][0]["shapes"]["Z[1]"] == [3, "m"]


@pytest.mark.parametrize(
    "net",
    [
        cr.Network([30, 16, 1], "relu", "sigmoid"),
        cr.Network([4, 5, 3, 3], ["leaky_relu", "tanh"], "softmax", l2=0.1, dropout=0.2),
        cr.Network([3, 2, 2], "sigmoid", "identity", l2=1.0),
    ],
    ids=["seed", "per-layer-l2-dropout", "regression"],
)
def test_every_latex_formula_renders(net):
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")
    explanation = explain(net)
    for equation in explanation.equations():
        parser.parse(f"${equation.latex}$")  # raises on a formula mathtext cannot typeset
    for line in explanation.render("latex").splitlines():
        if line.startswith("%") or "aligned" in line:
            continue
        formula = line.replace("&", "").removesuffix("\\\\")
        parser.parse(f"${formula}$")


def test_labels_regularisation_and_why_the_output_gradient_is_a_minus_y():
    net = cr.Network([4, 5, 3, 3], ["leaky_relu", "tanh"], "softmax", l2=0.1, dropout=0.2)
    explanation = explain(net)
    labels = [e.label for e in explanation.equations()]
    for label in ("F1", "R2", "F3", "C2", "R1", "B1", "B2", "B3", "B4", "U1"):
        assert label in labels
    text = explanation.render("text")
    assert "A[1] = leaky_relu(Z[1]) * D[1]" in text and "A[2] = tanh(Z[2]) * D[2]" in text
    assert "D[2] is 0 with probability 0.2, else 1/(1 - 0.2)" in text
    assert "J += (λ/2m) Σₗ ‖W[l]‖²" in text and "dW[1] += (λ/m) W[1]" in text
    assert "dA[1] = dA[1] * D[1]" in text
    assert "Σ_j y_j = 1" in text  # why dZ[L] = (A[L] - Y) / m for softmax + cross-entropy
    assert "a (1 - a) cancels" in explain(cr.Network([2, 1])).render("text")
    assert "derivative is 1" in explain(cr.Network([2, 1], output_activation="identity")).render()


def test_the_l1_penalty_shows_in_the_cost_and_each_weight_gradient():
    text = explain(cr.Network([3, 4, 1], "tanh", l1=0.3)).render("text")
    assert "J += (λ₁/m) Σₗ Σⱼₖ |W[l]ⱼₖ|,  λ₁ = 0.3" in text
    assert "dW[1] += (λ₁/m) sign(W[1])" in text and "dW[2] += (λ₁/m) sign(W[2])" in text
    assert "R3" not in explain(cr.Network([3, 4, 1], "tanh")).render("text")


@pytest.mark.parametrize("name", ["gd", "sgd", "rmsprop", "adam", "adamw"])
def test_the_update_is_the_optimisers_own_rule(name):
    from chainrule.train.optimizers import get_optimizer

    optimizer = get_optimizer(name, learning_rate=0.05)
    explanation = explain(cr.Network([3, 2, 1]), optimizer, batch_size=16)
    text = explanation.render("text")
    assert "mini-batches of m = 16 examples" in text and "α = 0.05" in text
    lines = [e.text for e in explanation.update]
    if name == "gd":
        assert lines[0].startswith("W[1] -= α dW[1];  b[1] -= α db[1]")
    else:
        assert lines == [text for text, _ in optimizer.rule]
    assert explanation.as_dict()["optimizer"] == name
    assert explanation.as_dict()["batch_size"] == 16
