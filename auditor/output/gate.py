"""The pre-publication gate: a policy (data, ``rules/policy.toml``) applied to an audit.

:func:`evaluate` turns an :class:`~auditor.scan.AuditResult` into findings, one
per leaking clue (or per slot readable in a near-duplicate copy), each with a
place in a file, the clue, why it leaks and what to mask; :func:`format_text`,
:func:`to_json` and :func:`to_sarif` render them for people, for scripts and
for code-scanning UIs (SARIF 2.1.0).

This module is on the path of ``auditor check``, which is meant to run as a
commit hook: it imports nothing heavy (no pandas) so that a check of one
document starts fast.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import unicodedata
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from .. import __version__
from ..map.recognizers.codes import code_label
from ..errors import PolicyError
from ..i18n import N_, _, language, listing, ngettext, pgettext, using
from ..map.formats import IN_FILE_RULES, KIND_DESCRIPTIONS, FileFinding, where as part_where
from ..map.loading import printable_name
from ..records import EMPTY_STATUS, NOT_CHECKED_STATUSES, SKIPPED_STATUS, Clue, Identity
from ..reduce.risk import DEFAULT_K, VERDICTS, verdict_for
from ..map.masks import MaskFinder
from ..rules import MaskRules, default_rules_dir, load_rules, read_toml
from ..map.slots import LineIndex

if TYPE_CHECKING:
    from ..result import AuditResult

ACTIONS = ("fail", "report", "ignore")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# What GitHub code scanning accepts in one SARIF upload: GitHub Docs, "SARIF support for code
# scanning" (its table of upload limits) and "SARIF results exceed one or more limits" (Code
# security > Troubleshooting SARIF uploads), and, for the size, "SARIF file is too large".
# Above a maximum the whole upload is rejected. to_sarif keeps its log within them.
SARIF_MAX_RESULTS = 25_000  # results per run (GitHub keeps the top 5,000 by severity for display)
SARIF_MAX_GZIP_BYTES = 10_000_000  # "10 MB" per gzip-compressed file, read as 10^7 bytes, the smaller reading
# Locations per result: 1,000 at most, and GitHub shows 100. A result here has one location;
# relatedLocations have no row of their own in GitHub's table, so they are held to what it shows
# of locations: a clue found thousands of times gives the first 100 of its other occurrences.
SARIF_MAX_RELATED_LOCATIONS = 100
# The results are cut when their gzipped size reaches this share below SARIF_MAX_GZIP_BYTES:
# room for what the compressor holds back while counting, and for a gzip at a lower level.
SARIF_GZIP_MARGIN = 0.1


@dataclass(frozen=True)
class GateRule:
    id: str
    name: str
    short: str
    help: str


RULES: dict[str, GateRule] = {
    rule.id: rule
    for rule in (
        GateRule(
            "re-identified", "ReIdentified",
            "The clear text re-identifies the masked place.",
            "Clear-text clues (town names, landmarks, the place's own name) point at one place, so the masks "
            "no longer hide it. Mask the clues named in the finding, everywhere in the document and in its "
            "near-duplicate copies, or run `auditor fix`.",
        ),
        GateRule(
            "at-risk", "AtRisk",
            "A reader's best guess of the masked place is right more than one time in K.",
            "The clues left in clear make one place likely enough (risk above 1/K, K the policy's "
            "min_anonymity_set) that a reader's best guess is too often right. Mask the clues that point at "
            "it most, or run `auditor fix`.",
        ),
        GateRule(
            "near-duplicate-leak", "NearDuplicateLeak",
            "A masked slot is readable in a near-duplicate copy.",
            "The same text is published more than once; what one copy masks, another shows in clear. "
            "Mask the shown text in the copy that shows it.",
        ),
        GateRule(
            "names-own-place", "NamesOwnPlace",
            "The document names its own masked place in clear.",
            "The redaction hides the document's place in some sentences but names it in clear in others. "
            "Mask every occurrence.",
        ),
        GateRule(
            "not-anonymised", "NotAnonymised",
            "The document has no masks.",
            "No redaction slot was found, so there is nothing to check. The policy can make this fail for "
            "folders that must only hold redacted documents.",
        ),
        GateRule(
            "unrecognised-masks", "UnrecognisedMasks",
            "No known mask, but look-alikes of masks, and the clear text identifies the place.",
            "No mask glyph of masks.toml was found, but characters that look like masks (●●县, 某市: the "
            "[[suspect]] entries of masks.toml) were, and the clear text alone re-identifies the place or "
            "leaves fewer than K candidates. Use a mask glyph auditor knows (or add yours to masks.toml) and "
            "mask the clues named.",
        ),
        GateRule(
            "not-checked", "NotChecked",
            "The file could not be audited.",
            "Binary, undecodable, unreadable, too large or unsupported files, and documents on which a rule "
            "pattern ran out of time, were not audited: auditor cannot say they are safe to publish.",
        ),
        GateRule(
            "covered-text", "CoveredText",
            "Text a box or highlighting covers is still in the file.",
            "A black box drawn over text in a PDF, or black highlighting or shading over text in Word, hides it "
            "from the eye only: the text is still in the file and copies out of it. Delete the text itself "
            "(in a PDF with a real redaction tool that removes it), or run `auditor fix` on a .docx.",
        ),
        GateRule(
            "hidden-text", "HiddenText",
            "The file holds text that is not shown.",
            "Hidden (vanished) text in Word, white or invisible text and text outside the page in a PDF, "
            "elements an HTML page does not display: each can be read out of the file. Delete it.",
        ),
        GateRule(
            "tracked-changes", "TrackedChanges",
            "The file keeps tracked changes.",
            "A tracked deletion keeps the deleted text, and every revision its author and date. Accept or "
            "reject all changes and save again, or run `auditor fix` on a .docx.",
        ),
        GateRule(
            "comments", "Comments",
            "The file holds comments or annotations.",
            "Comments and annotations travel with the file and often name what the text masks. Delete them.",
        ),
        GateRule(
            "metadata", "Metadata",
            "The file's properties are set.",
            "Title, subject, author, company, keywords and custom properties (a PDF's document information "
            "and XMP metadata) are published with the file. Clear them, or run `auditor fix` on a .docx.",
        ),
        GateRule(
            "alt-text", "AltText",
            "An image carries alternative text.",
            "An image's description is read out by screen readers and copies out of the file. Check that it "
            "names nothing the text masks, or clear it.",
        ),
        GateRule(
            "attachments", "Attachments",
            "Files are attached to the document.",
            "An attached file is published with the document and was not audited. Remove it, or audit it on "
            "its own.",
        ),
        GateRule(
            "earlier-revisions", "EarlierRevisions",
            "The file keeps earlier revisions of itself.",
            "A PDF saved by incremental updates keeps every earlier version: text removed in a later one may "
            "still be in the file. Save it anew (print to PDF, or a tool's 'sanitise' or 'save as optimised').",
        ),
        GateRule(
            "no-text-layer", "NoTextLayer",
            "A page has no text layer: it could not be audited.",
            "A scanned page is an image; auditor cannot read what it shows. Run OCR and audit the text, or "
            "check the page by eye.",
        ),
        GateRule(
            "skipped", "Skipped",
            "Not a document: skipped.",
            "Links, fifos, hidden files and files of non-document formats are listed and not read.",
        ),
        GateRule(
            "empty", "Empty",
            "The file is empty.",
            "An empty file hides nothing and reveals nothing.",
        ),
        GateRule(
            "repaired-encoding", "RepairedEncoding",
            "A few undecodable bytes were replaced before the audit.",
            "The document was audited with the replaced bytes; check that the original reads as intended.",
        ),
    )
}
# Old rule names a user's policy may still use, and the rules they now are.
RULE_ALIASES = {"unreadable": "not-checked", "small-anonymity-set": "at-risk"}
# What the mask finder must not be given as a [fix] mask: controls, format
# characters (U+200B), separators (U+3000) and unassigned code points.
_INVISIBLE_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp")


@dataclass(frozen=True)
class Policy:
    min_anonymity_set: int = DEFAULT_K  # K: see auditor.reduce.risk
    fail_verdicts: tuple[str, ...] = ("re-identified",)
    actions: tuple[tuple[str, str], ...] = (
        ("re-identified", "fail"),
        ("at-risk", "fail"),
        ("near-duplicate-leak", "fail"),
        ("names-own-place", "fail"),
        ("not-anonymised", "report"),
        ("unrecognised-masks", "fail"),
        ("not-checked", "fail"),
        ("skipped", "report"),
        ("empty", "report"),
        ("repaired-encoding", "report"),
        ("covered-text", "fail"),
        ("hidden-text", "fail"),
        ("tracked-changes", "fail"),
        ("comments", "fail"),
        ("metadata", "fail"),
        ("alt-text", "fail"),
        ("attachments", "fail"),
        ("earlier-revisions", "fail"),
        ("no-text-layer", "fail"),
    )
    mask: str = "×"
    keep_suffixes: tuple[str, ...] = ()  # longest first
    max_rounds: int = 60
    literal_min_chars: int = 3
    source: str = ""  # the file it was read from
    rules_folder: str = ""  # the rules in use ('' for the default ones)

    def verdict(self, identity: Identity, n_slots: int | None = None) -> str:
        """The identity's verdict under this policy's K (``n_slots``: count these
        as its masks instead of its own slots): one definition, auditor.reduce.risk's."""
        masked = (identity.n_slots if n_slots is None else n_slots) > 0
        # The re-identified threshold is the rules' (linker.toml [verdict]), as the linker's verdict.
        threshold = load_rules(self.rules_folder or None).linker.reidentified_confidence
        return verdict_for(identity.risk, masked, self.min_anonymity_set, threshold)

    def action(self, rule: str) -> str:
        return dict(self.actions).get(rule, "report")

    def label(self) -> str:
        return display_path(self.source) if self.source else _("built-in policy")

    def describe(self) -> str:
        failing = [rule for rule, action in self.actions if action == "fail"]
        if set(IN_FILE_RULES) <= set(failing):  # nine rules of one kind: named as one
            failing = [rule for rule in failing if rule not in IN_FILE_RULES] + [_("in-file findings")]
        return _("K={k}; fails {rules}").format(k=self.min_anonymity_set, rules=listing(failing) or _("nothing"))


def _expect_count(path, key, value) -> int:
    """A whole number of at least 1."""
    count = _expect(path, key, value, int, "a whole number")
    if count < 1:
        raise PolicyError(f"{path}: {key} must be at least 1, not {count}")
    return count


def _expect(path, key, value, kind, what):
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise PolicyError(f"{path}: {key} must be {what}, not {value!r}")
    return value


def _checked_mask(path, mask: str, masks: MaskRules | None) -> str:
    """A [fix] mask must be a mask: visible, and one mask run for the mask finder
    of the rules in use (原平 or U+200B would leave the clue readable or unseen)."""
    invisible = [ch for ch in mask if unicodedata.category(ch) in _INVISIBLE_CATEGORIES]
    if not mask or invisible:
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in invisible)
        raise PolicyError(f"{path}: [fix] mask {mask!r} must be visible mask characters"
                          + (f", not {shown}" if shown else ", not empty"))
    if masks is not None:
        runs = MaskFinder(masks).find(mask)
        if [(run.start, run.end) for run in runs] != [(0, len(mask))]:
            raise PolicyError(f"{path}: [fix] mask {mask!r} is not a mask: the mask finder (masks.toml) "
                              "does not find it as one mask run; use a glyph such as ×")
    return mask


def load_policy(path: str | os.PathLike, masks: MaskRules | None = None,
                rules_folder: str | os.PathLike | None = None) -> Policy:
    """Reads a policy file; unknown keys are errors, so that a typo cannot loosen the gate.
    ``masks``: the mask rules a [fix] mask must satisfy (those of ``rules_folder``
    when not given)."""
    path = Path(path)
    if masks is None:
        masks = load_rules(rules_folder or None).masks
    data = read_toml(path, PolicyError, "policy file")
    policy = Policy(source=str(path), rules_folder=str(rules_folder or ""))
    known = {"min_anonymity_set", "fail_verdicts", "rules", "fix"}
    unknown = set(data) - known
    if unknown:
        raise PolicyError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
    changes: dict = {}
    if "min_anonymity_set" in data:
        changes["min_anonymity_set"] = _expect_count(path, "min_anonymity_set", data["min_anonymity_set"])
    if "fail_verdicts" in data:
        verdicts = _expect(path, "fail_verdicts", data["fail_verdicts"], list, "a list of verdicts")
        if "not-anonymised" in verdicts:
            raise PolicyError(f"{path}: fail_verdicts: a document without masks is governed by "
                              '[rules] not-anonymised = "fail", not by its verdict')
        bad = [v for v in verdicts if v not in VERDICTS]
        if bad:
            raise PolicyError(f"{path}: fail_verdicts: unknown verdict(s) {bad} (known: {', '.join(VERDICTS)})")
        changes["fail_verdicts"] = tuple(verdicts)
    if "rules" in data:
        table = _expect(path, "rules", data["rules"], dict, "a table")
        actions = dict(policy.actions)
        for rule, action in table.items():
            known = RULE_ALIASES.get(rule, rule)
            if known not in RULES:
                raise PolicyError(f"{path}: [rules] unknown rule {rule!r} (known: {', '.join(RULES)})")
            if action not in ACTIONS:
                raise PolicyError(f"{path}: [rules] {rule} = {action!r}: must be one of {', '.join(ACTIONS)}")
            if rule != known and known in table:
                raise PolicyError(f"{path}: [rules] {rule} is the old name of {known}: give only one of them")
            actions[known] = action
        changes["actions"] = tuple(actions.items())
    if "fix" in data:
        fix = _expect(path, "fix", data["fix"], dict, "a table")
        unknown = set(fix) - {"mask", "keep_suffixes", "max_rounds", "literal_min_chars"}
        if unknown:
            raise PolicyError(f"{path}: [fix] unknown key(s) {', '.join(sorted(unknown))}")
        if "mask" in fix:
            changes["mask"] = _checked_mask(path, _expect(path, "[fix] mask", fix["mask"], str, "a string"), masks)
        if "keep_suffixes" in fix:
            suffixes = _expect(path, "[fix] keep_suffixes", fix["keep_suffixes"], list, "a list of strings")
            if not all(isinstance(s, str) and s and not s.isspace() for s in suffixes):
                raise PolicyError(f"{path}: [fix] keep_suffixes must hold non-empty strings")
            changes["keep_suffixes"] = tuple(sorted(dict.fromkeys(suffixes), key=len, reverse=True))
        for key in ("literal_min_chars", "max_rounds"):
            if key in fix:
                changes[key] = _expect_count(path, f"[fix] {key}", fix[key])
    return replace(policy, **changes)


def default_policy_path(rules_folder: str | os.PathLike | None) -> Path:
    return Path(rules_folder or default_rules_dir()) / "policy.toml"


def resolve_policy(policy_file: str | os.PathLike | None, rules_folder: str | os.PathLike | None) -> Policy:
    """``--policy FILE`` wins; otherwise the policy of the rules folder in use."""
    masks = load_rules(rules_folder or None).masks
    if policy_file:
        return load_policy(policy_file, masks, rules_folder)
    path = default_policy_path(rules_folder)
    # Whatever stands there is the policy (a fifo or a folder is refused, not
    # passed over for a looser one); only a missing file falls back.
    if path.exists() or path.is_symlink():
        return load_policy(path, masks, rules_folder)
    # A user's rules folder made before the gate existed has no policy.toml;
    # the shipped one still applies.
    shipped = default_policy_path(None)
    if shipped.is_file():
        return load_policy(shipped, masks, rules_folder)
    return Policy(rules_folder=str(rules_folder or ""))


# ---------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------


@dataclass
class Location:
    doc: str
    path: str  # as shown to the user (relative to the working folder when inside it), printable
    line: int | None = None  # 1-based; None for a finding about the whole file
    column: int | None = None  # 1-based, in characters
    end_line: int | None = None
    end_column: int | None = None  # the column after the last character
    text: str = ""
    note: str = ""
    uri: str = ""  # the SARIF artifact URI, from the path's real bytes ('' to derive it from path)
    # Where in a Word, PDF or HTML file: "paragraph 12, character 5", "page 2 at (72, 540)" ('' for text).
    part: str = ""

    def where(self) -> str:
        if self.part:
            return f"{self.path} ({self.part})"
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


@dataclass
class Finding:
    rule: str
    fails: bool
    doc: str  # the document the finding is about
    location: Location  # where to act (for a near-duplicate leak, in the other copy)
    clue: str
    why: str
    remedy: str
    related: list[Location] = field(default_factory=list)
    docs: tuple[str, ...] = ()  # every document this finding fails

    @property
    def level(self) -> str:
        return "error" if self.fails else "note"

    @property
    def level_label(self) -> str:
        """The level as a line of ``auditor check`` says it, in the language in use."""
        return pgettext("finding level", "error") if self.fails else pgettext("finding level", "note")

    def line(self) -> str:
        head = f"{self.clue}: " if self.clue else ""
        tail = _("; {remedy}").format(remedy=self.remedy) if self.remedy else ""
        return f"{self.location.where()}: {self.level_label}: {head}{self.why}{tail} [{self.rule}]"


@dataclass
class DocumentReport:
    doc: str
    path: str
    readable: bool
    masked: bool
    n_slots: int
    identity: Identity | None
    status: str = ""  # pass | fail | not-anonymised | not-checked | skipped | empty
    message: str = ""
    findings: list[Finding] = field(default_factory=list)
    fails: bool = False  # a finding fails it (a not-checked file keeps its status and fails too)
    verdict: str = ""  # the identity's verdict under the policy's K ('' without one)

    @property
    def failed(self) -> bool:
        return self.fails or self.status == "fail"

    @property
    def status_label(self) -> str:
        """The status as a reader is shown it (not anonymised, not checked), in the language in use."""
        return _(STATUS_LABELS[self.status]) if self.status in STATUS_LABELS else self.status

    @property
    def label(self) -> str:
        return _("FAIL") if self.failed else self.status_label

    def status_line(self) -> str:
        """``FAIL: re-identified, …``: the document's line of ``auditor check``, without its path."""
        # "skipped: a symbolic link" says it all; "empty: empty: …" would not.
        if self.status in ("skipped", "empty") and not self.failed:
            return self.message
        return _("{label}: {message}").format(label=self.label, message=self.message)


# How a document's status is shown (translated where it is shown).
STATUS_LABELS = {"pass": N_("pass"), "fail": N_("FAIL"), "not-anonymised": N_("not anonymised"),
                 "not-checked": N_("not checked"), "skipped": N_("skipped"), "empty": N_("empty")}


def verdict_word(verdict: str) -> str:
    """A verdict as a line of ``auditor check`` says it: its id in English."""
    words = {
        "re-identified": pgettext("verdict", "re-identified"),
        "at-risk": pgettext("verdict", "at-risk"),
        "protected": pgettext("verdict", "protected"),
        "not-anonymised": pgettext("verdict", "not-anonymised"),
    }
    return words.get(verdict, verdict)


def status_word(status: str) -> str:
    """A document's status at the gate in a word (``auditor fix``'s "fail -> pass"): its id in English."""
    words = {
        "pass": pgettext("gate status", "pass"), "fail": pgettext("gate status", "fail"),
        "not-anonymised": pgettext("gate status", "not-anonymised"),
        "not-checked": pgettext("gate status", "not-checked"), "skipped": pgettext("gate status", "skipped"),
        "empty": pgettext("gate status", "empty"),
    }
    return words.get(status, status)


@dataclass
class GateReport:
    policy: Policy
    documents: list[DocumentReport]
    findings: list[Finding]

    @property
    def passed(self) -> bool:
        return not any(d.failed for d in self.documents)

    @property
    def failed_documents(self) -> list[DocumentReport]:
        return [d for d in self.documents if d.failed]

    def document(self, doc: str) -> DocumentReport:
        return next(d for d in self.documents if d.doc == doc)

    def counts(self) -> dict[str, int]:
        """Documents checked (audited), passed, failed (of those checked), not checked, skipped or empty."""
        checked = [d for d in self.documents if d.readable]
        return {
            "documents": len(self.documents),
            "checked": len(checked),
            "passed": sum(1 for d in checked if not d.failed),
            "failed": sum(1 for d in checked if d.failed),
            "not_checked": sum(1 for d in self.documents if d.status == "not-checked"),
            "skipped": sum(1 for d in self.documents if d.status in ("skipped", "empty")),
        }


def _relative(path: str) -> str:
    """Relative to the working folder when inside it, '/'-separated; the path itself otherwise."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else Path(relative).as_posix()


def display_path(path: str) -> str:
    """A path the user can click: relative to the working folder when inside it,
    printable (see :func:`~auditor.map.loading.printable_name`)."""
    return printable_name(_relative(path))


def path_uri(path: str) -> str:
    """A SARIF artifact URI for ``path``, percent-encoding its real bytes (a name
    that is not UTF-8 keeps them), relative to the working folder when inside it."""
    relative = _relative(path)
    encoded = quote(os.fsencode(relative))
    return "file://" + (encoded if encoded.startswith("/") else "/" + encoded) if os.path.isabs(relative) else encoded


# "town name": an administrative clue of each level of the gazetteer.
_LEVEL_NAMES = {"province": N_("province name"), "prefecture": N_("prefecture name"), "county": N_("county name"),
                "town": N_("town name"), "village": N_("village name")}


def _clue_kind(clue: Clue) -> str:
    if clue.kind == "admin":
        if not clue.level:
            return _("place name")
        return _(_LEVEL_NAMES[clue.level]) if clue.level in _LEVEL_NAMES else f"{clue.level} name"
    if clue.kind == "abbreviation":
        return _("abbreviated place name")
    if clue.kind == "landmark":
        return _("landmark")
    if clue.kind == "code":
        return _(code_label(clue.rule))  # the rule says what the code is
    if clue.kind == "zone":
        return _("zone")
    if clue.kind == "old-name":
        return _("old name")
    if clue.kind == "geography":
        # What the sentence says: "geography (borders 山西省/忻州市/代县: 6 counties do)".
        return _("geography ({said})").format(said=clue.said)
    return _("name not in the gazetteer")


class _Positions:
    """Offsets to (line, column) per document, built when first needed."""

    def __init__(self, result: "AuditResult"):
        self._texts = {a.doc: a.source.text for a in result.analyses}
        self._parts = {a.doc: a.source.parts for a in result.analyses if a.source.parts}
        self._raw = {a.doc: a.source.path or a.doc for a in result.analyses}
        self._paths = {doc: display_path(raw) for doc, raw in self._raw.items()}
        self._uris: dict[str, str] = {}  # a document's findings are many: its URI made once
        self._indexes: dict[str, LineIndex] = {}

    def path(self, doc: str) -> str:
        return self._paths.get(doc, printable_name(doc))

    def uri(self, doc: str) -> str:
        found = self._uris.get(doc)
        if found is None:
            found = self._uris[doc] = path_uri(self._raw.get(doc, doc))
        return found

    def location(self, doc: str, start: int, end: int, note: str = "") -> Location:
        text = self._texts.get(doc, "")
        index = self._indexes.get(doc)
        if index is None:
            index = self._indexes[doc] = LineIndex(text)
        line, column = index.position(start)
        end_line, end_column = index.position(max(start, end))
        return Location(doc, self.path(doc), line, column, end_line, end_column, text[start:end], note,
                        self.uri(doc), part_where(self._parts.get(doc, ()), start))

    def in_context(self, doc: str, start: int, end: int, around: int = 2) -> str:
        """``驻原部队 at 12:5``: the text at ``start``, with a few characters either side, and its position."""
        text = self._texts.get(doc, "")
        context = "".join(ch for ch in text[max(0, start - around) : end + around] if ch.isprintable())
        location = self.location(doc, start, end)
        return _("{context} at {where}").format(context=context,
                                                 where=location.part or f"{location.line}:{location.column}")

    def whole(self, doc: str, part: str = "") -> Location:
        return Location(doc, self.path(doc), uri=self.uri(doc), part=part)

    def in_file(self, doc: str, found: FileFinding) -> Location:
        """Where an in-file finding is: its place in the extracted text when it has one, and its place in the file."""
        if found.start < 0:
            return self.whole(doc, found.where)
        location = self.location(doc, found.start, found.end,
                                 _(KIND_DESCRIPTIONS[found.kind]) if found.kind in KIND_DESCRIPTIONS else found.kind)
        return replace(location, part=found.where)


def _group_members(result: "AuditResult") -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for identity in result.identities:
        groups[identity.group].append(identity.doc)
    return groups


def _occurrences(clues: list[Clue], text: str) -> list[Clue]:
    return sorted((c for c in clues if c.text == text), key=lambda c: c.start)


class _CluesOf(dict):
    """doc -> its clues; and how many of a document's clues have a text, counted once a document
    (each copy's count of each clue its copies leak: a group's copies times theirs)."""

    def __init__(self, analyses) -> None:
        super().__init__((a.doc, a.clues) for a in analyses)
        self._counts: dict[str, Counter] = {}

    def count(self, doc: str, text: str) -> int:
        """``len(_occurrences(self.get(doc, []), text))``."""
        counts = self._counts.get(doc)
        if counts is None:
            counts = self._counts[doc] = Counter(c.text for c in self.get(doc, []))
        return counts[text]


# A clue this short is a piece of many ordinary words (原 of 原则): its remedy
# names the places it stands as a clue, not "everywhere".
_SHORT_CLUE = 2


def _mask_remedy(text: str, here: int, copies: list[tuple[str, int]], found: list[Clue] = (),
                 positions: "_Positions | None" = None, doc: str = "") -> str:
    elsewhere = "".join(_(", {n} in {doc}").format(n=n, doc=doc) for doc, n in copies if n)
    if len(text) < _SHORT_CLUE and found and positions is not None:
        shown = [positions.in_context(doc, c.start, c.end) for c in found[:3]]
        more = _(" and {n} more").format(n=len(found) - 3) if len(found) > 3 else ""
        return _("mask {text} where it stands for the place: {shown}{more} ({here} here{elsewhere})").format(
            text=text, shown=listing(shown), more=more, here=here, elsewhere=elsewhere)
    return _("mask {text} everywhere ({here} here{elsewhere})").format(text=text, here=here, elsewhere=elsewhere)


def evaluate(result: "AuditResult", policy: Policy) -> GateReport:
    """Applies the policy to an audit: one report per document and the findings."""
    # Worded in the language in use, found once (from the environment, unless chosen), not at
    # each of the messages: a plan's rounds word hundreds of thousands of them.
    with using(language()):
        return _evaluate(result, policy)


def _evaluate(result: "AuditResult", policy: Policy) -> GateReport:
    positions = _Positions(result)
    groups = _group_members(result)
    clues_of = _CluesOf(result.analyses)
    reports: dict[str, DocumentReport] = {}
    findings: list[Finding] = []

    def add(finding: Finding) -> None:
        if policy.action(finding.rule) != "ignore":
            findings.append(finding)

    for analysis in result.analyses:
        doc = analysis.doc
        identity = result.identity(doc)
        report = DocumentReport(
            doc, positions.path(doc), analysis.source.ok, bool(analysis.slots), len(analysis.slots), identity,
            verdict=policy.verdict(identity) if identity is not None and identity.verdict else "",
        )
        reports[doc] = report
        source = analysis.source
        if not source.ok:
            rule = _unread_rule(source.status)
            report.status = rule
            report.message = printable_name(f"{source.status}: {source.message}" if source.message else source.status)
            why = _("not checked: {message}").format(message=report.message) if rule == "not-checked" else report.message
            add(Finding(rule, policy.action(rule) == "fail", doc, positions.whole(doc), "", why, "", docs=(doc,)))
            continue
        for found in source.in_file:
            add(_in_file_finding(found, doc, policy, positions))
        if source.status == "repaired":
            add(Finding("repaired-encoding", policy.action("repaired-encoding") == "fail", doc, positions.whole(doc),
                        "", printable_name(_("audited after repairing the encoding: {message}").format(
                            message=source.message or _("some bytes replaced"))),
                        "", docs=(doc,)))
        if not analysis.slots:
            suspected = _unrecognised_masks(analysis, identity, policy, positions)
            if suspected is not None:
                add(suspected)
                continue
            report.status, report.message = "not-anonymised", _("no masks: nothing to check")
            add(Finding("not-anonymised", policy.action("not-anonymised") == "fail", doc, positions.whole(doc), "",
                        _("no masks found, so nothing hides a place; the document is not checked"), "", docs=(doc,)))
            continue
        copies = [d for d in groups.get(identity.group, []) if d != doc] if identity else []
        if identity is not None and identity.verdict:
            first_slot = positions.location(doc, analysis.slots[0].start, analysis.slots[0].end, "first mask")
            _identity_findings(identity, policy, positions, clues_of, copies, first_slot, add)
            _own_place_findings(identity, policy, positions, clues_of, copies, add)

    slots_of = {a.doc: {s.slot_id: s for s in a.slots} for a in result.analyses}
    for leak in result.inconsistencies:
        slot = slots_of.get(leak.doc, {}).get(leak.slot_id)
        related = []
        if slot is not None:
            related.append(positions.location(leak.doc, slot.start, slot.end, f"masked here ({leak.slot_id})"))
        masked_where = related[0].where() if related else f"{positions.path(leak.doc)} ({leak.slot_id})"
        add(Finding(
            "near-duplicate-leak", policy.action("near-duplicate-leak") == "fail", leak.doc,
            positions.location(leak.other_doc, leak.other_start, leak.other_end),
            leak.revealed,
            _("masked in {where} but readable in this near-duplicate copy").format(where=masked_where),
            _("mask {text} here").format(text=leak.revealed), related, docs=(leak.doc, leak.other_doc),
        ))

    for finding in findings:
        for doc in finding.docs:
            if doc in reports:
                reports[doc].findings.append(finding)
    for report in reports.values():
        report.fails = any(f.fails for f in report.findings)
        if report.status:
            if report.fails and report.status == "not-anonymised":
                report.status = "fail"
            continue
        failing = [f for f in report.findings if f.fails]
        report.status = "fail" if failing else "pass"
        report.message = _document_message(report, policy, failing)
    return GateReport(policy, list(reports.values()), findings)


# What fix does about an in-file finding, by format (fix rewrites a .docx; a PDF it only reports).
_IN_FILE_REMEDIES = {
    "covered-text": N_("delete the covered text itself, not only its look"),
    "hidden-text": N_("delete the hidden text"),
    "tracked-changes": N_("accept or reject every tracked change"),
    "comments": N_("delete the comments"),
    "metadata": N_("clear the property"),
    "alt-text": N_("clear or reword the image's description"),
    "attachments": N_("remove the attachment"),
    "earlier-revisions": N_("save the file anew without its earlier revisions"),
    "no-text-layer": N_("OCR the page and audit its text, or check it by eye"),
}
_SHOWN_CHARS = 60


def _in_file_finding(found: FileFinding, doc: str, policy: Policy, positions: _Positions) -> Finding:
    shown = printable_name(found.text if len(found.text) <= _SHOWN_CHARS else found.text[:_SHOWN_CHARS] + "…")
    why = _(KIND_DESCRIPTIONS[found.kind]) if found.kind in KIND_DESCRIPTIONS else found.kind
    return Finding(found.rule, policy.action(found.rule) == "fail", doc, positions.in_file(doc, found), shown,
                   why, _(_IN_FILE_REMEDIES[found.rule]) if found.rule in _IN_FILE_REMEDIES else "",
                   docs=(doc,))


def _unread_rule(status: str) -> str:
    """The gate rule for a file that was not audited, by its load status."""
    if status in NOT_CHECKED_STATUSES:
        return "not-checked"
    if status == SKIPPED_STATUS:
        return "skipped"
    if status == EMPTY_STATUS:
        return "empty"
    return "not-checked"  # a status auditor does not know is never a pass


def _unrecognised_masks(analysis, identity: Identity | None, policy: Policy, positions: _Positions) -> Finding | None:
    """A document with no known mask but look-alikes of masks (●●县), whose clear
    text would re-identify it, or leave fewer than K places, were those masks:
    it must not pass as merely not anonymised."""
    if not analysis.suspects or identity is None or not identity.identity:
        return None
    would_be = policy.verdict(identity, n_slots=len(analysis.suspects))
    if would_be not in policy.fail_verdicts and would_be != "at-risk":
        return None
    first = analysis.suspects[0]
    location = positions.location(analysis.doc, first.start, first.end, "looks like a mask")
    related = [positions.location(analysis.doc, run.start, run.end, "looks like a mask") for run in analysis.suspects[1:5]]
    n = len(analysis.suspects)
    clues = listing(dict.fromkeys(c.text for c in identity.top_clues[:5]))
    fields = dict(text=first.text, line=location.line, column=location.column, place=identity.identity,
                  runs=ngettext("{n} such run", "{n} such runs", n).format(n=n), risk=identity.risk,
                  size=identity.anonymity_set, k=policy.min_anonymity_set,
                  clues=_("; clues {clues}").format(clues=clues) if clues else "")
    if would_be in policy.fail_verdicts:
        why = _("no mask auditor knows, but {text!r} at {line}:{column} looks like one ({runs}); the clear text "
                "re-identifies {place} (risk {risk:.0%}, anonymity set {size}{clues})").format(**fields)
    else:
        why = _("no mask auditor knows, but {text!r} at {line}:{column} looks like one ({runs}); the clear text "
                "puts at risk (above 1/K, K={k}) {place} (risk {risk:.0%}, anonymity set {size}{clues})").format(**fields)
    return Finding(
        "unrecognised-masks", policy.action("unrecognised-masks") == "fail", analysis.doc, location, first.text,
        printable_name(why),
        _("use a mask glyph of masks.toml (×) and mask the clues named, or add the glyph to masks.toml"),
        related, docs=(analysis.doc,),
    )


def _document_message(report: DocumentReport, policy: Policy, failing: list[Finding]) -> str:
    identity = report.identity
    parts = []
    if identity is not None and identity.verdict == "not-anonymised":
        # Only look-alikes of masks (unrecognised-masks): no verdict of its own.
        parts.append(_("no known masks; the clear text points at {place} (risk {risk:.0%}, anonymity set {size})")
                     .format(place=identity.identity or "?", risk=identity.risk, size=identity.anonymity_set))
    elif identity is not None and identity.verdict:
        fields = dict(verdict=verdict_word(policy.verdict(identity)), place=identity.identity, risk=identity.risk,
                      size=identity.anonymity_set)
        parts.append((_("{verdict} as {place} (risk {risk:.0%}, anonymity set {size})") if identity.identity
                      else _("{verdict} (risk {risk:.0%}, anonymity set {size})")).format(**fields))
    if failing:
        rules = sorted({f.rule for f in failing})
        parts.append(ngettext("{n} finding ({rules})", "{n} findings ({rules})", len(failing))
                     .format(n=len(failing), rules=listing(rules)))
    return (pgettext("clause separator", "; ").join(parts)
            or ngettext("{n} slot, no verdict", "{n} slots, no verdict", report.n_slots).format(n=report.n_slots))


def _identity_findings(
    identity: Identity, policy: Policy, positions: _Positions, clues_of, copies, first_slot: Location, add,
) -> None:
    k = policy.min_anonymity_set
    verdict = policy.verdict(identity)
    if verdict in policy.fail_verdicts:
        rule = "re-identified"
        state = _("the masked place is {verdict} as {place} (risk {risk:.0%}, anonymity set {size})").format(
            verdict=verdict_word(verdict), place=identity.identity, risk=identity.risk, size=identity.anonymity_set)
    elif verdict == "at-risk":
        rule = "at-risk"
        state = _("a reader's best guess, {place}, is right with probability {risk:.0%}, above 1/K "
                  "(K={k}; anonymity set {size})").format(place=identity.identity or "?", risk=identity.risk, k=k,
                                                         size=identity.anonymity_set)
    else:
        return
    fails = policy.action(rule) == "fail"
    doc = identity.doc
    own = clues_of.get(doc, [])
    seen: set[str] = set()
    for top in _leaking_clues(identity, own):
        if top.text in seen:
            continue
        seen.add(top.text)
        found = _occurrences(own, top.text) or [top]
        first = found[0]
        location = positions.location(doc, first.start, first.end)
        related = [positions.location(doc, c.start, c.end, "same clue") for c in found[1:]]
        copy_counts = [(positions.path(d), clues_of.count(d, top.text)) for d in copies]
        # The linker weighs all occurrences of a text together and gives each
        # occurrence that total, so one occurrence's weight is the clue's.
        weight = max([top.weight] + [c.weight for c in found])
        add(Finding(
            rule, fails, doc, location, top.text,
            _("{kind} pointing at {place} (weight {weight:.2f}): {state}").format(
                kind=_clue_kind(top), place=identity.identity or _("the masked place"), weight=weight, state=state),
            _mask_remedy(top.text, len(found), copy_counts, found, positions, doc), related, docs=(doc,),
        ))
    if not seen:
        # The linker decided without naming clues (recovered slots, say): the
        # finding still needs a place, so it goes to the first slot.
        add(Finding(rule, fails, doc, first_slot, "", state,
                    _("run `auditor fix` or mask more of the clear text"), docs=(doc,)))


def _leaking_clues(identity: Identity, clues: list[Clue]) -> list[Clue]:
    """The linker's top clues first, then every other clue that weighs for the
    identity: the linker keeps only a few as top clues, but each one left in
    clear is something to mask."""
    rest: dict[str, Clue] = {}
    for clue in clues:
        if clue.weight > 0 and not clue.elsewhere:
            kept = rest.get(clue.text)
            if kept is None or clue.weight > kept.weight:
                rest[clue.text] = clue
    ranked = sorted(rest.values(), key=lambda c: (-c.weight, c.start))
    return list(identity.top_clues) + ranked


def _own_place_findings(identity: Identity, policy: Policy, positions: _Positions, clues_of, copies, add) -> None:
    doc = identity.doc
    own = clues_of.get(doc, [])
    fails = policy.action("names-own-place") == "fail"
    seen: set[str] = set()
    for named in identity.names_own_place:
        if named.text in seen:
            continue
        seen.add(named.text)
        found = _occurrences(own, named.text) or [named]
        first = found[0]
        copy_counts = [(positions.path(d), clues_of.count(d, named.text)) for d in copies]
        add(Finding(
            "names-own-place", fails, doc, positions.location(doc, first.start, first.end), named.text,
            _("names the document's own place ({place}) in clear, while the masks hide it elsewhere").format(
                place=identity.identity or _("the masked place")),
            _mask_remedy(named.text, len(found), copy_counts, found, positions, doc),
            [positions.location(doc, c.start, c.end, "same name") for c in found[1:]], docs=(doc,),
        ))


# ---------------------------------------------------------------------------
# Output formats
# ---------------------------------------------------------------------------


def format_text(report: GateReport, quiet: bool = False) -> str:
    """One line per finding (file:line:column: level: clue: why; what to mask [rule]), then a summary."""
    # printable_name(): a name or message must never split or garble a line.
    lines = [printable_name(f.line()) for f in report.findings if f.fails or not quiet]
    if quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    for doc in report.documents:
        lines.append(printable_name(f"{doc.path}: {doc.status_line()}"))
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def summary_line(report: GateReport) -> str:
    """``5 documents: 5 checked, 3 passed, 2 failed, 0 not checked (policy: K=5; fails …)``."""
    counts = report.counts()
    skipped = _(", {n} skipped or empty").format(n=counts["skipped"]) if counts["skipped"] else ""
    documents = ngettext("{n} document", "{n} documents", counts["documents"]).format(n=counts["documents"])
    return _("{documents}: {checked} checked, {passed} passed, {failed} failed, {not_checked} not checked{skipped} "
             "({policy}: {rules})").format(documents=documents, checked=counts["checked"], passed=counts["passed"],
                                           failed=counts["failed"], not_checked=counts["not_checked"],
                                           skipped=skipped, policy=report.policy.label(),
                                           rules=report.policy.describe())


def _location_dict(location: Location) -> dict:
    return {
        "doc": location.doc, "path": location.path, "line": location.line, "column": location.column,
        "end_line": location.end_line, "end_column": location.end_column, "text": location.text,
        **({"note": location.note} if location.note else {}),
        **({"part": location.part} if location.part else {}),
    }


def _clue_dict(clue: Clue) -> dict:
    return {"text": clue.text, "kind": clue.kind, "line": clue.line, "start": clue.start, "end": clue.end,
            "weight": round(clue.weight, 4)}


def to_json(report: GateReport) -> dict:
    policy = report.policy
    return {
        "tool": "auditor",
        "version": _version(),
        "passed": report.passed,
        "policy": {
            "source": printable_name(policy.source), "min_anonymity_set": policy.min_anonymity_set,
            "fail_verdicts": list(policy.fail_verdicts), "rules": dict(policy.actions),
        },
        "summary": {
            **report.counts(),
            "failed_documents": len(report.failed_documents),
            "findings": len(report.findings),
            "failing_findings": sum(1 for f in report.findings if f.fails),
        },
        "documents": [
            {
                "doc": d.doc, "path": d.path, "status": d.status, "message": d.message, "n_slots": d.n_slots,
                "verdict": d.verdict,
                "identity": d.identity.identity if d.identity else "",
                "confidence": round(d.identity.confidence, 4) if d.identity else None,
                "risk": round(d.identity.risk, 4) if d.identity else None,
                "anonymity_set": d.identity.anonymity_set if d.identity else None,
                "top_clues": [_clue_dict(c) for c in d.identity.top_clues] if d.identity else [],
                "findings": sum(1 for f in d.findings if f.fails),
            }
            for d in report.documents
        ],
        "findings": [
            {
                "rule": f.rule, "level": f.level, "fails": f.fails, "doc": f.doc, "clue": f.clue,
                "why": f.why, "remedy": f.remedy, "location": _location_dict(f.location),
                "related": [_location_dict(r) for r in f.related],
            }
            for f in report.findings
        ],
    }


def _version() -> str:
    return __version__


def _artifact(location: Location) -> dict:
    uri = location.uri or quote(location.path)
    if uri.startswith("file:"):
        return {"uri": uri}
    # Relative to the folder auditor ran in, which for a commit hook or a CI
    # job is the repository root that code-scanning UIs resolve paths against.
    return {"uri": uri, "uriBaseId": "SRCROOT"}


def _physical(location: Location) -> dict:
    physical: dict = {"artifactLocation": _artifact(location)}
    if location.part:
        # Lines of a Word or PDF file's extracted text are no lines of the file; the part (location.message) says where.
        physical["region"] = {"startLine": 1, **({"snippet": {"text": location.text}} if location.text else {})}
    elif location.line is not None:
        region = {"startLine": location.line, "startColumn": location.column}
        if location.end_line is not None and location.end_column is not None:
            region["endLine"] = location.end_line
            region["endColumn"] = max(location.end_column, location.column)
        if location.text:
            region["snippet"] = {"text": location.text}
        physical["region"] = region
    else:
        # A finding about the whole file; code-scanning UIs want a line all the same.
        physical["region"] = {"startLine": 1}
    return physical


def _fingerprint(finding: Finding) -> str:
    # Stable across runs as long as the finding stays (same file, rule, clue and
    # the same occurrence of the clue), so code-scanning UIs can track it.
    key = "\x1f".join([finding.rule, finding.location.doc, finding.clue, finding.doc,
                       str(finding.location.line or 0)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _sarif_rules(report: GateReport) -> list[dict]:
    rules = []
    for rule_id, rule in RULES.items():
        action = report.policy.action(rule_id)
        rules.append({
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.short},
            "fullDescription": {"text": rule.help},
            "help": {"text": rule.help},
            "defaultConfiguration": {"level": "error" if action == "fail" else "note", "enabled": action != "ignore"},
        })
    return rules


def _sarif_result(finding: Finding, rule_index: int, max_related: int) -> tuple[dict, int]:
    """The SARIF result of a finding, and how many of its related locations were left out."""
    message = (f"{finding.clue}: " if finding.clue else "") + finding.why + (f"; {finding.remedy}" if finding.remedy else "")
    result = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.level,
        "message": {"text": message},
        "locations": [{"physicalLocation": _physical(finding.location),
                       **({"message": {"text": finding.location.part}} if finding.location.part else {})}],
        "partialFingerprints": {"auditorFinding/v1": _fingerprint(finding)},
        "properties": {"document": finding.doc, "clue": finding.clue, "remedy": finding.remedy},
    }
    related = finding.related[:max_related]
    left_out = len(finding.related) - len(related)
    if related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(r), **({"message": {"text": r.note}} if r.note else {})}
            for i, r in enumerate(related, start=1)
        ]
    if left_out:
        result["properties"]["relatedLocations"] = {"total": len(finding.related), "written": len(related)}
    return result, left_out


def sarif_order(findings: list[Finding]) -> list[int]:
    """The order in which findings are kept when a SARIF log cannot hold them
    all: the failing ones (level error) first, then by rule (the order of the
    driver's rules), document and position; findings that tie keep their order."""
    rule_index = {rule_id: i for i, rule_id in enumerate(RULES)}

    def key(i: int):
        finding = findings[i]
        where = finding.location
        return (not finding.fails, rule_index[finding.rule], where.doc, where.line or 0, where.column or 0,
                where.end_line or 0, where.end_column or 0)

    return sorted(range(len(findings)), key=key)


def render_sarif(log: dict) -> str:
    """The log as ``auditor check --format sarif`` writes it (UTF-8 text, indented by one)."""
    return json.dumps(log, ensure_ascii=False, indent=1) + "\n"


# How deep json.dumps(indent=1) nests a result of the log: {"runs": [{"results": [ … ]}]}.
_RESULT_INDENT = " " * 4


def _measured(value) -> bytes:
    """What a log's part weighs when its size is counted: indented as :func:`render_sarif` writes
    it, but with every character beyond ASCII escaped (``\\u5d1e``), as json.dumps writes it by
    default: the larger of the two ways, gzipped too, for Chinese text."""
    return json.dumps(value, indent=1).encode("ascii")


def _measured_result(result: dict) -> bytes:
    """A result as :func:`_measured` counts it in the log, with the comma and line break after it."""
    return _RESULT_INDENT.encode() + _measured(result).replace(b"\n", b"\n" + _RESULT_INDENT.encode()) + b",\n"


# The deepest a result's containers stand in the log (the log 0, runs 1, a run 2, results 3, a
# result 4, down to a related location's region's snippet at 9), with room to spare.
_RESULT_DEPTH = 12


def _at_most_measured(result: dict) -> int:
    """An upper bound of len(_measured_result(result)), from the compact encoding (the C
    encoder, many times faster than the indenting one): indenting puts a line break and at
    most _RESULT_DEPTH spaces before every element and closing bracket, and a space after
    every colon; an element follows an opening bracket or a comma, and the brackets, commas
    and colons inside strings are counted too, which only raises the bound."""
    compact = json.dumps(result, separators=(",", ":")).encode("ascii")
    openers = compact.count(b"{") + compact.count(b"[")
    return (len(compact) + (openers + compact.count(b",")) * (_RESULT_DEPTH + 2) + openers * (_RESULT_DEPTH + 1)
            + compact.count(b":") + len(_RESULT_INDENT) + 2)


def _results_within(results: list[dict], budget: int) -> int:
    """How many of ``results``, taken in order, a gzipped log holds within ``budget`` bytes
    (the rest of the log apart). Counted by compressing them, as :func:`_measured` writes
    them, as an upload does (gzip, its default level 6), and adding up what the compressor
    gives out: what it holds back (at most a block, some tens of kilobytes) is within the
    margin of SARIF_GZIP_MARGIN."""
    # gzip never makes text more than a few bytes a block larger: a log this small needs no count.
    if sum(map(_at_most_measured, results)) * 1.001 + 1024 <= budget:
        return len(results)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    size = 0
    for kept, result in enumerate(results):
        size += len(compressor.compress(_measured_result(result)))
        if size > budget:
            return kept
    return len(results)


def to_sarif(report: GateReport, max_results: int | None = None, max_gzip_bytes: int | None = None,
             max_related: int | None = None) -> dict:
    """A SARIF 2.1.0 log: one run, one result per finding, columns in code points.

    The log stays within what GitHub code scanning accepts (the SARIF_MAX_*
    constants): when there are more findings than ``max_results``, or their
    results would make the gzipped log larger than ``max_gzip_bytes`` (less
    SARIF_GZIP_MARGIN), the failing findings are kept first (in
    :func:`sarif_order`) and the rest are cut; a result keeps at most
    ``max_related`` related locations. What was cut is counted in the run's
    ``properties`` (``sarifCut``) and said in a notification of its invocation
    (:func:`sarif_cut_line` words it for a person); a log that cut nothing has
    neither, and is what it always was. The limits default to the module's
    constants."""
    max_results = SARIF_MAX_RESULTS if max_results is None else max_results
    max_gzip_bytes = SARIF_MAX_GZIP_BYTES if max_gzip_bytes is None else max_gzip_bytes
    max_related = SARIF_MAX_RELATED_LOCATIONS if max_related is None else max_related
    rule_index = {rule_id: i for i, rule_id in enumerate(RULES)}
    findings = report.findings
    log = _sarif_log(report)
    # The results' share: the limit less its margin and the rest of the log, compressed.
    budget = int(max_gzip_bytes * (1 - SARIF_GZIP_MARGIN)) - len(gzip.compress(_measured(log), 6))
    built: dict[int, tuple[dict, int]] = {}  # a finding's result, and its related locations left out

    def results_of(order: list[int]) -> list[tuple[dict, int]]:
        for i in order:
            if i not in built:
                built[i] = _sarif_result(findings[i], rule_index[findings[i].rule], max_related)
        return [built[i] for i in order]

    order = list(range(len(findings)))
    reason = ""
    if len(findings) > max_results:
        reason = "count"
    else:
        entries = results_of(order)
        if _results_within([result for result, _ in entries], budget) < len(entries):
            reason = "size"
    if reason:
        order = sarif_order(findings)[:max_results]
        entries = results_of(order)
        kept = _results_within([result for result, _ in entries], budget)
        if kept < len(entries):
            reason = "size"
        order, entries = order[:kept], entries[:kept]
    related_cut = sum(left_out for _, left_out in entries)
    run = log["runs"][0]
    run["results"] = [result for result, _ in entries]
    if reason or related_cut:
        cut = _sarif_cut(findings, order, related_cut, reason, max_results, max_gzip_bytes, max_related)
        run["properties"]["sarifCut"] = cut
        run["invocations"][0]["toolExecutionNotifications"] = [{
            "level": "warning",
            "message": {"text": _sarif_cut_text(cut)},
            "descriptor": {"id": "sarif-results-cut" if reason else "sarif-related-locations-cut"},
        }]
    return log


def _sarif_cut(findings: list[Finding], order: list[int], related_cut: int, reason: str, max_results: int,
               max_gzip_bytes: int, max_related: int) -> dict:
    """The run's account of what its log left out (``properties.sarifCut``)."""
    written = set(order)
    cut_by_rule: dict[str, int] = {}
    for i, finding in enumerate(findings):
        if i not in written:
            cut_by_rule[finding.rule] = cut_by_rule.get(finding.rule, 0) + 1
    errors = sum(1 for f in findings if f.fails)
    return {
        "findings": len(findings),
        "written": len(order),
        "cut": len(findings) - len(order),
        "errors": errors,
        "errorsWritten": sum(1 for i in order if findings[i].fails),
        # In the order of the driver's rules.
        "cutByRule": {rule: cut_by_rule[rule] for rule in RULES if rule in cut_by_rule},
        "relatedLocationsCut": related_cut,
        "reason": reason or "related-locations",
        "limits": {"results": max_results, "gzipBytes": max_gzip_bytes, "relatedLocations": max_related},
    }


def _sarif_cut_text(cut: dict) -> str:
    """The notification's text (English, as the rest of the log)."""
    if cut["cut"]:
        why = (f"GitHub code scanning accepts at most {cut['limits']['results']:,} results per run"
               if cut["reason"] == "count" else
               f"GitHub code scanning accepts at most {cut['limits']['gzipBytes'] / 1e6:g} MB of gzipped SARIF")
        text = (f"{cut['findings']:,} findings, the first {cut['written']:,} written "
                f"({_errors_written(cut)}); the rest are in --format json ({why})")
    else:
        text = ""
    if cut["relatedLocationsCut"]:
        text += ("; " if text else "") + (
            f"{cut['relatedLocationsCut']:,} related locations left out (at most "
            f"{cut['limits']['relatedLocations']:,} a result); every one is in --format json")
    return text


def _errors_written(cut: dict) -> str:
    if cut["errors"] == cut["errorsWritten"]:
        return {0: "no errors", 1: "the 1 error"}.get(cut["errors"], f"all {cut['errors']:,} errors")
    return f"{cut['errorsWritten']:,} of {cut['errors']:,} errors"


def sarif_cut_line(log: dict) -> str | None:
    """What ``auditor check`` says on stderr when :func:`to_sarif` cut the log
    (``SARIF: 31,204 findings, the first 25,000 written (all 12,000 errors);
    the rest are in --format json``), in the language in use; None when it cut nothing."""
    cut = log["runs"][0]["properties"].get("sarifCut")
    if cut is None:
        return None
    parts = []
    if cut["cut"]:
        if not cut["errors"]:
            errors = _("no errors")
        elif cut["errors"] == cut["errorsWritten"]:
            errors = ngettext("the {n} error", "all {n} errors", cut["errors"]).format(n=f"{cut['errors']:,}")
        else:
            errors = _("{written} of {n} errors").format(written=f"{cut['errorsWritten']:,}", n=f"{cut['errors']:,}")
        counts = dict(findings=f"{cut['findings']:,}", written=f"{cut['written']:,}", errors=errors)
        if cut["reason"] == "size":
            parts.append(_("{findings} findings, the first {written} written ({errors}) to keep the gzipped log "
                           "under {mb} MB; the rest are in --format json").format(
                               mb=f"{cut['limits']['gzipBytes'] / 1e6:g}", **counts))
        else:
            parts.append(_("{findings} findings, the first {written} written ({errors}); the rest are in "
                           "--format json").format(**counts))
    if cut["relatedLocationsCut"]:
        parts.append(_("{n} related locations left out (at most {limit} a result); every one is in --format json")
                     .format(n=f"{cut['relatedLocationsCut']:,}", limit=f"{cut['limits']['relatedLocations']:,}"))
    return _("SARIF: {what}").format(what="; ".join(parts))


def _sarif_log(report: GateReport) -> dict:
    """The log without its results."""
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "auditor", "version": _version(), "rules": _sarif_rules(report)}},
            "originalUriBaseIds": {"SRCROOT": {"uri": Path.cwd().as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "results": [],
            "properties": {"passed": report.passed, "policy": printable_name(report.policy.source),
                           "summary": report.counts(),
                           "failedDocuments": [d.doc for d in report.failed_documents]},
        }],
    }
