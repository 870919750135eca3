"""What a new user meets first on the command line (issue 21), each through a real
``python -m chainrule`` process: per-layer activations for ``train``, the progress bar on a
terminal, counted nouns in messages, the regressor's units, and ``--early-stopping`` with the
defaults on the bundled data sets."""

import json
import os
import pty
import select
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

import chainrule as cr  # noqa: E402


def run_process(*args):
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )


def run_json(*args):
    result = run_process(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_train_takes_one_activation_per_hidden_layer(tmp_path):
    model = tmp_path / "model.npz"
    report = run_json("train", "--hidden", "8,4", "--activation", "relu,tanh", "--epochs", 3,
                      "--save", model)  # fmt: skip
    assert report["layers"][1:3] == [8, 4]
    assert cr.load(model).net.hidden_activation == ["relu", "tanh"]


def test_train_refuses_an_activation_count_unlike_the_hidden_layers_in_one_line():
    result = run_process("train", "--hidden", "8", "--activation", "relu,tanh", "--epochs", 3)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    # plain counts with their nouns in the singular and the plural
    assert "--activation lists 2 activations but --hidden has 1 hidden layer:" in lines[0]


def test_a_numpy_count_in_a_message_is_a_plain_number():
    result = subprocess.run(
        [sys.executable, "-c",
         "import numpy as np, chainrule as cr\n"
         "try:\n    cr.Trainer(cr.Network([2, 1]), batch_size=np.int64(-1))\n"
         "except cr.ConfigurationError as e:\n    print(e)"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.strip() == "batch_size must be a positive integer, got -1", result


def on_terminal(*args, stream="stderr"):
    """Run the command with ``stream`` (stderr or stdout) on a pseudo-terminal, as in a shell,
    and the other piped: ``(status, what the terminal showed, the piped stream)``."""
    leader, follower = pty.openpty()
    piped = "stdout" if stream == "stderr" else "stderr"
    process = subprocess.Popen(
        [sys.executable, "-m", "chainrule", *map(str, args)],
        **{stream: follower, piped: subprocess.PIPE},
        env={**os.environ, "COLUMNS": "200", "TERM": "xterm"},
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    other = process.communicate(timeout=60)[0 if piped == "stdout" else 1]
    os.close(leader)
    return process.returncode, seen.decode("utf-8", "replace"), other.decode()


def terminal_stderr(*args):
    code, shown, _ = on_terminal(*args)
    return code, shown


def test_the_progress_bar_starts_with_a_cost_and_labels_its_times():
    code, shown = terminal_stderr("train", "--data", "digits", "--epochs", 400)
    assert code == 0, shown
    assert "epoch" in shown and "cost" in shown, shown
    assert "nan" not in shown, shown
    assert "elapsed" in shown and "left" in shown, shown


def test_a_regressor_report_says_its_cost_is_standardised_and_names_the_metric():
    report = run_json("train", "--data", "diabetes", "--epochs", 5)
    assert report["cost"] == "half the mean squared error, on standardised targets"
    table = run_process("train", "--data", "diabetes", "--epochs", 5)
    assert table.returncode == 0, table.stderr
    assert "on standardised targets" in table.stdout
    assert "MSE" in table.stdout and "in the target's units" in table.stdout
    classifier = run_json("train", "--data", "iris", "--epochs", 5)
    assert classifier["cost"] == "mean categorical cross-entropy"


def score(report):
    return report["test"]["accuracy" if "accuracy" in report["test"] else "r2"]


@pytest.mark.parametrize("data", ["iris", "breast-cancer", "wine", "diabetes", "two-moons"])
def test_early_stopping_with_the_defaults_is_about_as_good_as_training_on(data):
    # the oracle: the same network trained for all the default epochs, no rows held out
    full = run_json("train", "--data", data)
    early = run_json("train", "--data", data, "--early-stopping")
    assert early["epochs"] > 20, early
    assert score(early) >= score(full) - 0.05, (early, full)
    # and sensible in itself: a linear model reaches R² 0.36 on diabetes' test split
    assert score(early) >= (0.33 if data == "diabetes" else 0.93), early


@pytest.mark.parametrize(
    "args, what, advice",
    [
        (("graph",), "the graph (svg) is 45 KB, 962 lines: an image, not text", "-o FILE.svg"),
        (("trace", "--examples", 2000, "--json"), "the JSON result is 1.1 MB", "> FILE.json"),
        (("trace", "--examples", 64, "--layers", "64,64,64,1"), "the trace is 1.1 MB", "> FILE"),
        (("predict", "--data", "digits"), "the CSV of 1797 predictions is", "-o FILE.csv"),
    ],
)
def test_a_flood_on_a_terminal_is_refused_in_one_line_and_a_pipe_takes_it(
    args, what, advice, tmp_path
):
    if args[0] == "predict":
        model = tmp_path / "digits.npz"
        run_json("train", "--data", "digits", "--epochs", 2, "--save", model)
        args = (*args, "--model", model)
    code, shown, stderr = on_terminal(*args, stream="stdout")
    assert code == 2 and shown == "", (shown, stderr)
    line = stderr.strip()
    assert "\n" not in line and line.startswith("error: "), line
    assert what in line and advice in line and "pipe it to another program" in line, line
    piped = run_process(*args)
    assert piped.returncode == 0, piped.stderr
    assert len(piped.stdout) > 40_000 and piped.stderr == ""


def test_what_fits_a_terminal_is_still_printed_there():
    code, shown, stderr = on_terminal("trace", stream="stdout")
    assert code == 0 and stderr == "", stderr
    assert "dW" in shown and len(shown) > 1000
    code, shown, _ = on_terminal("graph", "--format", "dot", stream="stdout")
    assert code == 0 and shown.lstrip().startswith("digraph"), shown[:200]


def test_an_error_about_64_columns_names_a_few_and_counts_the_rest(tmp_path):
    names = [f"pixel{i}" for i in range(64)]
    rng = np.random.default_rng(0)
    rows = [",".join([*names, "label"])]
    rows += [",".join([*(f"{v:.3f}" for v in rng.normal(size=64)), str(i % 2)]) for i in range(40)]
    train_csv = tmp_path / "train.csv"
    train_csv.write_text("\n".join(rows) + "\n")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("\n".join([rows[0].replace("pixel", "px"), *rows[1:]]) + "\n")
    model = tmp_path / "model.npz"
    run_json("train", "--data", train_csv, "--target", "label", "--epochs", 2, "--save", model)

    wrong = run_process("evaluate", "--model", model, "--data", renamed, "--target", "label")
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1, wrong.stderr
    assert "missing columns 'pixel0', 'pixel1', 'pixel2', 'pixel3', 'pixel4' and 59 more" in (
        wrong.stderr
    )
    assert "unknown columns 'px0', 'px1', 'px2', 'px3', 'px4' and 59 more" in wrong.stderr
    assert "trained on the 64 columns 'pixel0'" in wrong.stderr
    assert len(wrong.stderr) < 400, wrong.stderr

    target = run_process("train", "--data", train_csv, "--target", "labels", "--epochs", 2)
    assert target.returncode == 2, target.stderr
    assert "no column named 'labels' (did you mean 'label'?); the columns are: pixel0, " in (
        target.stderr
    )
    assert "pixel4 and 60 more" in target.stderr and len(target.stderr) < 300, target.stderr


@pytest.mark.parametrize(
    "data, metric, cost",
    [
        ("diabetes", "validation R²", "half the mean squared error, on standardised targets"),
        ("iris", "validation accuracy", "mean categorical cross-entropy"),
    ],
)
def test_the_curves_name_the_metric_the_cost_and_the_stop(data, metric, cost, tmp_path):
    rc = tmp_path / "matplotlibrc"
    rc.write_text("svg.fonttype: none\n")  # the figure's words as SVG text, to read them
    curves, model = tmp_path / "curves.svg", tmp_path / "model.npz"
    env = {**os.environ, "MATPLOTLIBRC": str(rc), "COLUMNS": "200"}
    trained = subprocess.run(
        [sys.executable, "-m", "chainrule", "train", "--data", data, "--early-stopping",
         "--save", model, "--plot", curves],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "(stopped early: the validation cost stopped falling)" in trained.stdout
    for_the_run = "training curves (stopped early: the validation cost stopped falling)"
    drawn = curves.read_text()
    assert metric in drawn and "validation score" not in drawn
    assert cost in drawn and for_the_run in drawn
    replotted = tmp_path / "again.svg"
    again = subprocess.run(
        [sys.executable, "-m", "chainrule", "plot", "--model", model, "-o", replotted],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    redrawn = replotted.read_text()  # from the saved file: the same words
    assert metric in redrawn and cost in redrawn and for_the_run in redrawn
    report = run_json("train", "--data", data, "--early-stopping")
    assert report["stop_reason"] == "early_stopping" and report["monitor"] == "cost"
    assert "monitor" not in run_json("train", "--data", data, "--epochs", 3)


def test_train_help_says_every_default():
    from chainrule.cli.settings import FIELDS

    shown = subprocess.run(
        [sys.executable, "-m", "chainrule", "train", "--help"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "500"},
    ).stdout  # fmt: skip
    lines = {line.split()[1]: line for line in shown.splitlines() if line.startswith("│ --")}
    for name, field in FIELDS.items():
        option = field.metadata["option"] or "--" + name.replace("_", "-")
        line = next(text for spelling, text in lines.items() if spelling.startswith(option))
        assert "[default: " in line, line  # as typed: not eaten as rich markup
    assert "[default: 1000]" in lines["--epochs"] and "[default: 16]" in lines["--hidden"]
    assert "[default: 0]" in lines["--checkpoint-every"]


def test_a_run_that_overfits_is_told_to_try_early_stopping():
    plain = run_process("train", "--data", "diabetes", "--json")
    assert plain.returncode == 0, plain.stderr
    assert "is far below the training R²" in plain.stderr
    assert plain.stderr.strip().endswith("try --early-stopping"), plain.stderr
    assert len(plain.stderr.strip().splitlines()) == 1
    early = run_process("train", "--data", "diabetes", "--json", "--early-stopping")
    fits = run_process("train", "--data", "iris", "--json")
    assert early.stderr == "" and fits.stderr == "", (early.stderr, fits.stderr)


def test_messages_count_in_the_singular_and_show_numpy_values_as_plain_numbers(tmp_path):
    single = tmp_path / "single.csv"
    single.write_text("a,b,y\n" + "".join(f"{i},{i + 1},1\n" for i in range(8)))
    one_class = run_process("train", "--data", single, "--epochs", 2)
    assert one_class.returncode == 2
    assert "the target has a single class (1); a classifier needs at least 2" in one_class.stderr
    assert "np." not in one_class.stderr, one_class.stderr
    short = tmp_path / "short.csv"
    short.write_text("a,b,y\n1,2,0\n3\n")
    ragged = run_process("train", "--data", short, "--epochs", 2)
    assert ragged.returncode == 2
    assert "line 3 has 1 field but the header has 3" in ragged.stderr, ragged.stderr
    model, rows = tmp_path / "model.npz", tmp_path / "one.csv"
    run_json("train", "--data", "iris", "--epochs", 2, "--save", model)
    names = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    rows.write_text(",".join(f'"{n}"' for n in [*names, "target"]) + "\n5.1,3.5,1.4,0.2,0\n")
    wrote = run_process("predict", "--model", model, "--data", rows, "-o", tmp_path / "p.csv")
    assert wrote.returncode == 0, wrote.stderr
    assert f"wrote 1 prediction to {tmp_path / 'p.csv'}" in wrote.stderr
