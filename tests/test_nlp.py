"""The spaCy view: masks are tokens of their own and the text survives tokenisation."""
from __future__ import annotations

import logging

import pytest

import auditor.map.segment
from auditor.map.masks import MaskFinder
from auditor.nlp import make_nlp
from auditor.map.segment import Segmenter, pkuseg_model_dir
from auditor.map.slots import SlotClassifier, build_slots

SLOGAN = "在市委的坚强领导下，围绕“重振×雄风、再铸×辉煌”目标"
HIERARCHY = "贯彻落实中央、省、×市决策部署，在市委的坚强领导下"
SPACED = "生支出占总支出的× %"


@pytest.fixture(scope="module")
def nlp():
    """Loads pkuseg once for the module (several seconds)."""
    return make_nlp()


def test_pkuseg_model_is_installed_and_used(nlp):
    assert pkuseg_model_dir() is not None, "run 'make install' to fetch the pkuseg model"
    nlp("过去一年，是×发展史上极不平凡的一年。")
    assert nlp.tokenizer.segmenter.name == "pkuseg"


def test_seed_sentences_are_verbatim(seed_text):
    for sentence in (SLOGAN, HIERARCHY, SPACED):
        assert sentence in seed_text("000")


@pytest.mark.parametrize("text", [SLOGAN, HIERARCHY, SPACED])
def test_mask_is_its_own_token(nlp, text):
    doc = nlp(text)
    assert doc.text == text
    tokens = [t.text for t in doc]
    assert tokens.count("×") == text.count("×")
    assert all(t == "×" or "×" not in t for t in tokens)


def test_mask_is_not_glued_to_a_following_level_word(nlp):
    tokens = [t.text for t in nlp(HIERARCHY)]
    i = tokens.index("×")
    assert tokens[i + 1].startswith("市")


def test_mask_between_words_of_a_slogan(nlp):
    tokens = [t.text for t in nlp(SLOGAN)]
    assert "×" in tokens
    # 再铸×辉煌: the mask splits the slogan; nothing on either side swallows it
    second = [i for i, t in enumerate(tokens) if t == "×"][1]
    assert tokens[second - 1].endswith("铸") and tokens[second + 1].startswith("辉")


@pytest.mark.parametrize("prefix", ["000", "002"])
def test_seed_text_is_reconstructed_exactly(nlp, seed_text, prefix):
    text = seed_text(prefix)
    doc = nlp(text)
    assert doc.text == text


def test_slots_hang_on_the_doc(nlp, seed_text, default_rules):
    text = seed_text("000")
    doc = nlp(text)
    expected = build_slots("", text, MaskFinder(default_rules.masks).find(text), SlotClassifier(default_rules.slots))
    assert len(expected) == 271
    assert doc._.slots == expected
    spans = doc.spans["slots"]
    assert [(s.start_char, s.end_char, s.label_) for s in spans] == [(x.start, x.end, x.slot_type) for x in expected]
    # every mask is exactly one token
    assert all(len(span) == 1 and span.text == "×" for span in spans)


def test_doc_without_masks_has_empty_slots(nlp, seed_text):
    text = seed_text("003").split("\n")[0]
    doc = nlp(text)
    assert doc._.slots == []
    assert list(doc.spans["slots"]) == []


def test_missing_model_falls_back_to_characters(monkeypatch, caplog):
    monkeypatch.setattr(auditor.map.segment, "pkuseg_model_dir", lambda: None)
    segmenter = Segmenter()
    with caplog.at_level(logging.WARNING, logger="auditor"):
        words = segmenter.cut("重振雄风，再铸辉煌")
    assert words == ["重", "振", "雄", "风", "，", "再", "铸", "辉", "煌"]
    assert segmenter.name == "char"
    assert any("pkuseg model not found" in r.getMessage() for r in caplog.records)


def test_broken_model_dir_falls_back_to_characters(tmp_path, caplog, default_rules):
    segmenter = Segmenter(model_dir=tmp_path)
    nlp = make_nlp(default_rules, segmenter=segmenter)
    with caplog.at_level(logging.WARNING, logger="auditor"):
        doc = nlp(SLOGAN)
    assert segmenter.name == "char"
    assert any("cannot load pkuseg model" in r.getMessage() for r in caplog.records)
    assert doc.text == SLOGAN
    assert [t.text for t in doc][-8:] == ["再", "铸", "×", "辉", "煌", "”", "目", "标"]
    assert len(doc._.slots) == 2
