"""``auditor fix``: remediated copies that pass the gate, proven by a re-audit.

The inputs are only read. Every readable document is copied to the output
folder under its output name (its path inside the folder given, never outside
the output folder) and in the same encoding; the copies are written into a
staging folder and swapped in whole at the end (see :mod:`auditor.output.folder`).
A document that fails the policy is masked there, a little at a time:

* a slot that a near-duplicate copy shows in clear is masked in that copy,
  with the glyphs the masked copy used;
* a name of the document's own place left in clear is masked everywhere;
* while the clear text still identifies the place or puts it at risk (risk above 1/K),
  the clue that weighs most for the identity is masked, then the next (greedy),
  and the clear names of each place the copies would then be taken for, until
  the linker, inferring the copies again without the clues masked, says they
  would pass (:class:`_LookAhead`); then the copies are read and audited
  again, and so on, until the document passes or no clue is left.

A name once masked is masked at every clue that holds it, in the document and
in its near-duplicates (same :attr:`Identity.group`), so that no copy shows
what another hides. A masked name keeps its generic ending (崞阳镇 → ×镇) so
the sentence still reads. At the end the whole output folder is audited from
scratch; that audit, not the loop's bookkeeping, says whether the fix holds.
"""
from __future__ import annotations

import codecs
import logging
import os
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .output.gate import DocumentReport, GateReport, Policy, display_path, evaluate, resolve_policy, to_json
from .errors import FixError, InputError
from .heap import collector_paused
from .map.formats import docx as docx_format
from .map.formats import html as html_format
from .map.loading import DEFAULT_MAX_BYTES, InputFile, decode_document, iter_input_files, load_file
from .output.folder import OutputError, OutputFolder, refuse_overlap, safe_relative_name, target_inside
from .records import Clue, DocumentAnalysis, Identity, Slot, SourceText
from .reduce.linker import EvidenceModel, KeptLink, SlotAligner, reinfer_group
from .rules import Rules, load_rules
from .result import AuditResult
from .runner import DaskRunner, Runner
from .scan import audit, linked, map_documents, reanalyse_all
from .map.slots import LineIndex

log = logging.getLogger(__name__)

IDENTITY_RULES = ("re-identified", "at-risk")


@dataclass
class Edit:
    start: int
    end: int
    replacement: str
    original: str  # the clear text hidden
    label: str  # what is reported as masked (the clue's text, or the text a copy revealed)
    reason: str  # near-duplicate-leak | names-own-place | clue


@dataclass(frozen=True)
class MaskedSpan:
    """One run of clear text that fix masks, where it stands in the original document."""

    start: int  # character offsets in the original text
    end: int
    line: int  # 1-based, of start
    column: int  # 1-based, in characters
    text: str  # the clear text masked
    replacement: str
    label: str  # the clue it belongs to (as counted in DocumentFix.masked)
    reason: str  # near-duplicate-leak | names-own-place | clue
    round: int  # 1 for the first round of masking


@dataclass
class DocumentFix:
    doc: str
    source: str
    target: str
    encoding: str
    chars: int
    before: DocumentReport
    after: DocumentReport | None = None
    masked: Counter = field(default_factory=Counter)  # label -> occurrences masked
    chars_masked: int = 0
    rounds: int = 0  # rounds in which this document changed
    stuck: str = ""  # why the loop stopped with the document still failing
    spans: list[MaskedSpan] = field(default_factory=list)  # what was masked, in the original's offsets, in order
    # What the copy no longer holds besides its text (a Word or HTML file's in-file findings): "rule (where)".
    cleaned: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.chars_masked > 0 or bool(self.cleaned)


@dataclass
class FixReport:
    out: Path
    policy: Policy
    rounds: int
    before: GateReport
    after: GateReport
    documents: list[DocumentFix]
    skipped: list[tuple[str, str]]  # (doc, why it was not copied)
    unfixable: list[str] = field(default_factory=list)  # skipped docs that fail the policy as they stand

    @property
    def passed(self) -> bool:
        # A document fix could not copy (one auditor cannot read, say) is no pass either.
        return self.after.passed and not self.unfixable

    def document(self, doc: str) -> DocumentFix:
        return next(d for d in self.documents if d.doc == doc)


# ---------------------------------------------------------------------------
# Writing copies
# ---------------------------------------------------------------------------

_EXPLICIT_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def encode_like(text: str, encoding: str, original: bytes) -> bytes:
    """Encodes ``text`` the way ``original`` was encoded, byte order mark included."""
    if encoding in ("utf-16", "utf-32"):
        # Decoding with these codecs consumed a BOM; writing with them would put
        # the machine's byte order, not the file's.
        for bom, codec in _EXPLICIT_BOMS:
            if original.startswith(bom) and codec.startswith(encoding):
                return bom + text.encode(codec)
    return text.encode(encoding)


def can_encode(text: str, encoding: str) -> bool:
    """Whether a copy of ``text`` can be written in ``encoding`` (a repaired text holds
    U+FFFD, which Big5, say, has no bytes for)."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def suffix_split(text: str, suffixes: tuple[str, ...]) -> tuple[str, str]:
    """(core, kept ending): the longest listed ending that leaves a core of one character or more."""
    for suffix in suffixes:
        if len(text) > len(suffix) and text.endswith(suffix):
            return text[: -len(suffix)], suffix
    return text, ""


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, list[Edit]]:
    """Replaces the spans of ``edits``; overlapping spans merge into one mask."""
    merged: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if merged and edit.start < merged[-1].end:
            last = merged[-1]
            if edit.end > last.end:
                merged[-1] = Edit(last.start, edit.end, last.replacement, text[last.start:edit.end], last.label, last.reason)
            continue
        merged.append(edit)
    pieces, position = [], 0
    for edit in merged:
        pieces.append(text[position:edit.start])
        pieces.append(edit.replacement)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces), merged


# ---------------------------------------------------------------------------
# Planning one round
# ---------------------------------------------------------------------------


class _NameParts:
    """Which of the masked ``names`` a clue's text holds, and the part of the text that masking it
    masks. That depends on the text alone, and a plan tests every clue of a group against every
    name masked: each distinct text is tested once. ``split``: :func:`suffix_split`, or a memo of it."""

    def __init__(self, names: Iterable[str], suffixes: tuple[str, ...], split=suffix_split) -> None:
        # Longest names first, so 崞阳古城 is masked as itself, not as 崞阳; names of one length in
        # their own order, not the set's (which changes with the process's hash seed).
        self.names = sorted(names, key=lambda name: (-len(name), name))
        self.cores = [(name, split(name, suffixes)[0]) for name in self.names]  # (name, what masking it masks)
        self._parts: dict[str, tuple[int, int] | None] = {}

    def part(self, text: str) -> tuple[int, int] | None:
        """Offsets in ``text`` of what masking the first name it holds (of :attr:`names`) masks; None: none."""
        if text in self._parts:
            return self._parts[text]
        found = None
        for name, core in self.cores:
            if text == name:
                found = (0, len(core))  # the name's generic ending stays (崞阳镇 → ×镇)
                break
            # A longer clue holding the name's core (崞阳 in 崞阳古城) shows the same
            # name; one character is too little to be sure of that.
            at = text.find(core) if len(core) >= 2 else -1
            if at >= 0:
                found = (at, at + len(core))
                break
        self._parts[text] = found
        return found


def clue_scores(analysis: DocumentAnalysis, covered: set[str]) -> dict[str, float]:
    """How much each clue text still in clear weighs for the decided identity."""
    # The linker weighs all occurrences of a text (per kind) together and gives
    # each occurrence that total: summing occurrences would count it twice.
    per_kind: dict[tuple[str, str], float] = {}
    for clue in analysis.clues:
        if clue.weight > 0 and not clue.elsewhere and clue.text not in covered:
            key = (clue.text, clue.kind)
            per_kind[key] = max(per_kind.get(key, 0.0), clue.weight)
    scores: dict[str, float] = defaultdict(float)
    for (text, _), weight in per_kind.items():
        scores[text] += weight
    return scores


def greedy_pick(analyses: Iterable[DocumentAnalysis], covered: set[str],
                identities: Iterable[Identity] = ()) -> tuple[str, float] | None:
    """The clue text that weighs most for the failing copies of one text, still in clear.

    Near-duplicates are masked alike, so one pick serves every copy; a text
    that leaks in several failing copies counts for each of them. When no
    clue weighs for the decided place, the identities' top clues still in
    clear come next: the names only one place bears that set the risk
    (linker.sole_names) weigh for no place in particular, as 周边五台山 does not.
    """
    scores: dict[str, float] = defaultdict(float)
    for analysis in analyses:
        for text, weight in clue_scores(analysis, covered).items():
            scores[text] += weight
    if not scores:
        for identity in identities:
            for rank, clue in enumerate(identity.top_clues):
                if clue.text not in covered:
                    scores[clue.text] = max(scores[clue.text], 1.0 / (rank + 1))
    if not scores:
        return None
    # Ties go to the longer name: it hides more of what a reader could search for.
    text = max(scores, key=lambda t: (scores[t], len(t), t))
    return text, scores[text]


class _LookAhead:
    """What masking names would leave of a group's identities, before the copies are masked, read
    and linked again: the members without the clues those names would mask, inferred as the last
    link's second pass would infer them (its outside counts kept). A round picks names for a group
    until its failing copies would pass so, and the next link, not this guess, says whether they do:
    a round that stopped at the first pick read and linked the corpus once a name."""

    def __init__(self, result: AuditResult, rules: Rules, policy: Policy):
        self.model = EvidenceModel(result.gazetteer, rules.clues, rules.linker)
        self.outside = result.outside_counts
        self.policy = policy

    @classmethod
    def of(cls, result: AuditResult, rules: Rules, policy: Policy) -> "_LookAhead | None":
        """The look-ahead of a link that says how it weighed the clues (None: one name a round)."""
        return None if result.outside_counts is None or result.gazetteer is None else cls(result, rules, policy)

    def without(self, members: list[DocumentAnalysis], names: Iterable[str], split) -> list[DocumentAnalysis]:
        """``members`` without the clues that masking ``names`` masks (``split``: the plan's suffix_split)."""
        parts = _NameParts(names, self.policy.keep_suffixes, split)
        return [replace(a, clues=[c for c in a.clues if parts.part(c.text) is None]) for a in members]

    def still_failing(self, masked: list[DocumentAnalysis], group: str, docs: list[str]
                      ) -> tuple[list[DocumentAnalysis], list[Identity]]:
        """Of ``docs``, those of the members of ``group`` whose identity would still fail were they
        ``masked`` (:meth:`without`): their analyses so (clues weighed anew) and identities."""
        analyses, identities = [], []
        for analysis, inference in reinfer_group(masked, group, self.model, self.outside, docs):
            if self.fails(inference.identity):
                analyses.append(analysis)
                identities.append(inference.identity)
        return analyses, identities

    def fails(self, identity: Identity) -> bool:
        """Whether the gate would fail a masked copy of ``identity``: by its verdict, or because it
        names in clear the place it is taken for."""
        verdict = self.policy.verdict(identity)
        rule = "re-identified" if verdict in self.policy.fail_verdicts else verdict
        return (rule in IDENTITY_RULES and self.policy.action(rule) == "fail") or bool(self.own_place_names([identity]))

    def own_place_names(self, identities: Iterable[Identity]) -> set[str]:
        """The clear names by which ``identities`` name their own place, where the policy fails that."""
        if self.policy.action("names-own-place") != "fail":
            return set()
        return {clue.text for identity in identities for clue in identity.names_own_place}


class _Plan:
    def __init__(self, result: AuditResult, gate: GateReport, policy: Policy, names: dict[str, set[str]],
                 look_ahead: _LookAhead | None = None, rules: Rules | None = None, aligner: SlotAligner | None = None):
        self.result = result
        # None: a slot a copy reveals is masked in that copy alone. The links' aligner (KeptLink's)
        # where given: its alignments of the copies a round left as they were hold.
        self.aligner = aligner if aligner is not None or rules is None else SlotAligner(rules.linker)
        self.gate = gate
        self.policy = policy
        # doc -> the names masked in it (grows). Kept by document: a group's label is one link's,
        # and copies may join or leave a group from one round to the next.
        self.names = names
        self.look_ahead = look_ahead  # None: one name a group a round
        self.edits: dict[str, list[Edit]] = defaultdict(list)
        self.stuck: dict[str, str] = {}
        self.group_of = {i.doc: i.group for i in result.identities}
        self.members: dict[str, list[str]] = defaultdict(list)
        for identity in result.identities:
            self.members[identity.group].append(identity.doc)
        self._splits: dict[str, tuple[str, str]] = {}  # suffix_split of each name and clue, once per round

    def _split(self, text: str, suffixes: tuple[str, ...]) -> tuple[str, str]:
        found = self._splits.get(text)
        if found is None:
            found = self._splits[text] = suffix_split(text, suffixes)
        return found

    def group(self, doc: str) -> str:
        return self.group_of.get(doc, doc)

    def build(self) -> dict[str, list[Edit]]:
        analyses = {a.doc: a for a in self.result.analyses}
        failing = {d.doc: d for d in self.gate.failed_documents}
        if self.policy.action("near-duplicate-leak") == "fail":
            self._near_duplicates(analyses)
        # Copies of one text mask alike: what any of them masks, all do.
        group_names = {group: set().union(*(self.names.get(doc, ()) for doc in docs))
                       for group, docs in self.members.items()}
        # The failing copies of each group whose identity a pick of names is to change.
        picking: dict[str, list[str]] = defaultdict(list)
        for doc, report in failing.items():
            identity = self.result.identity(doc)
            rules = {f.rule for f in report.findings if f.fails and f.doc == doc}
            if identity is None or not report.masked:
                if rules - {"near-duplicate-leak"}:
                    self.stuck[doc] = "no masks to extend: redact the document first"
                continue
            names = group_names.setdefault(self.group(doc), set())
            if "names-own-place" in rules:
                names.update(c.text for c in identity.names_own_place)
            if rules & set(IDENTITY_RULES) or (self.look_ahead is not None and "names-own-place" in rules):
                picking[self.group(doc)].append(doc)
        for group, docs in picking.items():
            self._pick_names(group, docs, analyses, group_names[group])
        for group, names in group_names.items():
            if not names:
                continue
            parts = self.name_parts(names)  # once a group: its copies share their clues' texts
            for doc in self.members[group]:
                self.names[doc] = set(names)
                if doc in analyses:
                    self._mask_names(analyses[doc], parts)
        return self.edits

    def _pick_names(self, group: str, docs: list[str], analyses: dict[str, DocumentAnalysis], names: set[str]) -> None:
        """Adds to ``names``, the group's, the clue that weighs most for its failing copies ``docs``. With a
        look-ahead, the next and so on, and the clear names of the place each copy would then be taken
        for (names-own-place), until those copies would pass: masking a copy's place moves the guess to
        another place the text names, which it then names in clear, a round later each time."""
        look_ahead = self.look_ahead
        failing, identities = [analyses[d] for d in docs], [self.result.identity(d) for d in docs]
        members = [analyses[d] for d in self.members[group] if d in analyses]
        masked = None
        if look_ahead is not None and names:
            # The names this round masks already (those the copies name their place by) may be enough.
            masked = look_ahead.without(members, names, self._split)
            failing, identities = look_ahead.still_failing(masked, group, docs)
        picks = 0
        while failing:
            own = look_ahead.own_place_names(identities) - names if look_ahead is not None else set()
            if own:
                picked = sorted(own)
                log.info("fix: %s: masking %s (the place they would be taken for)",
                         ", ".join(a.doc for a in failing), ", ".join(picked))
            else:
                heaviest = greedy_pick(failing, names, identities)
                if heaviest is None:
                    if not picks:
                        for doc in docs:
                            self.stuck[doc] = "no clue left that weighs for the identity"
                    return
                log.info("fix: %s: masking %s (weight %.3f)", ", ".join(a.doc for a in failing), *heaviest)
                picked = [heaviest[0]]
            names.update(picked)
            picks += 1
            if look_ahead is None:
                return
            # The names picked before this round are masked in the text already; not those of it.
            masked = look_ahead.without(members, names, self._split) if masked is None else \
                look_ahead.without(masked, picked, self._split)
            failing, identities = look_ahead.still_failing(masked, group, docs)

    def _near_duplicates(self, analyses: dict[str, DocumentAnalysis]) -> None:
        # The copy a leak names is one of the clearest few, at the first place it shows the slot;
        # masked there alone, the slot would show in the next clearest, or at the copy's next
        # place between the same neighbours, a round later. With an aligner, it is masked
        # wherever any copy shows it.
        aligner = self.aligner
        slots_of: dict[str, dict[str, Slot]] = {}
        copies_of: dict[str, list[DocumentAnalysis]] = {}  # group -> its members' analyses
        # A slot's leaks are one a copy that masks it, and the copies of a text mask the same slots:
        # the places that show a slot are found once per (group, neighbours, mask), and each copy
        # is given their edits once (the same edit again changes nothing: apply_edits keeps the first).
        showing: dict[tuple[str, tuple[str, str], str], list[tuple[DocumentAnalysis, tuple[tuple[int, int], ...]]]] = {}
        given: set[tuple[tuple[str, tuple[str, str], str], str]] = set()
        for leak in self.result.inconsistencies:
            other = analyses.get(leak.other_doc)
            if other is None or leak.other_end <= leak.other_start:
                continue
            if leak.doc not in slots_of:
                slots_of[leak.doc] = {s.slot_id: s for s in analyses[leak.doc].slots} if leak.doc in analyses else {}
            slot = slots_of[leak.doc].get(leak.slot_id)
            mask = slot.mask if slot else self.policy.mask
            shown = other.source.text[leak.other_start:leak.other_end]
            self.edits[leak.other_doc].append(Edit(
                leak.other_start, leak.other_end, mask, shown, leak.revealed or shown, "near-duplicate-leak"))
            if slot is None or aligner is None:
                continue
            anchors = aligner.anchors(analyses[leak.doc].source.text, slot)
            if anchors is None:
                continue
            group = self.group(leak.doc)
            key = (group, anchors, mask)
            if key not in showing:
                if group not in copies_of:
                    copies_of[group] = [analyses[d] for d in self.members.get(group, ()) if d in analyses]
                showing[key] = [(copy, found) for copy in copies_of[group]
                                if (found := aligner.revealed_all(anchors, copy))]
            for copy, places in showing[key]:
                if copy.doc == leak.doc or (key, copy.doc) in given:
                    continue
                given.add((key, copy.doc))
                text = copy.source.text
                self.edits[copy.doc].extend(Edit(start, end, mask, text[start:end], text[start:end], "near-duplicate-leak")
                                            for start, end in places
                                            if (copy.doc, start, end) != (leak.other_doc, leak.other_start, leak.other_end))

    def name_parts(self, names: Iterable[str]) -> _NameParts:
        return _NameParts(names, self.policy.keep_suffixes, self._split)

    def _mask_names(self, analysis: DocumentAnalysis, parts: _NameParts) -> None:
        """Edits masking the names of ``parts`` in ``analysis``."""
        text = analysis.source.text
        edits = self.edits[analysis.doc]
        for clue in analysis.clues:
            part = parts.part(clue.text)
            if part is not None:
                start, end = clue.start + part[0], clue.start + part[1]
                edits.append(Edit(start, end, self.policy.mask, text[start:end], clue.text, "clue"))
        # The clue finder skips a name where the words around it read
        # otherwise (连接线段家堡至宁武); a reader does not. A name long enough
        # not to occur inside ordinary words is masked wherever it stands.
        for name, core in parts.cores:
            if len(name) < self.policy.literal_min_chars:
                continue
            for match in re.finditer(re.escape(name), text):
                edits.append(Edit(match.start(), match.start() + len(core), self.policy.mask, core, name, "clue"))


# ---------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------


def _check_targets(files: list[InputFile], roots: list[Path], out: Path) -> dict[str, str]:
    """The name of each document's copy under ``out``; FixError when the
    copies could touch an input or two would land on one name."""
    try:
        refuse_overlap(out, roots)
    except OutputError as exc:
        raise FixError(str(exc)) from exc
    names: dict[str, str] = {}
    seen: dict[str, Path] = {}
    for entry in files:
        name = safe_relative_name(entry.output_name).as_posix()
        # Case-folded: the copies may land on a case-insensitive file system.
        if name.casefold() in seen:
            raise FixError(f"{seen[name.casefold()]} and {entry.path} would both be written to {out / name}")
        seen[name.casefold()] = entry.path
        names[entry.doc] = name
    return names


class _Copies:
    """What fix's rounds keep of the copies, in a folder (:class:`_Workspace`) or in memory
    (:class:`_Draft`): their current texts and encodings, the map's analyses of those texts
    (``pristine``), and what one link keeps for the next."""

    def __init__(self, rules: Rules, runner: Runner | DaskRunner) -> None:
        self.rules = rules
        self.runner = runner  # where the copies are read again
        self.order: list[str] = []
        self.pristine: dict[str, DocumentAnalysis] = {}
        self.texts: dict[str, str] = {}
        self.encodings: dict[str, str] = {}
        self._kept = KeptLink(rules)  # each round re-links the copies, few of which it changed

    @property
    def aligner(self) -> SlotAligner:
        """The links' slot aligner (its alignments of the copies a round left as they were hold)."""
        return self._kept.aligner

    def _reanalysed(self, sources: list[tuple[str, SourceText]], group_of: dict[str, str]) -> list[DocumentAnalysis]:
        """The analyses of the copies (doc, edited source) read again, copies of a group together."""
        return reanalyse_all([(self.pristine[doc], source) for doc, source in sources], group_of, self.rules,
                             self.runner)


class _Workspace(_Copies):
    """The copies in the output folder and the pristine map results of their current text."""

    def __init__(self, staging: Path, out: Path, rules: Rules, policy: Policy, max_bytes: int,
                 runner: Runner | DaskRunner = Runner()):
        super().__init__(rules, runner)
        self.staging = staging  # where the copies are written and rewritten
        self.out = out  # where they will be once the output folder is swapped in
        self.policy = policy
        self.max_bytes = max_bytes
        self.originals: dict[str, bytes] = {}
        self.names: dict[str, str] = {}  # doc -> relative name of its copy

    def target(self, doc: str) -> Path:
        """The copy being written (in the staging folder)."""
        return target_inside(self.staging, self.names[doc])

    def final(self, doc: str) -> Path:
        """Where the copy ends up."""
        return self.out / self.names[doc]

    def add(self, analysis: DocumentAnalysis, original: bytes, name: str) -> None:
        doc = analysis.doc
        self.order.append(doc)
        self.names[doc] = name
        self.pristine[doc] = analysis
        self.texts[doc] = analysis.source.text
        self.originals[doc] = original
        self.encodings[doc] = analysis.source.encoding
        target = self.target(doc)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(original)  # untouched copies stay byte for byte

    def link(self) -> AuditResult:
        # Only the gate reads these links (fix's proof is a fresh audit): no slot is recovered.
        return linked([self.pristine[doc] for doc in self.order], self.rules, kept=self._kept, recover_slots=False)

    def clean(self) -> list[str]:
        """Rewrites the Word and HTML copies that hold more than their text without it; the docs cleaned."""
        cleaned = []
        for doc in self.order:
            source = self.pristine[doc].source
            if source.in_file and source.format in ("docx", "html"):
                self._write(doc, self.texts[doc], _cleaned_copy(source, self.originals[doc]))
                cleaned.append(doc)
        return cleaned

    def rewrite(self, rewrites: list[tuple[str, str, list[tuple[int, int, str]]]], group_of: dict[str, str]) -> None:
        """Each copy of (doc, text, edits) with ``edits`` (offsets into its current text) made,
        ``text`` what they make; each read again (``group_of``: doc -> its copies' group)."""
        for doc, text, edits in rewrites:
            self._store(doc, text, _edited_copy(self.pristine[doc].source, self.originals[doc], text, edits))
        self._read_back([doc for doc, _, _ in rewrites], group_of)

    def _write(self, doc: str, text: str, data: bytes) -> None:
        self._store(doc, text, data)
        self._read_back([doc], {})

    def _store(self, doc: str, text: str, data: bytes) -> None:
        self.texts[doc] = text
        self.originals[doc] = data
        self.target(doc).write_bytes(data)

    def _read_back(self, docs: list[str], group_of: dict[str, str]) -> None:
        """The copies of ``docs`` read back from the staging folder and analysed again."""
        sources = [(doc, load_file(self.target(doc), doc, self.max_bytes)) for doc in docs]
        for doc, analysis in zip(docs, self._reanalysed(sources, group_of)):
            if analysis.source.text != self.texts[doc]:
                raise RuntimeError(f"{self.target(doc)}: the copy does not read back as written "
                                   f"({analysis.source.status})")
            self.pristine[doc] = analysis


def _cleaned_copy(source: SourceText, data: bytes) -> bytes:
    """A Word or HTML file without what it holds besides its text; the text as it was."""
    if source.format == "docx":
        return docx_format.write_clean(data)
    return encode_like(html_format.clean(decode_document(data).text), source.encoding, data)


def _edited_copy(source: SourceText, data: bytes, text: str, edits: list[tuple[int, int, str]]) -> bytes:
    """The file's bytes with ``edits`` made in its text (``text``: the text they make)."""
    if source.format == "docx":
        return docx_format.write_clean(data, edits)
    if source.format == "html":
        return encode_like(html_format.apply_edits(decode_document(data).text, edits), source.encoding, data)
    return encode_like(text, source.encoding, data)


def remediate(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    out: str | os.PathLike,
    rules: Rules | str | os.PathLike | None = None,
    policy: Policy | None = None,
    workers: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress=None,
    runner: Runner | DaskRunner | None = None,
    cache=None,
) -> FixReport:
    """Writes remediated copies of ``paths`` to ``out`` and re-audits them.

    ``out`` is replaced whole once every copy is written (see
    :class:`~auditor.output.folder.OutputFolder`; the CLI passes one it opened
    before reading); the re-audit reads it where it then stands (so with a
    :class:`~auditor.runner.DaskRunner` the workers must be able to read it).
    ``runner``: where the map's tasks run (default: ``Runner(workers)``).
    ``cache``: a :class:`~auditor.mapcache.MapCache` for both audits (a hit is the analysis
    a fresh read of the same bytes gives, so the proof holds; None: no cache)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    roots = [Path(p) for p in paths]
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    if policy is None:
        policy = resolve_policy(None, rules.folder)
    runner = runner or Runner(workers)
    try:
        files = list(iter_input_files(roots))
    except InputError as exc:
        raise FixError(str(exc)) from exc
    if not files:
        raise FixError(f"no text files under {', '.join(str(r) for r in roots)}")
    folder = out if isinstance(out, OutputFolder) else OutputFolder(out, inputs=roots, command="fix")
    names = _check_targets(files, roots, folder.path)
    with folder:
        analyses = map_documents(files, rules, workers, with_clues=True, max_bytes=max_bytes, progress=progress,
                                 runner=runner, cache=cache)
        workspace, skipped, unfixable = _copy_readable(files, analyses, names, folder, rules, policy, max_bytes,
                                                       runner)
        rounds, before, _, fixes = _mask_until_passing(workspace, policy)
        folder.commit()
        # The proof: a fresh audit of the output folder, as `auditor check OUT` would run it.
        final = audit([folder.path], rules, workers=workers, link=True, max_bytes=max_bytes, runner=runner,
                      cache=cache)
    after = evaluate(final, policy)
    by_doc = {d.doc: d for d in after.documents}
    reports = {a.source.path: by_doc.get(a.doc) for a in final.analyses}
    for doc, fix in fixes.items():
        fix.after = reports.get(str(workspace.final(doc).resolve()))
        if fix.after is not None and not fix.after.failed:
            fix.stuck = ""
        elif fix.after is not None and not fix.stuck:
            fix.stuck = f"still failing after {rounds} round(s) (policy max_rounds = {policy.max_rounds})"
    return FixReport(folder.path, policy, rounds, before, after, [fixes[d] for d in workspace.order], skipped,
                     unfixable)


def _copy_readable(files, analyses, copy_names: dict[str, str], folder: OutputFolder, rules: Rules,
                   policy: Policy, max_bytes: int, runner: Runner | DaskRunner
                   ) -> tuple["_Workspace", list[tuple[str, str]], list[str]]:
    """Copies every readable document into the staging folder, byte for byte;
    returns the workspace, the (doc, why) of those not copied, and which of
    those fail the policy as they stand (auditor could not check them)."""
    workspace = _Workspace(folder.staging, folder.path, rules, policy, max_bytes, runner)
    skipped, unfixable = [], []
    for entry, analysis in zip(files, analyses):
        source = analysis.source
        if source.ok and source.format == "pdf":
            skipped.append((analysis.doc, _NOT_REWRITTEN))
            unfixable.append(analysis.doc)
            continue
        if source.ok:
            workspace.add(analysis, entry.path.read_bytes(), copy_names[entry.doc])
            continue
        skipped.append((analysis.doc, f"{source.status}: {source.message}"))
        if source.not_checked and policy.action("not-checked") == "fail":
            unfixable.append(analysis.doc)
    return workspace, skipped, unfixable


_NOT_REWRITTEN = ("a PDF: fix does not rewrite PDFs, whose text cannot be masked in place in a way a reader can "
                  "trust; redact it with a tool that removes the text (not one that draws boxes over it), clear "
                  "its metadata, and check it again: `auditor check` lists what must go")


class _Origins:
    """Where the text of a copy being masked stood in the original document.

    Each round masks the copy as the previous round left it, so its offsets
    drift from the original's; what a reader is told to mask (line:column)
    is in the original. Kept as the replaced runs only, not a map per character."""

    def __init__(self) -> None:
        # (start, end) in the current text, (start, end) in the original, sorted, disjoint
        self._runs: list[tuple[int, int, int, int]] = []
        self._starts: list[int] = []

    def original(self, position: int, at_end: bool = False) -> int:
        index = bisect_right(self._starts, position) - 1
        if index < 0:
            return position
        start, end, original_start, original_end = self._runs[index]
        if position >= end or (at_end and position == end):
            return position - end + original_end
        # Inside a mask written earlier (never for clear text): the whole of what it hid.
        return original_end if at_end and position > start else original_start

    def replaced(self, edits: list[Edit]) -> list[tuple[int, int]]:
        """Records ``edits`` (sorted, disjoint, in the current text: apply_edits's
        result) as applied; returns their spans in the original."""
        spans = [(self.original(e.start), self.original(e.end, at_end=True)) for e in edits]
        runs, shift, kept = [], 0, iter(self._runs)
        pending = next(kept, None)
        for edit, (original_start, original_end) in zip(edits, spans):
            while pending is not None and pending[0] < edit.start:
                runs.append((pending[0] + shift, pending[1] + shift, pending[2], pending[3]))
                pending = next(kept, None)
            runs.append((edit.start + shift, edit.start + shift + len(edit.replacement), original_start, original_end))
            shift += len(edit.replacement) - (edit.end - edit.start)
        while pending is not None:
            runs.append((pending[0] + shift, pending[1] + shift, pending[2], pending[3]))
            pending = next(kept, None)
        self._runs, self._starts = runs, [run[0] for run in runs]
        return spans


def _mask_until_passing(workspace, policy: Policy) -> tuple[int, GateReport, GateReport, dict[str, DocumentFix]]:
    """Masks the copies round by round until they pass or nothing is left to
    mask; returns (rounds, the gate's report before, its report on the copies
    as last masked, the fixes per doc). ``workspace``: a :class:`_Workspace`
    (fix) or a :class:`_Draft` (plan_fix)."""
    # The rounds make millions of records that reference counting frees (see auditor.heap).
    with collector_paused():
        return _rounds(workspace, policy)


def _rounds(workspace, policy: Policy) -> tuple[int, GateReport, GateReport, dict[str, DocumentFix]]:
    current = workspace.link()
    before = evaluate(current, policy)
    before_sources = {doc: analysis.source for doc, analysis in workspace.pristine.items()}
    fixes = {
        # display_path escapes what a copy's real name may hold (any byte).
        doc: DocumentFix(doc, display_path(analysis.source.path), display_path(str(workspace.final(doc))),
                         analysis.source.encoding, len(analysis.source.text), before.document(doc))
        for doc, analysis in workspace.pristine.items()
    }
    originals = {doc: workspace.texts[doc] for doc in workspace.order}
    origins: dict[str, _Origins] = defaultdict(_Origins)
    lines: dict[str, LineIndex] = {}
    names: dict[str, set[str]] = {}
    rounds = 0
    gate = before
    cleaned = workspace.clean()
    for doc in cleaned:
        fixes[doc].cleaned = [f"{f.rule} ({f.where})" for f in before_sources[doc].in_file]
    if cleaned:
        current = workspace.link()
        gate = evaluate(current, policy)
    while not gate.passed and rounds < policy.max_rounds:
        plan = _Plan(current, gate, policy, names, _LookAhead.of(current, workspace.rules, policy), workspace.rules,
                     workspace.aligner)
        edits = plan.build()
        for doc, why in plan.stuck.items():
            if doc in fixes:
                fixes[doc].stuck = why
        rewrites: list[tuple[str, str, list[tuple[int, int, str]]]] = []
        for doc, planned in edits.items():
            new_text, applied = apply_edits(workspace.texts[doc], planned)
            if new_text == workspace.texts[doc]:
                continue
            # (A Word file has no encoding of its own to fail: "".)
            if workspace.encodings[doc] and not can_encode(new_text, workspace.encodings[doc]):
                # The replacement characters of a repaired text stand for bytes this encoding cannot write back.
                fixes[doc].stuck = (f"a masked copy cannot be written in {workspace.encodings[doc]}: the file had "
                                    "bytes that could not be decoded; re-save it in a clean encoding, then fix it")
                continue
            rewrites.append((doc, new_text, [(edit.start, edit.end, edit.replacement) for edit in applied]))
            fix = fixes[doc]
            fix.rounds += 1
            index = lines.get(doc) or lines.setdefault(doc, LineIndex(originals[doc]))
            for edit, (start, end) in zip(applied, origins[doc].replaced(applied)):
                fix.masked[edit.label] += 1
                fix.chars_masked += edit.end - edit.start
                line, column = index.position(start)
                fix.spans.append(MaskedSpan(start, end, line, column, edit.original, edit.replacement, edit.label,
                                            edit.reason, rounds + 1))
        if not rewrites:
            break
        workspace.rewrite(rewrites, plan.group_of)
        rounds += 1
        current = workspace.link()
        gate = evaluate(current, policy)
        log.info("fix: round %d: %d document(s) still fail", rounds, len(gate.failed_documents))
    for fix in fixes.values():
        fix.spans.sort(key=lambda span: (span.start, span.end))
    return rounds, before, gate, fixes


# ---------------------------------------------------------------------------
# Planning without writing: what fix would mask
# ---------------------------------------------------------------------------


class _Draft(_Copies):
    """The copies fix would write, held in memory: the bookkeeping of
    :class:`_Workspace` for :func:`plan_fix`, without a folder. The first
    link is the audit's own (already done); the audit is never changed."""

    def __init__(self, result: AuditResult, rules: Rules, runner: Runner | DaskRunner = Runner()):
        super().__init__(rules, runner)
        readable = [a for a in result.analyses if a.source.ok]
        self.order = [a.doc for a in readable]
        self.pristine = {a.doc: a for a in readable}
        self.texts = {a.doc: a.source.text for a in readable}
        self.encodings = {a.doc: a.source.encoding for a in readable}
        self._first: AuditResult | None = AuditResult(
            readable, list(result.identities), list(result.inconsistencies), result.gazetteer,
            outside_counts=result.outside_counts)

    def final(self, doc: str) -> str:
        return self.pristine[doc].source.path or doc

    def link(self) -> AuditResult:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        # Only the gate reads these links (fix's proof is a fresh audit): no slot is recovered.
        return linked([self.pristine[doc] for doc in self.order], self.rules, kept=self._kept, recover_slots=False)

    def clean(self) -> list[str]:
        """What :meth:`_Workspace.clean` would clean: the Word and HTML documents, without their in-file findings."""
        cleaned = []
        for doc in self.order:
            analysis = self.pristine[doc]
            if analysis.source.in_file and analysis.source.format in ("docx", "html"):
                self.pristine[doc] = replace(analysis, source=replace(analysis.source, in_file=()))
                cleaned.append(doc)
        return cleaned

    def rewrite(self, rewrites: list[tuple[str, str, list[tuple[int, int, str]]]], group_of: dict[str, str]) -> None:
        sources = []
        for doc, text, _ in rewrites:
            self.texts[doc] = text
            sources.append((doc, replace(self.pristine[doc].source, text=text)))
        for (doc, _), analysis in zip(sources, self._reanalysed(sources, group_of)):
            self.pristine[doc] = analysis


@dataclass
class FixPlan:
    """What ``auditor fix`` would do to an audited corpus, found without writing anything."""

    policy: Policy
    rounds: int
    before: GateReport  # the gate on the documents as they are
    after: GateReport  # the gate on the copies as they would be masked
    documents: dict[str, DocumentFix]  # per readable document; spans empty when fix leaves it as it is
    not_copied: dict[str, str]  # doc -> why fix cannot copy it (a file auditor could not read)

    def document(self, doc: str) -> DocumentFix | None:
        return self.documents.get(doc)


def plan_fix(result: AuditResult, policy: Policy | None = None, rules: Rules | None = None,
             runner: Runner | DaskRunner = Runner()) -> FixPlan:
    """What ``auditor fix`` would mask in the documents of a linked audit: the
    same rounds of planning, masking and re-linking as fix, on copies held in
    memory. Nothing is written and ``result`` is left as it is. Each
    document's :attr:`DocumentFix.spans` are the clear runs masked, at their
    offsets and line:column in the original text; ``after`` is the gate on
    the masked copies (fix's own proof, a re-audit of the written folder,
    reads them back from disk and could differ only where a copy does not
    decode as it was written). ``rules``: those of the audit (by default the
    rules of ``policy``). ``runner``: where the masked copies are read again, a round's copies of
    one text together (default: here)."""
    if policy is None:
        policy = resolve_policy(None, None)
    if rules is None:
        rules = load_rules(policy.rules_folder or None)
    draft = _Draft(result, rules, runner)
    rounds, before, after, fixes = _mask_until_passing(draft, policy)
    not_copied = {a.doc: f"{a.source.status}: {a.source.message}" if a.source.message else a.source.status
                  for a in result.analyses if not a.source.ok}
    for doc, fix in fixes.items():
        fix.after = after.document(doc)
        if fix.after is not None and fix.after.failed and not fix.stuck:
            fix.stuck = f"still failing after {rounds} round(s) (policy max_rounds = {policy.max_rounds})"
        elif fix.after is not None and not fix.after.failed:
            fix.stuck = ""
    return FixPlan(policy, rounds, before, after, fixes, not_copied)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def fix_to_json(report: FixReport) -> dict:
    return {
        "out": str(report.out),
        "passed": report.passed,
        "rounds": report.rounds,
        "documents": [
            {
                "doc": d.doc, "source": d.source, "target": d.target, "encoding": d.encoding, "chars": d.chars,
                "chars_masked": d.chars_masked, "cleaned": d.cleaned,
                "masked": [{"text": text, "count": n} for text, n in d.masked.most_common()],
                "before": {"status": d.before.status, "verdict": d.before.verdict,
                           "risk": round(d.before.identity.risk, 4) if d.before.identity else None,
                           "anonymity_set": d.before.identity.anonymity_set if d.before.identity else None},
                "after": None if d.after is None else {
                    "status": d.after.status, "verdict": d.after.verdict,
                    "risk": round(d.after.identity.risk, 4) if d.after.identity else None,
                    "anonymity_set": d.after.identity.anonymity_set if d.after.identity else None},
                "not_fixed": d.stuck if d.after is not None and d.after.failed else "",
            }
            for d in report.documents
        ],
        "skipped": [{"doc": doc, "why": why, "fails": doc in report.unfixable} for doc, why in report.skipped],
        "reaudit": to_json(report.after),
    }
