"""The redaction simulator, on sentences from real government reports."""
from pathlib import Path

import pytest

from auditor.redact import name_core, names_for, redact_text, split_name

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

YUANPING = names_for("山西省", "忻州市", "原平市")


def test_numbers_become_one_mask_each_and_years_stay():
    text = "2021年全市地区生产总值完成1234.5亿元，增长6.8%"
    assert redact_text(text, YUANPING) == "2021年全市地区生产总值完成×亿元，增长×%"


def test_own_prefecture_and_province_names_keep_their_suffix():
    assert redact_text("忻州市原平市", YUANPING) == "×市×市"
    assert redact_text("山西省忻州市", YUANPING) == "×省×市"
    text = "省第十二次党代会、忻州市第五次党代会及我市第七次党代会胜利召开，原平站在新的历史起点。"
    assert redact_text(text, YUANPING) == (
        "省第十二次党代会、×市第五次党代会及我市第七次党代会胜利召开，×站在新的历史起点。"
    )


def test_other_places_and_partial_names_stay_clear():
    # 000 keeps 太原 and the 忻原大道 (a road named after 忻州 and 原平)
    text = "与太原、原平共建网络货运平台，完成忻原大道建设，崞阳古城修复活化。"
    assert redact_text(text, YUANPING) == "与太原、×共建网络货运平台，完成忻原大道建设，崞阳古城修复活化。"


def test_spaced_dates_keep_the_year_only():
    text = "2012 年 12 月 29 日至 30 日，习近平总书记到阜平考察扶贫开发工作。"
    names = names_for("河北省", "保定市", "阜平县")
    assert redact_text(text, names) == "2012 年 × 月 × 日至 × 日，习近平总书记到×考察扶贫开发工作。"


def test_numbers_that_look_like_years_are_masked_unless_they_are_years():
    text = "实现了恩施人民30年来不懈追求的梦想，建成后州城防洪能力提升至50年一遇，调增3700万吨/年煤炭产能。"
    names = names_for("湖北省", "恩施土家族苗族自治州", "恩施市")
    assert redact_text(text, names) == "实现了×人民×年来不懈追求的梦想，建成后州城防洪能力提升至×年一遇，调增×万吨/年煤炭产能。"
    assert redact_text("1998年，2023-03-30，１２３号", []) == "×年，×-×-×，×号"
    assert redact_text("２０２２年", []) == "２０２２年"


def test_thousands_groups_and_decimals_are_one_number():
    assert redact_text("全年生产原煤1.22亿吨、外运煤炭6,530万吨，增长43.97%、165.4%", []) == (
        "全年生产原煤×亿吨、外运煤炭×万吨，增长×%、×%"
    )
    # a list comma is no thousands separator
    assert redact_text("第1,2项", []) == "第×,×项"


def test_numbers_false_keeps_numbers():
    assert redact_text("忻州市增长6.8%", YUANPING, numbers=False) == "×市增长6.8%"


def test_autonomous_prefecture_masks_only_its_core():
    names = names_for("湖北省", "恩施土家族苗族自治州", "恩施市")
    assert names[0] == "恩施土家族苗族自治州"
    text = "在恩施土家族苗族自治州的领导下，恩施市连续五年跻身“全国旅游百强县市”榜单，恩施玉露荣获称号。"
    assert redact_text(text, names) == (
        "在×土家族苗族自治州的领导下，×市连续五年跻身“全国旅游百强县市”榜单，×玉露荣获称号。"
    )


def test_district_sharing_its_prefectures_core():
    names = names_for("安徽省", "黄山市", "黄山区")
    assert names[:3] == ["安徽省", "黄山区", "黄山市"]
    text = "2023年是黄山区发展史上极不寻常的一年，“乐游黄山区”智慧平台入选，黄山风景区客流回升，安徽省委部署。"
    assert redact_text(text, names) == (
        "2023年是×区发展史上极不寻常的一年，“乐游×区”智慧平台入选，×风景区客流回升，×省委部署。"
    )


def test_one_character_core_is_masked_only_in_the_full_name():
    names = names_for("河北省", "保定市", "蠡县")
    assert "蠡" not in names and "蠡县" in names
    text = "我代表蠡县人民政府，范蠡文化公园积极建设，保定市、河北省部署。"
    assert redact_text(text, names) == "我代表×县人民政府，范蠡文化公园积极建设，×市、×省部署。"


def test_autonomous_region_names():
    names = names_for("新疆维吾尔自治区", "哈密市", None)
    assert "新疆" in names and "哈密" in names
    text = "习近平总书记再次亲临新疆视察，纳入新疆维吾尔自治区规划，哈密市的10个项目。"
    assert redact_text(text, names) == "习近平总书记再次亲临×视察，纳入×维吾尔自治区规划，×市的×个项目。"
    text = "深入贯彻习近平总书记对内蒙古重要指示精神和对包头重要指示，271万英雄的鹿城儿女众志成城。"
    names = names_for("内蒙古自治区", "包头市", "")
    assert redact_text(text, names) == "深入贯彻习近平总书记对×重要指示精神和对×重要指示，×万英雄的鹿城儿女众志成城。"


@pytest.mark.parametrize(
    "name, core, suffix",
    [
        ("忻州市", "忻州", "市"),
        ("山西省", "山西", "省"),
        ("恩施土家族苗族自治州", "恩施", "土家族苗族自治州"),
        ("内蒙古自治区", "内蒙古", "自治区"),
        ("新疆维吾尔自治区", "新疆", "维吾尔自治区"),
        ("伊犁哈萨克自治州", "伊犁", "哈萨克自治州"),
        ("广西壮族自治区", "广西", "壮族自治区"),
        ("鄂温克族自治旗", "鄂温克", "族自治旗"),
        ("阿克苏地区", "阿克苏", "地区"),
        ("锡林郭勒盟", "锡林郭勒", "盟"),
        ("神农架林区", "神农架", "林区"),
        ("香港特别行政区", "香港", "特别行政区"),
        ("原平", "原平", ""),
    ],
)
def test_split_name(name, core, suffix):
    assert split_name(name) == (core, suffix)
    assert name_core(name) == core


def test_names_for_skips_province_administered_tier_and_orders_longest_first():
    names = names_for("湖北省", "省直辖", "仙桃市")
    assert names == ["仙桃市", "湖北省", "仙桃", "湖北"]
    assert names_for("湖北省", "省直辖县级行政区划", "仙桃市") == names
    assert YUANPING == ["原平市", "山西省", "忻州市", "原平", "山西", "忻州"]


def test_redacting_twice_changes_nothing_more():
    seed = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    once = redact_text(seed, YUANPING)
    # 000 itself was redacted by these rules: no name or number of its own is left
    assert once == seed
    assert "2021年工作回顾" in once and "2022年工作安排" in once
    unredacted = seed.replace("重振×雄风", "重振原平雄风").replace("×市第五次", "忻州市第五次")
    assert redact_text(unredacted, YUANPING) == seed


def test_keep_length_writes_one_glyph_per_hidden_character():
    from auditor.redact import names_for, redact_text

    text = "忻州市原平市崞阳镇，2023年完成投资12.5亿元。"
    names = names_for("山西省", "忻州市", "原平市")
    assert redact_text(text, names, keep_length=True) == "××市××市崞阳镇，2023年完成投资××××亿元。"
    assert redact_text(text, names) == "×市×市崞阳镇，2023年完成投资×亿元。"
