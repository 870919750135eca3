"""Elementwise work on several threads gives the same bits as on one, and only when large."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.core import threads


@pytest.fixture
def configured():
    before = (threads.settings.threads, threads.settings.min_elements)
    yield threads.configure
    threads.configure(*before)


def train(hidden, optimizer, dropout):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 600))
    Y = np.eye(4)[rng.integers(0, 4, 600)].T
    net = cr.Network([20, 64, 48, 4], hidden, "softmax", seed=0, dropout=dropout)
    cr.fit(net, X, Y, epochs=3, batch_size=200, optimizer=optimizer)
    return net.theta.copy()


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize(
    "make_optimizer",
    [lambda: cr.GradientDescent(0.1), lambda: cr.SGD(0.05, nesterov=True), lambda: cr.Adam(0.01),
     lambda: cr.AdamW(0.01), lambda: cr.RMSprop(0.01)],
    ids=["gd", "sgd", "adam", "adamw", "rmsprop"],
)  # fmt: skip
def test_training_is_bit_identical_on_one_and_on_several_threads(
    hidden, make_optimizer, configured
):
    configured(threads=1)
    one = train(hidden, make_optimizer(), dropout=0.2)
    configured(threads=3, min_elements=64)  # split even these small arrays, in uneven blocks
    calls = []
    original = threads.ThreadPoolExecutor.submit
    threads.ThreadPoolExecutor.submit = lambda self, *a: calls.append(1) or original(self, *a)
    try:
        several = train(hidden, make_optimizer(), dropout=0.2)
    finally:
        threads.ThreadPoolExecutor.submit = original
    assert calls  # the work really went to the pool
    np.testing.assert_array_equal(one, several)


def test_small_arrays_stay_on_the_calling_thread(configured):
    configured(threads=4, min_elements=1 << 21)
    seen = []
    threads.in_row_blocks(
        lambda a, b: seen.append(a.shape), np.zeros((100, 10)), np.ones((100, 10))
    )
    assert seen == [(100, 10)]
    configured(min_elements=10)
    seen.clear()
    threads.in_row_blocks(lambda a, b, c: seen.append((a.shape, b.shape, c)), np.zeros((10, 3)),
                          np.ones((1, 3)), 2.0)  # fmt: skip
    assert sorted(seen) == [((1, 3), (1, 3), 2.0), ((3, 3), (1, 3), 2.0), ((3, 3), (1, 3), 2.0),
                            ((3, 3), (1, 3), 2.0)]  # fmt: skip
