"""The self-contained HTML report: view models (:mod:`.model`) built from an
audit and its review (:mod:`.views`), the HTML they carry ready-made
(:mod:`.markup`), the pages rendered from the templates (:mod:`.render`) and
written into a folder (:mod:`.writer`)."""
from .model import DIFFERENCE_ROWS, GATE_FINDINGS, PAGES_PER_TASK, FixView, Review
from .render import render
from .views import build_views, fix_view, gate_view, is_linked, page_name
from .writer import ReportJob, write_report

__all__ = ["DIFFERENCE_ROWS", "GATE_FINDINGS", "PAGES_PER_TASK", "FixView", "ReportJob", "Review", "build_views",
           "fix_view", "gate_view", "is_linked", "page_name", "render", "write_report"]
