import numpy as np
import pytest

import chainrule as cr
from chainrule.core.gradcheck import SMALLEST_STEP, GradCheck, gradcheck_problem

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


GRID_LAYERS = {"30,16,1": [30, 16, 1], "30,16,8,1": [30, 16, 8, 1]}


def breast_cancer_columns():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X_rows, y = sklearn_datasets.load_breast_cancer(return_X_y=True)
    X = ((X_rows - X_rows.mean(axis=0)) / X_rows.std(axis=0)).T
    return X, y.reshape(1, -1).astype(float)


@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("layers", GRID_LAYERS)
def test_correct_networks_pass_near_kinks_with_nine_tenths_of_the_entries_checked(layers, hidden):
    """The grid of issue 20: random data as `chainrule gradcheck` draws it, and the
    breast-cancer rows; before kink handling 10 of the 24 random cases failed."""
    X_bc, Y_bc = breast_cancer_columns()
    for m in (10, 100, 569):
        net, X, Y = gradcheck_problem(GRID_LAYERS[layers], hidden, "sigmoid", m, seed=0)
        fresh = cr.Network(GRID_LAYERS[layers], hidden, seed=0, dtype="float64")
        for result in (cr.gradcheck(net, X, Y), cr.gradcheck(fresh, X_bc[:, :m], Y_bc[:, :m])):
            assert result.fraction_checked >= 0.9, (m, result.as_dict())
            assert result.passed(1e-7) and max(result.values()) < 1e-7, (m, result.as_dict())


def test_the_readme_s_trained_network_passes_on_every_example():
    X, Y = breast_cancer_columns()
    net = cr.Network([30, 16, 1], "relu", "sigmoid", seed=0, dtype="float64")
    cr.fit(net, X, Y, epochs=1000, learning_rate=0.1)
    result = cr.gradcheck(net, X, Y)
    assert sum(result.shrunk.values()) > 0  # trained units sit near their kinks
    assert result.fraction_checked >= 0.9 and max(result.values()) < 1e-7, result.as_dict()


def test_an_entry_that_crosses_a_kink_at_every_step_is_left_out_and_counted(rng):
    net = cr.Network([3, 4, 2, 1], "relu", seed=0, dtype="float64")
    net.b[1][...] = -100.0  # layer 1 is dead, so Z[2] = b[2] = 0 exactly: on the kink
    result = cr.gradcheck(net, rng.normal(size=(3, 5)), np.ones((1, 5)))
    assert isinstance(result, GradCheck)
    assert result.skipped == {"W1": 0, "b1": 0, "W2": 0, "b2": 2, "W3": 0, "b3": 0}
    assert result.checked["b2"] == 0 and np.isnan(result["b2"])
    assert result.n_checked == net.n_params - 2 and "kink" in result.reason
    assert result.passed(1e-7)
    report = result.as_dict()
    assert report["relative_errors"]["b2"] is None and report["entries_skipped"] == 2
    assert report["smallest_step"] == SMALLEST_STEP


def test_a_step_is_shrunk_only_where_a_kink_is_near(rng):
    net = cr.Network([2, 3, 1], "relu", seed=0, dtype="float64")
    X = rng.normal(size=(2, 4))
    Z1 = net.W[1] @ X
    net.b[1][...] = 0.5
    net.b[1][0, 0] = -Z1[0, 0] + 3e-5  # unit 1 of example 1 sits 3e-5 from its kink
    result = cr.gradcheck(net, X, np.ones((1, 4)))
    # only W[1]'s row 0 and b[1][0] move that Z; the others keep the full step
    assert result.shrunk["W1"] + result.shrunk["b1"] >= 1
    assert result.shrunk["W2"] == result.shrunk["b2"] == 0
    assert result.n_skipped == 0 and max(result.values()) < 1e-7


@pytest.mark.parametrize("m", [2, 3, 10, 100, 569])
def test_kink_handling_never_hides_a_wrong_gradient(m, monkeypatch):
    """The seed's sign error and a missing 1/m fail on relu networks near kinks, at any m."""
    X, Y = breast_cancer_columns()
    net = cr.Network([30, 16, 8, 1], "relu", seed=0, dtype="float64")
    output = type(net.output)
    true_dZ = output.dZ
    monkeypatch.setattr(
        output,
        "dZ",
        lambda self, A, Y, weights=None, out=None, m=None: (-Y - A + 2 * A * Y) / A.shape[1],
    )
    assert min(cr.gradcheck(net, X[:, :m], Y[:, :m]).values()) > 1e-2
    monkeypatch.setattr(
        output,
        "dZ",
        lambda self, A, Y, weights=None, out=None, m=None: true_dZ(self, A, Y) * A.shape[1],
    )
    assert min(cr.gradcheck(net, X[:, :m], Y[:, :m]).values()) > 1e-2
