"""The package is layered: every module imports only the layers below its own, lazily or not.

errors, extras, version < core < io < model, train < parallel < sklearn, learn < cli
< chainrule itself

and the tests take the library's concepts from the library: outside ``tests/cli`` a test may
run the command (``chainrule.cli.app``) but imports nothing else from the command line.
"""

import ast
import subprocess
import sys
from pathlib import Path

import chainrule

PACKAGE = Path(chainrule.__file__).parent
LAYERS = {
    "errors": 0,
    "extras": 0,
    "version": 0,
    "core": 1,
    "io": 2,
    "model": 3,
    "train": 3,
    "parallel": 4,
    "sklearn": 5,
    "learn": 5,
    "cli": 6,
}
FACADE = 7  # chainrule/__init__.py and __main__.py gather the public names


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> tuple[int, str]:
    """The layer of a chainrule module and the folder (or module) that makes it."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return FACADE, "chainrule"
    return LAYERS[parts[1]], parts[1]


def chainrule_imports(path: Path) -> set[str]:
    """Every chainrule module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] == "chainrule")
    return found


MODULES = {module_name(p): chainrule_imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_belongs_to_a_layer():
    assert len(MODULES) > 30
    for module in MODULES:
        layer(module)


def test_no_module_imports_a_layer_above_its_own_or_a_sibling_layer():
    upward = []
    for module, imports in MODULES.items():
        level, folder = layer(module)
        for imported in imports:
            other_level, other_folder = layer(imported)
            if other_folder != folder and other_level >= level:
                upward.append(f"{module} imports {imported}")
    assert upward == []


def test_the_imports_have_no_cycle():
    def visit(module: str, path: tuple[str, ...]) -> None:
        for imported in MODULES.get(module, ()):
            target = imported if imported in MODULES else imported.rsplit(".", 1)[0]
            assert target not in path, " -> ".join((*path, target))
            if target not in done:
                visit(target, (*path, target))
        done.add(module)

    done: set[str] = set()
    for module in MODULES:
        # a package's __init__ re-exports its modules; the cycle that matters is between
        # modules, so start from each one
        if module not in done:
            visit(module, (module,))


def test_import_chainrule_loads_numpy_and_no_other_third_party_package():
    code = (
        "import sys, chainrule\n"
        "names = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(n for n in names - set(sys.stdlib_module_names) "
        "if not n.startswith('_') and n != 'chainrule'))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["['numpy']"]


def test_tests_outside_the_command_line_take_library_concepts_from_the_library():
    tests = Path(__file__).parent
    borrowed = []
    for path in sorted(tests.rglob("*.py")):
        if path.relative_to(tests).parts[0] == "cli":
            continue
        for imported in chainrule_imports(path):
            if imported.startswith("chainrule.cli") and imported != "chainrule.cli.app":
                borrowed.append(f"{path.relative_to(tests)} imports {imported}")
    assert borrowed == []
