import numpy as np
import pytest

from chainrule.core.outputs import get_output

from conftest import make_targets


def naive_cost(name, Z, Y):
    m = Z.shape[1]
    if name == "sigmoid":
        A = 1 / (1 + np.exp(-Z))
        return -(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum() / m
    if name == "softmax":
        A = np.exp(Z) / np.exp(Z).sum(axis=0)
        return -(Y * np.log(A)).sum() / m
    if name == "exp":
        A = np.exp(Z)
        y_log = np.where(Y > 0, Y * np.log(np.where(Y > 0, Y, 1) / A), 0.0)  # 0 log 0 = 0
        return (y_log - Y + A).sum() / m
    return ((Z - Y) ** 2).sum() / (2 * m)


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "identity", "exp"])
def test_cost_from_logits_matches_the_textbook_formula(name, rng):
    Z = rng.normal(size=(3, 20))
    Y = make_targets(name, 3, 20, rng)
    assert get_output(name).cost(Z, Y) == pytest.approx(naive_cost(name, Z, Y), rel=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "softmax"])
def test_cost_is_finite_when_probabilities_saturate(name):
    # A confidently wrong prediction: the probability of the true class rounds to 0.
    Z = np.array([[800.0, -800.0], [-800.0, 800.0]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        J = get_output(name).cost(Z, Y)
    assert np.isfinite(J) and J == pytest.approx(1600.0)


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "identity", "exp"])
def test_fused_dZ_is_the_gradient_of_the_cost(name, rng):
    out = get_output(name)
    Z = rng.normal(size=(3, 7))
    Y = make_targets(name, 3, 7, rng)
    eps = 1e-6
    numeric = np.zeros_like(Z)
    for index in np.ndindex(Z.shape):
        step = np.zeros_like(Z)
        step[index] = eps
        numeric[index] = (out.cost(Z + step, Y) - out.cost(Z - step, Y)) / (2 * eps)
    np.testing.assert_allclose(out.dZ(out.activation(Z), Y), numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_cross_entropy_keeps_its_precision_for_confident_right_answers(dtype):
    """y = 1, z large: the loss is log(1 + e^-z) ~ e^-z, tiny; z - z y must cancel before
    the tiny term is added, or it is lost to the rounding of z."""
    Z = np.array([[5.0, 20.0, 40.0, -30.0]], dtype=dtype)
    Y = np.array([[1.0, 1.0, 1.0, 0.0]], dtype=dtype)
    exact = np.log1p(np.exp(-np.abs(Z.astype(np.float64))))
    losses = get_output("sigmoid").losses(Z, Y)
    np.testing.assert_allclose(losses, exact, rtol=1e-6 if dtype == "float32" else 1e-14)


def test_the_outer_product_of_a_one_unit_layer_is_matmul_exactly(rng):
    from chainrule.core.arrays import NUMPY

    W_T = rng.normal(size=(16, 1)).astype(np.float32)  # W[2]^T of a one-unit output layer
    dZ = rng.normal(size=(1, 569)).astype(np.float32)
    np.testing.assert_array_equal(NUMPY.matmul(W_T, dZ), np.matmul(W_T, dZ))
    out = np.empty((16, 569), np.float32)
    assert NUMPY.matmul(W_T, dZ, out=out) is out
