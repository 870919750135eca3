"""The command line, run end to end as a user runs it."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("typer")
pytest.importorskip("sklearn")


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *args], capture_output=True, text=True, timeout=120
    )


def test_train_default_reports_accuracy_as_json():
    result = run("train", "--json", "--epochs", "300")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["data"] == "breast-cancer"
    assert report["layers"] == [30, 16, 1]
    assert report["epochs"] == 300
    assert report["train_examples"] == 426 and report["test_examples"] == 143
    assert report["test_accuracy"] >= 0.9


def test_train_prints_a_report_table():
    result = run("train", "--epochs", "50", "--hidden", "8", "--activation", "tanh")
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout
    assert "30-8-1 (tanh / sigmoid)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "nope"], "unknown dataset 'nope'; bundled: breast-cancer"),
        (["--activation", "swish"], "unknown activation 'swish'"),
        (["--hidden", "a,b"], "--hidden must be comma-separated integers"),
        (["--lr", "-1"], "learning_rate must be a finite number > 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message):
    result = run("train", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_train():
    result = run("--help")
    assert result.returncode == 0 and "train" in result.stdout
