"""PyTorch autograd as an independent oracle for the cost, the gradients and SGD."""

import numpy as np
import pytest

import chainrule as cr

from conftest import make_targets, torch_cost, torch_params

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is a test-only oracle; install the CPU build: pip install torch==2.13.0",
)


def relative(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity", "exp"])
@pytest.mark.parametrize("hidden", ["identity", "leaky_relu", "relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("sizes", [[30, 16], [8, 7, 6, 5]], ids=["seed-2-layer", "4-layer"])
def test_cost_and_gradients_match_autograd(sizes, hidden, output, rng):
    sizes = [*sizes, 3]
    net = cr.Network(sizes, hidden, output, seed=5, dtype="float64")
    X = rng.normal(size=(sizes[0], 25))
    Y = make_targets(output, 3, 25, rng)
    params = torch_params(net)
    J = torch_cost(params, torch.tensor(X), torch.tensor(Y), hidden, output)
    J.backward()
    assert abs(net.cost(X, Y) - J.item()) <= 1e-10 * abs(J.item())
    grads = net.gradients(X, Y)
    for name, value in params.items():
        assert relative(grads[f"d{name}"], value.grad.numpy()) < 1e-10, name


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
@pytest.mark.parametrize("batch_size", [None, 16], ids=["full-batch", "mini-batch"])
def test_fifty_steps_of_gradient_descent_match_torch_sgd(output, batch_size, rng):
    sizes = [10, 8, 6, 3]
    net = cr.Network(sizes, "tanh", output, seed=2, dtype="float64")
    X = rng.normal(size=(10, 40))
    Y = make_targets(output, 3, 40, rng)
    params = torch_params(net)
    sgd = torch.optim.SGD(params.values(), lr=0.3)
    shuffler = net.copy()  # draws the same permutations chainrule will draw
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    epochs = 50 if batch_size is None else 20
    for _ in range(epochs):
        if batch_size is None:
            selections = [slice(None)]
        else:
            order = shuffler.rng.permutation(40)
            selections = [order[s : s + batch_size] for s in range(0, 40, batch_size)]
        for columns in selections:
            sgd.zero_grad()
            torch_cost(params, Xt[:, columns], Yt[:, columns], "tanh", output).backward()
            sgd.step()
    history = cr.fit(net, X, Y, epochs=epochs, learning_rate=0.3, batch_size=batch_size)
    assert history.epochs == epochs
    for name, value in params.items():
        assert relative(net.params[name], value.detach().numpy()) < 1e-8, name
