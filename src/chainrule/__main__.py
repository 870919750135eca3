"""Entry point of the ``chainrule`` command (also ``python -m chainrule``)."""

from __future__ import annotations

import signal
import sys


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
        from chainrule.cli.app import app
    except ModuleNotFoundError as exc:
        from chainrule.extras import install_command

        print(
            f"error: the command line needs the 'cli' extra ({exc.name} is not installed); "
            f"install it with: {install_command('cli')}",
            file=sys.stderr,
        )
        sys.exit(2)
    app()


if __name__ == "__main__":
    main()
