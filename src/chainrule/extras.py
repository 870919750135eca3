"""How to install one of chainrule's extras, said as a command that works from here (layer 0).

chainrule is not on PyPI: a user has it from a checkout (``pip install -e .``, or the source
on ``PYTHONPATH``) or from a local directory, wheel or repository URL. ``pip install
'chainrule[cli]'`` works in none of these cases, so :func:`install_command` names the place
this chainrule came from: the checkout it is imported from, else the location pip recorded
when it installed it (``direct_url.json``, PEP 610), else the package name.
"""

from __future__ import annotations

import json
import shlex
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

PACKAGE = Path(__file__).resolve().parent


def _checkout() -> Path | None:
    """The source checkout this chainrule is imported from (``<root>/src/chainrule``)."""
    root = PACKAGE.parent.parent
    if (root / "pyproject.toml").is_file() and PACKAGE.parent.name == "src":
        return root
    return None


def _recorded_location() -> str | None:
    """Where pip installed this chainrule from, as pip would take it again, if it said."""
    try:
        text = metadata.distribution("chainrule").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        recorded = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
    if not isinstance(recorded, dict) or not isinstance(recorded.get("url"), str):
        return None
    url = recorded["url"]
    if url.startswith("file://"):
        return unquote(urlparse(url).path)
    vcs = (recorded.get("vcs_info") or {}).get("vcs")
    return f"{vcs}+{url}" if vcs else url


def install_command(extra: str) -> str:
    """The ``pip install`` command that adds ``extra`` (``"cli"``, ``"onnx"``...) to this
    chainrule, e.g. ``pip install -e '/home/me/chainrule[cli]'`` for a checkout."""
    checkout = _checkout()
    if checkout is not None:
        return f"pip install -e {shlex.quote(f'{checkout}[{extra}]')}"
    location = _recorded_location()
    if location is None:
        return f"pip install {shlex.quote(f'chainrule[{extra}]')}"
    if "://" in location:
        return f"pip install {shlex.quote(f'chainrule[{extra}] @ {location}')}"
    return f"pip install {shlex.quote(f'{location}[{extra}]')}"


#: the packages whose import name is not the name pip installs them by
DISTRIBUTIONS = {"sklearn": "scikit-learn"}


def needs(what: str, extra: str, module: str | None) -> str:
    """The one line that says ``what`` needs ``extra`` because ``module`` is missing, and
    the command that installs it: ``needs("ONNX export", "onnx", "onnx")`` is ``"ONNX
    export needs the 'onnx' extra (onnx is not installed); install it with: pip install
    -e '/home/me/chainrule[onnx]'"``."""
    root = (module or extra).partition(".")[0]
    missing = DISTRIBUTIONS.get(root, root)
    return (
        f"{what} needs the '{extra}' extra ({missing} is not installed); install it with: "
        f"{install_command(extra)}"
    )
