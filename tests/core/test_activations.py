import numpy as np
import pytest

from chainrule.core.activations import (
    HIDDEN_ACTIVATIONS,
    LeakyReLU,
    Sigmoid,
    get_activation,
    log_softmax,
    softmax,
)

CLOSED_FORMS = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "identity": lambda z: z,
}


@pytest.mark.parametrize("name", sorted(HIDDEN_ACTIVATIONS))
def test_value_matches_closed_form(name, rng):
    Z = rng.normal(scale=3, size=(4, 50))
    np.testing.assert_allclose(get_activation(name).value(Z), CLOSED_FORMS[name](Z), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(HIDDEN_ACTIVATIONS))
def test_derivative_matches_finite_differences(name, rng):
    g = get_activation(name)
    Z = rng.normal(scale=2, size=(3, 40))
    Z = Z[np.abs(Z) > 1e-3].reshape(1, -1)  # keep clear of the relu kink
    eps = 1e-6
    numeric = (g.value(Z + eps) - g.value(Z - eps)) / (2 * eps)
    np.testing.assert_allclose(g.derivative(Z, g.value(Z)), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_large_inputs(dtype):
    Z = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = Sigmoid().value(Z)
    assert A.dtype == dtype
    assert A[0, 0] == 0.0 and A[0, -1] == 1.0 and A[0, 2] == 0.5
    # full relative precision in the left tail, where 1 / (1 + e^40) is about 4.25e-18
    if dtype == np.float64:
        assert A[0, 1] == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-14)


def test_value_writes_into_out():
    Z = np.linspace(-2, 2, 9).reshape(3, 3)
    for name in HIDDEN_ACTIVATIONS:
        out = np.empty_like(Z)
        result = get_activation(name).value(Z, out=out)
        assert result is out
        np.testing.assert_allclose(out, CLOSED_FORMS[name](Z), rtol=1e-12)


def test_leaky_slope_is_used():
    g = LeakyReLU(0.2)
    Z = np.array([[-1.0, 2.0]])
    np.testing.assert_array_equal(g.value(Z), [[-0.2, 2.0]])
    np.testing.assert_array_equal(g.derivative(Z, g.value(Z)), [[0.2, 1.0]])


def test_softmax_is_stable_and_normalised(rng):
    Z = np.array([[1000.0, -1000.0], [1001.0, -1000.0], [999.0, -999.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        S = softmax(Z)
        logS = log_softmax(Z)
    np.testing.assert_allclose(S.sum(axis=0), 1.0)
    np.testing.assert_allclose(S[:, 0], softmax(Z[:, :1] - 1000)[:, 0])
    np.testing.assert_allclose(np.exp(logS), S, rtol=1e-12)
    small = rng.normal(size=(4, 5))
    np.testing.assert_allclose(
        softmax(small), np.exp(small) / np.exp(small).sum(axis=0), rtol=1e-12
    )
