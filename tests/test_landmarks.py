"""rules/landmarks.tsv: well-formed, every place a real gazetteer unit, and no false hits.

The linker weighs a landmark by the number of places it lists, so a row whose path
does not resolve silently weakens (or, when renamed units are mixed up, misdirects)
the evidence; these tests keep the file honest as people extend it.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from auditor.gazetteer import load_gazetteer
from auditor.rules import OLD_NAME_KINDS, ZONE_KINDS, load_landmarks, load_rules

LANDMARKS = Path(__file__).resolve().parent.parent / "rules" / "landmarks.tsv"
KINDS = {
    "river", "mountain", "scenic", "temple", "grotto", "pass", "reservoir", "lake",
    "ancient-town", "person", "product", "other",
}


def _rows() -> list[tuple[int, list[str]]]:
    lines = LANDMARKS.read_text(encoding="utf-8").splitlines()
    return [
        (number, line.split("\t"))
        for number, line in enumerate(lines, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


ROWS = _rows()


def _places(cells: list[str]) -> list[str]:
    return [p.strip() for p in cells[2].split(";") if p.strip()]


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


@pytest.fixture(scope="module")
def valid_paths(gazetteer) -> set[str]:
    g = gazetteer
    return {g.path(u) for u in g.units_at("county")} | {g.path(u) for u in g.units_at("prefecture")}


@pytest.fixture(scope="module")
def province_paths(gazetteer) -> set[str]:
    return {gazetteer.path(u) for u in gazetteer.units_at("province")}


@pytest.fixture(scope="module")
def by_name() -> dict[str, set[str]]:
    # Rows sharing a name are merged by the clue finder, so judge the union.
    merged: dict[str, set[str]] = {}
    for _, cells in ROWS:
        merged.setdefault(cells[0], set()).update(_places(cells))
    return merged


def _longest_matches(text: str, names) -> list[str]:
    """Leftmost-longest substring matches, as the Aho-Corasick clue finder reports them."""
    by_first: dict[str, list[str]] = {}
    for name in names:
        by_first.setdefault(name[0], []).append(name)
    for candidates in by_first.values():
        candidates.sort(key=len, reverse=True)
    found, i = [], 0
    while i < len(text):
        hit = next((n for n in by_first.get(text[i], ()) if text.startswith(n, i)), None)
        if hit:
            found.append(hit)
            i += len(hit)
        else:
            i += 1
    return found


def test_file_is_substantial_and_has_a_header():
    text = LANDMARKS.read_text(encoding="utf-8")
    assert text.startswith("#"), "the header comment explains the columns to people who extend the file"
    assert len(ROWS) >= 600


@pytest.mark.parametrize("number,cells", ROWS, ids=[f"line{n}" for n, _ in ROWS])
def test_row_is_well_formed(number, cells):
    assert 3 <= len(cells) <= 4, f"line {number}: {cells!r}"
    name, kind = cells[0], cells[1]
    assert name and name == name.strip() and " " not in name, f"line {number}: bad name {name!r}"
    assert kind in KINDS, f"line {number}: unknown kind {kind!r}"
    places = _places(cells)
    assert places, f"line {number}: no place"
    assert len(places) == len(set(places)), f"line {number}: a place is listed twice"


def test_every_place_resolves_in_the_gazetteer(valid_paths, province_paths):
    # A provincial leader points at the whole province (河北省); every other landmark
    # at the counties or prefectures it lies in.
    unresolved = [
        (number, cells[0], place)
        for number, cells in ROWS
        for place in _places(cells)
        if place not in valid_paths and not (cells[1] == "person" and place in province_paths)
    ]
    assert not unresolved, unresolved[:20]


def test_only_people_point_at_a_whole_province(province_paths):
    at_province = {(cells[0], cells[1]) for _, cells in ROWS if set(_places(cells)) & province_paths}
    assert at_province, "the provincial leaders are listed"
    assert {kind for _, kind in at_province} == {"person"}


def test_a_name_that_is_also_a_unit_lists_that_unit(gazetteer, by_name):
    # The landmark outranks the admin clue on the same characters, so 太湖 without
    # 太湖县 would send an Anqing report to the lake only.
    g = gazetteer
    missing = []
    for name, places in by_name.items():
        for uid in g.lookup(name):
            if g.level_of(uid) not in ("province", "prefecture", "county"):
                continue
            path = g.path(uid)
            if path not in places and not any(p.startswith(path + "/") for p in places):
                missing.append((name, path))
    assert missing == []


def test_no_duplicate_rows():
    keys = Counter((cells[0], frozenset(_places(cells))) for _, cells in ROWS)
    assert [key for key, count in keys.items() if count > 1] == []


def test_all_provinces_are_represented():
    provinces = Counter(place.split("/")[0] for _, cells in ROWS for place in set(_places(cells)))
    mainland = {
        "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
        "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
        "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
        "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    }
    assert {p for p in mainland if provinces[p] < 10} == set()


def test_guoyang_old_town_points_only_at_yuanping(by_name):
    assert by_name["崞阳古城"] == {"山西省/忻州市/原平市"}
    assert by_name["天涯山"] == {"山西省/忻州市/原平市"}


def test_hutuo_river_runs_through_several_counties_including_yuanping(by_name):
    places = by_name["滹沱河"]
    assert "山西省/忻州市/原平市" in places
    assert {"山西省/忻州市/繁峙县", "山西省/忻州市/代县", "河北省/石家庄市/平山县"} <= places
    assert len(places) >= 10


def test_wutaishan_is_in_wutai_county(by_name):
    assert "山西省/忻州市/五台县" in by_name["五台山"]
    assert all(p.startswith("山西省/忻州市/") for p in by_name["五台山"])


def test_municipalities_and_province_direct_units_have_no_middle_tier(by_name):
    assert by_name["颐和园"] == {"北京市/海淀区"}
    assert by_name["白帝城"] == {"重庆市/奉节县"}
    assert "河南省/济源市" in by_name["小浪底"]


def test_a_name_that_is_also_a_county_lists_that_county(by_name):
    # 太湖 in an Anqing report is 太湖县, not the lake.
    assert "安徽省/安庆市/太湖县" in by_name["太湖"]


def test_seed_sentences_find_their_landmarks(by_name):
    sentence = "推进崞阳古城修复活化、大营温泉康养禅修体验中心项目建设，与天涯山、滹沱河、五峰山、惠济寺等景区景点串珠成线"
    found = _longest_matches(sentence, by_name)
    assert found[:3] == ["崞阳古城", "天涯山", "滹沱河"]
    assert set.intersection(*(by_name[n] for n in found[:3])) == {"山西省/忻州市/原平市"}


def test_provincial_leaders_quoted_together_point_at_their_province(by_name):
    # 王东峰 was mayor of Tianjin before he led Hebei; with the governor of Hebei
    # quoted next to him only Hebei remains.
    sentence = "深入学习习近平新时代中国特色社会主义思想，认真贯彻王东峰书记、许勤省长调研蠡县讲话精神"
    found = _longest_matches(sentence, by_name)
    assert found == ["王东峰", "许勤"]
    assert by_name["王东峰"] == {"天津市", "河北省"}
    assert set.intersection(*(by_name[n] for n in found)) == {"河北省"}


def test_a_leader_who_led_three_provinces_lists_all_three(by_name):
    assert by_name["陈敏尔"] == {"贵州省", "重庆市", "天津市"}
    assert by_name["张庆伟"] == {"河北省", "黑龙江省", "湖南省"}


def test_baiyangdian_tributaries_meet_in_the_counties_they_share(by_name):
    sentence = "谋划打造月明河、孝义河、潴龙河生态湿地"
    found = _longest_matches(sentence, by_name)
    assert found == ["孝义河", "潴龙河"]
    shared = by_name["孝义河"] & by_name["潴龙河"]
    assert "河北省/保定市/蠡县" in shared
    assert all(p.startswith("河北省/保定市/") for p in shared)


def test_a_river_named_like_a_town_lists_that_towns_county(by_name):
    # 伊敏河镇 and 阿什河街道 are matched on the same characters as the rivers.
    assert "内蒙古自治区/呼伦贝尔市/鄂温克族自治旗" in by_name["伊敏河"]
    assert "黑龙江省/哈尔滨市/阿城区" in by_name["阿什河"]


def test_new_areas_that_are_not_gazetteer_units_point_at_their_counties(by_name):
    zones = {row.name: set(row.places) for row in load_rules().zones}
    assert zones["贵安新区"] == {
        "贵州省/贵阳市/花溪区", "贵州省/贵阳市/清镇市", "贵州省/安顺市/平坝区", "贵州省/安顺市/西秀区",
    }
    assert zones["两江新区"] == {"重庆市/江北区", "重庆市/渝北区", "重庆市/北碚区"}
    # Units of the gazetteer are found by the admin clues; national strategies that
    # reports everywhere in the region invoke would point at the wrong county.
    assert "滨海新区" not in by_name and "天府新区" not in by_name
    assert "雄安新区" not in by_name and "雄安新区" not in zones
    assert not set(zones) & set(by_name), "a zone is listed once, in zones.tsv"


@pytest.mark.parametrize("filename, kinds", [("zones.tsv", ZONE_KINDS), ("old_names.tsv", OLD_NAME_KINDS)])
def test_zones_and_old_names_are_sourced_and_resolve(filename, kinds, valid_paths):
    # An old name of a municipality (渝州) points at the municipality itself.
    valid_paths = valid_paths | {"北京市", "天津市", "上海市", "重庆市"}
    rows = load_landmarks(load_rules().folder, filename, kinds)
    assert len(rows) >= 50
    lines = (load_rules().folder / filename).read_text(encoding="utf-8").splitlines()
    unsourced = [row.name for row in rows if "source:" not in lines[row.line - 1]]
    assert unsourced == []
    unresolved = [(row.name, place) for row in rows for place in row.places if place not in valid_paths]
    assert unresolved == []


@pytest.mark.parametrize("text, kind, place", [
    ("积极融入两江新区建设，承接产业转移。", "zone", "重庆市/渝北区"),
    ("古豳大地，××县城新貌日新月异。", "old-name", "陕西省/咸阳市/彬州市"),
    ("并州大地，龙城××，锦绣太原。", "old-name", "山西省/太原市"),
])
def test_a_zone_or_an_old_name_points_at_its_places(clues_in, text, kind, place):
    g = load_gazetteer()
    found = [c for c in clues_in(text) if c.kind == kind]
    assert found and any(g.path(u) == place or g.path(u).startswith(place + "/")
                         for c in found for u in c.candidates)


@pytest.mark.parametrize(
    "sentence",
    [
        # Real report sentences whose words straddle short landmark names
        # (个园, 袁家村, 陆家嘴, 沙湖, 洪湖 …): none of them names a landmark.
        "基础设施项目加速推进，雾森园等8个园林绿化工程建成投用",
        "智能家电、轨道交通2个园区获评省级特色产业园",
        "沾益花山等4个园区入列省级化工园区确认名单",
        "启动太钢袁家村铁矿300万吨碱性球团技改项目",
        "推动万达、东泰商业综合体等项目建设，把新区打造成吕梁的“陆家嘴”",
        "以小庄头村史馆、毛泽东像章纪念馆、程茂兰天文馆为依托",
        "做强新会大鳌、恩平沙湖等专业镇",
        "在市第十届人民代表大会第四次会议上 市长 洪湖鹏",
        "全面落实对口支援西藏山南市工作，推动国内城市间合作，稳步提高职工工资水平",
        # … and 资江 (投资江门), 大清河 (扩大清河).
        "越来越多企业看好江门、投资江门，全年引进世界五百强、中国制造业五百强",
        "筹设人参电子交易平台，扩大清河、快大人参市场交易规模",
    ],
)
def test_ordinary_sentences_name_no_landmark(sentence, by_name):
    assert _longest_matches(sentence, by_name) == []


@pytest.mark.parametrize("text", [
    # Sentences of dev-eval reports in which an old name used to be found inside other words.
    "构建线上线下相融合的城乡商品流通渠道。",  # 下相 (宿迁)
    "大力实施安宁河干热河谷生态修复。",  # 热河
    "谋划建设华北平原地区最大的生态走廊。",  # 北平
    "加快推进我区农村商业银行组建和盛京银行入驻工作。",  # 盛京 of a bank
    "推进燕京啤酒退城进园。",  # 燕京 of a brand
    "提升打造老街风貌，加快洪城北路北延、中源路拓宽。",  # 洪城 (南昌) of a road in 阳泉 (seeds/003)
])
def test_old_names_are_not_found_inside_other_words(clues_in, text):
    assert [c.text for c in clues_in(text) if c.kind == "old-name"] == []
