"""The audit tables: records become pandas DataFrames only here, at the edge.

Each function reads an :class:`auditor.result.AuditResult`, which offers the
frames as properties: this module does not import it back."""
from __future__ import annotations

import csv
from itertools import repeat
from pathlib import Path

import pandas as pd

from .folder import PARQUET_TABLE_FILES, TABLE_FILES, scan_files

SLOT_COLUMNS = [
    "doc", "slot_id", "start", "end", "line", "column", "mask", "left_context", "right_context",
    "slot_type", "unit", "place_level", "rule", "recovered", "recovered_confidence", "leak",
]
FILE_COLUMNS = ["doc", "format", "encoding", "chars", "n_slots", "in_file", "status", "message"]
# What Word, PDF and HTML files hold besides their visible text (auditor.map.formats.FileFinding).
IN_FILE_COLUMNS = ["doc", "rule", "kind", "where", "text", "start", "end"]
DOCUMENT_COLUMNS = [
    "doc", "group", "n_slots", "identity", "identity_level", "confidence", "risk", "anonymity_set", "verdict",
    "top_clues",
]
CLUE_COLUMNS = ["doc", "start", "end", "line", "text", "kind", "candidates", "weight"]

# The type of every column, as the frames hold it and the Parquet tables write it (pandas reads
# them back as str, int64, float64 and bool): a column's type does not depend on its values, so
# an empty table (in_file of a corpus of text files) has the same schema as a full one. A text
# column's missing values (a slot nothing recovered) are nulls, recovered_confidence's too.
_TEXT, _INT, _FLOAT, _BOOL = "string", "int64", "float64", "bool"
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "slots": {"doc": _TEXT, "slot_id": _TEXT, "start": _INT, "end": _INT, "line": _INT, "column": _INT,
              "mask": _TEXT, "left_context": _TEXT, "right_context": _TEXT, "slot_type": _TEXT, "unit": _TEXT,
              "place_level": _TEXT, "rule": _TEXT, "recovered": _TEXT, "recovered_confidence": _FLOAT,
              "leak": _BOOL},
    "files": {"doc": _TEXT, "format": _TEXT, "encoding": _TEXT, "chars": _INT, "n_slots": _INT, "in_file": _INT,
              "status": _TEXT, "message": _TEXT},
    "documents": {"doc": _TEXT, "group": _TEXT, "n_slots": _INT, "identity": _TEXT, "identity_level": _TEXT,
                  "confidence": _FLOAT, "risk": _FLOAT, "anonymity_set": _INT, "verdict": _TEXT,
                  "top_clues": _TEXT},
    "clues": {"doc": _TEXT, "start": _INT, "end": _INT, "line": _INT, "text": _TEXT, "kind": _TEXT,
              "candidates": _TEXT, "weight": _FLOAT},
    "in_file": {"doc": _TEXT, "rule": _TEXT, "kind": _TEXT, "where": _TEXT, "text": _TEXT, "start": _INT,
                "end": _INT},
}


def slot_columns(result: "AuditResult") -> dict[str, list]:
    slots = [slot for analysis in result.analyses for slot in analysis.slots]
    # Column by column: a corpus has hundreds of thousands of slots, and a dict
    # per row costs several times more to build and to convert.
    columns = {
        name: [getattr(slot, name) for slot in slots]
        for name in SLOT_COLUMNS
        if name not in ("recovered_confidence", "leak")
    }
    columns["recovered_confidence"] = [
        None if slot.recovered_confidence is None else round(slot.recovered_confidence, 4) for slot in slots
    ]
    columns["leak"] = [slot.leak for slot in slots]
    return {name: columns[name] for name in SLOT_COLUMNS}


def _slots_frame(columns: dict[str, list]) -> pd.DataFrame:
    frame = pd.DataFrame(columns, columns=SLOT_COLUMNS)
    return frame.astype({"start": "int64", "end": "int64", "line": "int64", "column": "int64", "leak": "bool"})


def slots_frame(result: "AuditResult") -> pd.DataFrame:
    return _slots_frame(slot_columns(result))


def files_frame(result: "AuditResult") -> pd.DataFrame:
    rows = [
        {
            "doc": a.source.doc, "format": a.source.format, "encoding": a.source.encoding,
            "chars": len(a.source.text), "n_slots": len(a.slots), "in_file": len(a.source.in_file),
            "status": a.source.status, "message": a.source.message,
        }
        for a in result.analyses
    ]
    return pd.DataFrame(rows, columns=FILE_COLUMNS)


def in_file_frame(result: "AuditResult") -> pd.DataFrame:
    rows = [
        {"doc": a.source.doc, "rule": f.rule, "kind": f.kind, "where": f.where, "text": f.text,
         "start": f.start, "end": f.end}
        for a in result.analyses
        for f in a.source.in_file
    ]
    return pd.DataFrame(rows, columns=IN_FILE_COLUMNS)


def documents_frame(result: "AuditResult") -> pd.DataFrame:
    rows = []
    for identity in result.identities:
        rows.append({
            "doc": identity.doc, "group": identity.group, "n_slots": identity.n_slots,
            "identity": identity.identity, "identity_level": identity.identity_level,
            "confidence": round(identity.confidence, 4), "risk": round(identity.risk, 4),
            "anonymity_set": identity.anonymity_set,
            "verdict": identity.verdict,
            "top_clues": "; ".join(f"{c.text} ({c.kind}, {c.weight:.2f})" for c in identity.top_clues),
        })
    return pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)


def clue_columns(result: "AuditResult") -> dict[str, list]:
    clues = [clue for analysis in result.analyses for clue in analysis.clues]
    # The same clue recurs across documents: describe its candidates once.
    described: dict[tuple[int, ...], str] = {}
    candidates = []
    for clue in clues:
        text = described.get(clue.candidates)
        if text is None:
            text = described[clue.candidates] = result.describe_candidates(clue)
        candidates.append(text)
    columns = {name: [getattr(clue, name) for clue in clues] for name in ("doc", "start", "end", "line", "text", "kind")}
    columns["candidates"] = candidates
    columns["weight"] = [round(clue.weight, 4) for clue in clues]
    return columns


def clues_frame(result: "AuditResult") -> pd.DataFrame:
    return pd.DataFrame(clue_columns(result), columns=CLUE_COLUMNS)


# A spreadsheet runs a cell that starts with one of these as a formula
# (OWASP, "CSV Injection"): names and contexts come from the documents.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A text cell that a spreadsheet would run as a formula, prefixed with
    ``'`` as OWASP recommends; numbers and every other cell as they are."""
    return "'" + value if _is_formula(value) else value


def _safe_column(values: list) -> list:
    """The column with its formula cells neutralised; most columns hold none,
    and are returned as they are. Asked with map() (C calls, no Python frame
    per cell): a slots table has millions of cells."""
    try:
        risky = any(map(str.startswith, values, repeat(FORMULA_STARTS)))
    except TypeError:  # not all text: numbers (never prefixed), None, or a mix
        risky = str in set(map(type, values)) and any(map(_is_formula, values))
    return [spreadsheet_safe(v) for v in values] if risky else values


def _is_formula(value) -> bool:
    return type(value) is str and value.startswith(FORMULA_STARTS)


def _write_csv(columns: dict[str, list], path: Path) -> Path:
    """The columns as CSV (the csv module, an empty field for None), at twice
    the speed of building and writing a pandas frame. Lines end in CRLF as
    RFC 4180 says: the csv module quotes a cell holding any character of the
    line terminator, so a lone CR in a name or context is quoted too (with
    LF endings it went out bare and split the row)."""
    safe = [_safe_column(values) for values in columns.values()]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(zip(*safe))
    return path


# The JSON tables are encoded this many rows at a time: the whole table as one
# string (and its UTF-8 copy) was ten times the input's size at its peak.
JSON_ROWS_PER_SLICE = 10_000


def _write_json(frame: pd.DataFrame, path: Path) -> Path:
    # pandas' own encoder: the json module's is slower, and its indenting
    # encoder pure Python.
    with open(path, "w", encoding="utf-8") as handle:
        if frame.empty:
            handle.write(_json_records(frame) + "\n")
            return path
        for begin in range(0, len(frame), JSON_ROWS_PER_SLICE):
            # Each slice is an array "[\n {…},\n {…}\n]": its rows, joined
            # with "," as the whole table's are, make the same bytes.
            rows = _json_records(frame.iloc[begin:begin + JSON_ROWS_PER_SLICE])[1:-2]
            handle.write(("[" if begin == 0 else ",") + rows)
        handle.write("\n]\n")
    return path


def _json_records(frame: pd.DataFrame) -> str:
    return frame.to_json(orient="records", force_ascii=False, indent=1)


# Parquet's compression: zstd is what pyarrow, pandas, DuckDB, Polars and Spark 3 read, and
# makes the seeds' tables a fifth smaller than the default snappy does, at about its speed.
PARQUET_COMPRESSION = "zstd"


def _write_parquet(table: str, columns: dict[str, list] | pd.DataFrame, path: Path) -> Path:
    """One table as a Parquet file, every column of its COLUMN_TYPES type. The text keeps
    its true value (no formula guard: no spreadsheet runs a Parquet cell)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
    schema = pa.schema([(name, types[kind]) for name, kind in COLUMN_TYPES[table].items()])
    if isinstance(columns, pd.DataFrame):
        arrow = pa.Table.from_pandas(columns, schema=schema, preserve_index=False)
    else:
        arrow = pa.Table.from_pydict(columns, schema=schema)
    # A bare table: no pandas metadata, so any reader gets the same plain columns.
    pq.write_table(arrow.replace_schema_metadata(None), path, compression=PARQUET_COMPRESSION)
    return path


def write_tables(result: "AuditResult", out: str | Path, tables: str = "csv") -> list[Path]:
    """Writes the slots, files, documents, clues and in-file tables; returns the paths written.
    ``tables``: ``csv`` (CSV, and JSON for slots and documents: TABLE_FILES) or ``parquet``
    (one Parquet file a table: PARQUET_TABLE_FILES, the columns of COLUMN_TYPES)."""
    scan_files(tables)  # an unknown format is refused before anything is written
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    slots = slot_columns(result)
    documents = documents_frame(result)
    if tables == "parquet":
        paths = dict(zip(("slots", "files", "documents", "clues", "in_file"), (out / n for n in PARQUET_TABLE_FILES)))
        return [
            _write_parquet("slots", slots, paths["slots"]),
            _write_parquet("files", files_frame(result), paths["files"]),
            _write_parquet("documents", documents, paths["documents"]),
            _write_parquet("clues", clue_columns(result), paths["clues"]),
            _write_parquet("in_file", in_file_frame(result), paths["in_file"]),
        ]
    paths = [out / name for name in TABLE_FILES]
    return [
        _write_csv(slots, paths[0]),
        _write_json(_slots_frame(slots), paths[1]),
        _write_csv(_frame_columns(files_frame(result)), paths[2]),
        _write_csv(_frame_columns(documents), paths[3]),
        _write_json(documents, paths[4]),
        _write_csv(clue_columns(result), paths[5]),
        _write_csv(_frame_columns(in_file_frame(result)), paths[6]),
    ]


def _frame_columns(frame: pd.DataFrame) -> dict[str, list]:
    return {name: frame[name].tolist() for name in frame.columns}
