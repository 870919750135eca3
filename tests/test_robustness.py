"""Nothing breaks, nothing is lost: bad input, divergence, interruption and hostile files."""

import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import (
    ChainruleError,
    ConfigurationError,
    DataError,
    ModelFileError,
    TrainingDivergedError,
)
from chainrule.io.modelfile import read_model_file
from chainrule.train.optimizers import get_optimizer

from conftest import interrupt_once_saved

X_OK = np.random.default_rng(0).normal(size=(3, 6))
Y_OK = np.array([[0, 1, 0, 1, 1, 0]], dtype=float)


def with_value(array, index, value):
    changed = np.array(array, dtype=float)
    changed[index] = value
    return changed


BAD_DATA = [
    (
        "NaN in X",
        lambda n: n.cost(with_value(X_OK, (1, 2), np.nan), Y_OK),
        DataError,
        r"X contains a non-finite value \(nan\) at index \(1, 2\)",
    ),
    (
        "inf in X",
        lambda n: n.forward(with_value(X_OK, (0, 0), np.inf)),
        DataError,
        r"non-finite value \(inf\) at index \(0, 0\)",
    ),
    (
        "NaN in Y",
        lambda n: n.cost(X_OK, with_value(Y_OK, (0, 4), np.nan)),
        DataError,
        r"Y contains a non-finite value \(nan\) at index \(0, 4\)",
    ),
    ("empty X", lambda n: n.forward(np.empty((3, 0))), DataError, r"holds no examples"),
    (
        "labels outside {0, 1}",
        lambda n: n.cost(X_OK, Y_OK * 2),
        DataError,
        r"labels 0 or 1 .* found values from 0 to 2",
    ),
    (
        "Y of the wrong shape",
        lambda n: n.cost(X_OK, np.zeros((2, 6))),
        DataError,
        r"Y must have shape \(n\[L\], m\) = \(1, 6\), got \(2, 6\)",
    ),
    (
        "feature count mismatch",
        lambda n: n.forward(np.ones((4, 2))),
        DataError,
        r"X has 4 rows but the network expects n\[0\] = 3",
    ),
    ("1-D X", lambda n: n.forward(np.ones(3)), DataError, r"X must be 2-D"),
    (
        "object array",
        lambda n: n.forward(np.array([[object()]] * 3)),
        DataError,
        r"X must hold numbers, got an array of dtype object",
    ),
    ("strings", lambda n: n.forward(np.array([["1", "2"]] * 3)), DataError, r"must hold numbers"),
    (
        "ragged lists",
        lambda n: n.forward([[1, 2], [3], [4, 5]]),
        DataError,
        r"not a rectangular array of numbers",
    ),
    ("complex numbers", lambda n: n.forward(X_OK + 1j), DataError, r"must hold numbers"),
    (
        "negative learning rate",
        lambda n: cr.fit(n, X_OK, Y_OK, learning_rate=-0.1),
        ConfigurationError,
        r"learning_rate must be a finite number > 0, got -0.1",
    ),
    (
        "batch size 0",
        lambda n: cr.fit(n, X_OK, Y_OK, batch_size=0),
        ConfigurationError,
        r"batch_size must be a positive integer, got 0",
    ),
    (
        "zero epochs",
        lambda n: cr.fit(n, X_OK, Y_OK, epochs=0),
        ConfigurationError,
        r"epochs must be a positive integer",
    ),
    (
        "unknown optimizer",
        lambda n: get_optimizer("adagrad"),
        ConfigurationError,
        r"unknown optimizer 'adagrad'; choose one of: gd, sgd, rmsprop, adam, adamw",
    ),
    (
        "unknown schedule",
        lambda n: cr.fit(n, X_OK, Y_OK, schedule="cosine"),
        ConfigurationError,
        r"choose one of: constant, step, exponential, adaptive",
    ),
    (
        "momentum of 1 or more",
        lambda n: cr.SGD(0.1, momentum=1.5),
        ConfigurationError,
        r"momentum must be in \[0, 1\), got 1.5",
    ),
    (
        "sample weights of the wrong length",
        lambda n: n.cost(X_OK, Y_OK, sample_weight=np.ones(5)),
        DataError,
        r"sample_weight must have shape \(6,\), one weight per example, got \(5,\)",
    ),
    (
        "negative sample weights",
        lambda n: n.cost(X_OK, Y_OK, sample_weight=-np.ones(6)),
        DataError,
        r"sample_weight must be >= 0",
    ),
    (
        "targets that are not one-hot for a softmax",
        lambda n: cr.Network([3, 2], output_activation="softmax").cost(X_OK, np.ones((2, 6))),
        DataError,
        r"must be one-hot columns",
    ),
    (
        "a one-unit softmax",
        lambda n: cr.Network([3, 1], output_activation="softmax").cost(X_OK, Y_OK),
        DataError,
        r"a softmax output needs at least 2 units",
    ),
    (
        "sample weights all zero",
        lambda n: n.cost(X_OK, Y_OK, sample_weight=np.zeros(6)),
        DataError,
        r"at least one positive weight",
    ),
]

BAD_NETWORKS = [
    ("one layer size", lambda: cr.Network([3]), r"at least an input and an output size"),
    ("sizes as a string", lambda: cr.Network("30,1"), r"a list of positive integers"),
    (
        "one activation name too few",
        lambda: cr.Network([2, 3, 3, 1], hidden_activation=["relu"]),
        r"hidden_activation lists 1 name but the network has 2 hidden layers",
    ),
    ("layer size 0", lambda: cr.Network([3, 0, 1]), r"n\[1\] must be a positive integer, got 0"),
    (
        "negative layer size",
        lambda: cr.Network([3, -2, 1]),
        r"n\[1\] must be a positive integer, got -2",
    ),
    (
        "float layer size",
        lambda: cr.Network([3, 2.0, 1]),
        r"n\[1\] must be a positive integer, got 2.0",
    ),
    (
        "bool layer size",
        lambda: cr.Network([3, True, 1]),
        r"n\[1\] must be a positive integer, got True",
    ),
    (
        "unknown activation",
        lambda: cr.Network([3, 1], "gelu"),
        r"unknown activation 'gelu'; choose one of: identity, leaky_relu, relu, sigmoid, tanh",
    ),
    (
        "unknown output",
        lambda: cr.Network([3, 1], output_activation="tanh"),
        r"unknown output activation 'tanh'; choose one of: identity, sigmoid, softmax",
    ),
    ("dropout 1", lambda: cr.Network([3, 2, 1], dropout=1.0), r"dropout must be in \[0, 1\)"),
    ("negative dropout", lambda: cr.Network([3, 2, 1], dropout=-0.1), r"dropout must be a finite"),
    ("negative L2", lambda: cr.Network([3, 1], l2=-1), r"l2 must be a finite number >= 0"),
    ("unknown dtype", lambda: cr.Network([3, 1], dtype="float16"), r"dtype must be one of"),
    ("unknown init", lambda: cr.Network([3, 1], init="orthogonal"), r"unknown initialisation"),
]


@pytest.mark.parametrize(
    ("case", "call", "error", "message"), BAD_DATA, ids=[c[0] for c in BAD_DATA]
)
def test_bad_data_and_settings_raise_named_chainrule_errors(case, call, error, message):
    net = cr.Network([3, 2, 1], seed=0)
    with pytest.raises(error, match=message):
        call(net)


@pytest.mark.parametrize(
    ("case", "call", "message"), BAD_NETWORKS, ids=[c[0] for c in BAD_NETWORKS]
)
def test_bad_networks_raise_configuration_errors(case, call, message):
    with pytest.raises(ConfigurationError, match=message):
        call()


def test_the_hierarchy_is_rooted_at_chainrule_error():
    for error in (ConfigurationError, DataError, ModelFileError, TrainingDivergedError):
        assert issubclass(error, ChainruleError)
    assert issubclass(DataError, ValueError) and issubclass(ModelFileError, OSError)


def test_single_class_for_the_classifier():
    """As scikit-learn's MLP: one class is fitted, and always predicted."""
    pytest.importorskip("sklearn")
    from sklearn.neural_network import MLPClassifier

    X, y = np.random.default_rng(0).random((5, 2)), np.array(["only"] * 5)
    ours = cr.MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    theirs = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    assert ours.classes_.tolist() == ["only"] and ours.predict(X).tolist() == ["only"] * 5
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6)


def test_divergence_names_epoch_and_last_finite_cost_and_keeps_parameters(rng):
    X = rng.normal(scale=30, size=(4, 32))
    Y = rng.normal(scale=30, size=(1, 32))
    net = cr.Network([4, 8, 1], "relu", "identity", seed=0, dtype="float64")
    seen = []
    with pytest.raises(TrainingDivergedError) as error:
        cr.fit(
            net,
            X,
            Y,
            epochs=500,
            learning_rate=5.0,
            callbacks=[lambda n, e, h: seen.append((e, n.theta.copy(), h.cost[-1]))],
        )
    message = str(error.value)
    assert f"diverged at epoch {len(seen) + 1}:" in message
    assert f"last finite cost: {seen[-1][2]:.6g})" in message
    np.testing.assert_array_equal(net.theta, seen[-1][1])  # the last good epoch's parameters
    assert np.isfinite(net.theta).all()


# ---------------------------------------------------------------------- signals


def chainrule_command(*args):
    return [sys.executable, "-m", "chainrule", *map(str, args)]


TRAIN = (
    "train",
    "--data",
    "digits",
    "--hidden",
    "64",
    "--optimizer",
    "adam",
    "--lr",
    "0.001",
    "--batch-size",
    "16",
    "--epochs",
    "60",
    "--dropout",
    "0.1",
    "--early-stopping",
    "--patience",
    "1000",
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_saves_a_checkpoint_that_resumes_exactly(tmp_path):
    pytest.importorskip("typer")
    interrupted, straight = tmp_path / "interrupted.npz", tmp_path / "straight.npz"
    status, err = interrupt_once_saved(
        chainrule_command(*TRAIN, "--save", interrupted, "--checkpoint-every", "1", "--json"),
        interrupted,
    )
    assert status == 130, err
    assert (
        "interrupted (SIGINT) after epoch" in err and "--resume" in err and "Traceback" not in err
    )
    stopped_at = cr.Trainer.resume(interrupted).epochs_done
    assert 1 <= stopped_at < 60

    resumed = subprocess.Popen(
        chainrule_command("train", "--resume", interrupted, "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    subprocess.run(
        chainrule_command(*TRAIN, "--save", straight), check=True, capture_output=True, timeout=300
    )
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    report = json.loads(out)
    assert report["resumed_from_epoch"] == stopped_at and report["epochs"] == 60
    np.testing.assert_array_equal(cr.load(interrupted).net.theta, cr.load(straight).net.theta)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_saves_like_ctrl_c_and_exits_143(tmp_path):
    pytest.importorskip("typer")
    path = tmp_path / "run.npz"
    status, err = interrupt_once_saved(
        chainrule_command(*TRAIN, "--save", path, "--checkpoint-every", "1", "--json"),
        path,
        signals=[signal.SIGTERM],
    )
    assert status == 143, err
    assert "interrupted (SIGTERM) after epoch" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert 1 <= cr.Trainer.resume(path).epochs_done < 60


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_second_ctrl_c_waits_for_the_save_and_is_said(tmp_path):
    pytest.importorskip("typer")
    path = tmp_path / "run.npz"
    status, err = interrupt_once_saved(
        chainrule_command(*TRAIN, "--save", path, "--checkpoint-every", "1", "--json"),
        path,
        signals=[signal.SIGINT, signal.SIGINT, signal.SIGTERM],
    )
    assert status == 130, err
    assert "waited until the save was complete" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    trainer = cr.Trainer.resume(path)  # complete, and it resumes
    assert 1 <= trainer.epochs_done < 60 and len(trainer.history.cost) == trainer.epochs_done
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]  # no temporary file left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_while_reading_the_data_is_one_line_and_writes_nothing(tmp_path):
    pytest.importorskip("typer")
    data = tmp_path / "big.csv"
    rows = np.random.default_rng(0).normal(size=(100_000, 5))
    rows[:, -1] = rows[:, -1] > 0
    np.savetxt(data, rows, delimiter=",", header="a,b,c,d,label", comments="", fmt="%.5f")
    process = subprocess.Popen(
        chainrule_command("train", "--data", data, "--save", tmp_path / "m.npz"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    fds = Path(f"/proc/{process.pid}/fd")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:  # the known point: the process has the data file open
            if any(link.resolve() == data for link in fds.iterdir()):
                break
        except OSError:
            pass
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip() == "chainrule: interrupted (SIGINT); no file was left half-written"
    assert not (tmp_path / "m.npz").exists()


SAVER = """
import sys, numpy as np, chainrule as cr
net = cr.Network([1000, 1000, 10], seed=0)
step = 0
while True:
    step += 1
    net.theta[:] = step
    cr.save(net, sys.argv[1])
    print(step, flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_kill_during_a_save_never_damages_the_model_file(tmp_path):
    path = tmp_path / "model.npz"
    rng = np.random.default_rng(0)
    for _ in range(6):
        process = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE, text=True
        )
        process.stdout.readline()  # at least one save finished
        time.sleep(rng.uniform(0.0, 0.3))  # then die anywhere, often mid-write
        process.send_signal(signal.SIGKILL)
        process.wait()
        net = cr.load(path)  # always a complete model, old or new
        assert np.all(net.theta == net.theta[0]) and net.theta[0] >= 1


# ---------------------------------------------------------------------- hostile files


@pytest.fixture
def saved(tmp_path):
    net = cr.Network([4, 3, 1], seed=0)
    path = tmp_path / "good.npz"
    cr.save(net, path)
    return path


def rewrite(path, members):
    """Write an archive with the given (name, bytes, compression) members."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, compression in members:
            archive.writestr(name, data, compress_type=compression)
    return path


def npy_bytes(array, allow_pickle=False):
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def header_bytes(header):
    return npy_bytes(np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))


def test_zip_bomb_is_refused_before_decompressing(saved, tmp_path):
    import tracemalloc

    header, _ = read_model_file(saved)
    header["network"]["layer_sizes"] = [6000, 6000, 1]
    n_params = 6000 * 6001 + 6001
    header["arrays"]["theta"] = {"shape": [n_params], "dtype": "<f4"}
    bomb = npy_bytes(np.zeros(n_params, dtype=np.float32))  # 144 MB of zeros, ~140 kB deflated
    path = rewrite(
        tmp_path / "bomb.npz",
        [
            ("header.npy", header_bytes(header), zipfile.ZIP_STORED),
            ("theta.npy", bomb, zipfile.ZIP_DEFLATED),
        ],
    )
    del bomb
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    with pytest.raises(ModelFileError, match="decompression bomb"):
        cr.load(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5_000_000


def test_pickle_inside_is_never_executed(saved, tmp_path):
    marker = tmp_path / "executed"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    header, arrays = read_model_file(saved)
    evil = npy_bytes(np.array([Payload()], dtype=object), allow_pickle=True)
    undeclared = rewrite(
        tmp_path / "extra.npz",
        [
            ("header.npy", header_bytes(header), zipfile.ZIP_STORED),
            ("theta.npy", npy_bytes(arrays["theta"]), zipfile.ZIP_STORED),
            ("evil.npy", evil, zipfile.ZIP_STORED),
        ],
    )
    assert "evil" not in read_model_file(undeclared)[1]  # a member the header omits is not read
    for declared in ({"shape": [1], "dtype": "|O"}, {"shape": [19], "dtype": "<f4"}):
        header["arrays"]["theta"] = declared
        path = rewrite(
            tmp_path / "evil.npz",
            [
                ("header.npy", header_bytes(header), zipfile.ZIP_STORED),
                ("theta.npy", evil, zipfile.ZIP_STORED),
            ],
        )
        with pytest.raises(ModelFileError):
            cr.load(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("declared", "stored", "message"),
    [
        ({"shape": [19, 1], "dtype": "<f4"}, np.zeros((19, 1), np.float32), "declares shape"),
        ({"shape": [19], "dtype": "<f8"}, np.zeros(19, np.float64), "parameters are float64"),
        ({"shape": [19], "dtype": "<f4"}, np.zeros((1, 19), np.float32), "is stored as"),
    ],
    ids=["declared shape", "declared dtype", "stored shape"],
)
def test_mismatched_parameter_arrays(saved, tmp_path, declared, stored, message):
    header, _ = read_model_file(saved)
    header["arrays"]["theta"] = declared
    path = rewrite(
        tmp_path / "mismatch.npz",
        [
            ("header.npy", header_bytes(header), zipfile.ZIP_STORED),
            ("theta.npy", npy_bytes(stored), zipfile.ZIP_STORED),
        ],
    )
    with pytest.raises(ModelFileError, match=message):
        cr.load(path)


def test_bad_network_description_in_a_header(saved, tmp_path):
    header, arrays = read_model_file(saved)
    header["network"]["hidden_activation"] = "gelu"
    path = rewrite(
        tmp_path / "gelu.npz",
        [
            ("header.npy", header_bytes(header), zipfile.ZIP_STORED),
            ("theta.npy", npy_bytes(arrays["theta"]), zipfile.ZIP_STORED),
        ],
    )
    with pytest.raises(
        ModelFileError, match="describes an invalid network .*unknown activation 'gelu'"
    ):
        cr.load(path)
