"""Issue 11's table of real-shaped masks, run through the real scan.

Each case of ``tests/mask_cases.py`` is read by ``Analyzer.read`` as a document of its own, and the
slots found (mask without whitespace, type, unit or level) must equal the expected list.  The cases
the current code gets wrong carry a ``today`` note and are marked one by one as strict xfails with
it as the reason: when a fix makes one pass, the suite fails until its note is removed.
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from auditor.records import SourceText
from auditor.rules import load_rules
from auditor.scan import Analyzer

from mask_cases import CASES, ISSUE


def case_id(index: int, case: dict) -> str:
    """c001-gaozipu-year.number.number: position, where the sentence came from, what it holds."""
    source = "issue11" if case["source"] == ISSUE else urlparse(case["source"]).hostname.split(".")[-2]
    shape = ".".join(slot_type for _, slot_type, _ in case["slots"]) or "none"
    return f"c{index:03d}-{source}-{shape}"


def params():
    for index, case in enumerate(CASES, start=1):
        marks = [pytest.mark.xfail(strict=True, reason=case["today"])] if case["today"] else []
        yield pytest.param(case["text"], [tuple(slot) for slot in case["slots"]],
                           id=case_id(index, case), marks=marks)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_rules(), with_clues=False)


def found_slots(analyzer: Analyzer, text: str) -> list[tuple[str, str, str]]:
    source = SourceText("case.txt", "/nonexistent/case.txt", text, "utf-8", "ok")
    found = []
    for slot in analyzer.read(source).slots:
        detail = {"number": slot.unit, "place": slot.place_level}.get(slot.slot_type, "")
        found.append((re.sub(r"\s", "", slot.mask), slot.slot_type, detail))
    return found


@pytest.mark.parametrize(("text", "expected"), list(params()))
def test_mask_case(analyzer, text, expected):
    assert found_slots(analyzer, text) == expected


def test_table_is_issue_11_sized_and_well_formed():
    assert len(CASES) >= 150
    assert len({case["text"] for case in CASES}) == len(CASES), "a sentence is in the table twice"
    types = {"number", "ordinal", "year", "date", "code", "place", "person", "formula", "unknown"}
    levels = {"province", "prefecture", "county", "town", "village", "unknown"}
    for case in CASES:
        for mask, slot_type, detail in case["slots"]:
            assert slot_type in types, case
            assert slot_type != "place" or detail in levels, case
            assert slot_type in ("number", "place") or detail == "", case
        assert not case["today"] or case["today"].startswith("issue 11: "), case
