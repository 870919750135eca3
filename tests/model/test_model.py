"""The model users predict with: one object from ``chainrule train``, the estimators and ONNX.

A model trained by the command line, loaded with ``cr.load``, predicts on raw rows exactly
what ``chainrule predict`` writes; an estimator's file does the same; the files of the
previous format version (``tests/data/format1``, written by the release before) still load,
predict and resume.
"""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.model import Classes, Outputs, Standardizer, Values

FORMAT1 = Path(__file__).parent.parent / "data" / "format1"


def chainrule(*args):
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def read_predictions(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    pytest.importorskip("typer")
    folder = tmp_path_factory.mktemp("model")
    rng = np.random.default_rng(3)
    X = rng.normal(loc=[5, -2, 100], scale=[1, 3, 20], size=(120, 3))
    label = np.where(X[:, 0] - 5 + (X[:, 1] + 2) / 3 > 0, "yes", "no")
    data = write_csv(
        folder / "d.csv", ["a", "b", "c", "label"], [[*x, t] for x, t in zip(X, label, strict=True)]
    )
    model = folder / "m.npz"
    done = chainrule("train", "--data", data, "--epochs", "60", "--hidden", "5", "--save", model)
    assert done.returncode == 0, done.stderr
    return folder, data, model, X


def test_a_file_from_chainrule_train_predicts_in_python_what_the_command_writes(csv_run):
    folder, data, model, X = csv_run
    printed = chainrule("predict", "--model", model, "--data", data)
    assert printed.returncode == 0, printed.stderr
    header, rows = read_predictions(printed.stdout)
    assert header == ["prediction", "p(no)", "p(yes)"]

    loaded = cr.load(model)
    assert isinstance(loaded, cr.Model) and loaded.kind == "classifier"
    assert loaded.feature_names == ["a", "b", "c"] and loaded.scaler is not None
    predicted, probabilities = loaded.predict(X), loaded.predict_proba(X)
    assert [row[0] for row in rows] == predicted.tolist()
    assert [row[1:] for row in rows] == [[f"{p:.6f}" for p in row] for row in probabilities]
    # the standardisation is the model's: raw rows in, the training transform applied once
    mean, scale = loaded.scaler.mean, loaded.scaler.scale
    A = loaded.net.forward(((X - mean) / scale).T).T
    np.testing.assert_allclose(probabilities[:, 1], A[:, 0], rtol=1e-6)
    assert loaded.score(X, np.loadtxt(data, delimiter=",", skiprows=1, usecols=3, dtype=str)) > 0.8


def test_columns_named_in_another_order_are_put_back_and_unknown_ones_refused(csv_run):
    _, _, model, X = csv_run
    loaded = cr.load(model)
    reordered = loaded.aligned(X[:, [2, 0, 1]], names=["c", "a", "b"])
    np.testing.assert_array_equal(loaded.predict(reordered), loaded.predict(X))
    with pytest.raises(cr.DataError, match="missing columns 'c' and unknown columns 'z'"):
        loaded.aligned(X, names=["a", "b", "z"])
    with pytest.raises(cr.DataError, match="expects 3 features but the data has 2"):
        loaded.predict(X[:, :2])


def test_an_estimator_file_predicts_through_the_same_model(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("typer")
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = cr.MLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0).fit(X, y)
    clf.save(tmp_path / "clf.npz")
    data = write_csv(
        tmp_path / "iris.csv",
        ["a", "b", "c", "d", "y"],
        [[*x, t] for x, t in zip(X, y, strict=True)],
    )
    printed = chainrule("predict", "--model", tmp_path / "clf.npz", "--data", data)
    assert printed.returncode == 0, printed.stderr
    header, rows = read_predictions(printed.stdout)
    assert header == ["prediction", "p(0)", "p(1)", "p(2)"]
    assert [int(row[0]) for row in rows] == clf.predict(X).tolist()
    np.testing.assert_allclose(
        [[float(p) for p in row[1:]] for row in rows], clf.predict_proba(X), atol=5e-7
    )
    assert isinstance(clf.model_, cr.Model) and clf.model_.kind == "classifier"
    np.testing.assert_array_equal(clf.model_.predict(X), clf.predict(X))


@pytest.mark.parametrize(
    "targets, output, y",
    [
        (Classes(["a", "b"]), "sigmoid", np.array(["a", "b", "b", "a"])),
        (Classes([1, 2, 3]), "softmax", np.array([3, 1, 2, 2])),
        (Classes([0, 1, 2], multilabel=True), "sigmoid", np.array([[1, 0, 1], [0, 0, 0],
                                                                   [1, 1, 1], [0, 1, 0]])),
        (Values([10.0, -1.0], [2.0, 0.5], ndim=2), "identity", np.array([[9, -1], [12, -2.0],
                                                                         [10, 0], [7, -1]])),
    ],
)  # fmt: skip
def test_each_codec_encodes_what_it_decodes(targets, output, y):
    n_out = targets.n_outputs(output)
    net = cr.Network([2, n_out], "identity", output, seed=0, dtype="float64")
    model = cr.Model(net, targets)
    Y = model.encode(y)
    assert Y.shape == (n_out, len(y))
    # outputs equal to the encoded targets decode to the targets themselves
    decoded = targets.decode(np.clip(Y.T, 0.01, 0.99) if output != "identity" else Y.T, output)
    np.testing.assert_array_equal(decoded, y)
    assert type(cr.model.codec_from_json(json.loads(json.dumps(targets.to_json())))) is type(
        targets
    )


def test_a_bare_network_predicts_by_its_own_rule():
    net = cr.Network([3, 4, 1], seed=0)
    X = np.random.default_rng(0).normal(size=(7, 3))
    model = cr.Model(net)
    assert isinstance(model.targets, Outputs) and model.kind == "network"
    np.testing.assert_array_equal(model.predict(X), net.predict(X.T)[0])
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], net.forward(X.T)[0])


def test_a_model_refuses_parts_that_do_not_fit():
    net = cr.Network([3, 2], "relu", "softmax", seed=0)
    with pytest.raises(cr.DataError, match="the targets need 3 output units; the network has 2"):
        cr.Model(net, Classes([0, 1, 2]))
    with pytest.raises(cr.DataError, match="standardisation is for 2 features, not 3"):
        cr.Model(net, Classes([0, 1], softmax=True), Standardizer(np.zeros(2), np.ones(2)))
    with pytest.raises(cr.DataError, match="2 feature names for 3 features"):
        cr.Model(net, None, None, ["a", "b"])
    regressor = cr.Model(cr.Network([3, 1], "relu", "identity", seed=0), Values())
    with pytest.raises(cr.DataError, match="no class probabilities"):
        regressor.predict_proba(np.zeros((2, 3)))


def test_a_model_round_trips_through_its_file(tmp_path):
    net = cr.Network([3, 4, 3], "tanh", "softmax", seed=1, dtype="float64")
    scaler = Standardizer(np.array([1.0, 2.0, 3.0]), np.array([2.0, 1.0, 0.5]))
    model = cr.Model(net, Classes(["x", "y", "z"]), scaler, ["p", "q", "r"], {"note": [1, 2]})
    model.save(tmp_path / "m.npz")
    loaded = cr.load(tmp_path / "m.npz")
    X = np.random.default_rng(0).normal(size=(9, 3))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.feature_names == ["p", "q", "r"] and loaded.provenance == {"note": [1, 2]}


# ---------------------------------------------------------------------- format version 1


@pytest.mark.parametrize("name, data", [("iris-train", "iris"), ("diabetes-train", "diabetes")])
def test_a_command_line_file_of_format_1_loads_and_predicts_what_its_release_wrote(name, data):
    pytest.importorskip("typer")
    loaded = cr.load(FORMAT1 / f"{name}.npz")
    assert isinstance(loaded, cr.Model)
    printed = chainrule("predict", "--model", FORMAT1 / f"{name}.npz", "--data", data)
    assert printed.returncode == 0, printed.stderr
    ours = printed.stdout.splitlines()
    theirs = (FORMAT1 / f"{name}-predictions.csv").read_text().splitlines()
    assert ours[0] == theirs[0] and len(ours) == len(theirs)
    if data == "iris":  # labels: exactly those the release printed
        assert ours == theirs
    else:  # values printed to 6 digits: another BLAS kernel may move the last one
        np.testing.assert_allclose(
            np.array(ours[1:], dtype=float), np.array(theirs[1:], dtype=float), rtol=1e-5
        )


def test_a_checkpoint_of_format_1_resumes_as_its_release_resumed_it(tmp_path):
    pytest.importorskip("typer")
    path = tmp_path / "iris.npz"
    shutil.copy(FORMAT1 / "iris-train.npz", path)  # saved with --lr 0.01 --alpha 0.001
    done = chainrule("train", "--resume", path, "--epochs", "40", "--l2", "0.001", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["resumed_from_epoch"] == 30
    expected = np.load(FORMAT1 / "iris-train-resumed-to-40-theta.npy")
    # bit for bit on the BLAS kernel the release ran on; float32 rounding of another kernel
    np.testing.assert_allclose(cr.load(path).net.theta, expected, rtol=0, atol=1e-5)
    trainer = cr.Trainer.resume(path)  # the new file is of the current format
    assert trainer.epochs_done == 40 and len(trainer.history.cost) == 40


def test_estimator_and_network_files_of_format_1_load():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris

    X, _ = load_iris(return_X_y=True)
    clf = cr.load(FORMAT1 / "iris-classifier.npz")
    np.testing.assert_allclose(
        clf.predict_proba(X), np.load(FORMAT1 / "iris-classifier-proba.npy"), rtol=1e-12
    )
    reg = cr.load(FORMAT1 / "iris-regressor.npz")
    np.testing.assert_allclose(
        reg.predict(X[:, :3]), np.load(FORMAT1 / "iris-regressor-predict.npy"), rtol=1e-12
    )
    assert isinstance(cr.load(FORMAT1 / "network.npz"), cr.Network)
