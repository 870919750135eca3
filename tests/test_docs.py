"""The derivation document links every equation to the code that computes it."""

import importlib
import inspect
import re
from pathlib import Path

from chainrule.core.equations import EQUATIONS

DOCS = Path(__file__).resolve().parent.parent / "docs" / "derivation.md"
LINK = re.compile(r"\[`(chainrule(?:\.\w+)+)`\]\(\.\./src/(chainrule(?:/\w+)+)\.py\)")
LABEL = re.compile(r"\*\*\(([A-Z]\d)\)\*\*")
LABELS = tuple(e.label for e in EQUATIONS)


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
    """Paragraphs, with each bullet of a list a block of its own (its indented display math
    and links included)."""
    return [b for b in re.split(r"\n\s*\n(?=\S)|\n(?=- )", text) if b.strip()]


def display_math(block: str) -> list[str]:
    """The TeX of each ``$$ ... $$`` display in ``block``, its lines joined."""
    return [" ".join(m.split()) for m in re.findall(r"\$\$(.+?)\$\$", block, re.S)]


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


def test_the_document_states_each_equation_of_the_table_and_links_its_code():
    text = DOCS.read_text(encoding="utf-8")
    labelled = {}
    for block in blocks(text):
        for label in LABEL.findall(block):
            labelled[label] = labelled.get(label, "") + block
    assert set(labelled) == set(LABELS)
    for equation in EQUATIONS:
        block = labelled[equation.label]
        shown = " ".join(display_math(block))
        for part in equation.parts:
            # as TeX, exactly as the table writes it (what 'chainrule explain' prints)
            assert part.latex in shown, f"({equation.label}) does not state {part.latex}"
        linked = {dotted for dotted, _ in LINK.findall(block)}
        assert set(equation.code) <= linked, (equation.label, set(equation.code) - linked)


def test_the_math_is_tex_not_code():
    text = DOCS.read_text(encoding="utf-8")
    prose = re.sub(r"\$\$.+?\$\$", "", text, flags=re.S)
    spans = [s for s in re.findall(r"`([^`]+)`", prose) if not s.startswith("chainrule")]
    # code spans name code (W[l] as the code writes it), never state an equation
    equations = [s for s in spans if re.search(r"[=≈∂]|\\[a-z]", s)]
    assert not equations, equations
    assert not re.search(r"^    \S", text, re.M), "an indented code block (math as text)"
    assert len(display_math(text)) >= len(LABELS)


def test_the_code_the_table_names_carries_the_label():
    for equation in EQUATIONS:
        for dotted in equation.code:
            assert equation.label in inspect.getsource(resolve(dotted)), (equation.label, dotted)


def test_every_picture_is_made_by_a_command_the_guide_shows():
    import sys

    sys.path.insert(0, str(DOCS.parent))
    try:
        import make_images
    finally:
        sys.path.pop(0)
    guide = "\n".join(
        page.read_text(encoding="utf-8") for page in sorted((DOCS.parent / "guide").glob("*.md"))
    )
    shown = re.sub(r"\\\n\s+", "", guide)  # join continued command lines
    for command in make_images.COMMANDS:
        assert f"$ {command}\n" in shown, command
    for script in make_images.SCRIPTS:
        assert f"$ python {script}\n" in shown, script
    images = {path.name for path in (DOCS.parent / "images").iterdir()}
    assert images == set(make_images.PICTURES.values())
    for name in images:
        assert f"](../images/{name})" in guide, name
