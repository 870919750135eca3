"""The message helpers of chainrule.errors."""

import numpy as np

from chainrule.errors import listed, plural, shown


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
    assert shown([np.int64(2), np.float64(0.5)]) == "[2, 0.5]"
    assert shown((np.int64(2),)) == "(2,)"


def test_listed_names_a_few_and_counts_the_rest():
    names = [f"pixel{i}" for i in range(64)]
    assert listed(names) == "pixel0, pixel1, pixel2, pixel3, pixel4 and 59 more"
    assert listed(names, most=2) == "pixel0, pixel1 and 62 more"
    assert listed(["a", "b", "c"]) == "a, b, c"
    # one left over is named, not counted: "and 1 more" is no shorter than the name
    assert listed("abcdef") == "a, b, c, d, e, f"
    assert listed("abcdefg") == "a, b, c, d, e and 2 more"
    assert listed([np.int64(3), "x"], quote=True) == "3, 'x'"
    assert listed([]) == ""
