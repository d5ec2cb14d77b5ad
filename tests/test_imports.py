"""The package's imports (issue 14): no module imports itself round a loop,
counting the imports made inside functions, which hide a loop from Python
but not from a reader."""
from __future__ import annotations

import ast
from pathlib import Path

import auditor

PACKAGE = Path(auditor.__file__).resolve().parent


def _edges() -> dict[str, set[str]]:
    """module -> the package's modules it imports at run time (not those only
    named for type checking under ``if TYPE_CHECKING:``)."""
    edges: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        module = path.stem
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and getattr(block.test, "id", "") == "TYPE_CHECKING" for node in ast.walk(block)}
        found = set()
        for node in ast.walk(tree):
            if id(node) in typing_only or not isinstance(node, ast.ImportFrom) or node.level != 1:
                continue
            if node.module:
                found.add(node.module.split(".")[0])
            else:  # from . import x: x is a module of the package or a name of __init__
                found.update(alias.name for alias in node.names if (PACKAGE / f"{alias.name}.py").exists())
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


def test_the_walker_finds_a_loop():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_of_the_package_imports_itself_round_a_loop():
    edges = _edges()
    assert {"scan", "report", "gate", "remediate", "tables", "linker", "recovery"} <= set(edges)
    assert _cycle(edges) == []


# Imports a function may make: the command line's lazy start-up (`auditor --help`
# must not load pandas or the gazetteer), and pkuseg's model code, which takes
# 0.4 s to import and is loaded on the first segmentation that needs the model.
# The package's face loads the library on first use for the same reason.
LAZY = {"cli": None, "__init__": {".scan", ".output", ".result"}, "segment": {"spacy_pkuseg"}}


def _function_imports() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
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
                allowed = LAZY.get(path.stem, set())
                for name in names:
                    if allowed is not None and name not in allowed:
                        found.append((path.stem, node.lineno, name))
    return found


def test_imports_stand_at_the_top_of_their_module():
    assert _function_imports() == []
