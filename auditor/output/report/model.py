"""The report's view models: plain records of everything the templates show, already
formatted, and the constants of the report."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from markupsafe import Markup

from ...i18n import N_, pgettext
from ...records import READ_STATUSES

SLOT_TYPES = ("place", "number", "year", "date", "ordinal", "code", "person", "formula", "unknown")


SLOT_TYPE_LABELS = {"place": "P", "number": "N", "year": "Y", "date": "D", "ordinal": "O", "code": "C",
                    "person": "H", "formula": "F", "unknown": "?"}


CLUE_KINDS = ("admin", "abbreviation", "landmark", "zone", "old-name", "geography", "code", "unverified")


# Translated where they are shown (views.py).
VERDICT_LABELS = {
    "re-identified": N_("Re-identified"),
    "at-risk": N_("At risk"),
    "protected": N_("Protected"),
    "not-anonymised": N_("Not anonymised"),
}


# The names a reader is shown for the ids the page keeps in its attributes and
# classes (data-type="place"): the ids themselves in English.
def slot_type_name(slot_type: str) -> str:
    names = {
        "place": pgettext("slot type", "place"), "number": pgettext("slot type", "number"),
        "year": pgettext("slot type", "year"), "date": pgettext("slot type", "date"),
        "ordinal": pgettext("slot type", "ordinal"), "code": pgettext("slot type", "code"),
        "person": pgettext("slot type", "person"), "formula": pgettext("slot type", "formula"),
        "unknown": pgettext("slot type", "unknown"),
    }
    return names.get(slot_type, slot_type)


def clue_kind_name(kind: str) -> str:
    names = {
        "admin": pgettext("clue kind", "admin"), "abbreviation": pgettext("clue kind", "abbreviation"),
        "landmark": pgettext("clue kind", "landmark"), "zone": pgettext("clue kind", "zone"),
        "old-name": pgettext("clue kind", "old-name"), "geography": pgettext("clue kind", "geography"),
        "code": pgettext("clue kind", "code"), "unverified": pgettext("clue kind", "unverified"),
    }
    return names.get(kind, kind)


def level_name(level: str) -> str:
    """A gazetteer level (county) or a place slot's (unknown)."""
    names = {
        "province": pgettext("level", "province"), "prefecture": pgettext("level", "prefecture"),
        "county": pgettext("level", "county"), "town": pgettext("level", "town"),
        "village": pgettext("level", "village"), "unknown": pgettext("level", "unknown"),
    }
    return names.get(level, level)


def file_status_name(status: str) -> str:
    """A file's load status (files.csv's status), as a badge shows it."""
    names = {
        "binary": pgettext("file status", "binary"), "undecodable": pgettext("file status", "undecodable"),
        "too-large": pgettext("file status", "too-large"), "unreadable": pgettext("file status", "unreadable"),
        "unsupported-format": pgettext("file status", "unsupported-format"),
        "rule-timeout": pgettext("file status", "rule-timeout"), "unparseable": pgettext("file status", "unparseable"),
        "encrypted": pgettext("file status", "encrypted"), "no-text-layer": pgettext("file status", "no-text-layer"),
        "skipped": pgettext("file status", "skipped"),
        "empty": pgettext("file status", "empty"), "repaired": pgettext("file status", "repaired"),
    }
    return names.get(status, status)


CHART_CANDIDATES = 10


PANEL_CLUES = 10


SENTENCE_CLUES = 5


CONTEXT_CHARS = 16


# A document among many copies of one text can differ from them in thousands
# of places; the page draws this many as rows and keeps the rest as data that
# the page's script turns into rows when the reader asks for them.
DIFFERENCE_ROWS = 100
# Rows a table of the overview shows at a time: the documents' table pages through the others
# (an archive has 10^5 documents), the tables by slot type and by group show the first ones.
OVERVIEW_PAGE_ROWS = 100


# A rule of the gate can fire on hundreds of clues of a long text: a page
# lists this many of its findings, and this many of the runs fix would mask.
GATE_FINDINGS = 20


FIX_MASKS = 500


# Pages go to forked writers in tasks of this many (a page takes milliseconds).
PAGES_PER_TASK = 8






DOC_ROOT = "../"  # from a document's page (docs/*.html) to the report's folder


# Display only: a unit is named without its administrative suffix in
# sentences ("town of 原平"), as people say it. Longest suffixes first.
ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道", "地区", "林区", "新区",
                   "省", "市", "县", "区", "旗", "盟", "州", "镇", "乡")


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
class InFileView:
    """Something a Word, PDF or HTML file holds besides its visible text (a formats.FileFinding)."""

    rule: str  # the gate rule it falls under
    fails: bool  # the policy fails it
    description: str  # the kind, in a reviewer's words
    where: str  # paragraph 12, page 2 at (72, 540), docProps/core.xml title
    text: str  # what is there


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
    format: str = "text"  # text | docx | pdf | html

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
    in_file: tuple[InFileView, ...] = ()  # what the file holds besides its text, in the file's order


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
    # Every row as the overview's script pages through it (views.documents_data), and how many a page shows.
    documents_data: str = ""
    page_rows: int = OVERVIEW_PAGE_ROWS


@dataclass
class Site:
    """Everything shared by the pages: version, time stamp, inline assets."""

    version: str
    generated_at: str | None
    css: Markup
    js: Markup
    csp: str
