"""The teaching commands' networks and data: every class present, biases as built, data of
its own random numbers."""

import numpy as np
import pytest

from chainrule.cli import teach
from chainrule.io.datasets import load_data


@pytest.mark.parametrize(("data", "output", "k"), [("iris", "softmax", 3),
                                                   ("breast-cancer", "sigmoid", 2),
                                                   ("digits", "softmax", 10)])  # fmt: skip
def test_the_default_examples_of_a_data_set_contain_every_class(data, output, k):
    net, X, Y = teach.trace_problem(None, "relu", output, None, 0, data, None, "float64")
    assert X.shape[1] == max(5, k)
    labels = Y.argmax(axis=0) if output == "softmax" else Y[0]
    assert len(np.unique(labels)) == k
    rows = load_data(data, seed=0)
    assert net.layer_sizes[0] == rows.X.shape[1]


def test_every_class_first_takes_classes_in_turn_in_file_order():
    y = np.array([0, 0, 0, 1, 1, 2, 0, 2])
    assert teach.every_class_first(y, 4).tolist() == [0, 1, 3, 5]
    assert teach.every_class_first(y, 2).tolist() == [0, 3]
    assert teach.every_class_first(y, 99).tolist() == list(range(8))


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
def test_random_data_has_every_class_zero_biases_and_its_own_random_numbers(output):
    layers = "3,4,3" if output == "softmax" else "3,4,1"
    net, X, Y = teach.trace_problem(layers, "relu", output, 6, 0, None, None, "float64")
    assert all(not b.any() for b in net.b[1:])  # a new network's biases are zero
    if output != "identity":
        labels = Y.argmax(axis=0) if output == "softmax" else Y[0]
        assert len(np.unique(labels)) == (3 if output == "softmax" else 2)
    # the weights come from the generator of the seed; the data must not repeat its numbers
    weights = np.random.default_rng(0).normal(size=50)
    assert not np.isin(np.round(X.ravel(), 12), np.round(weights, 12)).any()
