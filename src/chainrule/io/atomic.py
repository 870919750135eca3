"""One atomic writer for every file chainrule writes: models, checkpoints, CSVs, figures.

The content goes to a temporary file in the target's folder, is flushed to disk (``fsync``)
and then renamed over the target, so a save that is interrupted, killed or fails half-way
never leaves a half-written file where the old one was. The new file gets the permissions an
ordinary ``open(path, "w")`` would give (``0666`` less the umask), or keeps those of the file
it replaces. A temporary file left by a process that was killed (``SIGKILL`` cannot be
caught) is removed by the next save to the same path.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import IO

from chainrule.errors import ChainruleError, ModelFileError

SUFFIX = ".tmp"


def _prefix(path: Path) -> str:
    """Temporary files for ``path`` are ``.NAME.PID.RANDOM.tmp``: ours, and whose."""
    return f".{path.name}."


def _creation_mode(path: Path) -> int:
    """The mode ``open(path, "w")`` would give: the existing file's, else 0666 less umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files of ``path`` whose writing process no longer exists."""
    prefix = _prefix(path)
    for candidate in path.parent.glob(f"{prefix}*{SUFFIX}"):
        pid_text = candidate.name[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            candidate.unlink(missing_ok=True)
        except PermissionError:
            pass  # alive, someone else's


def atomic_write(
    path: str | PathLike[str],
    write: Callable[[IO[bytes]], None],
    error: type[ChainruleError] = ModelFileError,
) -> None:
    """Call ``write(handle)`` on a temporary binary file, then rename it to ``path``.

    Failures to create or replace the file raise ``error`` naming the path; any other
    exception (``KeyboardInterrupt`` too) removes the temporary file and propagates.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise error(f"{path}: the folder {path.parent} does not exist")
    remove_stale_temporaries(path)
    mode = _creation_mode(path)
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f"{_prefix(path)}{os.getpid()}.", suffix=SUFFIX, delete=False
        )
    except OSError as exc:
        raise error(f"{path}: cannot write there ({exc.strerror})") from exc
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException as exc:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise error(f"{path}: could not write the file ({exc})") from exc
        raise


def atomic_write_text(
    path: str | PathLike[str], text: str, error: type[ChainruleError] = ModelFileError
) -> None:
    """:func:`atomic_write` for UTF-8 text."""
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")), error)
