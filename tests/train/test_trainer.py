"""A trainer is configured once, in its constructor, and its checkpoints hold any run's length."""

import json
import zipfile

import numpy as np
import pytest

import chainrule as cr
from chainrule.io.modelfile import MAX_HEADER_BYTES, FileExtras, read_model_file, save_network
from chainrule.train.checkpoint import TrainingState
from chainrule.train.history import History


@pytest.fixture
def net():
    return cr.Network([3, 4, 1], seed=0, dtype="float64")


@pytest.mark.parametrize(
    "setting, value, message",
    [
        ("batch_size", 0, "batch_size"),
        ("batch_size", "most", "batch_size"),
        ("callbacks", [1], "callbacks must be functions"),
        ("checkpoint_every", -1, "checkpoint_every"),
        ("checkpoint_every", 5, "checkpoint_every needs a checkpoint path"),
        ("checkpoint_extras", {"kind": "model"}, "checkpoint_extras"),
        ("strategy", "mpi", "strategy"),
        ("schedule", cr.StepDecay, "schedule"),
        ("clip_norm", -1.0, "clip_norm"),
        ("patience", -2, "patience"),
        ("tol", -1e-4, "tol"),
    ],
)
def test_every_argument_is_checked_at_construction(net, setting, value, message):
    with pytest.raises(cr.ConfigurationError, match=message):
        cr.Trainer(net, **{setting: value})


@pytest.mark.parametrize(
    "attribute",
    ["batch_size", "callbacks", "checkpoint", "checkpoint_every", "checkpoint_extras", "strategy"],
)
def test_the_configuration_cannot_be_changed_afterwards(net, attribute):
    trainer = cr.Trainer(net)
    with pytest.raises(AttributeError):
        setattr(trainer, attribute, None)


def test_auto_batch_size_is_resolved_for_each_fit_from_its_data(net):
    trainer = cr.Trainer(net, batch_size="auto")
    assert trainer.batch_size == "auto"
    assert trainer.batch_for(50) == 50 and trainer.batch_for(1000) == 200


def test_a_trainer_continues_a_state_through_one_function(net, rng):
    X, Y = rng.normal(size=(3, 40)), (rng.random((1, 40)) > 0.5).astype(float)
    straight = cr.Trainer(net.copy(), cr.SGD(0.05, momentum=0.9))
    straight.fit(X, Y, 6)
    first = cr.Trainer(net, cr.SGD(0.05, momentum=0.9))
    first.fit(X, Y, 3)
    state = first.state
    continued = cr.Trainer.from_state(net, first.optimizer, state)
    continued.fit(X, Y, 3)
    np.testing.assert_array_equal(net.theta, straight.net.theta)
    assert continued.epochs_done == 6 and continued.history.cost == straight.history.cost
    with pytest.raises(cr.ConfigurationError, match="state"):
        cr.Trainer.from_state(net, None, {"epochs_done": 3})


def test_fit_refuses_a_learning_rate_beside_an_optimizer_with_its_own(net, rng):
    X, Y = rng.normal(size=(3, 10)), np.ones((1, 10))
    with pytest.raises(cr.ConfigurationError, match="learning_rate or an optimizer, not both"):
        cr.fit(net, X, Y, epochs=1, learning_rate=0.5, optimizer=cr.Adam(0.01))
    assert cr.fit(net, X, Y, epochs=1, learning_rate=0.5).learning_rate == [0.5]


def test_resume_accepts_only_the_settings_that_may_change(net, rng, tmp_path):
    trainer = cr.Trainer(net, checkpoint=tmp_path / "run.npz")
    trainer.fit(rng.normal(size=(3, 8)), np.ones((1, 8)), 2)
    trainer.save_checkpoint(tmp_path / "run.npz")
    with pytest.raises(cr.ConfigurationError, match="not batch_size"):
        cr.Trainer.resume(tmp_path / "run.npz", batch_size=4)


def long_history(epochs, layers):
    history = History(
        cost=list(np.linspace(1, 0, epochs)),
        val_cost=list(np.linspace(2, 1, epochs)),
        val_score=list(np.linspace(0, 1, epochs)),
        learning_rate=[0.1] * epochs,
        best_epoch=epochs,
    )
    history.dynamics = [
        {
            "epoch": e,
            "layers": [
                {"l": l, "grad_norm": 0.5, "update_ratio": float("nan") if e == 1 else 1e-3,
                 "dead_fraction": None if l == layers else 0.25}
                for l in range(1, layers + 1)
            ],
        }
        for e in range(1, epochs + 1)
    ]  # fmt: skip
    return history


def test_a_checkpoint_of_a_long_run_reads_back_with_a_small_header(tmp_path):
    # 10^5 epochs, the learning dynamics recorded at every one of them (the largest record a
    # run can make: --record-every 1) for six layers
    net = cr.Network([2, 3, 3, 3, 3, 3, 1], seed=0)
    trainer = cr.Trainer(net, checkpoint=tmp_path / "long.npz")
    history = long_history(100_000, net.L)
    trainer.state.history = history
    trainer.state.epochs_done = 100_000
    trainer.save_checkpoint(tmp_path / "long.npz")
    with zipfile.ZipFile(tmp_path / "long.npz") as archive:
        assert archive.getinfo("header.npy").file_size < 16_384
    resumed = cr.Trainer.resume(tmp_path / "long.npz")
    assert resumed.epochs_done == 100_000
    assert resumed.history.cost == history.cost and resumed.history.val_score == history.val_score
    assert resumed.history.best_epoch == 100_000
    assert resumed.history.dynamics[0]["layers"][-1]["dead_fraction"] is None
    assert np.isnan(resumed.history.dynamics[0]["layers"][0]["update_ratio"])
    assert resumed.history.dynamics[-1] == history.dynamics[-1]


def test_a_save_the_reader_would_refuse_is_refused_and_the_old_file_kept(tmp_path, net):
    path = tmp_path / "m.npz"
    cr.save(net, path)
    before = path.read_bytes()
    huge = FileExtras("network", {"notes": "x" * MAX_HEADER_BYTES})
    with pytest.raises(cr.ModelFileError, match="header would take"):
        save_network(net, path, metadata=huge.metadata)
    assert path.read_bytes() == before
    with np.load(path) as stored:
        assert json.loads(stored["header"].tobytes())["kind"] == "network"


def test_the_state_of_a_fresh_trainer_is_empty(net):
    state = cr.Trainer(net).state
    assert isinstance(state, TrainingState) and state.epochs_done == 0 and not state.history.cost


def monitored_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 60))
    Y = (X[0:1] + X[1:2] > 0).astype(float)
    return X, Y


def test_monitor_cost_stops_where_the_validation_cost_stops_falling():
    X, Y = monitored_problem()
    validation = (X[:, :20], Y[:, :20])
    net = cr.Network([2, 4, 1], output_activation="sigmoid", seed=0)
    trainer = cr.Trainer(net, patience=3, monitor="cost", restore_best=False)
    history = trainer.fit(X[:, 20:], Y[:, 20:], 2000, validation=validation)
    val_cost = np.asarray(history.val_cost)
    # the best epoch is the one of the lowest validation cost, and training stopped once the
    # cost had gone more than 3 epochs without falling by tol below it
    assert history.best_epoch == int(np.argmax(-val_cost)) + 1
    assert history.stop_reason == "early_stopping"
    assert not (val_cost[-4:] < val_cost[history.best_epoch - 1] - 1e-4).any()


def test_monitor_is_saved_with_the_checkpoint_and_checked(tmp_path):
    X, Y = monitored_problem()
    net = cr.Network([2, 4, 1], output_activation="sigmoid", seed=0)
    trainer = cr.Trainer(net, patience=3, monitor="cost")
    trainer.fit(X, Y, 2)
    trainer.save_checkpoint(tmp_path / "run.npz")
    path = tmp_path / "run.npz"
    header, arrays = read_model_file(path)
    assert header["training"]["settings"]["monitor"] == "cost"
    assert cr.Trainer.from_model_file(path, header, arrays).monitor == "cost"
    with pytest.raises(cr.ConfigurationError, match="monitor must be one of score, cost"):
        cr.Trainer(net, monitor="accuracy")
