"""Training gives the right number or a clear error: resume, weights, settings, scale."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr


@pytest.mark.parametrize("data_dtype", ["float32", "float64"])
def test_a_resumed_run_ends_with_the_parameters_of_an_uninterrupted_one(data_dtype, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 64)).astype(data_dtype)
    Y = (X[:1] + X[1:2] > 0).astype(data_dtype)
    options = dict(batch_size=16, shuffle=True)

    straight = cr.Network([5, 8, 1], "tanh", seed=3)
    cr.fit(straight, X, Y, epochs=6, optimizer=cr.Adam(0.01), **options)

    first = cr.Network([5, 8, 1], "tanh", seed=3)
    trainer = cr.Trainer(first, cr.Adam(0.01), checkpoint=tmp_path / "ck.npz", **options)
    trainer.fit(X, Y, 3)
    trainer.save_checkpoint(tmp_path / "ck.npz")
    resumed = cr.Trainer.resume(tmp_path / "ck.npz")
    resumed.fit(X, Y, 3)
    np.testing.assert_array_equal(resumed.net.theta, straight.theta)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weights=st.lists(st.floats(0.1, 3.0), min_size=24, max_size=24),
    zero_batches=st.sets(st.integers(0, 5), min_size=1, max_size=4),
    batch=st.sampled_from([4, 6, 8]),
)
def test_the_epoch_cost_is_the_weighted_cost_even_with_zero_weight_batches(
    weights, zero_batches, batch
):
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(3, 24)), (rng.random((1, 24)) > 0.5).astype(float)
    w = np.array(weights)
    for k in zero_batches:
        w[k * batch : (k + 1) * batch] = 0.0  # whole batches of weight zero
    if not w.any():
        return
    net = cr.Network([3, 4, 1], "tanh", seed=0, dtype="float64")
    expected = net.cost(X, Y, sample_weight=w)
    # a step too small to move float64 parameters: the epoch's batches all see the start
    history = cr.fit(
        net, X, Y, epochs=1, learning_rate=1e-300, batch_size=batch, shuffle=False, sample_weight=w
    )
    assert history.cost[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"schedule": cr.StepDecay}, r"schedule must be .*got the class StepDecay"),
        ({"schedule": 0.5}, r"schedule must be a schedule name .* got 0.5"),
        ({"optimizer": cr.Adam}, r"optimizer must be .*got the class Adam"),
        ({"callbacks": [1]}, r"callbacks must be functions"),
        ({"patience": -1}, r"patience must be a non-negative integer, got -1"),
    ],
)
def test_a_setting_of_the_wrong_type_is_a_chainrule_error_naming_it(settings_, message):
    net = cr.Network([2, 1], seed=0)
    X, Y = np.zeros((2, 4)), np.ones((1, 4))
    with pytest.raises(cr.ConfigurationError, match=message):
        cr.fit(net, X, Y, epochs=1, **settings_)


def test_fit_warns_once_about_features_far_from_unit_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 50))
    X[1] = X[1] * 500 + 2000
    Y = (rng.random((1, 50)) > 0.5).astype(float)
    with pytest.warns(UserWarning, match=r"feature 1 of X has mean .* Standardise X first") as seen:
        cr.fit(cr.Network([3, 2, 1], seed=0), X, Y, epochs=3)
    assert len(seen) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        standardised = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
        cr.fit(cr.Network([3, 2, 1], seed=0), standardised, Y, epochs=3)
