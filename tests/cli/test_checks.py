"""The checks every command makes before any work, run as a user runs them: ``python -m
chainrule`` in a real subprocess, on real files, each file compared byte for byte after."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("typer")
pytest.importorskip("sklearn")


def run(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
    )


def one_line_error(result, *fragments):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


LABELS = ('"a, b"', "c")  # the first holds a comma, so the CSV quotes it
CSV = "x1,x2,label\n" + "".join(
    f"{i % 7 / 3:.3f},{(i * 5) % 11 / 4:.3f},{LABELS[i % 2]}\n" for i in range(40)
)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A CSV whose labels hold a comma, and a model trained on it."""
    folder = tmp_path_factory.mktemp("checks")
    (folder / "d.csv").write_text(CSV)
    trained = run("train", "--data", folder / "d.csv", "--epochs", "3", "--save", folder / "M.npz")
    assert trained.returncode == 0, trained.stderr
    return folder


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("train", "--data", "{d}/d.csv", "--epochs", "1", "--save", "{d}/d.csv"),
         "--save {d}/d.csv would overwrite --data {d}/d.csv"),
        (("train", "--data", "{d}/d.csv", "--epochs", "1", "--save", "{d}/new.npz",
          "--plot", "{d}/new.npz"), "--plot {d}/new.npz and --save {d}/new.npz are the same file"),
        (("train", "--data", "{d}/d.csv", "--epochs", "1", "--plot", "{d}/d.csv"),
         "--plot {d}/d.csv would overwrite --data"),
        (("train", "--resume", "{d}/M.npz", "--epochs", "5", "--save", "{d}/d.csv"),
         "--save {d}/d.csv would overwrite --data {d}/d.csv"),
        (("train", "--resume", "{d}/M.npz", "--epochs", "5", "--plot", "{d}/M.npz"),
         "--plot {d}/M.npz and --resume {d}/M.npz are the same file"),
        (("predict", "--model", "{d}/M.npz", "--data", "{d}/d.csv", "-o", "{d}/d.csv"),
         "--output {d}/d.csv would overwrite --data"),
        (("predict", "--model", "{d}/M.npz", "--data", "{d}/d.csv", "-o", "{d}/M.npz"),
         "--output {d}/M.npz would overwrite --model"),
        (("predict", "--model", "{d}/M.npz", "--data", "{d}/d.csv", "-o", "{d}/link.csv"),
         "--output {d}/link.csv would overwrite --data"),
        (("plot", "--model", "{d}/M.npz", "-o", "{d}/M.npz"), "would overwrite --model"),
        (("export", "--model", "{d}/M.npz", "-o", "{d}/M.npz"), "would overwrite --model"),
        (("graph", "--model", "{d}/M.npz", "-o", "{d}/M.npz"), "would overwrite --model"),
        (("graph", "--model", "{d}/M.npz", "-o", "{d}/../{dn}/M.npz"), "would overwrite --model"),
    ],
)  # fmt: skip
def test_an_output_that_is_an_input_or_another_output_is_refused_before_any_work(
    files, args, message
):
    link = files / "link.csv"
    if not link.exists():
        os.link(files / "d.csv", link)  # another name for the same file: os.path.samefile
    before = snapshot(files)
    fill = {"d": files, "dn": files.name}
    one_line_error(run(*(a.format(**fill) for a in args)), message.format(**fill))
    assert snapshot(files) == before


def test_help_says_which_options_write_files():
    for command, options in {
        "train": ("--save", "--plot"),
        "predict": ("--output",),
        "plot": ("--output",),
        "export": ("--output",),
        "graph": ("--output",),
    }.items():
        text = run(command, "--help").stdout
        assert text.count("writes a file") >= len(options), (command, text)
        assert "Writes" in text, command
    for command in ("gradcheck", "explain", "trace"):  # they write no file
        text = run(command, "--help").stdout
        assert "writes a file" not in text and "--output-activation" in text, command


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--dtype", "banana"), "--dtype must be float32 or float64, got 'banana'"),
        (("--dtype", "int32"), "--dtype must be float32 or float64, got 'int32'"),
        (("--seed", "-1"), "--seed must be an integer from 0 to 4294967295, got -1"),
        (("--seed", str(2**40)), "--seed must be an integer from 0 to 4294967295"),
        (("--checkpoint-every", "5"), "--checkpoint-every saves to the --save file"),
        (
            ("--hidden", "16,,8"),
            "--hidden must be comma-separated integers like 64,32, got '16,,8'",
        ),
        (("--hidden", "100000000"), "would need"),
        (("--plot", "curves.txt"), "--plot curves.txt: matplotlib cannot write .txt files"),
    ],
)
def test_a_wrong_train_option_is_one_line_naming_it(tmp_path, args, message):
    save = () if "--checkpoint-every" in args else ("--save", "m.npz")
    one_line_error(run("train", "--epochs", "1", *save, *args, cwd=tmp_path), message)
    assert list(tmp_path.iterdir()) == []  # refused before training: nothing written


@pytest.mark.parametrize(
    "args",
    [
        ("gradcheck", "--examples", str(10**10)),
        ("gradcheck", "--layers", "100000,100000,1"),
        ("trace", "--examples", str(10**10)),
        ("trace", "--layers", "3,1000000000000,1"),
    ],
)
def test_absurd_sizes_say_how_much_memory_they_would_need(args):
    one_line_error(run(*args), "would need", "of memory; this machine has")


def test_seeds_and_dtypes_of_the_teaching_commands_are_checked_too():
    for command in ("gradcheck", "trace", "graph"):
        one_line_error(run(command, "--seed", "-3"), "--seed must be an integer from 0")
    one_line_error(run("trace", "--dtype", "int32"), "--dtype must be float32 or float64")


def test_plot_writes_the_format_its_suffix_names(files, tmp_path):
    jpg, svg = tmp_path / "curves.jpg", tmp_path / "curves.svg"
    result = run("plot", "--model", files / "M.npz", "-o", jpg, "--json")
    assert result.returncode == 0, result.stderr
    assert jpg.read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG, not PNG bytes under a .jpg name
    assert json.loads(result.stdout)["jpg"] == str(jpg)
    assert run("plot", "--model", files / "M.npz", "-o", svg).returncode == 0
    assert b"<svg" in svg.read_bytes()[:400]
    one_line_error(
        run("plot", "--model", files / "M.npz", "-o", tmp_path / "curves.txt"),
        "matplotlib cannot write .txt files; use one of",
    )
    one_line_error(
        run("plot", "--model", files / "M.npz", "--frames", "3", "-o", tmp_path / "a.png"),
        "--frames writes an animated GIF; name it .gif",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.jpg", "curves.svg"]


def test_graph_chooses_its_output_activation_and_writes_only_files_named_by_output(tmp_path):
    result = run(
        "graph", "--layers", "3,4,3", "--output-activation", "softmax", "--format", "dot",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "softmax" in result.stdout and list(tmp_path.iterdir()) == []
    written = run("graph", "--layers", "3,4,1", "-o", "g.svg", cwd=tmp_path)
    assert written.returncode == 0 and (tmp_path / "g.svg").read_text().startswith("<")


@pytest.mark.parametrize("command", ["gradcheck", "explain", "trace"])
def test_the_output_activation_has_one_name_and_the_old_spelling_still_works(command):
    new = run(command, "--layers", "4,3,3", "--output-activation", "softmax", "--json")
    old = run(command, "--layers", "4,3,3", "--output", "softmax", "--json")
    assert new.returncode == old.returncode == 0, (new.stderr, old.stderr)
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert "softmax" in new.stdout


def test_the_two_spellings_of_the_output_activation_may_not_disagree():
    one_line_error(
        run("gradcheck", "--output", "softmax", "--output-activation", "identity"),
        "--output softmax and --output-activation identity disagree",
    )


def test_train_takes_output_activation_and_its_old_spelling(tmp_path):
    for spelling in ("--output-activation", "--output"):
        result = run("train", "--data", "iris", "--epochs", "1", spelling, "sigmoid", cwd=tmp_path)
        one_line_error(result, "a sigmoid output needs exactly 2 classes")
        assert "use --output-activation softmax" in result.stderr


def test_predictions_quote_a_label_that_holds_a_comma(files, tmp_path):
    out = tmp_path / "p.csv"
    result = run("predict", "--model", files / "M.npz", "--data", files / "d.csv", "-o", out)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["prediction", "p(a, b)", "p(c)"]
    assert len(rows) == 41 and all(len(row) == 3 for row in rows)
    assert {row[0] for row in rows[1:]} <= {"a, b", "c"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_data_or_model_is_refused_and_never_hangs(files, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    one_line_error(run("train", "--data", fifo, "--epochs", "1", timeout=60), "not a regular file")
    one_line_error(run("evaluate", "--model", fifo, timeout=60), "not a regular file")
    one_line_error(
        run("predict", "--model", files / "M.npz", "--data", fifo, timeout=60),
        "not a regular file",
    )
