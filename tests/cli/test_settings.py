"""The settings of ``chainrule train``: one name per concept, old spellings kept one release."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("typer")

from chainrule.cli.settings import TrainSettings, settings_from_file, settings_to_file  # noqa: E402
from chainrule.errors import ConfigurationError  # noqa: E402


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_file_form_of_the_settings_reads_back_typed_and_old_spellings_too():
    settings = TrainSettings(hidden=[8, 4], learning_rate=0.05, l2=0.01, early_stopping=True)
    assert settings_from_file(json.loads(json.dumps(settings_to_file(settings)))) == settings
    old = {**settings_to_file(settings), "lr": 0.05, "alpha": 0.01}
    del old["learning_rate"], old["l2"]
    assert settings_from_file(old) == settings
    with pytest.raises(ConfigurationError, match="unknown saved settings colour"):
        settings_from_file({"colour": "red"})


def test_l2_and_learning_rate_have_one_name_and_alpha_still_works_with_a_note():
    new = run("train", "--epochs", "3", "--l2", "0.01", "--learning-rate", "0.2", "--json")
    short = run("train", "--epochs", "3", "--l2", "0.01", "--lr", "0.2", "--json")
    old = run("train", "--epochs", "3", "--alpha", "0.01", "--lr", "0.2", "--json")
    for result in (new, short, old):
        assert result.returncode == 0, result.stderr
    assert json.loads(old.stdout)["final_cost"] == json.loads(new.stdout)["final_cost"]
    assert json.loads(short.stdout)["final_cost"] == json.loads(new.stdout)["final_cost"]
    assert "--alpha is deprecated" in old.stderr and "--l2 0.01" in old.stderr
    assert new.stderr == ""
    both = run("train", "--epochs", "3", "--l2", "0.01", "--alpha", "0.01")
    assert both.returncode == 2 and "give --l2 or --alpha, not both" in both.stderr
