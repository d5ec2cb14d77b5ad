"""The README's examples run as written and print what the README shows.

``sh`` blocks: every line that starts with ``auditor`` is run (in a scratch folder holding a copy of
``seeds/``); a trailing ``# exit N`` comment is the exit status it must end with.
``console`` blocks: ``$ command`` lines are run and what follows them, up to the next ``$``, is what
they must print; a line ``…`` stands for any number of lines, and a line ending in ``…`` for any line
that starts with what comes before it.
``python`` blocks run in order in one namespace, in the same scratch folder.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)
ELLIPSIS = "…"


def blocks(kind: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README.read_text(encoding="utf-8")) if lang == kind]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(REPO / "seeds", folder / "seeds")
    return folder


def run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    assert argv[0] == "auditor", command
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "auditor", *argv[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def sh_commands() -> list[tuple[str, int | None]]:
    commands = []
    for body in blocks("sh"):
        for line in body.splitlines():
            if not line.startswith("auditor "):
                continue
            command, _, comment = line.partition("#")
            wanted = re.search(r"\bexit (\d)\b", comment)
            commands.append((command.strip(), int(wanted.group(1)) if wanted else None))
    return commands


def console_examples() -> list[tuple[str, list[str]]]:
    examples = []
    for body in blocks("console"):
        for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
            command, *expected = chunk.rstrip("\n").split("\n")
            examples.append((command.strip(), expected))
    return examples


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` fits ``expected`` with the README's ellipses (backtracking over '…' lines)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == ELLIPSIS:
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    line = actual[0]
    fits = line.startswith(head[:-1]) if head.endswith(ELLIPSIS) else line == head
    return fits and matches(rest, actual[1:])


def test_readme_has_examples_of_each_kind():
    assert sh_commands() and console_examples() and blocks("python")


@pytest.mark.parametrize("command,wanted", sh_commands(), ids=lambda v: str(v))
def test_sh_example_runs_with_the_exit_status_it_claims(scratch, command, wanted):
    done = run(command, scratch)
    assert "Traceback" not in done.stderr, done.stderr
    if wanted is None:
        assert done.returncode in (0, 1), done.stderr
    else:
        assert done.returncode == wanted, (done.stdout[-2000:], done.stderr[-2000:])


@pytest.mark.parametrize("command,expected", console_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_console_example_prints_what_the_readme_shows(scratch, command, expected):
    done = run(command, scratch)
    actual = done.stdout.rstrip("\n").split("\n")
    assert matches(expected, actual), "\n".join(["expected:", *expected, "", "printed:", *actual])


def test_python_examples_run(scratch, monkeypatch):
    monkeypatch.chdir(scratch)
    namespace: dict = {}
    for body in blocks("python"):
        exec(compile(body, str(README), "exec"), namespace)  # noqa: S102 - the README's own examples


def diagram_files(diagram: str) -> set[str]:
    """The package's files a ``text`` diagram of folders names, as paths under
    auditor/: a line's files are in the folder it opens, or else in the
    innermost folder opened above it with less indentation."""
    files: set[str] = set()
    opened: list[tuple[int, str]] = []  # (indentation, path of the folder)
    for line in diagram.splitlines()[1:]:  # the first line is the package itself
        indent = len(line) - len(line.lstrip(" "))
        while opened and opened[-1][0] >= indent:
            opened.pop()
        folder = opened[-1][1] if opened else ""
        tokens = re.findall(r"(?<![\w.])(\w+/|\w+\.py)(?![\w])", line)
        if tokens and tokens[0].endswith("/") and line.strip().startswith(tokens[0]):
            folder = folder + tokens[0]
            opened.append((indent, folder))
            tokens = tokens[1:]
        files.update(folder + token for token in tokens if token.endswith(".py"))
    return files


def test_diagram_reader_places_files_in_their_folders():
    diagram = "pkg/\n  a.py   one\n  sub/   two.py and\n         three.py\n    x.py\n  b.py\n"
    assert diagram_files(diagram) == {"a.py", "sub/two.py", "sub/three.py", "sub/x.py", "b.py"}


def test_how_it_works_diagram_names_every_module_where_it_is():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## How it works"):]
    diagram = next(body for lang, body in FENCE.findall(section) if lang == "text")
    package = REPO / "auditor"
    actual = {str(path.relative_to(package)) for path in package.rglob("*.py")
              if path.name != "__init__.py" and path.relative_to(package) != Path("__main__.py")}
    assert diagram_files(diagram) == actual
