"""Plain records passed between the stages of an audit.

Every stage produces these dataclasses; pandas appears only when the tables
are written (see :mod:`auditor.output.tables`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter


def pickled_as_arguments(cls):
    """Pickles a record as its class and field values. Worker processes send
    hundreds of thousands of slots, clues and inconsistencies back to the
    main process; the default pickling of a slotted class, a dict of names
    per object, took twice as long to write and read."""
    values = attrgetter(*(f.name for f in fields(cls)))

    def __reduce__(self):
        return cls, values(self)

    cls.__reduce__ = __reduce__
    return cls


# What became of a file when it was loaded (SourceText.status):
# read and audited (``repaired``: a few undecodable bytes were replaced, the message says which);
READ_STATUSES = ("ok", "repaired")
# a document auditor could not audit: never a pass (the gate's ``not-checked`` rule, fail by default);
# unparseable, encrypted, no-text-layer: a Word, PDF or HTML file its reader could not read (auditor.map.formats).
NOT_CHECKED_STATUSES = ("binary", "undecodable", "unreadable", "too-large", "unsupported-format", "rule-timeout",
                        "unparseable", "encrypted", "no-text-layer")
# nothing to audit (an empty file), or not a document at all (a link, a fifo, a hidden or
# non-document file), listed with the reason.
EMPTY_STATUS = "empty"
SKIPPED_STATUS = "skipped"


@dataclass(frozen=True, slots=True)
class SourceText:
    """One input file as loaded: its text and how it was decoded."""

    doc: str  # the path as given (a folder's files under it), '/'-separated, printable: see loading.InputFile
    path: str  # absolute path on disk (the real name, surrogate-escaped)
    text: str
    encoding: str  # '' when the file could not be decoded
    status: str  # one of READ_STATUSES, NOT_CHECKED_STATUSES, EMPTY_STATUS, SKIPPED_STATUS
    message: str = ""
    format: str = "text"  # text | docx | pdf | html: the reader of auditor.map.formats that read it
    # Where each stretch of ``text`` comes from in a Word, PDF or HTML file (formats.Part), in order;
    # () for plain text, whose lines and columns say it.
    parts: tuple = ()
    in_file: tuple = ()  # formats.FileFinding: what the file holds besides its visible text

    @property
    def ok(self) -> bool:
        """Read as text, so audited."""
        return self.status in READ_STATUSES

    @property
    def not_checked(self) -> bool:
        """A document that could not be audited: it must never pass the gate."""
        return self.status in NOT_CHECKED_STATUSES


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Slot:
    """A redaction slot: one run of mask glyphs and what it is judged to hide."""

    doc: str
    slot_id: str
    start: int  # character offsets in the original text
    end: int
    line: int  # 1-based
    column: int  # 1-based, in characters
    mask: str
    left_context: str
    right_context: str
    slot_type: str  # number | ordinal | year | code | place | unknown
    unit: str = ""
    place_level: str = ""  # province | prefecture | county | unknown ('' for non-places)
    rule: str = ""
    recovered: str = ""
    recovered_confidence: float | None = None
    recovered_evidence: str = ""
    leak: bool = False  # recovered at [recovery] leak_confidence or more: the hidden value can be read back


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Clue:
    """A piece of clear text that points at one or more places."""

    doc: str
    start: int
    end: int
    line: int
    text: str
    kind: str  # admin | abbreviation | landmark | unverified
    candidates: tuple[int, ...]  # gazetteer unit ids (empty for unverified names)
    weight: float = 0.0  # contribution to the decided identity (set by the linker)
    rule: str = ""  # why this was taken as a clue
    level: str = ""  # level of the named unit (town, county, ...) where known
    elsewhere: bool = False  # named as a place other than the document's own (与太原共建)
    short_form: bool = False  # an administrative name without its suffix (崞阳 for 崞阳镇)
    # How likely the string stands here as an ordinary word rather than as the
    # name of the places in ``candidates`` (0: surely a name); set by the clue
    # finder from the segmenter's decision and general-language frequency.
    ordinary: float = 0.0

    @property
    def said(self) -> str:
        """The rule in a reviewer's words, without the rule file it comes from:
        "about 96 km from 山西省/太原市 (…): 25 counties fit" of "… (geography.toml distance)"."""
        return _RULE_SOURCE.sub("", self.rule)


# Where a clue's rule stands, as its recognizer appends it: (codes.toml postal-code), (plates.tsv line 57, …).
_RULE_SOURCE = re.compile(r" \([\w-]+\.(?:toml|tsv)\b[^()]*\)")


@dataclass(frozen=True)
class DocumentAnalysis:
    """The per-document map result: everything the corpus reduce needs."""

    source: SourceText
    slots: list[Slot] = field(default_factory=list)
    clues: list[Clue] = field(default_factory=list)
    fingerprint: tuple[int, ...] = ()  # MinHash signature of the normalised text
    suspects: list = field(default_factory=list)  # MaskRuns that look like unknown masks (masks.toml [[suspect]])
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def doc(self) -> str:
        return self.source.doc

    def rule_timed_out(self, error: TimeoutError) -> DocumentAnalysis:
        """This analysis of a document a rule pattern ran out of time on: it is not checked (never a pass)."""
        return replace(self, source=replace(self.source, status="rule-timeout", message=str(error)))


@dataclass(frozen=True)
class Candidate:
    path: str  # 山西省/忻州市/原平市
    level: str
    probability: float  # the posterior (Identity.confidence is the top one, calibrated)


@dataclass(frozen=True)
class Identity:
    """The linker's verdict on one document."""

    doc: str
    group: str
    n_slots: int
    identity: str = ""
    identity_level: str = ""
    confidence: float = 0.0
    anonymity_set: int = 0
    verdict: str = ""  # re-identified | at-risk | protected | not-anonymised
    # The probability that a reader's best single guess of the hidden place is
    # right (the calibrated top posterior; 0 when nothing is masked).
    risk: float = 0.0
    candidates: list[Candidate] = field(default_factory=list)
    top_clues: list[Clue] = field(default_factory=list)
    names_own_place: list[Clue] = field(default_factory=list)
    mask_lengths: str = ""  # what the masks' lengths tell a reader (auditor.reduce.mask_length), in words


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Inconsistency:
    """A slot masked in one copy of a text and readable in a near-duplicate."""

    doc: str
    slot_id: str
    other_doc: str
    other_start: int
    other_end: int
    revealed: str
