"""Codes in clear text that name a place (issue 13 item 3): administrative
division codes and telephone area codes, from jionlp's tables, where
rules/codes.toml says a code stands; and what they are not."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import auditor
from auditor.cli import main

YUANPING = "山西省/忻州市/原平市"


def codes_in(clues_in, text: str) -> list[tuple[str, str]]:
    return [(c.text, c.level) for c in clues_in(text) if c.kind == "code"]


@pytest.mark.parametrize("text, found", [
    # as a division code beside a masked name, the way notices print them
    ("××市人民政府（行政区划代码：140981）关于印发通知", [("140981", "county")]),
    ("联系电话：(0350)3021234，传真0350-3021235。", [("0350", "prefecture"), ("0350", "prefecture")]),
    ("举报电话（0351）4041234", [("0351", "prefecture")]),
    ("长途区号：0350", [("0350", "prefecture")]),
])
def test_codes_that_name_a_place(clues_in, text, found):
    assert codes_in(clues_in, text) == found


@pytest.mark.parametrize("text", [
    "全年完成固定资产投资140981万元，同比增长5.2%。",  # an amount that spells a code
    "新增就业140981人。",
    "订购热线4000350123，客服19035021234。",  # 0350 inside a longer number
    "2023年共接待游客0350-1万人次",  # no local number after it
    "产值1409812元",  # seven digits
])
def test_numbers_that_are_not_codes(clues_in, text):
    assert codes_in(clues_in, text) == []


def test_a_code_in_clear_re_identifies_a_short_notice(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("××市人民政府办公室关于做好春节期间安全工作的通知\n"
                    "各乡镇人民政府：……联系电话：(0350)3021234，行政区划代码140981。\n", encoding="utf-8")
    identity = auditor.audit([path]).identities[0]
    assert identity.identity == YUANPING and identity.verdict == "re-identified"
    assert [c.text for c in identity.top_clues][:1] == ["140981"]
    outcome = CliRunner().invoke(main, ["check", str(path)], catch_exceptions=False)
    assert outcome.exit_code == 1
    assert "140981: division code pointing at 山西省/忻州市/原平市" in outcome.output
    fixed = tmp_path / "fixed"
    outcome = CliRunner().invoke(main, ["fix", str(path), "--out", str(fixed)], catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    text = (fixed / "notice.txt").read_text(encoding="utf-8")
    assert "行政区划代码×。" in text
    # 0350 is left: it names 忻州, whose fourteen counties a reader cannot tell apart.
    assert CliRunner().invoke(main, ["check", str(fixed)], catch_exceptions=False).exit_code == 0


@pytest.mark.parametrize("change, message", [
    (('kind = "admin-code"', 'kind = "zip-code"'), "codes.toml: [[pattern]] 'division-code' kind: unknown kind 'zip-code'"),
    (("(?P<code>[1-8][0-9]{5})", "([1-8][0-9]{5})"), "codes.toml: [[pattern]] 'division-code' regex: needs the named group 'code'"),
])
def test_codes_toml_is_validated_at_load(tmp_path, rules, change, message):
    import shutil

    from auditor.errors import RulesError
    from auditor.rules import load_rules

    folder = tmp_path / "rules"
    shutil.copytree(rules.folder, folder)
    path = folder / "codes.toml"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_rules(str(folder))
    assert message in str(raised.value)


def test_a_code_says_what_it_is_in_words(clues_in):
    (code,) = [c for c in clues_in("联系电话：(0350)3021234") if c.kind == "code"]
    assert code.rule == "the telephone area code of 山西省/忻州市 (codes.toml phone-number)"
