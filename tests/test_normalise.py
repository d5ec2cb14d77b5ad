"""Clues a reader sees through a changed script, width forms, invisible characters,
spacing, a hard wrap, HTML or Markdown markup: each must still be found, as
written and at its original offsets (issue 11)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import auditor.cli
from auditor.map.clues import ClueFinder

YUANPING = "山西省/忻州市/原平市"
PREFIX = "××市高标准建设"  # a masked city: the clues below re-identify it


def paths(finder: ClueFinder, clue) -> set[str]:
    return {finder.gazetteer.path(uid) for uid in clue.candidates}


def the_clue(clues, text: str, written: str):
    """The one clue written as ``written``, checked to stand at its original offsets."""
    found = [c for c in clues if c.text == written]
    assert len(found) == 1, [(c.text, c.kind) for c in clues]
    clue = found[0]
    assert text[clue.start : clue.end] == written
    assert clue.line == text.count("\n", 0, clue.start) + 1
    return clue


def test_traditional_characters_are_found_as_written(finder, clues_in):
    text = "××市高标准建设崞陽古城、軒崗鎮、天涯山。"
    clues = clues_in(text)
    ancient_town = the_clue(clues, text, "崞陽古城")
    assert (ancient_town.start, ancient_town.end, ancient_town.kind) == (8, 12, "landmark")
    town = the_clue(clues, text, "軒崗鎮")
    assert (town.start, town.end, town.kind, town.level) == (13, 16, "admin", "town")
    assert paths(finder, town) == {f"{YUANPING}/轩岗镇"}


def test_traditional_units_and_counties(clues_in):
    text = "××市溧陽市横涧镇投资三億元，崗位萬個。"
    assert the_clue(clues_in(text), text, "溧陽市").kind == "admin"


def test_a_simplified_name_that_opencc_would_rewrite_is_still_found(finder, clues_in):
    # t2s turns 乾 into 干 and 濛 into 蒙: the names' own characters are kept,
    # also in a document that has traditional characters to convert elsewhere.
    text = "××市與乾县、濛江乡共建園區。"
    clues = clues_in(text)
    assert "陕西省/咸阳市/乾县" in paths(finder, the_clue(clues, text, "乾县"))
    the_clue(clues, text, "濛江乡")


@pytest.mark.parametrize(
    "written, name",
    [
        ("⼭⻄省的⻓治市", ("⼭⻄省", "⻓治市")),  # Kangxi radical ⼭, radicals-supplement ⻄ ⻓
        ("\uf90a华市", ("\uf90a华市",)),  # CJK compatibility ideograph 金
        ("原平市，Ｇ１０８国道", ("原平市",)),  # full-width forms around a clue stay readable
    ],
)
def test_radicals_and_compatibility_ideographs(clues_in, written, name):
    text = f"{PREFIX}{written}。"
    clues = clues_in(text)
    for each in name:
        assert the_clue(clues, text, each).kind == "admin"


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u202e", "\u2066", "\u200e"],
    ids=["zwsp", "zwnj", "zwj", "word-joiner", "soft-hyphen", "bom", "rlo", "lri", "lrm"],
)
def test_an_invisible_character_inside_a_name_hides_nothing(finder, clues_in, invisible):
    written = f"轩{invisible}岗镇"
    text = f"{PREFIX}{written}和原{invisible}平{invisible}市。"
    clues = clues_in(text)
    town = the_clue(clues, text, written)
    assert (town.start, town.end) == (8, 12)
    assert paths(finder, town) == {f"{YUANPING}/轩岗镇"}
    the_clue(clues, text, f"原{invisible}平{invisible}市")


@pytest.mark.parametrize("space", [" ", "\u3000", "  ", " \u3000"])
def test_spaces_between_the_characters_of_a_name_hide_nothing(clues_in, space):
    written = space.join("崞阳古城")
    text = f"{PREFIX}{written}、轩{space}岗{space}镇。"
    clues = clues_in(text)
    assert the_clue(clues, text, written).kind == "landmark"
    assert the_clue(clues, text, f"轩{space}岗{space}镇").level == "town"


def test_a_hard_wrap_inside_a_name_hides_nothing(clues_in):
    text = (
        "××市高标准建设，全力推进文旅融合发展项目，打造轩\n"
        "岗镇的新名片，建成天涯山景区。\n"
    )
    clues = clues_in(text)
    town = the_clue(clues, text, "轩\n岗镇")
    assert (town.start, town.end, town.line) == (24, 28, 1)
    assert the_clue(clues, text, "天涯山").line == 2  # lines of the original, after the joined one


def test_a_heading_or_a_blank_line_is_no_wrap(clues_in):
    # A line shorter than the next (a heading) ends where it ends; so does a paragraph.
    heading = "××市打造原\n平市民中心广场和配套设施建设项目。"
    assert not [c for c in clues_in(heading) if "\n" in c.text]
    paragraph = "××市打造原\n\n平市民中心广场。"
    assert not [c for c in clues_in(paragraph) if "\n" in c.text]
    punctuation = "××市打造轩岗 。镇"
    assert not [c for c in clues_in(punctuation) if " " in c.text]


@pytest.mark.parametrize(
    "written",
    ["崞&#38451;古城", "崞&#x9633;古城", "崞<b>阳</b>古城", '崞<span class="x">阳</span>古城', "崞<em>阳古</em>城"],
)
def test_html_entities_and_inline_tags_inside_a_name_hide_nothing(clues_in, written):
    text = f"<html><body><p>{PREFIX}{written}。</p></body></html>\n"
    clue = the_clue(clues_in(text, "page.html"), text, written)
    assert clue.kind == "landmark"


def test_html_block_tags_still_end_a_name(clues_in):
    text = f"<p>{PREFIX}原</p><p>平市民广场。</p>\n"
    assert not [c for c in clues_in(text, "page.html") if c.text.startswith("原<")]


@pytest.mark.parametrize("written", ["崞**阳**古城", "崞~~阳~~古城"])
def test_markdown_emphasis_inside_a_name_hides_nothing(clues_in, written):
    text = f"# 报告\n\n{PREFIX}{written}。\n"
    assert the_clue(clues_in(text, "report.md"), text, written).kind == "landmark"


def test_a_mask_still_blocks_a_clue_across_it(clues_in):
    # The masks are never rewritten nor dropped: 原 × 市 (a masked 原平市) is no clue.
    for text, doc in [("××市打造原\u200b×\u200b市。", "t.txt"), ("××市打造原 ** 市。", "t.md"),
                      ("××市打造原 ×　市。", "t.txt")]:
        assert not [c for c in clues_in(text, doc) if c.start <= text.index("原") < c.end], text


def test_the_gate_fails_a_document_that_names_its_place_in_traditional_script(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "report.txt").write_text("××市高标准建设崞陽古城、軒崗鎮、天涯山，发展成效显著。\n", encoding="utf-8")
    result = CliRunner().invoke(auditor.cli.main, ["check", str(folder)])
    assert result.exit_code == 1, result.output
    assert "軒崗鎮" in result.output  # the finding shows the text as written


def test_scan_tables_show_the_original_characters_and_offsets(tmp_path):
    import csv

    folder = tmp_path / "in"
    folder.mkdir()
    text = "××市高标准建设崞\u200b阳古城，打造轩 岗 镇。\n"
    (folder / "report.txt").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(auditor.cli.main, ["scan", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "out" / "clues.csv", encoding="utf-8", newline="") as handle:
        rows = {row["text"]: row for row in csv.DictReader(handle)}
    for written in ("崞\u200b阳古城", "轩 岗 镇"):
        assert written in rows, rows.keys()
        start, end = int(rows[written]["start"]), int(rows[written]["end"])
        assert text[start:end] == written


def test_a_plain_simplified_text_is_not_rewritten(finder):
    text = "过去一年，原平市坚持以项目建设为抓手。\n一、工作回顾\n"
    assert not finder.normaliser.normalise(text, ".txt").rewritten


# The offset map: every span of the view between two CJK characters comes from
# an original span that normalises to exactly it.
_INVISIBLE = st.sampled_from(["\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u202a", " ", "\u3000"])
_CHARACTERS = st.sampled_from(list("崞阳陽古城轩軒岗崗镇鎮原平市，。×X") + ["⻄", "⼭", "\uf90a", "Ｇ", "１"])
_PIECES = st.lists(st.tuples(_CHARACTERS, st.lists(_INVISIBLE, max_size=2)), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(_PIECES)
def test_the_offset_map_round_trips(finder, pieces):
    text = "".join(char + "".join(extra) for char, extra in pieces)
    normaliser = finder.normaliser
    view = normaliser.normalise(text, ".txt")
    cjk = [i for i, c in enumerate(view.text) if "\u4e00" <= c <= "\u9fff"]
    for i in cjk:
        for j in cjk:
            if j < i:
                continue
            start, end = view.original_span(i, j + 1)
            assert 0 <= start < end <= len(text)
            assert normaliser.normalise(text[start:end], ".txt").text == view.text[i : j + 1]
            assert view.view_span(start, end) == (i, j + 1)


@settings(max_examples=100, deadline=None)
@given(_PIECES)
def test_every_clue_is_the_original_text_at_its_offsets_and_no_mask_is_in_it(clues_in, mask_finder, pieces):
    text = "××市" + "".join(char + "".join(extra) for char, extra in pieces)
    runs = mask_finder.find(text)
    for clue in clues_in(text):
        assert text[clue.start : clue.end] == clue.text
        assert not any(run.start < clue.end and clue.start < run.end for run in runs)
