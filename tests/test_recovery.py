"""Recovery of what the slots hid: place slots by their level from the
inferred identity, codes and numbers from the same clear context elsewhere."""
from __future__ import annotations

import pytest

from conftest import run_audit_in


@pytest.fixture(scope="module")
def seeds_audit(audit_in, seeds_dir):
    return audit_in(seeds_dir.parent, "seeds")


# 001 was republished with ASCII punctuation.
_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})


def slots_between(result, doc_prefix: str, left: str, right: str):
    """The slots of a document with this clear text on either side."""
    (analysis,) = [a for a in result.analyses if a.doc.removeprefix("seeds/").startswith(doc_prefix)]
    found = [
        s for s in analysis.slots
        if s.left_context.translate(_FULL_WIDTH).endswith(left) and s.right_context.translate(_FULL_WIDTH).startswith(right)
    ]
    assert found, f"no slot between {left} and {right} in {analysis.doc}"
    return found


def slot_between(result, doc_prefix: str, left: str, right: str):
    (slot,) = slots_between(result, doc_prefix, left, right)
    return slot


@pytest.mark.parametrize(
    "left, right, level, value",
    [
        ("省第十二次党代会、", "市第五次党代会", "prefecture", "忻州"),  # ×市第五次党代会
        ("习近平总书记视察", "重要讲话重要指示精神", "province", "山西"),  # 视察×重要讲话
        ("围绕“重振", "雄风、再铸", "county", "原平"),  # 重振×雄风
        ("过去一年，是", "发展史上极不平凡的一年", "county", "原平"),
    ],
    ids=["prefecture-party-congress", "province-inspection", "county-slogan", "county-review"],
)
@pytest.mark.parametrize("doc", ["000", "001"])
def test_place_slots_recovered_by_level(seeds_audit, doc, left, right, level, value):
    for slot in slots_between(seeds_audit, doc, left, right):
        assert (slot.slot_type, slot.place_level) == ("place", level)
        assert slot.recovered == value
        assert slot.recovered_confidence >= 0.9
        assert slot.leak
        assert "山西省/忻州市/原平市" in slot.recovered_evidence


def test_statistics_of_the_redacted_report_stay_hidden(seeds_audit):
    # 002–004 state their own GDP; none of them is 000's.
    slot = slot_between(seeds_audit, "000", "全年地区生产总值完成", "亿元，同比增长")
    assert slot.slot_type == "number"
    assert slot.recovered == ""
    assert slot.recovered_confidence is None
    assert not slot.leak


def test_clear_reports_have_no_slots_to_recover(seeds_audit):
    frame = seeds_audit.slots
    assert set(frame.doc.str.removeprefix("seeds/").str[:3]) == {"000", "001"}


@pytest.fixture(scope="module")
def code_and_statistic(tmp_path_factory, seed_text):
    """One file with 000's masked sentences, one unrelated clear reference:
    003 says 5G信号市域全覆盖, cty_hebei_anguo_2022 states its own GDP."""
    text = seed_text("000")
    masked = [line for line in text.split("\n") if "全年地区生产总值完成×亿元" in line or "启动×G全覆盖项目" in line]
    assert len(masked) == 2
    reference = [
        "全年地区生产总值完成122.2亿元，同比增长7.8%；一般公共预算收入完成10亿元，同比增长10.1%；"
        "固定资产投资完成87.9亿元，同比增长8.1%",  # cty_hebei_anguo_2022
        next(line for line in seed_text("003").split("\n") if "5G信号市域全覆盖" in line),
    ]
    folder = tmp_path_factory.mktemp("code-corpus")
    (folder / "masked.txt").write_text("\n".join(masked) + "\n", encoding="utf-8")
    (folder / "reference.txt").write_text("\n".join(reference) + "\n", encoding="utf-8")
    return run_audit_in(folder)


def test_code_recovered_from_another_document(code_and_statistic):
    result = code_and_statistic
    assert result.identity("masked.txt").group != result.identity("reference.txt").group
    slot = slot_between(result, "masked", "完工供电，启动", "G全覆盖项目")
    assert slot.slot_type == "code"
    assert slot.recovered == "5"
    assert 0 < slot.recovered_confidence < 1
    assert "5G" in slot.recovered_evidence


def test_statistic_not_recovered_from_an_unrelated_document(code_and_statistic):
    result = code_and_statistic
    for left, right in (("全年地区生产总值完成", "亿元，同比增长"), ("亿元，同比增长", "%；一般公共预算")):
        slot = slot_between(result, "masked", left, right)
        assert slot.slot_type == "number"
        assert (slot.recovered, slot.recovered_confidence) == ("", None)


def test_statistic_recovered_from_its_own_near_duplicate(tmp_path, seed_text):
    # The same number readable in a copy of the same text is a leak.
    line = next(line for line in seed_text("002").split("\n") if "完成营造林46万亩" in line)
    other = next(line for line in seed_text("002").split("\n") if "面对有气象记录以来最强秋汛" in line)
    (tmp_path / "a.txt").write_text(line.replace("营造林46万亩", "营造林×万亩") + "\n" + other + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(line + "\n" + other + "\n", encoding="utf-8")
    result = run_audit_in(tmp_path)
    slot = slot_between(result, "a.txt", "完成营造林", "万亩")
    assert (slot.recovered, slot.leak) == ("46", True)


def test_year_slot_inside_a_reviewed_year(seeds_audit):
    # 000's review of 2021 ends: ×年取得的成绩，来之不易.
    slot = slot_between(seeds_audit, "000", "成如容易却艰辛。", "年取得的成绩")
    assert slot.slot_type == "year"
    assert slot.recovered == "2021"
    assert slot.recovered_confidence < 0.9  # an inference from the heading, not a leak


def test_what_counts_as_a_leak_is_the_rule_files_threshold(tmp_path, seeds_dir, seeds_audit):
    # The county slogan 重振×雄风 is recovered as 原平 below certainty: a
    # publisher who asks for more before calling it a leak gets no leak there,
    # with the same recovery.
    import shutil

    from auditor.rules import default_rules_dir

    folder = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), folder)
    linker = folder / "linker.toml"
    text = linker.read_text(encoding="utf-8")
    assert "leak_confidence = 0.9\n" in text
    linker.write_text(text.replace("leak_confidence = 0.9\n", "leak_confidence = 1.0\n"), encoding="utf-8")
    strict = run_audit_in(seeds_dir.parent, "seeds", rules=str(folder))
    (before,) = slots_between(seeds_audit, "000", "围绕“重振", "雄风、再铸")
    (after,) = slots_between(strict, "000", "围绕“重振", "雄风、再铸")
    assert before.leak and (before.recovered, before.recovered_confidence) == (after.recovered, after.recovered_confidence)
    assert after.recovered_confidence < 1.0 and not after.leak
