"""The map cache (auditor.mapcache): a second scan reuses each document's map result, with
output byte for byte that of a scan without it; a changed rule file, a corrupt entry or an
unusable cache folder is a miss or a warning, never a wrong result or a crash."""
from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.mapcache import CACHE_FILE, MapCache
from auditor.rules import _load_rules, load_rules
from auditor.scan import audit, map_documents
from auditor.map.loading import iter_input_files


def _files_of(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def _scan(paths, out: Path, *options: str) -> None:
    outcome = CliRunner().invoke(main, ["-v", "scan", *map(str, paths), "--out", str(out), "-j", "1", "-q", *options])
    assert outcome.exit_code in (0, 1), outcome.output
    assert "Traceback" not in outcome.output


@pytest.fixture
def corpus_with_a_renamed_copy(tmp_path, seeds_dir) -> Path:
    """The seeds, and a copy of the first under another name."""
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus / "seeds")
    first = sorted((corpus / "seeds").glob("*.txt"))[0]
    shutil.copy(first, corpus / "seeds" / "renamed_copy.txt")
    return corpus


def test_a_second_scan_comes_from_the_cache_and_writes_the_same_files_as_without_it(
        map_cache_dir, corpus_with_a_renamed_copy, tmp_path, seeds_dir, caplog, monkeypatch):
    monkeypatch.chdir(corpus_with_a_renamed_copy)
    caplog.set_level(logging.INFO, "auditor")
    _scan(["seeds"], tmp_path / "uncached", "--no-cache")
    assert not (map_cache_dir / CACHE_FILE).exists()
    # The seeds only, under their own names: the renamed copy's bytes are in the cache then.
    _scan([seeds_dir], tmp_path / "warming")
    n = len(list((corpus_with_a_renamed_copy / "seeds").iterdir()))
    caplog.clear()
    _scan(["seeds"], tmp_path / "cached")
    assert f"{n} of {n} document(s) from the map cache" in caplog.text
    _scan(["seeds"], tmp_path / "cached-again")
    expected = _files_of(tmp_path / "uncached")
    assert "seeds/renamed_copy.txt" in expected["files.csv"].decode()
    for cached in ("cached", "cached-again"):
        assert _files_of(tmp_path / cached) == expected


def test_a_hit_is_the_analysis_of_a_fresh_read_but_for_timings(map_cache_dir, corpus_with_a_renamed_copy):
    files = list(iter_input_files([corpus_with_a_renamed_copy]))
    rules = load_rules()
    fresh = map_documents(files, rules)
    cache = MapCache()
    map_documents(files, rules, cache=cache)
    again = map_documents(files, rules, cache=cache)
    assert cache.hits == len(files)
    for analysis, hit in zip(fresh, again):
        assert hit.doc == analysis.doc and hit.source.path == analysis.source.path
        assert {s.doc for s in hit.slots + hit.clues} <= {analysis.doc}
        assert (hit.source, hit.slots, hit.clues, hit.fingerprint, hit.suspects) == (
            analysis.source, analysis.slots, analysis.clues, analysis.fingerprint, analysis.suspects)


def test_an_edited_rule_file_makes_every_document_a_miss(map_cache_dir, tmp_path, seeds_dir):
    rules_copy = tmp_path / "rules"
    shutil.copytree(load_rules().folder, rules_copy)
    cache = MapCache()
    audit([seeds_dir], load_rules(rules_copy), cache=cache)
    audit([seeds_dir], load_rules(rules_copy), cache=cache)
    n = cache.hits
    assert n == len(list(seeds_dir.iterdir())) and cache.misses == n
    with open(rules_copy / "clues.toml", "a", encoding="utf-8") as rule_file:
        rule_file.write("\n# edited\n")
    _load_rules.cache_clear()
    try:
        audit([seeds_dir], load_rules(rules_copy), cache=cache)
    finally:
        _load_rules.cache_clear()
    assert (cache.hits, cache.misses) == (n, 2 * n)


def test_a_corrupt_entry_is_a_miss(map_cache_dir, seeds_dir):
    fresh = audit([seeds_dir], link=False)
    audit([seeds_dir], link=False, cache=MapCache())
    with sqlite3.connect(map_cache_dir / CACHE_FILE) as db:
        db.execute("UPDATE entries SET value = x'80054b'")  # a pickle cut short
    db.close()
    cache = MapCache()
    result = audit([seeds_dir], link=False, cache=cache)
    assert cache.hits == 0
    assert [(a.source, a.slots) for a in result.analyses] == [(a.source, a.slots) for a in fresh.analyses]


@pytest.mark.parametrize("spoil", ["not-a-database", "a-file-for-a-folder"])
def test_an_unusable_cache_is_a_warning_and_the_scan_goes_on(map_cache_dir, seeds_dir, tmp_path, caplog,
                                                              monkeypatch, spoil):
    if spoil == "not-a-database":
        (map_cache_dir / CACHE_FILE).write_bytes(b"not a database at all" * 100)
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        monkeypatch.setenv("AUDITOR_CACHE_DIR", str(blocker / "cache"))
    _scan([seeds_dir], tmp_path / "uncached", "--no-cache", "--no-link")
    _scan([seeds_dir], tmp_path / "spoilt", "--no-link")
    assert "the map cache" in caplog.text and "scanning without it" in caplog.text
    assert _files_of(tmp_path / "spoilt") == _files_of(tmp_path / "uncached")


def test_a_timed_out_document_is_not_stored(map_cache_dir, seed_path, monkeypatch):
    """A rule pattern running out of time depends on the machine, not the bytes: the next scan reads it again."""
    from auditor import scan

    read = scan.Analyzer.read
    monkeypatch.setattr(scan.Analyzer, "read",
                        lambda self, source, timings=None: read(self, source, timings).rule_timed_out(TimeoutError("slow")))
    cache = MapCache()
    timed_out = audit([seed_path("000")], link=False, cache=cache)
    assert timed_out.analyses[0].source.status == "rule-timeout"
    monkeypatch.setattr(scan.Analyzer, "read", read)
    again = audit([seed_path("000")], link=False, cache=cache)
    assert cache.hits == 0 and again.analyses[0].source.status == "ok"


def test_no_cache_and_the_environment_leave_the_cache_alone(map_cache_dir, seeds_dir, tmp_path, monkeypatch):
    _scan([seeds_dir], tmp_path / "out", "--no-cache", "--no-link")
    monkeypatch.setenv("AUDITOR_NO_CACHE", "1")
    _scan([seeds_dir], tmp_path / "out", "--no-link")
    assert not (map_cache_dir / CACHE_FILE).exists()
