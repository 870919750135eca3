"""The derivation document's links point at code that exists."""

import importlib
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "derivation.md"
LINK = re.compile(r"\[`(chainrule(?:\.\w+)+)`\]\(\.\./src/(chainrule/\w+)\.py\)")


def resolve(dotted: str):
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            target = getattr(target, attribute)
        return target
    raise ImportError(dotted)


def test_every_equation_links_to_a_real_function():
    links = LINK.findall(DOCS.read_text(encoding="utf-8"))
    assert len(links) >= 12
    for dotted, path in links:
        module = path.replace("/", ".")
        assert dotted == module or dotted.startswith(module + "."), (dotted, path)
        assert resolve(dotted) is not None


def test_every_numbered_equation_has_a_link():
    text = DOCS.read_text(encoding="utf-8")
    labels = ("F1", "F2", "F3", "C1", "C2", "C3", "C4", "B1", "B2", "B3", "B4", "U1", "R1", "R2")
    for label in labels:
        assert f"({label})" in text, label
