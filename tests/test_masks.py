"""Mask detection on real sentences: what a redactor typed, and what only looks like it."""
from __future__ import annotations

import pytest

from auditor.map.masks import MaskFinder
from auditor.map.slots import SlotClassifier, build_slots

# From seeds/000 (the redacted county report), verbatim.
PARTY_CONGRESS = "省第十二次党代会、×市第五次党代会及我市第七次党代会胜利召开，×站在新的历史起点。"
SLOGAN = "围绕“重振×雄风、再铸×辉煌”目标"
GDP = "全年地区生产总值完成×亿元"


@pytest.fixture(scope="module")
def finder(default_rules):
    return MaskFinder(default_rules.masks)


@pytest.fixture(scope="module")
def classifier(default_rules):
    return SlotClassifier(default_rules.slots)


def masks(finder, text):
    return [run.text for run in finder.find(text)]


def test_seed_sentences_are_verbatim(seed_text):
    for sentence in (PARTY_CONGRESS, SLOGAN, GDP):
        assert sentence in seed_text("000")


def test_each_times_sign_in_a_seed_sentence_is_one_slot(finder):
    runs = finder.find(PARTY_CONGRESS)
    assert [(PARTY_CONGRESS[r.start:r.end], r.glyph) for r in runs] == [("×", "times"), ("×", "times")]
    assert [r.start for r in runs] == [i for i, ch in enumerate(PARTY_CONGRESS) if ch == "×"]


@pytest.mark.parametrize("run", ["××", "×××", "✕✕", "╳"])
def test_a_run_of_times_signs_is_one_slot(finder, classifier, run):
    text = GDP.replace("×", run)
    found = finder.find(text)
    assert [r.text for r in found] == [run]
    (slot,) = build_slots("d", text, found, classifier)
    assert (slot.slot_type, slot.unit) == ("number", "亿元")


@pytest.mark.parametrize(
    "glyph, kind",
    [
        ("X", "latin-x"), ("XX", "latin-x"), ("x", "latin-x"), ("XXX", "latin-x"),
        ("＊", "asterisk"), ("*", "asterisk"), ("＊＊", "asterisk"),
        ("□", "block"), ("□□", "block"), ("■", "block"), ("█", "block"), ("██", "block"),
        ("○", "circle"), ("○○", "circle"),
    ],
)
def test_other_glyphs_mask_like_times(finder, classifier, glyph, kind):
    """Another redactor would have typed another glyph: the same slots, the same reading."""
    original = finder.find(PARTY_CONGRESS)
    text = PARTY_CONGRESS.replace("×", glyph)
    runs = finder.find(text)
    assert [(r.text, r.glyph) for r in runs] == [(glyph, kind)] * len(original)
    shift = len(glyph) - 1
    assert [r.start for r in runs] == [r.start + i * shift for i, r in enumerate(original)]
    decided = [(s.slot_type, s.place_level, s.rule) for s in build_slots("d", text, runs, classifier)]
    expected = [(s.slot_type, s.place_level, s.rule) for s in build_slots("d", PARTY_CONGRESS, original, classifier)]
    assert decided == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("贯彻落实中央、省、X市决策部署", ["X"]),
        ("贯彻落实中央、省、XX市决策部署", ["XX"]),
        ("贯彻落实中央、省、x市决策部署", ["x"]),
        ("与X县四建集团签订总投资协议", ["X"]),
        ("XX市第五次党代会及我市第七次党代会胜利召开", ["XX"]),
        ("推进国道X线、省道XX线改扩建工程", ["X", "XX"]),
    ],
)
def test_latin_x_standing_for_chinese_text(finder, text, expected):
    assert masks(finder, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2022年度市长王某某在×市第×届人民代表大会第二次会议上讲话", ["某某", "×", "×"]),
        ("经张某介绍，李某某、刘某参与了项目建设", ["某", "某某", "某"]),
        ("某某同志任×县副县长", ["某某", "×"]),
    ],
)
def test_mou_after_a_surname_masks_a_name(finder, text, expected):
    assert masks(finder, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "某些地方存在某种程度的形式主义",
        "对于某一类问题，要在某个时间节点前解决",
        "提高某项指标",
    ],
)
def test_mou_as_an_ordinary_word_is_not_a_mask(finder, text):
    assert masks(finder, text) == []


@pytest.mark.parametrize(
    "prefix, sentence",
    [
        ("002", "推进城南2×100万千瓦"),
        ("003", "推动阳光电厂2×100万千瓦项目"),
        ("004", "实施柳林4×10万千瓦"),
        ("002", "**坚持生态优先，“四治”一体取得新进展。**"),
        ("002", "**全力打造更具影响力的国家区域中心城市。**"),
        ("003", "碳中和“1+X”政策体系"),
        ("002", "5G建设进入全国第一方阵"),
    ],
)
def test_unredacted_seed_sentences_have_no_mask(finder, seed_text, prefix, sentence):
    assert sentence in seed_text(prefix)
    assert masks(finder, sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        # from the unredacted reports in ../shared/dev-eval
        "金字招牌，实施“硒+X”战略（13），扩大硒",
        "主汛期前建成投用X波段天气雷达，全面提升",
        "对标实施省“415X”先进制造业集群培育工程",
        "新建改造10kV、0.4kV线路82",
        "开工建设220kV变电站、100MW农光互补加储能光伏发电项目",
        "加值、制造业增加值占GDP比重分别达39.3%",
        "社会目标要求（人均 GDP 、人均地方公共财政",
        "乡镇卫生院全部配备X射线机、X光机，开展X线检查",
        "落实“1+X”证书制度，探索“N+X”模式",
        "二〇二二年政府工作报告",
        "二○二二年政府工作报告",
        "二○○八年以来",
        "新建3×3×3米检查井、2 × 35万千瓦机组",
    ],
)
def test_lookalikes_are_not_masks(finder, sentence):
    assert masks(finder, sentence) == []


def test_a_lookalike_does_not_hide_a_real_mask_on_the_same_line(finder):
    text = "推进城南2×100万千瓦项目，开工建设×kV变电站，落实“1+X”政策体系，X县完成×亿元"
    runs = finder.find(text)
    assert [r.text for r in runs] == ["×", "X", "×"]
    assert [text[r.end : r.end + 2] for r in runs] == ["kV", "县完", "亿元"]


def test_markdown_does_not_hide_an_asterisk_mask_after_it(finder, seed_text):
    line = "**坚持生态优先，“四治”一体取得新进展。**东、西山环城森林公园提质扩容，完成营造林*万亩"
    assert line.split("东")[0] in seed_text("002")
    assert masks(finder, line) == ["*"]


@pytest.mark.parametrize("bullet", ["* ", "○ ", "□ ", "■ "])
def test_list_bullets_are_not_masks(finder, bullet):
    assert masks(finder, f"{bullet}加快推进太忻一体化经济区建设\n{bullet}×市决策部署") == ["×"]


def test_horizontal_rule_is_not_a_mask(finder):
    assert masks(finder, "一、2021年工作回顾\n***\n过去一年，是×发展史上极不平凡的一年。") == ["×"]


# --- look-alikes of masks (masks.toml [[suspect]]) ---------------------------


def test_lookalike_masks_are_suspects_not_runs():
    from auditor.map.masks import MaskFinder
    from auditor.rules import load_rules

    finder = MaskFinder(load_rules().masks)
    text = "◆◆县地处晋北，★★市之北，▲▲镇人口×万，增长◎◎%。"
    assert [run.text for run in finder.find(text)] == ["×"]
    assert [run.text for run in finder.suspects(text)] == ["◆◆", "★★", "▲▲", "◎◎"]
    # Multiplication signs and ordinary words are not suspects.
    assert finder.suspects("装机2×100万千瓦，某些地方，◆表示重点。") == []


def test_former_lookalikes_are_masks_now_and_no_longer_suspects():
    from auditor.map.masks import MaskFinder
    from auditor.rules import load_rules

    finder = MaskFinder(load_rules().masks)
    text = "●●县地处晋北，某市之北，＿＿镇人口×万，增长◯◯%，ＸＸ乡✖✖村。"
    assert [run.text for run in finder.find(text)] == ["●●", "某", "＿＿", "×", "◯◯", "ＸＸ", "✖✖"]
    assert finder.suspects(text.replace("×", "")) == []


def test_no_glyph_may_match_the_empty_string_and_zero_width_matches_are_no_runs(tmp_path):
    import shutil

    from auditor.errors import RulesError
    from auditor.map.masks import MaskFinder
    from auditor.rules import default_rules_dir, load_mask_rules

    shutil.copytree(default_rules_dir(), tmp_path / "r")
    masks = tmp_path / "r" / "masks.toml"
    original = masks.read_text(encoding="utf-8")
    masks.write_text(original + '\n[[glyph]]\nname = "maybe"\npattern = "◆?"\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"masks.toml: \[\[glyph\]\] 'maybe' pattern: .* matches the empty string"):
        load_mask_rules(tmp_path / "r")
    masks.write_text(original + '\n[[glyph]]\nname = "before-xian"\npattern = "(?=县)"\n', encoding="utf-8")
    finder = MaskFinder(load_mask_rules(tmp_path / "r"))
    assert finder.find("全县上下") == []
