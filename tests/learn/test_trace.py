"""The traced step's numbers against an independent NumPy computation written here."""

import re

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
    dW, db, dA, g_prime = {}, {}, {}, {}
    for l in range(L, 0, -1):
        dW[l] = dZ[l] @ A[l - 1].T
        db[l] = dZ[l].sum(axis=1, keepdims=True)
        if l > 1:
            dA[l - 1] = W[l].T @ dZ[l]
            g_prime[l - 1] = G[hidden][1](Z[l - 1])
            dZ[l - 1] = dA[l - 1] * g_prime[l - 1]
    return Z, A, J, dZ, dW, db, W, b, dA, g_prime


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
    Z, A, J, dZ, dW, db, W, b, dA, g_prime = by_hand(net, X, Y, alpha, hidden)
    assert step.cost == pytest.approx(J, rel=1e-12)
    for layer in step.layers:
        l = layer.l
        for ours, theirs in (
            (layer.W, W[l]), (layer.b, b[l]), (layer.Z, Z[l]), (layer.A, A[l]),
            (layer.dZ, dZ[l]), (layer.dW, dW[l]), (layer.db, db[l]),
            (layer.W_next, W[l] - alpha * dW[l]), (layer.b_next, b[l] - alpha * db[l]),
        ):  # fmt: skip
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)
        if l < net.L:
            np.testing.assert_allclose(layer.dA, dA[l], rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(layer.g_prime, g_prime[l], rtol=1e-10, atol=1e-13)
        else:
            assert layer.dA is None and layer.g_prime is None  # dZ[L] comes fused (B1)
        np.testing.assert_allclose(layer.dW_numeric, dW[l], rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(layer.db_numeric, db[l], rtol=1e-6, atol=1e-10)


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
    for key in ("b", "A", "dA", "g_prime", "dZ", "dW", "db", "dW_numeric", "db_numeric"):
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
    assert "| | i=0 | i=1 | i=2 |" in step.render("markdown")


def test_the_text_is_in_computing_order():
    net, X, Y = gradcheck_problem([3, 4, 2, 1], "tanh", "sigmoid", 3, 0)
    text = trace_step(net, X, Y).render()
    order = [
        "W[1]   shape", "b[1]   shape", "(F1) Z[1] =", "(F2) A[1] = tanh(Z[1])", "(F1) Z[2]",
        "(F3) A[3] = sigmoid(Z[3])", "(C1) J =", "(B1) dZ[3] =", "(B2) dW[3] =", "(B3) db[3] =",
        "(B4) dA[2] = W[3]ᵀ dZ[3]", "tanh'(Z[2])", "(B4) dZ[2] = dA[2] * tanh'(Z[2])",
        "(B2) dW[2]", "(B4) dA[1]", "(B4) dZ[1]", "(B2) dW[1]", "(B3) db[1]",
        "(U1) W[1] -= α dW[1]",
    ]  # fmt: skip
    positions = [text.index(line) for line in order]
    assert positions == sorted(positions)
    assert "left backprop, right finite differences" in text.split("(B3) db[3]")[1][:120]


def test_wide_traces_wrap_and_huge_ones_are_refused():
    net, X, Y = gradcheck_problem([20, 3, 1], "relu", "sigmoid", 30, 0)
    text = trace_step(net, X, Y).render()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "i=29" in text and "k=19" in text
    net, X, Y = gradcheck_problem([2, 3, 1], "relu", "sigmoid", 65, 0)
    with pytest.raises(cr.ConfigurationError, match="too large to read"):
        trace_step(net, X, Y).render()


def test_one_weight_as_scalars_sums_to_the_matrix_entry():
    net, X, Y = gradcheck_problem([3, 4, 2, 1], "tanh", "sigmoid", 5, 2)
    net.l2 = 0.3
    step = trace_step(net, X, Y)
    Z, A, J, dZ, dW, db, W, b, dA, g_prime = by_hand(net, X, Y, 0.1, "tanh")
    hidden = step.weight("W2[1,3]")
    np.testing.assert_allclose(hidden.dZ, dA[2][1] * g_prime[2][1], rtol=1e-12)
    np.testing.assert_allclose(hidden.products, dZ[2][1] * A[1][3], rtol=1e-12)
    l2 = 0.3 / 5 * W[2][1, 3]
    assert hidden.l2 == pytest.approx(l2)
    assert hidden.total == pytest.approx(dW[2][1, 3] + l2, rel=1e-12)
    assert hidden.total == pytest.approx(hidden.matrix_entry, rel=1e-12)
    assert hidden.total == pytest.approx(hidden.numeric, rel=1e-6)
    text = hidden.render()
    assert "dJ/dW[2]_13 = Σᵢ dZ[2]_1i A[1]_3i" in text and "(R1)" in text
    assert len([line for line in text.splitlines() if line.lstrip()[:1].isdigit()]) == 5
    out = step.weight("W[3][0,1]")
    np.testing.assert_allclose(out.dZ, (A[3][0] - Y[0]) / 5, rtol=1e-12)
    for bad, message in (("W4[0,0]", "W[1] to W[3]"), ("W1[4,0]", "shape (4, 3)"),
                         ("b1[0]", "must look like")):  # fmt: skip
        with pytest.raises(cr.ConfigurationError, match=re.escape(message)):
            step.weight(bad)


def test_a_float32_network_is_traced_in_float64_by_default():
    net = cr.Network([2, 3, 1], seed=0)
    step = trace_step(net, np.ones((2, 2)), np.ones((1, 2)))
    assert step.layers[0].W.dtype == np.float64


def test_finite_differences_are_float64_even_for_a_float32_step():
    net, X, Y = gradcheck_problem([3, 4, 1], "tanh", "sigmoid", 4, 0)
    step = trace_step(net, X, Y, dtype="float32")
    assert step.layers[0].dW.dtype == np.float32
    assert step.layers[0].dW_numeric.dtype == np.float64
    # float32 finite differences with h = 1e-4 would be off by ~1e-3; float64 ones are not
    exact = trace_step(net, X, Y).layers[0].dW
    np.testing.assert_allclose(step.layers[0].dW_numeric, exact, rtol=1e-6, atol=1e-10)
