"""Every output block of the README and the user guide is what its command or snippet prints.

The blocks, their markers and how they are run are ``docs/regenerate.py``'s (its docstring
says how to mark a block); these tests run the same code. Deterministic blocks are run and
compared exactly (the seconds of a ``times`` block and rounding noise below 1e-9 aside);
machine-dependent and manual ones (the test suite, the benchmarks, MPI, Dask, the playground's
server, an interrupted run) are not run here, only checked for their form.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
try:
    import regenerate
finally:
    sys.path.pop(0)

README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "guide"

SMALL_PAGE = """\
# A page

<!-- output: console -->
```console
$ chainrule trace --layers 3,2,1 --examples 3 --seed 0 --weight 'W1[1,0]'
{output}
```

```python
print(2 + 3)
```

<!-- output: python -->
```text
5
```
"""


def weight_trace() -> str:
    """The README's block of ``trace --weight``, its output lines."""
    text = README.read_text(encoding="utf-8")
    block = next(b for b in regenerate.parse(README) if "--weight" in "\n".join(b.lines))
    assert block.marker is not None and block.marker.kind == "console", text
    return "\n".join(block.lines[1:])


def test_the_pages_are_the_readme_and_every_guide_page():
    assert regenerate.PAGES[0] == README
    assert set(regenerate.PAGES[1:]) == set(GUIDE.glob("*.md"))
    assert len(regenerate.PAGES) >= 12


def test_every_block_is_marked_and_each_not_run_here_has_its_form():
    found = [problem for page in regenerate.PAGES for problem in regenerate.problems(page)]
    assert found == []
    kinds = [
        (b.marker.kind, frozenset(b.marker.flags))
        for page in regenerate.PAGES
        for b in regenerate.parse(page)
        if b.marker
    ]
    assert ("console", frozenset({"machine-dependent"})) in kinds  # pytest, benchmarks
    assert ("console", frozenset({"manual"})) in kinds  # the playground's server
    assert sum(kind == "python" for kind, _ in kinds) >= 5


def test_the_readme_shows_the_train_and_test_commands_ci_runs():
    blocks = ["\n".join(b.lines) for b in regenerate.parse(README)]
    assert any(b.startswith("$ pip install '.[cli]' && chainrule train\n") for b in blocks)
    assert any(b.startswith("$ pip install '.[test]' && pytest\n") for b in blocks)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^pip install (--quiet )?'\.\[test\]' && pytest$", ci, re.M)


def test_every_relative_link_of_the_readme_names_a_file_and_heading_that_exist():
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(((?!https?://)[^)#]+)(?:#([\w-]+))?\)", text)
    assert {path for path, _ in links} >= {f"docs/guide/{p.name}" for p in GUIDE.glob("*.md")} - {
        "docs/guide/index.md"
    }
    for path, anchor in links:
        assert (ROOT / path).is_file(), path
        if anchor:
            headings = re.findall(r"^#+ (.+)$", (ROOT / path).read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
            assert anchor in slugs, (path, anchor)


def test_every_deterministic_block_prints_what_it_shows():
    pytest.importorskip("sklearn")
    pytest.importorskip("onnxruntime")
    ran = regenerate.run_pages(regenerate.PAGES)
    drift = "\n".join(regenerate.diff(page, results) for page, results in ran.items())
    assert drift.strip() == "", "run 'python docs/regenerate.py' and check the diff:\n" + drift
    assert sum(len(results) for results in ran.values()) >= 15


def test_a_block_that_drifts_fails_the_check_and_regenerating_mends_it(tmp_path):
    shown = weight_trace()
    assert "0.1141" in shown
    page = tmp_path / "page.md"
    page.write_text(SMALL_PAGE.format(output=shown.replace("0.1141", "0.1142", 1)))
    script = [sys.executable, str(ROOT / "docs" / "regenerate.py")]

    drifted = subprocess.run([*script, "--check", str(page)], capture_output=True, text=True)
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    assert "-   0      0.1332" not in drifted.stdout  # only the changed line differs
    assert re.search(r"^-.*0\.1142", drifted.stdout, re.M)
    assert re.search(r"^\+.*0\.1141", drifted.stdout, re.M)

    mended = subprocess.run([*script, str(page)], capture_output=True, text=True)
    assert mended.returncode == 0, mended.stdout + mended.stderr
    assert page.read_text() == SMALL_PAGE.format(output=shown)
    again = subprocess.run([*script, "--check", str(page)], capture_output=True, text=True)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_snippet_whose_output_drifts_fails(tmp_path):
    page = tmp_path / "page.md"
    text = SMALL_PAGE.format(output=weight_trace()).replace("print(2 + 3)", "print(2 + 4)")
    results = regenerate.run_page(page, text=text)
    assert [r.fresh for r in results if r.fresh != r.block.lines] == [["6"]]


def test_a_machine_dependent_block_out_of_form_fails():
    text = README.read_text(encoding="utf-8")
    summary = re.search(r"^=+ \d+ passed.*=+$", text, re.M)
    assert summary, "the README shows pytest's summary line"
    for broken in (
        summary.group(0).replace("passed", "pased"),
        summary.group(0).replace(" in ", " after "),
        "",
    ):
        problems = regenerate.problems(README, text.replace(summary.group(0), broken))
        assert any("pytest" in p or "form" in p for p in problems), broken


def test_an_unmarked_block_is_a_problem():
    text = README.read_text(encoding="utf-8") + "\n```console\n$ chainrule datasets\nx\n```\n"
    problems = regenerate.problems(README, text)
    assert len(problems) == 1 and "no marker" in problems[0]


def test_a_block_that_shows_seconds_must_say_so():
    text = README.read_text(encoding="utf-8")
    marked = (
        "<!-- output: console, times -->\n```console\n$ pip install '.[cli]' && chainrule train"
    )
    assert marked in text
    problems = regenerate.problems(README, text.replace(marked, marked.replace(", times", "")))
    assert len(problems) == 1 and "not marked 'times'" in problems[0]


def test_only_the_seconds_of_a_times_block_and_rounding_noise_compare_equal():
    times = regenerate.Marker("console", {"times"})
    exact = regenerate.Marker("console")
    row = "│ time                │                              0.23 s │"
    other = row.replace("0.23", "9.87")
    assert regenerate.normal(row, times) == regenerate.normal(other, times)
    assert regenerate.normal(row, exact) != regenerate.normal(other, exact)
    noise = "W1  relative error 5.36e-10  pass"
    assert regenerate.normal(noise, exact) == regenerate.normal(noise.replace("5.36", "7.1"), exact)
    real = "b1  relative error 6.9e-01  FAIL"
    assert regenerate.normal(real, exact) != regenerate.normal(real.replace("6.9", "7.7"), exact)
