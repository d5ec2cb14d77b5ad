"""The HTML report: an overview page and one page per document.

The :class:`~auditor.scan.AuditResult` is first turned into plain view-model
records (the dataclasses below), which Jinja2 then renders with autoescaping,
so every piece of document text reaches the page as escaped text. The report
is self-contained (CSS and JS inline, no network) so it opens from file://,
and deterministic: the same result gives the same bytes.
"""
from __future__ import annotations

import base64
import contextlib
import functools
import gc
import hashlib
import json
import re
import time
from array import array
import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup, escape

from . import __version__
from .runner import Batch, Runner, chunks
from .gate import RULES
from .loading import printable_name
from .records import NOT_CHECKED_STATUSES, READ_STATUSES, Clue, Identity, Inconsistency, Slot, SourceText
from .risk import VERDICTS

if TYPE_CHECKING:
    from .gate import GateReport, Policy
    from .remediate import FixPlan
    from .result import AuditResult

SLOT_TYPES = ("place", "number", "year", "date", "ordinal", "code", "person", "formula", "unknown")
SLOT_TYPE_LABELS = {"place": "P", "number": "N", "year": "Y", "date": "D", "ordinal": "O", "code": "C",
                    "person": "H", "formula": "F", "unknown": "?"}
CLUE_KINDS = ("admin", "abbreviation", "landmark", "zone", "old-name", "geography", "code", "unverified")
VERDICT_LABELS = {
    "re-identified": "Re-identified",
    "at-risk": "At risk",
    "protected": "Protected",
    "not-anonymised": "Not anonymised",
}
CHART_CANDIDATES = 10
PANEL_CLUES = 10
SENTENCE_CLUES = 5
CONTEXT_CHARS = 16
# A document among many copies of one text can differ from them in thousands
# of places; the page draws this many as rows and keeps the rest as data that
# the page's script turns into rows when the reader asks for them.
DIFFERENCE_ROWS = 100
# A rule of the gate can fire on hundreds of clues of a long text: a page
# lists this many of its findings, and this many of the runs fix would mask.
GATE_FINDINGS = 20
FIX_MASKS = 500
# Pages go to forked writers in tasks of this many (a page takes milliseconds).
PAGES_PER_TASK = 8
ROW_CACHE_SIZE = 1 << 16  # marked-up table rows kept from page to page
# The text and the long tables of a page go to it in pieces of this many
# marks or rows: one string for the text of a 100 MB file, with the page
# around it, was several times the file's size at once.
PIECE_PARTS = 4096
DOC_ROOT = "../"  # from a document's page (docs/*.html) to the report's folder
# Display only: a unit is named without its administrative suffix in
# sentences ("town of 原平"), as people say it. Longest suffixes first.
_ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道", "地区", "林区", "新区",
                   "省", "市", "县", "区", "旗", "盟", "州", "镇", "乡")


# --------------------------------------------------------------------------
# View-model records: everything the templates show, already formatted.


@dataclass(slots=True)
class SlotView:
    slot_id: str
    anchor: str  # element id of the slot in the text
    slot_type: str
    type_label: str  # one-letter label, the non-colour cue of the type
    detail: str  # unit or place level
    rule: str
    mask: str
    line: int
    column: int
    left_context: str
    right_context: str
    recovered: str
    confidence: str  # '' when nothing was recovered
    confidence_value: float  # for sorting; -1 when nothing was recovered
    evidence: str
    leak: bool
    revealed_elsewhere: list[str]  # "readable in 001.txt as 原平"
    tooltip: str


@dataclass(slots=True)
class ClueView:
    anchor: str  # element id of the clue in the text ('' when not drawn there)
    kind: str
    text: str
    line: int
    level: str
    places: str  # the candidate places, described
    n_candidates: int
    weight: str
    weight_value: float
    rule: str
    elsewhere: bool
    top: bool  # among the clues the identity rests on
    tooltip: str


@dataclass
class Bar:
    label: str  # shortened for the chart
    path: str
    level: str
    probability: float
    percent: str
    y: int
    width: float
    chosen: bool


@dataclass
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_area: int
    summary: str
    common: str  # the part of the path all bars share, shown once above them


@dataclass(slots=True)
class SideBySide:
    """One redaction that differs between two copies of a text."""

    slot_id: str
    anchor: str  # '' when the slot is in the other document
    slot_type: str
    masked_doc: str
    masked_href: str
    masked_before: str
    masked: str
    masked_after: str
    revealed_doc: str
    revealed_href: str
    revealed_before: str
    revealed: str
    revealed_after: str
    here_masked: bool  # True: masked in this document, readable in the other


@dataclass
class TypeCount:
    slot_type: str
    type_label: str
    count: int
    percent: float


@dataclass(frozen=True)
class GateRuleView:
    """One rule of the policy that fired on a document, with what `auditor check` says of it."""

    rule: str  # its name in policy.toml
    fails: bool  # the policy's action is fail (else the finding is only reported)
    reason: str  # the rule's one-line reason
    findings: tuple[Markup, ...]  # the first GATE_FINDINGS lines `auditor check` prints for it, paths in <bdi>
    more: int  # the lines left out


@dataclass(frozen=True)
class GateView:
    """A document's status at the gate, from gate.evaluate's record."""

    status: str  # pass | fail | not-anonymised | not-checked | skipped | empty
    failed: bool
    label: str  # pass | FAIL | not anonymised | …, as `auditor check` labels it
    status_label: str  # the status in words (not checked), failing or not
    line: str  # the document's summary line of `auditor check`, without the path
    rules: tuple[GateRuleView, ...]  # failing rules first
    failing_rules: tuple[str, ...]
    policy: str  # which policy, and what it fails
    verdict: str = ""  # the identity's verdict under the policy's K ('' without one)


@dataclass(frozen=True)
class MaskView:
    """One run of clear text `auditor fix` would mask."""

    line: int
    column: int
    text: str
    replacement: str
    reads: str  # the clue as it would read (崞阳古城 -> ×古城)
    label: str  # the clue
    reason: str


@dataclass(frozen=True)
class FixView:
    """What `auditor fix` would do to a document (remediate.plan_fix's record)."""

    summary: str
    masks: tuple[MaskView, ...]  # the first FIX_MASKS, in text order
    more: int
    n_masks: int
    chars_masked: int
    after: str  # the gate's status on the masked copy ('' when fix leaves it as it is)
    not_fixed: str  # why the masked copy would still fail


@dataclass(frozen=True)
class Review:
    """The gate's status and fix's plan for every document: plain values, computed before any page is drawn."""

    policy: str
    summary: str  # the last line of `auditor check`
    gates: dict[str, GateView]
    fixes: dict[str, FixView]
    evaluated: bool  # False when the linker did not run: readable documents then have no status


@dataclass
class DocumentRow:
    """One document as the overview shows it (readable or not)."""

    doc: str
    href: str  # '' when the document has no page
    status: str
    message: str
    encoding: str
    chars: int
    n_slots: int
    n_leaks: int
    type_counts: dict[str, int]
    verdict: str  # '' when not linked, or when unreadable
    verdict_label: str
    identity: str
    identity_level: str
    risk: str  # the probability that a reader's best guess of the hidden place is right
    risk_value: float
    anonymity_set: str
    anonymity_value: int
    group: str
    n_clues: int
    gate: GateView | None = None  # None when the report was made without a policy

    @property
    def audited(self) -> bool:
        """Read as text (a repaired file too), so audited."""
        return self.status in READ_STATUSES


@dataclass
class GroupView:
    group: str
    members: list[DocumentRow]
    n_differences: int


@dataclass
class DocumentPage:
    row: DocumentRow
    title: str
    sentence: str
    sentence_kind: str  # verdict, or 'unlinked'
    chart: Chart | None
    top_clues: list[ClueView]
    more_top_clues: int
    text_html: Iterator[Markup]  # the text, its slots and clues marked up, in pieces read once (see text_html)
    slots: list[SlotView]
    clues: list[ClueView]
    type_counts: list[TypeCount]
    slot_types: list[str]
    clue_kinds: list[str]
    group_members: list[DocumentRow]
    group_members_html: Markup  # the same, linked, with their verdicts
    differences: list[SideBySide]  # the first DIFFERENCE_ROWS of them
    n_differences: int
    dropped_overlaps: int
    # The long tables, marked up in Python (see slot_rows_html): a template
    # loop over hundreds of rows was most of the time a page took.
    slot_rows: Iterator[Markup]  # in pieces, read once, as text_html
    clue_rows: Iterator[Markup]
    difference_rows: Markup  # the differences above
    more_differences: Markup  # the others, as JSON that cannot leave its <script> ('' when none)
    gate: GateView | None = None  # None when the report was made without a policy
    fix: FixView | None = None  # None without a policy, or when the linker did not run
    gate_note: str = ""  # why a report made with a policy shows no status for this document


@dataclass
class Overview:
    rows: list[DocumentRow]
    readable: int
    problems: list[DocumentRow]
    n_slots: int
    n_leaks: int
    type_counts: list[TypeCount]
    verdict_counts: list[tuple[str, str, int]]
    verdicts_present: list[str]
    groups: list[GroupView]
    linked: bool
    headline: str
    gate_summary: str = ""  # the last line of `auditor check` ('' without a policy)
    gate_failed: int = 0  # documents that fail the policy
    gate_policy: str = ""


@dataclass
class Site:
    """Everything shared by the pages: version, time stamp, inline assets."""

    version: str
    generated_at: str | None
    css: Markup
    js: Markup
    csp: str


# --------------------------------------------------------------------------
# Building the view models.


def page_name(doc: str, taken: set[str]) -> str:
    """A file name for a document's page: readable when the name is plain
    ASCII, made unique with a digest otherwise (and on case-folded clashes)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", doc).strip("._-")[:80]
    if not slug or slug != doc or slug.lower() in taken:
        slug = f"{slug or 'doc'}-{hashlib.sha1(doc.encode('utf-8')).hexdigest()[:10]}"
    taken.add(slug.lower())
    return slug + ".html"


def short_name(unit: str) -> str:
    for suffix in _ADMIN_SUFFIXES:
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
                paths.append(f"unit {uid}")
        return paths


def describe_clue(clue: Clue, paths: list[str], identity: str) -> str:
    """"town of 原平", "abbreviation of 原平": what the clue says about the place."""
    if not paths:
        return clue.level or clue.kind
    def within(inner: str, outer: str) -> bool:
        return inner == outer or inner.startswith(outer.rstrip("/") + "/")

    consistent = [p for p in paths if identity and (within(p, identity) or within(identity, p))]
    path = (consistent or paths)[0]
    parts = [p for p in path.split("/") if p]
    if not parts:
        return clue.level or clue.kind
    # The candidate is either the named unit itself (崞阳 → …/原平市/崞阳镇) or
    # the unit that holds it (a landmark → …/原平市): speak of the holder.
    names_itself = parts[-1].startswith(clue.text) or clue.text.startswith(short_name(parts[-1]))
    holder = parts[-2] if names_itself and len(parts) > 1 else parts[-1]
    if clue.kind == "abbreviation":
        return f"abbreviation of {short_name(parts[-1])}"
    if clue.kind == "landmark":
        return f"landmark in {short_name(holder)}"
    if clue.kind == "zone":
        return f"zone hosted by {short_name(holder)}"
    if clue.kind == "old-name":
        return f"old name of {short_name(holder)}"
    if clue.kind in ("geography", "code"):
        return clue.said  # "about 120 km from 陕西省/西安市 …: 37 counties fit"
    if names_itself and len(parts) == 1:
        return clue.level or clue.kind
    return f"{clue.level} of {short_name(holder)}" if clue.level else f"in {short_name(holder)}"


def _places_text(paths: list[str], n_candidates: int, limit: int = 5) -> str:
    if paths:
        shown = "; ".join(paths[:limit])
        return shown + (f"; +{len(paths) - limit} more" if len(paths) > limit else "")
    if n_candidates:
        return f"{n_candidates} candidate place(s)"
    return "no known place"


def clue_tooltip(clue: Clue, places: str, top: bool) -> str:
    lines = [f"Clue: {clue.text}", f"kind: {clue.kind}" + (f" ({clue.level})" if clue.level else "")]
    lines.append(f"points to: {places}")
    lines.append(f"weight: {clue.weight:.2f}")
    if clue.rule:
        lines.append(f"rule: {clue.rule}")
    if clue.elsewhere:
        lines.append("named as a place other than the document's own")
    if clue.short_form:
        lines.append("an administrative name without its suffix")
    if top:
        lines.append("one of the clues the identity rests on")
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


def build_slot(slot: Slot, revealed: list[str], described: dict | None = None) -> SlotView:
    """A slot's view. ``described``, kept from page to page, holds what does
    not depend on the slot's id and position: copies of a text repeat it."""
    key = (slot.slot_type, slot.unit, slot.place_level, slot.rule, slot.recovered, slot.recovered_confidence,
           slot.recovered_evidence, slot.left_context, slot.right_context, tuple(revealed))
    parts = described.get(key) if described is not None else None
    if parts is None:
        parts = _slot_parts(slot, revealed)
        if described is not None:
            if len(described) > ROW_CACHE_SIZE:
                described.clear()
            described[key] = parts
    detail, kind, rule, confidence, confidence_value, rest, left, right = parts
    return SlotView(
        slot.slot_id, f"slot-{slot.slot_id}", slot.slot_type, SLOT_TYPE_LABELS.get(slot.slot_type, "?"), detail,
        slot.rule, slot.mask, slot.line, slot.column, left, right,
        slot.recovered, confidence, confidence_value, slot.recovered_evidence, slot.leak, revealed,
        f"{slot.slot_id} · {kind}\nline {slot.line}, column {slot.column}{rule}\n{rest}",
    )


def _slot_parts(slot: Slot, revealed: list[str]) -> tuple:
    if slot.slot_type == "number":
        detail, described = slot.unit, f"unit {slot.unit}" if slot.unit else ""
    elif slot.slot_type == "place":
        detail, described = slot.place_level, f"{slot.place_level} level" if slot.place_level else ""
    else:
        detail, described = "", ""
    recovered, value = slot.recovered, slot.recovered_confidence
    confidence = "" if value is None else _percent(value)
    lines = []
    if recovered:
        lines.append(f"recovered: {recovered}" + (f" ({confidence})" if confidence else ""))
        if slot.recovered_evidence:
            lines.append(f"evidence: {slot.recovered_evidence}")
    else:
        lines.append("not recovered")
    if slot.leak:
        lines.append("LEAK: the hidden value can be read back")
    lines.extend(revealed)
    return (detail, slot.slot_type + (f", {described}" if described else ""),
            f" · rule {slot.rule}" if slot.rule else "", confidence, -1.0 if value is None else round(value, 6),
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


def _plain(value: str) -> bool:
    return not ("&" in value or "<" in value or ">" in value or '"' in value or "'" in value)


def _h(value: str) -> str:
    """escape() for the loops over every slot and clue: most strings need no
    escaping, and asking is several times cheaper than making a Markup."""
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return str(escape(value))
    return value


def _in_pieces(parts_of):
    """Makes a generator of marked-up strings yield them joined, PIECE_PARTS
    at a time, as Markup: the page is written as it is made (see _write_page)
    and never holds a whole text or table, yet is joined in C."""
    @functools.wraps(parts_of)
    def pieces(*args, **kwargs) -> Iterator[Markup]:
        parts = parts_of(*args, **kwargs)
        while chunk := list(islice(parts, PIECE_PARTS)):
            yield Markup("".join(chunk))
    return pieces


@_in_pieces
def text_html(text: str, slots: list[tuple[Slot, SlotView]], clues: list[tuple[Clue, ClueView]]) -> Iterator[str]:
    """The document text with its slots and clues marked up: plain runs, slots
    and clues, whose text read in order is the document's. The largest part
    of a page, built here rather than in a template loop, which is several
    times slower on a long text. Every piece of text and attribute is escaped.
    Yields Markup pieces (see _in_pieces), to be read once."""
    spans = sorted([(s.start, s.end, 0, i) for i, (s, _) in enumerate(slots)]
                   + [(c.start, c.end, 1, i) for i, (c, _) in enumerate(clues)])
    # Most texts have nothing to escape, and then no piece of them has either.
    cut = str if _plain(text) else _h
    # The opening of a mark up to its id depends on a few values only: made
    # once per combination rather than once per slot or clue.
    openings: dict[tuple, str] = {}
    position = 0
    for start, end, is_clue, index in spans:
        if start < position:  # overlapping spans (slots on slots) cannot both be drawn
            continue
        if start > position:
            yield cut(text[position:start])
        run = cut(text[start:end])
        if is_clue:
            v = clues[index][1]
            key = (v.kind, v.top, v.elsewhere)
            opening = openings.get(key)
            if opening is None:
                kind = _h(v.kind)
                classes = f"clue clue-{kind}" + (" top-clue" if v.top else "") + (" elsewhere" if v.elsewhere else "")
                opening = openings[key] = f'<span class="{classes}" data-clue="{kind}" tabindex="0" id="'
            yield f'{opening}{_h(v.anchor)}" title="{_h(v.tooltip)}">{run}</span>'
        else:
            v = slots[index][1]
            key = (v.slot_type, v.type_label, v.leak, bool(v.revealed_elsewhere))
            opening = openings.get(key)
            if opening is None:
                slot_type = _h(v.slot_type)
                classes = (f"slot slot-{slot_type}" + (" leak" if v.leak else "")
                           + (" revealed-elsewhere" if v.revealed_elsewhere else ""))
                opening = openings[key] = (f'<mark class="{classes}" data-type="{slot_type}" data-leak="{1 if v.leak else 0}" '
                                           f'data-label="{_h(v.type_label)}" tabindex="0" id="')
            yield f'{opening}{_h(v.anchor)}" data-slot-id="{_h(v.slot_id)}" title="{_h(v.tooltip)}">{run}</mark>'
        position = end
    if position < len(text):
        yield cut(text[position:])


def doc_name_html(doc: str) -> str:
    """A document name wherever the report shows one: isolated, so that
    direction controls in it (U+202E…) cannot reorder the text around it."""
    # A line may break after a folder's "/", so a name never breaks mid-part where it fits.
    return f'<bdi class="name">{_h(doc).replace("/", "/<wbr>")}</bdi>'


def isolated(doc: str) -> str:
    """A document name in plain text (a title, a tooltip): U+2068…U+2069 are
    what <bdi> is to markup."""
    return f"\u2068{doc}\u2069"


def type_tag_html(slot_type: str) -> str:
    """The type of a slot as a tag; its one-letter label is drawn by the CSS."""
    slot_type = _h(slot_type)
    return f'<span class="type-tag tag-{slot_type}">{slot_type}</span>'


def sortable_th(label: str, kind: str = "text", cls: str = "") -> Markup:
    """A column header that sorts its table (see report.js)."""
    classes = f' class="{_h(cls)}"' if cls else ""
    return Markup(f'<th scope="col" data-type="{_h(kind)}"{classes}><button type="button" class="sort">{_h(label)}'
                  '<span class="sort-icon" aria-hidden="true"></span></button></th>')


def verdict_badge(row: DocumentRow) -> Markup:
    """A document's verdict, or why it has none. This and the other small
    pieces the templates repeat are functions rather than macros: a macro
    call costs many times more, and some are called per document."""
    if not row.audited:
        return Markup(f'<span class="badge badge-problem">{_h(row.status)}</span>')
    if row.verdict:
        return Markup(f'<span class="badge badge-{_h(row.verdict)}">{_h(row.verdict_label)}</span>')
    return Markup('<span class="badge badge-none">not linked</span>')


def gate_badge(row: DocumentRow) -> Markup:
    """A document's status at the gate, and the rules that fail it ('' without a policy)."""
    gate = row.gate
    if gate is None:
        return Markup("")
    if gate.failed:
        rules = ", ".join(_h(rule) for rule in gate.failing_rules)
        return Markup(f'<span class="badge badge-gate-fail">FAIL</span>'
                      + (f' <span class="gate-rules-inline">{rules}</span>' if rules else ""))
    kind = "pass" if gate.status == "pass" else "note"
    return Markup(f'<span class="badge badge-gate-{kind}">{_h(gate.label)}</span>')


# The slots, clues and differences tables have hundreds of rows on a page.
# They are marked up here (a template loop with a macro per cell took most of
# a page's time) and style their columns by position in the CSS rather than
# with a class on every cell. Every piece of text goes through _h().


def _escape_cache():
    """_h for the values that recur from row to row (types, rules, units, the
    evidence of a recovery): each is escaped once per table."""
    cache: dict[str, str] = {}

    def escaped(value: str) -> str:
        done = cache.get(value)
        if done is None:
            done = cache[value] = _h(value)
        return done

    return escaped


@_in_pieces
def slot_rows_html(slots: list[SlotView], tails: dict | None = None) -> Iterator[str]:
    """The slots table's rows, in Markup pieces as text_html. ``tails``, kept
    from page to page, holds the part of a row after its position: copies of
    a text repeat a slot's surroundings, recovery and rule, and the cells are
    then marked up once."""
    h = _escape_cache()
    tails = {} if tails is None else tails
    if len(tails) > ROW_CACHE_SIZE:
        tails.clear()
    openings: dict[tuple[str, bool], str] = {}  # the part of a row that depends on type and leak only
    for s in slots:
        opening = openings.get((s.slot_type, s.leak))
        if opening is None:
            slot_type, leak = h(s.slot_type), 1 if s.leak else 0
            flagged = ' class="row-leak"' if leak else ""
            opening = openings[(s.slot_type, s.leak)] = (
                f'<tr data-type="{slot_type}" data-leak="{leak}"{flagged}><td><a href="#'
            )
        key = (s.slot_type, s.leak, s.detail, s.left_context, s.mask, s.right_context, s.recovered, s.evidence,
               s.confidence, s.confidence_value, s.rule)
        tail = tails.get(key)
        if tail is None:
            slot_type, leak = h(s.slot_type), 1 if s.leak else 0
            evidence = f"<div>{h(s.evidence)}</div>" if s.evidence else ""
            tail = tails[key] = (
                f'</td><td><span class="type-tag tag-{slot_type}">{slot_type}</span></td><td>'
                f"{h(s.detail)}</td><td><span>{_h(s.left_context)}</span>"
                f'<mark class="slot slot-{slot_type}">{h(s.mask)}</mark>'
                f"<span>{_h(s.right_context)}</span></td><td>{h(s.recovered)}{evidence}</td>"
                f'<td data-sort="{s.confidence_value}">{h(s.confidence)}</td>'
                f'<td data-sort="{leak}">{"<strong>leak</strong>" if leak else ""}</td><td>{h(s.rule)}</td></tr>\n'
            )
        yield (f'{opening}{_h(s.anchor)}">{_h(s.slot_id)}</a></td>'
               f'<td data-sort="{s.line}.{s.column:06d}">{s.line}:{s.column}{tail}')


@_in_pieces
def clue_rows_html(clues: list[ClueView], tails: dict | None = None) -> Iterator[str]:
    """The clues table's rows; pieces and ``tails`` as for :func:`slot_rows_html`."""
    tails = {} if tails is None else tails
    if len(tails) > ROW_CACHE_SIZE:
        tails.clear()
    for c in clues:
        kind, text = _h(c.kind), _h(c.text)
        name = f'<a href="#{_h(c.anchor)}">{text}</a>' if c.anchor else text
        key = (c.kind, c.level, c.places, c.weight_value, c.weight, c.rule)
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = (
                f'<td><span class="kind-tag">{kind}</span></td>'
                f"<td>{_h(c.level)}</td>"
                f"<td>{_h(c.places)}</td>"
                f'<td data-sort="{c.weight_value}">{_h(c.weight)}</td>'
                f"<td>{_h(c.rule)}</td></tr>\n"
            )
        yield (
            f'<tr data-kind="{kind}">'
            f'<td><span class="clue clue-{kind}{" top-clue" if c.top else ""}">{name}</span>'
            f'{" <small>(another place)</small>" if c.elsewhere else ""}</td>'
            f"<td>{c.line}</td>{tail}"
        )


def _copy_html(here: bool, doc: str, href: str, root: str) -> str:
    if here:
        return "this document"
    if href:
        return f'<a href="{_h(root + href)}">{doc_name_html(doc)}</a>'
    return doc_name_html(doc)


def difference_rows_html(differences: list[SideBySide], root: str) -> Markup:
    out = []
    for d in differences:
        slot = f'<a href="#{_h(d.anchor)}">{_h(d.slot_id)}</a>' if d.anchor else _h(d.slot_id)
        kind = f"<br>{type_tag_html(d.slot_type)}" if d.slot_type else ""
        masked_doc = _copy_html(d.here_masked, d.masked_doc, d.masked_href, root)
        revealed_doc = _copy_html(not d.here_masked, d.revealed_doc, d.revealed_href, root)
        out.append(
            f"<tr><td>{slot}{kind}</td>"
            f'<td><div class="diff-doc">{masked_doc}</div><div class="snippet" lang="zh-CN">{_h(d.masked_before)}'
            f'<span class="masked">{_h(d.masked)}</span>{_h(d.masked_after)}</div></td>'
            f'<td><div class="diff-doc">{revealed_doc}</div><div class="snippet" lang="zh-CN">{_h(d.revealed_before)}'
            f'<span class="revealed">{_h(d.revealed)}</span>{_h(d.revealed_after)}</div></td></tr>\n'
        )
    return Markup("".join(out))


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
    parts = [f"{c.text} ({describe_clue(c, book.paths(c.candidates), identity.identity)})" for c in clues]
    return ", ".join(parts)


def verdict_sentence(book: PlaceBook, row: DocumentRow, identity: Identity | None) -> str:
    sentence = _verdict_sentence(book, row, identity)
    if row.audited and identity is not None and identity.mask_lengths:
        # The mask-length channel: say why candidates of another length stand lower.
        sentence += f" {identity.mask_lengths[:1].upper()}{identity.mask_lengths[1:]}."
    return sentence


def _verdict_sentence(book: PlaceBook, row: DocumentRow, identity: Identity | None) -> str:
    if not row.audited:
        return f"Not audited: the file is {row.status}" + (f" ({row.message})." if row.message else ".")
    if identity is None or not identity.verdict:
        slots = f"{row.n_slots} redaction slot{'s' if row.n_slots != 1 else ''} found"
        return f"{slots}; no identity was inferred (the linker did not run on this result)."
    place = display_path(identity.identity) or "no single place"
    top = identity.top_clues[:SENTENCE_CLUES]
    more = " …" if len(identity.top_clues) > SENTENCE_CLUES else ""
    clues = _describe_top(book, identity, top)
    # The risk: the probability that a reader's best single guess of the place is right.
    risk = _percent(identity.risk)
    if identity.verdict == "re-identified":
        return f"Re-identified: most likely {place}, risk {risk}" + (f": {clues}{more}" if clues else ".")
    if identity.verdict == "at-risk":
        others = (f", one of {identity.anonymity_set} places a reader cannot tell apart"
                  if identity.anonymity_set > 1 else "")
        return (f"At risk: most likely {place} (risk {risk}{others})"
                + (f"; clues: {clues}{more}" if clues else "."))
    if identity.verdict == "protected":
        setsize = (f"{identity.anonymity_set} places a reader cannot tell apart" if identity.anonymity_set
                   else "no place stands out")
        best = f"; best guess {place}, risk {risk}" if identity.identity else ""
        return f"Protected: {setsize}{best}."
    if identity.verdict == "not-anonymised":
        own = _describe_top(book, identity, identity.names_own_place[:SENTENCE_CLUES]) or clues
        return f"Not anonymised: the text names its own place, {place}" + (f": {own}." if own else ".")
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
        return shown, _json({"docs": links, "snippets": list(snippets), "rows": rows})


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
            revealed[(inc.doc, inc.slot_id)].append(f"readable in {isolated(inc.other_doc)} as {inc.revealed}")
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
                verdict_label=VERDICT_LABELS.get(identity.verdict, identity.verdict) if linked else "",
                identity=display_path(identity.identity) if linked else "",
                identity_level=identity.identity_level if linked else "",
                risk=_percent(identity.risk) if linked and identity.verdict != "not-anonymised" else "",
                risk_value=round(identity.risk, 6) if linked else -1.0,
                anonymity_set=str(identity.anonymity_set) if linked and identity.anonymity_set else "",
                anonymity_value=identity.anonymity_set if linked else -1,
                group=identity.group if identity is not None else "",
                n_clues=len(analysis.clues),
                gate=gate,
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
        self._slot_parts: dict[tuple, tuple] = {}  # see build_slot
        self._slot_row_tails: dict[tuple, str] = {}  # see slot_rows_html
        self._clue_row_tails: dict[tuple, str] = {}

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
            verdict_counts=[(v, VERDICT_LABELS[v], verdicts[v]) for v in VERDICTS if verdicts.get(v)]
            + [(v, v, verdicts[v]) for v in sorted(verdicts) if v not in VERDICT_LABELS],
            verdicts_present=[v for v in VERDICTS if verdicts.get(v)]
            + sorted(v for v in verdicts if v not in VERDICT_LABELS),
            groups=groups, linked=linked, headline=_headline(ordered, verdicts, linked, len(all_slots)),
            gate_summary=review.summary if review is not None else "",
            gate_failed=sum(1 for r in ordered if r.gate is not None and r.gate.failed),
            gate_policy=review.policy if review is not None else "",
        )

    def member_html(self, member: DocumentRow) -> str:
        done = self._member_html.get(member.doc)
        if done is None:
            name = doc_name_html(member.doc)
            link = f'<a href="{_h(DOC_ROOT + member.href)}">{name}</a>' if member.href else name
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
                view.tooltip += f"\nalso read as: {other.text} ({other.kind})"
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
            gate_note=("The gate was not applied: without the linker (scan --no-link) no document has a verdict "
                       "to judge." if self.review is not None and row.gate is None else ""),
        )


def build_views(result: "AuditResult", review: Review | None = None) -> tuple[Overview, Iterator[DocumentPage]]:
    """The overview, and the document pages one at a time; with ``review``
    (output.build_review), each document's status at the gate and what fix would mask."""
    views = ReportViews(result, review)
    return views.overview, views.pages()


# --------------------------------------------------------------------------
# The gate and the fix, as plain values for the pages.


def is_linked(result: "AuditResult") -> bool:
    """Whether the linker ran on ``result`` (without it no document has a verdict to judge)."""
    return result.gazetteer is not None or bool(result.identities)


def gate_view(document, policy: "Policy", paths: tuple[str, ...] = ()) -> GateView:
    """A document's gate record (gate.DocumentReport) as the page shows it;
    ``paths``, the documents' shown paths, are isolated (<bdi>) in its lines."""
    by_rule: dict[str, list] = {}
    for finding in document.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    rules = []
    for rule, findings in by_rule.items():
        fails = any(f.fails for f in findings)
        lines = tuple(_isolating_paths(printable_name(f.line()), paths) for f in findings[:GATE_FINDINGS])
        known = RULES.get(rule)
        rules.append(GateRuleView(rule, fails, known.short if known else rule, lines,
                                  max(0, len(findings) - GATE_FINDINGS)))
    rules.sort(key=lambda r: not r.fails)  # stable: the gate's order within each kind
    return GateView(
        status=document.status, failed=document.failed, label=document.label,
        status_label=document.status_label,
        line=printable_name(document.status_line()),
        rules=tuple(rules), failing_rules=tuple(r.rule for r in rules if r.fails),
        policy=f"{policy.label()}: {policy.describe()}",
        verdict=document.verdict,
    )


def _isolating_paths(line: str, paths: tuple[str, ...]) -> Markup:
    """``line`` as markup, each document path in it (longest first) in <bdi>:
    a name holding U+202E must not turn the rest of the line around."""
    if not paths:
        return Markup(escape(line))
    pattern = re.compile("|".join(re.escape(p) for p in paths if p))
    out, at = [], 0
    for match in pattern.finditer(line):
        out.append(escape(line[at:match.start()]))
        out.append(Markup(f"<bdi>{escape(match.group())}</bdi>"))
        at = match.end()
    out.append(escape(line[at:]))
    return Markup("").join(out)


def _gate_state(document) -> str:
    """"pass (at-risk, risk 15%, anonymity set 5)": a gate record in a few words."""
    if document is None:
        return ""
    identity = document.identity
    status = "FAIL" if document.failed else document.status
    if identity is None or not document.verdict or document.verdict == "not-anonymised":
        return status
    return f"{status} ({document.verdict}, risk {_percent(identity.risk)}, anonymity set {identity.anonymity_set})"


_MASK_REASONS = {"clue": "a clue to the place", "near-duplicate-leak": "masked in a near-duplicate copy"}


def fix_view(planned, before) -> FixView:
    """What remediate.plan_fix found for one document (a remediate.DocumentFix)."""
    spans = planned.spans
    masks = tuple(MaskView(s.line, s.column, s.text, s.replacement,
                           s.label.replace(s.text, s.replacement, 1) if s.text in s.label else s.replacement,
                           s.label, _MASK_REASONS.get(s.reason, s.reason)) for s in spans[:FIX_MASKS])
    after = _gate_state(planned.after) if spans else ""
    still = planned.after is not None and planned.after.failed
    if not before.failed:
        summary = (f"Nothing: the document does not fail the policy ({before.status_label}),"
                   " so auditor fix copies it unchanged.")
    elif not spans:
        summary = "auditor fix finds nothing it can mask here" + (f": {planned.stuck}." if planned.stuck else ".")
    else:
        share = planned.chars_masked / max(1, planned.chars)
        runs = f"{len(spans)} run{'s' if len(spans) != 1 else ''}"
        clues = f"{len(planned.masked)} clue{'s' if len(planned.masked) != 1 else ''}"
        summary = (f"auditor fix would mask {runs} of clear text ({clues}), {planned.chars_masked} of "
                   f"{planned.chars} characters ({share:.2%}); the masked copy would then be {after}.")
    return FixView(summary, masks, max(0, len(spans) - FIX_MASKS), len(spans), planned.chars_masked, after,
                   planned.stuck if still else "")


def _headline(rows: list[DocumentRow], verdicts: Counter, linked: bool, n_slots: int) -> str:
    n = len(rows)
    docs = f"{n} document{'s' if n != 1 else ''}"
    if not linked:
        return f"{docs}, {n_slots} redaction slot{'s' if n_slots != 1 else ''}; identities not inferred."
    parts = [f"{verdicts[v]} {VERDICT_LABELS[v].lower()}" for v in VERDICTS if verdicts.get(v)]
    parts += [f"{verdicts[v]} {v}" for v in sorted(verdicts) if v not in VERDICT_LABELS]
    not_checked = sum(1 for r in rows if r.status in NOT_CHECKED_STATUSES)
    if not_checked:  # never a pass: the headline must not leave them out
        parts.append(f"{not_checked} not checked")
    return f"Of {docs}: " + ", ".join(parts) + "."


# --------------------------------------------------------------------------
# Rendering.


def _asset(name: str) -> str:
    return resources.files("auditor.templates").joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """One environment per process: its templates are compiled once."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["SLOT_TYPE_LABELS"] = SLOT_TYPE_LABELS
    env.globals["verdict_badge"] = verdict_badge
    env.globals["gate_badge"] = gate_badge
    env.globals["th"] = sortable_th
    env.globals["type_tag"] = lambda slot_type: Markup(type_tag_html(slot_type))
    env.globals["doc_name"] = lambda doc: Markup(doc_name_html(doc))
    return env


def _site(generated_at: str | None) -> Site:
    css, js = _asset("report.css"), _asset("report.js")
    # A hash-pinned script policy: even if some text escaped its escaping, no
    # inline handler or injected script could run.
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src data:"
    return Site(version=__version__, generated_at=generated_at, css=Markup(css), js=Markup(js), csp=csp)


class PageRenderer:
    """The views and the compiled templates: the HTML of every page."""

    def __init__(self, result: "AuditResult", generated_at: str | None = None, review: Review | None = None) -> None:
        self.views = ReportViews(result, review)
        env, self.site = _environment(), _site(generated_at)
        self._index, self._document = env.get_template("index.html"), env.get_template("document.html")

    def index_html(self) -> str:
        return "".join(self.index_pieces())

    def index_pieces(self) -> Iterator[str]:
        return self._index.generate(site=self.site, view=self.views.overview, root="")

    def page_html(self, analysis) -> tuple[str, str]:
        """(relative path, html) of one document's page."""
        relative, pieces = self.page_pieces(analysis)
        return relative, "".join(pieces)

    def page_pieces(self, analysis) -> tuple[str, Iterator[str]]:
        """(relative path, the html in pieces as it is made) of one document's page."""
        page = self.views.page(analysis)
        return page.row.href, self._document.generate(site=self.site, page=page, root=DOC_ROOT)


def render_pages(result: "AuditResult", generated_at: str | None = None,
                 review: Review | None = None) -> Iterator[tuple[str, str]]:
    """Yields (relative path, html) for the overview, then page by page; with
    ``review`` (output.build_review), the pages show the gate's status and what fix would mask."""
    renderer = PageRenderer(result, generated_at, review)
    yield "index.html", renderer.index_html()
    for analysis in renderer.views.documents:
        yield renderer.page_html(analysis)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Rendering makes millions of short-lived objects, and each time the cycle
    collector gets to its oldest generation it walks the whole audit result,
    most of the heap (on the benchmark corpus that was a fifth of the time
    the report took before it was made faster, and is still a tenth). Pages
    make no reference cycles: reference counting frees them as they go."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render(result: "AuditResult", generated_at: str | None = None, review: Review | None = None) -> dict[str, str]:
    """Renders the report into {relative path: html}, without touching the disk."""
    with _collector_paused():
        return dict(render_pages(result, generated_at, review))


def _write_html(path: Path, pieces: Iterator[str]) -> None:
    """Writes a page as the template makes it: the page of a big file, whole,
    was several times the file's size in memory."""
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(pieces)
    except BaseException:
        path.unlink(missing_ok=True)  # no half page where a whole one was promised
        raise


def _write_page(renderer: PageRenderer, out: Path, analysis) -> None:
    relative, pieces = renderer.page_pieces(analysis)
    _write_html(out / relative, pieces)


class ReportJob:
    """A report being written. With workers, the document pages are written
    by forked processes while the caller goes on (with the tables, say);
    :meth:`wait` finishes the report and returns the path of index.html.
    With ``review`` (output.build_review: the gate's status and fix's plan),
    it is drawn on the pages."""

    def __init__(self, result: "AuditResult", out: str | Path, generated_at: str | None = None,
                 workers: int = 1, progress=None, review: Review | None = None) -> None:
        self.out = Path(out)
        (self.out / "docs").mkdir(parents=True, exist_ok=True)
        self.progress = progress
        self.worker_seconds = 0.0  # CPU seconds of the forked writers
        self._renderer = PageRenderer(result, generated_at, review)
        documents = self._renderer.views.documents
        runner = Runner(min(workers, len(documents) // PAGES_PER_TASK))
        self._writers: Batch | None = runner.start(self._write_pages, chunks(len(documents), PAGES_PER_TASK))
        try:
            with _collector_paused():
                _write_html(self.out / "index.html", self._renderer.index_pieces())
        except BaseException:
            self.close()
            raise

    def _write_pages(self, indexes: range) -> float:
        """Writes some of the pages; returns the CPU seconds it took."""
        started = time.process_time()
        with _collector_paused():
            for index in indexes:
                _write_page(self._renderer, self.out, self._renderer.views.documents[index])
        return time.process_time() - started

    def close(self) -> None:
        """Stops the page writers (:meth:`wait` does once they are done)."""
        if self._writers is not None:
            self._writers.close()
            self._writers = None

    def wait(self) -> Path:
        if self._writers is not None:
            try:
                forked = self._writers.forked
                for indexes, seconds in self._writers.as_completed():
                    if forked:
                        self.worker_seconds += seconds
                    if self.progress:
                        self.progress(len(indexes))
            finally:
                self.close()
        # Pages of documents from an earlier scan into the same folder would
        # otherwise linger and be mistaken for part of this report.
        current = {Path(href).name for href in self._renderer.views.hrefs.values()}
        for stale in sorted((self.out / "docs").glob("*.html")):
            if stale.name not in current:
                stale.unlink()
        return self.out / "index.html"


def write_report(result: "AuditResult", out: str | Path, generated_at: str | None = None,
                 workers: int = 1, progress=None, review: Review | None = None) -> Path:
    """Writes OUT/index.html and OUT/docs/*.html; returns the path of index.html."""
    return ReportJob(result, out, generated_at, workers, progress, review).wait()
