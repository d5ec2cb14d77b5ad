"""Near-duplicates: MinHash fingerprints of normalised clauses and their grouping."""
from __future__ import annotations

import random

import pytest

from auditor.map.neardup import clauses, fingerprint, group_near_duplicates, normalise, similarity


@pytest.fixture(scope="module")
def prints(seed_text):
    return {prefix: fingerprint(seed_text(prefix)) for prefix in ("000", "001", "002", "003", "004")}


def test_republished_copy_is_similar(prints):
    # 001 is 000 with a website's header and footer, ASCII punctuation and more ×.
    assert similarity(prints["000"], prints["001"]) >= 0.8


@pytest.mark.parametrize("other", ["002", "003", "004"])
def test_different_reports_are_not(prints, other):
    assert similarity(prints["000"], prints[other]) <= 0.2


def test_masks_and_numbers_normalise_alike():
    # A redacted clause and its clear original are the same clause.
    assert normalise("完成营造林46万亩，绿化覆盖率达到44.77%") == normalise("完成营造林×万亩，绿化覆盖率达到×%")
    assert normalise("完成营造林46万亩") != normalise("完成造林46万亩")


def test_full_width_and_ascii_punctuation_split_alike(seed_text):
    line = next(line for line in seed_text("000").split("\n") if "崞阳古城修复活化" in line)
    ascii_line = line.replace("，", ",").replace("；", ";").replace("：", ":")
    assert clauses(line) == clauses(ascii_line)
    assert len(clauses(line)) >= 5


def test_paragraph_order_does_not_matter(seed_text, prints):
    paragraphs = seed_text("000").split("\n")
    random.Random(7).shuffle(paragraphs)
    assert similarity(prints["000"], fingerprint("\n".join(paragraphs))) >= 0.95


def test_half_a_report_is_less_similar(seed_text, prints):
    lines = seed_text("000").split("\n")
    first_half = fingerprint("\n".join(lines[: len(lines) // 2]))
    assert 0.2 < similarity(prints["000"], first_half) < 0.8


def test_empty_text_has_no_fingerprint():
    assert fingerprint("") == ()
    assert fingerprint("短句。") == ()
    assert similarity((), fingerprint("过去一年，是发展史上极不平凡的一年。")) == 0.0


def test_grouping(seed_text):
    body = seed_text("000")
    header = "当前位置:九力公文网>专题范文 > 讲话稿 > 2022年度市长在×市第×届人民代表大会第二次会议上讲话(全文)\n\n"
    footer = "\n本文来源于网络，版权归原作者所有。如有侵权请联系删除。上一篇：2022年政府工作报告 下一篇：乡村振兴工作总结\n"
    texts = [
        header + body,
        body + footer,
        "各位代表：\n" + "\n".join(body.split("\n")[2:]) + footer,
        seed_text("002"),
        seed_text("003"),
    ]
    groups = group_near_duplicates([fingerprint(t) for t in texts], threshold=0.5)
    assert groups[0] == groups[1] == groups[2]
    assert len({groups[0], groups[3], groups[4]}) == 3


def test_grouping_leaves_empty_documents_alone(seed_text):
    groups = group_near_duplicates([fingerprint(seed_text("000")), (), (), fingerprint(seed_text("001"))])
    assert groups[0] == groups[3]
    assert len({groups[0], groups[1], groups[2]}) == 3


def test_grouping_threshold(seed_text, prints):
    lines = seed_text("000").split("\n")
    half = fingerprint("\n".join(lines[: len(lines) // 2]))
    estimate = similarity(prints["000"], half)
    assert group_near_duplicates([prints["000"], half], threshold=estimate - 0.05)[1] == 0
    assert group_near_duplicates([prints["000"], half], threshold=estimate + 0.05)[1] == 1


def test_clauses_are_cut_as_if_each_clause_were_normalised_alone():
    # The whole text is normalised in one pass and cut afterwards: every
    # whitespace character but the line break must still be dropped.
    import re
    import sys

    spaces = "".join(chr(i) for i in range(sys.maxunicode + 1) if re.match(r"\s", chr(i)) and chr(i) != "\n")
    text = f"全市完成营造林{spaces}46万亩，绿化覆盖率达到×%。\n崞阳古城（保护）修缮工程  全面完工\n某某县：建成“×G”基站"
    expected = [normalise(part) for part in re.split(r"[。!?;！？；\n]+", text) if len(normalise(part)) >= 6]
    assert clauses(text) == expected
    assert clauses(text)[0] == "全市完成营造林#万亩绿化覆盖率达到#%"


def test_the_line_remembering_fingerprinter_gives_the_plain_signature():
    from auditor.map.neardup import Fingerprinter

    report = (
        "过去一年，全市完成营造林46万亩，绿化覆盖率达到44.77%。\n"
        "崞阳古城保护修缮工程全面完工，轩岗镇煤矿转型发展。\n"
        "\n"
        "新建5G基站1200个，实现乡镇以上全覆盖。\r\n"
    )
    redacted = report.replace("46", "×").replace("崞阳", "××").replace("5G", "×G")
    other = "今后五年，我们将坚定不移推进高质量发展；\n全面深化改革，扩大对外开放。"
    for cache_size in (1 << 10, 2):  # a cache that must be emptied on the way as well
        fingerprinter = Fingerprinter(cache_size=cache_size)
        for text in (report, redacted, other, report, ""):
            assert fingerprinter(text) == fingerprint(text)
    assert fingerprint("") == ()
    assert similarity(fingerprint(report), fingerprint(redacted)) > similarity(fingerprint(report), fingerprint(other))
