"""The bug hunt: one true backward pass, mutants made from it, each failing the gradient
check in any network, and a learner's own backward function checked from a file."""

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.core.equations import equation
from chainrule.learn.bughunt import (
    BUGS,
    TOLERANCE,
    TRUE_BACKWARD,
    backward_source,
    backward_with,
    check,
    check_file,
    ground_of,
    hunt,
    hunting_ground,
    plant,
)

from conftest import make_targets

NETWORKS = [
    ([4, 3, 3, 1], "tanh", "sigmoid", 0.1, 0.25),
    ([3, 5, 4], "relu", "softmax", 0.0, 0.0),
    ([2, 4, 3, 2], ["sigmoid", "leaky_relu"], "identity", 0.5, 0.0),
    ([5, 2, 1], "sigmoid", "sigmoid", 0.0, 0.3),
]


def ground(sizes, hidden, output, l2, dropout, seed=0):
    rng = np.random.default_rng(seed + 10)
    net = cr.Network(sizes, hidden, output, seed=seed, dtype="float64", l2=l2, dropout=dropout)
    for l in range(1, net.L + 1):
        net.b[l][...] = rng.normal(scale=0.5, size=net.b[l].shape)
    m = 7
    return ground_of(net, rng.normal(size=(sizes[0], m)), make_targets(output, sizes[-1], m, rng))


@pytest.mark.parametrize("spec", NETWORKS)
def test_the_true_backward_pass_is_the_core_s(spec):
    hunting = ground(*spec)
    net = hunting.net
    cache = net.forward_pass(hunting.X, masks=hunting.masks)
    core = net.unflatten(net.batch_gradient(cache, hunting.Y, np.empty_like(net.theta)))
    dW, db = backward_with(None)(*hunting.arguments())
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(dW[l], core[0][l], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(db[l], core[1][l], rtol=1e-12, atol=1e-15)
    assert check(backward_with(None), hunting).failing == []


def test_each_line_of_the_true_pass_carries_its_equation_from_the_table():
    for label in ("B1", "B2", "B3", "B4"):
        assert f"# {label}: {equation(label).parts[0].text}" in TRUE_BACKWARD
    assert f"# B4: {equation('B4').parts[1].text}" in TRUE_BACKWARD


@pytest.mark.parametrize("bug", BUGS, ids=[f"bug{b.id}" for b in BUGS])
def test_each_bug_is_one_changed_line_and_fails_in_every_network(bug):
    assert TRUE_BACKWARD.count(bug.old) == 1
    planted = backward_source(bug.id).splitlines()
    changed = [a for a, b in zip(TRUE_BACKWARD.splitlines(), planted, strict=True) if a != b]
    assert len(changed) == 1 and f"# {bug.equation}:" in changed[0]
    for spec in NETWORKS:
        verdict = plant(bug.id, ground(*spec))
        assert verdict.failing, (bug.id, spec)
        for name in verdict.failing:
            assert verdict.errors[name] > 1e-3


def test_the_ratio_shows_the_pattern_of_the_mistake():
    plain = ground([4, 3, 3, 1], "tanh", "sigmoid", 0.0, 0.0)
    sign = plant(1, plain)
    np.testing.assert_allclose(sign.ratio("W1"), -1, rtol=1e-5)
    m = plain.X.shape[1]
    np.testing.assert_allclose(plant(3, plain).ratio("W2"), m, rtol=1e-5)
    np.testing.assert_allclose(plant(6, plain).ratio("b1"), 1 / m, rtol=1e-5)
    assert plant(6, plain).failing == ["b1", "b2", "b3"]
    scrambled = plant(2, plain)
    assert sorted(scrambled.backprop["W1"].ravel()) == pytest.approx(
        sorted(scrambled.numeric["W1"].ravel()), rel=1e-5
    )  # the same numbers, in other places


def test_a_bug_that_cannot_show_is_refused():
    linear = ground([3, 4, 2], "identity", "softmax", 0.0, 0.0)
    with pytest.raises(cr.ConfigurationError, match="changes no gradient"):
        plant(7, linear)
    with pytest.raises(cr.ConfigurationError, match="at least one hidden layer"):
        plant(1, ground([3, 2], "relu", "softmax", 0.0, 0.0))


def test_the_default_hunt():
    assert hunt().failing == [] and max(hunt().errors.values()) < 1e-9
    assert hunt(4).failing == ["b1", "b2", "b3"]
    assert TOLERANCE < 1e-3
    assert "m = 6 examples" in hunting_ground().describe()


def test_check_file_tells_a_correct_fix_from_a_wrong_one(tmp_path):
    fixed = tmp_path / "fixed.py"
    fixed.write_text("import numpy as np\n\n" + TRUE_BACKWARD)
    assert check_file(fixed).failing == []
    wrong = tmp_path / "wrong.py"
    wrong.write_text(backward_source(5))
    assert check_file(wrong).failing == ["W1", "b1", "W2", "b2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("def forward(W):\n    pass\n", "does not define a function backward(W, Z, A"),
        ("def backward(W, Z):\n    pass\n", "backward takes (W, Z); it must be backward("),
        ("def backward(W, Z, A, D, Y, g, g_prime, lam):\n    return 1 / 0\n",
         "backward raised ZeroDivisionError"),
        ("def backward(W, Z, A, D, Y, g, g_prime, lam):\n    return W, W\n",
         "backward returned db1 of shape (3, 4); it must be (3, 1)"),
        ("def backward(:\n", "the file does not run: SyntaxError"),
    ],
)  # fmt: skip
def test_check_file_names_what_is_wrong_with_the_file(tmp_path, text, message):
    path = tmp_path / "mine.py"
    path.write_text(text)
    with pytest.raises(cr.DataError, match=re.escape(message)):
        check_file(path)


def test_check_file_stops_a_backward_that_never_returns(tmp_path):
    path = tmp_path / "loop.py"
    path.write_text(
        "def backward(W, Z, A, D, Y, g, g_prime, lam):\n    while True:\n        pass\n"
    )
    with pytest.raises(cr.DataError, match="did not finish within 2 s"):
        check_file(path, seconds=2)
    with pytest.raises(cr.DataError, match="no such file"):
        check_file(tmp_path / "absent.py")


@pytest.mark.parametrize("m", [2, 3, 4, 5, 7, 10, 50, 200])
def test_every_mutant_fails_and_the_true_pass_passes_at_every_m_from_2(m):
    assert hunt(None, m=m).failing == []
    for bug in BUGS:
        assert hunt(bug.id, m=m).failing, (bug.id, m)
