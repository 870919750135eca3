"""The README's first library snippet runs as written and prints what the README shows."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def snippet_and_output() -> tuple[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The library") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    return code, shown.strip().splitlines()


def test_the_first_library_snippet_prints_what_the_readme_shows():
    pytest.importorskip("sklearn")
    code, shown = snippet_and_output()
    done = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr  # and no warning: the data is standardised
    printed = done.stdout.strip().splitlines()
    assert len(printed) == len(shown)
    for ours, theirs in zip(printed, shown, strict=True):
        if "gradient-check error" in theirs:
            # rounding noise of ~1e-11 varies with the BLAS; its order of magnitude does not
            assert float(ours.split()[-1]) < 1e-9 and float(theirs.split()[-1]) < 1e-9
        else:
            assert ours == theirs
