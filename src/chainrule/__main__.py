"""Entry point of the ``chainrule`` command (also ``python -m chainrule``)."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from chainrule.cli.app import app
    except ModuleNotFoundError as exc:
        sys.exit(
            f"chainrule: the command line needs the 'cli' extra ({exc.name} is not installed); "
            "install it with: pip install 'chainrule[cli]'"
        )
    app()


if __name__ == "__main__":
    main()
