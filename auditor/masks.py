"""Finding mask runs: where the redactor replaced text with placeholder glyphs."""
from __future__ import annotations

import bisect
import itertools
from typing import NamedTuple

from .rules import MaskRules, NamedPattern, match_timeout


class MaskRun(NamedTuple):
    # A tuple, not a frozen dataclass: a text can hold thousands of runs, and
    # a frozen dataclass sets each field through object.__setattr__.
    start: int
    end: int
    text: str
    glyph: str  # name of the [[glyph]] rule that found it


def _by_start_longest_first(run: MaskRun) -> tuple[int, int]:
    return run.start, -run.end


def _runs(patterns: tuple[NamedPattern, ...], text: str, timeout: float) -> list[MaskRun]:
    """The runs the patterns find, by start, longest first. One pass per
    pattern: each glyph is a simple class that scans quickly, where a single
    alternation of them all is several times slower. A zero-width match (a
    look-around alone) is never a run."""
    runs = [
        MaskRun(*m.span(), m.group(), pattern.name)
        for pattern in patterns
        if pattern.may_match(text)
        for m in pattern.matches(text, timeout)
        if m.end() > m.start()
    ]
    runs.sort(key=_by_start_longest_first)
    return runs


class MaskFinder:
    """Finds mask runs in a text with the glyph and exception patterns of ``masks.toml``."""

    def __init__(self, rules: MaskRules):
        self.rules = rules
        self._exceptions = rules.exceptions

    def _excluded(self, text: str, timeout: float) -> list[tuple[int, int]]:
        """Sorted spans of ``text`` that an exception says are not masks."""
        spans = []
        for exception in self._exceptions:
            if not exception.may_match(text):
                continue
            for match in exception.matches(text, timeout):
                groups = [name for name in match.groupdict() if name.startswith("m") and match.group(name) is not None]
                if groups:
                    spans.extend((match.start(g), match.end(g)) for g in groups)
                else:
                    spans.append((match.start(), match.end()))
        spans.sort()
        return spans

    def find(self, text: str) -> list[MaskRun]:
        """The mask runs of ``text``; TimeoutError (naming the rule) when a
        pattern runs past :func:`~auditor.rules.match_timeout`."""
        timeout = match_timeout(text)
        runs = _runs(self.rules.glyphs, text, timeout)
        if not runs or not self._exceptions:
            return runs
        # One pass of each exception over the whole text, only when a mask-like
        # run exists; exception patterns use (?m) where they mean line starts.
        spans = self._excluded(text, timeout)
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

    def suspects(self, text: str, known: list[MaskRun] = ()) -> list[MaskRun]:
        """Runs that look like masks but that no glyph knows (●●县, 某市), outside
        the ``known`` runs: a document holding only these is not taken as unmasked."""
        if not self.rules.suspects:
            return []
        found = _runs(self.rules.suspects, text, match_timeout(text))
        return [run for run in found if not any(k.start < run.end and run.start < k.end for k in known)]
