"""Issue 12: one meaning for risk and verdict, short texts first-class, and the
cases a new user hit. Each sentence below is of the kind real redacted
reports hold; each test failed on the code before the risk model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import auditor
from auditor.cli import main
from auditor.output.gate import Policy, evaluate, resolve_policy
from auditor.records import Identity
from auditor.reduce.risk import ANONYMITY_FACTOR, anonymity_set, calibrated, verdict_for


def audit_text(tmp_path: Path, text: str, name: str = "doc.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = auditor.audit([path])
    return result, result.identities[0]


def check(tmp_path: Path, *args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


# -- the definitions ---------------------------------------------------------------


def test_verdict_is_risk_against_one_over_k():
    assert verdict_for(0.95, masked=True) == "re-identified"
    assert verdict_for(0.9, masked=True) == "re-identified"
    assert verdict_for(0.5, masked=True) == "at-risk"
    assert verdict_for(0.2, masked=True, k=5) == "protected"  # exactly 1/K is not above it
    assert verdict_for(0.2, masked=True, k=10) == "at-risk"
    assert verdict_for(0.99, masked=False) == "not-anonymised"


def test_anonymity_set_is_the_places_within_the_factor_of_the_top():
    assert anonymity_set(0.6, [0.6, 0.3, 0.05]) == 2
    # A document at risk of 0.5 or more can never show a set in the thousands.
    assert anonymity_set(0.5, [0.5], rest_each=0.5 / 3000, rest_count=3000) == 1
    assert anonymity_set(1 / 2800, [], rest_each=1 / 2800, rest_count=2800) == 2800
    assert ANONYMITY_FACTOR == 10


def test_calibration_is_platt_scaling():
    assert calibrated(0.7) == 0.7  # (1, 0): as it is
    assert calibrated(0.5, 1.0, 0.0) == pytest.approx(0.5)
    assert calibrated(0.99, 0.5, 0.0) == pytest.approx(0.99 ** 0.5 / (0.99 ** 0.5 + 0.01 ** 0.5))
    assert 0.0 < calibrated(1.0, 0.4, -1.0) < 1.0


def test_policy_k_decides_at_risk():
    identity = Identity("d.txt", "G001", 3, "山西省/忻州市/原平市", "county", 0.15, 4, "protected", risk=0.15)
    assert Policy().verdict(identity) == "protected"
    assert Policy(min_anonymity_set=10).verdict(identity) == "at-risk"
    assert Policy().verdict(identity, n_slots=0) == "not-anonymised"


def test_old_rule_name_still_works(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('[rules]\nsmall-anonymity-set = "ignore"\n', encoding="utf-8")
    assert resolve_policy(str(policy), None).action("at-risk") == "ignore"


# -- cases a new user hit --------------------------------------------------------------


def test_one_landmark_in_one_district_fails(tmp_path):
    path = tmp_path / "jinci.txt"
    path.write_text("××市高标准建设晋祠国家5A级景区。\n", encoding="utf-8")
    outcome = check(tmp_path, str(path))
    assert outcome.exit_code == 1, outcome.output
    assert "晋祠" in outcome.output
    result = auditor.audit([path])
    assert result.identities[0].identity.startswith("山西省/太原市")
    assert result.identities[0].verdict in ("re-identified", "at-risk")


def test_clear_city_in_a_slogan_beside_a_decoy_fails(tmp_path):
    text = '着力打造"夏养太原"康养品牌，推动太山、××植物园等景区"创A""升A"。\n'
    result, identity = audit_text(tmp_path, text)
    assert identity.verdict in ("re-identified", "at-risk"), identity
    assert any(c.text == "太原" and c.weight > 0 for c in identity.top_clues), identity.top_clues
    # 太山 stands in a list of scenic spots: the name of one, not the town of Jilin.
    assert not [c for c in result.analyses[0].clues if c.text == "太山" and c.candidates]
    outcome = check(tmp_path, str(tmp_path / "doc.txt"))
    assert outcome.exit_code == 1 and "太原" in outcome.output


def test_a_town_only_one_place_bears_is_enough_in_a_short_text(tmp_path):
    text = "××县伍仁桥镇药材市场改造完成，全年接待客商×万人次。\n"
    _, identity = audit_text(tmp_path, text)
    assert identity.risk >= 0.9 and identity.verdict == "re-identified"
    assert identity.identity == "河北省/保定市/安国市"
    assert identity.top_clues[0].text == "伍仁桥镇"


def test_a_sole_name_among_stray_ones_still_fails(tmp_path):
    # 伍仁桥镇 lies in 安国; 沧港 and 共兴 are towns far away that the words
    # of a short excerpt may spell. The gate cannot tell which is the place.
    text = "××市伍仁桥镇中药材交易额增长×%，沧港物流园与共兴片区同步招商。\n"
    _, identity = audit_text(tmp_path, text)
    assert identity.verdict in ("re-identified", "at-risk"), identity
    assert "伍仁桥镇" in [c.text for c in identity.top_clues]


@pytest.mark.parametrize("text", [
    "统筹推进山水林田湖草沙一体化保护和系统治理。\n",
    "加快推进花生、马铃薯、玉米万亩示范方建设。\n",
    "粮食生产实现“二十连丰”，总产×万吨。\n",
    "百年征程风正劲，重任千钧再奋蹄。\n",
])
def test_ordinary_phrases_spelling_a_town_are_no_clue(clues_in, text):
    assert [c.text for c in clues_in(text) if c.candidates] == []


@pytest.mark.parametrize("text", [
    "××市全力打造“康养原平”城市品牌，×年接待游客×万人次。\n",
    "××县人民政府工作报告。原平市人民政府成立三十周年之际，×县经济平稳增长。\n",
])
def test_own_place_named_as_the_subject(tmp_path, text):
    _, identity = audit_text(tmp_path, text)
    assert identity.identity == "山西省/忻州市/原平市"
    assert identity.verdict == "re-identified"
    assert [c.text for c in identity.names_own_place][:1] in (["原平市"], ["原平"])


def test_city_wide_text_is_at_the_prefecture(tmp_path):
    # Towns of four of 太原's counties, and the city's own words for itself.
    text = (
        "全市×个县（市、区）全部实现脱贫摘帽，各县区协调发展。××区晋祠镇、××县娄烦镇、××县清源镇、"
        "××区阳曲镇的特色产业园相继开园，市直各部门联动推进。\n"
    )
    _, identity = audit_text(tmp_path, text)
    assert (identity.identity, identity.identity_level) == ("山西省/太原市", "prefecture"), identity


def test_one_character_remedy_names_its_occurrences(tmp_path):
    path = tmp_path / "zhuyuan.txt"
    path.write_text("××市崞阳镇拥军优属，驻原部队官兵参加植树。\n原则上按计划推进。\n", encoding="utf-8")
    outcome = check(tmp_path, str(path), "--format", "json")
    findings = json.loads(outcome.output)["findings"]
    remedies = [f["remedy"] for f in findings if f["clue"] == "原"]
    # The abbreviation is a finding that names where it stands, not every 原 (原则 on line 2).
    assert remedies and all("驻原部队 at 1:13" in r and "everywhere" not in r for r in remedies), remedies


def test_fixed_seeds_pass_and_say_so_everywhere(tmp_path, seeds_dir):
    out = tmp_path / "fixed"
    fixed = CliRunner().invoke(main, ["fix", str(seeds_dir), "--out", str(out)], catch_exceptions=False)
    assert fixed.exit_code == 0, fixed.output
    assert "characters" in fixed.output
    result = auditor.audit([out])
    gate = evaluate(result, resolve_policy(None, None))
    for report in gate.documents:
        if report.identity is None or not report.masked:
            continue
        assert not report.failed, report.status_line()
        # One definition: the report's verdict, the gate's and the linker's agree.
        assert report.verdict == report.identity.verdict == "protected", report.status_line()
        assert report.identity.risk <= 1 / 5
