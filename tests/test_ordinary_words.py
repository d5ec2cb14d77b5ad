"""Ordinary words are not places (issue 12, item 3): slogans, phrases across a
word boundary, company names, honours and generic nouns on real sentences of
work reports, and the real names that must still be found."""
from __future__ import annotations

import shutil

import pytest

from auditor.map.clues import ClueFinder
from auditor.gazetteer import load_gazetteer
from auditor.map.ordinary import DROP_AT, OrdinaryWordJudge
from auditor.rules import RulesError, load_rules


def admin_over(clues, text: str, word: str):
    """Administrative clues overlapping an occurrence of ``word``."""
    start = text.find(word)
    assert start >= 0, f"{word} not in the sentence"
    spans = []
    while start >= 0:
        spans.append((start, start + len(word)))
        start = text.find(word, start + 1)
    return [c for c in clues if c.kind == "admin" and any(c.start < e and s < c.end for s, e in spans)]


@pytest.mark.parametrize(
    "text, words",
    [
        ("坚持工业兴县、人才强市、生态立县、旅游兴市战略不动摇，全力推动县域经济高质量发展", ["兴县", "强市", "立县", "兴市"]),
        ("全县上下深入实施工业兴县战略，工业经济实现逆势增长", ["兴县"]),
    ],
    ids=["four-slogans", "gongye-xingxian"],
)
def test_slogans_are_no_places(clues_in, text, words):
    clues = clues_in(text)
    for word in words:
        assert admin_over(clues, text, word) == [], word


@pytest.mark.parametrize(
    "text, word",
    [
        ("历史上两市曾多次分合，如今两市携手共建都市圈", "上两"),
        ("新一届县委、县政府领导班子团结带领全县人民砥砺前行", "新一"),
        ("完成市南环路改造提升工程，城市路网更加通畅", "市南"),
        ("依托生态资源大力发展乡村旅游，打造一批精品民宿", "发展乡"),
    ],
    ids=["lishishang-liangshi", "xin-yijie", "shi-nanhuan", "fazhan-xiangcun"],
)
def test_phrases_across_a_word_boundary_are_no_places(clues_in, text, word):
    assert admin_over(clues_in(text), text, word) == []


def test_a_place_in_a_company_name_is_not_the_documents_place(clues_in):
    text = "引进大连XX包装有限公司年产5000万平方米纸箱项目，当年投产见效"
    (dalian,) = admin_over(clues_in(text), text, "大连")
    assert dalian.elsewhere and "company" in dalian.rule
    text = "××市平安镇集团有限公司被评为省级龙头企业"
    assert all(c.elsewhere for c in admin_over(clues_in(text), text, "平安镇"))


@pytest.mark.parametrize(
    "text, word",
    [
        ("深入开展创建“平安镇”活动，扫黑除恶专项斗争取得阶段性成效", "平安镇"),
        ("××村荣获全国文明村称号，××镇被评为全国文明村镇", "文明村"),
    ],
    ids=["pingan-zhen", "wenming-cun"],
)
def test_honours_are_no_places(clues_in, text, word):
    assert admin_over(clues_in(text), text, word) == []


@pytest.mark.parametrize(
    "text, word",
    [
        ("依托竹海、温泉等优势资源，大力发展康养旅游", "竹海"),
        ("依托竹海、温泉等优势资源，大力发展康养旅游", "温泉"),
        ("新区建设全面提速，开发区规上工业产值增长12%", "新区"),
        ("新区建设全面提速，开发区规上工业产值增长12%", "开发区"),
    ],
    ids=["zhuhai", "wenquan", "xinqu", "kaifaqu"],
)
def test_generic_nouns_are_no_places(clues_in, text, word):
    assert admin_over(clues_in(text), text, word) == []


def test_real_names_are_found_and_not_ordinary(clues_in):
    text = "崞阳镇、轩岗镇实施滹沱河生态修复工程，原平市获评省级生态文明建设示范市"
    found = {c.text: c for c in clues_in(text)}
    for name in ("崞阳镇", "轩岗镇", "滹沱河", "原平市"):
        assert name in found, name
        assert found[name].ordinary == 0.0, (name, found[name].ordinary, found[name].rule)
        assert not found[name].elsewhere


@pytest.mark.parametrize(
    "text, name, path",
    [
        ("山西省吕梁市兴县人民政府关于印发2023年政府工作任务分解方案的通知", "兴县", "山西省/吕梁市/兴县"),
        ("新疆博尔塔拉州温泉县2023年国民经济和社会发展统计公报", "温泉县", "新疆维吾尔自治区/博尔塔拉蒙古自治州/温泉县"),
        ("撒莲镇举办第三届火把节", "撒莲镇", None),
        ("太平湖景区游客接待量创新高", "太平湖", None),
    ],
    ids=["xingxian", "wenquanxian", "salian", "taipinghu"],
)
def test_real_names_in_short_sentences(finder, clues_in, text, name, path):
    (clue,) = [c for c in clues_in(text) if c.text == name]
    assert clue.ordinary < DROP_AT
    if path:
        assert path in {finder.gazetteer.path(u) for u in clue.candidates}
        assert clue.ordinary == 0.0


def test_towns_listed_together_confirm_each_other(clues_in):
    # 新原 reads as 新 + 原 to the segmenter; beside 子干, a town of the same
    # county (原平), it is a name.
    clues = clues_in("推进城市水源置换工程，实现向子干、新原部分村庄供水")
    assert [c.text for c in clues if c.kind == "admin"] == ["子干", "新原"]


def test_kept_clues_carry_an_estimate_below_the_drop(seed_text, clues_in):
    clues = clues_in(seed_text("002"))
    assert clues
    assert all(0.0 <= c.ordinary < DROP_AT for c in clues)
    assert any(c.ordinary > 0 for c in clues), "no kept clue is even a little ordinary: the field is never set"


# -- the measure ------------------------------------------------------------------


def test_frequencies_against_the_bearers(finder):
    gazetteer = finder.gazetteer
    judge = finder.ordinary
    # 温泉: said far more often than its 142 bearers explain; 崞阳: never said but as the town.
    assert judge.frequencies("温泉", gazetteer.lookup("温泉")).prior > DROP_AT
    gouyang = judge.frequencies("崞阳", gazetteer.lookup("崞阳"))
    assert gouyang.prior == 0.0 and not gouyang.in_doubt
    # 上两 is no word, but 上 + 两 is a likely run of words.
    shangliang = judge.frequencies("上两", gazetteer.lookup("上两"))
    assert shangliang.as_word == 0 and shangliang.across_words > shangliang.explained


class RecordingSegmenter:
    """pkuseg's interface; records the clauses it was asked to cut."""

    name = "recording"

    def __init__(self, real):
        self.real, self.asked = real, []

    def word_spans(self, text, start, end):
        self.asked.append(text)
        return self.real.word_spans(text, start, end)


def test_the_model_is_asked_only_about_candidates_in_doubt(finder):
    from auditor.map.segment import shared_segmenter

    model = RecordingSegmenter(shared_segmenter("pkuseg"))
    finder_with_model = ClueFinder(finder.gazetteer, finder.rules)
    finder_with_model.ordinary = OrdinaryWordJudge(finder.gazetteer, finder.rules.clues, model)
    # Full names with their suffix are not in doubt; the model is not asked.
    finder_with_model.find("a.txt", "崞阳镇、轩岗镇实施生态修复工程", [])
    assert model.asked == []
    # A two-character short form always is: 沱河 (a village) inside 滹沱河 is cut across.
    found = finder_with_model.find("a.txt", "实施滹沱河生态修复工程", [])
    assert model.asked and "沱河" not in [c.text for c in found if c.kind == "admin"]
    model.asked.clear()
    assert not [c for c in finder_with_model.find("b.txt", "历史上两市曾多次分合", []) if c.kind == "admin"]
    assert model.asked


# -- the exception list in rules/ ------------------------------------------------


@pytest.fixture()
def rules_copy(tmp_path, rules):
    folder = tmp_path / "rules"
    shutil.copytree(rules.folder, folder)
    return folder


def _with_ordinary(folder, body: str):
    path = folder / "clues.toml"
    text = path.read_text(encoding="utf-8")
    head = text[: text.index("[ordinary]")]
    path.write_text(head + "[ordinary]\n" + body, encoding="utf-8")
    return load_rules(folder)


def test_user_listed_words_and_names(rules_copy):
    text = "崞阳镇举办第三届民俗文化节，工业兴县战略成效明显"
    rules = _with_ordinary(rules_copy, 'words = ["崞阳镇举办"]\nnames = ["兴县"]\n')
    finder = ClueFinder(load_gazetteer(), rules)
    texts = [c.text for c in finder.find("t.txt", text, []) if c.kind == "admin"]
    assert "崞阳镇" not in texts and "兴县" in texts


@pytest.mark.parametrize(
    "body, key",
    [
        ('words = "工业兴县"\n', "words"),
        ('words = ["兴县"]\nnames = ["兴县"]\n', "names"),
        ('slogan = "(兴县"\n', "slogan"),
        ('sloagn = "兴县"\n', "sloagn"),
    ],
    ids=["not-a-list", "both", "bad-regex", "unknown-key"],
)
def test_bad_ordinary_table_is_refused_naming_file_and_key(rules_copy, body, key):
    with pytest.raises(RulesError) as caught:
        _with_ordinary(rules_copy, body)
    assert "clues.toml" in str(caught.value) and key in str(caught.value)
