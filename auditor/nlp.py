"""The spaCy view of an audit: a mask-aware tokenizer and components that hang
slots and clues on the Doc (``doc._.slots``, ``doc._.clues``, ``doc.spans``).

The corpus scan calls the same functions directly (see :mod:`auditor.scan`);
this module is for users who want spaCy Docs.
"""
from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import get_words_and_spaces

from .map.clues import ClueFinder
from .map.masks import MaskFinder
from .rules import Rules, load_rules
from .map.segment import Segmenter, shared_segmenter
from .map.slots import SlotClassifier, build_slots

if not Doc.has_extension("slots"):
    Doc.set_extension("slots", default=None)
if not Doc.has_extension("clues"):
    Doc.set_extension("clues", default=None)
if not Doc.has_extension("doc_name"):
    Doc.set_extension("doc_name", default="")


class MaskAwareTokenizer:
    """Each mask run is one token; clear text between masks goes to the segmenter
    on its own, so a mask is never glued to its neighbours (×市, 铸×)."""

    def __init__(self, vocab, finder: MaskFinder, segmenter: Segmenter):
        self.vocab = vocab
        self.finder = finder
        self.segmenter = segmenter

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        position = 0
        for run in self.finder.find(text):
            words.extend(self.segmenter.cut(text[position : run.start]))
            words.append(run.text)
            position = run.end
        words.extend(self.segmenter.cut(text[position:]))
        words, spaces = get_words_and_spaces(words, text)
        return Doc(self.vocab, words=words, spaces=spaces)

    # spaCy serialises tokenizers with the pipeline; ours is rebuilt from rules.
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "MaskAwareTokenizer":
        return self

    def to_disk(self, path, **kwargs) -> None:
        return None

    def from_disk(self, path, **kwargs) -> "MaskAwareTokenizer":
        return self


def _spans(doc: Doc, records) -> list[Span]:
    """Spans for (start, end, label) character offsets. A clue need not fall on
    token boundaries (崞阳 inside 崞阳镇), so spans are expanded to whole tokens
    and may overlap, which a SpanGroup allows."""
    spans = []
    for start, end, label in records:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    return spans


@Language.factory("auditor_slots", default_config={"rules_dir": None})
def make_slot_component(nlp: Language, name: str, rules_dir: str | None):
    rules = load_rules(rules_dir)
    finder = MaskFinder(rules.masks)
    classifier = SlotClassifier(rules.slots)

    def attach_slots(doc: Doc) -> Doc:
        doc._.slots = build_slots(doc._.doc_name, doc.text, finder.find(doc.text), classifier)
        doc.spans["slots"] = _spans(doc, ((s.start, s.end, s.slot_type) for s in doc._.slots))
        return doc

    return attach_slots


@Language.factory("auditor_clues", default_config={"rules_dir": None})
def make_clue_component(nlp: Language, name: str, rules_dir: str | None):
    rules = load_rules(rules_dir)
    finder = MaskFinder(rules.masks)
    clue_finder = ClueFinder.default(rules)

    def attach_clues(doc: Doc) -> Doc:
        # The slot component has found the masks already; clues never overlap them.
        masks = doc._.slots if doc._.slots is not None else finder.find(doc.text)
        doc._.clues = clue_finder.find(doc._.doc_name, doc.text, masks)
        doc.spans["clues"] = _spans(doc, ((c.start, c.end, c.kind) for c in doc._.clues))
        return doc

    return attach_clues


def make_nlp(rules: Rules | None = None, segmenter: Segmenter | None = None, with_clues: bool = False) -> Language:
    """A blank Chinese pipeline with the mask-aware tokenizer and auditor's components."""
    rules = rules or load_rules()
    nlp = spacy.blank("zh")
    nlp.tokenizer = MaskAwareTokenizer(nlp.vocab, MaskFinder(rules.masks), segmenter or shared_segmenter("pkuseg"))
    nlp.add_pipe("auditor_slots", config={"rules_dir": str(rules.folder)})
    if with_clues:
        nlp.add_pipe("auditor_clues", config={"rules_dir": str(rules.folder)})
    return nlp


__all__ = ["MaskAwareTokenizer", "make_nlp"]
