"""Recovery: what each slot hid, with a confidence and the evidence for it.

Three sources, strongest first: a near-duplicate copy where the slot is
readable; the inferred identity, for place slots by their level; and the same
clear context elsewhere in the corpus or the document, for codes, numbers and
years (×G全覆盖 → 5 where another text says 5G全覆盖).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

from .anchors import clear_anchor
from .inference import DocumentInference
from ..rules import LinkerConfig, match_timeout, rule_timeout
from ..records import DocumentAnalysis, Identity, Inconsistency, Slot

# A number, not the tail of a longer one (the caller skips those after a
# '.'): look-arounds, and [0-9]+ for [0-9][0-9]*, would scan at a quarter of
# the speed, and every text of the corpus is scanned.
_VALUE = re.compile(r"[0-9][0-9]*(?:\.[0-9]+)?")


class Recoveries:
    """What each slot is recovered as so far (value, confidence, evidence), by
    slot: a stronger source is never overridden by a weaker one. A slot
    recovered at ``leak_confidence`` or more is a leak."""

    def __init__(self, leak_confidence: float) -> None:
        self.leak_confidence = leak_confidence
        self._found: dict[int, tuple[str, float, str]] = {}  # id(slot) -> recovery

    def __contains__(self, slot: Slot) -> bool:
        return id(slot) in self._found

    def set(self, slot: Slot, value: str, confidence: float, evidence: str) -> None:
        found = self._found.get(id(slot))
        if found is not None and found[1] >= confidence:
            return
        self._found[id(slot)] = (value, round(confidence, 4), evidence)

    def applied(self, slot: Slot) -> Slot:
        """The slot as recovered (a new record), or as it is when nothing was
        recovered (and nothing is left from an earlier recovery)."""
        found = self._found.get(id(slot), ("", None, ""))
        leak = found[1] is not None and found[1] >= self.leak_confidence
        if (slot.recovered, slot.recovered_confidence, slot.recovered_evidence, slot.leak) == (*found, leak):
            return slot
        return replace(slot, recovered=found[0], recovered_confidence=found[1], recovered_evidence=found[2], leak=leak)


def recover(analyses: list[DocumentAnalysis], identities: list[Identity], inconsistencies: list[Inconsistency],
            inferences: dict[str, DocumentInference], gazetteer, config: LinkerConfig,
            timeouts: dict[str, TimeoutError]) -> list[DocumentAnalysis]:
    """The analyses with their slots recovered (new records where a slot's
    recovery is new). A rule pattern that runs out of time on a document is
    entered in ``timeouts``."""
    found = Recoveries(config.leak_confidence)
    slots_by_doc = {a.doc: {s.slot_id: s for s in a.slots} for a in analyses}
    for inconsistency in inconsistencies:
        slot = slots_by_doc[inconsistency.doc][inconsistency.slot_id]
        found.set(slot, inconsistency.revealed, config.copy_confidence,
                  f"readable in the near-duplicate {inconsistency.other_doc}")
    for analysis in analyses:
        inference = inferences.get(analysis.doc)
        if inference is not None:
            recover_places(analysis.slots, inference, gazetteer, found)
    recover_from_context(analyses, identities, config, found)
    recover_years(analyses, config, found, timeouts)
    recovered = []
    for analysis in analyses:
        slots = [found.applied(slot) for slot in analysis.slots]
        unchanged = all(new is old for new, old in zip(slots, analysis.slots))
        recovered.append(analysis if unchanged else replace(analysis, slots=slots))
    return recovered


def recover_places(slots: list[Slot], inference: DocumentInference, gazetteer, found: Recoveries) -> None:
    """Place slots from the identity: the own place, its prefecture, its province."""
    decided = inference.decided_uid
    identity = inference.identity
    if decided is None or not identity.identity:
        return
    clues = ", ".join(c.text for c in identity.top_clues[:5])
    province = gazetteer.province_of(decided)
    prefecture = gazetteer.prefecture_of(decided) if identity.identity_level == "county" else decided
    by_level = {
        "county": (decided, identity.confidence),
        "prefecture": (prefecture, inference.prefecture.probabilities.get(prefecture, 0.0)) if prefecture is not None else (None, 0.0),
        "province": (province, sum(p for u, p in inference.prefecture.probabilities.items() if gazetteer.province_of(u) == province)),
    }
    # Made once per level: the place slots of a level all hold the same value
    # and evidence (a long text has tens of thousands of them).
    recoveries = {}
    for level, (uid, confidence) in by_level.items():
        if uid is not None and confidence > 0:
            unit = gazetteer.units[uid]
            recoveries[level] = (unit.short or unit.name, min(confidence, 0.9999),
                                 f"{level} of the inferred identity {identity.identity} ({identity.confidence:.0%}) from {clues}")
    for slot in slots:
        if slot.slot_type != "place" or slot.place_level not in recoveries:
            continue
        if slot in found:
            # Read in a near-duplicate: what a copy shows beats what the identity
            # suggests, however confident (崞阳古城 masked is 崞阳, not 原平).
            continue
        found.set(slot, *recoveries[slot.place_level])


def _context_keys(text: str, slot: Slot, n: int) -> list[tuple[str, str]]:
    """Lookup keys for a slot, most specific first: (left, right) clear anchors;
    codes also by their right side alone, shortening to the code's letters."""
    left = clear_anchor(text, slot.start, slot.end, True, n)
    right = clear_anchor(text, slot.start, slot.end, False, n)
    keys = []
    if len(left) == n and len(right) == n:
        keys.append((left, right))
    if slot.slot_type == "code" and right[:1].isascii() and right[:1].isalpha():
        # ×G, ×D打印: the code's own letters identify it, down to the letter alone.
        keys.extend(("", right[:size]) for size in range(len(right), 0, -1))
    return keys


def recover_from_context(analyses: list[DocumentAnalysis], identities: list[Identity], config: LinkerConfig,
                         found: Recoveries) -> None:
    """Codes, numbers and years whose clear context appears elsewhere with a value.

    A statistic differs from one report to the next, so a number counts only
    when its own document (or a near-duplicate) shows it, or when several
    unrelated documents agree on it (24小时不打烊); a code (5G, 3D打印) is the
    same everywhere."""
    n = config.anchor_chars
    group_of = {identity.doc: identity.group for identity in identities}
    texts = {a.doc: a.source.text for a in analyses if a.source.ok}
    wanted: dict[tuple[str, str], list[Slot]] = defaultdict(list)
    slot_keys: dict[int, list[tuple[str, str]]] = {}
    for analysis in analyses:
        for slot in analysis.slots:
            if slot.slot_type in ("code", "number", "year", "date") and slot not in found:
                keys = _context_keys(texts[analysis.doc], slot, n)
                slot_keys[id(slot)] = keys
                for key in keys:
                    wanted[key].append(slot)
    if not wanted:
        return
    # Two kinds of key: both anchors in full, or (codes) a right side alone,
    # which starts with a letter; every value in the corpus is tried on both.
    code_sides = {right for left, right in wanted if not left}
    code_starts = {right[0] for right in code_sides}
    sightings: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for doc, text in texts.items():
        group = group_of.get(doc, doc)
        for match in _VALUE.finditer(text):
            start, end = match.span()
            if start and text[start - 1] == ".":
                continue
            right = text[end : end + n]
            key = (text[max(0, start - n) : start], right)
            if key in wanted:
                sightings[key][match.group()].add(group)
            if right[:1] in code_starts:
                for size in range(len(right), 0, -1):
                    if right[:size] in code_sides:
                        sightings[("", right[:size])][match.group()].add(group)
    evidence: dict[tuple, str] = {}  # see _recover_slot
    for analysis in analyses:
        for slot in analysis.slots:
            for key in slot_keys.get(id(slot), ()):
                values = sightings.get(key)
                if values and _recover_slot(slot, key, values, group_of.get(slot.doc, slot.doc), evidence, found,
                                            config.same_text_confidence):
                    break


def _recover_slot(slot: Slot, key: tuple[str, str], values: dict[str, set[str]], own_group: str,
                  evidence: dict[tuple, str], found: Recoveries, same_text_confidence: float) -> bool:
    """Recovers ``slot`` from the values seen around ``key``. ``evidence`` holds
    the sentences made so far, by key and value: the slots that share them
    (the same phrase throughout a long text) hold one copy."""
    mine = [value for value, groups in values.items() if own_group in groups]
    if len(mine) == 1:
        said = evidence.get((key, mine[0], None))
        if said is None:
            said = evidence[(key, mine[0], None)] = f"'{key[0]}{mine[0]}{key[1]}' is readable in the same text"
        found.set(slot, mine[0], same_text_confidence, said)
        return True
    if mine:
        return False
    counts = Counter({value: len(groups) for value, groups in values.items()})
    value, agree = counts.most_common(1)[0]
    if slot.slot_type != "code" and agree < 2:
        return False
    total = sum(counts.values())
    confidence = (agree / total) * (1 - 0.5 ** (agree + (1 if key[0] else 0)))
    said = evidence.get((key, value, total))
    if said is None:
        others = f"; {total - agree} sighting(s) of other values" if total > agree else ""
        said = evidence[(key, value, total)] = f"'{key[0]}{value}{key[1]}' appears in {agree} other document group(s){others}"
    found.set(slot, value, confidence, said)
    return True


def _year_headings(analysis: DocumentAnalysis, config: LinkerConfig,
                   timeouts: dict[str, TimeoutError]) -> list[tuple[int, str]]:
    """(offset, year) of the sections reviewing a year, in order."""
    text = analysis.source.text
    timeout = match_timeout(text)
    headings = []
    for index, pattern in enumerate(config.year_sections):
        try:
            headings.extend((m.start(), m.group("year")) for m in pattern.finditer(text, timeout=timeout))
        except TimeoutError:
            timeouts[analysis.doc] = rule_timeout(f"linker.toml [recovery] year_sections[{index}]", timeout)
    return sorted(headings)


def check_recovery_patterns(analyses: list[DocumentAnalysis], config: LinkerConfig,
                            timeouts: dict[str, TimeoutError]) -> None:
    """Runs the rule patterns :func:`recover` would run, on every document it could run them on
    (with a year slot: :func:`recover_years` skips those another source recovered), entering
    each time-out in ``timeouts``, and recovers nothing."""
    if config.year_sections:
        for analysis in analyses:
            if any(s.slot_type == "year" for s in analysis.slots):
                _year_headings(analysis, config, timeouts)


def recover_years(analyses: list[DocumentAnalysis], config: LinkerConfig, found: Recoveries,
                  timeouts: dict[str, TimeoutError]) -> None:
    """A year slot in a section that reviews a stated year is that year."""
    if not config.year_sections:
        return
    for analysis in analyses:
        years = [s for s in analysis.slots if s.slot_type == "year" and s not in found]
        if not years:
            continue
        headings = _year_headings(analysis, config, timeouts)
        for slot in years:
            before = [year for position, year in headings if position < slot.start]
            if before:
                found.set(slot, before[-1], config.year_section_confidence, f"inside the review of {before[-1]}")
