"""Rendering: the Jinja environment, the site's assets and policy, and the HTML of every
page, without touching the disk."""
from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

from ... import __version__
from ... import i18n
from ...heap import collector_paused
from ..gate import verdict_word
from .model import DOC_ROOT, SLOT_TYPE_LABELS, Review, Site, clue_kind_name, level_name, slot_type_name
from .markup import doc_name_html, gate_badge, sortable_th, type_tag_html, verdict_badge
from .views import ReportViews

if TYPE_CHECKING:
    from ...result import AuditResult


def _asset(name: str) -> str:
    return resources.files("auditor.templates").joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """One environment per process: its templates are compiled once. Its
    strings are translated as they are rendered (auditor.i18n), in the language
    in use then."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    i18n.install(env)
    env.globals["SLOT_TYPE_LABELS"] = SLOT_TYPE_LABELS
    env.globals["slot_type_name"] = slot_type_name
    env.globals["clue_kind_name"] = clue_kind_name
    env.globals["level_name"] = level_name
    env.globals["verdict_word"] = verdict_word
    env.globals["verdict_badge"] = verdict_badge
    env.globals["gate_badge"] = gate_badge
    env.globals["th"] = sortable_th
    env.globals["type_tag"] = lambda slot_type: Markup(type_tag_html(slot_type))
    env.globals["doc_name"] = lambda doc: Markup(doc_name_html(doc))
    return env


def _site(generated_at: str | None) -> Site:
    css, js = _asset("report.css"), _asset("report.js")
    # A hash-pinned script policy: even if some text escaped its escaping, no
    # inline handler or injected script could run.
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src data:"
    return Site(version=__version__, generated_at=generated_at, css=Markup(css), js=Markup(js), csp=csp)


class PageRenderer:
    """The views and the compiled templates: the HTML of every page."""

    def __init__(self, result: "AuditResult", generated_at: str | None = None, review: Review | None = None) -> None:
        self.views = ReportViews(result, review)
        env, self.site = _environment(), _site(generated_at)
        self._index, self._document = env.get_template("index.html"), env.get_template("document.html")

    def index_html(self) -> str:
        return "".join(self.index_pieces())

    def index_pieces(self) -> Iterator[str]:
        return self._index.generate(site=self.site, view=self.views.overview, root="")

    def page_html(self, analysis) -> tuple[str, str]:
        """(relative path, html) of one document's page."""
        relative, pieces = self.page_pieces(analysis)
        return relative, "".join(pieces)

    def page_pieces(self, analysis) -> tuple[str, Iterator[str]]:
        """(relative path, the html in pieces as it is made) of one document's page."""
        page = self.views.page(analysis)
        return page.row.href, self._document.generate(site=self.site, page=page, root=DOC_ROOT)


def render_pages(result: "AuditResult", generated_at: str | None = None,
                 review: Review | None = None) -> Iterator[tuple[str, str]]:
    """Yields (relative path, html) for the overview, then page by page; with
    ``review`` (output.build_review), the pages show the gate's status and what fix would mask."""
    renderer = PageRenderer(result, generated_at, review)
    yield "index.html", renderer.index_html()
    for analysis in renderer.views.documents:
        yield renderer.page_html(analysis)


def render(result: "AuditResult", generated_at: str | None = None, review: Review | None = None) -> dict[str, str]:
    """Renders the report into {relative path: html}, without touching the disk."""
    with collector_paused():
        return dict(render_pages(result, generated_at, review))
