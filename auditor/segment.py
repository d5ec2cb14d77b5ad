"""Word segmentation of clear text, never across a mask.

pkuseg's model is large (about 180 MB, seconds to load), so it is loaded on
first use and only where a decision needs word boundaries. Without the model
the segmenter falls back to single characters, with a warning.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import threading
from pathlib import Path

log = logging.getLogger("auditor")

MODEL_ENV = "AUDITOR_PKUSEG_MODEL"
# Clauses are cut at punctuation so that a cache hit is likely and a cut stays short.
_CLAUSE_BREAK = re.compile(r"[。！？；，、：\n\r（）()“”\"《》]")


def pkuseg_model_dir() -> Path | None:
    """Where ``make install`` put pkuseg's model (features.pkl, weights.npz)."""
    candidates = []
    if os.environ.get(MODEL_ENV):
        candidates.append(Path(os.environ[MODEL_ENV]))
    candidates.append(Path(sys.prefix) / "share" / "auditor" / "pkuseg-default")
    for folder in candidates:
        if (folder / "weights.npz").is_file() and any((folder / f).is_file() for f in ("features.pkl", "features.msgpack")):
            return folder
    return None


class Segmenter:
    """Cuts clear text into words; ``name`` says which segmenter is in use."""

    def __init__(self, model_dir: str | os.PathLike | None = None, cache_size: int = 200_000):
        self._model_dir = Path(model_dir) if model_dir else None
        self._model = None
        self._loaded = False
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, ...]] = {}
        self._cache_size = cache_size
        self.name = "unloaded"

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            folder = self._model_dir or pkuseg_model_dir()
            if folder is None:
                log.warning(
                    "auditor: pkuseg model not found (run 'make install' or set %s); "
                    "falling back to character segmentation, word-boundary checks are weaker",
                    MODEL_ENV,
                )
                self.name = "char"
            else:
                try:
                    import spacy_pkuseg

                    self._model = spacy_pkuseg.pkuseg(model_name=str(folder))
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
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[clause] = words
        return words

    def cut(self, text: str) -> list[str]:
        """Words of a clear (mask-free) text, whitespace dropped."""
        words: list[str] = []
        start = 0
        for match in _CLAUSE_BREAK.finditer(text):
            if match.start() > start:
                words.extend(self.cut_clause(text[start : match.start()]))
            words.append(match.group())
            start = match.end()
        if start < len(text):
            words.extend(self.cut_clause(text[start:]))
        return [w for w in words if not w.isspace()]

    def boundaries(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The clause of ``text`` around [start, end): segment it, not the whole text."""
        lo = start
        while lo > 0 and not _CLAUSE_BREAK.match(text[lo - 1]):
            lo -= 1
        hi = end
        while hi < len(text) and not _CLAUSE_BREAK.match(text[hi]):
            hi += 1
        return lo, hi

    def word_offsets(self, clause: str) -> set[int]:
        """Offsets inside ``clause`` where a word starts or ends."""
        cuts = {0, len(clause)}
        position = 0
        for word in self.cut_clause(clause):
            found = clause.find(word, position)
            if found < 0:
                continue
            cuts.add(found)
            position = found + len(word)
            cuts.add(position)
        return cuts

    def is_word_span(self, text: str, start: int, end: int) -> bool:
        """True when [start, end) of ``text`` begins and ends on word boundaries."""
        lo, hi = self.boundaries(text, start, end)
        cuts = self.word_offsets(text[lo:hi])
        return (start - lo) in cuts and (end - lo) in cuts


_shared: Segmenter | None = None


def shared_segmenter() -> Segmenter:
    """One segmenter per process: the model is loaded at most once."""
    global _shared
    if _shared is None:
        _shared = Segmenter()
    return _shared
