"""The core on the Python array API: the same training on array-api-strict and torch tensors.

array-api-strict refuses anything outside the standard, so a run on it proves the core asks
for nothing else; torch CPU tensors are a real library with its own kernels. Both must give
NumPy's parameters (float32, to 1e-6) after 50 steps, for every activation, output and
optimiser, with dropout, L2 and L1, and keep the parameters in the data's namespace.
"""

import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.core import array_api
from chainrule.core.arrays import NUMPY, namespace_of
from chainrule.errors import ChainruleError, DataError

strict = pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")
torch = pytest.importorskip("torch")

NAMESPACES = {"array_api_strict": strict.asarray, "torch": torch.asarray}
ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
OUTPUTS = ["sigmoid", "softmax", "identity", "exp"]
OPTIMIZERS = {
    "gd": lambda: cr.GradientDescent(0.1),
    "sgd": lambda: cr.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: cr.RMSprop(0.01),
    "adam": lambda: cr.Adam(0.01),
    "adamw": lambda: cr.AdamW(0.01, weight_decay=0.1),
}


def problem(output: str, m: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, m)).astype(np.float32)
    if output == "sigmoid":
        Y = (rng.random((2, m)) > 0.5).astype(np.float32)
    elif output == "softmax":
        Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, m)].T
    elif output == "exp":
        Y = rng.poisson(2.0, (1, m)).astype(np.float32)
    else:
        Y = rng.standard_normal((2, m)).astype(np.float32)
    return X, np.ascontiguousarray(Y)


def train(X, Y, activation, output, optimizer, **settings):
    net = cr.Network(
        [5, 7, 6, Y.shape[0]], activation, output, seed=3, dropout=0.2, l2=0.1, l1=0.01
    )
    history = cr.fit(
        net, X, Y, epochs=10, batch_size=10, optimizer=OPTIMIZERS[optimizer](), **settings
    )  # 48 examples in batches of 10: 5 steps an epoch, 50 steps
    return net, history


def host(x):
    return namespace_of(x).to_numpy(x) if not isinstance(x, np.ndarray) else x


@pytest.mark.parametrize("library", sorted(NAMESPACES))
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_and_output_trains_as_on_numpy(library, activation, output):
    X, Y = problem(output)
    expected, expected_history = train(X, Y, activation, output, "adam")
    convert = NAMESPACES[library]
    net, history = train(convert(X), convert(Y), activation, output, "adam")
    assert namespace_of(net.theta).name == library
    np.testing.assert_allclose(host(net.theta), expected.theta, rtol=0, atol=1e-6)
    np.testing.assert_allclose(history.cost, expected_history.cost, rtol=1e-5)


@pytest.mark.parametrize("library", sorted(NAMESPACES))
def test_batches_in_order_with_a_short_last_one_train_as_on_numpy(library):
    X, Y = problem("sigmoid")  # 48 examples in batches of 10: the last one holds 8
    expected, _ = train(X, Y, "relu", "sigmoid", "sgd", shuffle=False)
    convert = NAMESPACES[library]
    net, _ = train(convert(X), convert(Y), "relu", "sigmoid", "sgd", shuffle=False)
    np.testing.assert_allclose(host(net.theta), expected.theta, rtol=0, atol=1e-6)


@pytest.mark.parametrize("library", sorted(NAMESPACES))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_trains_as_on_numpy(library, optimizer):
    X, Y = problem("softmax")
    settings = {"clip_norm": 0.5, "schedule": "exponential"}
    expected, _ = train(X, Y, ["relu", "tanh"], "softmax", optimizer, **settings)
    convert = NAMESPACES[library]
    net, _ = train(convert(X), convert(Y), ["relu", "tanh"], "softmax", optimizer, **settings)
    np.testing.assert_allclose(host(net.theta), expected.theta, rtol=0, atol=1e-6)


def test_the_parameters_stay_in_the_data_namespace_with_their_views():
    X, Y = problem("sigmoid")
    net, _ = train(torch.asarray(X), torch.asarray(Y), "relu", "sigmoid", "sgd")
    assert isinstance(net.theta, torch.Tensor)
    assert all(isinstance(W, torch.Tensor) for W in net.W[1:])
    net.theta[0] = 42.0  # W[1] is a view of theta, as on NumPy
    assert float(net.W[1][0, 0]) == 42.0
    A = net.forward(torch.asarray(X))
    assert isinstance(A, torch.Tensor) and tuple(A.shape) == (2, X.shape[1])
    assert isinstance(net.predict(torch.asarray(X)), torch.Tensor)
    gradients = net.gradients(torch.asarray(X), torch.asarray(Y))
    assert all(isinstance(g, torch.Tensor) for g in gradients.values())


def test_float64_and_validation_data_follow_the_namespace():
    X, Y = problem("identity")
    nets = []
    for convert in (np.asarray, strict.asarray):
        net = cr.Network([5, 6, 2], "tanh", "identity", seed=0, dtype="float64")
        data = (convert(X.astype(np.float64)), convert(Y.astype(np.float64)))
        history = cr.fit(net, *data, epochs=5, validation_data=data, patience=10)
        nets.append((net, history))
    (a, ha), (b, hb) = nets
    np.testing.assert_allclose(host(b.theta), a.theta, rtol=0, atol=1e-12)
    assert hb.val_score == pytest.approx(ha.val_score, abs=1e-12)
    assert all(isinstance(v, float) for v in hb.cost + hb.val_cost + hb.val_score)


def test_a_mixed_namespace_call_is_a_clear_error():
    X, Y = problem("sigmoid")
    net = cr.Network([5, 4, 2], seed=0)
    with pytest.raises(DataError, match="mix torch arrays on cpu with NumPy arrays"):
        cr.fit(net, torch.asarray(X), Y, epochs=1)
    with pytest.raises(DataError, match="mix array_api_strict arrays .* with torch arrays"):
        cr.fit(net, strict.asarray(X), torch.asarray(Y), epochs=1)
    cr.fit(net, torch.asarray(X), torch.asarray(Y), epochs=1)
    with pytest.raises(DataError, match="parameters are torch arrays on cpu but the data are"):
        net.forward(X)
    net.to(X)  # back on NumPy, on request
    assert isinstance(net.theta, np.ndarray) and net.xp is NUMPY
    assert net.forward(X).shape == (2, X.shape[1])


def test_training_does_not_wait_for_the_device_every_step(monkeypatch):
    """Off NumPy the trainer brings back one number an epoch (the cost), a few at most (the
    finite check), however many steps the epoch takes."""
    X, Y = problem("sigmoid", m=200)
    waits = []
    for name in ("__float__", "__bool__", "item", "cpu", "numpy", "tolist"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, **kwargs):
            waits.append(1)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    net = cr.Network([5, 8, 2], seed=0, dropout=0.1, l2=0.1)
    trainer = cr.Trainer(net, cr.Adam(0.01), batch_size=10, clip_norm=1.0)
    Xt, Yt = torch.asarray(X), torch.asarray(Y)
    trainer.fit(Xt, Yt, epochs=1)  # moves the network; validates the data once
    waits.clear()
    trainer.fit(Xt, Yt, epochs=3)  # 3 epochs of 20 steps
    assert len(waits) <= 3 * 3 + 10, len(waits)


def test_a_step_copies_nothing_from_the_host(monkeypatch):
    """Without dropout, a step creates no array from host data: its numbers (the 1/m of
    dZ[L], relu's 0, the learning rate) go into the kernels as Python numbers, where a 0-d
    array would be a copy to the device, and on CUDA a wait; a shuffled epoch copies its
    order once."""
    X, Y = problem("softmax", m=200)
    net = cr.Network([5, 8, 3], "relu", "softmax", seed=0, l2=0.1)
    trainer = cr.Trainer(net, cr.SGD(0.05, momentum=0.9), batch_size=10, shuffle=False)
    Xt, Yt = torch.asarray(X), torch.asarray(Y)
    trainer.fit(Xt, Yt, epochs=1)
    copies = []
    for name in ("asarray", "tensor", "as_tensor", "from_numpy"):
        original = getattr(torch, name)

        def counted(*args, _original=original, **kwargs):
            if args and not isinstance(args[0], torch.Tensor):  # from host data, not a copy
                copies.append(args[0])  # of a tensor already on the device
            return _original(*args, **kwargs)

        monkeypatch.setattr(torch, name, counted)
    trainer.fit(Xt, Yt, epochs=2)  # 40 steps
    assert copies == []
    shuffled = cr.Trainer(net, cr.SGD(0.05, momentum=0.9), batch_size=10, shuffle=True)
    shuffled.fit(Xt, Yt, epochs=2)
    assert len(copies) == 2  # each epoch's order, once, for all its batches


def test_model_files_are_written_from_host_arrays(tmp_path):
    X, Y = problem("sigmoid")
    net, _ = train(torch.asarray(X), torch.asarray(Y), "relu", "sigmoid", "adam")
    path = tmp_path / "net.npz"
    cr.save(net, path)
    loaded = cr.load(path)
    assert isinstance(loaded.theta, np.ndarray)
    np.testing.assert_array_equal(loaded.theta, host(net.theta))
    np.testing.assert_allclose(loaded.forward(X), host(net.forward(torch.asarray(X))), atol=1e-6)


def test_a_checkpoint_resumes_on_torch_as_on_numpy(tmp_path):
    X, Y = problem("softmax")
    finals = []
    for convert in (np.asarray, torch.asarray):
        net = cr.Network([5, 6, 3], "relu", "softmax", seed=1)
        path = tmp_path / f"run-{len(finals)}.npz"
        trainer = cr.Trainer(net, cr.Adam(0.01), batch_size=16, checkpoint=path)
        trainer.fit(convert(X), convert(Y), epochs=3)
        trainer.save_checkpoint(path)
        resumed = cr.Trainer.resume(path)
        resumed.fit(convert(X), convert(Y), epochs=3)
        finals.append(host(resumed.net.theta))
    np.testing.assert_allclose(finals[1], finals[0], rtol=0, atol=1e-6)


def test_arrays_of_one_library_and_device_share_a_namespace():
    parameter = torch.nn.Parameter(torch.zeros(3))
    assert namespace_of(parameter) is namespace_of(torch.zeros(2))
    net = cr.Network([3, 2], "relu", "identity", seed=0)
    net.to(torch.zeros(1))
    net.forward(torch.nn.Parameter(torch.ones(3, 4), requires_grad=False))  # a subclass too


def test_gradcheck_of_a_torch_network_runs_on_the_host():
    X, Y = problem("sigmoid", m=8)
    net = cr.Network([5, 4, 2], "tanh", seed=0).to(torch.asarray(X))
    result = cr.gradcheck(net, torch.asarray(X), torch.asarray(Y))
    assert max(result.values()) < 1e-7


def test_import_chainrule_loads_numpy_alone():
    code = (
        "import sys, numpy as np, chainrule as cr\n"
        "net = cr.Network([3, 4, 1], seed=0)\n"
        "cr.fit(net, np.ones((3, 5)), np.ones((1, 5)), epochs=2)\n"
        "loaded = [m for m in sys.modules if m.startswith(('array_api', 'torch', 'scipy'))]\n"
        "print(loaded, 'chainrule.core.array_api' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] False"


def test_without_array_api_compat_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setattr(array_api, "array_api_compat", None)
    monkeypatch.setattr(array_api, "_libraries", {})
    with pytest.raises(ChainruleError, match=r"needs the array-api-compat package: pip install"):
        namespace_of(torch.zeros(2))


def test_jax_arrays_are_refused_with_the_reason():
    jnp = pytest.importorskip("jax.numpy")
    with pytest.raises(ChainruleError, match="JAX arrays cannot be updated in place"):
        cr.fit(cr.Network([2, 1], seed=0), jnp.ones((2, 3)), jnp.ones((1, 3)), epochs=1)
