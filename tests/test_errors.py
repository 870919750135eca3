"""The message helpers of chainrule.errors."""

import numpy as np

from chainrule.errors import plural, shown


def test_plural_counts_in_the_singular_and_the_plural():
    assert plural(1, "unit") == "1 unit"
    assert plural(0, "unit") == "0 units"
    assert plural(np.int64(2), "hidden layer") == "2 hidden layers"
    assert plural(np.int64(1), "class", "classes") == "1 class"
    assert plural(3, "class", "classes") == "3 classes"


def test_shown_quotes_numpy_scalars_as_plain_values():
    assert shown(np.int64(1)) == "1"
    assert shown(np.float32(0.5)) == "0.5"
    assert shown("relu") == "'relu'"
    assert shown([1, 2]) == "[1, 2]"
