"""`auditor check --format sarif` within what GitHub code scanning accepts (auditor.output.gate's
SARIF_MAX_* constants): at most 25,000 results a run, 10 MB gzipped, 100 related locations a result.

The large reports are built from gate records directly (Finding, Location, GateReport), as a
corpus of thousands of documents would give them, so no audit runs; the small one is the records
of test_gate's corpus, whose log must be byte for byte what it was before the limits.
"""
from __future__ import annotations

import gzip
import json
import random
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator

from auditor.cli import main
from auditor.output import gate
from auditor.output.gate import (
    RULES, SARIF_MAX_GZIP_BYTES, SARIF_MAX_RELATED_LOCATIONS, SARIF_MAX_RESULTS, Finding, GateReport, Location,
    Policy, evaluate, render_sarif, sarif_cut_line, sarif_order, to_sarif,
)
from test_gate import corpus  # noqa: F401 - a fixture

DATA = Path(__file__).resolve().parent / "data"
SCHEMA = Draft4Validator(json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")))
# Rules in an order that is not the driver's, so that sorting by rule is seen to happen.
SOME_RULES = ("names-own-place", "re-identified", "not-anonymised", "at-risk", "near-duplicate-leak")
RULE_INDEX = {rule: i for i, rule in enumerate(RULES)}


def synthetic_report(n: int, errors: int, related: int = 2, clue_chars: int = 4, note_chars: int = 0,
                     seed: int = 16) -> GateReport:
    """``n`` findings over 900 documents, ``errors`` of them failing (spread through the list),
    each clue ``clue_chars`` random CJK characters found ``related`` more times, each reason
    followed by ``note_chars`` random letters and digits (which gzip cannot shrink much)."""
    rng = random.Random(seed)
    failing = set(rng.sample(range(n), errors))
    findings = []
    for i in range(n):
        doc = f"corpus/{rng.randrange(900):04d}.txt"
        line, column = rng.randrange(1, 5000), rng.randrange(1, 80)
        clue = "".join(map(chr, rng.choices(range(0x4E00, 0x9FA6), k=clue_chars)))
        where = Location(doc, doc, line, column, line, column + clue_chars, clue)
        others = [Location(doc, doc, line + k, 1, line + k, 1 + clue_chars, clue, "same clue")
                  for k in range(1, related + 1)]
        findings.append(Finding(
            SOME_RULES[i % len(SOME_RULES)], i in failing, doc, where, clue,
            f"landmark pointing at 山西省/忻州市/原平市 (weight {rng.uniform(1, 9):.2f}): the masked place is "
            "re-identified as 山西省/忻州市/原平市 (risk 100%, anonymity set 1)"
            + "".join(rng.choices(string.ascii_letters + string.digits, k=note_chars)),
            f"mask {clue} everywhere ({related + 1} here)", others, (doc,)))
    return GateReport(Policy(), [], findings)


def sort_key(finding: Finding):
    where = finding.location
    return (not finding.fails, RULE_INDEX[finding.rule], where.doc, where.line, where.column)


def finding_key(finding: Finding):
    return (finding.rule, finding.location.doc, finding.location.line, finding.location.column, finding.clue)


def result_key(result: dict):
    region = result["locations"][0]["physicalLocation"]["region"]
    return (result["ruleId"], result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            region["startLine"], region["startColumn"], result["properties"]["clue"])


def result_sort_key(result: dict):
    region = result["locations"][0]["physicalLocation"]["region"]
    return (result["level"] != "error", result["ruleIndex"],
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            region["startLine"], region["startColumn"])


@pytest.fixture(scope="module")
def large():
    """31,204 findings, 12,000 of them failing: more than code scanning takes, but fewer errors."""
    report = synthetic_report(31_204, 12_000)
    return report, to_sarif(report)


def test_more_findings_than_the_limit_keep_every_error_then_the_first_notes(large):
    report, log = large
    run = log["runs"][0]
    results = run["results"]
    assert len(results) == SARIF_MAX_RESULTS == 25_000
    assert sum(r["level"] == "error" for r in results) == 12_000  # every failing finding survives
    assert [r["level"] for r in results] == ["error"] * 12_000 + ["note"] * 13_000
    # Stable order: errors first, then by rule (the driver's order), document, position.
    assert [result_sort_key(r) for r in results] == sorted(result_sort_key(r) for r in results)
    # The findings begin with names-own-place; the driver's rules, and so the log, with re-identified.
    assert report.findings[0].rule == "names-own-place" and results[0]["ruleId"] == "re-identified"
    # The notes kept are the first ones in that order, and exactly those.
    expected = sorted(report.findings, key=sort_key)[:SARIF_MAX_RESULTS]
    assert [result_key(r) for r in results] == [finding_key(f) for f in expected]


def test_a_cut_log_counts_what_it_left_out_per_rule(large):
    report, log = large
    cut = log["runs"][0]["properties"]["sarifCut"]
    kept = sorted(report.findings, key=sort_key)[:SARIF_MAX_RESULTS]
    left = sorted(report.findings, key=sort_key)[SARIF_MAX_RESULTS:]
    by_rule: dict[str, int] = {}
    for finding in left:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
    assert cut == {
        "findings": 31_204, "written": 25_000, "cut": 6_204, "errors": 12_000, "errorsWritten": 12_000,
        "cutByRule": {rule: by_rule[rule] for rule in RULES if rule in by_rule},
        "relatedLocationsCut": 0, "reason": "count",
        "limits": {"results": 25_000, "gzipBytes": 10_000_000, "relatedLocations": 100},
    }
    assert sum(cut["cutByRule"].values()) == 6_204 and not any(f.fails for f in left)
    assert len(kept) + len(left) == len(report.findings)
    # The run's other properties are as they always were.
    assert list(log["runs"][0]["properties"]) == ["passed", "policy", "summary", "failedDocuments", "sarifCut"]


def test_a_cut_log_says_so_in_a_notification_and_on_stderr(large):
    _, log = large
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "warning"
    assert notification["descriptor"] == {"id": "sarif-results-cut"}
    assert notification["message"]["text"] == (
        "31,204 findings, the first 25,000 written (all 12,000 errors); the rest are in --format json "
        "(GitHub code scanning accepts at most 25,000 results per run)")
    assert sarif_cut_line(log) == ("SARIF: 31,204 findings, the first 25,000 written (all 12,000 errors); "
                                   "the rest are in --format json")


def test_a_large_log_gzips_to_less_than_ten_megabytes(large):
    _, log = large
    assert len(gzip.compress(json.dumps(log).encode("utf-8"))) < SARIF_MAX_GZIP_BYTES == 10_000_000
    assert len(gzip.compress(render_sarif(log).encode("utf-8"))) < SARIF_MAX_GZIP_BYTES


def test_more_errors_than_the_limit_write_only_errors_the_first_in_order():
    report = synthetic_report(400, 300, related=0)
    log = to_sarif(report, max_results=250)
    results = log["runs"][0]["results"]
    assert len(results) == 250 and {r["level"] for r in results} == {"error"}
    expected = sorted(report.findings, key=sort_key)[:250]
    assert [result_key(r) for r in results] == [finding_key(f) for f in expected]
    cut = log["runs"][0]["properties"]["sarifCut"]
    assert (cut["findings"], cut["written"], cut["errors"], cut["errorsWritten"]) == (400, 250, 300, 250)
    assert sarif_cut_line(log) == ("SARIF: 400 findings, the first 250 written (250 of 300 errors); "
                                   "the rest are in --format json")
    assert list(SCHEMA.iter_errors(log)) == []  # a cut log, notification and all, is valid SARIF 2.1.0


def test_the_order_is_stable_whatever_order_the_findings_come_in():
    report = synthetic_report(600, 200, related=0)
    shuffled = GateReport(report.policy, [], random.Random(3).sample(report.findings, len(report.findings)))
    first, second = (to_sarif(r, max_results=300)["runs"][0]["results"] for r in (report, shuffled))
    assert [result_key(r) for r in first] == [result_key(r) for r in second]
    order = sarif_order(report.findings)
    assert [sort_key(report.findings[i]) for i in order] == sorted(map(sort_key, report.findings))


def test_results_too_large_together_are_cut_to_stay_within_the_gzipped_size():
    # Fewer findings than the limit, but each with a long clue of random Chinese characters and a
    # long random note: together they are more than 10 MB gzipped.
    report = synthetic_report(8_000, 2_000, related=1, clue_chars=30, note_chars=1_500)
    log = to_sarif(report)
    results = log["runs"][0]["results"]
    size = len(gzip.compress(json.dumps(log).encode("utf-8")))
    assert size < SARIF_MAX_GZIP_BYTES
    assert len(gzip.compress(render_sarif(log).encode("utf-8"))) < SARIF_MAX_GZIP_BYTES
    assert size > 0.8 * SARIF_MAX_GZIP_BYTES  # cut near the limit, not far below it
    cut = log["runs"][0]["properties"]["sarifCut"]
    assert cut["reason"] == "size" and cut["written"] == len(results) < 8_000
    assert cut["errorsWritten"] == min(2_000, len(results))
    assert [result_key(r) for r in results] == [finding_key(f) for f in
                                               sorted(report.findings, key=sort_key)[:len(results)]]
    line = sarif_cut_line(log)
    assert line.startswith(f"SARIF: 8,000 findings, the first {len(results):,} written (")
    assert line.endswith(") to keep the gzipped log under 10 MB; the rest are in --format json")


def test_related_locations_are_capped_per_result():
    report = synthetic_report(3, 3, related=SARIF_MAX_RELATED_LOCATIONS + 50)
    log = to_sarif(report)
    for result in log["runs"][0]["results"]:
        assert len(result["relatedLocations"]) == SARIF_MAX_RELATED_LOCATIONS == 100
        assert [r["id"] for r in result["relatedLocations"]] == list(range(1, 101))
        assert result["properties"]["relatedLocations"] == {"total": 150, "written": 100}
    cut = log["runs"][0]["properties"]["sarifCut"]
    assert (cut["cut"], cut["relatedLocationsCut"], cut["reason"]) == (0, 150, "related-locations")
    # Nothing else was cut, so the findings keep their order.
    assert [result_key(r) for r in log["runs"][0]["results"]] == [finding_key(f) for f in report.findings]
    (notification,) = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["descriptor"] == {"id": "sarif-related-locations-cut"}
    assert sarif_cut_line(log) == ("SARIF: 150 related locations left out (at most 100 a result); "
                                   "every one is in --format json")
    assert list(SCHEMA.iter_errors(log)) == []


def test_a_log_within_the_limits_says_nothing_of_them():
    log = to_sarif(synthetic_report(200, 50, related=SARIF_MAX_RELATED_LOCATIONS))
    run = log["runs"][0]
    assert len(run["results"]) == 200
    assert "sarifCut" not in run["properties"]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert sarif_cut_line(log) is None


def test_a_small_corpus_log_is_byte_for_byte_what_it_was(corpus):  # noqa: F811 - the fixture
    """tests/data/gate_corpus.sarif is test_gate's corpus as to_sarif wrote it before the limits
    (the working folder's URI and auditor's version put aside)."""
    log = to_sarif(evaluate(corpus, Policy()))
    log["runs"][0]["tool"]["driver"]["version"] = "VERSION"
    text = render_sarif(log).replace(Path.cwd().as_uri() + "/", "SRCROOT/")
    assert text == (DATA / "gate_corpus.sarif").read_text(encoding="utf-8")


def test_check_says_on_stderr_what_the_sarif_left_out(corpus, monkeypatch, tmp_path):  # noqa: F811
    # The corpus has 7 findings; with room for 3 the CLI must say what it cut.
    monkeypatch.setattr(gate, "SARIF_MAX_RESULTS", 3)
    monkeypatch.setattr("auditor.scan.audit", lambda paths, rules=None, **options: corpus)
    outcome = CliRunner().invoke(main, ["check", "docs", "--format", "sarif", "--output", "out.sarif"])
    assert outcome.exit_code == 1, outcome.output
    log = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    n = len(evaluate(corpus, Policy()).findings)
    errors = sum(1 for f in evaluate(corpus, Policy()).findings if f.fails)
    assert len(log["runs"][0]["results"]) == 3 and errors > 3
    assert f"SARIF: {n} findings, the first 3 written (3 of {errors} errors); the rest are in --format json" \
        in outcome.stderr.splitlines()
    outcome = CliRunner().invoke(main, ["check", "docs", "--format", "sarif"])
    assert json.loads(outcome.stdout)["runs"][0]["properties"]["sarifCut"]["written"] == 3
    assert "SARIF: " in outcome.stderr
