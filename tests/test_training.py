import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigurationError, TrainingDivergedError


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_seed_network_learns_breast_cancer(hidden, breast_cancer_split):
    X_train, X_test, y_train, y_test = breast_cancer_split
    net = cr.Network([30, 16, 1], hidden, "sigmoid", seed=0)
    history = net.fit(X_train.T, y_train, epochs=1000, learning_rate=0.1)
    assert history.cost[-1] < history.cost[0] / 5
    accuracy = (net.predict(X_test.T)[0] == y_test).mean()
    assert accuracy >= 0.95


def test_full_batch_history_is_the_cost_before_each_step(rng):
    net = cr.Network([4, 3, 1], "tanh", seed=0, dtype="float64")
    X, Y = rng.normal(size=(4, 12)), (rng.random((1, 12)) > 0.5).astype(float)
    twin = net.copy()
    history = net.fit(X, Y, epochs=3, learning_rate=0.5)
    for epoch in range(3):
        assert history.cost[epoch] == pytest.approx(twin.cost(X, Y), rel=1e-12)
        for name, grad in twin.gradients(X, Y).items():
            twin.params[name[1:]][...] -= 0.5 * grad
    np.testing.assert_allclose(net.theta, twin.theta, rtol=1e-12)


def test_mini_batch_training_is_seeded(rng):
    X, Y = rng.normal(size=(5, 50)), (rng.random((1, 50)) > 0.5).astype(float)
    runs = [cr.Network([5, 4, 1], seed=3).fit(X, Y, epochs=5, batch_size=8).cost for _ in range(2)]
    assert runs[0] == runs[1]
    other = cr.Network([5, 4, 1], seed=4).fit(X, Y, epochs=5, batch_size=8).cost
    assert other != runs[0]


def test_training_does_not_touch_the_callers_data(rng):
    X, Y = rng.normal(size=(5, 30)), (rng.random((1, 30)) > 0.5).astype(np.float32)
    X_before, Y_before = X.copy(), Y.copy()
    cr.Network([5, 4, 1], seed=0).fit(X, Y, epochs=3, batch_size=7)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Y, Y_before)


def test_callback_sees_every_epoch_and_can_stop(rng):
    X, Y = rng.normal(size=(3, 10)), np.ones((1, 10))
    seen = []

    def stop_at_four(net, epoch, history):
        seen.append((epoch, len(history.cost)))
        return epoch == 4

    history = cr.Network([3, 2, 1], seed=0).fit(X, Y, epochs=50, callbacks=[stop_at_four])
    assert seen == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert history.epochs == 4


def test_divergence_stops_with_a_clear_error_and_keeps_finite_parameters(rng):
    X = rng.normal(scale=100, size=(4, 20))
    Y = rng.normal(scale=100, size=(1, 20))
    net = cr.Network([4, 8, 1], "relu", "identity", seed=0)
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch \d+.*lower learning rate"):
        net.fit(X, Y, epochs=200, learning_rate=10.0)
    assert np.isfinite(net.theta).all()


def test_bad_training_settings(rng):
    net = cr.Network([3, 1], seed=0)
    X, Y = rng.normal(size=(3, 4)), np.ones((1, 4))
    with pytest.raises(ConfigurationError, match="learning_rate must be a finite number > 0"):
        net.fit(X, Y, learning_rate=-1)
    with pytest.raises(ConfigurationError, match="epochs must be a positive integer"):
        net.fit(X, Y, epochs=0)
    with pytest.raises(ConfigurationError, match="batch_size must be a positive integer"):
        net.fit(X, Y, batch_size=0)
