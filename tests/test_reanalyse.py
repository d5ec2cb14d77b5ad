"""Fix's rounds re-read a document after masking a few of its names, and re-link a corpus
in which few documents changed: the re-read keeps the clues of the lines that read as
before, the re-link the inferences of the groups that read as before; both must give what
a fresh read and a fresh link give."""
from __future__ import annotations

import contextlib
import re
from dataclasses import replace

import pytest

from auditor.records import SourceText
from auditor.reduce.linker import KeptLink, link_corpus
from auditor.map.loading import iter_input_files
from auditor.scan import analyzer_for, map_documents

from conftest import audit_seeds, write_masked_copies

# A report as template sites carry it: traditional script, spaced titles, a hard wrap inside a name.
_REWRITTEN = (
    "政 府 工 作 報 告\n"
    "——2021年1月在原平市第十六屆人民代表大會第五次會議上\n"
    "過去一年，我們修復崞陽古城，建成軒崗鎮污水處理廠，同德鋁業投產。\n"
    "沿滹沱河生態廊道，完成大林鄉、\n"
    "中陽鄉兩個示範區建設，忻原大道全線通車。\n"
    "今年，我們將推進太忻一體化，建設×××產業園。\n"
)


def _masked(text: str, names: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with every occurrence of ``names`` masked by one ×, as fix writes it (the
    lines after a masked name then begin earlier than they did)."""
    for name in names:
        text = text.replace(name, "×")
    return text, []


def _source(doc: str, text: str) -> SourceText:
    return SourceText(doc, f"/{doc}", text, "utf-8", "ok")


def _pair(rules, doc: str, text: str, names: list[str]):
    analyzer = analyzer_for(rules)
    earlier = analyzer.analyse(_source(doc, text))
    edited, _ = _masked(text, names)
    return analyzer, earlier, _source(doc, edited)


@pytest.mark.parametrize("names", [["轩岗镇"], ["崞阳古城", "滹沱河", "原平市"], ["忻州市", "五台县", "宁武县"]])
def test_a_reread_after_masking_finds_what_a_fresh_read_finds(rules, seed_text, names):
    analyzer, earlier, source = _pair(rules, "000.txt", seed_text("000"), names)
    assert analyzer.reanalyse(earlier, source).clues == analyzer.analyse(source).clues


@pytest.mark.parametrize("names", [["崞陽古城"], ["軒崗鎮", "同德鋁業"], ["大林鄉、\n中陽鄉"], ["原平市"]])
def test_a_reread_of_a_text_whose_view_is_rewritten_finds_what_a_fresh_read_finds(rules, names):
    analyzer, earlier, source = _pair(rules, "report.txt", _REWRITTEN, names)
    assert analyzer.clue_finder.normaliser.normalise(_REWRITTEN).rewritten
    again = analyzer.reanalyse(earlier, source)
    fresh = analyzer.analyse(source)
    assert again.clues == fresh.clues
    # The clues stand where they are written, in traditional script, with their lines.
    for clue in again.clues:
        assert source.text[clue.start:clue.end] == clue.text
        assert clue.line == source.text.count("\n", 0, clue.start) + 1
    assert any(c.text == "忻原大道" or "忻原" in c.text for c in again.clues)


def test_a_reread_reads_only_the_lines_the_edit_changed(rules, seed_text, monkeypatch):
    analyzer, earlier, source = _pair(rules, "000.txt", seed_text("000"), ["轩岗镇"])
    finder = analyzer.clue_finder
    changed = sum(1 for old, new in zip(earlier.source.text.split("\n"), source.text.split("\n")) if old != new)
    assert 0 < changed < len(source.text.split("\n")) // 4
    read = []
    monkeypatch.setattr(finder, "_line_cache", type(finder._line_cache)("clue-lines"))
    original = type(finder)._find_in_line
    monkeypatch.setattr(finder, "_find_in_line", lambda line, masked: read.append(line) or original(finder, line, masked))
    again = analyzer.reanalyse(earlier, source)
    assert len(read) == changed
    assert all("轩岗镇" not in line and "×" in line for line in read)
    # A fresh read of the same text reads every line (each distinct one once).
    read.clear()
    monkeypatch.setattr(finder, "_line_cache", type(finder._line_cache)("clue-lines"))
    assert analyzer.analyse(source).clues == again.clues
    assert len(read) == len(set(source.text.split("\n")))


def test_weights_the_linker_gave_the_earlier_clues_are_not_carried_over(rules, seed_text):
    analyzer, earlier, source = _pair(rules, "000.txt", seed_text("000"), ["轩岗镇"])
    weighted = replace(earlier, clues=[replace(c, weight=1.5) for c in earlier.clues])
    assert {c.weight for c in analyzer.reanalyse(weighted, source).clues} == {0.0}


@pytest.fixture(scope="module")
def seeds_mapped():
    return audit_seeds(link=False).analyses


def _identities(linkage):
    return [(i.doc, i.identity, i.confidence, i.risk, i.anonymity_set, [c.text for c in i.top_clues])
            for i in linkage.identities]


def test_a_relink_with_what_the_last_link_kept_is_a_fresh_link(rules, seeds_mapped):
    analyses = [analyzer_for(rules).with_clues_found(a) for a in seeds_mapped]
    kept = KeptLink(rules)
    first = link_corpus(analyses, rules, kept=kept)
    assert _identities(first) == _identities(link_corpus(analyses, rules))
    misses = kept.misses
    again = link_corpus(analyses, rules, kept=kept)
    assert kept.misses == misses and kept.hits >= len({i.group for i in first.identities})
    assert _identities(again) == _identities(first)
    # One document changed (its place's names masked): its group is inferred again, and the
    # identities are those of a fresh link of the new corpus.
    index = next(i for i, a in enumerate(analyses) if a.doc.startswith("seeds/000"))
    names = sorted({c.text for c in analyses[index].clues if c.level in ("county", "town")}, key=len, reverse=True)
    edited, _ = _masked(analyses[index].source.text, names)
    changed = list(analyses)
    changed[index] = analyzer_for(rules).reanalyse(analyses[index],
                                                   replace(analyses[index].source, text=edited))
    relinked = link_corpus(changed, rules, kept=kept)
    assert kept.misses > misses
    assert _identities(relinked) == _identities(link_corpus(changed, rules))
    assert _identities(relinked) != _identities(first)


def test_a_relink_with_what_the_last_link_kept_finds_what_copies_reveal_as_a_fresh_link(rules, seed_text, tmp_path):
    # three copies of a report, each masking another third of its numbers: each reveals the others'
    write_masked_copies(seed_text("002"), tmp_path, "report")
    with contextlib.chdir(tmp_path):
        analyses = map_documents(list(iter_input_files(["."])), rules)  # read, fingerprinted, clues found
    kept = KeptLink(rules)
    first = link_corpus(analyses, rules, kept=kept)
    assert first.inconsistencies == link_corpus(analyses, rules).inconsistencies
    assert len(first.inconsistencies) > 10
    assert link_corpus(analyses, rules, kept=kept).inconsistencies == first.inconsistencies
    # one copy masks more (its years): the others now reveal those slots too
    edited = replace(analyses[0].source, text=re.sub("20[0-9]{2}年", "××××年", analyses[0].source.text))
    changed = [analyzer_for(rules).reanalyse(analyses[0], edited)] + analyses[1:]
    relinked = link_corpus(changed, rules, kept=kept)
    assert relinked.inconsistencies == link_corpus(changed, rules).inconsistencies != first.inconsistencies


def test_what_a_link_kept_is_refused_under_other_rules(rules, seeds_mapped, tmp_path):
    import shutil

    from auditor.rules import load_rules

    shutil.copytree(rules.folder, tmp_path / "rules")
    other = load_rules(tmp_path / "rules")
    with pytest.raises(ValueError):
        link_corpus([analyzer_for(rules).with_clues_found(a) for a in seeds_mapped], other,
                    kept=KeptLink(rules))
