"""Entry point of the ``chainrule`` command (also ``python -m chainrule``)."""

from __future__ import annotations

import importlib.util
import signal
import sys

# what the 'cli' extra brings, each imported only by the commands that need it
CLI_MODULES = ("typer", "rich", "sklearn", "matplotlib")


def _stopped(signum: int, frame: object) -> None:
    """Ctrl-C or ``SIGTERM`` outside training (while starting, reading data, reporting): one
    line and the signal's exit status, no traceback; a file being written is removed by its
    atomic writer, so every file is as it was or complete."""
    name = signal.Signals(signum).name
    sys.stderr.write(f"chainrule: interrupted ({name}); no file was left half-written\n")
    raise SystemExit(128 + signum)


def main() -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _stopped)
    try:
        missing = next((name for name in CLI_MODULES if not _importable(name)), None)
        if missing is not None:
            raise ModuleNotFoundError(name=missing)
        from chainrule.cli.app import app
    except ModuleNotFoundError as exc:
        from chainrule.extras import needs

        print(f"error: {needs('the command line', 'cli', exc.name)}", file=sys.stderr)
        sys.exit(2)
    app()


def _importable(name: str) -> bool:
    """Whether ``name`` can be imported, found without importing it (a blocked module,
    ``sys.modules[name] = None``, cannot)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ValueError:  # in sys.modules as None, or without a spec
        return sys.modules.get(name) is not None


if __name__ == "__main__":
    main()
