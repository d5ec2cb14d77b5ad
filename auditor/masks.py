"""Finding mask runs: where the redactor replaced text with placeholder glyphs."""
from __future__ import annotations

import bisect
import itertools
from typing import NamedTuple

from .rules import MaskRules


class MaskRun(NamedTuple):
    # A tuple, not a frozen dataclass: a text can hold thousands of runs, and
    # a frozen dataclass sets each field through object.__setattr__.
    start: int
    end: int
    text: str
    glyph: str  # name of the [[glyph]] rule that found it


def _by_start_longest_first(run: MaskRun) -> tuple[int, int]:
    return run.start, -run.end


class MaskFinder:
    """Finds mask runs in a text with the glyph and exception patterns of ``masks.toml``."""

    def __init__(self, rules: MaskRules):
        self.rules = rules
        self._exceptions = rules.exceptions

    def _excluded(self, text: str) -> list[tuple[int, int]]:
        """Sorted spans of ``text`` that an exception says are not masks."""
        spans = []
        for exception in self._exceptions:
            if not exception.may_match(text):
                continue
            for match in exception.regex.finditer(text):
                groups = [name for name in match.groupdict() if name.startswith("m") and match.group(name) is not None]
                if groups:
                    spans.extend((match.start(g), match.end(g)) for g in groups)
                else:
                    spans.append((match.start(), match.end()))
        spans.sort()
        return spans

    def find(self, text: str) -> list[MaskRun]:
        # One pass per glyph: each is a simple class that re scans quickly, where
        # a single alternation of them all is several times slower.
        runs = [
            MaskRun(*m.span(), m.group(), glyph.name)
            for glyph in self.rules.glyphs
            if glyph.may_match(text)
            for m in glyph.regex.finditer(text)
        ]
        runs.sort(key=_by_start_longest_first)
        if not runs or not self._exceptions:
            return runs
        # One pass of each exception over the whole text, only when a mask-like
        # run exists; exception patterns use (?m) where they mean line starts.
        spans = self._excluded(text)
        starts = [s for s, _ in spans]
        # reach[i]: the furthest end among spans[:i + 1]; a run is covered when
        # some span starting at or before it reaches past its end.
        reach = list(itertools.accumulate((e for _, e in spans), max))
        kept = []
        for run in runs:
            index = bisect.bisect_right(starts, run.start)
            if index == 0 or reach[index - 1] < run.end:
                kept.append(run)
        return kept
