"""Slots of the seed corpus: how many, where, and what each is judged to hide."""
from __future__ import annotations

import re

import pytest

from auditor.records import SourceText
from auditor.rules import load_rules
from auditor.scan import Analyzer

SEED_000 = "seeds/000_f10a573ecf1e5254.txt"
SEED_001 = "seeds/001_205791ec78af48ee.txt"


def seed_doc(prefix: str) -> str:
    return {"000": SEED_000, "001": SEED_001}[prefix]


def slot_at(scan, seed_text, prefix: str, sentence: str, nth: int = 0):
    """The slot of the nth mask of ``sentence``, which must occur once in the seed."""
    text = seed_text(prefix)
    assert text.count(sentence) >= 1, sentence
    at = text.index(sentence)
    masks = [m.start() for m in re.finditer("×", sentence)]
    start = at + masks[nth]
    (slot,) = [s for s in scan.analysis(seed_doc(prefix)).slots if s.start == start]
    return slot


def test_seed_slot_counts(seeds_slot_scan):
    counts = {a.doc.removeprefix("seeds/")[:3]: len(a.slots) for a in seeds_slot_scan.analyses}
    assert counts == {"000": 271, "001": 283, "002": 0, "003": 0, "004": 0}
    assert all(a.source.status == "ok" for a in seeds_slot_scan.analyses)


def test_slot_count_equals_times_signs_in_redacted_seeds(seeds_slot_scan, seed_text):
    # Every × in 000/001 is a one-character mask, so the counts must agree.
    for prefix, doc in (("000", SEED_000), ("001", SEED_001)):
        assert len(seeds_slot_scan.analysis(doc).slots) == seed_text(prefix).count("×")


def test_unit_led_slots_are_numbers_with_that_unit(seeds_slot_scan, default_rules):
    units = sorted(default_rules.slots.units, key=len, reverse=True)
    checked = 0
    for slot in seeds_slot_scan.analysis(SEED_000).slots:
        right = re.sub(r"^[ \t\u3000]*(?:多|余)?", "", slot.right_context)
        unit = next((u for u in units if right.startswith(u)), None)
        if unit is None:
            continue
        checked += 1
        if slot.slot_type == "year":
            # ×年取得的成绩: the year under review, not a count of years
            assert unit == "年" and slot.rule.startswith("year-"), slot
            continue
        assert (slot.slot_type, slot.unit, slot.rule) == ("number", unit, "number-unit"), slot
    assert checked > 200


def test_numbers_without_a_unit_are_digit_led(seeds_slot_scan):
    for analysis in seeds_slot_scan.analyses:
        for slot in analysis.slots:
            if slot.slot_type == "number" and not slot.unit:
                assert re.match(r"\s*(?:[.．]?\d|[.．]×|[至到~～—\-－、])", slot.right_context), slot


@pytest.mark.parametrize(
    "prefix, sentence, nth, expected",
    [
        ("000", "全年地区生产总值完成×亿元", 0, ("number", "亿元", "")),
        ("000", "同比增长×%", 0, ("number", "%", "")),
        ("000", "开工建设×kV变电站", 0, ("number", "kV", "")),
        ("000", "生支出占总支出的× %", 0, ("number", "%", "")),
        ("000", "煤炭产能增加×万吨", 0, ("number", "万吨", "")),
        ("000", "“城市六乱”×多处", 0, ("number", "处", "")),
        ("000", "送书下乡×余册", 0, ("number", "册", "")),
        ("001", "2022年度市长在×市第×届人民代表大会", 1, ("ordinal", "", "")),
        ("000", "×年取得的成绩", 0, ("year", "", "")),
        ("000", "启动×G全覆盖项目", 0, ("code", "", "")),
        ("000", "盈创×D打印建筑", 0, ("code", "", "")),
        ("000", "推进国道×线", 0, ("code", "", "")),
        ("000", "“×”平台", 0, ("code", "", "")),
        ("000", "省第十二次党代会、×市第五次党代会", 0, ("place", "", "prefecture")),
        ("000", "深入贯彻习近平总书记视察×重要讲话", 0, ("place", "", "province")),
        ("000", "与×省四建集团", 0, ("place", "", "province")),
        ("000", "重振×雄风", 0, ("place", "", "county")),
        ("000", "建设平安×", 0, ("place", "", "county")),
        ("000", "再铸×辉煌", 0, ("place", "", "county")),
        ("000", "即以×经济技术开发区为", 0, ("place", "", "county")),
        ("001", "2022年度市长在×市第×届人民代表大会", 0, ("place", "", "county")),
        ("000", "贯彻落实中央、省、×市决策部署", 0, ("place", "", "prefecture")),
    ],
)
def test_slot_classification_in_context(seeds_slot_scan, seed_text, default_rules, prefix, sentence, nth, expected):
    slot = slot_at(seeds_slot_scan, seed_text, prefix, sentence, nth)
    assert (slot.slot_type, slot.unit, slot.place_level) == expected
    rule = next(r for r in default_rules.slots.rules if r.name == slot.rule)
    assert rule.slot_type == slot.slot_type


def test_congress_slot_is_the_own_place_and_the_second_an_ordinal(seeds_slot_scan, seed_text):
    text = seed_text("001")
    sentence = "2022年度市长在×市第×届人民代表大会"
    starts = {m.start() for m in re.finditer(re.escape(sentence), text)}
    assert len(starts) >= 3  # the title is repeated by the website
    for at in starts:
        own = slot_at_offset(seeds_slot_scan, SEED_001, at + sentence.index("×"))
        ordinal = slot_at_offset(seeds_slot_scan, SEED_001, at + sentence.rindex("×"))
        assert (own.slot_type, own.place_level, own.rule) == ("place", "county", "county-congress")
        assert (ordinal.slot_type, ordinal.rule) == ("ordinal", "ordinal-di")


def slot_at_offset(scan, doc, start):
    (slot,) = [s for s in scan.analysis(doc).slots if s.start == start]
    return slot


def test_every_slot_names_an_existing_rule(seeds_slot_scan, default_rules):
    names = {r.name for r in default_rules.slots.rules}
    for analysis in seeds_slot_scan.analyses:
        for slot in analysis.slots:
            assert slot.rule in names, slot
            assert slot.slot_type in {"number", "ordinal", "year", "code", "place", "unknown"}
            assert (slot.place_level != "") == (slot.slot_type == "place"), slot
            assert (slot.unit != "") <= (slot.slot_type == "number"), slot


def test_redacted_seeds_have_no_unknown_slot(seeds_slot_scan):
    for doc in (SEED_000, SEED_001):
        unknown = [s for s in seeds_slot_scan.analysis(doc).slots if s.slot_type == "unknown"]
        assert unknown == []


def test_republished_copy_reads_like_the_original(seeds_slot_scan):
    """001 is 000 with ASCII punctuation and website boilerplate: its body slots get the same reading."""
    original = [(s.slot_type, s.unit, s.place_level) for s in seeds_slot_scan.analysis(SEED_000).slots]
    copy = [(s.slot_type, s.unit, s.place_level) for s in seeds_slot_scan.analysis(SEED_001).slots]
    windows = [i for i in range(len(copy) - len(original) + 1) if copy[i : i + len(original)] == original]
    assert windows, "no stretch of 001's slots is classified like 000"


@pytest.mark.parametrize("doc", [SEED_000, SEED_001])
def test_offsets_point_at_the_mask(seeds_slot_scan, doc):
    analysis = seeds_slot_scan.analysis(doc)
    text = analysis.source.text
    lines = text.split("\n")
    width = 12
    for slot in analysis.slots:
        assert text[slot.start : slot.end] == slot.mask
        assert slot.line >= 1 and slot.column >= 1
        assert lines[slot.line - 1][slot.column - 1 : slot.column - 1 + len(slot.mask)] == slot.mask
        assert slot.left_context == text[max(0, slot.start - width) : slot.start]
        assert slot.right_context == text[slot.end : slot.end + width]
        assert slot.doc == doc


def test_slot_ids_follow_text_order(seeds_slot_scan):
    for analysis in seeds_slot_scan.analyses:
        slots = analysis.slots
        assert [s.slot_id for s in slots] == [f"S{i:04d}" for i in range(1, len(slots) + 1)]
        assert [s.start for s in slots] == sorted(s.start for s in slots)
        assert all(a.end <= b.start for a, b in zip(slots, slots[1:]))


def test_first_slot_position_in_000(seeds_slot_scan, seed_text):
    text = seed_text("000")
    first = seeds_slot_scan.analysis(SEED_000).slots[0]
    line_no = next(i for i, line in enumerate(text.split("\n"), start=1) if "×" in line)
    line = text.split("\n")[line_no - 1]
    assert (first.line, first.column) == (line_no, line.index("×") + 1)
    assert line.startswith("过去一年，是×发展史")


def test_hidden_digits_of_a_year_make_a_year_slot():
    analyzer = Analyzer(load_rules(), with_clues=False)
    text = "截至20XX年底，全市完成固定资产投资×亿元；202×年以来新增市场主体×户。"
    slots = analyzer.analyse(SourceText("d.txt", "d.txt", text, "utf-8", "ok")).slots
    assert [(s.mask, s.slot_type, s.rule) for s in slots] == [
        ("XX", "year", "year-digits"), ("×", "number", "number-unit"), ("×", "year", "year-digits"),
        ("×", "number", "number-unit"),
    ]


def test_a_surname_and_mou_is_a_person_not_the_documents_place():
    analyzer = Analyzer(load_rules(), with_clues=False)
    text = "经查，李某、张某某违规占用耕地，王×庄村新建大棚×个。"
    slots = analyzer.analyse(SourceText("d.txt", "d.txt", text, "utf-8", "ok")).slots
    assert [(s.mask, s.slot_type, s.place_level, s.rule) for s in slots] == [
        ("某", "person", "", "person-surname"), ("某某", "person", "", "person-surname"),
        ("×", "place", "county", "place-bare"), ("×", "number", "", "number-unit"),
    ]


# --- issue 11: the new types and levels, end to end ----------------------------------------


def _scanned_slots(tmp_path, text: str) -> list[tuple[str, str, str, str]]:
    import json

    from click.testing import CliRunner

    from auditor.cli import main

    (tmp_path / "d.txt").write_text(text, encoding="utf-8")
    outcome = CliRunner().invoke(main, ["scan", str(tmp_path / "d.txt"), "--out", str(tmp_path / "out"), "-q"])
    assert outcome.exit_code == 0, outcome.output
    rows = json.loads((tmp_path / "out" / "slots.json").read_text(encoding="utf-8"))
    return [(row["mask"], row["slot_type"], row["place_level"], row["unit"]) for row in rows]


def test_scan_tables_hold_persons_towns_dates_and_decimals(tmp_path):
    text = "委派**同志担任驻村第一书记。××镇位于××县北部。\n20XX年X月X日，全镇实现生产总值x.x亿元。\n"
    assert _scanned_slots(tmp_path, text) == [
        ("**", "person", "", ""), ("××", "place", "town", ""), ("××", "place", "county", ""),
        ("XX年X月X日", "date", "", ""), ("x.x", "number", "", "亿元"),
    ]


def test_double_asterisk_masks_beside_bold_are_all_found(tmp_path):
    text = "**主要成绩**\n荣获**省文明单位称号，**市先进基层党组织称号，**县**镇**村实现收入**万元。\n"
    assert _scanned_slots(tmp_path, text) == [
        ("**", "place", "province", ""), ("**", "place", "prefecture", ""), ("**", "place", "county", ""),
        ("**", "place", "town", ""), ("**", "place", "village", ""), ("**", "number", "", "万元"),
    ]


def test_a_person_or_formula_is_never_a_place(tmp_path):
    text = "县委书记×××、县长×××出席会议。深入学习贯彻党的××大精神，认真落实×××精神。××同志，男，汉族。\n"
    found = _scanned_slots(tmp_path, text)
    assert [slot_type for _, slot_type, _, _ in found] == ["person", "person", "formula", "formula", "person"]


def test_slots_toml_accepts_the_new_types_and_levels_and_names_them_when_wrong(tmp_path):
    import shutil

    from auditor.errors import RulesError
    from auditor.rules import default_rules_dir, load_slot_rules

    shutil.copytree(default_rules_dir(), tmp_path / "r")
    slots = tmp_path / "r" / "slots.toml"
    original = slots.read_text(encoding="utf-8")
    added = '\n[[rule]]\nname = "hamlet"\ntype = "place"\nlevel = "village"\nafter = "^屯"\n'
    slots.write_text(original + added, encoding="utf-8")
    assert any(rule.level == "village" for rule in load_slot_rules(tmp_path / "r").rules)
    slots.write_text(original + '\n[[rule]]\nname = "who"\ntype = "persona"\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"slots.toml: \[\[rule\]\] 'who' type: unknown type 'persona' .*person.*formula"):
        load_slot_rules(tmp_path / "r")


def test_a_copy_masked_with_a_new_glyph_reveals_nothing():
    # The linker and near-duplicate clauses read their mask characters from masks.toml.
    from auditor.reduce.linker import _align_slot
    from auditor.map.neardup import normalise

    assert _align_slot("全县位于", "镇北部", "全县位于✖✖镇北部") == ()
    assert _align_slot("全县位于", "镇北部", "全县位于城关镇北部") == ((4, 6),)
    assert normalise("ＸＸ镇位于●●县北部") == normalise("××镇位于××县北部")


def test_slot_rules_on_short_contexts_run_under_re_only_when_their_worst_case_is_small():
    from auditor.rules import bounded_re

    # A slot's context is a dozen characters: one or two repeated classes cost little there...
    assert bounded_re(r"(?:国道|省道|县道|高速|G|S)\s*$", input_chars=12) is not None
    assert bounded_re(r"^\s*(?:[至到~～—\-－]|、\s*×)\s*×", input_chars=12) is not None
    # ...but not on a whole text, nor nested or many repetitions, which go to regex and its time bound.
    assert bounded_re(r"(?:国道|省道)\s*$") is None
    assert bounded_re(r"(a+)+$", input_chars=12) is None
    assert bounded_re(r"\s*\s*\s*\s*\s*\s*x", input_chars=12) is None
