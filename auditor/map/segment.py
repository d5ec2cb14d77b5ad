"""Word segmentation of clear text, never across a mask.

Two segmenters with one interface (``word_spans``, ``is_word_span``, ``cut``):

* :class:`Segmenter` runs pkuseg's model. It is the better segmenter, but its
  model is large (about 180 MB, several seconds to load) and it cuts about
  22k characters a second, so it is loaded on first use only. Without the
  model it falls back to single characters, with a warning.
* :class:`LexiconSegmenter` uses pkuseg's own word list (390k words, loaded in
  a fraction of a second) by reverse maximum matching, with runs of unknown
  characters kept together as one word. The scan uses it by default, so that
  a corpus scans at megabytes a second and ``auditor check`` starts at once.
"""
from __future__ import annotations

import bisect
import contextlib
import io
import logging
import os
import re
import sqlite3
import threading
from pathlib import Path

from ..heap import collector_paused
from ..memo import Memo
from ..pkuseg_model import MODEL_ENV, pkuseg_model_dir
from .pkuseg_features import FeatureTable, pkuseg_over_table, pkuseg_words

log = logging.getLogger("auditor")

# Clauses are cut at punctuation so that a cache hit is likely and a cut stays short.
_CLAUSE_BREAK = re.compile(r"[。！？；，、：\n\r（）()“”\"《》]")


class Segmenter:
    """Cuts clear text into words; ``name`` says which segmenter is in use."""

    def __init__(self, model_dir: str | os.PathLike | None = None):
        self._model_dir = Path(model_dir) if model_dir else None
        self._model = None
        self._loaded = False
        self._lock = threading.Lock()
        self._cache = Memo("model-clauses")  # clause -> its words
        self.name = "unloaded"

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            folder = self._model_dir or pkuseg_model_dir()
            if folder is None:
                log.warning(
                    "auditor: pkuseg model not found (install it with 'python -m auditor.pkuseg_model "
                    "install', or set %s to a folder holding features.pkl and weights.npz); "
                    "falling back to character segmentation, word-boundary checks are weaker",
                    MODEL_ENV,
                )
                self.name = "char"
            else:
                try:
                    with collector_paused(freeze=True):  # (see auditor.heap)
                        self._model = _pkuseg(folder)
                    self.name = "pkuseg"
                except Exception as exc:  # a broken model must not stop a scan
                    log.warning("auditor: cannot load pkuseg model from %s (%s); using characters", folder, exc)
                    self.name = "char"
            self._loaded = True

    def cut_clause(self, clause: str) -> tuple[str, ...]:
        cached = self._cache.get(clause)
        if cached is not None:
            return cached
        if not self._loaded:
            self._load()
        if self._model is None:
            words = tuple(ch for ch in clause if not ch.isspace())
        else:
            words = tuple(w for w in self._model.cut(clause) if w.strip())
        return self._cache.put(clause, words)

    def cut(self, text: str) -> list[str]:
        return cut_by_clauses(text, self.cut_clause)

    def word_spans(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Absolute (start, end) of the words in the clause of ``text`` around [start, end)."""
        lo, hi = _clause_around(text, start, end)
        clause = text[lo:hi]
        spans = []
        position = 0
        for word in self.cut_clause(clause):
            found = clause.find(word, position)
            if found < 0:
                continue
            position = found + len(word)
            spans.append((lo + found, lo + position))
        return spans

    def is_word_span(self, text: str, start: int, end: int, check_start: bool = True, check_end: bool = True) -> bool:
        """True when [start, end) of ``text`` begins and ends on word boundaries."""
        cuts = {0, len(text)}
        for s, e in self.word_spans(text, start, end):
            cuts.add(s)
            cuts.add(e)
        return (not check_start or start in cuts) and (not check_end or end in cuts)


def _pkuseg(folder: Path):
    """pkuseg over the model in ``folder``: its features read from their table in the cache
    (:mod:`~auditor.map.pkuseg_features`) where that can be built, else pkuseg's own load."""
    if (folder / "features.pkl").is_file():
        try:
            return pkuseg_over_table(folder, FeatureTable.of_model(folder))
        except (OSError, ValueError, sqlite3.Error) as exc:  # an unwritable cache folder: slower, not wrong
            log.warning("auditor: cannot keep pkuseg's feature table (%s); loading the whole model", exc)
    # pkuseg's model code (0.4 s to import) only when a model is first used
    import spacy_pkuseg

    # pkuseg prints that it falls back from features.msgpack to
    # the features.pkl the wheel ships: expected, not news.
    with contextlib.redirect_stderr(io.StringIO()):
        return spacy_pkuseg.pkuseg(model_name=str(folder))


def cut_by_clauses(text: str, cut_clause) -> list[str]:
    """Words of a clear (mask-free) text, whitespace dropped: each clause goes to
    ``cut_clause`` on its own, and each clause break is a word of its own."""
    words: list[str] = []
    start = 0
    for match in _CLAUSE_BREAK.finditer(text):
        if match.start() > start:
            words.extend(cut_clause(text[start : match.start()]))
        words.append(match.group())
        start = match.end()
    if start < len(text):
        words.extend(cut_clause(text[start:]))
    return [w for w in words if not w.isspace()]


# The last text asked about and the positions of its clause breaks: the
# recognizers ask about many spans of one line in a row, and walking out to
# the clause's edges a character at a time was a fifth of the clue search.
_breaks_of: list = [None, []]


def _clause_around(text: str, start: int, end: int) -> tuple[int, int]:
    if _breaks_of[0] is not text:
        _breaks_of[:] = [text, [m.start() for m in _CLAUSE_BREAK.finditer(text)]]
    breaks = _breaks_of[1]
    before = bisect.bisect_left(breaks, start)
    after = bisect.bisect_left(breaks, end)
    return (breaks[before - 1] + 1 if before else 0), (breaks[after] if after < len(breaks) else len(text))


_HAN = re.compile(r"[\u4e00-\u9fff]")


def pkuseg_lexicon() -> frozenset[str]:
    """pkuseg's own dictionary of words (shipped with spacy-pkuseg), but for its
    one-character entries, which say nothing about word boundaries here."""
    return pkuseg_words()[1]


class LexiconSegmenter:
    """Reverse maximum matching over pkuseg's word list; unknown characters in a
    row form one word (滹沱 in 推进滹沱河), as names usually do."""

    name = "lexicon"
    max_word = 6

    def __init__(self, lexicon: frozenset[str] | None = None):
        self._lexicon = lexicon
        self._cache = Memo("lexicon-clauses")  # clause -> its word spans

    @property
    def lexicon(self) -> frozenset[str]:
        if self._lexicon is None:
            self._lexicon = pkuseg_lexicon()
        return self._lexicon

    def _clause_spans(self, clause: str) -> tuple[tuple[int, int], ...]:
        cached = self._cache.get(clause)
        if cached is not None:
            return cached
        lexicon = self.lexicon
        spans: list[tuple[int, int]] = []
        end = len(clause)
        while end > 0:
            for size in range(min(self.max_word, end), 1, -1):
                if clause[end - size : end] in lexicon:
                    spans.append((end - size, end))
                    end -= size
                    break
            else:
                spans.append((end - 1, end))
                end -= 1
        spans.reverse()
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            single_han = e - s == 1 and _HAN.match(clause[s])
            if single_han and merged and merged[-1][2]:
                merged[-1] = (merged[-1][0], e, True)
            else:
                merged.append((s, e, bool(single_han)))
        result = tuple((s, e) for s, e, _ in merged)
        return self._cache.put(clause, result)

    def word_spans(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        lo, hi = _clause_around(text, start, end)
        return [(lo + s, lo + e) for s, e in self._clause_spans(text[lo:hi])]

    def is_word_span(self, text: str, start: int, end: int, check_start: bool = True, check_end: bool = True) -> bool:
        """False when a dictionary word crosses a checked edge of [start, end)."""
        lexicon = self.lexicon
        lo, hi = _clause_around(text, start, end)
        edges = ([start] if check_start else []) + ([end] if check_end else [])
        for edge in edges:
            for size in range(2, self.max_word + 1):
                for i in range(max(lo, edge - size + 1), min(edge, hi - size + 1)):
                    word = text[i : i + size]
                    # A word that holds the whole span (沙河 in 沙河乡) does not cut it.
                    if i <= start and i + size >= end:
                        continue
                    if word in lexicon:
                        return False
        return True

    def cut_clause(self, clause: str) -> tuple[str, ...]:
        return tuple(clause[s:e] for s, e in self._clause_spans(clause))

    def cut(self, text: str) -> list[str]:
        return cut_by_clauses(text, self.cut_clause)


_shared: dict[str, object] = {}


def shared_segmenter(kind: str = "lexicon"):
    """One segmenter of each kind per process: a model is loaded at most once."""
    if kind not in _shared:
        if kind == "pkuseg":
            _shared[kind] = Segmenter()
        elif kind == "lexicon":
            _shared[kind] = LexiconSegmenter()
        else:
            raise ValueError(f"unknown segmenter {kind!r}: use 'lexicon' or 'pkuseg'")
    return _shared[kind]
