"""The outcome of an audit: the per-document analyses (the map) and the
linker's verdicts (the reduce), with lookups and the audit tables as pandas
frames. Writing them is :func:`auditor.output.writer.write_audit`'s."""
from __future__ import annotations

from dataclasses import dataclass, field

from .records import Clue, DocumentAnalysis, Identity, Inconsistency


@dataclass(frozen=True)
class AuditResult:
    """The outcome of an audit: per-document analyses and the linker's verdicts."""

    analyses: list[DocumentAnalysis]
    identities: list[Identity] = field(default_factory=list)
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    gazetteer: object = None
    timings: dict[str, float] = field(default_factory=dict)
    # For each clue text, how many confident groups about other places use it (the linker's second pass
    # weighed the clues by these; None when the documents were not linked).
    outside_counts: dict[str, int] | None = None
    _indexes: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def analysis(self, doc: str) -> DocumentAnalysis:
        """The analysis of one document (KeyError if there is none)."""
        return self._index("analyses")[doc]

    def identity(self, doc: str) -> Identity | None:
        return self._index("identities").get(doc)

    def _index(self, name: str) -> dict:
        if name not in self._indexes:
            self._indexes[name] = {record.doc: record for record in getattr(self, name)}
        return self._indexes[name]

    def describe_candidates(self, clue: Clue, limit: int = 5) -> str:
        if self.gazetteer is None or not clue.candidates:
            return ""
        paths = [self.gazetteer.path(uid) for uid in clue.candidates[:limit]]
        more = len(clue.candidates) - limit
        return "; ".join(paths) + (f"; +{more} more" if more > 0 else "")

    @property
    def slots(self):
        return _frame("slots_frame", self)

    @property
    def documents(self):
        return _frame("documents_frame", self)

    @property
    def clues(self):
        return _frame("clues_frame", self)

    @property
    def files(self):
        return _frame("files_frame", self)

    @property
    def in_file(self):
        """What Word, PDF and HTML files hold besides their visible text: one row per finding."""
        return _frame("in_file_frame", self)


def _frame(name: str, result: AuditResult):
    """``output.tables.<name>(result)``: the tables module (and pandas) loaded on the first frame
    asked for, not by every command that makes a result (a cold `auditor check` needs none)."""
    from .output import tables

    return getattr(tables, name)(result)
