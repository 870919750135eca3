import numpy as np
import pytest

import chainrule as cr
from chainrule.core.network import Cache


def test_public_contract_shapes(rng):
    net = cr.Network(
        [30, 16, 1], hidden_activation="relu", output_activation="sigmoid", seed=0, dtype="float64"
    )
    shapes = {name: value.shape for name, value in net.params.items()}
    assert shapes == {"W1": (16, 30), "b1": (16, 1), "W2": (1, 16), "b2": (1, 1)}
    X = rng.normal(size=(30, 11))
    Y = (rng.random((1, 11)) > 0.5).astype(float)
    assert net.forward(X).shape == (1, 11)
    assert isinstance(net.cost(X, Y), float)
    grads = net.gradients(X, Y)
    assert {k: v.shape for k, v in grads.items()} == {
        "dW1": (16, 30),
        "db1": (16, 1),
        "dW2": (1, 16),
        "db2": (1, 1),
    }


def test_forward_is_the_seed_equations(rng):
    net = cr.Network([4, 3, 1], hidden_activation="tanh", seed=3, dtype="float64")
    X = rng.normal(size=(4, 6))
    W1, b1, W2, b2 = (net.params[k] for k in ("W1", "b1", "W2", "b2"))
    A1 = np.tanh(W1 @ X + b1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    np.testing.assert_allclose(net.forward(X), A2, rtol=1e-13)


def test_params_are_views_into_theta():
    net = cr.Network([3, 2, 1], seed=0)
    net.params["W1"][0, 0] = 5.0
    assert net.theta[0] == 5.0
    assert net.W[1] is not None and net.W[0] is None
    assert net.n_params == 2 * 3 + 2 + 1 * 2 + 1 == net.theta.size


def test_seeded_initialisation_is_reproducible_and_scaled():
    a = cr.Network([200, 300, 100, 1], hidden_activation=["relu", "tanh"], seed=7)
    b = cr.Network([200, 300, 100, 1], hidden_activation=["relu", "tanh"], seed=7)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, cr.Network([200, 300, 100, 1], seed=8).theta)
    # He for the relu layer: variance 2 / n[0]
    assert a.W[1].var() == pytest.approx(2 / 200, rel=0.05)
    # Glorot for the tanh layer: uniform on +-sqrt(6 / (n[1] + n[2]))
    bound = np.sqrt(6 / (300 + 100))
    assert np.abs(a.W[2]).max() <= bound
    assert a.W[2].var() == pytest.approx(2 / (300 + 100), rel=0.05)
    assert all(not a.b[l].any() for l in (1, 2, 3))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept_throughout(dtype, rng):
    net = cr.Network([5, 4, 3], output_activation="softmax", seed=0, dtype=dtype)
    X = rng.normal(size=(5, 8))
    Y = np.eye(3)[rng.integers(0, 3, 8)].T
    assert net.theta.dtype == dtype
    assert net.forward(X).dtype == dtype
    assert all(g.dtype == dtype for g in net.gradients(X, Y).values())


def test_float32_is_the_default():
    assert cr.Network([2, 1]).dtype == np.float32


def test_leaky_slope_is_exposed_and_settable(rng):
    net = cr.Network([2, 3, 1], hidden_activation="leaky_relu", seed=0, dtype="float64")
    assert net.leaky_slope == 0.01
    X = rng.normal(size=(2, 5))
    net.leaky_slope = 0.3
    Z1 = net.W[1] @ X + net.b[1]
    A1 = np.where(Z1 > 0, Z1, 0.3 * Z1)
    expected = 1 / (1 + np.exp(-(net.W[2] @ A1 + net.b[2])))
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-12)


def test_predict_per_output(rng):
    X = rng.normal(size=(3, 10))
    assert set(np.unique(cr.Network([3, 2], seed=0).predict(X))) <= {0, 1}
    labels = cr.Network([3, 4], output_activation="softmax", seed=0).predict(X)
    assert labels.shape == (10,) and labels.max() < 4
    assert cr.Network([3, 2], output_activation="identity", seed=0).predict(X).shape == (2, 10)


def test_copy_is_independent_and_casts():
    net = cr.Network([3, 2, 1], seed=0)
    twin = net.copy(dtype="float64")
    assert twin.dtype == np.float64
    np.testing.assert_allclose(twin.theta, net.theta)
    twin.theta[:] = 0
    assert net.theta.any()


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("seed", -1),
        ("seed", "x"),
        ("seed", 1.5),
        ("seed", True),
        ("leaky_slope", "x"),
        ("leaky_slope", float("nan")),
        ("leaky_slope", float("inf")),
        ("hidden_activation", None),
        ("hidden_activation", 3),
    ],
)
def test_a_bad_argument_is_a_configuration_error_naming_it(argument, value):
    with pytest.raises(cr.ConfigurationError, match=argument):
        cr.Network([3, 4, 1], **{argument: value})


def test_a_network_too_large_for_memory_is_refused_before_allocating():
    with pytest.raises(cr.ConfigurationError, match=r"\[30, 1000000000000, 1\] would need .* TiB"):
        cr.Network([30, 10**12, 1])
    net = cr.Network([3, 2, 1])
    with pytest.raises(cr.ConfigurationError, match="over 1000000000000 examples would need"):
        Cache(net.layer_sizes, 10**12, net.dtype)


def test_leaky_slope_set_later_is_checked_too():
    net = cr.Network([3, 4, 1], "leaky_relu")
    with pytest.raises(cr.ConfigurationError, match="leaky_slope"):
        net.leaky_slope = float("nan")
