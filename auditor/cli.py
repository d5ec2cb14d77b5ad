"""Command-line interface: a thin shell over the library API."""
from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from pathlib import Path

import click

from . import __version__
from .loading import InputError, iter_input_files
from .rules import RulesError, load_rules
from .scan import audit, default_workers


def _progress_bar(total: int, enabled: bool):
    if not enabled or total <= 1:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="file", file=sys.stderr, desc="scanning", leave=False)
    return bar.update, bar.close


def _load_rules_or_exit(rules_dir):
    try:
        return load_rules(rules_dir)
    except (RulesError, FileNotFoundError) as exc:
        raise click.UsageError(str(exc)) from exc


def run_audit(paths, rules_dir, workers, max_bytes, quiet, link=True):
    rules = _load_rules_or_exit(rules_dir)
    try:
        total = sum(1 for _ in iter_input_files(paths))
    except InputError as exc:
        raise click.UsageError(str(exc)) from exc
    update, close = _progress_bar(total, not quiet)
    try:
        return audit(paths, rules, workers=workers, link=link, max_bytes=max_bytes, progress=update)
    finally:
        close()


common_options = [
    click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True), default=None,
                 help="Folder of rule files (default: the rules shipped with auditor, or $AUDITOR_RULES)."),
    click.option("--workers", "-j", type=click.IntRange(min=1), default=None,
                 help="Worker processes for the per-document work (default: all cores)."),
    click.option("--max-bytes", type=click.IntRange(min=1), default=64 * 1024 * 1024, show_default=True,
                 help="Files larger than this are reported and skipped."),
    click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary."),
]


def with_common_options(func):
    for option in reversed(common_options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
@click.option("--verbose", "-v", is_flag=True, help="Log what auditor does.")
def main(verbose: bool) -> None:
    """Audit redacted Chinese documents: does the redaction hold?

    \b
    auditor scan seeds/            audit a corpus, write tables and an HTML report
    auditor check seeds/           pre-publication gate (exit 1 when something leaks)
    auditor fix seeds/ --out DIR   write remediated copies that pass the gate
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "-o", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Folder for the audit tables and the HTML report.")
@click.option("--no-link", is_flag=True, help="Only find and classify slots (no clues, no identity).")
@with_common_options
def scan(paths, out, no_link, rules_dir, workers, max_bytes, quiet):
    """Scan PATHS (files or folders, recursively) and write the audit to OUT.

    \b
    Writes OUT/slots.csv and slots.json (one row per redaction slot),
    OUT/files.csv (one row per file, with any problem reading it),
    OUT/documents.csv and documents.json (identity and verdict per document),
    OUT/clues.csv (clear-text clues) and OUT/index.html (the report).
    """
    started = time.perf_counter()
    result = run_audit(paths, rules_dir, workers or default_workers(), max_bytes, quiet, link=not no_link)
    from .tables import write_tables

    written = write_tables(result, out)
    if not no_link:
        from .report import write_report

        written.append(write_report(result, out))
    elapsed = time.perf_counter() - started
    if quiet:
        return
    files = result.files
    problems = files[files.status != "ok"]
    slots = result.slots
    click.echo(f"Scanned {len(files)} file(s) in {elapsed:.1f}s: {len(slots)} slot(s)"
               + (f", {len(problems)} file(s) not readable as text" if len(problems) else ""))
    for doc, count in slots.groupby("doc").size().items():
        types = Counter(slots[slots.doc == doc].slot_type)
        click.echo(f"  {doc}: {count} slots ({', '.join(f'{k} {v}' for k, v in types.most_common())})")
    for row in problems.itertuples():
        click.echo(f"  {row.doc}: {row.status}: {row.message}")
    for identity in result.identities:
        if identity.identity:
            click.echo(f"  {identity.doc}: {identity.verdict} as {identity.identity} "
                       f"({identity.confidence:.0%}, anonymity set {identity.anonymity_set})")
    click.echo(f"Wrote {', '.join(str(p) for p in written)}")


if __name__ == "__main__":
    main()
