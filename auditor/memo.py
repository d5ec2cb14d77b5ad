"""The scan's memos: bounded maps from the argument of a pure function to its
result, each named here with its size. They pay where the same argument comes
back across documents (copies of a text share their lines and clauses; the
same village names and table cells recur in every report): ``make bench``
scans part of its corpus without each in turn and prints what each saves
(bench.md, "memos"). A size of 0 turns a memo off."""
from __future__ import annotations

from typing import Any

SIZES: dict[str, int] = {
    "fingerprint-lines": 1 << 17,  # a line's clause hashes (map.neardup.Fingerprinter)
    "clue-lines": 100_000,  # a line's clues, by the line and its masks (map.clues)
    "clue-views": 256,  # a text's normalised view, when fix re-reads it after an edit (map.clues)
    "model-clauses": 200_000,  # pkuseg's words of a clause (map.segment.Segmenter)
    "lexicon-clauses": 200_000,  # the dictionary's word spans of a clause (map.segment.LexiconSegmenter)
    "villages": 1 << 16,  # the villages a name is the full name of (map.recognizers.admin)
    "word-probability": 1 << 16,  # how often a string is a word (map.ordinary)
    "frequencies": 1 << 16,  # a name's frequencies as a word and as a place (map.ordinary)
    "report-rows": 1 << 16,  # a table row's cells after its position, from page to page (output.report)
}


class Memo(dict):
    """A memo of at most ``SIZES[name]`` entries, emptied when full (the keys
    that recur come back at once)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.size = SIZES[name]

    def put(self, key: Any, value: Any) -> Any:
        """Keeps ``value`` for ``key`` (unless the memo is off); returns it."""
        if self.size > 0:
            if len(self) >= self.size:
                self.clear()
            self[key] = value
        return value
