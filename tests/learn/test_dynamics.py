"""Learning dynamics: the records match the saved parameters; the vanishing gradient shows."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.learn.dynamics import Dynamics, dead_fraction, derivative_measures


@pytest.fixture(scope="module")
def digits():
    sklearn = pytest.importorskip("sklearn.datasets")
    X, y = sklearn.load_digits(return_X_y=True)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1)
    return X.T, np.eye(10)[y].T


def layer1_over_last(history):
    record = history.dynamics[-1]["layers"]
    return record[0]["grad_norm"] / record[-1]["grad_norm"]


def test_six_sigmoid_layers_vanish_and_relu_with_he_does_not(digits):
    X, Y = digits
    ratios, gains = {}, {}
    for activation, init in (("sigmoid", "glorot"), ("relu", "he")):
        net = cr.Network([64, *[32] * 6, 10], activation, "softmax", seed=0, init=init)
        history = cr.fit(
            net, X, Y, epochs=2, optimizer=cr.SGD(0.05), batch_size=64,
            callbacks=[Dynamics(net, X, Y, every=1)],
        )  # fmt: skip
        ratios[activation] = layer1_over_last(history)
        gains[activation] = [e["gain"] for e in history.dynamics[-1]["layers"][:-1]]
    assert ratios["sigmoid"] < 0.01  # the gradient vanishes on its way down
    assert ratios["relu"] > 0.1
    # the measure that says why: every sigmoid layer scales the gradient by at most 1/4
    assert max(gains["sigmoid"]) <= 0.25 and np.prod(gains["sigmoid"]) < 1e-3
    assert min(gains["relu"]) > 0.3


def test_records_equal_norms_recomputed_from_saved_parameters(digits, tmp_path):
    X, Y = digits[0][:, :300], digits[1][:, :300]
    net = cr.Network([64, 16, 10], "relu", "softmax", seed=1, dtype="float64")
    saved = {}
    history = cr.fit(
        net, X, Y, epochs=4, optimizer=cr.Adam(0.01), batch_size=50,
        callbacks=[
            lambda n, e, h: saved.__setitem__(e, n.theta.copy()),
            Dynamics(net, X, Y, every=2),
        ],
    )  # fmt: skip
    assert [record["epoch"] for record in history.dynamics] == [2, 4]
    for record in history.dynamics:
        epoch = record["epoch"]
        twin = cr.Network([64, 16, 10], "relu", "softmax", dtype="float64")
        twin.theta[...] = saved[epoch]
        before = cr.Network([64, 16, 10], "relu", "softmax", dtype="float64")
        before.theta[...] = saved[epoch - 1]
        grads = twin.gradients(X, Y)
        for entry in record["layers"]:
            l = entry["l"]
            assert entry["grad_norm"] == pytest.approx(np.linalg.norm(grads[f"dW{l}"]), rel=1e-9)
            moved = np.linalg.norm(twin.W[l] - before.W[l]) / np.linalg.norm(twin.W[l])
            assert entry["update_ratio"] == pytest.approx(moved, rel=1e-9)
        Z1 = twin.W[1] @ X + twin.b[1]
        assert record["layers"][0]["dead_fraction"] == pytest.approx((Z1 <= 0).all(axis=1).mean())
        assert record["layers"][-1]["dead_fraction"] is None
        assert record["layers"][0]["gain"] == pytest.approx((Z1 > 0).mean())
        assert record["layers"][0]["saturation"] == pytest.approx((Z1 <= 0).mean())
        assert record["layers"][-1]["gain"] is None


def test_saturated_sigmoid_units_count_as_dead():
    net = cr.Network([1, 2, 1], "sigmoid", seed=0)
    Z = np.array([[50.0, 60.0, -70.0], [0.1, 0.0, -0.2]])
    assert dead_fraction(net, 1, Z) == 0.5


def test_gain_and_saturation_of_sigmoid_units():
    net = cr.Network([1, 2, 1], "sigmoid", seed=0)
    Z = np.array([[50.0, 0.0, -70.0], [0.0, 0.0, 0.0]])
    measures = derivative_measures(net, 1, Z)
    assert measures["gain"] == pytest.approx((0.25 + 3 * 0.25) / 6, abs=1e-12)
    assert measures["saturation"] == pytest.approx(2 / 6)
