"""Writing the report into a folder, the document pages by the runner's workers while the
caller goes on."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING


from ...runner import Batch, chunks, Runner
from .model import PAGES_PER_TASK, Review
from ...heap import collector_paused
from .render import PageRenderer

if TYPE_CHECKING:
    from ...result import AuditResult


def _write_html(path: Path, pieces: Iterator[str]) -> None:
    """Writes a page as the template makes it: the page of a big file, whole,
    was several times the file's size in memory."""
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(pieces)
    except BaseException:
        path.unlink(missing_ok=True)  # no half page where a whole one was promised
        raise


def _write_page(renderer: PageRenderer, out: Path, analysis) -> None:
    relative, pieces = renderer.page_pieces(analysis)
    _write_html(out / relative, pieces)


class ReportJob:
    """A report being written. With workers, the document pages are written
    by forked processes while the caller goes on (with the tables, say);
    :meth:`wait` finishes the report and returns the path of index.html.
    With ``review`` (output.build_review: the gate's status and fix's plan),
    it is drawn on the pages."""

    def __init__(self, result: "AuditResult", out: str | Path, generated_at: str | None = None,
                 workers: int = 1, progress=None, review: Review | None = None) -> None:
        self.out = Path(out)
        (self.out / "docs").mkdir(parents=True, exist_ok=True)
        self.progress = progress
        self.worker_seconds = 0.0  # CPU seconds of the forked writers
        self._renderer = PageRenderer(result, generated_at, review)
        documents = self._renderer.views.documents
        runner = Runner(min(workers, len(documents) // PAGES_PER_TASK))
        self._writers: Batch | None = runner.start(self._write_pages, chunks(len(documents), PAGES_PER_TASK))
        try:
            with collector_paused():
                _write_html(self.out / "index.html", self._renderer.index_pieces())
        except BaseException:
            self.close()
            raise

    def _write_pages(self, indexes: range) -> float:
        """Writes some of the pages; returns the CPU seconds it took."""
        started = time.process_time()
        with collector_paused():
            for index in indexes:
                _write_page(self._renderer, self.out, self._renderer.views.documents[index])
        return time.process_time() - started

    def close(self) -> None:
        """Stops the page writers (:meth:`wait` does once they are done)."""
        if self._writers is not None:
            self._writers.close()
            self._writers = None

    def wait(self) -> Path:
        if self._writers is not None:
            try:
                forked = self._writers.forked
                for indexes, seconds in self._writers.as_completed():
                    if forked:
                        self.worker_seconds += seconds
                    if self.progress:
                        self.progress(len(indexes))
            finally:
                self.close()
        # Pages of documents from an earlier scan into the same folder would
        # otherwise linger and be mistaken for part of this report.
        current = {Path(href).name for href in self._renderer.views.hrefs.values()}
        for stale in sorted((self.out / "docs").glob("*.html")):
            if stale.name not in current:
                stale.unlink()
        return self.out / "index.html"


def write_report(result: "AuditResult", out: str | Path, generated_at: str | None = None,
                 workers: int = 1, progress=None, review: Review | None = None) -> Path:
    """Writes OUT/index.html and OUT/docs/*.html; returns the path of index.html."""
    return ReportJob(result, out, generated_at, workers, progress, review).wait()
