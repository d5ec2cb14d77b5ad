"""The clue finder on real sentences: 000 (the redacted 原平 report), the clear
prefecture reports 002–004 and the dev-eval reports."""
from __future__ import annotations

import shutil

import pytest

from auditor.map.clues import ClueFinder
from auditor.map.recognizers.abbreviation import AbbreviationRecognizer
from auditor.gazetteer import load_gazetteer
from auditor.rules import load_rules

YUANPING = "山西省/忻州市/原平市"


@pytest.fixture(scope="module")
def finder_without_landmarks(tmp_path_factory, rules) -> ClueFinder:
    """The same rules without landmarks.tsv: what the other recognizers see alone."""
    folder = tmp_path_factory.mktemp("rules-no-landmarks") / "rules"
    shutil.copytree(rules.folder, folder)
    (folder / "landmarks.tsv").unlink()
    return ClueFinder(load_gazetteer(), load_rules(folder))


def paths(finder: ClueFinder, clue) -> set[str]:
    return {finder.gazetteer.path(uid) for uid in clue.candidates}


def named(clues, text: str):
    return [c for c in clues if c.text == text]


def overlapping(clues, text: str, word: str, kind: str | None = None):
    """Clues whose span overlaps an occurrence of ``word`` in ``text``."""
    spans = []
    start = text.find(word)
    while start >= 0:
        spans.append((start, start + len(word)))
        start = text.find(word, start + 1)
    assert spans, f"{word} not in the sentence"
    return [c for c in clues if (kind is None or c.kind == kind) and any(c.start < e and s < c.end for s, e in spans)]


# -- administrative names ---------------------------------------------------------


def test_full_town_name(finder, clues_in):
    text = "开工建设“三个一号”旅游公路长城板块支线白停线至紫荆山庄段、轩岗镇至云水镇段、段家堡至下政化段"
    (clue,) = named(clues_in(text), "轩岗镇")
    assert (clue.kind, clue.level, clue.short_form, clue.elsewhere) == ("admin", "town", False, False)
    assert text[clue.start : clue.end] == "轩岗镇"
    assert f"{YUANPING}/轩岗镇" in paths(finder, clue)


def test_short_town_names_standing_as_words(finder, clues_in):
    text = "谋划实施城市排涝削减项目、第二污水厂项目，以及同川、闫庄、大牛店、苏龙口、云水五个建制镇污水处理项目"
    clues = clues_in(text)
    for name in ("大牛店", "苏龙口"):
        (clue,) = named(clues, name)
        assert (clue.kind, clue.level, clue.short_form) == ("admin", "town", True)
        assert paths(finder, clue) == {f"{YUANPING}/{name}镇"}
    # 闫庄 is a town of 原平 and of two other counties, but also a dictionary
    # word: a short form that is a word is never a clue on its own.
    assert not named(clues, "闫庄")


def test_short_names_of_two_towns(finder, clues_in):
    clues = clues_in("推进地下水超采区综合治理城市水源置换工程，实现向子干、新原部分村庄供水")
    assert [(c.text, c.kind) for c in clues] == [("子干", "admin"), ("新原", "admin")]
    assert paths(finder, clues[0]) == {f"{YUANPING}/子干乡"}
    assert paths(finder, clues[1]) == {f"{YUANPING}/新原乡"}


def test_gouyang_old_town_points_to_yuanping_alone(finder, clues_in):
    text = "大龙门牡丹山庄、野庄古村成功创建国家AAA级景区，启动崞阳古城修复活化、低空旅游飞行、红色文化旅游项目和×处红色遗址认定"
    clues = [c for c in clues_in(text) if c.text.startswith("崞阳")]
    assert len(clues) == 1, clues
    clue = clues[0]
    # Either the landmark (崞阳古城, or 崞阳 as the old county seat) or the town's short form.
    if clue.kind == "landmark":
        assert clue.text in ("崞阳古城", "崞阳")
        assert paths(finder, clue) == {YUANPING}
    else:
        assert (clue.kind, clue.text, clue.short_form) == ("admin", "崞阳", True)
        assert paths(finder, clue) == {f"{YUANPING}/崞阳镇"}


def test_prefecture_short_form_in_its_own_report(finder, clues_in):
    clues = clues_in("方特·晋阳里正式开业，太原古县城、双塔公园建成开放，天龙山石窟佛首回归故里")
    (taiyuan,) = named(clues, "太原")
    assert taiyuan.kind == "admin" and taiyuan.level == "prefecture"
    assert "山西省/太原市" in paths(finder, taiyuan)
    assert not taiyuan.elsewhere


# -- the common-word filter -------------------------------------------------------


@pytest.mark.parametrize(
    "text, word",
    [
        # cty_hebei_boye_2022: 建设乡 is a town in four counties, 建设乡村 is no town
        ("构建“一户一处景、一村一幅画”的生态宜居美丽乡村，让珍视乡村、回归乡村、建设乡村成为新潮流", "建设乡"),
        ("推动城乡要素合理流动、功能衔接互补，在国道、省道沿线培育建设现代农业、文化旅游、商贸物流、优势产业特色小镇", "文化"),  # 000
        ("建成吉祥花园、平安社区城镇养老幸福工程", "幸福"),  # 000
        ("全年市区空气质量综合指数同比下降11.3%，蓝天白云成为常态", "蓝天"),  # 002
        ("推广碳普惠制试点经验，开展节约型机关、绿色学校、绿色社区创建行动", "普惠"),  # 000
        ("累计发放普惠型小微企业贷款147.7亿元、惠及企业1.3万户", "普惠"),  # 003
        ("严厉打击各领域违法犯罪活动，高水平平安阳泉加快建设，人民群众获得感、幸福感、安全感进一步增强！", "幸福"),  # 003
    ],
    ids=["jianshe-xiangcun", "wenhua", "xingfu-gongcheng", "lantian", "puhui-zhi", "puhui-xing", "xingfu-gan"],
)
def test_ordinary_words_are_no_admin_clues(clues_in, text, word):
    assert overlapping(clues_in(text), text, word, kind="admin") == []


@pytest.mark.parametrize(
    "text",
    [
        "要强化系统治理、标本兼治，让生态持续释放红利，促进人与自然和谐共生，加快建设美丽宜居新×",  # 000
        "（七）聚力污染防治生态修复，打造宜居宜业美丽阳泉",  # 003
    ],
    ids=["000", "003"],
)
def test_yiju_is_no_clue(clues_in, text):
    # 宜居 is a township of 酉阳, but as a dictionary word it is no clue.
    assert not overlapping(clues_in(text), text, "宜居", kind="admin")


@pytest.mark.parametrize("word", ["文化", "幸福", "蓝天", "普惠", "建设"])
def test_gazetteer_marks_common_words(finder, word):
    assert finder.gazetteer.lookup(word), f"{word} names no unit: the test would be vacuous"
    assert finder.gazetteer.is_common_word(word)


@pytest.mark.parametrize("word", ["崞阳", "轩岗", "原平", "太原", "阳泉", "子干"])
def test_gazetteer_keeps_place_names(finder, word):
    assert finder.gazetteer.lookup(word)
    assert not finder.gazetteer.is_common_word(word)


# -- abbreviations ----------------------------------------------------------------


def test_stationed_units_abbreviation(finder, clues_in):
    text = "向各位人大代表、政协委员，向驻原部队、公安民警和驻原单位，向所有关心支持×改革发展的社会各界，表示崇高的敬意和衷心的感谢"
    clues = [c for c in clues_in(text) if c.kind == "abbreviation"]
    assert [c.text for c in clues] == ["原", "原"]
    assert [text[c.start - 1 : c.end + 2] for c in clues] == ["驻原部队", "驻原单位"]
    for clue in clues:
        assert YUANPING in paths(finder, clue)
        assert not clue.elsewhere


def test_joined_prefectures_abbreviation(finder, clues_in):
    text = "特别是省第十二次党代会、省委经济工作会把建设太忻一体化经济区作为重大战略，作为全省“一群两区三圈”城乡区域发展新布局的重要一环"
    (clue,) = [c for c in clues_in(text) if c.kind == "abbreviation"]
    assert clue.text == "太忻"
    assert paths(finder, clue) == {"山西省/太原市", "山西省/忻州市"}
    # 一体化 states the relation of the two places, it does not send them elsewhere
    assert not clue.elsewhere


def test_joined_places_road_resolves_to_xinzhou_and_yuanping(finder, rules):
    recognizer = AbbreviationRecognizer(finder.gazetteer, rules)
    text = "前进东街梨花桥竣工通车，文化路北延完成路面主体，滨河新区主干道完成路基铺设，忻原大道建设完成过半工程"
    (match,) = list(recognizer.find(text, finder.segmenter))
    assert text[match.start : match.end] == "忻原"
    found = {finder.gazetteer.path(u) for u in match.candidates}
    assert {"山西省/忻州市", YUANPING} <= found
    assert all(p.startswith("山西省/忻州市") for p in found)


def test_unrelated_initials_are_no_pair(finder, rules):
    # 双塔 joins no two related places (and is no road): nothing to report
    recognizer = AbbreviationRecognizer(finder.gazetteer, rules)
    assert list(recognizer.find("太原古县城、双塔公园建成开放", finder.segmenter)) == []


# -- proper names no knowledge file places ----------------------------------------


def test_river_name_without_the_verb_before_it(clues_in):
    text = "加快生态环境治理融合。推进滹沱河流域协同保护和生态修复"
    clues = [c for c in clues_in(text) if "滹沱" in c.text]
    assert [(c.text, c.kind in ("landmark", "unverified")) for c in clues] == [("滹沱河", True)]


def test_unverified_name_when_no_landmark_file_knows_it(finder_without_landmarks):
    text = "加快生态环境治理融合。推进滹沱河流域协同保护和生态修复"
    clues = finder_without_landmarks.find("t.txt", text, [])
    (clue,) = [c for c in clues if "滹沱" in c.text]
    assert (clue.text, clue.kind, clue.candidates) == ("滹沱河", "unverified", ())
    assert text[clue.start : clue.end] == "滹沱河"


@pytest.mark.parametrize(
    "text",
    [
        "向驻原部队、公安民警和驻原单位，向所有关心支持×改革发展的社会各界，表示崇高的敬意和衷心的感谢",  # 000: 所有 + 关心
        "在高端装备制造、信息技术、新材料、绿色能源等产业领域攻克一批关键核心技术",  # 002: 一批 + 关键
    ],
    ids=["suoyou-guanxin", "yipi-guanjian"],
)
def test_a_suffix_inside_an_ordinary_word_makes_no_name(clues_in, text):
    assert [c.text for c in clues_in(text) if c.kind == "unverified"] == []


# -- places named as elsewhere -----------------------------------------------------


def test_neighbouring_landmarks_are_elsewhere(clues_in):
    text = "依托大营温泉，借力周边五台山、芦芽山、雁门关、×古城资源，建设面向太原都市区、辐射京津冀的养老养生首选地"
    clues = clues_in(text)
    for name in ("五台山", "芦芽山"):
        (clue,) = named(clues, name)
        assert clue.elsewhere, clue
        assert "named as elsewhere" in clue.rule


def test_partner_city_is_elsewhere(finder, clues_in):
    text = "与太原、×共建网上产品交易和物流配送平台，建设全域互通营销体系"
    (clue,) = named(clues_in(text), "太原")
    assert clue.kind == "admin" and clue.elsewhere
    assert "山西省/太原市" in paths(finder, clue)


# -- masks --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_clues_never_overlap_a_mask(finder, mask_finder, seed_text, prefix):
    text = seed_text(prefix)
    runs = mask_finder.find(text)
    assert len(runs) > 200
    clues = finder.find("d.txt", text, runs)
    assert len(clues) > 50
    for clue in clues:
        assert text[clue.start : clue.end] == clue.text
        assert clue.line == text.count("\n", 0, clue.start) + 1
        assert not any(run.start < clue.end and clue.start < run.end for run in runs), clue
    # 000's own place is masked; its towns are not
    assert {"轩岗镇", "子干"} <= {c.text for c in clues}


def test_clues_do_not_overlap_each_other(finder, mask_finder, seed_text):
    text = seed_text("002")
    clues = finder.find("d.txt", text, mask_finder.find(text))
    ordered = sorted(clues, key=lambda c: c.start)
    for a, b in zip(ordered, ordered[1:]):
        assert a.end <= b.start, (a, b)


def test_a_line_seen_before_is_read_again_where_its_masks_differ(finder):
    # 2\n×3 is a multiplication across a line break: the same line can be
    # masked in one text and clear in another, whichever is read first.
    from auditor.map.masks import MaskRun

    line = "启动崞阳古城修复活化，建成轩岗镇污水处理厂。"
    masked = MaskRun(line.index("崞阳"), line.index("崞阳") + 2, "崞阳", "test")
    for order in ((masked,), ()), ((), (masked,)):
        found = {runs: {c.text for c in finder.find("doc", line, list(runs))} for runs in order}
        assert "崞阳古城" in found[()] and "轩岗镇" in found[()]
        assert not any("崞阳" in text for text in found[(masked,)])
        assert "轩岗镇" in found[(masked,)]
