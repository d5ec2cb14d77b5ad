"""The gazetteer on the real jionlp data (built once per session into a tmp dir)."""
from __future__ import annotations

import os
import pickle

import pytest

from auditor.gazetteer import cache as gazetteer_cache
from auditor.gazetteer import model as gazetteer_model
from auditor.gazetteer import LEVELS, AdminUnit, Gazetteer, derive_short, load_gazetteer


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("gazetteer-cache")


@pytest.fixture(scope="module")
def gaz(cache_dir) -> Gazetteer:
    return load_gazetteer(cache_dir)


def only(gaz: Gazetteer, uids, level: str, path: str | None = None) -> int:
    """The single uid among ``uids`` at ``level`` (and with ``path``)."""
    found = [u for u in uids if gaz.level_of(u) == level and (path is None or gaz.path(u) == path)]
    assert len(found) == 1, [gaz.path(u) for u in uids]
    return found[0]


def test_yuanping_county(gaz):
    uid = only(gaz, gaz.lookup("原平"), "county")
    assert gaz.path(uid) == "山西省/忻州市/原平市"
    unit = gaz.units[uid]
    assert isinstance(unit, AdminUnit)
    assert (unit.uid, unit.name, unit.short, unit.level) == (uid, "原平市", "原平", "county")
    assert unit.code.startswith("1409")
    assert gaz.units[unit.parent].name == "忻州市"
    assert gaz.lookup_full("原平市") == (uid,)
    assert gaz.lookup_full("原平") == ()  # a short form is not a full name


@pytest.mark.parametrize("full, short", [("崞阳镇", "崞阳"), ("轩岗镇", "轩岗")])
def test_towns_of_yuanping(gaz, full, short):
    yuanping = only(gaz, gaz.lookup_full("原平市"), "county")
    town = only(gaz, gaz.lookup_full(full), "town")
    assert gaz.county_of(town) == yuanping
    assert town in gaz.lookup(short)
    assert town in gaz.lookup(full)
    assert gaz.units[town].short == short
    assert gaz.units[town].code == ""
    assert gaz.path(town) == f"山西省/忻州市/原平市/{full}"
    assert town in gaz.children(yuanping)
    assert gaz.prefecture_of(town) == gaz.prefecture_of(yuanping)
    assert gaz.units[gaz.province_of(town)].name == "山西省"


def test_short_lookup_spans_levels(gaz):
    # 轩岗 is also a village inside 轩岗镇 and a township in Yunnan
    uids = gaz.lookup("轩岗")
    assert {gaz.level_of(u) for u in uids} >= {"town", "village"}
    assert any(gaz.path(u).startswith("云南省/") for u in uids)


def test_prefecture_short(gaz):
    uid = only(gaz, gaz.lookup("忻州"), "prefecture")
    assert gaz.path(uid) == "山西省/忻州市"
    assert gaz.units[uid].short == "忻州"
    assert gaz.prefecture_of(uid) == uid
    assert gaz.county_of(uid) is None
    assert gaz.ancestor(uid, "province") == gaz.lookup_full("山西省")[0]


def test_province_directly_administered_county(gaz):
    uid = only(gaz, gaz.lookup_full("天门市"), "county")
    assert gaz.path(uid) == "湖北省/天门市"
    assert gaz.prefecture_of(uid) is None  # no 省直辖行政区划 pseudo unit
    assert gaz.units[gaz.province_of(uid)].name == "湖北省"
    assert uid in gaz.children(gaz.province_of(uid))
    assert gaz.path(only(gaz, gaz.lookup_full("济源市"), "county")) == "河南省/济源市"
    assert gaz.lookup("省直辖") == () and gaz.lookup_full("省直辖行政区划") == ()


def test_municipality_not_repeated(gaz):
    assert len(gaz.lookup_full("上海市")) == 1
    shanghai = gaz.lookup_full("上海市")[0]
    assert gaz.level_of(shanghai) == "province"
    jiading = only(gaz, gaz.lookup("嘉定"), "county")
    assert gaz.path(jiading) == "上海市/嘉定区"
    assert gaz.province_of(jiading) == shanghai
    assert gaz.prefecture_of(jiading) is None
    town = only(gaz, gaz.lookup_full("华亭镇"), "town", "上海市/嘉定区/华亭镇")
    assert gaz.path(gaz.children(town)[0]).startswith("上海市/嘉定区/华亭镇/")


def test_prefecture_level_city_without_counties(gaz):
    # 东莞's towns hang from the city itself (its 市直辖行政区划 tier is skipped)
    town = only(gaz, gaz.lookup_full("虎门镇"), "town")
    assert gaz.path(town) == "广东省/东莞市/虎门镇"
    assert gaz.county_of(town) is None
    assert gaz.units[gaz.prefecture_of(town)].name == "东莞市"


def test_renamed_units(gaz):
    qingyuan = only(gaz, gaz.lookup_full("清苑区"), "county")
    assert gaz.path(qingyuan) == "河北省/保定市/清苑区"
    assert gaz.lookup("清苑县") == (qingyuan,)
    assert gaz.lookup_full("清苑县") == (qingyuan,)
    # from china_location_change.txt
    xiangyang = only(gaz, gaz.lookup_full("襄阳市"), "prefecture")
    assert gaz.lookup("襄樊") == (xiangyang,)
    assert gaz.lookup_full("襄樊市") == (xiangyang,)
    pingquan = only(gaz, gaz.lookup_full("平泉县"), "county")
    assert gaz.path(pingquan) == "河北省/承德市/平泉市"
    # X县 is not invented where the corpus never used it
    assert gaz.lookup_full("海淀县") == ()


def test_counts_plausible(gaz):
    counts = gaz.counts()
    assert list(counts) == list(LEVELS)
    assert 32 <= counts["province"] <= 36
    assert 320 <= counts["prefecture"] <= 400
    assert 2800 <= counts["county"] <= 3400
    assert 30_000 <= counts["town"] <= 60_000
    assert 500_000 <= counts["village"] <= 800_000
    assert sum(counts.values()) == len(gaz.units) == len(gaz)
    for level in LEVELS:
        assert len(gaz.units_at(level)) == counts[level]
    assert gaz.units[-1].uid == len(gaz) - 1
    with pytest.raises(IndexError):
        gaz.units[len(gaz)]


def test_tree_is_consistent(gaz):
    for uid in gaz.units_at("province"):
        assert gaz.units[uid].parent is None
        assert gaz.ancestor(uid, "county") is None
    # every unit sits exactly one level or more below its parent
    for uid in range(0, len(gaz), 997):
        unit = gaz.units[uid]
        if unit.parent is not None:
            assert LEVELS.index(gaz.level_of(unit.parent)) < LEVELS.index(unit.level)
            assert uid in gaz.children(unit.parent)
        assert gaz.ancestor(uid, unit.level) == uid
        assert gaz.path(uid).endswith(unit.name)
        assert "直辖" not in gaz.path(uid)


def test_short_forms_derived():
    assert derive_short("崞阳镇", "town") == "崞阳"
    assert derive_short("红旗满族乡", "town") == "红旗"
    assert derive_short("上高桥回族彝族苗族乡", "town") == "上高桥"
    assert derive_short("白水苗族乡", "town") == "白水"
    assert derive_short("新街道办事处", "town") == ""
    assert derive_short("和平街道办事处", "town") == "和平"
    assert derive_short("北新村", "village") == "北新"
    assert derive_short("新村", "village") == ""
    assert derive_short("华旺社区", "village") == "华旺"
    assert derive_short("东园社区居委会", "village") == "东园"
    assert derive_short("五一农场", "town") == ""


COMMON = "文化 幸福 第一 建设 和平 新华 胜利 红旗 发展 民主 团结".split()
PLACES = "原平 崞阳 轩岗 忻州 太原 阳泉 吕梁 滹沱".split()


@pytest.mark.parametrize("word", COMMON)
def test_common_words(gaz, word):
    assert gaz.lookup(word), f"{word} should be a place name too"
    assert gaz.is_common_word(word)


@pytest.mark.parametrize("word", PLACES)
def test_place_names_are_not_common(gaz, word):
    assert gaz.lookup(word)
    assert not gaz.is_common_word(word)


def test_common_word_set_is_small(gaz):
    short = gaz.short_names()
    common_short = [w for w in short if gaz.is_common_word(w)]
    assert 1000 <= len(common_short) <= 0.05 * len(short)
    assert not gaz.is_common_word("不是地名的词")


def test_name_tables(gaz):
    short = gaz.short_names()
    full = gaz.full_names()
    yuanping = gaz.lookup_full("原平市")
    assert short["原平"] == yuanping
    assert full["原平市"] == yuanping
    assert all(len(name) >= 2 for name in short)
    assert "清苑县" in full and "襄樊" in short
    assert len(full) > 300_000 and len(short) > 200_000


def test_cache_reused(gaz, cache_dir, monkeypatch):
    path = gaz.cache_file
    assert os.path.dirname(path) == str(cache_dir.resolve())
    assert f"-v{gazetteer_model.FORMAT_VERSION}-" in os.path.basename(path)
    assert [p.name for p in cache_dir.iterdir()] == [os.path.basename(path)]  # no temp files left
    mtime = os.stat(path).st_mtime_ns
    assert load_gazetteer(cache_dir) is gaz  # memoised per process

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the cache should have been reused")

    monkeypatch.setattr(gazetteer_cache, "compile_gazetteer", no_rebuild)
    gazetteer_cache.clear_memo()
    again = load_gazetteer(cache_dir)
    assert again is not gaz
    assert os.stat(path).st_mtime_ns == mtime
    assert again.cache_file == path
    assert again.counts() == gaz.counts()
    for name in ("原平", "崞阳", "清苑县", "和平"):
        assert again.lookup(name) == gaz.lookup(name)
        assert [again.path(u) for u in again.lookup(name)] == [gaz.path(u) for u in gaz.lookup(name)]
        assert again.is_common_word(name) == gaz.is_common_word(name)
    assert again.units[12345] == gaz.units[12345]


def test_gazetteer_pickles_as_a_reference(gaz):
    data = pickle.dumps(gaz)
    assert len(data) < 1000
    assert pickle.loads(data) is load_gazetteer(os.path.dirname(gaz.cache_file))


def test_unreadable_cache_is_ignored(tmp_path):
    bad = tmp_path / "broken.pickle"
    bad.write_bytes(b"not a pickle")
    assert gazetteer_cache._read_cache(bad) is None
    assert gazetteer_cache._read_cache(tmp_path / "missing.pickle") is None
