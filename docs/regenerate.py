"""Regenerate every output block of the README and the user guide by running what it shows.

Run from anywhere: ``python docs/regenerate.py`` rewrites the blocks in place,
``python docs/regenerate.py --check`` rewrites nothing and exits 1 with a diff when a block
differs from what its command prints now. ``--machine-dependent`` also reruns the blocks marked
so (the test suite, the benchmarks, MPI, Dask: slow, and their figures are this machine's);
without it they are only checked for their form. ``tests/test_readme.py`` runs the same checks.

The markers are HTML comment lines right above a fenced block (GitHub and MyST show nothing):

``<!-- output: console -->``
    Each ``$ command`` line of the block is run, in order, and the lines after it are its
    output (stdout and stderr together). A ``\\`` at a line's end continues the command.
    ``chainrule`` runs as ``python -m chainrule`` of this checkout (``PYTHONPATH=src``),
    ``python`` and ``pytest`` as this interpreter's; a leading ``pip install ... &&`` is not
    run (it is how a reader gets the command), nor is a line that only installs.
``<!-- output: python -->``
    The block is the output of the nearest ```` ```python ```` block above it, run as a script.
``<!-- illustration -->``
    The block is not run, and shows no output.

Flags after the kind, comma-separated:

``times``
    A number of seconds (``0.23 s``) is the machine's and compares equal to any other (a run
    block that shows seconds without this flag is a problem).
``machine-dependent``
    Rerun only with ``--machine-dependent`` (see above); otherwise its form is checked against
    :data:`FORMS`, without running it.
``manual``
    A session that cannot be replayed (an interrupted run, a server that runs until Ctrl-C):
    never run, its form checked against :data:`FORMS`.
``continues``
    A python snippet runs after the snippet run before it on the page (and what that one
    continues), their output dropped.

Further comment lines ``<!-- setup: COMMAND -->`` above a block run a command first, once per
page, output dropped (to make a file the block reads).

Every page runs in a scratch folder of its own, holding links to the repository's top-level
entries (``examples/``, ``benchmarks/``, ...), so what one block writes the next reads. A line
``...`` in a shown output leaves lines out: the part before it is the output's first lines, the
part after the last one its last lines, a part between starts at the line equal to its first.
A one-line JSON object with ``...`` in it shows only the keys it names, with fresh values.
Numbers written as ``1e-9`` or smaller (``5.36e-10``) are rounding noise, whose digits vary with
the BLAS: they compare equal to any other such number. ``COLUMNS`` and ``LINES`` are unset, so
tables are as wide as they are for a reader who pipes the command (80 columns).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs" / "guide").glob("*.md"))]
"""Every page whose blocks are under control: the README and the user guide."""

FENCE = re.compile(r"^(`{3,})([^`\s]*)\s*$")
MARKER = re.compile(r"^<!-- (output|illustration|setup)(?::\s*(.*?))? -->$")
KINDS = ("console", "python")
FLAGS = ("times", "machine-dependent", "manual", "continues")
TINY = re.compile(r"\b\d(?:\.\d+)?e-(?:9|[1-9]\d)\b")
SECONDS = re.compile(r" *\b\d+(?:\.\d+)? ?s\b")
TIMEOUT = 600


def benchmark_systems() -> tuple[str, ...]:
    """``benchmarks/compare.py``'s ``SYSTEMS``, in the order its table prints them, read from
    the script's source (not run), so that the form follows the script."""
    tree = ast.parse((ROOT / "benchmarks" / "compare.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            "SYSTEMS"
        ]:
            return tuple(ast.literal_eval(node.value))
    raise LookupError("benchmarks/compare.py has no SYSTEMS")


BENCHMARKED = benchmark_systems()
COMPILED = ("torch-compile", "jax-jit", "jax-scan")  # benchmark rows with a compile time
STRETCHED = ("chainrule", "chainrule-estimator")  # the rows the stretch figures are about

FORMS: dict[str, list[str]] = {
    "pytest": [
        "...",
        "collected # items / # deselected / # selected",
        "...",
        "=* # passed* in #s* =*",
    ],
    "mpiexec -n 2 chainrule train --data digits --hidden 64 --optimizer adam --lr 0.01 --epochs 20"
    " --batch-size 32 --dtype float64 --json": [
        '{"data": "digits", ..., "final_cost": #, "train": {"accuracy": #}, "test": {"accuracy": #'
        "}, ...}"
    ],
    "chainrule train --data digits --hidden 64 --optimizer adam --lr 0.01 --epochs 20"
    " --batch-size 32 --dtype float64 --json": [
        '{"data": "digits", ..., "final_cost": #, "train": {"accuracy": #}, "test": {"accuracy": #'
        "}, ...}"
    ],
    "python examples/dask_grid_search.py": [
        "# fits of # candidates on # Dask workers in # s",
        "best: {'alpha': #, 'hidden_layer_sizes': (#,), 'learning_rate_init': #}",
        "cross-validated accuracy #, test accuracy #",
    ],
    "chainrule playground": ["chainrule playground on http://127.0.0.1:#/ (Ctrl-C stops it)"],
    "chainrule train --data digits --hidden 64 --optimizer adam --lr 0.001 --epochs 300"
    " --batch-size 32 --save digits.npz --checkpoint-every 10": [
        "^C",
        "interrupted (SIGINT) after epoch #; saved to digits.npz: continue with"
        " 'chainrule train --resume digits.npz'",
    ],
    "chainrule train --resume digits.npz": [
        "chainrule train: digits",
        "┌*┬*┐",
        "│ network │ 64-64-10 (relu / softmax) │",
        "│ optimizer │ adam │",
        "│ epochs │ # (epochs) │",
        "│ resumed from epoch │ # │",
        "│ final training cost │ # (mean categorical cross-entropy) │",
        "│ train │ accuracy #% on # │",
        "│ test │ accuracy #% on # │",
        "│ time │ # s │",
        "│ saved │ digits.npz │",
        "└*┴*┘",
    ],
    "python benchmarks/compare.py --repeat 3": [
        "float32 matmul peak (NumPy): # GFLOP/s on # CPUs; BLAS *; every process ran with"
        " OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset",
        "workload system seconds compile s GFLOP/s of peak x chainrule peak RSS MiB cost"
        " kernel/threads",
        "-*",
        *[
            f"{workload} {system} # {'# ' if system in COMPILED else ''}# #% # # # */#"
            for workload in ("seed", "mnist", "wide")
            for system in BENCHMARKED
        ],
        "",
        "targets (our time over theirs): no slower than numpy-loop, ahead of the others",
        *[
            f"{workload} {ours} vs {theirs} #x *"
            for workload in ("seed", "mnist", "wide")
            for ours in ("chainrule", "chainrule-estimator")
            for theirs in ("numpy-loop", "torch-eager", "torch-compile", "jax-jit")
        ],
        "",
        "stretch: seed within 1.3x of jax-scan, wide at 85% of peak, mnist at 40%",
        *[f"seed {ours} #x jax-scan's time (goal 1.3x) *" for ours in STRETCHED],
        *[f"mnist {ours} #% of peak (goal 40%) *" for ours in STRETCHED],
        *[f"wide {ours} #% of peak (goal 85%) *" for ours in STRETCHED],
    ],
    "python benchmarks/compare.py --lbfgs --repeat 3": [
        "solver='lbfgs', float64, tol=0, max_iter=200; every process ran with OPENBLAS_CORETYPE"
        " and OPENBLAS_L2_SIZE unset",
        "workload system seconds iterations ms/iter final loss",
        "-*",
        *[
            line
            for workload in ("digits", "seed")
            for line in (
                f"{workload} chainrule # # # #",
                f"{workload} scikit-learn # # # #",
                f"{workload} chainrule is #x as fast in total, #x per iteration; final losses"
                " differ by # (relative)",
            )
        ],
    ],
    "python benchmarks/threads.py --threads 2": [
        "# CPUs; 1 thread against 2; microseconds, best of #",
        "size relu bwd 1 relu bwd 2 speed-up adam 1 adam 2 speed-up",
        *[f"{size} MB # # #x # # #x" for size in ("0.25", "1", "4", "16")],
    ],
    "python benchmarks/data_pipeline.py": [
        "table: 30000 x 785 integers; the array (X as int32) is # MiB",
        "parse numpy.loadtxt # s peak # MiB",
        "parse chainrule # s peak # MiB",
        "train small run (iris) # s peak # MiB",
        "train NPZ # s peak # MiB",
        "train CSV # s peak # MiB",
        "parsing: #x numpy.loadtxt (target <= 1.5x); CSV run - NPZ run: # MiB (target <= one"
        " array, # MiB); NPZ run - small run: # arrays (target <= 3)",
    ],
    "python benchmarks/playground.py --screenshot playground.png": [
        "server alone: # updates/s, # ms a frame",
        "updates/frame updates/s shown frames/s drawn step-to-screen median p95",
        *[f"{k} # # # ms # ms" for k in (1, 2, 5)],
    ],
    "python benchmarks/mpi_scaling.py --repeat 3": [
        "784-256-128-10, 60000 examples, batch 128, one epoch, softmax + CE; one BLAS thread per"
        " rank",
        "ranks seconds speed-up efficiency Allreduce",
        "1 # # #% # us",
        "2 # # #% # us",
        "per step on 1 rank: # ms, gradient buffer # MB",
        "estimate on a 10 Gbit/s network (ring Allreduce, 30 us latency per message):",
        *[
            f"{n} machines: Allreduce # ms; global batch 128: # ms/step, efficiency #%; batch 128"
            " per machine: # ms/step, efficiency #%"
            for n in (8, 64)
        ],
    ],
}
"""The form of each output that is not compared exactly, by its command (as shown, continued
lines joined, without a leading ``pip install ... &&``): one line per line of output, where
``#`` stands for a number, ``*`` for any text, and a space for any run of spaces (so columns
may shift); a line's leading and trailing spaces are free."""

NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def form_pattern(form: str) -> re.Pattern[str]:
    """The regular expression of one line of a form (see :data:`FORMS`)."""
    pieces = {"#": NUMBER, "*": ".*", " ": " +"}
    body = "".join(pieces.get(c, re.escape(c)) for c in form.strip())
    return re.compile(rf" *{body} *")


class BlockError(Exception):
    """A block that cannot be run or checked as marked (named by page and line)."""


@dataclass
class Marker:
    kind: str
    flags: set[str] = field(default_factory=set)
    setup: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A fenced block: its language, its lines (between the fences) and its marker."""

    page: Path
    lang: str
    first: int
    """Index of the block's first line in the page (the line after the opening fence)."""
    lines: list[str]
    marker: Marker | None

    @property
    def where(self) -> str:
        return f"{shown_path(self.page)}:{self.first}"


def shown_path(page: Path) -> str:
    """``page`` relative to the repository's root when it is inside it."""
    return str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else str(page)


def parse(page: Path, text: str | None = None) -> list[Block]:
    """Every fenced block of ``page`` (or of ``text``, read as that page), with its marker."""
    lines = (page.read_text(encoding="utf-8") if text is None else text).split("\n")
    blocks, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != opening.group(1):
            j += 1
        if j == len(lines):
            raise BlockError(f"{shown_path(page)}:{i + 1}: a fence that is never closed")
        blocks.append(
            Block(page, opening.group(2), i + 1, lines[i + 1 : j], marker_above(lines, i, page))
        )
        i = j + 1
    return blocks


def marker_above(lines: list[str], fence: int, page: Path) -> Marker | None:
    marker, setup, k = None, [], fence - 1
    while k >= 0 and (found := MARKER.match(lines[k].strip())):
        what, value = found.group(1), found.group(2) or ""
        if what == "setup":
            setup.insert(0, value)
        elif what == "illustration":
            marker = Marker("illustration")
        else:
            kind, *flags = [part.strip() for part in value.split(",")]
            unknown = [f for f in flags if f not in FLAGS]
            if kind not in KINDS or unknown:
                raise BlockError(f"{shown_path(page)}:{k + 1}: unknown marker {lines[k]!r}")
            marker = Marker(kind, set(flags))
        k -= 1
    if marker is None:
        if setup:
            raise BlockError(f"{shown_path(page)}:{fence}: a setup line without a marker")
        return None
    marker.setup = setup
    return marker


def commands(block: Block) -> list[tuple[str, list[str], list[str]]]:
    """The ``$ command`` lines of a console block: each command (continued lines joined), its
    lines as the block writes them, and the output lines that follow it."""
    steps: list[tuple[str, list[str], list[str]]] = []
    lines = iter(block.lines)
    for line in lines:
        if line.startswith("$ "):
            written, command = [line], line[2:]
            while command.endswith("\\"):
                written.append(next(lines))
                command = command[:-1].rstrip() + " " + written[-1].strip()
            steps.append((command, written, []))
        elif not steps:
            raise BlockError(f"{block.where}: output before any '$ command' line")
        else:
            steps[-1][2].append(line)
    return steps


def shown_command(command: str) -> str:
    """The command without the shell comment that follows it."""
    return re.sub(r"\s+#\s.*$", "", command).strip()


def runnable(command: str) -> str | None:
    """The shell line that runs ``command`` as shown, or None for a line that only installs."""
    command = shown_command(command)
    command = re.sub(r"^pip install \S+ && ", "", command)
    if command.startswith("pip install "):
        return None
    return re.sub(
        r"^mpiexec ((?:-\S+ \S+ )*)chainrule ", r'mpiexec \1"$PYTHON" -m chainrule ', command
    )


PRELUDE = """\
chainrule() { "$PYTHON" -m chainrule "$@"; }
python() { "$PYTHON" "$@"; }
pytest() { "$PYTHON" -m pytest "$@"; }
"""


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env["PYTHON"] = sys.executable
    return env


def run_in(argv: list[str], folder: Path) -> subprocess.CompletedProcess:
    """``argv`` run in ``folder`` with the pages' environment, stdout and stderr as one text."""
    return subprocess.run(
        argv,
        cwd=folder,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
    )


def run_shell(command: str, folder: Path, where: str) -> str:
    done = run_in(["bash", "-c", PRELUDE + command], folder)
    if "Traceback (most recent call last)" in done.stdout:
        raise BlockError(f"{where}: {command!r} failed:\n{done.stdout}")
    return clean(done.stdout, folder)


def run_python(code: str, folder: Path, where: str) -> str:
    done = run_in([sys.executable, "-c", code], folder)
    if done.returncode != 0:
        raise BlockError(f"{where}: the snippet failed:\n{done.stdout}")
    return clean(done.stdout, folder)


def clean(output: str, folder: Path) -> str:
    output = output.replace(str(folder) + os.sep, "").replace(str(folder), ".")
    return "\n".join(line.rstrip() for line in output.rstrip().split("\n")).strip("\n")


def normal(text: str, marker: Marker) -> str:
    """``text`` with what may differ between equal outputs masked."""
    text = TINY.sub("<1e-9>", text)
    if "times" in marker.flags:
        text = SECONDS.sub(" <seconds>", text)  # and the spaces that right-align it
    return text


def as_anchor(line: str, marker: Marker) -> str:
    """A line as an excerpt's first line is found by: any number matches any other in the
    output of a machine-dependent block."""
    line = normal(line, marker)
    return re.sub(r"\d+(\.\d+)?", "#", line) if "machine-dependent" in marker.flags else line


def excerpt(shown: list[str], fresh: list[str], marker: Marker, where: str) -> list[str]:
    """The lines of ``fresh`` that ``shown`` shows (see the module's docstring for ``...``)."""
    if len(shown) == 1 and shown[0].startswith("{") and "..." in shown[0] and len(fresh) == 1:
        return [json_excerpt(shown[0], fresh[0], where)]
    if "..." not in shown:
        return fresh
    parts: list[list[str]] = [[]]
    for line in shown:
        if line == "...":
            parts.append([])
        else:
            parts[-1].append(line)
    out, at = [], 0
    for n, part in enumerate(parts):
        if n:
            out.append("...")
        if not part:
            continue
        if n == 0:
            taken, at = fresh[: len(part)], len(part)
        elif n == len(parts) - 1:
            taken = fresh[-len(part) :]
        else:
            anchor = as_anchor(part[0], marker)
            starts = [i for i in range(at, len(fresh)) if as_anchor(fresh[i], marker) == anchor]
            if not starts:
                raise BlockError(f"{where}: the output no longer has the line {part[0]!r}")
            taken, at = fresh[starts[0] : starts[0] + len(part)], starts[0] + len(part)
        out.extend(taken)
    return out


ELIDED = "\u2026"


def json_excerpt(shown: str, fresh: str, where: str) -> str:
    """The fresh JSON object with only the keys ``shown`` names, ``...`` where it has one."""
    try:
        pattern = json.loads(shown.replace("...", f'"{ELIDED}": null'), object_pairs_hook=list)
        value = json.loads(fresh)
    except json.JSONDecodeError as error:
        raise BlockError(f"{where}: a JSON excerpt that does not read: {error}") from None

    def render(pairs: list, obj: dict) -> str:
        items = []
        for key, sub in pairs:
            if key == ELIDED:
                items.append("...")
            elif key not in obj:
                raise BlockError(f"{where}: the output no longer has the key {key!r}")
            elif isinstance(sub, list) and isinstance(obj[key], dict):
                items.append(f"{json.dumps(key)}: {render(sub, obj[key])}")
            else:
                items.append(f"{json.dumps(key)}: {json.dumps(obj[key])}")
        return "{" + ", ".join(items) + "}"

    return render(pattern, value)


@dataclass
class Result:
    block: Block
    fresh: list[str]
    """The block's lines as they should be now."""


class Page:
    """One page's run: a scratch folder with the repository's entries linked in, the python
    snippets run so far, and the setups done."""

    def __init__(self, page: Path, folder: Path, machine: bool):
        self.page, self.folder, self.machine = page, folder, machine
        for entry in ROOT.iterdir():
            if entry.name not in (".git", "README.md") and not entry.name.startswith("."):
                (folder / entry.name).symlink_to(entry)
        self.snippet = ""
        """The code of the last python snippet run, with the snippets it continues."""
        self.setups: set[str] = set()

    def setup(self, block: Block) -> None:
        for command in block.marker.setup:
            if command not in self.setups:
                run_shell(command, self.folder, block.where)
                self.setups.add(command)

    def console(self, block: Block) -> list[str]:
        out: list[str] = []
        for command, written, shown in commands(block):
            out.extend(written)
            line = runnable(command)
            if line is None:
                if shown:
                    raise BlockError(f"{block.where}: {command!r} is not run, so shows nothing")
                continue
            fresh = run_shell(line, self.folder, block.where).split("\n") if line else []
            fresh = [] if fresh == [""] else fresh
            out.extend(excerpt(shown, fresh, block.marker, block.where))
        return out

    def chain(self, block: Block, snippet: Block) -> str:
        """The code of ``snippet``, after the snippets it continues."""
        own = "\n".join(snippet.lines)
        return self.snippet + "\n" + own if "continues" in block.marker.flags else own

    def python(self, block: Block, snippet: Block) -> list[str]:
        code = "\n".join(snippet.lines)
        if "continues" in block.marker.flags:
            before = self.snippet
            code = (
                "import contextlib, io\n"
                "with contextlib.redirect_stdout(io.StringIO()):\n"
                f"    exec(compile({before!r}, '<the snippets above>', 'exec'))\n" + code
            )
        fresh = run_python(code, self.folder, block.where)
        self.snippet = self.chain(block, snippet)
        return fresh.split("\n") if fresh else []


def snippet_of(blocks: list[Block], index: int) -> Block:
    for block in reversed(blocks[:index]):
        if block.lang == "python":
            return block
    raise BlockError(f"{blocks[index].where}: an 'output: python' block with no python above it")


def check_form(block: Block) -> list[str]:
    """The problems of a block compared by form (empty when it has the form)."""
    problems = []
    for command, _, shown in commands(block):
        key = re.sub(r"^pip install \S+ && ", "", shown_command(command))
        if runnable(command) is None:
            continue
        form = FORMS.get(key)
        if form is None:
            problems.append(f"{block.where}: no form for {key!r} in docs/regenerate.py FORMS")
            continue
        if len(shown) != len(form):
            problems.append(
                f"{block.where}: {key!r} shows {len(shown)} lines, its form {len(form)}"
            )
            continue
        for line, pattern in zip(shown, form, strict=True):
            if not form_pattern(pattern).fullmatch(line):
                problems.append(f"{block.where}: {line!r} does not have the form {pattern!r}")
    return problems


def unmarked(blocks: list[Block]) -> list[str]:
    """Blocks under no marker: every block must be run, be the snippet of one that is, or be
    marked an illustration (a MyST directive, ```` ```{toctree} ````, is none of these)."""
    snippets = {
        id(snippet_of(blocks, i))
        for i, b in enumerate(blocks)
        if b.marker and b.marker.kind == "python"
    }
    return [
        f"{b.where}: a ```{b.lang} block with no marker (output: ... or illustration)"
        for b in blocks
        if b.marker is None and id(b) not in snippets and not b.lang.startswith("{")
    ]


def run_page(
    page: Path, machine: bool = False, text: str | None = None, only: str | None = None
) -> list[Result]:
    """Run every block of ``page`` that is to run, in order, in a scratch folder of its own: the
    machine-dependent ones only with ``machine`` (and then, given ``only``, only those whose
    text holds it)."""
    blocks = parse(page, text)
    results = []
    with tempfile.TemporaryDirectory(prefix="chainrule-docs-") as scratch:
        run = Page(page, Path(scratch), machine)
        for index, block in enumerate(blocks):
            marker = block.marker
            if marker is None or marker.kind == "illustration":
                continue
            skipped = "machine-dependent" in marker.flags and not (
                machine and (only is None or only in "\n".join(block.lines))
            )
            if "manual" in marker.flags or skipped:
                if marker.kind == "python":
                    run.snippet = run.chain(block, snippet_of(blocks, index))
                continue
            run.setup(block)
            if marker.kind == "console":
                fresh = run.console(block)
            else:
                fresh = run.python(block, snippet_of(blocks, index))
            if normal("\n".join(fresh), marker) == normal("\n".join(block.lines), marker):
                fresh = block.lines  # equal but for the machine's figures: keep the page as is
            results.append(Result(block, fresh))
    return results


def rewrite(text: str, results: list[Result]) -> str:
    lines = text.split("\n")
    for result in sorted(results, key=lambda r: r.block.first, reverse=True):
        block = result.block
        lines[block.first : block.first + len(block.lines)] = result.fresh
    return "\n".join(lines)


def diff(page: Path, results: list[Result]) -> str:
    out = []
    for result in results:
        if result.fresh != result.block.lines:
            out.extend(
                difflib.unified_diff(
                    result.block.lines,
                    result.fresh,
                    f"{result.block.where} (shown)",
                    f"{result.block.where} (printed now)",
                    lineterm="",
                )
            )
    return "\n".join(out)


def problems(page: Path, text: str | None = None) -> list[str]:
    """What is wrong with ``page`` without running anything: blocks under no marker, and
    machine-dependent or manual blocks without their form."""
    blocks = parse(page, text)
    found = unmarked(blocks)
    for block in blocks:
        marker = block.marker
        if marker and marker.flags & {"machine-dependent", "manual"}:
            if marker.kind == "console":
                found.extend(check_form(block))
        elif marker and marker.kind != "illustration" and "times" not in marker.flags:
            if any(SECONDS.search(line) for line in block.lines if not line.startswith("$ ")):
                found.append(f"{block.where}: an output that shows seconds, not marked 'times'")
    return found


def run_pages(
    pages: list[Path], machine: bool = False, only: str | None = None, jobs: int | None = None
) -> dict[Path, list[Result]]:
    """:func:`run_page` of each page, ``jobs`` pages at a time (default: one per CPU). The
    pages share no files, so they may run at once; each one's blocks run in order."""
    with ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        running = {page: pool.submit(run_page, page, machine, None, only) for page in pages}
        return {page: future.result() for page, future in running.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on a drift")
    parser.add_argument(
        "--machine-dependent", action="store_true", help="also rerun the machine-dependent blocks"
    )
    parser.add_argument(
        "--only", metavar="TEXT", help="rerun only the machine-dependent blocks holding TEXT"
    )
    parser.add_argument("--jobs", type=int, help="pages run at once (default: one per CPU)")
    parser.add_argument("pages", nargs="*", type=Path, help="pages (default: README and guide)")
    args = parser.parse_args(argv)
    pages = [p.resolve() for p in args.pages] or PAGES
    status = 0
    found = [problem for page in pages for problem in problems(page)]
    if found:
        print("\n".join(found), file=sys.stderr)
        status = 1
    for page, results in run_pages(pages, args.machine_dependent, args.only, args.jobs).items():
        changed = diff(page, results)
        if not changed:
            print(f"{shown_path(page)}: {len(results)} blocks as shown", flush=True)
        elif args.check:
            print(changed, flush=True)
            status = 1
        else:
            text = page.read_text(encoding="utf-8")
            page.write_text(rewrite(text, results), encoding="utf-8")
            rewritten = sum(r.fresh != r.block.lines for r in results)
            print(f"{shown_path(page)}: rewrote {rewritten} blocks", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
