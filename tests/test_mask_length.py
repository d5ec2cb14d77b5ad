"""Mask length as a side channel (issue 13 item 6): read only where the masks
vary as names do, never lowering the risk the gate sees."""
from __future__ import annotations

from dataclasses import replace

import pytest

import auditor
from auditor.reduce.mask_length import fits, read_mask_lengths
from auditor.rules import load_rules

YUANPING = "山西省/忻州市/原平市"
# A county overview as publishers mask it one glyph per character: ××市 is the
# place (原平, two characters), ××县 a neighbour, the towns and numbers counted too.
COUNTED = ("××市概况\n××市位于忻州市北部，东邻××县，辖××镇、×××乡，××市人口××万。"
           "××市委、××市人民政府高度重视，××市经济平稳运行。\n")


@pytest.mark.parametrize("name, short, glyphs, after, expected", [
    ("原平市", "原平", 2, "市人民政府", True),
    ("原平市", "原平", 3, "市人民政府", False),
    ("五台县", "五台", 2, "市委", False),  # ××市 hides a 市
    ("鄂伦春自治旗", "鄂伦春", 3, "自治旗", True),
    ("代县", "代县", 1, "县城", True),
    ("忻州市", "忻州", 2, "，", True),  # no suffix left: the short form's length
])
def test_which_names_a_mask_can_hide(name, short, glyphs, after, expected):
    assert fits(name, short, glyphs, after) is expected


def test_a_single_glyph_for_every_name_tells_nothing():
    result = auditor.audit(["seeds/000_f10a573ecf1e5254.txt"], link=False)
    lengths = read_mask_lengths(result.analyses[0].slots, 3, 5)
    assert not lengths.keeps and lengths.note() == ""


def test_counted_masks_are_read_and_said(tmp_path):
    path = tmp_path / "overview.txt"
    path.write_text(COUNTED, encoding="utf-8")
    identity = auditor.audit([path]).identities[0]
    assert "the masks keep the length of the name (××市)" in identity.mask_lengths
    # 忻州市北部 leaves a few counties; of those only 原平 is a two-character 市.
    assert identity.identity == YUANPING
    single = tmp_path / "single.txt"
    single.write_text(COUNTED.replace("×××", "×").replace("××", "×"), encoding="utf-8")
    plain = auditor.audit([single]).identities[0]
    assert plain.mask_lengths == "" and plain.candidates[0].probability < identity.candidates[0].probability


def test_the_channel_never_lowers_the_risk(tmp_path):
    # Three glyphs where a two-character name stands: the publisher's masks vary
    # for another reason. The channel moves the answer, but not the risk down.
    path = tmp_path / "miscounted.txt"
    path.write_text(COUNTED.replace("××市", "×××市") + "崞阳镇、轩岗镇、大牛店镇加快发展。\n", encoding="utf-8")
    rules = load_rules()
    off = replace(rules, linker=replace(rules.linker, mask_length_mismatch_ratio=1.0))
    with_channel = auditor.audit([path], rules=rules).identities[0]
    without = auditor.audit([path], rules=off).identities[0]
    assert with_channel.mask_lengths and without.identity == YUANPING
    assert with_channel.risk >= without.risk
    assert with_channel.anonymity_set <= without.anonymity_set
