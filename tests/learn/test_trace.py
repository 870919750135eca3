"""The traced step's numbers against an independent NumPy computation written here."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.core.gradcheck import gradcheck_problem
from chainrule.learn.trace import trace_step

G = {
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
}


def by_hand(net, X, Y, alpha, hidden):
    """The seed's step for a sigmoid or softmax output, in plain NumPy, from the parameters."""
    W = [None] + [w.copy() for w in net.W[1:]]
    b = [None] + [v.copy() for v in net.b[1:]]
    L, m = net.L, X.shape[1]
    Z, A = [None], [X]
    for l in range(1, L + 1):
        Z.append(W[l] @ A[l - 1] + b[l])
        if l < L:
            A.append(G[hidden][0](Z[l]))
        elif net.output.name == "sigmoid":
            A.append(1 / (1 + np.exp(-Z[l])))
        else:
            E = np.exp(Z[l] - Z[l].max(axis=0))
            A.append(E / E.sum(axis=0))
    if net.output.name == "sigmoid":
        J = -np.sum(Y * np.log(A[L]) + (1 - Y) * np.log(1 - A[L])) / m
    else:
        J = -np.sum(Y * np.log(A[L])) / m
    dZ = {L: (A[L] - Y) / m}
    dW, db = {}, {}
    for l in range(L, 0, -1):
        dW[l] = dZ[l] @ A[l - 1].T
        db[l] = dZ[l].sum(axis=1, keepdims=True)
        if l > 1:
            dZ[l - 1] = (W[l].T @ dZ[l]) * G[hidden][1](Z[l - 1])
    return Z, A, J, dZ, dW, db, W, b


@pytest.mark.parametrize(
    ("sizes", "hidden", "output"),
    [
        ([3, 4, 2, 1], "relu", "sigmoid"),
        ([4, 5, 3], "tanh", "softmax"),
        ([2, 3, 3, 1], "sigmoid", "sigmoid"),
    ],
)
def test_every_traced_matrix_equals_the_step_computed_by_hand(sizes, hidden, output):
    net, X, Y = gradcheck_problem(sizes, hidden, output, 5, 1)
    alpha = 0.3
    step = trace_step(net, X, Y, alpha)
    Z, A, J, dZ, dW, db, W, b = by_hand(net, X, Y, alpha, hidden)
    assert step.cost == pytest.approx(J, rel=1e-12)
    for layer in step.layers:
        l = layer.l
        for ours, theirs in (
            (layer.W, W[l]), (layer.b, b[l]), (layer.Z, Z[l]), (layer.A, A[l]),
            (layer.dZ, dZ[l]), (layer.dW, dW[l]), (layer.db, db[l]),
            (layer.W_next, W[l] - alpha * dW[l]), (layer.b_next, b[l] - alpha * db[l]),
        ):  # fmt: skip
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(layer.dW_numeric, dW[l], rtol=1e-6, atol=1e-10)


def test_the_json_contract_and_the_network_left_untouched():
    net, X, Y = gradcheck_problem([3, 4, 2, 1], "relu", "sigmoid", 5, 0)
    before = net.theta.copy()
    data = trace_step(net, X, Y, 0.1).as_dict()
    np.testing.assert_array_equal(net.theta, before)
    assert data["hidden_activation"] == "relu" and data["output_activation"] == "sigmoid"
    assert data["learning_rate"] == 0.1 and len(data["X"]) == 3 and len(data["X"][0]) == 5
    assert [layer["l"] for layer in data["layers"]] == [1, 2, 3]
    first = data["layers"][0]
    assert len(first["W"]) == 4 and len(first["W"][0]) == 3  # W[1] is n[1] rows of n[0]
    assert len(first["Z"]) == 4 and len(first["Z"][0]) == 5  # Z[1] is n[1] rows of m
    for key in ("b", "A", "dZ", "dW", "db", "dW_numeric", "W_next", "b_next"):
        assert key in first
    np.testing.assert_allclose(
        np.array(first["W_next"]), np.array(first["W"]) - 0.1 * np.array(first["dW"])
    )


def test_text_and_markdown_label_every_equation():
    net, X, Y = gradcheck_problem([3, 4, 1], "relu", "sigmoid", 3, 0)
    step = trace_step(net, X, Y)
    for fmt in ("text", "markdown"):
        text = step.render(fmt)
        for label in ("(F1)", "(F2)", "(F3)", "(C1)", "(B1)", "(B2)", "(B3)", "(B4)", "(U1)"):
            assert label in text, (fmt, label)
    assert "| 1 | 2 | 3 |" in step.render("markdown")


def test_a_float32_network_is_traced_in_float64_by_default():
    net = cr.Network([2, 3, 1], seed=0)
    step = trace_step(net, np.ones((2, 2)), np.ones((1, 2)))
    assert step.layers[0].W.dtype == np.float64
