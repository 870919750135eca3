"""The derivation document links every equation to the code that computes it."""

import importlib
import inspect
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "derivation.md"
LINK = re.compile(r"\[`(chainrule(?:\.\w+)+)`\]\(\.\./src/(chainrule(?:/\w+)+)\.py\)")
LABEL = re.compile(r"\*\*\(([A-Z]\d)\)\*\*")
LABELS = (
    "F1",
    "F2",
    "F3",
    "C1",
    "C2",
    "C3",
    "C4",
    "B1",
    "B2",
    "B3",
    "B4",
    "U1",
    "R1",
    "R2",
    "R3",
    "D1",
)


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


def blocks(text: str) -> list[str]:
    """Paragraphs, with each bullet of a list a block of its own."""
    return [b for b in re.split(r"\n\s*\n|\n(?=- )", text) if b.strip()]


def test_every_link_resolves_to_code_in_the_file_it_names():
    links = LINK.findall(DOCS.read_text(encoding="utf-8"))
    assert len(links) >= 15
    for dotted, path in links:
        module = path.replace("/", ".")
        assert dotted == module or dotted.startswith(module + "."), (dotted, path)
        assert resolve(dotted) is not None


def test_each_labelled_equation_links_to_code_that_carries_its_label():
    text = DOCS.read_text(encoding="utf-8")
    checked = set()
    for block in blocks(text):
        labels = LABEL.findall(block)
        for dotted, _ in LINK.findall(block):
            source = inspect.getsource(resolve(dotted))
            for label in labels:
                assert label in source, f"{dotted} does not carry the label {label}"
                checked.add(label)
    assert checked == set(LABELS)
