"""The table of equations: its formulas instantiate per layer and its shapes are the code's."""

import numpy as np
import pytest

from chainrule.core.equations import EQUATIONS, Formula, cost_equation, equation
from chainrule.core.network import Network
from chainrule.errors import ConfigurationError


def test_labels_are_unique_and_looked_up():
    labels = [e.label for e in EQUATIONS]
    assert len(labels) == len(set(labels))
    assert equation("B2").title == "weight gradient"
    assert cost_equation("softmax").label == "C2"
    with pytest.raises(ConfigurationError, match="no equation 'B9'"):
        equation("B9")


def test_a_formula_for_one_layer_names_that_layer():
    f = equation("B4").parts[0].at(3, 3)
    assert f.text == "dA[2] = W[3]ᵀ dZ[3]"
    assert f.latex == r"dA^{[2]} = W^{[3]T} dZ^{[3]}"
    assert Formula("A[L] = g[L](Z[L])", "").at(1, 4).text == "A[4] = g[4](Z[4])"


def test_the_shapes_are_those_of_the_arrays_the_network_computes():
    sizes = (4, 3, 1)
    net = Network(list(sizes), "tanh", "sigmoid", seed=0, dtype="float64")
    m = 5
    X = np.random.default_rng(1).normal(size=(4, m))
    Y = np.array([[0, 1, 1, 0, 1]], float)
    cache = net.forward_pass(X)
    grads = net.gradients(X, Y)
    arrays = {}
    for l in (1, 2):
        arrays |= {
            f"W[{l}]": net.W[l], f"b[{l}]": net.b[l], f"Z[{l}]": cache.Z[l],
            f"A[{l}]": cache.A[l], f"dW[{l}]": grads[f"dW{l}"], f"db[{l}]": grads[f"db{l}"],
            f"dZ[{l}]": cache.Z[l], f"dA[{l}]": cache.A[l], f"D[{l}]": cache.A[l],
        }  # fmt: skip
    arrays |= {"A[0]": X, "Y": Y}
    checked = 0
    for e in EQUATIONS:
        for part in e.parts:
            for l in (1, 2):
                for name, shape in part.shapes_at(sizes, l).items():
                    base = name.rstrip("ᵀ").replace("ₖ", "")
                    if base not in arrays:
                        continue
                    want = tuple(m if d == "m" else d for d in shape)
                    got = arrays[base].T.shape if name.endswith("ᵀ") else arrays[base].shape
                    assert got == want, (e.label, name, got, want)
                    checked += 1
    assert checked >= 20
