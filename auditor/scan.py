"""The scan: a per-document map and a corpus-level reduce (the linker).

The map has two steps, each a pure function of one document and the rules:
reading (load, find and classify the slots, fingerprint) in worker processes,
then finding clues, with the copies of a text keyed together so that one
clue finder reads their shared lines once (a shuffle by near-duplicate group,
as a cluster engine would do it by key)."""
from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .clues import ClueFinder
from .forking import ForkedTasks, can_fork
from .linker import link_corpus
from .loading import DEFAULT_MAX_BYTES, InputFile, iter_input_files, load_input
from .masks import MaskFinder
from .neardup import Fingerprinter, group_near_duplicates
from .records import Clue, DocumentAnalysis, SourceText
from .result import AuditResult
from .rules import Rules, load_rules
from .slots import SlotClassifier, build_slots


class Analyzer:
    """Everything the map needs, built once per process."""

    def __init__(self, rules: Rules, with_clues: bool = True):
        self.rules = rules
        self.with_clues = with_clues
        self.finder = MaskFinder(rules.masks)
        self.classifier = SlotClassifier(rules.slots)
        self.fingerprinter = Fingerprinter() if with_clues else None
        self._clue_finder = None

    @property
    def clue_finder(self):
        """Built on first use (a second or so): the processes that only read
        documents never need one."""
        if self._clue_finder is None and self.with_clues:
            self._clue_finder = ClueFinder.default(self.rules)
        return self._clue_finder

    def read(self, source: SourceText) -> DocumentAnalysis:
        """The slots of a loaded document, and its fingerprint when clues are wanted."""
        analysis = DocumentAnalysis(source)
        if not source.ok:
            return analysis
        text = source.text
        started = time.perf_counter()
        try:
            runs = self.finder.find(text)
            found = time.perf_counter()
            analysis.slots = build_slots(source.doc, text, runs, self.classifier)
            # Look-alikes of masks matter only where no known mask stands.
            analysis.suspects = [] if runs else self.finder.suspects(text)
        except TimeoutError as exc:
            return _timed_out(analysis, exc)
        classified = time.perf_counter()
        analysis.timings = {"tokenize": found - started, "classify": classified - found}
        if self.fingerprinter is not None:
            analysis.fingerprint = self.fingerprinter(text)
            analysis.timings["fingerprint"] = time.perf_counter() - classified
        return analysis

    def add_clues(self, analysis: DocumentAnalysis) -> None:
        if self.clue_finder is None or not analysis.source.ok:
            return
        started = time.perf_counter()
        # A slot stands on each mask run: clues are never read over one.
        try:
            analysis.clues = self.clue_finder.find(analysis.doc, analysis.source.text, analysis.slots)
        except TimeoutError as exc:
            _timed_out(analysis, exc)
        analysis.timings["clues"] = time.perf_counter() - started

    def analyse(self, source: SourceText) -> DocumentAnalysis:
        analysis = self.read(source)
        self.add_clues(analysis)
        return analysis


def _timed_out(analysis: DocumentAnalysis, error: TimeoutError) -> DocumentAnalysis:
    """A rule pattern ran out of time: the document is not checked, the scan goes on."""
    analysis.mark_rule_timeout(error)
    analysis.slots, analysis.clues = [], []
    return analysis


_worker_analyzer: Analyzer | None = None
_analyzers: dict[tuple[str, bool], Analyzer] = {}


def _analyzer(rules_dir: str, with_clues: bool) -> Analyzer:
    """This process's analyzer for the rules (built once)."""
    key = (rules_dir, with_clues)
    if key not in _analyzers:
        _analyzers[key] = Analyzer(load_rules(rules_dir), with_clues)
    return _analyzers[key]


def _init_worker(rules_dir: str, with_clues: bool) -> None:
    global _worker_analyzer
    _worker_analyzer = _analyzer(rules_dir, with_clues)


def _read_one(job: tuple[InputFile, int]) -> DocumentAnalysis:
    file, max_bytes = job
    started = time.perf_counter()
    source = load_input(file, max_bytes)
    loaded = time.perf_counter() - started
    analysis = _worker_analyzer.read(source)
    analysis.timings["load"] = loaded
    return analysis


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def map_steps(n_files: int, with_clues: bool = True) -> int:
    """How many times :func:`map_documents` calls ``progress(1)`` for ``n_files``."""
    return n_files * (2 if with_clues else 1)


def map_documents(
    files: Sequence[InputFile],
    rules: Rules,
    workers: int = 1,
    with_clues: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress=None,
) -> list[DocumentAnalysis]:
    """Runs the per-document map, in order: each file is read (loaded, its
    slots found, fingerprinted) over worker processes when workers > 1, then,
    with clues, the clues of near-duplicates are found together (see
    :func:`find_clues`). ``progress(1)`` is called per file and step; an
    entry whose status was decided when it was found is not read."""
    jobs = [(file, max_bytes) for file in files]
    analyzer = _analyzer(str(rules.folder), with_clues)
    if workers <= 1 or len(jobs) <= 1:
        _init_worker(str(rules.folder), with_clues)
        analyses = []
        for job in jobs:
            analyses.append(_read_one(job))
            if progress:
                progress(1)
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(str(rules.folder), with_clues)) as pool:
            # chunks keep inter-process traffic low without hurting the balance much
            chunk = max(1, min(16, len(jobs) // (workers * 8) or 1))
            read = pool.map(_read_one, jobs, chunksize=chunk)
            # Built here while the workers read; the clue finders fork from this process.
            analyzer.clue_finder
            analyses = []
            for analysis in read:
                analyses.append(analysis)
                if progress:
                    progress(1)
    if with_clues:
        find_clues(analyses, analyzer, workers, progress)
    return analyses


# Documents per clue-finding task, at most (a task holds whole groups of copies where it can).
CLUE_TASK_DOCUMENTS = 64


def find_clues(analyses: list[DocumentAnalysis], analyzer: Analyzer, workers: int = 1, progress=None) -> None:
    """Fills in the clues of every readable document. Copies of a text share
    most of their lines, and a clue finder reads a line once: so the copies
    go to the same finder, in forked processes when workers > 1."""
    readable = [index for index, analysis in enumerate(analyses) if analysis.source.ok]
    # Grouping here only decides which finder reads what (the clues are the
    # same either way), so neardup's default threshold will do.
    roots = group_near_duplicates([analyses[index].fingerprint for index in readable])
    groups: dict[int, list[int]] = {}
    for root, index in zip(roots, readable):
        groups.setdefault(root, []).append(index)
    # Whole groups per task where they fit; a larger group is cut into tasks
    # (its copies then share lines across processes, at a little more work).
    tasks: list[list[int]] = [[]]
    for members in groups.values():
        if tasks[-1] and len(tasks[-1]) + len(members) > CLUE_TASK_DOCUMENTS:
            tasks.append([])
        for member in members:
            if len(tasks[-1]) == CLUE_TASK_DOCUMENTS:
                tasks.append([])
            tasks[-1].append(member)
    tasks = [task for task in tasks if task]
    if workers > 1 and len(tasks) > 1 and can_fork():

        def clues_of(task: list[int]) -> list[tuple[list[Clue], float]]:
            found = []
            for index in task:
                analyzer.add_clues(analyses[index])
                found.append((analyses[index].clues, analyses[index].timings.get("clues", 0.0)))
            return found

        for task, found in ForkedTasks(clues_of, tasks, workers).as_completed():
            for index, (clues, seconds) in zip(task, found):
                analyses[index].clues = clues
                analyses[index].timings["clues"] = seconds
            if progress:
                progress(len(task))
    else:
        for task in tasks:
            for index in task:
                analyzer.add_clues(analyses[index])
            if progress:
                progress(len(task))
    if progress:
        progress(len(analyses) - len(readable))


def audit(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    rules: Rules | str | os.PathLike | None = None,
    workers: int = 1,
    link: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress=None,
    files: Sequence[InputFile] | None = None,
) -> AuditResult:
    """Audits every entry under ``paths`` (one analysis each, see
    :func:`~auditor.loading.iter_input_files`): slots, clues, identities, recovery.
    ``files``: those entries, when the caller has listed them already."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    if files is None:
        files = list(iter_input_files(paths))
    started = time.perf_counter()
    analyses = map_documents(files, rules, workers, with_clues=link, max_bytes=max_bytes, progress=progress)
    result = AuditResult(analyses)
    result.timings["map"] = time.perf_counter() - started
    if link:
        linked = time.perf_counter()
        link_corpus(result, rules, workers)
        result.timings["link"] = time.perf_counter() - linked
    return result
