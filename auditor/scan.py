"""The scan: a per-document map (load, find slots and clues) and a corpus-level
reduce (the linker). The map is a pure function of one file and the rules, so
it runs in worker processes, or on any engine that can map a function."""
from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .loading import DEFAULT_MAX_BYTES, iter_input_files, load_file
from .masks import MaskFinder
from .neardup import Fingerprinter
from .records import Clue, DocumentAnalysis, Identity, Inconsistency, SourceText
from .rules import Rules, load_rules
from .slots import SlotClassifier, build_slots


class Analyzer:
    """Everything the map needs, built once per process."""

    def __init__(self, rules: Rules, with_clues: bool = True):
        self.rules = rules
        self.finder = MaskFinder(rules.masks)
        self.classifier = SlotClassifier(rules.slots)
        self.clue_finder = None
        if with_clues:
            from .clues import ClueFinder

            self.clue_finder = ClueFinder.default(rules)
            self.fingerprinter = Fingerprinter()

    def analyse(self, source: SourceText) -> DocumentAnalysis:
        analysis = DocumentAnalysis(source)
        if not source.ok:
            return analysis
        text = source.text
        started = time.perf_counter()
        runs = self.finder.find(text)
        found = time.perf_counter()
        analysis.slots = build_slots(source.doc, text, runs, self.classifier)
        classified = time.perf_counter()
        analysis.timings = {"tokenize": found - started, "classify": classified - found}
        if self.clue_finder is not None:
            analysis.clues = self.clue_finder.find(source.doc, text, runs)
            analysis.fingerprint = self.fingerprinter(text)
            analysis.timings["clues"] = time.perf_counter() - classified
        return analysis


_worker_analyzer: Analyzer | None = None
_analyzers: dict[tuple[str, bool], Analyzer] = {}


def _init_worker(rules_dir: str, with_clues: bool) -> None:
    """Builds (once per process and rules) the analyzer the map uses."""
    global _worker_analyzer
    key = (rules_dir, with_clues)
    if key not in _analyzers:
        _analyzers[key] = Analyzer(load_rules(rules_dir), with_clues)
    _worker_analyzer = _analyzers[key]


def _map_one(job: tuple[str, str, int]) -> DocumentAnalysis:
    path, doc, max_bytes = job
    started = time.perf_counter()
    source = load_file(Path(path), doc, max_bytes)
    loaded = time.perf_counter() - started
    analysis = _worker_analyzer.analyse(source)
    analysis.timings["load"] = loaded
    return analysis


@dataclass
class AuditResult:
    """The outcome of an audit: per-document analyses and the linker's verdicts."""

    analyses: list[DocumentAnalysis]
    identities: list[Identity] = field(default_factory=list)
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    gazetteer: object = None
    timings: dict[str, float] = field(default_factory=dict)
    _indexes: dict = field(default_factory=dict, repr=False, compare=False)

    def analysis(self, doc: str) -> DocumentAnalysis:
        """The analysis of one document (KeyError if there is none)."""
        return self._index("analyses")[doc]

    def identity(self, doc: str) -> Identity | None:
        return self._index("identities").get(doc)

    def _index(self, name: str) -> dict:
        # Rebuilt when the list changes length (the linker fills identities late).
        records = getattr(self, name)
        cached = self._indexes.get(name)
        if cached is None or cached[0] is not records or cached[1] != len(records):
            cached = (records, len(records), {r.doc: r for r in records})
            self._indexes[name] = cached
        return cached[2]

    def describe_candidates(self, clue: Clue, limit: int = 5) -> str:
        if self.gazetteer is None or not clue.candidates:
            return ""
        paths = [self.gazetteer.path(uid) for uid in clue.candidates[:limit]]
        more = len(clue.candidates) - limit
        return "; ".join(paths) + (f"; +{more} more" if more > 0 else "")

    def write(self, out: str | os.PathLike, workers: int = 1, progress=None, generated_at: str | None = None) -> list[Path]:
        """Writes the audit tables and the HTML report to ``out``; returns the
        paths written (the report's index.html last). With workers, forked
        processes write the report's pages while this one writes the tables."""
        from .report import ReportJob
        from .tables import write_tables

        started = time.perf_counter()
        report = ReportJob(self, out, generated_at, workers, progress)
        tables_started = time.perf_counter()
        try:
            written = write_tables(self, out)
        except BaseException:
            report.close()
            raise
        tables_done = time.perf_counter()
        written.append(report.wait())
        finished = time.perf_counter()
        self.timings["tables"] = tables_done - tables_started
        # The report's own wall time: what it took before and after the tables.
        self.timings["report"] = (tables_started - started) + (finished - tables_done)
        self.timings["report_workers_cpu"] = report.worker_seconds
        self.timings["write"] = finished - started
        return written

    @property
    def slots(self):
        from .tables import slots_frame

        return slots_frame(self)

    @property
    def documents(self):
        from .tables import documents_frame

        return documents_frame(self)

    @property
    def clues(self):
        from .tables import clues_frame

        return clues_frame(self)

    @property
    def files(self):
        from .tables import files_frame

        return files_frame(self)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def map_documents(
    files: Sequence[tuple[Path, str]],
    rules: Rules,
    workers: int = 1,
    with_clues: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress=None,
) -> list[DocumentAnalysis]:
    """Runs the per-document map, in order, over worker processes when workers > 1."""
    jobs = [(str(path), doc, max_bytes) for path, doc in files]
    if workers <= 1 or len(jobs) <= 1:
        _init_worker(str(rules.folder), with_clues)
        results = []
        for job in jobs:
            results.append(_map_one(job))
            if progress:
                progress(1)
        return results
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(str(rules.folder), with_clues)) as pool:
        results = []
        # chunks keep inter-process traffic low without hurting the balance much
        chunk = max(1, min(16, len(jobs) // (workers * 8) or 1))
        for analysis in pool.map(_map_one, jobs, chunksize=chunk):
            results.append(analysis)
            if progress:
                progress(1)
        return results


def audit(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    rules: Rules | str | os.PathLike | None = None,
    workers: int = 1,
    link: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress=None,
) -> AuditResult:
    """Audits every text file under ``paths``: slots, clues, identities, recovery."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    files = list(iter_input_files(paths))
    started = time.perf_counter()
    analyses = map_documents(files, rules, workers, with_clues=link, max_bytes=max_bytes, progress=progress)
    result = AuditResult(analyses)
    result.timings["map"] = time.perf_counter() - started
    if link:
        from .linker import link_corpus

        linked = time.perf_counter()
        link_corpus(result, rules, workers)
        result.timings["link"] = time.perf_counter() - linked
    return result
