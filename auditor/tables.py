"""The audit tables: records become pandas DataFrames only here, at the edge."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .scan import AuditResult

SLOT_COLUMNS = [
    "doc", "slot_id", "start", "end", "line", "column", "mask", "left_context", "right_context",
    "slot_type", "unit", "place_level", "rule", "recovered", "recovered_confidence", "leak",
]
FILE_COLUMNS = ["doc", "encoding", "chars", "n_slots", "status", "message"]
DOCUMENT_COLUMNS = [
    "doc", "group", "n_slots", "identity", "identity_level", "confidence", "anonymity_set", "verdict", "top_clues",
]
CLUE_COLUMNS = ["doc", "start", "end", "line", "text", "kind", "candidates", "weight"]


def slots_frame(result: "AuditResult") -> pd.DataFrame:
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
    frame = pd.DataFrame(columns, columns=SLOT_COLUMNS)
    return frame.astype({"start": "int64", "end": "int64", "line": "int64", "column": "int64", "leak": "bool"})


def files_frame(result: "AuditResult") -> pd.DataFrame:
    rows = [
        {
            "doc": a.source.doc, "encoding": a.source.encoding, "chars": len(a.source.text),
            "n_slots": len(a.slots), "status": a.source.status, "message": a.source.message,
        }
        for a in result.analyses
    ]
    return pd.DataFrame(rows, columns=FILE_COLUMNS)


def documents_frame(result: "AuditResult") -> pd.DataFrame:
    rows = []
    for identity in result.identities:
        rows.append({
            "doc": identity.doc, "group": identity.group, "n_slots": identity.n_slots,
            "identity": identity.identity, "identity_level": identity.identity_level,
            "confidence": round(identity.confidence, 4), "anonymity_set": identity.anonymity_set,
            "verdict": identity.verdict,
            "top_clues": "; ".join(f"{c.text} ({c.kind}, {c.weight:.2f})" for c in identity.top_clues),
        })
    return pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)


def clues_frame(result: "AuditResult") -> pd.DataFrame:
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
    return pd.DataFrame(columns, columns=CLUE_COLUMNS)


def _write(frame: pd.DataFrame, out: Path, stem: str, with_json: bool) -> list[Path]:
    written = [out / f"{stem}.csv"]
    frame.to_csv(written[0], index=False, encoding="utf-8", lineterminator="\n")
    if with_json:
        written.append(out / f"{stem}.json")
        # pandas' own encoder: the json module's indenting encoder is pure Python
        # and dominates on a large corpus.
        text = frame.to_json(orient="records", force_ascii=False, indent=1)
        written[-1].write_text(text + "\n", encoding="utf-8")
    return written


def write_tables(result: "AuditResult", out: str | Path) -> list[Path]:
    """Writes slots, files, documents and clues tables; returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    written += _write(slots_frame(result), out, "slots", with_json=True)
    written += _write(files_frame(result), out, "files", with_json=False)
    written += _write(documents_frame(result), out, "documents", with_json=True)
    written += _write(clues_frame(result), out, "clues", with_json=False)
    return written
