"""The one atomic writer: whole files or none, ordinary permissions, no litter left behind."""

import os
import stat
import subprocess
import sys

import pytest

from chainrule.errors import DataError, ModelFileError
from chainrule.io.atomic import atomic_write, atomic_write_text


def dead_pid() -> int:
    """The id of a process that has exited."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_a_temporary_file_left_by_a_killed_writer_goes_with_the_next_save(tmp_path):
    target = tmp_path / "model.npz"
    stale = tmp_path / f".model.npz.{dead_pid()}.abc123.tmp"
    stale.write_bytes(b"half a model")
    alive = tmp_path / f".model.npz.{os.getpid()}.def456.tmp"  # a save still under way
    alive.write_bytes(b"in progress")
    other = tmp_path / f".other.npz.{dead_pid()}.abc123.tmp"  # another file's: not ours to touch
    other.write_bytes(b"")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert not stale.exists() and alive.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == sorted(
        [alive.name, other.name]
    )


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def fails(handle):
        handle.write(b"partial")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(target, fails)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_modes_follow_the_umask_and_a_replaced_file_keeps_its_own(tmp_path):
    previous = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "new.txt", "x")
        existing = tmp_path / "existing.txt"
        existing.write_text("old")
        existing.chmod(0o604)
        atomic_write_text(existing, "x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE(existing.stat().st_mode) == 0o604


def test_a_missing_folder_is_the_caller_s_error_kind(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        atomic_write_text(tmp_path / "no" / "file.csv", "x", DataError)
    with pytest.raises(ModelFileError, match="does not exist"):
        atomic_write_text(tmp_path / "no" / "model.npz", "x")
