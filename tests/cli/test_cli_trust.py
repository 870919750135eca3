"""The command line never gives a silently wrong answer: columns, resume, modes, labels.

Each case runs ``python -m chainrule`` in a real subprocess, with the umask set explicitly.
"""

import json
import stat
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("typer")
pytest.importorskip("sklearn")


def run(*args, umask=0o022, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        umask=umask,
        cwd=cwd,
    )


def one_line_error(result, *fragments):
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def write_csv(path, columns, values, target=None):
    header = ",".join([*columns, *([] if target is None else ["label"])])
    rows = [",".join(f"{v:.6g}" for v in row) for row in values]
    if target is not None:
        rows = [f"{row},{t}" for row, t in zip(rows, target, strict=True)]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.fixture(scope="module")
def csv_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("columns")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    label = (X[:, 0] - 2 * X[:, 2] > 0).astype(int) + (X[:, 1] > 1).astype(int)
    data = write_csv(folder / "train.csv", ["a", "b", "c"], X, label)
    model = folder / "model.npz"
    done = run(
        "train", "--data", data, "--epochs", "200", "--hidden", "8", "--save", model,
        "--checkpoint-every", "50", "--plot", folder / "curves.png", umask=0o022,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder, model, X


def predictions(result):
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_columns_are_matched_by_name_not_by_position(csv_model):
    folder, model, X = csv_model
    original = write_csv(folder / "same.csv", ["a", "b", "c"], X)
    reordered = write_csv(folder / "reordered.csv", ["c", "a", "b"], X[:, [2, 0, 1]])
    expected = predictions(run("predict", "--model", model, "--data", original))
    assert predictions(run("predict", "--model", model, "--data", reordered)) == expected
    renamed = write_csv(folder / "renamed.csv", ["a", "b", "d"], X)
    one_line_error(
        run("predict", "--model", model, "--data", renamed),
        "missing columns 'c'",
        "unknown columns 'd'",
    )
    fewer = write_csv(folder / "fewer.csv", ["a", "c"], X[:, [0, 2]], np.zeros(len(X), int))
    one_line_error(run("evaluate", "--model", model, "--data", fewer), "missing columns 'b'")


def test_integer_labels_come_back_as_written(csv_model):
    _, model, X = csv_model
    lines = predictions(run("predict", "--model", model, "--data", csv_model[0] / "train.csv"))
    assert lines[0] == "prediction,p(0),p(1),p(2)"
    assert {line.split(",")[0] for line in lines[1:]} <= {"0", "1", "2"}


def test_resume_refuses_options_that_contradict_the_saved_run(tmp_path):
    saved = tmp_path / "r.npz"
    assert run("train", "--data", "iris", "--epochs", "5", "--save", saved).returncode == 0
    before = saved.read_bytes(), saved.stat().st_mtime_ns
    result = run(
        "train", "--resume", saved, "--data", "iris", "--hidden", "5", "--optimizer", "adam"
    )
    one_line_error(
        result,
        "--hidden 5 (the saved run has 16)",
        "--optimizer adam (the saved run has gd)",
    )
    assert "--data" not in result.stderr  # the same as saved: no contradiction
    assert (saved.read_bytes(), saved.stat().st_mtime_ns) == before
    resumed = run("train", "--resume", saved, "--epochs", "8", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["epochs"] == 8


def test_written_files_get_the_mode_an_ordinary_open_would(csv_model):
    folder, model, _ = csv_model  # trained, checkpointed and plotted under umask 022
    out = folder / "predictions.csv"
    predicted = run("predict", "--model", model, "--data", folder / "train.csv", "-o", out)
    assert predicted.returncode == 0, predicted.stderr
    for path in (model, folder / "curves.png", out):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    # umask 077 and a replaced file's own mode: tests/io/test_atomic.py, in this process


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations([0, 1, 2, 3]), rename=st.sampled_from([None, 0, 1, 2, 3]))
def test_any_column_order_gives_the_same_predictions_and_any_renaming_an_error(order, rename):
    import chainrule as cr
    from chainrule.cli import commands
    from chainrule.io.datasets import Dataset

    names = ["w", "x", "y", "z"]
    rng = np.random.default_rng(2)
    X = rng.normal(size=(12, 4))
    net = cr.Network([4, 3, 1], "tanh", seed=0)
    model = cr.Model(net, cr.model.Classes([0, 1]), None, names)
    reference = model.predict(X)
    shuffled = [names[i] for i in order]
    if rename is not None:
        shuffled[rename] = "v"
    data = Dataset("new.csv", X[:, order], np.array([]), shuffled, "label", named=True)
    if rename is None:
        np.testing.assert_array_equal(model.predict(commands.aligned(model, data).X), reference)
    else:
        with pytest.raises(cr.DataError, match="unknown columns 'v'"):
            commands.aligned(model, data)
