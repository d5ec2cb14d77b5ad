"""Command-line interface: a thin shell over the library API."""
from __future__ import annotations

import contextlib
import logging
import sys
import time
import traceback
from collections import Counter
from contextlib import contextmanager

import click

from . import __version__
from .errors import AuditorError, InputError
from .i18n import LANGUAGES, _, language_from_environment, listing, using
from .map.loading import iter_input_files, printable_name
from .rules import load_rules

log = logging.getLogger("auditor")


class AuditorFailure(click.ClickException):
    """What the CLI prints for an :class:`AuditorError` or an unexpected fault: exit 2, one line."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # Worded now, in the command's language: click shows it after the command's context is closed.
        self.line = _("auditor: error: {message}").format(message=message)

    def show(self, file=None) -> None:
        click.echo(self.line, err=True)


class AuditorGroup(click.Group):
    """Maps every error to a message and exit 2: 1 means findings, so a crash must never look like one."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except AuditorError as exc:
            raise AuditorFailure(str(exc)) from exc
        except KeyboardInterrupt:
            raise AuditorFailure(_("interrupted; nothing was written to the output")) from None
        except Exception as exc:  # a bug of auditor's: say so, without a traceback unless asked
            if log.isEnabledFor(logging.INFO):
                traceback.print_exc()
            raise AuditorFailure(_("internal error ({kind}: {error}); run with --verbose for the traceback and "
                                   "please report it").format(kind=type(exc).__name__, error=exc)) from exc


def _progress_bar(total: int, enabled: bool, desc: str | None = None, unit: str = "file"):
    # A bar is for a person at a terminal: in a log it is only carriage returns.
    if not enabled or total <= 1 or not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, file=sys.stderr, desc=desc or _("scanning"), leave=False)
    return bar.update, bar.close


def run_audit(paths, rules_dir, workers, max_bytes, quiet, link=True, files=None, runner=None, no_cache=False):
    """``audit`` with a progress bar; ``files``: the input entries, when already listed;
    ``runner``: the Dask engine's (default: forked workers); the map cache unless ``no_cache``."""
    # The scan's modules (the gazetteer, the recognizers) load here, not for --help.
    from .mapcache import cache_from_environment
    from .scan import audit, map_steps

    rules = load_rules(rules_dir)
    if files is None:
        files = list(iter_input_files(paths))
    update, close = _progress_bar(map_steps(len(files), with_clues=link), not quiet, unit="step")
    try:
        return audit(paths, rules, workers=workers, link=link, max_bytes=max_bytes, progress=update, files=files,
                     runner=runner, cache=cache_from_environment(no_cache))
    finally:
        close()


common_options = [
    click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True), default=None,
                 help="Folder of rule files (default: the rules shipped with auditor, or $AUDITOR_RULES)."),
    click.option("--workers", "-j", type=click.IntRange(min=1), default=None,
                 help="Worker processes for the per-document work, the alignment of copies and the "
                      "report's pages (default: all cores); with --engine dask, for the report's pages "
                      "and, without --scheduler, the processes of its LocalCluster."),
    click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                 help="Where the per-document work and the alignment of copies run: local, processes "
                      "forked from this one; dask, a Dask distributed cluster (see --scheduler)."),
    click.option("--scheduler", metavar="ADDRESS", default=None,
                 help="With --engine dask: the address of a running Dask scheduler (tcp://HOST:8786); "
                      "without it a LocalCluster of --workers processes is started on this machine."),
    click.option("--max-bytes", type=click.IntRange(min=1), default=64 * 1024 * 1024, show_default=True,
                 help="Files larger than this are reported and skipped."),
    click.option("--no-cache", is_flag=True,
                 help="Read every file again: neither use nor update the map cache (in $AUDITOR_CACHE_DIR, "
                      "default ~/.cache/auditor; $AUDITOR_NO_CACHE=1 does the same)."),
    click.option("--quiet", "-q", is_flag=True, help="No progress bar; scan prints no summary, check only the failing findings, "
                      "fix nothing unless a copy still fails."),
]


def with_common_options(func):
    for option in reversed(common_options):
        func = option(func)
    return func


def _check_engine(engine: str, scheduler: str | None) -> None:
    if scheduler is not None and engine != "dask":
        raise click.UsageError("--scheduler is for --engine dask")


@contextmanager
def _engine(engine: str, scheduler: str | None, workers: int | None):
    """The Dask engine's runner, its cluster open for the block (None for the local engine:
    the stages fork their own workers)."""
    if engine != "dask":
        yield None
        return
    import distributed  # its logging set up on import: what the scheduler and the nannies do is not what auditor does

    from .runner import dask_runner

    logging.getLogger(distributed.__name__).setLevel(logging.WARNING)
    with dask_runner(scheduler, workers) as runner:
        log.info("auditor: the Dask engine, %d worker(s) at %s", runner.workers, runner.address)
        yield runner


@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
@click.option("--verbose", "-v", is_flag=True, help="Log what auditor does.")
@click.option("--lang", type=click.Choice(LANGUAGES, case_sensitive=False), default=None,
              help="Language of the report and of the messages: zh (Chinese) or en (English). Default: "
                   "$AUDITOR_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG): zh… means Chinese, anything else "
                   "English. JSON, SARIF and CSV are always English.")
def main(verbose: bool, lang: str | None) -> None:
    """Audit redacted Chinese documents: does the redaction hold?

    \b
    auditor scan seeds/            audit a corpus, write tables and an HTML report
    auditor check seeds/           pre-publication gate (exit 1 when something leaks)
    auditor fix seeds/ --out DIR   write remediated copies that pass the gate
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    # Decided once for the whole command (its worker processes inherit it), and
    # undone when it ends, for callers that run the CLI in their own process.
    click.get_current_context().with_resource(using(lang.lower() if lang else language_from_environment()))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "-o", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Folder for the audit tables and the HTML report.")
@click.option("--no-link", is_flag=True, help="Only find and classify slots (no clues, no identity).")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None,
              help="Policy file for the report's gate status and fix plan, as `auditor check` and "
                   "`auditor fix` use it (default: policy.toml in the rules folder).")
@click.option("--tables", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="Format of the audit tables: csv (CSV, and JSON for slots and documents) or parquet "
                   "(one .parquet file a table, the same columns).")
@with_common_options
def scan(paths, out, no_link, policy_file, tables, rules_dir, workers, max_bytes, engine, scheduler, no_cache, quiet):
    """Scan PATHS (files or folders, recursively) and write the audit to OUT.

    \b
    Writes OUT/slots.csv and slots.json (one row per redaction slot),
    OUT/files.csv (one row per file, with any problem reading it),
    OUT/documents.csv and documents.json (identity and verdict per document),
    OUT/clues.csv (clear-text clues) and OUT/index.html (the report: per
    document, its status at the gate under the policy and what
    `auditor fix` would mask; nothing is masked by the scan). With
    --tables parquet: OUT/slots.parquet, files.parquet, documents.parquet,
    clues.parquet and in_file.parquet instead of the CSV and JSON files.
    """
    from .output.writer import write_audit
    from .output.folder import OutputFolder, scan_files

    started = time.perf_counter()
    from .runner import default_workers

    _check_engine(engine, scheduler)
    cluster_size = workers
    workers = workers or default_workers()
    policy = _policy_or_exit(policy_file, rules_dir)  # a bad policy is refused before any document is read
    # Opened first: an unwritable or busy destination is refused before any document is read.
    with OutputFolder(out, inputs=paths, command="scan", writes=scan_files(tables)) as folder:
        # The cluster is closed before the report: its pages are written here, by forked workers.
        with _engine(engine, scheduler, cluster_size) as runner:
            result = run_audit(paths, rules_dir, workers, max_bytes, quiet, link=not no_link, runner=runner,
                               no_cache=no_cache)
        pages = sum(1 for a in result.analyses if a.source.ok)
        update, close = _progress_bar(pages, not quiet, _("writing tables and report"), "page")
        try:
            written = write_audit(result, folder, workers=workers, progress=update, policy=policy, tables=tables)
        finally:
            close()
    elapsed = time.perf_counter() - started
    if quiet:
        return
    from .output.gate import verdict_word
    from .output.report.model import slot_type_name

    problems = [a.source for a in result.analyses if not a.source.ok]
    n_slots = sum(len(a.slots) for a in result.analyses)
    click.echo(_("Scanned {files} file(s) in {seconds:.1f}s: {slots} slot(s)").format(
                   files=len(result.analyses), seconds=elapsed, slots=n_slots)
               + (_(", {n} file(s) not readable as text").format(n=len(problems)) if problems else ""))
    for analysis in sorted(result.analyses, key=lambda a: a.doc):
        if analysis.slots:
            types = Counter(s.slot_type for s in analysis.slots)
            click.echo("  " + _("{doc}: {n} slots ({types})").format(
                doc=analysis.doc, n=len(analysis.slots),
                types=listing(f"{slot_type_name(k)} {v}" for k, v in types.most_common())))
    for source in sorted(problems, key=lambda s: s.doc):
        click.echo(f"  {source.doc}: {source.status}: {source.message}")
    for identity in result.identities:
        if identity.identity:
            click.echo("  " + _("{doc}: {verdict} as {place} (risk {risk:.0%}, anonymity set {size})").format(
                doc=identity.doc, verdict=verdict_word(identity.verdict), place=identity.identity,
                risk=identity.risk, size=identity.anonymity_set))
    click.echo(_("Wrote {paths}").format(paths=listing(str(p) for p in written)))


def _policy_or_exit(policy_file, rules_dir):
    from .output.gate import resolve_policy

    return resolve_policy(policy_file, rules_dir)


def _input_files_or_exit(paths):
    files = list(iter_input_files(paths))
    if not files:
        raise InputError(_("no text files under {paths}").format(paths=listing(printable_name(p) for p in paths)))
    return files


def _small_job_workers(workers, n_files):
    # Worker processes each load the gazetteer and the clue finder: for the few
    # files a commit hook passes, one process finishes first.
    from .runner import default_workers

    return workers or (default_workers() if n_files >= 8 else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None,
              help="Policy file (default: policy.toml in the rules folder).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="text: one line per finding; json: for scripts; sarif: SARIF 2.1.0 for code-scanning UIs.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this file instead of standard output.")
@with_common_options
def check(paths, policy_file, fmt, output, rules_dir, workers, max_bytes, engine, scheduler, no_cache, quiet):
    """Pre-publication gate: does every document in PATHS pass the policy?

    \b
    Exit status: 0 every document passes, 1 at least one fails,
    2 usage or input error (a missing path, a bad policy or rules file).
    A masked document fails when its clear text re-identifies the masked
    place, leaves fewer than K places possible, or names its own place in
    clear; any slot readable in a near-duplicate copy fails. Documents with
    no masks are reported, not failed (unless the policy says so).
    """
    import json

    from .output.gate import evaluate, format_text, render_sarif, sarif_cut_line, to_json, to_sarif

    from .output.folder import atomic_write_text, check_file_destination

    _check_engine(engine, scheduler)
    policy = _policy_or_exit(policy_file, rules_dir)
    if output:
        check_file_destination(output, paths)  # before the audit, not after it
    files = _input_files_or_exit(paths)
    with _engine(engine, scheduler, workers) as runner:
        result = run_audit(paths, rules_dir, _small_job_workers(workers, len(files)), max_bytes,
                           quiet or fmt != "text", link=True, files=files, runner=runner, no_cache=no_cache)
    if fmt == "text":
        report = evaluate(result, policy)
        rendered = format_text(report, quiet=quiet)
    else:
        with using("en"):  # machine formats are English, whatever the language
            report = evaluate(result, policy)
            rendered = (render_sarif(log := to_sarif(report)) if fmt == "sarif"
                        else json.dumps(to_json(report), ensure_ascii=False, indent=1) + "\n")
    if fmt == "sarif" and (cut := sarif_cut_line(log)):  # what code scanning's limits left out
        click.echo(cut, err=True)
    if output:
        atomic_write_text(output, rendered)
        if not quiet:
            failed = len(report.failed_documents)
            click.echo(_("{failed} of {n} document(s) fail the policy; wrote {output}").format(
                failed=failed, n=len(report.documents), output=output), err=True)
    else:
        click.echo(rendered, nl=False)
    click.get_current_context().exit(0 if report.passed else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True,
              help="Folder for the remediated copies (same relative paths and encodings as the inputs).")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None,
              help="Policy file (default: policy.toml in the rules folder).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to report what was masked and what the re-audit says.")
@with_common_options
def fix(paths, out, policy_file, fmt, rules_dir, workers, max_bytes, engine, scheduler, no_cache, quiet):
    """Write remediated copies of PATHS to OUT that pass the policy.

    \b
    The inputs are never modified. Failing documents get the fewest clues
    masked (greedy, by weight for the identity), consistently in the document
    and its near-duplicates; slots a near-duplicate shows in clear are masked
    there. OUT is then audited again to prove the fix.
    Exit status: 0 every copy passes the re-audit, 1 some still fail,
    2 usage or input error.
    """
    import json

    from .output.folder import OutputFolder
    from .fix import fix_to_json, remediate
    from .output.fix_text import format_fix_text
    from .mapcache import cache_from_environment
    from .scan import map_steps

    _check_engine(engine, scheduler)
    policy = _policy_or_exit(policy_file, rules_dir)
    rules = load_rules(rules_dir)
    # Opened first: an unwritable or busy destination is refused before any document is read.
    with OutputFolder(out, inputs=paths, command="fix") as folder:
        files = _input_files_or_exit(paths)
        with _engine(engine, scheduler, workers) as runner:
            update, close = _progress_bar(map_steps(len(files)), not quiet and fmt == "text", unit="step")
            try:
                # The JSON report is English, whatever the language: its messages are made in English.
                with using("en") if fmt == "json" else contextlib.nullcontext():
                    report = remediate(paths, folder, rules, policy, workers=_small_job_workers(workers, len(files)),
                                       max_bytes=max_bytes, progress=update, runner=runner,
                                       cache=cache_from_environment(no_cache))
            finally:
                close()
    if fmt == "json":
        click.echo(json.dumps(fix_to_json(report), ensure_ascii=False, indent=1))
    elif not quiet or not report.passed:
        click.echo(format_fix_text(report), nl=False)
    click.get_current_context().exit(0 if report.passed else 1)


if __name__ == "__main__":
    main()
