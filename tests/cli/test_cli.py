"""The command line, run as a user runs it: through its entry point, with real files.

Most tests invoke the typer app in this process (typer's test runner captures stdout,
stderr and the exit status as a shell would see them), which spares a Python start per
command; a few run ``python -m chainrule`` in a subprocess to cover the real entry point.
"""

import contextlib
import json
import os
import struct
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("typer")
pytest.importorskip("sklearn")

from typer.testing import CliRunner  # noqa: E402

from chainrule.cli.app import app  # noqa: E402


def run(*args, cwd=None):
    """Run the command in this process; the result looks like a finished subprocess."""
    with contextlib.chdir(cwd) if cwd else contextlib.nullcontext():
        result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def run_process(*args):
    """Run ``python -m chainrule`` in a subprocess, exactly as from a shell."""
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "120"},
    )


def run_json(*args):
    result = run(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def assert_one_line_error(result, message):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.fixture(scope="module")
def moons_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("moons")
    report = run_json(
        "train",
        "--data",
        "two-moons",
        "--hidden",
        "16,16",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--epochs",
        "60",
        "--batch-size",
        "32",
        "--early-stopping",
        "--save",
        folder / "moons.npz",
        "--plot",
        folder / "train.png",
    )
    return folder, report


def test_train_default_reports_accuracy_as_json():
    result = run_process("train", "--epochs", "300", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["data"] == "breast-cancer" and report["layers"] == [30, 16, 1]
    assert report["output_activation"] == "sigmoid" and report["optimizer"] == "gd"
    assert report["epochs"] == 300
    assert report["train_examples"] == 426 and report["test_examples"] == 143
    assert report["test"]["accuracy"] >= 0.9


def test_train_prints_a_report_table():
    result = run("train", "--epochs", "50", "--hidden", "8", "--activation", "tanh")
    assert result.returncode == 0, result.stderr
    assert "30-8-1 (tanh / sigmoid)" in result.stdout and "accuracy" in result.stdout


def test_datasets_lists_the_bundled_data():
    names = run_json("datasets")["datasets"]
    assert {"breast-cancer", "digits", "iris", "wine", "two-moons", "mnist1d"} <= set(names)


@pytest.mark.parametrize("data", ["digits", "iris", "wine", "mnist1d"])
def test_every_bundled_classification_set_trains(data):
    report = run_json(
        "train",
        "--data",
        data,
        "--hidden",
        "32",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--epochs",
        "20",
        "--batch-size",
        "64",
    )
    assert report["output_activation"] == "softmax"
    assert report["test"]["accuracy"] > 0.5


def test_regression_and_its_metrics(tmp_path):
    model = tmp_path / "diabetes.npz"
    report = run_json(
        "train", "--data", "diabetes", "--hidden", "16", "--epochs", "100", "--save", model
    )
    assert report["output_activation"] == "identity" and "r2" in report["test"]
    result = run_json("evaluate", "--model", model)
    assert set(result) >= {"mse", "mae", "r2"} and result["rows"] == "test split"
    assert result["r2"] == pytest.approx(report["test"]["r2"])


def test_saved_model_evaluates_predicts_and_plots(moons_model, tmp_path):
    folder, report = moons_model
    model = folder / "moons.npz"
    assert png_size(folder / "train.png") == (1300, 480)  # curves + decision boundary
    result = run_json("evaluate", "--model", model)
    assert result["accuracy"] == pytest.approx(report["test"]["accuracy"])
    assert np.array(result["confusion_matrix"]).sum() == report["test_examples"]
    assert set(result["per_class"]) == {"0", "1"}
    out = tmp_path / "predictions.csv"
    assert run("predict", "--model", model, "--data", "two-moons", "--output", out).returncode == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "prediction,p(0),p(1)" and len(lines) == 501
    plotted = run_json("plot", "--model", model, "--output", tmp_path / "again.png")
    assert (plotted["width"], plotted["height"]) == png_size(tmp_path / "again.png")


def test_curves_only_plot_for_many_features(tmp_path):
    model = tmp_path / "bc.npz"
    assert run("train", "--epochs", "20", "--save", model).returncode == 0
    result = run_json("plot", "--model", model)
    assert png_size(tmp_path / "bc.png") == (650, 480) == (result["width"], result["height"])


def test_csv_with_named_target_and_string_labels(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    rows = ["a,label,b,c"] + [
        f"{x[0]},{lab},{x[1]},{x[2]}" for x, lab in zip(X, labels, strict=True)
    ]
    data = tmp_path / "data.csv"
    data.write_text("\n".join(rows) + "\n")
    model = tmp_path / "m.npz"
    report = run_json(
        "train", "--data", data, "--target", "label", "--epochs", "200", "--save", model
    )
    assert report["layers"] == [3, 16, 1] and report["test"]["accuracy"] > 0.85
    assert run_json("evaluate", "--model", model, "--data", data)["rows"] == "all rows"
    features_only = tmp_path / "new.csv"
    features_only.write_text("a,b,c\n0.5,0.5,0\n-1,-1,0\n")
    result = run("predict", "--model", model, "--data", features_only)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("yes")
    assert result.stdout.splitlines()[2].startswith("no")


def test_npz_and_idx_files(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    assert run_json("train", "--data", tmp_path / "data.npz", "--epochs", "10")["layers"] == [
        4,
        16,
        3,
    ]
    images = rng.integers(0, 256, size=(60, 4, 4), dtype=np.uint8)
    labels = (images.reshape(60, -1).mean(axis=1) > 127).astype(np.uint8)
    (tmp_path / "t-images-idx3-ubyte").write_bytes(
        struct.pack(">BBBBIII", 0, 0, 8, 3, 60, 4, 4) + images.tobytes()
    )
    (tmp_path / "t-labels-idx1-ubyte").write_bytes(
        struct.pack(">BBBBI", 0, 0, 8, 1, 60) + labels.tobytes()
    )
    report = run_json("train", "--data", tmp_path / "t-images-idx3-ubyte", "--epochs", "10")
    assert report["layers"] == [16, 16, 1] and report["train_examples"] == 45


def test_gradcheck_command():
    result = run_json(
        "gradcheck", "--layers", "6,5,4,3", "--activation", "tanh", "--output", "softmax"
    )
    assert result["passed"] and set(result["relative_errors"]) == {
        "W1",
        "b1",
        "W2",
        "b2",
        "W3",
        "b3",
    }
    assert max(result["relative_errors"].values()) < 1e-7
    table = run("gradcheck")
    assert table.returncode == 0 and "pass" in table.stdout and "FAIL" not in table.stdout


def test_gradcheck_passes_the_relu_networks_that_sit_near_kinks():
    """Before kink handling `gradcheck --examples 100` printed FAIL for W1 and b1."""
    table = run_process("gradcheck", "--examples", "100")
    assert table.returncode == 0, table.stdout + table.stderr
    assert "FAIL" not in table.stdout and "checked 513 of 513 entries (100.0%)" in table.stdout
    result = run_json("gradcheck", "--layers", "30,16,8,1", "--examples", "569")
    assert result["passed"] and result["fraction_checked"] >= 0.9
    assert result["entries_checked"] + result["entries_skipped"] == 641
    assert max(e for e in result["relative_errors"].values() if e is not None) < 1e-7
    assert sum(result["shrunk"].values()) > 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_explain_formats(fmt):
    result = run("explain", "--layers", "30,16,1", "--format", fmt)
    assert result.returncode == 0
    assert "513 parameters" in result.stdout
    expected = {
        "text": "W[1]: (16, 30)",
        "markdown": "W[1]: (16, 30)",
        "latex": r"W^{[1]} \in \mathbb{R}^{16 \times 30}",
    }[fmt]
    assert expected in result.stdout


def test_help_for_every_command():
    for command in ("datasets", "train", "evaluate", "predict", "gradcheck", "explain", "plot"):
        result = run(command, "--help")
        assert result.returncode == 0 and "Usage" in result.stdout, command


def test_a_user_error_from_the_real_entry_point_is_one_line_exit_2(tmp_path):
    assert_one_line_error(run_process("train", "--data", "nope"), "unknown dataset 'nope'")


def bad_csv(tmp_path, text, name="bad.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--data", "nope"], "unknown dataset 'nope'; bundled: breast-cancer"),
        (["train", "--data", "missing.csv"], "missing.csv: no such file"),
        (["train", "--activation", "swish"], "unknown activation 'swish'"),
        (["train", "--hidden", "a,b"], "--hidden must be comma-separated integers"),
        (["train", "--lr", "-1"], "learning_rate must be a finite number > 0"),
        (["train", "--optimizer", "lbfgs"], "unknown optimizer 'lbfgs'"),
        (
            ["train", "--data", "iris", "--output", "sigmoid"],
            "a sigmoid output needs exactly 2 classes",
        ),
        (["train", "--save", "no/such/folder/m.npz"], "the folder no/such/folder does not exist"),
        (["explain", "--format", "html"], "--format must be text, markdown or latex"),
        (["evaluate", "--model", "absent.npz"], "absent.npz: no such model file"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message, tmp_path):
    assert_one_line_error(run(*args, cwd=tmp_path), message)


def test_bad_files_are_named_with_column_and_row(tmp_path):
    text_cell = bad_csv(tmp_path, "a,b,y\n1,2,0\n3,oops,1\n")
    assert_one_line_error(
        run("train", "--data", text_cell), "column 'b', line 3: 'oops' is not a number"
    )
    missing = bad_csv(tmp_path, "a,b,y\n1,,0\n3,4,1\n", "missing.csv")
    assert_one_line_error(run("train", "--data", missing), "column 'b', line 2: missing value")
    ragged = bad_csv(tmp_path, "a,b,y\n1,2,0\n3,4\n", "ragged.csv")
    assert_one_line_error(
        run("train", "--data", ragged), "line 3 has 2 fields but the header has 3"
    )
    no_target = bad_csv(tmp_path, "a,b,y\n1,2,0\n3,4,1\n", "ok.csv")
    assert_one_line_error(
        run("train", "--data", no_target, "--target", "label"),
        "no column named 'label'; the columns are: a, b, y",
    )
    one_class = bad_csv(tmp_path, "a,y\n1,0\n2,0\n3,0\n4,0\n", "one.csv")
    assert_one_line_error(run("train", "--data", one_class), "single class")


def test_model_and_data_mismatches(moons_model, tmp_path):
    folder, _ = moons_model
    not_a_model = tmp_path / "fake.npz"
    not_a_model.write_bytes(b"this is not a model")
    assert_one_line_error(
        run("evaluate", "--model", not_a_model, "--data", "two-moons"),
        "fake.npz: not a chainrule model file",
    )
    assert_one_line_error(
        run("evaluate", "--model", folder / "moons.npz", "--data", "iris"),
        "the model expects 2 features but iris has 4",
    )
    out = tmp_path / "keep.csv"
    out.write_text("precious\n")
    assert_one_line_error(
        run("predict", "--model", folder / "moons.npz", "--data", "iris", "--output", out),
        "expects 2 features",
    )
    assert out.read_text() == "precious\n"  # nothing existing is overwritten on error


# ---------------------------------------------------------------------- learning tools


def test_trace_json_text_and_markdown():
    data = run_json("trace", "--layers", "3,4,2,1", "--examples", "5", "--seed", "0")
    assert [len(layer["W"]) for layer in data["layers"]] == [4, 2, 1]
    assert len(data["layers"][0]["Z"][0]) == 5 and data["learning_rate"] == 0.1
    text = run("trace", "--examples", "3").stdout
    assert "(B2) dW[3] = dZ[3] A[2]ᵀ   shape (1, 2)\n  left backprop, right finite" in text
    assert "| | i=0 | i=1 | i=2 |" in run("trace", "--examples", "3", "--markdown").stdout
    iris = run_json("trace", "--data", "iris", "--output", "softmax", "--examples", "4")
    assert len(iris["X"]) == 4 and len(iris["Y"]) == 3  # 4 features, 3 classes, as columns
    followed = run_json("trace", "--layers", "3,2,1", "--examples", "3", "--weight", "W1[1,0]")
    assert followed["total"] == pytest.approx(followed["numeric"], rel=1e-6)
    text = run("trace", "--layers", "3,2,1", "--examples", "3", "--weight", "W1[1,0]").stdout
    assert "dJ/dW[1]_10 = Σᵢ dZ[1]_1i A[0]_0i" in text
    assert_one_line_error(run("trace", "--weight", "W9[0,0]"), "the network has W[1] to W[3]")


def test_trace_and_graph_values_show_the_same_numbers(tmp_path):
    options = ("--layers", "2,2,1", "--examples", "2", "--seed", "3")
    step = run_json("trace", *options)
    drawn = run_json("graph", *options, "--values")
    notes = {node["name"]: node["note"] for node in drawn["nodes"]}
    W1 = step["layers"][0]["W"]
    assert notes["W[1]"].splitlines()[0] == " ".join(f"{v + 0.0:.3g}" for v in W1[0])
    assert f"J = {step['cost']:.4g}" == notes["J"]


def test_trace_and_explain_a_saved_network(moons_model):
    folder, _ = moons_model
    data = run_json("trace", "--model", folder / "moons.npz", "--examples", "2")
    assert [len(layer["W"]) for layer in data["layers"]] == [16, 16, 1]
    explained = run("explain", "--model", folder / "moons.npz")
    assert explained.returncode == 0 and "2-16-16-1" in explained.stdout
    # the update rule and m of the run that made it: Adam on mini-batches of 32
    assert "mini-batches of m = 32 examples" in explained.stdout
    assert "(adam) mₜ = β₁ mₜ₋₁ + (1 - β₁) dθ" in explained.stdout
    assert "α = 0.01, β₁ = 0.9, β₂ = 0.999" in explained.stdout
    assert "W[1] -= α dW[1]" not in explained.stdout


def test_graph_writes_svg_and_dot(tmp_path):
    out = tmp_path / "graph.svg"
    assert run("graph", "--layers", "3,2,1", "--values", "-o", out).returncode == 0
    assert out.read_text().lstrip().startswith("<?xml") and "Σᵢ · (B3)" in out.read_text()
    png = tmp_path / "graph.png"
    assert run("graph", "--values", "-o", png).returncode == 0 and png_size(png)[0] > 800
    assert_one_line_error(run("graph", "--format", "png"), "--format png needs a file")
    dot = run("graph", "--format", "dot")
    assert dot.returncode == 0 and dot.stdout.startswith("digraph")
    data = run_json("graph", "--layers", "3,2,1")
    assert len(data["nodes"]) == 11 and len(data["edges"]) == 17


def test_bughunt_shows_the_exercise_hints_answers_and_checks_a_fix(tmp_path):
    from chainrule.learn.bughunt import BUGS, TRUE_BACKWARD, backward_source

    listed = run_json("bughunt", "--list")
    assert [b["id"] for b in listed["bugs"]] == list(range(1, len(BUGS) + 1))
    assert "sum" not in run("bughunt", "--list").stdout  # the list gives nothing away
    verdict = run_json("bughunt", "--bug", "4")
    assert verdict["failing"] == ["b1", "b2", "b3"] and verdict["source"] == backward_source(4)
    shown = run("bughunt", "--bug", "4").stdout
    assert "network 4-3-3-1 (tanh, tanh, sigmoid), L2 λ = 0.1, dropout p = 0.25" in shown
    assert "db[l] = dZ[:, :1]" in shown and "b1: backprop | finite differences | ratio" in shown
    assert "sum over examples" not in shown  # the check does not tell why
    assert "B3" in run("bughunt", "--hint", "4").stdout
    assert "sum over examples" in run("bughunt", "--answer", "4").stdout
    assert_one_line_error(run("bughunt", "--bug", "9"), "no bug 9")
    fixed, wrong = tmp_path / "fixed.py", tmp_path / "wrong.py"
    fixed.write_text(TRUE_BACKWARD)
    wrong.write_text(backward_source(4))
    right = run("bughunt", "--check", fixed)
    assert right.returncode == 0 and "your backward pass is right" in right.stdout
    still = run("bughunt", "--check", wrong)
    assert still.returncode == 1 and "3 of 6 parameters still fail" in still.stdout
    assert_one_line_error(run("bughunt", "--check", tmp_path / "none.py"), "no such file")


def test_recorded_dynamics_boundary_frames_and_plots(tmp_path):
    model = tmp_path / "m.npz"
    report = run_json(
        "train", "--data", "two-moons", "--epochs", "12", "--record-every", "4",
        "--hidden", "8", "--save", model,
    )  # fmt: skip
    assert [record["epoch"] for record in report["dynamics"]] == [4, 8, 12]
    assert {"l", "grad_norm", "update_ratio", "dead_fraction"} <= set(
        report["dynamics"][0]["layers"][0]
    )
    dynamics = run_json("plot", "--model", model, "--dynamics", "-o", tmp_path / "d.png")
    assert png_size(tmp_path / "d.png") == (dynamics["width"], dynamics["height"])
    animated = run_json("plot", "--model", model, "--frames", "4")
    from PIL import Image

    with Image.open(animated["gif"]) as gif:
        assert gif.n_frames == 4 and gif.is_animated


def test_plot_data_takes_a_target_column(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    rows = [f"{a:.4f},{b:.4f},{'yes' if a + b > 0 else 'no'}" for a, b in X]
    data = tmp_path / "pts.csv"
    data.write_text(
        "answer_first,u,v\n"
        + "\n".join(f"{r.split(',')[2]},{r.split(',')[0]},{r.split(',')[1]}" for r in rows)
        + "\n"
    )
    model = tmp_path / "pts.npz"
    assert (
        run(
            "train", "--data", data, "--target", "answer_first", "--epochs", "50", "--save", model
        ).returncode
        == 0
    )
    result = run(
        "plot",
        "--model",
        model,
        "--data",
        data,
        "--target",
        "answer_first",
        "-o",
        tmp_path / "p.png",
    )
    assert result.returncode == 0, result.stderr
