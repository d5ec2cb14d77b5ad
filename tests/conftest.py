"""Shared fixtures. Names say what they hold; add yours with equally clear names."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"


def run_audit_in(folder: Path, *paths: str, **options):
    """``auditor.audit(paths)`` run from ``folder`` (all of it when no path is
    given). Documents are named by the paths as given, so the names read as
    a user would write them: a.txt inside a folder, seeds/000_….txt for the seeds."""
    from auditor.scan import audit

    with contextlib.chdir(folder):
        return audit(list(paths) or ["."], **options)


def audit_seeds(**options):
    """``auditor.audit("seeds")`` from the repository root: documents named seeds/000_….txt."""
    return run_audit_in(REPO_ROOT, "seeds", **options)


def write_masked_copies(clear: str, folder: Path, stem: str, copies: int = 3) -> None:
    """``copies`` copies of ``clear`` in ``folder`` (``{stem}_copy{n}.txt``), each masking with ×
    another third of its numbers of two digits or more: together they reveal what each hides."""
    numbers = sorted(set(re.findall(r"(?<![0-9.])[0-9]{2,}(?![0-9])", clear)))
    assert len(numbers) >= 2 * copies, stem
    for copy in range(copies):
        masked = clear
        for number in numbers[copy::copies]:
            masked = masked.replace(number, "×")
        (folder / f"{stem}_copy{copy}.txt").write_text(masked, encoding="utf-8")


@pytest.fixture(scope="session")
def audit_in():
    """:func:`run_audit_in` for the tests."""
    return run_audit_in


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seed_path():
    """The seed file whose name starts with a prefix such as '000'."""

    def find(prefix: str) -> Path:
        (path,) = SEEDS_DIR.glob(f"{prefix}_*.txt")
        return path

    return find


@pytest.fixture(scope="session")
def seed_text(seed_path):
    """The text of a seed file by its prefix ('000' .. '004')."""
    cache: dict[str, str] = {}

    def read(prefix: str) -> str:
        if prefix not in cache:
            cache[prefix] = seed_path(prefix).read_text(encoding="utf-8")
        return cache[prefix]

    return read


@pytest.fixture(scope="session")
def default_rules():
    from auditor.rules import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def seeds_slot_scan():
    """``audit('seeds/', link=False)``: slots only, no linker."""
    return audit_seeds(link=False, workers=1)


@pytest.fixture(scope="session")
def rules(default_rules):
    return default_rules


@pytest.fixture(scope="session")
def finder(default_rules):
    """The clue finder of the default rules (built once: it loads the gazetteer)."""
    from auditor.map.clues import ClueFinder

    return ClueFinder.default(default_rules)


@pytest.fixture(scope="session")
def mask_finder(default_rules):
    from auditor.map.masks import MaskFinder

    return MaskFinder(default_rules.masks)


@pytest.fixture(scope="session")
def clues_in(finder, mask_finder):
    """The clues of a document as the scan finds them (never over a mask)."""

    def find(text: str, doc: str = "t.txt"):
        return finder.find(doc, text, mask_finder.find(text))

    return find


@pytest.fixture(autouse=True)
def without_the_map_cache(monkeypatch):
    """The tests scan without the map cache (auditor.mapcache) unless they ask for one
    (``map_cache_dir``): a hit would hide what a test changed in the map, and the user's
    cache folder is not the tests' to fill."""
    monkeypatch.setenv("AUDITOR_NO_CACHE", "1")


@pytest.fixture
def map_cache_dir(tmp_path, monkeypatch) -> Path:
    """A fresh cache folder, $AUDITOR_CACHE_DIR, with the map cache on; the compiled
    gazetteer and pkuseg's feature table linked in from the usual cache folder (not built again)."""
    from auditor.gazetteer.cache import default_cache_dir, load_gazetteer

    load_gazetteer()  # compiled where it is usually kept, if it is not there yet
    folder = tmp_path / "cache"
    folder.mkdir()
    for compiled in [*default_cache_dir().glob("gazetteer-*"), *default_cache_dir().glob("pkuseg-features-*")]:
        if not compiled.name.endswith(".tmp"):
            (folder / compiled.name).symlink_to(compiled.resolve())
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(folder))
    monkeypatch.delenv("AUDITOR_NO_CACHE")
    return folder
