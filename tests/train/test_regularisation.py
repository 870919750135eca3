"""L2 and L1 penalties, dropout, sample weights and gradient clipping."""

import numpy as np
import pytest

import chainrule as cr

from conftest import make_targets


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
def test_l2_penalty_is_in_the_cost_and_the_gradient(output, rng):
    net = cr.Network([5, 4, 3], "tanh", output, seed=0, dtype="float64", l2=0.7)
    X, Y = rng.normal(size=(5, 8)), make_targets(output, 3, 8, rng)
    plain = net.copy()
    plain.l2 = 0.0
    penalty = 0.7 / (2 * 8) * sum((W**2).sum() for W in net.W[1:])
    assert net.cost(X, Y) == pytest.approx(plain.cost(X, Y) + penalty, rel=1e-12)
    grads, plain_grads = net.gradients(X, Y), plain.gradients(X, Y)
    np.testing.assert_allclose(grads["dW1"], plain_grads["dW1"] + 0.7 / 8 * net.W[1], rtol=1e-12)
    np.testing.assert_array_equal(grads["db1"], plain_grads["db1"])  # biases not penalised
    assert max(cr.gradcheck(net, X, Y).values()) < 1e-7


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
def test_l1_penalty_is_in_the_cost_and_the_gradient(output, rng):
    net = cr.Network([5, 4, 3], "tanh", output, seed=0, dtype="float64", l1=0.7, l2=0.2)
    X, Y = rng.normal(size=(5, 8)), make_targets(output, 3, 8, rng)
    plain = net.copy()
    plain.l1 = 0.0
    penalty = 0.7 / 8 * sum(np.abs(W).sum() for W in net.W[1:])
    assert net.cost(X, Y) == pytest.approx(plain.cost(X, Y) + penalty, rel=1e-12)
    grads, plain_grads = net.gradients(X, Y), plain.gradients(X, Y)
    np.testing.assert_allclose(
        grads["dW2"], plain_grads["dW2"] + 0.7 / 8 * np.sign(net.W[2]), rtol=1e-12
    )
    np.testing.assert_array_equal(grads["db2"], plain_grads["db2"])  # biases not penalised
    # no weight sits at |w|'s kink, so finite differences are a fair oracle
    assert min(np.abs(W).min() for W in net.W[1:]) > 1e-3
    assert max(cr.gradcheck(net, X, Y).values()) < 1e-7
    assert cr.Network(**net.config()).l1 == 0.7


def test_l1_leaves_a_zero_weight_at_zero(rng):
    net = cr.Network([3, 2, 1], "tanh", "identity", seed=0, dtype="float64", l1=1.0)
    X, Y = rng.normal(size=(3, 5)), rng.normal(size=(1, 5))
    net.W[1][0, 0] = 0.0
    plain = net.copy()
    plain.l1 = 0.0
    assert net.gradients(X, Y)["dW1"][0, 0] == plain.gradients(X, Y)["dW1"][0, 0]


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
def test_sample_weights_are_checked_by_finite_differences(output, rng):
    net = cr.Network([5, 4, 3], "tanh", output, seed=0, dtype="float64", l2=0.3)
    X, Y = rng.normal(size=(5, 8)), make_targets(output, 3, 8, rng)
    w = rng.random(8) * 3
    analytic = net.gradients(X, Y, sample_weight=w)
    eps = 1e-6
    for name in ("W1", "b2"):
        index = (0, 0)
        net.params[name][index] += eps
        up = net.cost(X, Y, sample_weight=w)
        net.params[name][index] -= 2 * eps
        down = net.cost(X, Y, sample_weight=w)
        net.params[name][index] += eps
        assert analytic[f"d{name}"][index] == pytest.approx((up - down) / (2 * eps), rel=1e-6)


def test_integer_weights_equal_repeated_examples(rng):
    net = cr.Network([3, 4, 1], "relu", "identity", seed=0, dtype="float64")
    X, Y = rng.normal(size=(3, 5)), rng.normal(size=(1, 5))
    w = np.array([1, 2, 0, 3, 1])
    repeated = np.repeat(np.arange(5), w)
    assert net.cost(X, Y, sample_weight=w) == pytest.approx(
        net.cost(X[:, repeated], Y[:, repeated])
    )
    weighted, expanded = (
        net.gradients(X, Y, sample_weight=w),
        net.gradients(X[:, repeated], Y[:, repeated]),
    )
    for name in weighted:
        np.testing.assert_allclose(weighted[name], expanded[name], rtol=1e-12, atol=1e-15)


def test_unit_weights_give_the_unweighted_gradient_bit_for_bit(rng):
    net = cr.Network([3, 4, 2], "relu", "softmax", seed=0)
    X, Y = rng.normal(size=(3, 7)), make_targets("softmax", 2, 7, rng)
    for name, grad in net.gradients(X, Y, sample_weight=np.ones(7)).items():
        np.testing.assert_array_equal(grad, net.gradients(X, Y)[name])


def test_dropout_is_seeded_inverted_and_off_at_prediction(rng):
    net = cr.Network([20, 50, 1], "relu", seed=0, dropout=0.4, dtype="float64")
    X = rng.normal(size=(20, 200))
    np.testing.assert_array_equal(net.forward(X), net.forward(X))  # deterministic
    cache = net.forward_pass(X, masks=net.dropout_masks(X.shape[1]))
    mask = cache.D[1]
    assert set(np.unique(mask)) == {0.0, 1 / 0.6}
    assert (mask == 0).mean() == pytest.approx(0.4, abs=0.02)
    assert mask.mean() == pytest.approx(1.0, abs=0.03)  # inverted dropout keeps E[A]
    twin = cr.Network([20, 50, 1], "relu", seed=0, dropout=0.4, dtype="float64")
    np.testing.assert_array_equal(
        twin.forward_pass(X, masks=twin.dropout_masks(X.shape[1])).D[1], mask
    )


def test_dropout_backward_matches_torch_with_the_same_mask(rng):
    torch = pytest.importorskip("torch")
    net = cr.Network([6, 8, 7, 1], "sigmoid", seed=3, dropout=0.5, dtype="float64")
    X, Y = rng.normal(size=(6, 10)), (rng.random((1, 10)) > 0.5).astype(float)
    cache = net.forward_pass(X, masks=net.dropout_masks(X.shape[1]))
    grads = net.batch_gradient(cache, Y, np.empty_like(net.theta))
    dW, db = net.unflatten(grads)
    params = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in net.params.items()}
    A = torch.tensor(X)
    for l in (1, 2):
        A = torch.sigmoid(params[f"W{l}"] @ A + params[f"b{l}"]) * torch.tensor(cache.D[l])
    Z = params["W3"] @ A + params["b3"]
    torch.nn.functional.binary_cross_entropy_with_logits(
        Z, torch.tensor(Y), reduction="mean"
    ).backward()
    for l in (1, 2, 3):
        np.testing.assert_allclose(dW[l], params[f"W{l}"].grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(db[l], params[f"b{l}"].grad.numpy(), rtol=1e-10, atol=1e-14)


def test_gradient_clipping_bounds_every_step(rng):
    X, Y = rng.normal(size=(4, 16)), rng.normal(scale=50, size=(1, 16))
    net = cr.Network([4, 5, 1], "tanh", "identity", seed=0, dtype="float64")
    before = net.theta.copy()
    cr.fit(net, X, Y, epochs=1, learning_rate=1.0, clip_norm=0.5)
    assert np.linalg.norm(net.theta - before) == pytest.approx(0.5, rel=1e-9)
    unclipped = cr.Network([4, 5, 1], "tanh", "identity", seed=0, dtype="float64")
    cr.fit(unclipped, X, Y, epochs=1, learning_rate=1.0)
    assert np.linalg.norm(unclipped.theta - before) > 5
