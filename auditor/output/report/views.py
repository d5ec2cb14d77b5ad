"""Building the view models from an audit and its review (the gate's status and fix's
plan): the overview at once, the document pages one at a time."""
from __future__ import annotations

import hashlib
import json
import re
from array import array
import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

from markupsafe import Markup

from ..gate import RULES, status_word, verdict_word
from ...i18n import N_, _, listing, ngettext
from ...map.formats import KIND_DESCRIPTIONS, FileFinding
from ...map.loading import printable_name
from ...memo import Memo
from ...records import NOT_CHECKED_STATUSES, Clue, Identity, Inconsistency, Slot, SourceText
from ...reduce.risk import VERDICTS
from .model import (
    ADMIN_SUFFIXES, CHART_CANDIDATES, CLUE_KINDS, CONTEXT_CHARS, DIFFERENCE_ROWS, DOC_ROOT, FIX_MASKS,
    GATE_FINDINGS, OVERVIEW_PAGE_ROWS, PANEL_CLUES, SENTENCE_CLUES, SLOT_TYPE_LABELS, SLOT_TYPES, VERDICT_LABELS, Bar, clue_kind_name,
    file_status_name, level_name, slot_type_name,
    Chart, ClueView, DocumentPage, DocumentRow, FixView, GateRuleView, GateView, GroupView, InFileView, MaskView, Overview,
    Review, SideBySide, SlotView, TypeCount,
)
from .markup import (
    clue_rows_html, difference_rows_html, doc_name_html, escaped, gate_badge_parts, isolated, PathIsolator,
    slot_rows_html, text_html, verdict_badge, verdict_badge_parts,
)

if TYPE_CHECKING:
    from ..gate import Policy
    from ...result import AuditResult


def page_name(doc: str, taken: set[str]) -> str:
    """A file name for a document's page: readable when the name is plain
    ASCII, made unique with a digest otherwise (and on case-folded clashes)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", doc).strip("._-")[:80]
    if not slug or slug != doc or slug.lower() in taken:
        slug = f"{slug or 'doc'}-{hashlib.sha1(doc.encode('utf-8')).hexdigest()[:10]}"
    taken.add(slug.lower())
    return slug + ".html"


def short_name(unit: str) -> str:
    for suffix in ADMIN_SUFFIXES:
        if unit.endswith(suffix) and len(unit) - len(suffix) >= 2:
            return unit[: -len(suffix)]
    return unit


def display_path(path: str) -> str:
    return path.replace("/", "")


def one_line(text: str) -> str:
    """Context snippets sit in table cells: show their line breaks, don't make them."""
    if "\n" not in text and "\r" not in text and "\t" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "↵").replace("\t", " ")


def _percent(value: float) -> str:
    """Rounded, except that nothing short of certain reads as 100% and nothing
    above zero as 0%."""
    percent = round(value * 100)
    if percent >= 100 and value < 1:
        return "99%"
    if percent <= 0 < value:
        return "<1%"
    return f"{percent}%"


def _clamp_spans(items, text_length: int):
    """Keeps the items whose offsets lie inside the text, in text order."""
    kept = [i for i in items if 0 <= i.start < i.end <= text_length]
    return sorted(kept, key=lambda i: (i.start, i.end))


class PlaceBook:
    """The gazetteer paths of a clue's candidates, and their description, looked
    up once per set of candidates: the same clues (a county's towns, its river)
    recur in every copy of a report, and the lookups were a good part of a page."""

    def __init__(self, gazetteer) -> None:
        self.gazetteer = gazetteer
        self._paths: dict[tuple, list[str]] = {}
        self._places: dict[tuple, str] = {}
        self.tooltips: dict[tuple, str] = {}  # see build_clue

    def paths(self, candidates) -> list[str]:
        key = tuple(candidates)
        paths = self._paths.get(key)
        if paths is None:
            paths = self._paths[key] = self._lookup(key)
        return paths

    def places(self, candidates) -> str:
        key = tuple(candidates)
        places = self._places.get(key)
        if places is None:
            places = self._places[key] = _places_text(self.paths(key), len(key))
        return places

    def _lookup(self, candidates: tuple) -> list[str]:
        if self.gazetteer is None:
            return []
        paths = []
        for uid in candidates:
            try:
                paths.append(str(self.gazetteer.path(uid)))
            except (LookupError, ValueError, TypeError):  # an unknown id must not sink the report
                paths.append(_("unit {uid}").format(uid=uid))
        return paths


def describe_clue(clue: Clue, paths: list[str], identity: str) -> str:
    """"town of 原平", "abbreviation of 原平": what the clue says about the place."""
    if not paths:
        return level_name(clue.level) if clue.level else clue_kind_name(clue.kind)
    def within(inner: str, outer: str) -> bool:
        return inner == outer or inner.startswith(outer.rstrip("/") + "/")

    consistent = [p for p in paths if identity and (within(p, identity) or within(identity, p))]
    path = (consistent or paths)[0]
    parts = [p for p in path.split("/") if p]
    if not parts:
        return level_name(clue.level) if clue.level else clue_kind_name(clue.kind)
    # The candidate is either the named unit itself (崞阳 → …/原平市/崞阳镇) or
    # the unit that holds it (a landmark → …/原平市): speak of the holder.
    names_itself = parts[-1].startswith(clue.text) or clue.text.startswith(short_name(parts[-1]))
    holder = parts[-2] if names_itself and len(parts) > 1 else parts[-1]
    if clue.kind == "abbreviation":
        return _("abbreviation of {place}").format(place=short_name(parts[-1]))
    if clue.kind == "landmark":
        return _("landmark in {place}").format(place=short_name(holder))
    if clue.kind == "zone":
        return _("zone hosted by {place}").format(place=short_name(holder))
    if clue.kind == "old-name":
        return _("old name of {place}").format(place=short_name(holder))
    if clue.kind in ("geography", "code"):
        return clue.said  # "about 120 km from 陕西省/西安市 …: 37 counties fit"
    if names_itself and len(parts) == 1:
        return level_name(clue.level) if clue.level else clue_kind_name(clue.kind)
    if not clue.level:
        return _("in {place}").format(place=short_name(holder))
    if clue.level in _LEVEL_OF:
        return _(_LEVEL_OF[clue.level]).format(place=short_name(holder))
    return f"{clue.level} of {short_name(holder)}"


# "town of 原平": a clue naming a unit of each level, and the unit that holds it.
_LEVEL_OF = {"province": N_("province of {place}"), "prefecture": N_("prefecture of {place}"),
             "county": N_("county of {place}"), "town": N_("town of {place}"), "village": N_("village of {place}")}


def _places_text(paths: list[str], n_candidates: int, limit: int = 5) -> str:
    if paths:
        shown = "; ".join(paths[:limit])
        return shown + (_("; +{n} more").format(n=len(paths) - limit) if len(paths) > limit else "")
    if n_candidates:
        return _("{n} candidate place(s)").format(n=n_candidates)
    return _("no known place")


def clue_tooltip(clue: Clue, places: str, top: bool) -> str:
    lines = [_("Clue: {text}").format(text=clue.text),
             _("kind: {kind}").format(kind=clue_kind_name(clue.kind))
             + (f" ({level_name(clue.level)})" if clue.level else "")]
    lines.append(_("points to: {places}").format(places=places))
    lines.append(_("weight: {weight:.2f}").format(weight=clue.weight))
    if clue.rule:
        lines.append(_("rule: {rule}").format(rule=clue.rule))
    if clue.elsewhere:
        lines.append(_("named as a place other than the document's own"))
    if clue.short_form:
        lines.append(_("an administrative name without its suffix"))
    if top:
        lines.append(_("one of the clues the identity rests on"))
    return "\n".join(lines)


def build_clue(book: PlaceBook, clue: Clue, identity: str, top_keys: set) -> ClueView:
    places = book.places(clue.candidates)
    top = (clue.start, clue.end, clue.text) in top_keys
    # The same clue recurs in every copy of a text: its tooltip is written once.
    key = (clue.text, clue.kind, clue.level, places, clue.weight, clue.rule, clue.elsewhere, clue.short_form, top)
    tooltip = book.tooltips.get(key)
    if tooltip is None:
        tooltip = book.tooltips[key] = clue_tooltip(clue, places, top)
    return ClueView(
        f"clue-{clue.start}-{clue.end}", clue.kind, clue.text, clue.line, clue.level, places,
        len(clue.candidates), f"{clue.weight:.2f}", round(clue.weight, 6), clue.rule, clue.elsewhere, top, tooltip,
    )


def build_slot(slot: Slot, revealed: list[str], described: Memo | None = None) -> SlotView:
    """A slot's view. ``described``, kept from page to page, holds what does
    not depend on the slot's id and position: copies of a text repeat it."""
    key = (slot.slot_type, slot.unit, slot.place_level, slot.rule, slot.recovered, slot.recovered_confidence,
           slot.recovered_evidence, slot.left_context, slot.right_context, tuple(revealed))
    parts = described.get(key) if described is not None else None
    if parts is None:
        parts = _slot_parts(slot, revealed)
        if described is not None:
            described.put(key, parts)
    detail, kind, rule, confidence, confidence_value, rest, left, right = parts
    return SlotView(
        slot.slot_id, f"slot-{slot.slot_id}", slot.slot_type, SLOT_TYPE_LABELS.get(slot.slot_type, "?"), detail,
        slot.rule, slot.mask, slot.line, slot.column, left, right,
        slot.recovered, confidence, confidence_value, slot.recovered_evidence, slot.leak, revealed,
        f"{slot.slot_id} · {kind}\n" + _("line {line}, column {column}").format(line=slot.line, column=slot.column)
        + f"{rule}\n{rest}",
    )


def _slot_parts(slot: Slot, revealed: list[str]) -> tuple:
    if slot.slot_type == "number":
        detail, described = slot.unit, _("unit {unit}").format(unit=slot.unit) if slot.unit else ""
    elif slot.slot_type == "place":
        detail = level_name(slot.place_level)
        described = _("{level} level").format(level=detail) if slot.place_level else ""
    else:
        detail, described = "", ""
    recovered, value = slot.recovered, slot.recovered_confidence
    confidence = "" if value is None else _percent(value)
    lines = []
    if recovered:
        lines.append(_("recovered: {value}").format(value=recovered) + (f" ({confidence})" if confidence else ""))
        if slot.recovered_evidence:
            lines.append(_("evidence: {evidence}").format(evidence=slot.recovered_evidence))
    else:
        lines.append(_("not recovered"))
    if slot.leak:
        lines.append(_("LEAK: the hidden value can be read back"))
    lines.extend(revealed)
    return (detail, slot_type_name(slot.slot_type) + (f", {described}" if described else ""),
            " · " + _("rule {rule}").format(rule=slot.rule) if slot.rule else "", confidence,
            -1.0 if value is None else round(value, 6),
            "\n".join(lines), one_line(slot.left_context), one_line(slot.right_context))


def choose_clues(clues: list[Clue], slots: list[Slot]) -> tuple[list[Clue], dict[int, list[Clue]]]:
    """Non-overlapping clues to underline, longest first; a dropped clue is
    attached to the kept clue it overlaps so its tooltip can mention it.
    Clues over a slot are dropped: the slot is what the page is about."""
    end = max([s.end for s in slots] + [c.end for c in clues] + [0])
    masked = bytearray(end + 1)
    for slot in slots:
        masked[slot.start : slot.end] = b"\x01" * (slot.end - slot.start)

    def over_slot(clue: Clue) -> bool:
        return masked.find(1, clue.start, clue.end) >= 0

    order = sorted(range(len(clues)), key=lambda i: (-(clues[i].end - clues[i].start), clues[i].start,
                                                     -clues[i].weight, clues[i].kind, clues[i].text))
    kept: list[int] = []
    hidden: dict[int, list[Clue]] = defaultdict(list)
    # Each character covered by a kept clue holds len(clues) - (the clue's rank
    # among the kept), so the largest value over a span names the first kept
    # clue it overlaps, without a scan of all the kept clues per clue.
    taken = array("i", bytes(4 * (end + 1)))
    for i in order:
        clue = clues[i]
        if over_slot(clue):
            continue
        first = max(taken[clue.start : clue.end], default=0)
        if first:
            hidden[kept[len(clues) - first]].append(clue)
        else:
            taken[clue.start : clue.end] = array("i", [len(clues) - len(kept)]) * (clue.end - clue.start)
            kept.append(i)
    kept.sort(key=lambda i: (clues[i].start, clues[i].end))
    position = {k: index for index, k in enumerate(kept)}
    return [clues[i] for i in kept], {position[k]: v for k, v in hidden.items()}


def _overlaps_all(spans) -> list:
    """Drops slots that overlap an earlier one (defensive: the slot finder
    never produces them, but a hand-made result might)."""
    kept, last_end = [], -1
    for span in spans:
        if span.start >= last_end:
            kept.append(span)
            last_end = span.end
    return kept


def _common_parts(paths: list[str]) -> list[str]:
    """The leading units every path shares, leaving each path at least one of its own."""
    split = [[p for p in path.split("/") if p] for path in paths]
    common: list[str] = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    shortest = min(len(parts) for parts in split)
    return common[: max(0, shortest - 1)]


def build_chart(identity: Identity) -> Chart | None:
    candidates = sorted(identity.candidates, key=lambda c: (-c.probability, c.path))[:CHART_CANDIDATES]
    if not candidates:
        return None
    # Ten rows that all start with 山西省忻州市 are easier to compare without it.
    common = _common_parts([c.path for c in candidates]) if len(candidates) > 1 else []
    labels = []
    for candidate in candidates:
        parts = [p for p in candidate.path.split("/") if p][len(common):]
        label = "".join(parts) or candidate.path
        labels.append(label if len(label) <= 16 else "…" + label[-15:])
    # CJK glyphs are about one em wide: size the label column to the longest label.
    label_width = 16 + 15 * max(len(label) for label in labels)
    bar_area, row, top = 400, 28, 4
    bars = []
    for index, (candidate, label) in enumerate(zip(candidates, labels)):
        probability = max(0.0, min(1.0, candidate.probability))
        bars.append(Bar(
            label=label, path=candidate.path, level=candidate.level, probability=probability,
            percent=_percent(probability),
            y=top + index * row, width=round(max(1.0, probability * bar_area), 1),
            chosen=bool(identity.identity) and candidate.path == identity.identity,
        ))
    summary = "; ".join(f"{display_path(b.path)} {b.percent}" for b in bars)
    return Chart(bars=bars, width=label_width + bar_area + 52, height=top * 2 + len(bars) * row,
                 label_width=label_width, bar_area=bar_area, summary=summary, common="/".join(common))


def _describe_top(book: PlaceBook, identity: Identity, clues: list[Clue]) -> str:
    parts = [_("{clue} ({what})").format(clue=c.text, what=describe_clue(c, book.paths(c.candidates), identity.identity))
             for c in clues]
    return listing(parts)


def verdict_sentence(book: PlaceBook, row: DocumentRow, identity: Identity | None) -> str:
    sentence = _verdict_sentence(book, row, identity)
    if row.audited and identity is not None and identity.mask_lengths:
        # The mask-length channel: say why candidates of another length stand lower.
        sentence += f" {identity.mask_lengths[:1].upper()}{identity.mask_lengths[1:]}."
    return sentence


def _verdict_sentence(book: PlaceBook, row: DocumentRow, identity: Identity | None) -> str:
    if not row.audited:
        status = file_status_name(row.status)
        if row.message:
            return _("Not audited: the file is {status} ({message}).").format(status=status, message=row.message)
        return _("Not audited: the file is {status}.").format(status=status)
    if identity is None or not identity.verdict:
        return ngettext("{n} redaction slot found; no identity was inferred (the linker did not run on this result).",
                        "{n} redaction slots found; no identity was inferred (the linker did not run on this "
                        "result).", row.n_slots).format(n=row.n_slots)
    place = display_path(identity.identity) or _("no single place")
    top = identity.top_clues[:SENTENCE_CLUES]
    more = " …" if len(identity.top_clues) > SENTENCE_CLUES else ""
    clues = _describe_top(book, identity, top)
    # The risk: the probability that a reader's best single guess of the place is right.
    risk = _percent(identity.risk)
    fields = dict(place=place, risk=risk, clues=clues, more=more)
    if identity.verdict == "re-identified":
        return (_("Re-identified: most likely {place}, risk {risk}: {clues}{more}") if clues
                else _("Re-identified: most likely {place}, risk {risk}.")).format(**fields)
    if identity.verdict == "at-risk":
        others = (_(", one of {n} places a reader cannot tell apart").format(n=identity.anonymity_set)
                  if identity.anonymity_set > 1 else "")
        return (_("At risk: most likely {place} (risk {risk}{others}); clues: {clues}{more}") if clues
                else _("At risk: most likely {place} (risk {risk}{others}).")).format(others=others, **fields)
    if identity.verdict == "protected":
        setsize = (_("{n} places a reader cannot tell apart").format(n=identity.anonymity_set)
                   if identity.anonymity_set else _("no place stands out"))
        best = _("; best guess {place}, risk {risk}").format(place=place, risk=risk) if identity.identity else ""
        return _("Protected: {setsize}{best}.").format(setsize=setsize, best=best)
    if identity.verdict == "not-anonymised":
        own = _describe_top(book, identity, identity.names_own_place[:SENTENCE_CLUES]) or clues
        return (_("Not anonymised: the text names its own place, {place}: {own}.") if own
                else _("Not anonymised: the text names its own place, {place}.")).format(place=place, own=own)
    return f"{identity.verdict}: {place} (risk {risk})."


def _ordered(values: set[str], known: tuple[str, ...]) -> list[str]:
    return [v for v in known if v in values] + sorted(values - set(known))


def _type_counts(counter: Counter) -> list[TypeCount]:
    total = sum(counter.values()) or 1
    order = [t for t in SLOT_TYPES if counter.get(t)] + sorted(t for t in counter if t not in SLOT_TYPES)
    return [TypeCount(t, SLOT_TYPE_LABELS.get(t, "?"), counter[t], round(100 * counter[t] / total, 1)) for t in order]


def _context(text: str, start: int, end: int) -> tuple[str, str, str]:
    start, end = max(0, start), min(len(text), end)
    return text[max(0, start - CONTEXT_CHARS):start], text[start:end], text[end:end + CONTEXT_CHARS]


def documents_data(rows: list[DocumentRow], gated: bool) -> str:
    """The overview's documents as the records its script makes rows of (report.js,
    documentRow), as JSON: per row the document, its page, the verdict filtered on, its
    badge, the note beside it, identity and level, risk, anonymity set and slots (each as
    shown and as sorted: the rows' data-sort), leaks, whether it was read, the gate's badge and failing rules,
    the group. The badges are listed once (``badges``: class, words) and named by index."""
    badges: dict[tuple[str, str], int] = {}
    records = []
    for row in rows:
        verdict = row.verdict or ("problem" if row.status != "ok" else "unlinked")
        gate = gate_badge_parts(row) if gated else None
        records.append([
            row.doc, row.href, verdict, badges.setdefault(verdict_badge_parts(row), len(badges)),
            row.message if row.status != "ok" else "", row.identity,
            level_name(row.identity_level) if row.identity_level else "",
            row.risk, str(row.risk_value), row.anonymity_set, str(row.anonymity_value),  # sorted as the page's
            row.n_slots if row.status == "ok" else "", row.n_slots, row.n_leaks, int(row.status == "ok"),
            badges.setdefault(gate[:2], len(badges)) if gate else -1, gate[2] if gate else "", row.group,
        ])
    return Markup(_json({"page_rows": OVERVIEW_PAGE_ROWS, "gate": gated, "badges": [list(b) for b in badges],
                         "rows": records}))


def _json(value) -> str:
    """JSON to sit inside a <script> element. It would end at the first
    "</script" in a document's text, or be thrown off by "<!--": with <, >
    and & written as JSON escapes, no text can do either."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


@dataclass(slots=True)
class _Cut:
    """The two snippets of one inconsistency."""

    has_slot: bool
    slot_type: str
    masked: tuple[str, str, str]  # before, mask, after
    revealed: tuple[str, str, str]  # before, readable value, after


# masking copy, slot, revealing copy, revealed value (after those masked here)
_DIFFERENCE_ORDER = attrgetter("doc", "slot_id", "other_doc", "revealed")


class DifferenceBook:
    """The places where one copy of a text masks what another leaves readable,
    as each copy's page lists them. Both pages of a pair show the same two
    snippets, so they are cut once per inconsistency; and copies of a text
    share most snippets, so a page's data lists each snippet once."""

    def __init__(self, hrefs: dict[str, str], sources: dict[str, SourceText],
                 slots_by_doc: dict[str, dict[str, Slot]], root: str = DOC_ROOT) -> None:
        self.hrefs, self.sources, self.slots_by_doc, self.root = hrefs, sources, slots_by_doc, root
        self._cuts: dict[int, _Cut] = {}
        # The clearest copy of a text reveals the same spot to every other
        # copy, and copies mask the same phrases: snippets recur.
        self._snippets: dict[tuple, tuple[str, str, str]] = {}
        self._spots: dict[tuple, tuple[str, str, str]] = {}  # a revealing copy's spot → its snippet

    def _snippet(self, before: str, middle: str, after: str) -> tuple[str, str, str]:
        key = (before, middle, after)
        snippet = self._snippets.get(key)
        if snippet is None:
            snippet = self._snippets[key] = (one_line(before), middle, one_line(after))
        return snippet

    def _cut(self, inc: Inconsistency) -> _Cut:
        slot = self.slots_by_doc.get(inc.doc, {}).get(inc.slot_id)
        if slot is not None:
            masked = self._snippet(slot.left_context, slot.mask, slot.right_context)
            slot_type = slot.slot_type
        else:
            masked, slot_type = ("", "(slot " + inc.slot_id + ")", ""), ""
        spot = (inc.other_doc, inc.other_start, inc.other_end, inc.revealed)
        revealed = self._spots.get(spot)
        if revealed is None:
            other = self.sources.get(inc.other_doc)
            if other is not None and 0 <= inc.other_start <= inc.other_end <= len(other.text):
                before, _, after = _context(other.text, inc.other_start, inc.other_end)
            else:
                before, after = "", ""
            revealed = self._spots[spot] = self._snippet(before, inc.revealed, after)
        cut = self._cuts[id(inc)] = _Cut(slot is not None, slot_type, masked, revealed)
        return cut

    def page(self, inconsistencies: list[Inconsistency], doc: str, limit: int) -> tuple[list[SideBySide], str]:
        """The inconsistencies that involve ``doc`` (as masked or as revealing
        copy), those it masks first: the first ``limit`` as rows, the others
        as JSON for the page's script ('' when there are none)."""
        order = (sorted([i for i in inconsistencies if i.doc == doc], key=_DIFFERENCE_ORDER)
                 + sorted([i for i in inconsistencies if i.doc != doc], key=_DIFFERENCE_ORDER))
        cuts = self._cuts
        shown = []
        for inc in order[:limit]:
            cut, here = cuts.get(id(inc)) or self._cut(inc), inc.doc == doc
            shown.append(SideBySide(
                inc.slot_id, f"slot-{inc.slot_id}" if here and cut.has_slot else "", cut.slot_type,
                inc.doc, self.hrefs.get(inc.doc, ""), *cut.masked,
                inc.other_doc, self.hrefs.get(inc.other_doc, ""), *cut.revealed, here,
            ))
        if len(order) <= limit:
            return shown, ""
        rest = order[limit:]
        names = sorted({i.doc for i in rest} | {i.other_doc for i in rest})
        docs = {name: index for index, name in enumerate(names)}
        snippets: dict[tuple, int] = {}
        add = snippets.setdefault  # a new snippet's index is the count before it
        rows = []
        for inc in rest:
            cut, here = cuts.get(id(inc)) or self._cut(inc), inc.doc == doc
            rows.append((
                inc.slot_id, cut.slot_type, 1 if here and cut.has_slot else 0, 1 if here else 0,
                docs[inc.doc], add(cut.masked, len(snippets)), docs[inc.other_doc], add(cut.revealed, len(snippets)),
            ))
        links = [(name, self.root + self.hrefs[name] if self.hrefs.get(name) else "") for name in names]
        # the names of the slot types, in the page's language, for the rows the script makes
        types = {row[1]: slot_type_name(row[1]) for row in rows if row[1]}
        return shown, _json({"docs": links, "snippets": list(snippets), "rows": rows, "types": types})


class ReportViews:
    """The view models of a report: the overview at once, the document pages
    one at a time (a large corpus's pages do not fit in memory together).
    Every page depends only on this object, so pages can be built in any
    order and in any process that has it."""

    def __init__(self, result: "AuditResult", review: Review | None = None) -> None:
        self.review = review
        analyses = sorted(result.analyses, key=lambda a: a.doc)
        self.identities: dict[str, Identity] = {i.doc: i for i in result.identities}
        identities = self.identities
        sources = {a.doc: a.source for a in analyses}
        slots_by_doc = {a.doc: {s.slot_id: s for s in a.slots} for a in analyses}
        self.book = PlaceBook(result.gazetteer)
        taken: set[str] = set()
        hrefs = {a.doc: "docs/" + page_name(a.doc, taken) for a in analyses if a.source.ok}
        self.hrefs = hrefs
        # The documents that get a page, in page order.
        self.documents = [a for a in analyses if a.source.ok]

        self.difference_book = DifferenceBook(hrefs, sources, slots_by_doc)
        # "readable in 001.txt as 原平", per (masking copy, slot)
        self.revealed: dict[tuple[str, str], list[str]] = defaultdict(list)
        # the inconsistencies a page lists: those of either copy it is
        self.involving: dict[str, list[Inconsistency]] = defaultdict(list)
        revealed, involving = self.revealed, self.involving
        for inc in sorted(result.inconsistencies, key=lambda i: (i.doc, i.slot_id, i.other_doc, i.other_start)):
            revealed[(inc.doc, inc.slot_id)].append(
                _("readable in {doc} as {value}").format(doc=isolated(inc.other_doc), value=inc.revealed))
            involving[inc.doc].append(inc)
            if inc.other_doc != inc.doc:
                involving[inc.other_doc].append(inc)

        self.rows: dict[str, DocumentRow] = {}
        rows = self.rows
        for analysis in analyses:
            source, identity = analysis.source, identities.get(analysis.doc)
            linked = identity is not None and bool(identity.verdict) and source.ok
            gate = review.gates.get(analysis.doc) if review is not None else None
            if linked and gate is not None and gate.verdict:
                # The verdict under the policy's K, as `auditor check` gives it.
                identity = dataclasses.replace(identity, verdict=gate.verdict)
                identities[analysis.doc] = identity
            rows[analysis.doc] = DocumentRow(
                doc=analysis.doc, href=hrefs.get(analysis.doc, ""), status=source.status, message=source.message,
                encoding=source.encoding, chars=len(source.text), n_slots=len(analysis.slots),
                n_leaks=sum(1 for s in analysis.slots if s.leak),
                type_counts=dict(sorted(Counter(s.slot_type for s in analysis.slots).items())),
                verdict=identity.verdict if linked else "",
                verdict_label=_verdict_label(identity.verdict) if linked else "",
                identity=display_path(identity.identity) if linked else "",
                identity_level=identity.identity_level if linked else "",
                risk=_percent(identity.risk) if linked and identity.verdict != "not-anonymised" else "",
                risk_value=round(identity.risk, 6) if linked else -1.0,
                anonymity_set=str(identity.anonymity_set) if linked and identity.anonymity_set else "",
                anonymity_value=identity.anonymity_set if linked else -1,
                group=identity.group if identity is not None else "",
                n_clues=len(analysis.clues),
                gate=gate,
                format=source.format,
            )

        self.members: dict[str, list[DocumentRow]] = defaultdict(list)
        members = self.members
        for row in rows.values():
            if row.group:
                members[row.group].append(row)
        group_of = {row.doc: row.group for row in rows.values()}
        differing = Counter(
            group_of.get(i.doc) for i in result.inconsistencies
            if group_of.get(i.doc) and group_of.get(i.doc) == group_of.get(i.other_doc)
        )
        groups = []
        for group, docs in sorted(members.items()):
            if len(docs) < 2:
                continue
            groups.append(GroupView(group, sorted(docs, key=lambda d: d.doc), differing[group]))
        # Every page of a group lists the other copies: each is marked up once.
        self._member_html: dict[str, str] = {}
        self._slot_parts = Memo("report-rows")  # see build_slot
        self._slot_row_tails = Memo("report-rows")  # see slot_rows_html
        self._clue_row_tails = Memo("report-rows")

        all_slots = [s for a in analyses for s in a.slots]
        ordered = [rows[a.doc] for a in analyses]
        verdicts = Counter(r.verdict for r in ordered if r.verdict)
        linked = bool(verdicts)
        readable = sum(1 for r in ordered if r.audited)
        self.overview = Overview(
            rows=ordered, readable=readable,
            problems=[r for r in ordered if not r.audited],
            n_slots=len(all_slots), n_leaks=sum(1 for s in all_slots if s.leak),
            type_counts=_type_counts(Counter(s.slot_type for s in all_slots)),
            verdict_counts=[(v, _(VERDICT_LABELS[v]), verdicts[v]) for v in VERDICTS if verdicts.get(v)]
            + [(v, v, verdicts[v]) for v in sorted(verdicts) if v not in VERDICT_LABELS],
            verdicts_present=[v for v in VERDICTS if verdicts.get(v)]
            + sorted(v for v in verdicts if v not in VERDICT_LABELS),
            groups=groups, linked=linked, headline=_headline(ordered, verdicts, linked, len(all_slots)),
            gate_summary=review.summary if review is not None else "",
            gate_failed=sum(1 for r in ordered if r.gate is not None and r.gate.failed),
            gate_policy=review.policy if review is not None else "",
            documents_data=documents_data(ordered, bool(review is not None and review.policy)),
        )

    def member_html(self, member: DocumentRow) -> str:
        done = self._member_html.get(member.doc)
        if done is None:
            name = doc_name_html(member.doc)
            link = f'<a href="{escaped(DOC_ROOT + member.href)}">{name}</a>' if member.href else name
            done = self._member_html[member.doc] = f"{link} {verdict_badge(member)}"
        return done

    def pages(self) -> Iterator[DocumentPage]:
        for analysis in self.documents:
            yield self.page(analysis)

    def page(self, analysis) -> DocumentPage:
        book = self.book
        row, identity, text = self.rows[analysis.doc], self.identities.get(analysis.doc), analysis.source.text
        identity_path = identity.identity if identity is not None else ""
        top_keys = {(c.start, c.end, c.text) for c in (identity.top_clues if identity else [])}
        slots = _overlaps_all(_clamp_spans(analysis.slots, len(text)))
        revealed = self.revealed
        described = self._slot_parts
        slot_views = [(s, build_slot(s, revealed.get((s.doc, s.slot_id), []), described)) for s in slots]
        clues = _clamp_spans(analysis.clues, len(text))
        shown, hidden = choose_clues(clues, slots)
        # One view per clue, shared by the text, the clues table and the panel.
        views = {id(c): build_clue(book, c, identity_path, top_keys) for c in clues}
        clue_views = []
        for index, clue in enumerate(shown):
            view = views[id(clue)]
            for other in sorted(hidden[index], key=lambda c: (c.start, c.end, c.kind)) if index in hidden else ():
                view.tooltip += "\n" + _("also read as: {text} ({kind})").format(text=other.text,
                                                                                  kind=clue_kind_name(other.kind))
            clue_views.append((clue, view))
        drawn = {view.anchor for _, view in clue_views}
        all_clue_views = [views[id(c)] for c in clues]
        by_place = {(c.start, c.end, c.text, c.kind): c for c in clues}
        top_views = []
        for top in identity.top_clues if identity else []:
            same = by_place.get((top.start, top.end, top.text, top.kind))
            top_views.append(views[id(same)] if same == top else build_clue(book, top, identity_path, top_keys))
        for view in all_clue_views + top_views:
            if view.anchor not in drawn:
                view.anchor = ""
        slot_list = [v for _, v in slot_views]
        involved = self.involving.get(analysis.doc, [])
        differences, more = self.difference_book.page(involved, analysis.doc, DIFFERENCE_ROWS)
        group_members = sorted((m for m in self.members.get(row.group, []) if m.doc != row.doc) if row.group else [],
                               key=lambda m: m.doc)
        type_counts = _type_counts(Counter(row.type_counts))
        return DocumentPage(
            row=row, title=isolated(row.doc), sentence=verdict_sentence(book, row, identity),
            sentence_kind=row.verdict or "unlinked",
            chart=build_chart(identity) if identity is not None and row.verdict else None,
            top_clues=top_views[:PANEL_CLUES],
            more_top_clues=max(0, len(top_views) - PANEL_CLUES),
            text_html=text_html(text, slot_views, clue_views),
            slots=slot_list,
            clues=all_clue_views,
            type_counts=type_counts,
            slot_types=[t.slot_type for t in type_counts],
            clue_kinds=_ordered({c.kind for c in clues}, CLUE_KINDS),
            group_members=group_members,
            group_members_html=Markup(", ".join(self.member_html(m) for m in group_members)),
            differences=differences,
            dropped_overlaps=len(analysis.clues) - len(shown),
            slot_rows=slot_rows_html(slot_list, self._slot_row_tails),
            clue_rows=clue_rows_html(all_clue_views, self._clue_row_tails),
            n_differences=len(involved),
            difference_rows=difference_rows_html(differences, DOC_ROOT),
            more_differences=Markup(more),
            gate=row.gate,
            fix=self.review.fixes.get(analysis.doc) if self.review is not None else None,
            gate_note=(_("The gate was not applied: without the linker (scan --no-link) no document has a verdict "
                         "to judge.") if self.review is not None and row.gate is None else ""),
            in_file=tuple(_in_file_view(found, row.gate) for found in analysis.source.in_file),
        )


def _in_file_view(found: FileFinding, gate: GateView | None) -> InFileView:
    # Without a policy the default one's action: every in-file rule fails by default.
    fails = found.rule in gate.failing_rules if gate is not None else True
    description = _(KIND_DESCRIPTIONS[found.kind]) if found.kind in KIND_DESCRIPTIONS else found.kind
    return InFileView(found.rule, fails, description, found.where, found.text)


def build_views(result: "AuditResult", review: Review | None = None) -> tuple[Overview, Iterator[DocumentPage]]:
    """The overview, and the document pages one at a time; with ``review``
    (output.build_review), each document's status at the gate and what fix would mask."""
    views = ReportViews(result, review)
    return views.overview, views.pages()


def is_linked(result: "AuditResult") -> bool:
    """Whether the linker ran on ``result`` (without it no document has a verdict to judge)."""
    return result.gazetteer is not None or bool(result.identities)


def gate_view(document, policy: "Policy", isolate: PathIsolator = PathIsolator()) -> GateView:
    """A document's gate record (gate.DocumentReport) as the page shows it; ``isolate``: the
    documents' shown paths, isolated (<bdi>) in its lines."""
    by_rule: dict[str, list] = {}
    for finding in document.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    rules = []
    for rule, findings in by_rule.items():
        fails = any(f.fails for f in findings)
        lines = tuple(isolate(printable_name(f.line())) for f in findings[:GATE_FINDINGS])
        known = RULES.get(rule)
        rules.append(GateRuleView(rule, fails, _(known.short) if known else rule, lines,
                                  max(0, len(findings) - GATE_FINDINGS)))
    rules.sort(key=lambda r: not r.fails)  # stable: the gate's order within each kind
    return GateView(
        status=document.status, failed=document.failed, label=document.label,
        status_label=document.status_label,
        line=printable_name(document.status_line()),
        rules=tuple(rules), failing_rules=tuple(r.rule for r in rules if r.fails),
        policy=_("{policy}: {rules}").format(policy=policy.label(), rules=policy.describe()),
        verdict=document.verdict,
    )


def _gate_state(document) -> str:
    """"pass (at-risk, risk 15%, anonymity set 5)": a gate record in a few words."""
    if document is None:
        return ""
    identity = document.identity
    status = _("FAIL") if document.failed else status_word(document.status)
    if identity is None or not document.verdict or document.verdict == "not-anonymised":
        return status
    return _("{status} ({verdict}, risk {risk}, anonymity set {size})").format(
        status=status, verdict=verdict_word(document.verdict), risk=_percent(identity.risk),
        size=identity.anonymity_set)


def _verdict_label(verdict: str) -> str:
    return _(VERDICT_LABELS[verdict]) if verdict in VERDICT_LABELS else verdict


_MASK_REASONS = {"clue": N_("a clue to the place"), "near-duplicate-leak": N_("masked in a near-duplicate copy")}


def fix_view(planned, before) -> FixView:
    """What remediate.plan_fix found for one document (a remediate.DocumentFix)."""
    spans = planned.spans
    masks = tuple(MaskView(s.line, s.column, s.text, s.replacement,
                           s.label.replace(s.text, s.replacement, 1) if s.text in s.label else s.replacement,
                           s.label, _(_MASK_REASONS[s.reason]) if s.reason in _MASK_REASONS else s.reason)
                  for s in spans[:FIX_MASKS])
    after = _gate_state(planned.after) if spans else ""
    still = planned.after is not None and planned.after.failed
    if not before.failed:
        summary = _("Nothing: the document does not fail the policy ({status}), so auditor fix copies it "
                    "unchanged.").format(status=before.status_label)
    elif not spans:
        summary = (_("auditor fix finds nothing it can mask here: {why}.").format(why=planned.stuck) if planned.stuck
                   else _("auditor fix finds nothing it can mask here."))
    else:
        share = planned.chars_masked / max(1, planned.chars)
        runs = ngettext("{n} run", "{n} runs", len(spans)).format(n=len(spans))
        clues = ngettext("{n} clue", "{n} clues", len(planned.masked)).format(n=len(planned.masked))
        summary = _("auditor fix would mask {runs} of clear text ({clues}), {masked} of {chars} characters "
                    "({share:.2%}); the masked copy would then be {after}.").format(
            runs=runs, clues=clues, masked=planned.chars_masked, chars=planned.chars, share=share, after=after)
    return FixView(summary, masks, max(0, len(spans) - FIX_MASKS), len(spans), planned.chars_masked, after,
                   planned.stuck if still else "")


def _headline(rows: list[DocumentRow], verdicts: Counter, linked: bool, n_slots: int) -> str:
    n = len(rows)
    docs = ngettext("{n} document", "{n} documents", n).format(n=n)
    if not linked:
        slots = ngettext("{n} redaction slot", "{n} redaction slots", n_slots).format(n=n_slots)
        return _("{documents}, {slots}; identities not inferred.").format(documents=docs, slots=slots)
    parts = [_("{n} {verdict}").format(n=verdicts[v], verdict=_(VERDICT_LABELS[v]).lower())
             for v in VERDICTS if verdicts.get(v)]
    parts += [f"{verdicts[v]} {v}" for v in sorted(verdicts) if v not in VERDICT_LABELS]
    not_checked = sum(1 for r in rows if r.status in NOT_CHECKED_STATUSES)
    if not_checked:  # never a pass: the headline must not leave them out
        parts.append(_("{n} not checked").format(n=not_checked))
    return _("Of {documents}: {parts}.").format(documents=docs, parts=listing(parts))
