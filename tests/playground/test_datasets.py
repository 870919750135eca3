"""TensorFlow Playground's data sets, by their defining rules, and the input features."""

import numpy as np
import pytest

from chainrule.playground.datasets import (
    CLASSIFICATION,
    FEATURES,
    RADIUS,
    REGRESSION,
    features,
    generate,
    grid,
)


@pytest.mark.parametrize("name", [*CLASSIFICATION, *REGRESSION])
def test_every_data_set_is_seeded_shaped_and_on_the_plane(name):
    P, y = generate(name, 301, 0.2, seed=3)
    assert P.shape == (2, 301) and y.shape == (301,)
    assert np.abs(P).max() <= RADIUS + 1.5  # noise may push a few points past the edge
    again = generate(name, 301, 0.2, seed=3)
    np.testing.assert_array_equal(P, again[0])
    assert not np.array_equal(P, generate(name, 301, 0.2, seed=4)[0])
    if name in CLASSIFICATION:
        assert set(np.unique(y)) == {0.0, 1.0} and abs(y.mean() - 0.5) < 0.1
    else:
        assert np.abs(y).max() <= 1.5


def test_without_noise_each_label_follows_its_data_set_s_rule():
    P, y = generate("circle", 400, 0.0, seed=0)
    np.testing.assert_array_equal(y, np.hypot(*P) < 2.5)
    P, y = generate("xor", 400, 0.0, seed=0)
    np.testing.assert_array_equal(y, P[0] * P[1] >= 0)
    assert np.abs(P).min() >= 0.3  # kept off the axes
    P, y = generate("plane", 400, 0.0, seed=0)
    np.testing.assert_allclose(y, (P[0] + P[1]) / 10)
    P, y = generate("gauss", 400, 0.0, seed=0)
    np.testing.assert_allclose(P[:, y == 1].mean(axis=1), [2, 2], atol=0.2)
    np.testing.assert_allclose(P[:, y == 0].mean(axis=1), [-2, -2], atol=0.2)
    P, y = generate("multigauss", 400, 0.0, seed=0)
    near = np.hypot(P[0] - 4, P[1] + 2.5) < 0.5  # the centre of a -1 bump
    assert near.any() and (y[near] < -0.7).all()


def test_noise_flips_labels_near_the_boundary_and_widens_the_clusters():
    P, y = generate("circle", 2000, 0.3, seed=0)
    flipped = y != (np.hypot(*P) < 2.5)
    assert 0.02 < flipped.mean() < 0.5
    assert (
        generate("gauss", 2000, 0.5, seed=0)[0].std()
        > generate("gauss", 2000, 0.0, seed=0)[0].std()
    )
    P, y = generate("spiral", 400, 0.0, seed=0)
    radius = np.hypot(*P)
    assert radius.max() < 5  # 1.75 turns out to radius 5


def test_the_seven_features_are_tensorflow_playground_s():
    P = np.array([[1.0, -2.0], [0.5, 3.0]])
    A0 = features(P, list(FEATURES))
    x1, x2 = P
    expected = [x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)]
    np.testing.assert_allclose(A0, expected)
    assert features(P, ["x2^2"]).shape == (1, 2)


def test_the_grid_runs_row_by_row_from_the_top_left():
    G = grid(3)
    np.testing.assert_allclose(G[:, 0], [-RADIUS, RADIUS])
    np.testing.assert_allclose(G[:, 2], [RADIUS, RADIUS])
    np.testing.assert_allclose(G[:, -1], [RADIUS, -RADIUS])
