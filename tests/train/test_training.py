import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import TrainingDivergedError
from chainrule.train.split import hold_out


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_seed_network_learns_breast_cancer(hidden, breast_cancer_split):
    X_train, X_test, y_train, y_test = breast_cancer_split
    net = cr.Network([30, 16, 1], hidden, "sigmoid", seed=0)
    history = cr.fit(net, X_train.T, y_train, epochs=1000, learning_rate=0.1)
    assert history.cost[-1] < history.cost[0] / 5
    accuracy = (net.predict(X_test.T)[0] == y_test).mean()
    assert accuracy >= 0.95


def test_full_batch_history_is_the_cost_before_each_step(rng):
    net = cr.Network([4, 3, 1], "tanh", seed=0, dtype="float64")
    X, Y = rng.normal(size=(4, 12)), (rng.random((1, 12)) > 0.5).astype(float)
    twin = net.copy()
    history = cr.fit(net, X, Y, epochs=3, learning_rate=0.5)
    for epoch in range(3):
        assert history.cost[epoch] == pytest.approx(twin.cost(X, Y), rel=1e-12)
        for name, grad in twin.gradients(X, Y).items():
            twin.params[name[1:]][...] -= 0.5 * grad
    np.testing.assert_allclose(net.theta, twin.theta, rtol=1e-12)


def test_mini_batch_training_is_seeded(rng):
    X, Y = rng.normal(size=(5, 50)), (rng.random((1, 50)) > 0.5).astype(float)
    runs = [
        cr.fit(cr.Network([5, 4, 1], seed=3), X, Y, epochs=5, batch_size=8).cost for _ in range(2)
    ]
    assert runs[0] == runs[1]
    other = cr.fit(cr.Network([5, 4, 1], seed=4), X, Y, epochs=5, batch_size=8).cost
    assert other != runs[0]


def test_training_does_not_touch_the_callers_data(rng):
    X, Y = rng.normal(size=(5, 30)), (rng.random((1, 30)) > 0.5).astype(np.float32)
    X_before, Y_before = X.copy(), Y.copy()
    cr.fit(cr.Network([5, 4, 1], seed=0), X, Y, epochs=3, batch_size=7)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Y, Y_before)


def test_callback_sees_every_epoch_and_can_stop(rng):
    X, Y = rng.normal(size=(3, 10)), np.ones((1, 10))
    seen = []

    def stop_at_four(net, epoch, history):
        seen.append((epoch, len(history.cost)))
        return epoch == 4

    history = cr.fit(cr.Network([3, 2, 1], seed=0), X, Y, epochs=50, callbacks=[stop_at_four])
    assert seen == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert history.epochs == 4


@pytest.mark.filterwarnings("ignore:chainrule. feature .* far from unit scale")
def test_divergence_stops_with_a_clear_error_and_keeps_finite_parameters(rng):
    X = rng.normal(scale=100, size=(4, 20))
    Y = rng.normal(scale=100, size=(1, 20))
    net = cr.Network([4, 8, 1], "relu", "identity", seed=0)
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch \d+.*lower learning rate"):
        cr.fit(net, X, Y, epochs=200, learning_rate=10.0)
    assert np.isfinite(net.theta).all()


def two_blobs(rng, m=200):
    X = np.hstack([rng.normal(-1, 1, size=(2, m // 2)), rng.normal(1, 1, size=(2, m // 2))])
    Y = np.hstack([np.zeros((1, m // 2)), np.ones((1, m // 2))])
    return X, Y


def test_validation_history_and_early_stopping_restore_the_best(rng):
    X, Y = two_blobs(rng)
    net = cr.Network([2, 16, 1], "relu", seed=0, dtype="float64")
    history = cr.fit(
        net,
        X,
        Y,
        epochs=500,
        optimizer=cr.Adam(0.05),
        batch_size=16,
        validation_fraction=0.25,
        patience=5,
        tol=1e-3,
    )
    assert history.stop_reason == "early_stopping"
    assert history.epochs < 500
    assert len(history.val_cost) == len(history.val_score) == history.epochs
    best = int(np.argmax(history.val_score))
    assert history.best_epoch == best + 1
    # the network ends with the parameters of the best validation epoch
    _, _, _, (X_val, Y_val, _) = hold_out(X, Y, None, 0.25, net.seed)
    assert net.score(X_val, Y_val) == pytest.approx(history.val_score[best])


def test_validation_fraction_split_is_seeded_and_disjoint(rng):
    X, Y = two_blobs(rng, 40)
    net = cr.Network([2, 3, 1], seed=5)
    X_train, _, _, (X_val, _, _) = hold_out(X, Y, None, 0.25, net.seed)
    assert X_train.shape[1] == 30 and X_val.shape[1] == 10
    columns = {tuple(c) for c in X_train.T} | {tuple(c) for c in X_val.T}
    assert len(columns) == 40
    np.testing.assert_array_equal(hold_out(X, Y, None, 0.25, net.seed)[3][0], X_val)


def test_convergence_on_training_cost_without_validation(rng):
    X, Y = two_blobs(rng)
    net = cr.Network([2, 4, 1], "tanh", seed=0)
    history = cr.fit(net, X, Y, epochs=5000, learning_rate=0.5, patience=3, tol=1e-3)
    assert history.stop_reason == "converged" and history.epochs < 5000
    assert not history.val_score


def test_adaptive_schedule_divides_by_five_on_stall(rng):
    X, Y = two_blobs(rng)
    net = cr.Network([2, 4, 1], "tanh", seed=0, dtype="float64")
    history = cr.fit(
        net,
        X,
        Y,
        epochs=400,
        optimizer=cr.SGD(0.5, momentum=0.0),
        schedule="adaptive",
        patience=2,
        tol=1e-2,
    )
    rates = sorted(set(history.learning_rate), reverse=True)
    assert rates[0] == 0.5 and len(rates) > 1
    for higher, lower in zip(rates, rates[1:], strict=False):
        assert lower == pytest.approx(higher / 5)
    assert history.stop_reason == "converged"  # stops once the rate would drop below 1e-6
    assert history.learning_rate[-1] < 1e-5


def test_step_schedule_lowers_the_rate_each_step(rng):
    X, Y = two_blobs(rng, 20)
    history = cr.fit(cr.Network([2, 1], seed=0), X, Y, epochs=6, schedule=cr.StepDecay(2, 0.5))
    assert history.learning_rate == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
