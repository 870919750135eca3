"""A session trains with the core and shows the core's own arrays, checked against oracles."""

import base64

import numpy as np
import pytest

from chainrule.core.network import Network
from chainrule.errors import TrainingDivergedError
from chainrule.learn.bughunt import BUGS, Ground, plant
from chainrule.learn.trace import trace_step
from chainrule.playground.datasets import features, grid
from chainrule.playground.messages import MessageError, settings_from
from chainrule.playground.session import OUTPUT_DENSITY, Session


def session(**given) -> Session:
    return Session(settings_from({"hidden": [3, 3], "activations": ["tanh", "tanh"], **given}))


def batch_of(s: Session) -> tuple[np.ndarray, np.ndarray]:
    return s.X["train"][:, s.batch], s.targets["train"][:, s.batch]


def test_a_step_is_gradient_descent_on_the_network_s_own_gradient():
    s = session(learning_rate=0.3, batch_size=7, l2=0.1)
    s.step()
    before = s.net.copy()
    s.step()
    X, Y = batch_of(s)
    assert X.shape == (2, 7)
    grads = before.gradients(X, Y)
    for l in range(1, before.L + 1):
        np.testing.assert_allclose(s.net.W[l], before.W[l] - 0.3 * grads[f"dW{l}"], rtol=1e-13)
        np.testing.assert_allclose(s.net.b[l], before.b[l] - 0.3 * grads[f"db{l}"], rtol=1e-13)


def test_an_epoch_visits_every_training_example_once():
    s = session(points=100, batch_size=12)
    seen = []
    while s.epoch == 0:
        s.step()
        if s.epoch == 0:
            seen += s.batch.tolist()
    assert sorted(seen) == list(range(50))


def test_the_step_s_matrices_are_the_library_s_trace_of_that_step():
    s = session(batch_size=5)
    s.step()
    shown = s.matrices()
    net = Network([2, 3, 3, 1], "tanh", "sigmoid", dtype="float64")
    for l, layer in enumerate(shown["layers"], start=1):
        net.W[l][...] = layer["W"]
        net.b[l][...] = layer["b"]
    X, Y = np.array(shown["A0"]), np.array(shown["Y"])
    np.testing.assert_array_equal(X, batch_of(s)[0])
    trace = trace_step(net, X, Y, learning_rate=shown["learning_rate"])
    for layer, traced in zip(shown["layers"], trace.layers, strict=True):
        hidden = ["dA", "g_prime"] if layer["l"] < 3 else []
        for key in ["Z", "A", "dZ", "dW", "db", "W_next", "b_next", *hidden]:
            np.testing.assert_allclose(layer[key], getattr(traced, key), rtol=1e-12, atol=1e-15)
        # and dW agrees with finite differences of the cost, an oracle outside backprop
        np.testing.assert_allclose(layer["dW"], traced.dW_numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("l2", "l1"), [(0.0, 0.0), (0.3, 0.2)])
def test_a_weight_s_provenance_adds_up_to_its_gradient(l2, l1):
    s = session(batch_size=6, l2=l2, l1=l1)
    s.step()
    shown = s.matrices()["layers"][1]
    p = s.provenance(2, 1, 2)
    dZ, A_prev = np.array(shown["dZ"]), np.array(s.matrices()["layers"][0]["A"])
    w = shown["W"][1][2]
    np.testing.assert_allclose(p["terms"], dZ[1] * A_prev[2], rtol=1e-14)
    assert p["l2_term"] == pytest.approx(l2 / 6 * w) and p["l1_term"] == pytest.approx(
        l1 / 6 * np.sign(w)
    )
    assert p["sum"] + p["l2_term"] + p["l1_term"] == pytest.approx(shown["dW"][1][2], rel=1e-12)
    assert p["dW"] == shown["dW"][1][2]
    with pytest.raises(MessageError, match="no weight W"):
        s.provenance(2, 3, 0)


def test_nothing_is_shown_of_a_step_before_the_first_one():
    s = session()
    for ask in (s.matrices, s.gradcheck, lambda: s.provenance(1, 0, 0)):
        with pytest.raises(MessageError, match="no step taken yet"):
            ask()


def test_the_gradient_check_passes_the_core_and_fails_each_planted_bug_where_it_breaks():
    s = session(hidden=[3, 3], l2=0.1, dropout=0.25, batch_size=8, seed=2)
    for _ in range(3):
        s.step()
    check = s.gradcheck()["parameters"]
    assert all(r["pass"] for r in check.values()), check
    for bug in BUGS:
        s.plant(bug.id)
        shown = s.gradcheck()["parameters"]
        failing = {name for name, r in shown.items() if not r["pass"]}
        # bughunt's own check of the same batch, masks and parameters fails the same ones
        ground = Ground(s.net.copy(), *batch_of(s), list(s.batch_cache.D))
        assert failing and failing == set(plant(bug.id, ground).failing), bug.id
    s.plant(None)
    assert all(r["pass"] for r in s.gradcheck()["parameters"].values())
    with pytest.raises(MessageError, match="no bug 99"):
        s.plant(99)
    s.configure(settings_from({"l1": 0.01}, s.settings))
    with pytest.raises(MessageError, match="no L1 term"):
        s.plant(1)


def test_a_relu_unit_on_its_kink_is_reported_undecided_not_wrong():
    s = session(hidden=[2], activations=["relu"], batch_size=4)
    s.step()
    x = s.X["train"][:, s.batch[0]]
    s.net.b[1][0, 0] = -float(s.net.W[1][0] @ x)  # Z[1]_1 of example 1 is exactly 0
    check = s.gradcheck()["parameters"]
    assert not check["W1"]["pass"] and check["W1"]["kink"]


def test_the_frame_s_output_map_is_the_network_s_prediction_over_the_plane():
    s = session()
    s.step()
    frame = s.frame()
    shown = np.frombuffer(base64.b64decode(frame["output_map"]), np.uint8) / 255 * 2 - 1
    P = grid(OUTPUT_DENSITY)
    predicted = 2 * s.net.forward(features(P, s.settings.features))[0] - 1
    np.testing.assert_allclose(shown, predicted, atol=1 / 255 + 1e-12)
    assert frame["test_cost"] == pytest.approx(s.net.cost(s.X["test"], s.targets["test"]))
    assert [len(layer) for layer in frame["maps"]] == [3, 3, 1]
    assert [d["dead_fraction"] is None for d in frame["dynamics"]] == [False, False, True]
    dW = s.net.unflatten(s.grads)[0]
    assert frame["dynamics"][0]["grad_norm"] == pytest.approx(np.linalg.norm(dW[1]))
    Z1 = s.net.W[1] @ s.X["train"] + s.net.b[1]
    assert frame["dynamics"][0]["gain"] == pytest.approx((1 - np.tanh(Z1) ** 2).mean())


def test_the_same_settings_give_the_same_run():
    runs = []
    for _ in range(2):
        s = session(dataset="spiral", noise=20, seed=9, optimizer="adam", learning_rate=0.01)
        for _ in range(5):
            s.step()
        runs.append(s.frame())
    assert runs[0]["test_cost"] == runs[1]["test_cost"] and runs[0]["W"] == runs[1]["W"]


def test_live_settings_keep_the_run_and_others_start_it_again():
    s = session()
    s.step()
    assert not s.configure(settings_from({"learning_rate": 0.3, "l2": 0.01}, s.settings))
    assert s.steps == 1 and s.optimizer.learning_rate == 0.3 and s.net.l2 == 0.01
    assert s.configure(settings_from({"hidden": [5]}, s.settings))
    assert s.steps == 0 and s.net.layer_sizes == (2, 5, 1)
    assert s.setup()["equations"]["layer_sizes"] == [2, 5, 1]


def test_a_diverged_step_keeps_the_last_finite_parameters():
    s = session(problem="regression")
    s.step()
    s.net.W[s.net.L][...] = 1e200
    finite = s.net.theta.copy()
    with pytest.raises(TrainingDivergedError, match="diverged"):
        s.step()
    np.testing.assert_array_equal(s.net.theta, finite)
