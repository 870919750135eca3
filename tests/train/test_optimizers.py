"""Each optimiser against torch.optim on the same gradients, and the schedules' formulas."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.train.optimizers import Optimizer, get_optimizer
from chainrule.train.schedules import get_schedule

from conftest import torch_cost, torch_params

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is a test-only oracle; install the CPU build: pip install torch==2.13.0",
)

PAIRS = {
    "gd": (lambda: cr.GradientDescent(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "momentum": (
        lambda: cr.SGD(0.05, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    ),
    "nesterov": (
        lambda: cr.SGD(0.05, momentum=0.8, nesterov=True),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True),
    ),
    "rmsprop": (
        lambda: cr.RMSprop(0.01, rho=0.9, epsilon=1e-8),
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8),
    ),
    "adam": (
        lambda: cr.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-8),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-8),
    ),
    "adamw": (
        lambda: cr.AdamW(0.01, weight_decay=0.1),
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("name", PAIRS)
def test_twenty_steps_match_torch_optim(name, rng):
    ours, theirs = PAIRS[name]
    optimizer = ours()
    theta = rng.normal(size=50)
    param = torch.tensor(theta.copy(), requires_grad=True)
    reference = theirs([param])
    for _ in range(20):
        g = rng.normal(size=50) + 0.3 * theta  # gradients that depend on the parameters
        optimizer.step(theta, g)
        param.grad = torch.tensor(g)
        reference.step()
    np.testing.assert_allclose(theta, param.detach().numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop"])
def test_training_a_network_matches_torch(name, rng):
    """The optimiser inside chainrule's training loop, against torch on the same network."""
    net = cr.Network([6, 5, 1], "tanh", "sigmoid", seed=1, dtype="float64")
    X = rng.normal(size=(6, 30))
    Y = (rng.random((1, 30)) > 0.5).astype(float)
    params = torch_params(net)
    ours = get_optimizer(name, learning_rate=0.02)
    torch_class = {
        "sgd": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "rmsprop": torch.optim.RMSprop,
    }[name]
    extra = {"momentum": 0.9} if name == "sgd" else {"alpha": 0.99} if name == "rmsprop" else {}
    reference = torch_class(params.values(), lr=0.02, **extra)
    for _ in range(20):
        reference.zero_grad()
        torch_cost(params, torch.tensor(X), torch.tensor(Y), "tanh", "sigmoid").backward()
        reference.step()
    cr.fit(net, X, Y, epochs=20, optimizer=ours)
    for key, value in params.items():
        np.testing.assert_allclose(net.params[key], value.detach().numpy(), rtol=1e-6, atol=1e-12)


def test_state_dict_round_trip_continues_identically(rng):
    a = cr.Adam(0.01)
    theta_a = rng.normal(size=10)
    for _ in range(3):
        a.step(theta_a, rng.normal(size=10))
    b = Optimizer.from_state_dict(a.state_dict())
    theta_b = theta_a.copy()
    g = rng.normal(size=10)
    a.step(theta_a, g)
    b.step(theta_b, g)
    np.testing.assert_array_equal(theta_a, theta_b)
    assert b.t == 4


def test_schedules_follow_their_formulas():
    assert get_schedule("constant").rate(0.1, 0.1, 7) == 0.1
    assert get_schedule("step", step_size=3, gamma=0.5).rate(0.1, 0.1, 7) == pytest.approx(0.025)
    assert get_schedule("exponential", gamma=0.9).rate(0.1, 0.1, 2) == pytest.approx(0.081)
    adaptive = get_schedule("adaptive")
    assert adaptive.on_stall(0.1) == pytest.approx(0.02)
    # as scikit-learn's: a stall above min_rate divides (even to below it), one at it stops
    assert adaptive.on_stall(1.6e-6) == pytest.approx(3.2e-7)
    assert adaptive.on_stall(1e-6) is None
    assert get_schedule("constant").on_stall(0.1) is None
