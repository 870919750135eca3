"""The advice to install an extra is a command that works from where chainrule came from."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import chainrule
from chainrule import extras


def run_python(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/"
    )


def test_the_command_installs_the_place_this_chainrule_came_from_with_the_extra():
    command = extras.install_command("cli")
    package = Path(chainrule.__file__).resolve().parent
    if package.parent.name == "src":  # imported from a checkout (pip install -e ., PYTHONPATH)
        root = package.parents[1]
        assert command == f"pip install -e '{root}[cli]'"
    else:  # installed from a folder (as CI does, pip install '.[test]'): pip recorded where
        from importlib import metadata
        from urllib.parse import unquote, urlparse

        recorded = json.loads(metadata.distribution("chainrule").read_text("direct_url.json"))
        root = Path(unquote(urlparse(recorded["url"]).path))
        assert command == f"pip install '{root}[cli]'"
    declared = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert "cli" in declared["optional-dependencies"] and declared["name"] == "chainrule"


class FakeDistribution:
    def __init__(self, recorded):
        self.recorded = recorded

    def read_text(self, name):
        assert name == "direct_url.json"
        return None if self.recorded is None else json.dumps(self.recorded)


@pytest.mark.parametrize(
    ("recorded", "command"),
    [
        (
            {"url": "file:///opt/src/chain%20rule", "dir_info": {}},
            "pip install '/opt/src/chain rule[onnx]'",
        ),
        (
            {"url": "https://example.org/chainrule.git", "vcs_info": {"vcs": "git"}},
            "pip install 'chainrule[onnx] @ git+https://example.org/chainrule.git'",
        ),
        (None, "pip install 'chainrule[onnx]'"),
    ],
)
def test_an_installed_chainrule_is_reinstalled_from_where_pip_took_it(
    monkeypatch, recorded, command
):
    monkeypatch.setattr(extras, "_checkout", lambda: None)
    monkeypatch.setattr(extras.metadata, "distribution", lambda name: FakeDistribution(recorded))
    assert extras.install_command("onnx") == command


def test_the_estimators_without_scikit_learn_name_the_extra():
    result = run_python(
        "import sys; sys.modules['sklearn'] = None\n"
        "import chainrule as cr\n"
        "try:\n    cr.MLPClassifier()\n"
        "except ModuleNotFoundError as exc:\n    print(exc)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "chainrule.MLPClassifier needs the 'sklearn' extra (scikit-learn is not installed); "
        f"install it with: {extras.install_command('sklearn')}"
    )


def test_the_command_line_without_its_extra_says_how_to_install_it():
    result = run_python(
        "import sys; sys.modules['typer'] = None; sys.argv = ['chainrule', 'datasets']\n"
        "from chainrule.__main__ import main\nmain()\n"
    )
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "typer is not installed" in lines[0]
    assert lines[0].endswith(extras.install_command("cli"))


def run_blocked(blocked, *args):
    """``chainrule ARGS`` from the real entry point, with the modules ``blocked`` missing."""
    return run_python(
        f"import sys\nfor name in {list(blocked)!r}:\n    sys.modules[name] = None\n"
        f"sys.argv = ['chainrule', *{list(map(str, args))!r}]\n"
        "from chainrule.__main__ import main\nmain()\n"
    )


@pytest.mark.parametrize(
    ("blocked", "args", "what", "extra", "missing"),
    [
        (["sklearn"], ["train"], "the command line", "cli", "scikit-learn"),
        (["matplotlib"], ["datasets"], "the command line", "cli", "matplotlib"),
        (["mnist1d"], ["train", "--data", "mnist1d"], "the mnist1d data set", "cli", "mnist1d"),
        (["uvicorn"], ["playground", "--no-browser"], "the playground", "playground", "uvicorn"),
    ],
)
def test_every_command_that_needs_an_extra_says_so_in_one_line(blocked, args, what, extra, missing):
    pytest.importorskip("typer")
    result = run_blocked(blocked, *args)
    assert result.returncode == 2 and result.stdout == "", result
    # one line, with the extra's brackets kept (the terminal's markup must not eat "[cli]")
    assert result.stderr.strip() == (
        f"error: {what} needs the '{extra}' extra ({missing} is not installed); install it "
        f"with: {extras.install_command(extra)}"
    ), result.stderr
    assert f"[{extra}]" in result.stderr


def test_export_without_onnx_names_the_extra_in_one_line(tmp_path):
    pytest.importorskip("typer")
    import chainrule as cr

    model = tmp_path / "net.npz"
    cr.save(cr.Network([2, 3, 1], seed=0), model)
    result = run_blocked(["onnx"], "export", "--model", model, "--output", tmp_path / "n.onnx")
    assert result.returncode == 2, result
    assert result.stderr.strip() == (
        "error: ONNX export needs the 'onnx' extra (onnx is not installed); install it with: "
        f"{extras.install_command('onnx')}"
    )
