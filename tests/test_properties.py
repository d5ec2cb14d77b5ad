"""Robustness properties of loading and slot finding, checked on generated input.

Bad input never crashes a scan, and every slot's offsets point at its mask in
the text exactly as loaded: the report, the fixer and the linker all rely on
that.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.map.loading import load_file
from auditor.records import SourceText
from auditor.rules import load_rules
from auditor.scan import Analyzer

RULES = load_rules()
ANALYZER = Analyzer(RULES, with_clues=False)
STATUSES = {"ok", "repaired", "empty", "binary", "undecodable", "unreadable", "too-large"}
SLOT_TYPES = {"number", "ordinal", "year", "date", "code", "place", "person", "formula", "unknown"}

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that the mask and slot rules look at, so that generated text hits
# glyphs, exceptions (2×3, X光, **bold**, 二○二二) and slot contexts often.
RULE_CHARS = list("×✕╳Xx＊*□■█▇○某王张年第省市县区镇多余万亿元%“”\"+＋射线光 \t　\n\r0123456789.一二三〇零")
RULE_SNIPPETS = ["××", "2×3", "4 × 10万千瓦", "X光", "1+X", "**加粗**", "* 列表", "***", "二○二二年", "第×", "×亿元",
                 "×省", "×市", "重振×雄风", "王某", "某某", "×—×年", "“×”", "\r\n", "\n", "\u2028", "\ufeff"]
any_text = st.lists(
    st.one_of(st.text(max_size=6), st.sampled_from(RULE_CHARS), st.sampled_from(RULE_SNIPPETS)), max_size=80
).map("".join)

# Clear Chinese text: ideographs (never 某, the one mask glyph among them, nor
# 年/月, which join two masks into one date slot: ×年×月), with punctuation,
# digits and line breaks only inside a piece, so that every inserted mask has
# an ideograph on each side.
IDEOGRAPH = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF, exclude_characters="某年月")
INNER = st.one_of(IDEOGRAPH, st.sampled_from(list("，。、；：！？（）《》“”0123456789 \n")))
MASKS = ["×", "×", "×", "××", "×××", "✕", "＊＊", "□□"]


@st.composite
def clear_piece(draw):
    middle = draw(st.text(alphabet=INNER, max_size=30))
    if not middle:
        return draw(IDEOGRAPH)
    return draw(IDEOGRAPH) + middle + draw(IDEOGRAPH)


@st.composite
def masked_text(draw):
    """A clear text with masks inserted between pieces; returns (text, [(start, mask)])."""
    pieces = draw(st.lists(clear_piece(), min_size=2, max_size=12))
    text, inserted = "", []
    if draw(st.booleans()):  # a mask may open the text
        mask = draw(st.sampled_from(MASKS))
        inserted.append((0, mask))
        text = mask
    for index, piece in enumerate(pieces):
        text += piece
        closing = index == len(pieces) - 1
        if not closing or draw(st.booleans()):
            mask = draw(st.sampled_from(MASKS))
            inserted.append((len(text), mask))
            text += mask
    return text, inserted


def analyse(text: str):
    return ANALYZER.analyse(SourceText("doc.txt", "/nowhere/doc.txt", text, "utf-8", "ok"))


def assert_slots_map_back(text: str, slots) -> None:
    width = RULES.slots.context_chars
    previous_end = 0
    for number, slot in enumerate(slots, start=1):
        assert slot.slot_id == f"S{number:04d}"
        assert 0 <= slot.start < slot.end <= len(text)
        assert slot.start >= previous_end, "slots overlap or are out of order"
        previous_end = slot.end
        assert text[slot.start : slot.end] == slot.mask
        assert slot.left_context == text[max(0, slot.start - width) : slot.start]
        assert slot.right_context == text[slot.end : slot.end + width]
        assert slot.line == text.count("\n", 0, slot.start) + 1
        assert slot.column == slot.start - (text.rfind("\n", 0, slot.start) + 1) + 1
        assert slot.slot_type in SLOT_TYPES


@PROPERTY
@given(any_text)
def test_any_text_scans_and_every_slot_maps_back_to_its_mask(text):
    analysis = analyse(text)
    assert_slots_map_back(text, analysis.slots)


@PROPERTY
@given(masked_text())
def test_every_inserted_mask_is_found_at_its_offset(case):
    text, inserted = case
    slots = analyse(text).slots
    expected = [(start, start + len(mask), mask) for start, mask in inserted]
    assert [(s.start, s.end, s.mask) for s in slots] == expected
    assert_slots_map_back(text, slots)


def _load(data: bytes) -> SourceText:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.txt"
        path.write_bytes(data)
        source = load_file(path, "input.txt")
        assert path.read_bytes() == data, "loading must not modify the input file"
    return source


# Raw bytes, plus byte strings shaped like the files the loader tells apart:
# BOMs, UTF-16 without BOM, GB18030, NULs, truncated multibyte characters.
any_bytes = st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda prefix, body: prefix + body,
              st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]),
              st.binary(max_size=2000)),
    st.builds(lambda text, encoding, cut: text.encode(encoding, errors="replace")[:cut],
              any_text, st.sampled_from(["utf-8", "gb18030", "utf-16-le", "utf-16-be", "utf-16", "latin-1"]),
              st.integers(min_value=0, max_value=2000)),
)


@PROPERTY
@given(any_bytes)
def test_any_bytes_load_to_a_status_and_never_raise(data):
    source = _load(data)
    assert source.status in STATUSES
    if source.ok:
        assert source.text.strip() and source.encoding
    else:
        assert source.text == "" and source.message
    # whatever was decoded, the scan of it holds its offsets too
    assert_slots_map_back(source.text, ANALYZER.analyse(source).slots)


CHINESE_LINES = st.text(alphabet=st.one_of(IDEOGRAPH, st.sampled_from(list("，。、×＊0123456789\n\r　 "))), max_size=300)


@PROPERTY
@given(CHINESE_LINES.filter(lambda t: t.strip()), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_text_loads_back_unchanged_apart_from_the_bom(text, encoding):
    source = _load(text.encode(encoding))
    assert source.ok
    assert source.text == text  # line endings and all: offsets refer to this text
