"""Entry point of the ``chainrule`` command (also ``python -m chainrule``)."""

from __future__ import annotations

import sys


def main() -> None:
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
