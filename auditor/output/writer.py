"""Writing an audit: the tables and the HTML report into one output folder,
and the review the report shows (the gate's status of each document and
what `auditor fix` would mask in it), computed here and handed to the report."""
from __future__ import annotations

import os
import time
from pathlib import Path

from .gate import Policy, evaluate, resolve_policy, summary_line
from ..heap import collector_paused
from ..i18n import _, language, using
from .folder import OutputFolder, scan_files
from ..fix import plan_fix
from .report import FixView, ReportJob, Review, fix_view, gate_view, is_linked
from .report.markup import PathIsolator
from ..result import AuditResult
from ..runner import Runner
from .tables import write_tables


def build_review(result: AuditResult, policy: Policy, rules=None, workers: int = 1) -> Review:
    """The gate's record of every document under ``policy`` (gate.evaluate) and
    what `auditor fix` would mask in each (remediate.plan_fix, which writes
    nothing). Without the linker only the files auditor could not read have a
    status: the others have no verdict to judge. ``workers``: the processes fix's rounds read
    the masked copies with."""
    # Worded in the language in use, found once, not at each of the review's many lines (as evaluate
    # does); its records are freed by reference counting (see auditor.heap).
    with using(language()), collector_paused():
        return _build_review(result, policy, rules, workers)


def _build_review(result: AuditResult, policy: Policy, rules, workers: int) -> Review:
    report = evaluate(result, policy)
    linked = is_linked(result)
    isolate = PathIsolator(d.path for d in report.documents)
    gates = {d.doc: gate_view(d, policy, isolate) for d in report.documents if linked or not d.readable}
    fixes: dict[str, FixView] = {}
    if linked:
        plan = plan_fix(result, policy, rules, Runner(workers))
        for doc, planned in plan.documents.items():
            fixes[doc] = fix_view(planned, report.document(doc))
        summary = summary_line(report)
    else:
        summary = ""
    return Review(_("{policy}: {rules}").format(policy=policy.label(), rules=policy.describe()), summary, gates,
                  fixes, linked)


def write_audit(result: AuditResult, out: str | os.PathLike | OutputFolder, workers: int = 1, progress=None,
                generated_at: str | None = None, policy: Policy | None = None,
                timings: dict[str, float] | None = None, tables: str = "csv") -> list[Path]:
    """Writes the audit tables and the HTML report to ``out``, whole or not
    at all (see :class:`~auditor.output.folder.OutputFolder`; the CLI passes
    one it opened before reading, to check the destination first); returns
    the paths written (the report's index.html last). With workers, forked
    processes read fix's masked copies again (the review) and write the report's pages
    while this one writes the tables.
    The report shows each document's status under ``policy`` (a
    :class:`~auditor.output.gate.Policy`; by default that of the default rules,
    ``gate.resolve_policy(None, None)``: pass one for other rules) and
    what ``auditor fix`` would mask. ``timings``: the seconds each part took
    are entered there (review, tables, report, report_workers_cpu, write).
    ``tables``: the format of the audit tables, ``csv`` (CSV, and JSON for
    slots and documents) or ``parquet`` (one Parquet file a table, the same
    columns: :data:`~auditor.output.tables.COLUMN_TYPES`); anything else is
    an :class:`~auditor.errors.OutputError`, before anything is written."""
    writes = scan_files(tables)
    if policy is None:
        policy = resolve_policy(None, None)
    reviewing = time.perf_counter()
    review = build_review(result, policy, workers=workers)
    reviewed = time.perf_counter()

    # Replacing a folder that holds a document read here would delete it.
    folder = out if isinstance(out, OutputFolder) else OutputFolder(
        out, {a.source.path for a in result.analyses if a.source.path}, writes=writes)
    with folder:
        staging = folder.staging
        started = time.perf_counter()
        report = ReportJob(result, staging, generated_at, workers, progress, review)
        tables_started = time.perf_counter()
        try:
            written = write_tables(result, staging, tables)
        except BaseException:
            report.close()
            raise
        tables_done = time.perf_counter()
        written.append(report.wait())
        folder.commit()
    finished = time.perf_counter()
    if timings is not None:
        # The report's own wall time: what it took before and after the tables.
        timings.update(review=reviewed - reviewing, tables=tables_done - tables_started,
                       report=(tables_started - started) + (finished - tables_done),
                       report_workers_cpu=report.worker_seconds, write=finished - started)
    return [folder.path / path.relative_to(staging) for path in written]
