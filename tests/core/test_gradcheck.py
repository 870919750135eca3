import numpy as np
import pytest

import chainrule as cr

from conftest import make_targets

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
OUTPUTS = ["sigmoid", "softmax", "identity"]
DEPTHS = {"seed 2-layer": [6, 5], "3-layer": [6, 5, 4], "5-layer": [6, 5, 4, 3, 4]}


def checkable_network(sizes, hidden, output, rng):
    """A float64 network with non-zero biases, as after some training.

    With zero biases a layer that no example activates makes the next relu see Z = 0
    exactly, a kink where the cost has no derivative to check.
    """
    net = cr.Network(sizes, hidden, output, seed=11, dtype="float64")
    for l in range(1, net.L + 1):
        net.b[l][...] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net


def assert_clear_of_kinks(net, X, margin=1e-3):
    """Finite differences are only meaningful away from relu kinks: make sure we are."""
    if net.hidden_activation in ("relu", "leaky_relu"):
        Z = net.forward_pass(X).Z
        closest = min(np.abs(Z[l]).min() for l in range(1, net.L))
        assert closest > margin, f"data within {closest:g} of a relu kink: pick another seed"


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_matches_finite_differences(hidden, output, depth, rng):
    sizes = [*DEPTHS[depth], 3]
    net = checkable_network(sizes, hidden, output, rng)
    X = rng.normal(size=(sizes[0], 9))
    Y = make_targets(output, sizes[-1], 9, rng)
    assert_clear_of_kinks(net, X)
    errors = cr.gradcheck(net, X, Y)
    assert set(errors) == set(net.params)
    assert max(errors.values()) < 1e-7, errors


def test_gradcheck_on_the_seed_network_as_created(rng):
    net = cr.Network([30, 16, 1], "relu", "sigmoid", seed=0)  # float32 net: checked in float64
    X = rng.normal(size=(30, 20))
    Y = (rng.random((1, 20)) > 0.5).astype(float)
    assert_clear_of_kinks(net, X)
    before = net.theta.copy()
    errors = cr.gradcheck(net, X, Y)
    assert max(errors.values()) < 1e-7
    np.testing.assert_array_equal(net.theta, before)


def test_a_dead_layer_scores_zero_not_one(rng):
    net = cr.Network([3, 4, 2, 1], "relu", seed=0, dtype="float64")
    net.b[1][...] = -100.0  # no example activates layer 1: dW1 = db1 = 0 exactly
    net.b[2][...] = 0.5  # keeps layer 2 off its kink although its input is all zero
    errors = cr.gradcheck(net, rng.normal(size=(3, 5)), np.ones((1, 5)))
    assert errors["W1"] == 0.0 and errors["b1"] == 0.0


def test_gradcheck_catches_the_seeds_sign_mistake(rng, monkeypatch):
    net = cr.Network([4, 3, 1], "tanh", seed=0, dtype="float64")
    X, Y = rng.normal(size=(4, 6)), (rng.random((1, 6)) > 0.5).astype(float)
    # with the seed's dJ/dA[2] = -Y/A - (1-Y)/(1-A), dZ[2] becomes (-Y - A + 2AY) / m
    monkeypatch.setattr(
        type(net.output),
        "dZ",
        lambda self, A, Y, weights=None, out=None, m=None: (-Y - A + 2 * A * Y) / A.shape[1],
    )
    assert min(cr.gradcheck(net, X, Y).values()) > 1e-2
