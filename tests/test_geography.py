"""Geography in sentences (issue 13 item 4): inside, border and distance, on
sentences of the kind county overviews print, and what they are not."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

import auditor
from auditor.gazetteer.boundaries import distance_km
from auditor.cli import main
from auditor.errors import RulesError
from auditor.gazetteer import load_gazetteer
from auditor.rules import load_rules

YUANPING = "山西省/忻州市/原平市"


@pytest.fixture(scope="module")
def g():
    return load_gazetteer()


def county(g, path: str) -> int:
    return next(u for u in g.units_at("county") if g.path(u) == path)


def prefecture(g, path: str) -> int:
    return next(u for u in g.units_at("prefecture") if g.path(u) == path)


def geography(clues_in, text: str):
    return [c for c in clues_in(text) if c.kind == "geography"]


def test_the_cache_knows_borders_and_seats(g):
    wutai, taiyuan = county(g, "山西省/忻州市/五台县"), prefecture(g, "山西省/太原市")
    yuanping = county(g, YUANPING)
    assert yuanping in g.borders(wutai)
    assert yuanping not in g.borders(taiyuan)  # 原平 touches 忻府, 定襄 … but not 太原
    assert prefecture(g, "山西省/忻州市") not in g.borders(yuanping)  # its own prefecture is no neighbour
    assert 25 < distance_km(g.point(yuanping), g.point(prefecture(g, "山西省/忻州市"))) < 50
    assert 80 < distance_km(g.point(yuanping), g.point(taiyuan)) < 120


def test_a_neighbour_is_not_the_place_named(clues_in, g):
    clue, = geography(clues_in, "全县东与五台县接壤，境内交通便利。")
    assert clue.text == "五台县"
    wutai = county(g, "山西省/忻州市/五台县")
    assert wutai not in clue.candidates
    assert county(g, YUANPING) in clue.candidates
    assert len(clue.candidates) == len([u for u in g.borders(wutai) if g.level_of(u) == "county"])
    assert "borders 山西省/忻州市/五台县" in clue.rule


def test_each_name_of_a_list_of_neighbours(clues_in):
    clues = geography(clues_in, "××县北与代县、宁武县接壤，东邻定襄县、五台县。")
    assert [c.text for c in clues] == ["代县", "宁武县", "定襄县", "五台县"]


def test_a_distance_to_a_city_is_not_that_city(clues_in, g):
    clue, = geography(clues_in, "××县城距省会太原96公里，有高速公路相通。")
    assert clue.text == "太原" and clue.kind == "geography"
    taiyuan = prefecture(g, "山西省/太原市")
    seat = g.point(taiyuan)
    assert not [u for u in clue.candidates if distance_km(seat, g.point(u)) < 30]  # 太原's own districts
    assert county(g, YUANPING) in clue.candidates
    assert "about 96 km from 山西省/太原市" in clue.rule
    # no admin clue for 太原 is left on those characters
    assert not [c for c in clues_in("××县城距省会太原96公里。") if c.kind == "admin" and c.text == "太原"]


def test_a_part_of_a_province_is_the_counties_there(clues_in, g):
    clue, = geography(clues_in, "××市位于山西省北部，是晋北重要的交通枢纽。")
    prefectures = {g.path(g.ancestor(u, "prefecture")) for u in clue.candidates}
    assert "山西省/大同市" in prefectures and "山西省/忻州市" in prefectures
    assert "山西省/运城市" not in prefectures and "山西省/长治市" not in prefectures
    assert "in its north" in clue.rule


@pytest.mark.parametrize("text", [
    "我市与太原市委党校加强合作交流。",  # 与 … but no border verb
    "离开西安以后，他去了兰州。",  # 离 without a distance
    "距2025年底还有120天。",  # a distance to no place
    "太原至忻州高速公路全长96公里。",  # a length, not a distance from 太原
])
def test_sentences_that_place_nothing(clues_in, text):
    assert geography(clues_in, text) == []


def test_the_relations_alone_re_identify_a_county(tmp_path):
    path = tmp_path / "overview.txt"
    path.write_text("××市概况\n××市位于忻州市北部，东邻五台县，西接宁武县，南与忻府区接壤，北与代县相连。"
                    "全市总面积2560平方公里，辖×个镇。\n", encoding="utf-8")
    result = auditor.audit([path])
    identity = result.identities[0]
    assert identity.identity == YUANPING
    assert {c.kind for c in identity.top_clues} == {"geography"}
    outcome = CliRunner().invoke(main, ["check", str(path)], catch_exceptions=False)
    assert outcome.exit_code == 1
    assert "五台县: geography (borders 山西省/忻州市/五台县: 8 counties do) pointing at 山西省/忻州市/原平市" \
        in outcome.output
    out = tmp_path / "report"
    assert CliRunner().invoke(main, ["scan", str(path), "--out", str(out)], catch_exceptions=False).exit_code in (0, 1)
    page = next((out / "docs").glob("*.html")).read_text(encoding="utf-8")
    assert "borders 山西省/忻州市/五台县: 8 counties do" in page


def test_a_distance_relation_without_km_is_a_rule_error(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(load_rules().folder, rules)
    text = (rules / "geography.toml").read_text(encoding="utf-8")
    (rules / "geography.toml").write_text(text.replace("(?P<km>", "(?P<kilometres>", 1), encoding="utf-8")
    with pytest.raises(RulesError, match=r"geography\.toml.*distance.*km"):
        load_rules(rules)
