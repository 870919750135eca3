"""A tampered or foreign model-file header is refused by name, or gives a model that round-trips.

Any JSON value put in any field of a real header (or the field taken out) must give a
:class:`chainrule.ModelFileError` from every reader (``cr.load``, ``Trainer.resume``, the
command line's ``--resume`` and ``predict``), or a model that saves and loads back the same:
never a ``TypeError``, ``KeyError`` or ``AttributeError`` from inside.
"""

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr

pytest.importorskip("typer")
pytest.importorskip("sklearn")

from chainrule.cli import commands  # noqa: E402

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
DELETE = object()


def header_of(path):
    with np.load(path, allow_pickle=False) as stored:
        return json.loads(stored["header"].tobytes())


def with_header(source, target, header):
    """``source`` with its ``header.npy`` replaced by ``header``, written to ``target``."""
    encoded = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    member = io.BytesIO()
    np.lib.format.write_array(member, encoded)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = member.getvalue() if info.filename == "header.npy" else old.read(info)
            new.writestr(info.filename, data)


def paths(value, prefix=()):
    """Every field of a header: keys of objects, and the first item of each list."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list) and value:
        found += paths(value[0], (*prefix, 0))
    return found


def tampered(header, path, value):
    header = json.loads(json.dumps(header))
    parent = header
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    else:
        parent[path[-1]] = value
    return header


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("headers")
    run = folder / "run.npz"
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", "train", "--data", "iris", "--hidden", "3",
         "--epochs", "4", "--early-stopping", "--record-every", "2", "--save", str(run)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    estimator = folder / "estimator.npz"
    cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, y).save(estimator)
    network = folder / "network.npz"
    cr.save(cr.Network([4, 3, 1], seed=0), network)
    return {"run": run, "estimator": estimator, "network": network, "X": X}


def predictions(loaded, X):
    if isinstance(loaded, cr.Network):
        return loaded.forward(X.T)
    return loaded.predict(X)


def check_every_reader(path, X, tmp_path):
    try:
        loaded = cr.load(path)
    except cr.ModelFileError:
        loaded = None
    if loaded is not None:
        again = tmp_path / "again.npz"
        (cr.save(loaded, again) if isinstance(loaded, cr.Network) else loaded.save(again))
        np.testing.assert_array_equal(predictions(cr.load(again), X), predictions(loaded, X))
    try:
        cr.Trainer.resume(path)
    except cr.ModelFileError:
        pass
    try:
        trained = commands.read_trained(path)
        commands.prepare_resume(path, {"epochs": 10})
    except cr.ChainruleError:
        return
    trained.model.predict(X)


@pytest.mark.parametrize("kind", ["run", "estimator", "network"])
def test_the_untouched_files_read_back(files, kind, tmp_path):
    check_every_reader(files[kind], files["X"], tmp_path)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_value_in_any_field_is_refused_by_name_or_round_trips(files, tmp_path, data):
    kind = data.draw(st.sampled_from(["run", "estimator", "network"]))
    header = header_of(files[kind])
    path = data.draw(st.sampled_from(paths(header)))
    value = data.draw(st.just(DELETE) | JSON_VALUES)
    target = tmp_path / "tampered.npz"
    with_header(files[kind], target, tampered(header, path, value))
    check_every_reader(target, files["X"], tmp_path)


@pytest.mark.parametrize(
    "path, value, field",
    [
        (("network", "seed"), -1, "network.seed"),
        (("network", "layer_sizes"), "4,3", "network.layer_sizes"),
        (("training", "epochs_done"), -3, "training.epochs_done"),
        (("training", "settings"), [1, 2], "training.settings"),
        (("training", "settings", "colour"), "red", "training.settings.colour"),
        (("metadata", "model", "targets", "classes"), None, "metadata.model.targets.classes"),
        (("metadata", "model", "feature_names"), {"a": 1}, "metadata.model.feature_names"),
    ],
)
def test_a_wrong_field_is_named(files, tmp_path, path, value, field):
    target = tmp_path / "tampered.npz"
    with_header(files["run"], target, tampered(header_of(files["run"]), path, value))
    with pytest.raises(cr.ModelFileError, match=f"header field {field}"):
        cr.load(target)


def test_unknown_or_mistyped_saved_settings_are_refused(files, tmp_path):
    header = header_of(files["run"])
    for change, message in [("colour", "unknown saved settings colour"), ("epochs", "epochs")]:
        broken = tampered(header, ("metadata", "model", "provenance", "cli", "settings", change),
                          "lots")  # fmt: skip
        target = tmp_path / "tampered.npz"
        with_header(files["run"], target, broken)
        with pytest.raises(cr.ModelFileError, match=message):
            commands.read_trained(target)
