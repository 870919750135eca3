"""Sphinx configuration of chainrule's documentation site.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (the
``[docs]`` extra). Markdown pages are MyST, the tutorial notebook is rendered from its stored
outputs (never executed here: ``tests/test_tutorial.py`` executes it), the API reference is
autodoc over numpydoc docstrings, and every cross-reference must resolve (nitpicky).
"""

import importlib
import re
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import chainrule  # noqa: E402

project = "chainrule"
author = "the chainrule developers"
copyright = "the chainrule developers"
release = chainrule.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
root_doc = "index"

# MyST: $...$ and $$...$$ math, amsmath environments, ``:::`` fences, heading anchors so the
# guide's ``page.md#section`` links resolve.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# The notebook is shown with the outputs stored in it: the build needs no kernel.
nb_execution_mode = "off"

# autodoc + numpydoc: signatures with their type hints, one entry per public name.
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Offline build: intersphinx has no inventories to fetch, so none are configured; references
# to NumPy, scikit-learn or the standard library stay plain text (nitpick_ignore below).
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

nitpicky = True
nitpick_ignore_regex = [
    # Other projects' types in signatures and bases: no inventories offline (see above).
    ("py:class", r"(numpy|sklearn|abc|collections\.abc|os|pathlib)\..*"),
]
nitpick_ignore = [
    # the estimators' private base class, in the return annotation of the methods that return
    # ``self`` (its public methods are shown on MLPClassifier and MLPRegressor)
    ("py:class", "chainrule.sklearn.estimators._BaseMLP"),
]

html_theme = "pydata_sphinx_theme"
html_title = f"chainrule {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path: list[str] = []

# The derivation and the guide link code as ``../src/chainrule/x/y.py`` (right on GitHub and
# checked by tests/test_docs.py); on the site those links become references into the API
# reference, so a renamed function is a broken reference and fails the build.
CODE_LINK = re.compile(r"\[`(chainrule(?:\.\w+)+)`\]\((?:\.\./)*src/chainrule(?:/\w+)+\.py\)")


def _code_links_to_references(text: str) -> str:
    def reference(match: re.Match[str]) -> str:
        # a private member is shown by name and links to its public owner
        parts = match.group(1).split(".")
        while parts[-1].startswith("_") and parts[-1] != "__call__":
            parts.pop()
        if parts[-1] == "__call__":
            parts.pop()
        return "{py:obj}`" + match.group(1) + " <" + ".".join(parts) + ">`"

    return CODE_LINK.sub(reference, text)


def _source_read(app, docname, source):
    source[0] = _code_links_to_references(source[0])


def _lookup(dotted: str):
    """The object the absolute name ``dotted`` names, or None."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attribute in parts[split:]:
                target = getattr(target, attribute)
        except AttributeError:
            return None
        return target
    return None


def _scopes(node) -> list[str]:
    """The prefixes a reference in ``node`` may be relative to: its class, its module, and the
    module that defines that class (``Model``'s docstring is shown under ``chainrule``)."""
    module, cls = node.get("py:module"), node.get("py:class")
    scopes = []
    if module and cls:
        scopes.append(f"{module}.{cls}")
        owner = _lookup(f"{module}.{cls}")
        if owner is not None and hasattr(owner, "__qualname__"):
            scopes += [f"{owner.__module__}.{owner.__qualname__}", owner.__module__]
    if module:
        scopes.append(module)
    return [*scopes, ""]


def _documented_names(obj) -> list[str]:
    """Where the API reference may document ``obj``: its top-level ``chainrule.X`` name, the
    packages above its module that re-export it, and the module that defines it."""
    if isinstance(obj, types.ModuleType):
        return [obj.__name__]
    qualname, module = getattr(obj, "__qualname__", None), getattr(obj, "__module__", None)
    if not (qualname and module):
        return []
    names = [f"chainrule.{n}" for n in chainrule.__all__ if getattr(chainrule, n, None) is obj]
    packages = module.split(".")
    for i in range(len(packages) - 1, 1, -1):
        package = sys.modules.get(".".join(packages[:i]))
        if package is not None and getattr(package, qualname, None) is obj:
            names.append(f"{package.__name__}.{qualname}")
    return [*names, f"{module}.{qualname}"]


def _missing_reference(app, env, node, contnode):
    """Resolve a reference to a re-exported name (``chainrule.core.Network``, ``DataError``
    imported into a module) to the one place the API reference documents it. A name that does
    not exist, or exists but is not documented, stays a broken reference."""
    if node.get("refdomain") != "py":
        return None
    py = env.domains["py"]
    parts = node["reftarget"].lstrip("~.").split(".")
    for scope in _scopes(node):
        # the longest prefix that names an object; the rest are its members
        for split in range(len(parts), 0, -1):
            obj = _lookup(".".join(filter(None, [scope, *parts[:split]])))
            if obj is None:
                continue
            for name in _documented_names(obj):
                full = ".".join([name, *parts[split:]])
                for role in (node["reftype"], "obj"):
                    resolved = py.resolve_xref(
                        env, node["refdoc"], app.builder, role, full, node, contnode
                    )
                    if resolved is not None:
                        return resolved
    return None


SKLEARN_REQUEST = re.compile(r"set_\w+_request")


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn's metadata-routing setters: generated by scikit-learn, documented there
    if SKLEARN_REQUEST.fullmatch(name):
        return True
    return None


def _public_bases(app, name, obj, options, bases):
    # a private base class (``_BaseMLP``) is shown as the public bases it stands for
    public = []
    for base in bases:
        public.extend(
            b
            for b in (base.__bases__ if base.__name__.startswith("_") else (base,))
            if b not in public
        )
    bases[:] = public


def _dataclass_signature(app, what, name, obj, options, signature, return_annotation):
    # a dataclass field's ``default_factory`` shows as ``<factory>``, which Sphinx cannot parse
    if signature and "<factory>" in signature:
        return signature.replace("<factory>", "..."), return_annotation
    return None


def setup(app):
    app.connect("autodoc-process-signature", _dataclass_signature)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("source-read", _source_read)
    app.connect("missing-reference", _missing_reference)
