"""`auditor scan --no-link`: the tables a user gets for the seed corpus."""
from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from auditor.cli import main

SLOT_COLUMNS = [
    "doc", "slot_id", "start", "end", "line", "column", "mask", "left_context", "right_context",
    "slot_type", "unit", "place_level", "rule", "recovered", "recovered_confidence", "leak",
]
FILE_COLUMNS = ["doc", "format", "encoding", "chars", "n_slots", "in_file", "status", "message"]
SEED_COUNTS = {"000": 271, "001": 283, "002": 0, "003": 0, "004": 0}


def seed_prefix(doc: str) -> str:
    """'000' for seeds/000_f10a573ecf1e5254.txt: documents are named by the folder as given."""
    return doc.rpartition("/")[2][:3]


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


@pytest.fixture(scope="module")
def seeds_scan_out(tmp_path_factory, seeds_dir):
    out = tmp_path_factory.mktemp("scan") / "reports"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in seeds_dir.iterdir()}
    outcome = CliRunner().invoke(main, ["scan", str(seeds_dir), "--out", str(out), "--no-link", "-j", "1"])
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in seeds_dir.iterdir()}
    assert outcome.exit_code == 0, outcome.output
    assert after == before, "the scan changed an input file"
    return out, outcome


def test_slots_csv_columns_and_rows(seeds_scan_out, seed_text):
    out, _ = seeds_scan_out
    columns, rows = read_csv(out / "slots.csv")
    assert columns == SLOT_COLUMNS
    counts = {prefix: 0 for prefix in SEED_COUNTS}
    for row in rows:
        counts[seed_prefix(row["doc"])] += 1
        text = seed_text(seed_prefix(row["doc"]))
        assert text[int(row["start"]) : int(row["end"])] == row["mask"]
        assert row["slot_type"] in {"number", "ordinal", "year", "code", "place", "unknown"}
        assert row["rule"]
        # nothing is linked with --no-link: no recovery, no leak
        assert (row["recovered"], row["recovered_confidence"], row["leak"]) == ("", "", "False")
    assert counts == SEED_COUNTS


def test_slots_csv_keeps_context_verbatim(seeds_scan_out, seed_text):
    out, _ = seeds_scan_out
    _, rows = read_csv(out / "slots.csv")
    text = seed_text("000")
    for row in rows:
        if seed_prefix(row["doc"]) == "000":
            start, end = int(row["start"]), int(row["end"])
            assert row["left_context"] == text[max(0, start - 12) : start]
            assert row["right_context"] == text[end : end + 12]


def test_slots_json_matches_the_csv(seeds_scan_out):
    out, _ = seeds_scan_out
    _, rows = read_csv(out / "slots.csv")
    records = json.loads((out / "slots.json").read_text(encoding="utf-8"))
    assert isinstance(records, list) and len(records) == len(rows)
    assert all(list(r) == SLOT_COLUMNS for r in records)
    assert [(r["doc"], r["slot_id"], r["start"], r["mask"], r["slot_type"]) for r in records] == [
        (r["doc"], r["slot_id"], int(r["start"]), r["mask"], r["slot_type"]) for r in rows
    ]
    assert all(r["leak"] is False and r["recovered_confidence"] is None for r in records)


def test_files_csv(seeds_scan_out, seed_text):
    out, _ = seeds_scan_out
    columns, rows = read_csv(out / "files.csv")
    assert columns == FILE_COLUMNS
    assert [seed_prefix(r["doc"]) for r in rows] == list(SEED_COUNTS)
    for row in rows:
        prefix = seed_prefix(row["doc"])
        assert (row["status"], row["format"], row["encoding"], row["message"]) == ("ok", "text", "utf-8", "")
        assert (int(row["n_slots"]), row["in_file"]) == (SEED_COUNTS[prefix], "0")
        assert int(row["chars"]) == len(seed_text(prefix))


def test_summary_on_stdout(seeds_scan_out):
    _, outcome = seeds_scan_out
    assert "Scanned 5 file(s)" in outcome.output
    assert "554 slot(s)" in outcome.output
    assert "slots.csv" in outcome.output


def test_worker_processes_give_the_same_tables(tmp_path, seeds_dir, seeds_scan_out):
    out, _ = seeds_scan_out
    parallel = tmp_path / "parallel"
    outcome = CliRunner().invoke(main, ["scan", str(seeds_dir), "--out", str(parallel), "--no-link", "-j", "2", "-q"])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output == ""
    for name in ("slots.csv", "slots.json", "files.csv"):
        assert (parallel / name).read_bytes() == (out / name).read_bytes(), name


def test_single_file_path(tmp_path, seed_path):
    out = tmp_path / "one"
    outcome = CliRunner().invoke(main, ["scan", str(seed_path("000")), "--out", str(out), "--no-link", "-q"])
    assert outcome.exit_code == 0, outcome.output
    _, rows = read_csv(out / "files.csv")
    assert [(r["doc"], r["n_slots"]) for r in rows] == [(seed_path("000").as_posix(), "271")]


def test_missing_path_is_a_usage_error(tmp_path, seeds_dir):
    missing = tmp_path / "no-such-folder"
    out = tmp_path / "out"
    outcome = CliRunner().invoke(main, ["scan", str(seeds_dir), str(missing), "--out", str(out), "--no-link"])
    assert outcome.exit_code == 2
    assert "no such file or folder" in outcome.output
    assert str(missing) in outcome.output
    assert not out.exists()


def test_scan_without_paths_is_a_usage_error():
    outcome = CliRunner().invoke(main, ["scan", "--no-link"])
    assert outcome.exit_code == 2
    assert "PATHS" in outcome.output


@pytest.mark.parametrize("args", [["--help"], ["scan", "--help"], ["-h"]])
def test_help(args):
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code == 0
    assert "Usage:" in outcome.output
    if "scan" in args:
        for option in ("--out", "--no-link", "--max-bytes", "--workers", "--rules"):
            assert option in outcome.output
    else:
        assert "scan" in outcome.output
