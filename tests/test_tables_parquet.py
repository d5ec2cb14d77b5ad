"""`auditor scan --tables parquet` (and ``write_audit(..., tables="parquet")``): one .parquet file a
table, the same rows and values as the CSV tables of a CSV scan, every column of its documented type
(auditor.output.tables.COLUMN_TYPES), written through the output folder's staging like the rest."""
from __future__ import annotations

import csv
import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner

import auditor
from auditor.cli import main
from auditor.errors import OutputError
from auditor.output.folder import MANIFEST, PARQUET_TABLE_FILES, TABLE_FILES
from auditor.output.tables import COLUMN_TYPES, spreadsheet_safe

TABLES = ("slots", "files", "documents", "clues", "in_file")
# How pandas reads each documented type back from Parquet.
PANDAS_DTYPES = {"string": "str", "int64": "int64", "float64": "float64", "bool": "bool"}


def scan(seeds_dir, out, *options):
    outcome = CliRunner().invoke(main, ["scan", str(seeds_dir), "--out", str(out), "-j", "1", "-q", *options])
    assert outcome.exit_code == 0, outcome.output
    return out


@pytest.fixture(scope="module")
def scans(tmp_path_factory, seeds_dir):
    """The seeds scanned twice, linked: with CSV tables (the default) and with Parquet tables."""
    folder = tmp_path_factory.mktemp("tables")
    return scan(seeds_dir, folder / "csv"), scan(seeds_dir, folder / "parquet", "--tables", "parquet")


def csv_rows(path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def as_csv_cell(value) -> str:
    """A Parquet value as the CSV writer writes it: nothing for a null, the formula guard on text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return str(value)


def test_a_parquet_scan_writes_one_parquet_file_a_table_and_the_report(scans):
    _, parquet = scans
    manifest = json.loads((parquet / MANIFEST).read_text(encoding="utf-8"))
    tables = sorted(name for name in manifest["files"] if "/" not in name and name != "index.html")
    assert tables == sorted(PARQUET_TABLE_FILES) == sorted(f"{t}.parquet" for t in TABLES)
    assert (parquet / "index.html").is_file() and any((parquet / "docs").iterdir())
    assert not any((parquet / name).exists() for name in TABLE_FILES)  # no CSV nor JSON beside them
    # Nothing but the folder is left beside it: the tables went through the staging folder.
    assert sorted(p.name for p in parquet.parent.iterdir() if p.name.startswith(".parquet.")) == [
        ".parquet.auditor-lock"]


@pytest.mark.parametrize("table", TABLES)
def test_each_parquet_table_has_the_csv_tables_rows_and_values(scans, table):
    csv_scan, parquet = scans
    frame = pd.read_parquet(parquet / f"{table}.parquet")
    header, rows = csv_rows(csv_scan / f"{table}.csv")
    assert list(frame.columns) == header == list(COLUMN_TYPES[table])
    assert [[as_csv_cell(v) for v in row] for row in frame.astype(object).itertuples(index=False)] == rows
    if table in ("slots", "clues"):
        assert len(rows) > 500  # the seeds' 554 slots, 506 clues: the comparison compared something


@pytest.mark.parametrize("table", TABLES)
def test_each_parquet_column_has_its_documented_type(scans, table):
    _, parquet = scans
    frame = pd.read_parquet(parquet / f"{table}.parquet")
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == {
        name: PANDAS_DTYPES[kind] for name, kind in COLUMN_TYPES[table].items()}


@pytest.fixture(scope="module")
def seeds_result(seeds_dir):
    return auditor.audit([str(seeds_dir)], workers=1)


@pytest.mark.parametrize("table", ("slots", "files", "documents", "clues"))
def test_the_parquet_tables_are_the_frames_of_the_result(scans, seeds_result, table):
    # The library's frames (result.slots, …) are what the CSV tables are written from: the Parquet
    # tables read back equal to them, types and all (in_file is empty for the seeds, so its frame has
    # no types to compare).
    _, parquet = scans
    expected = getattr(seeds_result, table)
    pd.testing.assert_frame_equal(pd.read_parquet(parquet / f"{table}.parquet"), expected, check_dtype=True)
    assert expected["doc"].str.len().min() > 0


def test_parquet_keeps_text_a_spreadsheet_would_run_that_the_csv_guards(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("=SUM(1)×县人民政府工作报告\n", encoding="utf-8")
    for kind in ("csv", "parquet"):
        outcome = CliRunner().invoke(main, ["scan", str(tmp_path / "docs"), "--out", str(tmp_path / kind),
                                            "--tables", kind, "--no-link", "-q"])
        assert outcome.exit_code == 0, outcome.output
    slots = pd.read_parquet(tmp_path / "parquet" / "slots.parquet")
    _, rows = csv_rows(tmp_path / "csv" / "slots.csv")
    assert slots["left_context"].tolist() == ["=SUM(1)"] and rows[0][7] == "'=SUM(1)"
    assert slots["mask"].tolist() == ["×"] and slots["recovered_confidence"].isna().all()


def test_library_write_audit_takes_the_tables_format(tmp_path, seeds_dir):
    result = auditor.audit([str(seeds_dir)], workers=1, link=False)
    written = auditor.write_audit(result, tmp_path / "lib", tables="parquet")
    assert [p.name for p in written] == [*PARQUET_TABLE_FILES, "index.html"]
    assert len(pd.read_parquet(tmp_path / "lib" / "slots.parquet")) == 554
    with pytest.raises(OutputError, match="tables 'xlsx': the audit tables are written as csv or parquet"):
        auditor.write_audit(result, tmp_path / "other", tables="xlsx")
    assert not (tmp_path / "other").exists()


def test_switching_formats_replaces_the_earlier_tables(tmp_path, seeds_dir):
    out = tmp_path / "out"
    scan(seeds_dir, out, "--no-link")
    (out / ".gitkeep").write_text("", encoding="utf-8")  # not auditor's: kept
    scan(seeds_dir, out, "--no-link", "--tables", "parquet")
    names = {p.name for p in out.iterdir()}
    assert set(PARQUET_TABLE_FILES) <= names and not names & set(TABLE_FILES) and ".gitkeep" in names
    scan(seeds_dir, out, "--no-link")
    names = {p.name for p in out.iterdir()}
    assert set(TABLE_FILES) <= names and not names & set(PARQUET_TABLE_FILES)


def test_someone_elses_parquet_file_is_refused_before_anything_is_read(tmp_path, seeds_dir, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "slots.parquet").write_bytes(b"mine")

    def no_audit(*args, **kwargs):
        raise AssertionError("the audit ran although the destination was refused")

    monkeypatch.setattr("auditor.scan.audit", no_audit)
    outcome = CliRunner().invoke(main, ["scan", str(seeds_dir), "--out", str(out), "--tables", "parquet"])
    assert outcome.exit_code == 2
    assert "holds slots.parquet, which auditor would replace but did not write" in outcome.stderr
    assert (out / "slots.parquet").read_bytes() == b"mine"


def test_a_csv_scan_leaves_someone_elses_parquet_file_alone(tmp_path, seeds_dir):
    out = tmp_path / "out"
    out.mkdir()
    (out / "slots.parquet").write_bytes(b"mine")
    scan(seeds_dir, out, "--no-link")
    assert (out / "slots.parquet").read_bytes() == b"mine" and (out / "slots.csv").is_file()


@pytest.mark.parametrize("value", ["xlsx", "CSV ", ""])
def test_an_unknown_tables_format_is_a_usage_error(tmp_path, seeds_dir, value):
    out = tmp_path / "out"
    outcome = CliRunner().invoke(main, ["scan", str(seeds_dir), "--out", str(out), "--tables", value])
    assert outcome.exit_code == 2
    assert "Invalid value for '--tables'" in outcome.stderr
    assert not out.exists()


def test_help_names_the_option():
    outcome = CliRunner().invoke(main, ["scan", "--help"])
    assert outcome.exit_code == 0 and "--tables [csv|parquet]" in outcome.output
