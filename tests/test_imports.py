"""The package's imports (issue 14): no module imports itself round a loop,
counting the imports made inside functions, which hide a loop from Python
but not from a reader."""
from __future__ import annotations

import ast
from pathlib import Path

import auditor

PACKAGE = Path(auditor.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    """The package's modules by dotted name under auditor (map.clues; a
    subpackage by its own name, for its __init__)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1] or ["__init__"]
        modules[".".join(parts)] = path
    return modules


def _package_of(module: str, path: Path) -> list[str]:
    """The package a module's relative imports start from, as parts under auditor."""
    parts = [] if module == "__init__" else module.split(".")
    return parts if path.name == "__init__.py" else parts[:-1]


def _target(base: list[str], level: int, name: str | None) -> list[str]:
    return base[: len(base) - (level - 1)] + (name.split(".") if name else [])


def _edges() -> dict[str, set[str]]:
    """module -> the package's modules it imports at run time (not those only
    named for type checking under ``if TYPE_CHECKING:``)."""
    modules = _modules()
    edges: dict[str, set[str]] = {}
    for module, path in modules.items():
        base = _package_of(module, path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and getattr(block.test, "id", "") == "TYPE_CHECKING" for node in ast.walk(block)}
        found = set()
        for node in ast.walk(tree):
            if id(node) in typing_only or not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            target = ".".join(_target(base, node.level, node.module)) or "__init__"
            for alias in node.names:
                # from . import x: x is a module of the package or a name of its __init__
                # (but for the top package's __version__, set before it imports anything)
                submodule = f"{target}.{alias.name}" if target != "__init__" else alias.name
                if submodule in modules:
                    found.add(submodule)
                elif target != "__init__":
                    found.add(target)
        edges[module] = found - {module}
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import loop, as the modules along it, or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        stack.append(module)
        for other in sorted(edges.get(module, ())):
            if state.get(other) == 1:
                return stack[stack.index(other):] + [other]
            if other not in state:
                found = visit(other)
                if found:
                    return found
        stack.pop()
        state[module] = 2
        return []

    for module in sorted(edges):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return []


def test_the_walker_reads_relative_imports_from_subpackages():
    assert _target(["map", "recognizers"], 1, "base") == ["map", "recognizers", "base"]
    assert _target(["map"], 2, "gazetteer") == ["gazetteer"]
    assert _target([], 1, "scan") == ["scan"]
    edges = _edges()
    assert "map.recognizers.base" in edges["map.recognizers.codes"]
    assert "gazetteer.boundaries" in edges["gazetteer.build"]  # from . import boundaries


def test_the_walker_finds_a_loop():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_of_the_package_imports_itself_round_a_loop():
    edges = _edges()
    assert {"scan", "output.report", "output.gate", "fix", "output.tables", "reduce.linker", "reduce.recovery",
            "map.clues", "gazetteer", "gazetteer.cache"} <= set(edges)
    assert "reduce.linker" in edges["scan"] and "gazetteer.model" in edges["gazetteer.cache"]
    assert _cycle(edges) == []


# Imports a function may make: the command line's lazy start-up (`auditor --help`
# must not load pandas or the gazetteer), and pkuseg's model code, which takes
# 0.4 s to import and is loaded on the first segmentation that needs the model
# (map.segment, map.pkuseg_features; numpy there maps the model's weights).
# The package's face loads the library on first use for the same reason. Babel
# reads the message catalogue the first time a string is wanted in Chinese (English
# never loads it), and extracts msgids only for `make messages` and the tests. Dask
# (`import distributed` takes 0.6 s, more than auditor's whole command line
# before the scan) is loaded by the runner only for --engine dask: every
# command, `auditor check` in a commit hook first, imports the runner. pyarrow is
# loaded by the tables only for --tables parquet. A cold `auditor check` of a text file
# needs neither pandas (0.3 s; the result's frames load the tables), nor pdfplumber and
# pdfminer (0.1 s; loading reads the PDF reader's module on the first PDF), nor shapely and
# numpy (0.2 s; only compiling the gazetteer draws the counties' borders).
LAZY = {"cli": None, "__init__": {".scan", ".output.writer", ".result"}, "map.segment": {"spacy_pkuseg"},
        "i18n": {"babel.messages.mofile", "babel.messages.pofile"},
        "locale": {"babel.messages.extract"},
        "runner": {"dask", "dask.utils", "distributed", "distributed.comm", "distributed.comm.registry"},
        "output.tables": {"pyarrow", "pyarrow.parquet"},
        "result": {".output"}, "map.loading": {".formats"}, "gazetteer.boundaries": {"numpy", "shapely"},
        "map.pkuseg_features": {"spacy_pkuseg", "spacy_pkuseg.config", "spacy_pkuseg.feature_extractor",
                                "spacy_pkuseg.model", "numpy"}}


def _function_imports() -> list[tuple[str, int, str]]:
    found = []
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = ["." * node.level + (node.module or "")]
                else:
                    continue
                allowed = LAZY.get(module, set())
                for name in names:
                    if allowed is not None and name not in allowed:
                        found.append((module, node.lineno, name))
    return found


def test_imports_stand_at_the_top_of_their_module():
    assert _function_imports() == []
