"""Recovery: what each slot hid, with a confidence and the evidence for it.

Three sources, strongest first: a near-duplicate copy where the slot is
readable; the inferred identity, for place slots by their level; and the same
clear context elsewhere in the corpus or the document, for codes, numbers and
years (×G全覆盖 → 5 where another text says 5G全覆盖).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from .linker import DocumentInference, LinkerConfig, clear_anchor
from .records import Slot

COPY_CONFIDENCE = 0.99
_VALUE = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?(?![0-9])")


def recover(result, inferences: dict[str, DocumentInference], config: LinkerConfig) -> None:
    slots_by_doc = {a.doc: {s.slot_id: s for s in a.slots} for a in result.analyses}
    for inconsistency in result.inconsistencies:
        slot = slots_by_doc[inconsistency.doc][inconsistency.slot_id]
        _set(slot, inconsistency.revealed, COPY_CONFIDENCE, f"readable in the near-duplicate {inconsistency.other_doc}")
    for analysis in result.analyses:
        inference = inferences.get(analysis.doc)
        if inference is not None:
            recover_places(analysis.slots, inference, result.gazetteer)
    recover_from_context(result, config)


def _set(slot: Slot, value: str, confidence: float, evidence: str) -> None:
    if slot.recovered and (slot.recovered_confidence or 0) >= confidence:
        return
    slot.recovered = value
    slot.recovered_confidence = round(confidence, 4)
    slot.recovered_evidence = evidence


def recover_places(slots: list[Slot], inference: DocumentInference, gazetteer) -> None:
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
    for slot in slots:
        if slot.slot_type != "place" or slot.place_level not in by_level:
            continue
        uid, confidence = by_level[slot.place_level]
        if uid is None or confidence <= 0:
            continue
        unit = gazetteer.units[uid]
        _set(slot, unit.short or unit.name, min(confidence, 0.9999),
             f"{slot.place_level} of the inferred identity {identity.identity} ({identity.confidence:.0%}) from {clues}")


def recover_from_context(result, config: LinkerConfig) -> None:
    """Codes, numbers and years whose clear context appears elsewhere with a value."""
    n = config.anchor_chars
    wanted: dict[tuple[str, str], list[Slot]] = defaultdict(list)
    texts = {a.doc: a.source.text for a in result.analyses if a.source.ok}
    for analysis in result.analyses:
        text = texts.get(analysis.doc)
        for slot in analysis.slots:
            if slot.slot_type not in ("code", "number", "year") or slot.recovered:
                continue
            left = clear_anchor(text, slot.start, slot.end, True, n)
            right = clear_anchor(text, slot.start, slot.end, False, n)
            if len(right) < n:
                continue
            if len(left) == n:
                wanted[(left, right)].append(slot)
            if slot.slot_type == "code":
                # ×G, ×D打印: the code's own letters make the right side enough.
                wanted[("", right)].append(slot)
    if wanted:
        seen: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for text in texts.values():
            for match in _VALUE.finditer(text):
                right = text[match.end() : match.end() + n]
                left = text[max(0, match.start() - n) : match.start()]
                for key in ((left, right), ("", right)):
                    if key in wanted:
                        seen[key][match.group()] += 1
        for key, slots in wanted.items():
            values = seen.get(key)
            if not values:
                continue
            value, agree = values.most_common(1)[0]
            total = sum(values.values())
            # Agreement among the sightings, and more sightings, make it surer.
            confidence = (agree / total) * (1 - 0.5 ** (agree + (1 if key[0] else 0)))
            where = f"'{key[0]}{value}{key[1]}' appears {agree} time(s) in clear" + (
                f" ({total - agree} other value(s) seen)" if total > agree else "")
            for slot in slots:
                _set(slot, value, confidence, where)
    recover_years(result, config)


def recover_years(result, config: LinkerConfig) -> None:
    """A year slot in a section that reviews a stated year is that year."""
    if not config.year_sections:
        return
    for analysis in result.analyses:
        years = [s for s in analysis.slots if s.slot_type == "year" and not s.recovered]
        if not years:
            continue
        text = analysis.source.text
        headings = sorted(
            (m.start(), m.group("year")) for pattern in config.year_sections for m in pattern.finditer(text)
        )
        for slot in years:
            before = [year for position, year in headings if position < slot.start]
            if before:
                _set(slot, before[-1], config.year_section_confidence, f"inside the review of {before[-1]}")
