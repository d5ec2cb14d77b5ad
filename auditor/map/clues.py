"""Clues: clear text that points at places.

The clue finder runs the recognizers (:mod:`auditor.map.recognizers`, one per
kind of clue, each built from the gazetteer and the rule files, behind
:class:`~auditor.map.recognizers.base.Recognizer`) over each line outside the
masks, settles their overlaps, judges ordinary words, and returns plain
:class:`~auditor.records.Clue` records:

* administrative names at every level (:mod:`.recognizers.admin`);
* one-character forms in fixed patterns, 驻原部队 (:mod:`.recognizers.abbreviation`);
* landmarks, zones and old names from the tables (:mod:`.recognizers.landmark`);
* codes: telephone, ID, court case, plate, postal (:mod:`.recognizers.codes`);
* places stated by geography, 东邻五台县 (:mod:`.recognizers.geography`);
* proper names no knowledge file places, for a reviewer (:mod:`.recognizers.unverified`).
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple


from .recognizers.abbreviation import AbbreviationRecognizer
from .recognizers.admin import AdminNameRecognizer
from .recognizers.codes import CodeRecognizer
from .recognizers.landmark import LandmarkRecognizer
from .recognizers.unverified import UnverifiedNameRecognizer
from ..gazetteer import Gazetteer, load_gazetteer
from .recognizers.geography import GeographyRecognizer
from .masks import MaskRun
from .normalise import NormalisedText, Normaliser
from .ordinary import DROP_AT, OrdinaryWordJudge
from .recognizers.base import ClueMatch, Recognizer
from ..memo import Memo
from ..records import Clue
from ..rules import MATCH_TIMEOUT_SECONDS, rule_timeout, Rules
from .segment import Segmenter, shared_segmenter

_LINE_BREAK = re.compile("\n")
# A geography clue stands on a name's own characters (东邻五台县: 五台县), so it
# must win over the name; a zone or an old name is as specific as a landmark.
_KIND_PRIORITY = {"geography": 5, "code": 4, "landmark": 3, "zone": 3, "old-name": 3, "admin": 2,
                  "abbreviation": 1, "unverified": 0}


# A clue found in a line: (match, kind, named as elsewhere, its text, its rule).
LineClue = tuple[ClueMatch, str, bool, str, str]


class EarlierText(NamedTuple):
    """A document as it read before an edit: its text, its mask runs and the clues
    :meth:`ClueFinder.find` found in it (the linker's weights on them are ignored)."""

    text: str
    runs: Sequence
    clues: Sequence[Clue]


def _line_keys(text: str, run_spans: list[tuple[int, int]]) -> list[tuple[int, int, tuple[str, tuple]]]:
    """(line number, line start, (line, its masks)) of each line of ``text``: the key a
    line's clues are a function of. The masks are part of it: the same line can read
    as masked in one text and not in another (2\n×3, a multiplication across a line
    break), and clues must not depend on which came first."""
    keys = []
    line_start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line_end = line_start + len(line)
        first = bisect.bisect_left(run_spans, (line_start, -1))
        last = bisect.bisect_left(run_spans, (line_end + 1, -1))
        masked = tuple((s - line_start, e - line_start) for s, e in run_spans[first:last])
        keys.append((number, line_start, (line, masked)))
        line_start = line_end + 1
    return keys


class ClueFinder:
    """Runs the recognizers over a text and keeps the best non-overlapping clues."""


    def __init__(self, gazetteer: Gazetteer, rules: Rules, segmenter: Segmenter | None = None):
        self.gazetteer = gazetteer
        self.rules = rules
        self.clue_rules = rules.clues
        self.segmenter = segmenter or shared_segmenter()
        lexicon = shared_segmenter("lexicon").lexicon
        self.recognizers: list[Recognizer] = [
            LandmarkRecognizer(gazetteer, rules.landmarks),
            LandmarkRecognizer(gazetteer, rules.zones, "zone", "zones.tsv"),
            LandmarkRecognizer(gazetteer, rules.old_names, "old-name", "old_names.tsv"),
            AdminNameRecognizer(gazetteer, self.clue_rules, lexicon),
            AbbreviationRecognizer(gazetteer, rules, lexicon),
            UnverifiedNameRecognizer(gazetteer, self.clue_rules),
            CodeRecognizer(gazetteer, rules),
        ]
        # Reads the administrative names found in a line (东邻五台县: 五台县).
        self.geography = GeographyRecognizer(gazetteer, rules.geography)
        self.ordinary = OrdinaryWordJudge(gazetteer, self.clue_rules)
        self.normaliser = Normaliser(keep=self._name_characters())
        self._line_cache = Memo("clue-lines")  # (line, masks) -> list[LineClue]
        self._views = Memo("clue-views")  # (text, suffix, masks) -> NormalisedText, for find's earlier

    def _name_characters(self) -> set[str]:
        """The characters of the names matched: a conversion to simplified script
        must not rewrite them (乾 of 乾县 is no traditional 干)."""
        names = [entry[0] for recognizer in self.recognizers if isinstance(recognizer, AdminNameRecognizer)
                 for entry in recognizer.names.entries]
        names += [name for recognizer in self.recognizers if isinstance(recognizer, LandmarkRecognizer)
                  for name in recognizer.places]
        return set("".join(names))

    @classmethod
    def default(cls, rules: Rules) -> "ClueFinder":
        return cls(load_gazetteer(), rules)

    def find(self, doc: str, text: str, runs: list[MaskRun] | None = None,
             earlier: EarlierText | None = None) -> list[Clue]:
        """Clues of a text, never over a mask (``runs``: mask runs or slots,
        anything with start and end, at original offsets), line by line: no
        recognizer looks across a line break (a clause ends there), so a line
        seen before (boilerplate, a republished copy) is not read again.

        Names are matched on the normalised view of the text (崞陽, 崞 阳,
        原\u200b平 read as 崞阳 and 原平: see :mod:`auditor.map.normalise`) and reported
        as written, at their original offsets and line.

        ``earlier``: the same document before a few of its lines changed (fix
        masking it), with the clues this method found there: a line that reads
        as it did (the same characters and masks) keeps its clues, moved, and
        only the others are read; the clues are those a fresh read finds."""
        run_spans = sorted((r.start, r.end) for r in runs or ())
        suffix = Path(doc).suffix.lower()
        # The text fix edits now is the earlier one of its next edit.
        view = self._view(text, suffix, run_spans) if earlier is not None else \
            self.normaliser.normalise(text, suffix, run_spans)
        if view.rewritten:
            run_spans = [view.view_span(s, e) for s, e in run_spans]
            # Lines of the original: a line joined in the view (a hard wrap) is two there.
            line_breaks = [m.start() for m in _LINE_BREAK.finditer(text)]
        lines = _line_keys(view.text, run_spans)
        as_before = self._lines_as_before(lines, earlier, suffix) if earlier is not None else {}
        clues = []
        for number, line_start, key in lines:
            moved = self._moved(as_before.get(number), text, view, line_start, number,
                                line_breaks if view.rewritten else None)
            if moved is not None:
                clues += moved
                continue
            found = self._line_cache.get(key)
            if found is None:
                found = self._line_cache.put(key, self._find_in_line(*key))
            for match, kind, elsewhere, name, rule in found:
                start, end = line_start + match.start, line_start + match.end
                if view.rewritten:
                    start, end = view.original_span(start, end)
                    number = bisect.bisect_left(line_breaks, start) + 1
                    written = text[start:end]
                    if written != name:
                        rule, name = f"{rule}; read as {name}", written
                clues.append(
                    Clue(
                        doc=doc, start=start, end=end, line=number, text=name, kind=kind,
                        candidates=tuple(match.candidates), rule=rule, level=match.level,
                        elsewhere=elsewhere, short_form=match.short_form, ordinary=match.ordinary,
                    )
                )
        return clues

    def _lines_as_before(self, lines: list[tuple[int, int, tuple[str, tuple]]], earlier: EarlierText,
                         suffix: str) -> dict[int, list[tuple[int, int, Clue]]]:
        """Line number → the clues ``earlier`` had in that line, with their offsets in the
        line (of the views), for each of ``lines`` (:func:`_line_keys` of a view) that reads
        as the same line of ``earlier``'s view; nothing when the lines do not pair up."""
        earlier_spans = sorted((r.start, r.end) for r in earlier.runs)
        earlier_view = self._view(earlier.text, suffix, earlier_spans)
        if earlier_view.rewritten:
            earlier_spans = [earlier_view.view_span(s, e) for s, e in earlier_spans]
        earlier_lines = _line_keys(earlier_view.text, earlier_spans)
        if len(lines) != len(earlier_lines):
            return {}
        starts = [line_start for _, line_start, _ in earlier_lines]
        clues_by_line: dict[int, list[tuple[int, int, Clue]]] = {}
        for clue in earlier.clues:
            start, end = earlier_view.view_span(clue.start, clue.end)
            number = bisect.bisect_right(starts, start)
            clues_by_line.setdefault(number, []).append((start - starts[number - 1], end - starts[number - 1], clue))
        return {number: clues_by_line.get(number, [])
                for (number, _, key), (_, _, earlier_key) in zip(lines, earlier_lines) if key == earlier_key}

    def _view(self, text: str, suffix: str, run_spans: list[tuple[int, int]]) -> NormalisedText:
        key = (text, suffix, tuple(run_spans))
        view = self._views.get(key)
        if view is None:
            view = self._views.put(key, self.normaliser.normalise(text, suffix, run_spans))
        return view

    @staticmethod
    def _moved(earlier: list[tuple[int, int, Clue]] | None, text: str, view: NormalisedText, line_start: int,
               number: int, line_breaks: list[int] | None) -> list[Clue] | None:
        """The clues a line that reads as before had then (``earlier``: :meth:`_lines_as_before`'s),
        at their offsets and line now; None when the line must be read (it reads otherwise, or a
        clue does not map back onto the characters it was written as)."""
        if earlier is None:
            return None
        moved = []
        for start_in_line, end_in_line, clue in earlier:
            start, end = view.original_span(line_start + start_in_line, line_start + end_in_line)
            if text[start:end] != clue.text:
                return None
            line = number if line_breaks is None else bisect.bisect_left(line_breaks, start) + 1
            if (start, end, line, clue.weight) != (clue.start, clue.end, clue.line, 0.0):
                clue = replace(clue, start=start, end=end, line=line, weight=0.0)
            moved.append(clue)
        return moved

    def _find_in_line(self, line: str, masked: list[tuple[int, int]]) -> list[LineClue]:
        found = self._without_ordinary_words(line, [
            (match, recognizer.kind)
            for recognizer in self.recognizers
            for match in recognizer.find(line, self.segmenter)
        ])
        names = [match for match, kind in found if kind == "admin"]
        found += [(match, "geography") for match in self.geography.relate(line, names)]
        # Clues that point somewhere first (忻原 of 忻原大道 over the unplaced name
        # 忻原大道), then the longest, then the more specific kind: 崞阳古城
        # (landmark) over 崞阳.
        found.sort(key=lambda f: (not f[0].candidates, -(f[0].end - f[0].start), -_KIND_PRIORITY[f[1]], f[0].start))
        taken = bytearray(len(line) + 1)  # 1 where a mask or a kept clue stands
        for start, end in masked:
            taken[start:end] = b"\x01" * (end - start)
        kept = []
        for match, kind in found:
            if taken.find(1, match.start, match.end) >= 0:
                continue
            taken[match.start : match.end] = b"\x01" * (match.end - match.start)
            # An abbreviation pattern (太忻一体化) and a geography clue (东邻五台县)
            # state their own relation.
            elsewhere = kind not in ("abbreviation", "geography") and (
                match.in_company_name or self._named_as_elsewhere(line, match.start, match.end))
            # The name and the rule are made here, once per line read: the
            # clues of every copy of the line then share them.
            rule = match.rule + ("; named as elsewhere" if elsewhere else "")
            kept.append((match, kind, elsewhere, line[match.start : match.end], rule))
        kept.sort(key=lambda f: f[0].start)
        return kept

    def _without_ordinary_words(self, line: str, found: list[tuple[ClueMatch, str]]) -> list[tuple[ClueMatch, str]]:
        """The candidates of a line less the administrative names that stand
        there as ordinary words (see :mod:`auditor.map.ordinary`); each kept name
        carries the estimate. Judged before overlaps are settled: 发展乡村 read
        as a phrase leaves its place to 发展乡, judged in turn."""
        admin = [(m.start, m.end, m.candidates) for m, kind in found if kind == "admin"]
        if not admin:
            return found
        kept = []
        for match, kind in found:
            if kind == "admin":
                neighbours = [n for n in admin if (n[0], n[1]) != (match.start, match.end)]
                judged = self.ordinary.judge(line, match.start, match.end, match.core_end, match.candidates, neighbours)
                if judged.ordinary >= DROP_AT:
                    continue
                if judged.ordinary or judged.elsewhere:
                    rule = match.rule + (f"; {judged.why}" if judged.why else "")
                    match = replace(match, ordinary=judged.ordinary, in_company_name=judged.elsewhere, rule=rule)
            kept.append((match, kind))
        return kept

    def _named_as_elsewhere(self, text: str, start: int, end: int) -> bool:
        before = text[max(0, start - 12) : start]
        after = text[end : end + 12]
        timeout = MATCH_TIMEOUT_SECONDS  # a dozen characters each side
        try:
            if self.clue_rules.elsewhere_before.search(before, timeout=timeout):
                return True
        except TimeoutError:
            raise rule_timeout("clues.toml [elsewhere] before", timeout) from None
        try:
            return self.clue_rules.elsewhere_after.search(after, timeout=timeout) is not None
        except TimeoutError:
            raise rule_timeout("clues.toml [elsewhere] after", timeout) from None
